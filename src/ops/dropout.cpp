// Dropout as aten's _dropout_impl composes it: a Bernoulli noise tensor, then
// ordinary (recorded) multiplication and addition.
#include "ember/ops/dropout.h"

#include <cmath>

#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"

namespace ember {

namespace {

void check_p(double p) {
  EMBER_CHECK(p >= 0 && p <= 1, RuntimeError,
              "dropout probability has to be between 0 and 1, but got ", p);
}

// Noise of x's shape, or [N, C, 1, ...] for the feature forms.
Tensor make_noise(const Tensor& x, bool feature) {
  if (!feature) return empty(x.sizes(), TensorOptions{.dtype = x.dtype(), .device = x.device()});
  EMBER_CHECK(x.dim() >= 2, RuntimeError,
              "Feature dropout requires at least 2 dimensions in the input");
  DimVector sizes(static_cast<size_t>(x.dim()), 1);
  sizes[0] = x.size(0);
  sizes[1] = x.size(1);
  return empty(sizes, TensorOptions{.dtype = x.dtype(), .device = x.device()});
}

template <bool Inplace>
Tensor multiply(const Tensor& x, const Tensor& noise) {
  if constexpr (Inplace) {
    Tensor y = x;
    return mul_(y, noise);
  } else {
    return mul(x, noise);
  }
}

template <bool Inplace>
Tensor dropout_impl(const Tensor& x, double p, bool train, bool feature, bool alpha,
                    Generator* gen) {
  check_p(p);
  if (p == 0 || !train || x.numel() == 0) return x;
  if (p == 1)
    return multiply<Inplace>(x, zeros({}, TensorOptions{.dtype = x.dtype(), .device = x.device()}));
  Tensor noise = make_noise(x, feature);
  noise.bernoulli_(1 - p, gen);
  if (!alpha) {
    noise.div_(1 - p);
    return multiply<Inplace>(x, noise);
  }
  constexpr double kAlpha = 1.7580993408473766;
  const double a = 1. / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
  Tensor b = noise.add(-1);
  b.mul_(kAlpha * a).add_(kAlpha * a * p);
  noise.mul_(a);
  if constexpr (Inplace) {
    Tensor y = multiply<true>(x, noise);
    return add_(y, b);
  } else {
    return add(multiply<false>(x, noise), b);
  }
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool train, Generator* gen) {
  return dropout_impl<false>(x, p, train, false, false, gen);
}
Tensor& dropout_(Tensor& x, double p, bool train, Generator* gen) {
  dropout_impl<true>(x, p, train, false, false, gen);
  return x;
}
Tensor feature_dropout(const Tensor& x, double p, bool train, Generator* gen) {
  return dropout_impl<false>(x, p, train, true, false, gen);
}
Tensor& feature_dropout_(Tensor& x, double p, bool train, Generator* gen) {
  dropout_impl<true>(x, p, train, true, false, gen);
  return x;
}
Tensor alpha_dropout(const Tensor& x, double p, bool train, Generator* gen) {
  return dropout_impl<false>(x, p, train, false, true, gen);
}
Tensor& alpha_dropout_(Tensor& x, double p, bool train, Generator* gen) {
  dropout_impl<true>(x, p, train, false, true, gen);
  return x;
}
Tensor feature_alpha_dropout(const Tensor& x, double p, bool train, Generator* gen) {
  return dropout_impl<false>(x, p, train, true, true, gen);
}
Tensor& feature_alpha_dropout_(Tensor& x, double p, bool train, Generator* gen) {
  dropout_impl<true>(x, p, train, true, true, gen);
  return x;
}

}  // namespace ember
