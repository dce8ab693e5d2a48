#pragma once
// CPU kernels that work along one dim of a strided tensor: softmax,
// log_softmax and cumsum; plus the vectorisable exp they and logsumexp share.
#include <algorithm>
#include <bit>
#include <cstdint>

#include "ember/core/tensor.h"
#include "kernels/cpu/reduce.h"

namespace ember::kernels {

// out = softmax(in) (or log_softmax) along dim. in and out have the same sizes
// (any strides) and the same floating dtype; Half/BFloat16 compute in float.
void softmax_kernel(const Tensor& out, const Tensor& in, int64_t dim, bool log);

// out = cumsum(in) along dim. Supported (in, out) dtypes: (T, T) for the
// floating types and int64, (integral or bool, int64). Accumulates in double
// for float32/float64, float for Half/BFloat16, int64 for integers.
void cumsum_kernel(const Tensor& out, const Tensor& in, int64_t dim);

// exp(x) for float, written without calls or branches so loops over it
// vectorise (std::exp does not). Cephes' polynomial on [-ln2/2, ln2/2]; about
// 1 ulp over the whole range, with inf, 0, denormals and NaN as std::exp.
inline float exp_f32(float x) {
  const bool nan = x != x;
  float xc = std::min(std::max(nan ? 0.0f : x, -104.0f), 88.8f);
  // n = round(x / ln2) with the 1.5 * 2^23 trick (round to nearest even).
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  // 2^n as two factors so that denormal results and n = 128 stay exact.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const float s1 = std::bit_cast<float>(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = std::bit_cast<float>(static_cast<uint32_t>(n2 + 127) << 23);
  const float res = x < -104.0f ? 0.0f : (y * s1) * s2;
  return nan ? x : res;
}

// exp_f32 on a vector of 16 floats: the same operations, lane by lane.
inline vec_t<float> exp_vec(vec_t<float> x) {
  using VF = vec_t<float>;
  using VI = vec_t<int32_t>;
  const VI nan = x != x;
  VF xc = nan ? VF{} : x;
  xc = xc < -104.0f ? VF{} - 104.0f : xc;
  xc = xc > 88.8f ? VF{} + 88.8f : xc;
  const VF n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  VF r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  VF p = VF{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const VF y = p * r * r + r + 1.0f;
  const VI ni = __builtin_convertvector(n, VI);
  const VI n1 = ni >> 1, n2 = ni - n1;
  const VF s1 = reinterpret_cast<VF>((n1 + 127) << 23);
  const VF s2 = reinterpret_cast<VF>((n2 + 127) << 23);
  const VF res = x < -104.0f ? VF{} : (y * s1) * s2;
  return nan ? x : res;
}

}  // namespace ember::kernels
