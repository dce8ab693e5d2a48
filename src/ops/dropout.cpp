// Dropout as aten's _dropout_impl composes it: a Bernoulli noise tensor, then
// ordinary (recorded) multiplication and addition. Plain dropout of a dense
// CPU tensor runs fused (kernels/cpu/dropout.h): the same numbers and the same
// node name, one pass each way and a bool mask instead of a float noise tensor.
#include "ember/ops/dropout.h"

#include <cmath>

#include "autograd/record.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/dropout.h"

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

// The composed form's noise tensor for a mask: 1 / (1 - p) where kept, else 0.
Tensor noise_of(const Tensor& keep, double p, DType dtype) {
  Tensor noise = keep.to(dtype);
  return noise.div_(1 - p);
}

// Plain out-of-place dropout of a dense floating CPU tensor, 0 < p < 1.
Tensor fused_dropout(const Tensor& x, double p, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  auto run = [&](Tensor& keep) {
    Tensor out = empty_strided(x.sizes(), x.strides(), {.dtype = x.dtype()});
    keep = empty_strided(x.sizes(), x.strides(), {.dtype = kBool});
    kernels::dropout_kernel(out, keep, x, p, g);
    return out;
  };
  Tensor keep;
  if (!autograd::grad_needed(x)) return run(keep);
  Tensor out = autograd::untracked([&] { return run(keep); });
  // Named as PyTorch's CPU node (its dropout multiplies by the noise).
  auto node = autograd::make_node(
      "MulBackward0",
      [keep, p](autograd::FormulaNodeBase&, autograd::variable_list& gr) {
        const Tensor& go = gr[0];
        if (!go.defined()) return autograd::variable_list{Tensor()};
        if ((is_grad_enabled() && autograd::requires_grad(go)) || go.strides() != keep.strides() ||
            !go.is_non_overlapping_and_dense() || go.device() != keep.device())
          return autograd::variable_list{go * noise_of(keep, p, go.dtype())};
        Tensor gi = empty_strided(go.sizes(), go.strides(), {.dtype = go.dtype()});
        kernels::dropout_backward_kernel(gi, go, keep, p);
        return autograd::variable_list{gi};
      },
      x);
  autograd::set_history(out, node);
  return out;
}

bool fusable(const Tensor& x) {
  return x.is_cpu() && x.is_floating_point() && x.is_non_overlapping_and_dense();
}

template <bool Inplace>
Tensor dropout_impl(const Tensor& x, double p, bool train, bool feature, bool alpha,
                    Generator* gen) {
  check_p(p);
  if (p == 0 || !train || x.numel() == 0) return x;
  if (p == 1)
    return multiply<Inplace>(x, zeros({}, TensorOptions{.dtype = x.dtype(), .device = x.device()}));
  if (!Inplace && !feature && !alpha && fusable(x)) return fused_dropout(x, p, gen);
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
