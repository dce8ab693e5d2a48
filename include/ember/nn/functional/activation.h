#pragma once
// torch.nn.functional's activations: names, argument order and defaults as
// there; `inplace` writes into the input (whose handle the result shares).
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/ops/activation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"

namespace ember::nn::functional {

namespace detail {
// `f_(y)` on a handle to x's tensor when inplace, else f(x).
template <typename F, typename FI>
Tensor maybe_inplace(const Tensor& x, bool inplace, const F& f, const FI& f_) {
  if (!inplace) return f(x);
  Tensor y = x;
  f_(y);
  return y;
}
}  // namespace detail

inline Tensor relu(const Tensor& x, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [](const Tensor& t) { return ember::relu(t); },
      [](Tensor& t) { ember::relu_(t); });
}
inline Tensor relu_(Tensor& x) { return ember::relu_(x); }
inline Tensor relu6(const Tensor& x, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [](const Tensor& t) { return ember::relu6(t); },
      [](Tensor& t) { ember::relu6_(t); });
}
inline Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [&](const Tensor& t) { return ember::leaky_relu(t, negative_slope); },
      [&](Tensor& t) { ember::leaky_relu_(t, negative_slope); });
}
inline Tensor leaky_relu_(Tensor& x, double negative_slope = 0.01) {
  return ember::leaky_relu_(x, negative_slope);
}
inline Tensor prelu(const Tensor& x, const Tensor& weight) { return ember::prelu(x, weight); }
inline Tensor elu(const Tensor& x, double alpha = 1.0, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [&](const Tensor& t) { return ember::elu(t, alpha); },
      [&](Tensor& t) { ember::elu_(t, alpha); });
}
inline Tensor elu_(Tensor& x, double alpha = 1.0) { return ember::elu_(x, alpha); }
inline Tensor selu(const Tensor& x, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [](const Tensor& t) { return ember::selu(t); },
      [](Tensor& t) { ember::selu_(t); });
}
inline Tensor celu(const Tensor& x, double alpha = 1.0, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [&](const Tensor& t) { return ember::celu(t, alpha); },
      [&](Tensor& t) { ember::celu_(t, alpha); });
}
inline Tensor gelu(const Tensor& x, const std::string& approximate = "none") {
  return ember::gelu(x, approximate);
}
inline Tensor silu(const Tensor& x, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [](const Tensor& t) { return ember::silu(t); },
      [](Tensor& t) { ember::silu_(t); });
}
inline Tensor mish(const Tensor& x, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [](const Tensor& t) { return ember::mish(t); },
      [](Tensor& t) { ember::mish_(t); });
}
inline Tensor sigmoid(const Tensor& x) { return ember::sigmoid(x); }
inline Tensor tanh(const Tensor& x) { return ember::tanh(x); }
inline Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0,
                       bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [&](const Tensor& t) { return ember::hardtanh(t, min_val, max_val); },
      [&](Tensor& t) { ember::hardtanh_(t, min_val, max_val); });
}
inline Tensor hardtanh_(Tensor& x, double min_val = -1.0, double max_val = 1.0) {
  return ember::hardtanh_(x, min_val, max_val);
}
inline Tensor hardsigmoid(const Tensor& x, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [](const Tensor& t) { return ember::hardsigmoid(t); },
      [](Tensor& t) { ember::hardsigmoid_(t); });
}
inline Tensor hardswish(const Tensor& x, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [](const Tensor& t) { return ember::hardswish(t); },
      [](Tensor& t) { ember::hardswish_(t); });
}
inline Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0) {
  return ember::softplus(x, beta, threshold);
}
inline Tensor softsign(const Tensor& x) { return ember::softsign(x); }
inline Tensor threshold(const Tensor& x, double threshold, double value, bool inplace = false) {
  return detail::maybe_inplace(
      x, inplace, [&](const Tensor& t) { return ember::threshold(t, threshold, value); },
      [&](Tensor& t) { ember::threshold_(t, threshold, value); });
}
inline Tensor threshold_(Tensor& x, double threshold, double value) {
  return ember::threshold_(x, threshold, value);
}
inline Tensor logsigmoid(const Tensor& x) { return ember::log_sigmoid(x); }
// x - tanh(x), composed as torch.nn.functional composes it.
inline Tensor tanhshrink(const Tensor& x) { return x - x.tanh(); }
inline Tensor softshrink(const Tensor& x, double lambd = 0.5) {
  return ember::softshrink(x, lambd);
}
inline Tensor hardshrink(const Tensor& x, double lambd = 0.5) {
  return ember::hardshrink(x, lambd);
}
inline Tensor glu(const Tensor& x, int64_t dim = -1) { return ember::glu(x, dim); }

// torch's _get_softmax_dim: the dim used when none is given (0 for 0-, 1- and
// 3-dim inputs, else 1).
inline int64_t implicit_softmax_dim(int64_t ndim) {
  return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1;
}
inline Tensor softmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt,
                      std::optional<DType> dtype = std::nullopt) {
  return ember::softmax(x, dim ? *dim : implicit_softmax_dim(x.dim()), dtype);
}
inline Tensor log_softmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt,
                          std::optional<DType> dtype = std::nullopt) {
  return ember::log_softmax(x, dim ? *dim : implicit_softmax_dim(x.dim()), dtype);
}
// softmax(-x), as torch.nn.functional composes it.
inline Tensor softmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt,
                      std::optional<DType> dtype = std::nullopt) {
  return ember::softmax(-x, dim ? *dim : implicit_softmax_dim(x.dim()), dtype);
}

}  // namespace ember::nn::functional
