#pragma once
// Normalisation building blocks on strided CPU tensors viewed as (N, C, S):
// per-(n, c)-plane moments and gradient sums (single pass, float64
// accumulators) and the per-channel fused multiply-add that applies a
// normalisation or its backward. NCHW (S stride 1) and channels_last (C
// stride 1) views are read and written in place. float32 and float64; the ops
// layer computes float16/bfloat16 in float32. layer_norm has its own row
// kernels over a contiguous (M, D) tensor.
#include <vector>

#include "ember/core/tensor.h"

namespace ember::kernels {

// Count, mean and sum of squared deviations of a set of values.
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  // Chan's parallel combination.
  void merge(const Moments& o);
};

// Moments of each (n, c) plane of x (N, C, S): N * C entries, index n * C + c.
std::vector<Moments> plane_moments(const Tensor& x);

// Per (n, c) plane: sum(dy) and sum(dy * x) (N * C entries each).
void plane_grad_sums(const Tensor& dy, const Tensor& x, std::vector<double>& sum_dy,
                     std::vector<double>& sum_dy_x);

// out = a * ka + b * kb + k0, the coefficients per (n, c) (index n * C + c)
// when per_n, else per c. b may be undefined (kb ignored). out, a, b: (N, C, S).
void channel_fma(const Tensor& out, const Tensor& a, const double* ka, const Tensor& b,
                 const double* kb, const double* k0, bool per_n);

// layer_norm over the rows of contiguous (M, D) x: y = (x - mean) * rstd * w + b
// (w, b of D doubles or null); mean and rstd get M entries.
void layer_norm_kernel(const Tensor& y, const Tensor& x, const double* w, const double* b,
                       double eps, std::vector<double>& mean, std::vector<double>& rstd);
// Its backward: gx (if defined, contiguous (M, D)), gw and gb (D entries, if
// non-null).
void layer_norm_backward_kernel(const Tensor& gx, double* gw, double* gb, const Tensor& dy,
                                const Tensor& x, const double* w, const std::vector<double>& mean,
                                const std::vector<double>& rstd);

}  // namespace ember::kernels
