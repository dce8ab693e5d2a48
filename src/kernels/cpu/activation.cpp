#include "kernels/cpu/activation.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <type_traits>

#include "kernels/cpu/binary.h"
#include "kernels/cpu/convert.h"

namespace ember::kernels {

namespace {

template <typename T>
using opmath_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename T, typename F>
void run1(const TensorIter& it, const F& f) {
  if constexpr (is_reduced_float_v<T>) {
    reduced_kernel1<T>(it, f);
  } else {
    cpu_kernel<T, T>(it, f);
  }
}
template <typename T, typename F>
void run2(const TensorIter& it, const F& f) {
  if constexpr (is_reduced_float_v<T>) {
    reduced_kernel2<T>(it, f);
  } else {
    cpu_kernel<T, T, T>(it, f);
  }
}

template <typename M>
inline M sigmoid(M x) {
  return M(1) / (M(1) + std::exp(-x));
}
// log(1 + exp(x)) without overflow.
template <typename M>
inline M softplus1(M x) {
  return std::max(x, M(0)) + std::log1p(std::exp(-std::abs(x)));
}

template <typename T>
void forward_typed(ActOp op, const ActParams& p, const TensorIter& it) {
  using M = opmath_t<T>;
  const M a = static_cast<M>(p.a), b = static_cast<M>(p.b), c = static_cast<M>(p.c);
  switch (op) {
    case ActOp::Gelu:
      return run1<T>(it, [](M x) {
        return M(0.5) * x * (M(1) + std::erf(x * static_cast<M>(std::numbers::sqrt2 / 2)));
      });
    case ActOp::GeluTanh:
      return run1<T>(it, [](M x) {
        const M kBeta = static_cast<M>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
        const M kKappa = M(0.044715);
        const M inner = kBeta * (x + kKappa * x * x * x);
        return M(0.5) * x * (M(1) + std::tanh(inner));
      });
    case ActOp::Silu:
      return run1<T>(it, [](M x) { return x / (M(1) + std::exp(-x)); });
    case ActOp::Mish:
      return run1<T>(it, [](M x) { return x * std::tanh(softplus1(x)); });
    case ActOp::Elu:
      return run1<T>(it, [a, b, c](M x) { return x <= M(0) ? std::expm1(x * c) * a * b : x * b; });
    case ActOp::LeakyRelu:
      return run1<T>(it, [a](M x) { return x > M(0) ? x : x * a; });
    case ActOp::Hardtanh:
      return run1<T>(it, [a, b](M x) {
        // clamp: min(max(x, a), b) (b wins when a > b); NaN propagates.
        return std::isnan(x) ? x : std::min(std::max(x, a), b);
      });
    case ActOp::Hardsigmoid:
      return run1<T>(it, [](M x) { return std::min(std::max(x + M(3), M(0)), M(6)) / M(6); });
    case ActOp::Hardswish:
      return run1<T>(it, [](M x) { return x * std::min(std::max(x + M(3), M(0)), M(6)) / M(6); });
    case ActOp::Softplus:
      return run1<T>(it, [a, b](M x) { return x * a > b ? x : std::log1p(std::exp(x * a)) / a; });
    case ActOp::Threshold:
      return run1<T>(it, [a, b](M x) { return x <= a ? b : x; });
    case ActOp::LogSigmoid:
      return run1<T>(it,
                     [](M x) { return std::min(x, M(0)) - std::log1p(std::exp(-std::abs(x))); });
  }
}

template <typename T>
void backward_typed(ActOp op, const ActParams& p, bool from_result, const TensorIter& it) {
  using M = opmath_t<T>;
  const M a = static_cast<M>(p.a), b = static_cast<M>(p.b), c = static_cast<M>(p.c);
  switch (op) {
    case ActOp::Gelu:
      return run2<T>(it, [](M g, M x) {
        const M kAlpha = static_cast<M>(std::numbers::sqrt2 / 2);
        const M kBeta = static_cast<M>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi / 2);
        const M cdf = M(0.5) * (M(1) + std::erf(x * kAlpha));
        const M pdf = kBeta * std::exp(x * x * M(-0.5));
        return g * (cdf + x * pdf);
      });
    case ActOp::GeluTanh:
      return run2<T>(it, [](M g, M x) {
        const M kBeta = static_cast<M>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
        const M kKappa = M(0.044715);
        const M x_sq = x * x;
        const M inner = kBeta * (x + kKappa * x_sq * x);
        const M t = std::tanh(inner);
        const M left = M(0.5) * x, right = M(1) + t;
        const M left_d = M(0.5) * right;
        const M right_d = left * (M(1) - t * t) * kBeta * (M(1) + M(3) * kKappa * x_sq);
        return g * (left_d + right_d);
      });
    case ActOp::Silu:
      return run2<T>(it, [](M g, M x) {
        const M s = sigmoid(x);
        return g * s * (M(1) + x * (M(1) - s));
      });
    case ActOp::Mish:
      return run2<T>(it, [](M g, M x) {
        const M s = sigmoid(x);
        const M t = std::tanh(softplus1(x));
        return g * (t + x * s * (M(1) - t * t));
      });
    case ActOp::Elu:
      if (from_result)
        return run2<T>(it, [a, b, c](M g, M y) { return y <= M(0) ? g * c * (y + a * b) : g * b; });
      return run2<T>(
          it, [a, b, c](M g, M x) { return x <= M(0) ? g * c * a * b * std::exp(x * c) : g * b; });
    case ActOp::LeakyRelu:
      return run2<T>(it, [a](M g, M x) { return x > M(0) ? g : g * a; });
    case ActOp::Hardtanh:
      return run2<T>(it, [a, b](M g, M x) { return (x <= a || x >= b) ? M(0) : g; });
    case ActOp::Hardsigmoid:
      return run2<T>(it, [](M g, M x) { return (x > M(-3) && x < M(3)) ? g / M(6) : M(0); });
    case ActOp::Hardswish:
      return run2<T>(it, [](M g, M x) {
        return x < M(-3) ? M(0) : (x <= M(3) ? g * (x / M(3) + M(0.5)) : g);
      });
    case ActOp::Softplus:
      return run2<T>(it, [a, b](M g, M x) {
        const M z = std::exp(x * a);
        return x * a > b ? g : g * z / (z + M(1));
      });
    case ActOp::Threshold:
      return run2<T>(it, [a](M g, M x) { return x <= a ? M(0) : g; });
    case ActOp::LogSigmoid:
      return run2<T>(it, [](M g, M x) {
        const bool neg = x < M(0);
        const M z = std::exp(-std::abs(x));
        return g * ((neg ? M(1) : M(0)) - (neg ? M(1) : M(-1)) * (z / (M(1) + z)));
      });
  }
  (void)c;
}

}  // namespace

void activation_kernel(ActOp op, const ActParams& p, const TensorIter& it, DType dtype,
                       const char* name) {
  EMBER_DISPATCH_FLOATING(dtype, name, [&] { forward_typed<scalar_t>(op, p, it); });
}

void activation_backward_kernel(ActOp op, const ActParams& p, bool from_result,
                                const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_FLOATING(dtype, "activation_backward",
                          [&] { backward_typed<scalar_t>(op, p, from_result, it); });
}

}  // namespace ember::kernels
