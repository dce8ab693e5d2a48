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

// One run of elements: the loop vectorises (restrict pointers, selects).
template <typename T>
void drop_run(T* __restrict out, bool* __restrict keep, const T* __restrict x,
              const uint32_t* __restrict w, int64_t n, uint32_t last, opmath_t<T> scale) {
  using A = opmath_t<T>;
  for (int64_t i = 0; i < n; ++i) {
    const bool k = w[i] <= last;
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
  // Kept: a word below the threshold, i.e. at most its predecessor, which fits
  // 32 bits even where every word is kept (0 < p < 1 makes the threshold >= 1).
  const auto last = static_cast<uint32_t>(bernoulli_threshold(1 - p) - 1);
  EMBER_DISPATCH_FLOATING(x.dtype(), "dropout", [&] {
    using A = opmath_t<scalar_t>;
    const A scale = keep_scale<scalar_t>(p);
    const scalar_t* xp = first<const scalar_t>(x);
    scalar_t* op = first<scalar_t>(out);
    bool* kp = first<bool>(keep);
    for_each_philox_batch<4>(x.numel(), gen, [=](const uint32_t* w, int64_t e0, int64_t cnt) {
      drop_run(op + e0, kp + e0, xp + e0, w, cnt, last, scale);
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
