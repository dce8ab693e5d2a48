#include "kernels/cpu/dropout.h"

#include <cstdint>

#include "ember/core/dtype.h"
#include "kernels/cpu/convert.h"
#include "kernels/cpu/random.h"

namespace ember::kernels {

namespace {

// The composed form's noise value for a kept element: 1 / (1 - p) as its
// division computes it (the scalar rounded to T, divided in T's opmath) and
// stored as T.
template <typename T>
opmath_t<T> keep_scale(double p) {
  using A = opmath_t<T>;
  return static_cast<A>(convert<T>(A(1) / static_cast<A>(convert<T>(1 - p))));
}

template <typename T>
T* first(const Tensor& t) {  // a dense tensor's lowest element (positive strides)
  return static_cast<T*>(t.impl()->data());
}

}  // namespace

namespace {

// One run of elements: the loop vectorises (restrict pointers, selects).
template <typename T>
void drop_run(T* __restrict out, bool* __restrict keep, const T* __restrict x,
              const uint32_t* __restrict w, int64_t n, uint32_t th, opmath_t<T> scale) {
  using A = opmath_t<T>;
  for (int64_t i = 0; i < n; ++i) {
    const bool k = w[i] < th;
    keep[i] = k;
    // A multiplication even where dropped, as the composed form: inf or NaN give NaN.
    out[i] = static_cast<T>(static_cast<A>(x[i]) * (k ? scale : A(0)));
  }
}

// The mask is read as bytes (GCC has no vector type for bool loads, and
// branched per element on a select of them).
template <typename T>
void scale_kept(T* __restrict out, const T* __restrict g, const uint8_t* __restrict keep, int64_t n,
                opmath_t<T> scale) {
  using A = opmath_t<T>;
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<T>(static_cast<A>(g[i]) * (keep[i] ? scale : A(0)));
}

}  // namespace

void dropout_kernel(const Tensor& out, const Tensor& keep, const Tensor& x, double p,
                    Generator& gen) {
  const uint64_t thr = bernoulli_threshold(1 - p);
  EMBER_DISPATCH_FLOATING(x.dtype(), "dropout", [&] {
    using A = opmath_t<scalar_t>;
    const A scale = keep_scale<scalar_t>(p);
    const scalar_t* xp = first<const scalar_t>(x);
    scalar_t* op = first<scalar_t>(out);
    bool* kp = first<bool>(keep);
    // Every word is below 2^32: all kept (p below 2^-32).
    if (thr > 0xffffffffull) {
      for_each_philox_batch<4>(x.numel(), gen, [=](const uint32_t*, int64_t e0, int64_t cnt) {
        for (int64_t i = e0; i < e0 + cnt; ++i) {
          kp[i] = true;
          op[i] = static_cast<scalar_t>(static_cast<A>(xp[i]) * scale);
        }
      });
      return;
    }
    const auto th = static_cast<uint32_t>(thr);
    for_each_philox_batch<4>(x.numel(), gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      drop_run(op + e0, kp + e0, xp + e0, w, cnt, th, scale);
    });
  });
}

void dropout_backward_kernel(const Tensor& grad_input, const Tensor& grad, const Tensor& keep,
                             double p) {
  EMBER_DISPATCH_FLOATING(grad.dtype(), "dropout_backward", [&] {
    using A = opmath_t<scalar_t>;
    const A scale = keep_scale<scalar_t>(p);
    const scalar_t* gp = first<const scalar_t>(grad);
    scalar_t* op = first<scalar_t>(grad_input);
    const auto* kp = first<const uint8_t>(keep);
    parallel_for_t(0, grad.numel(), kGrainSize,
                   [=](int64_t b, int64_t e) { scale_kept(op + b, gp + b, kp + b, e - b, scale); });
  });
}

}  // namespace ember::kernels
