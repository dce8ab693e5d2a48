// Parity with PyTorch for mm, bmm, matmul, addmm, baddbmm, mv, dot, linear
// (references written by gen_linalg.py). Transposed cases apply the same
// .t()/.transpose() to the contiguous inputs as the Python side.
#include <gtest/gtest.h>

#include <cmath>

#include "support/parity.h"

using namespace ember;
using namespace ember::testing;

namespace {

using In = std::vector<Tensor>;
using Out = std::vector<Tensor>;

// Sums of k products: float32's rounding error grows with k (different BLAS
// blocking orders round differently).
Tolerance f32(int64_t k) { return {1.3e-6, 1e-5 + 2e-7 * static_cast<double>(k)}; }
// bfloat16: PyTorch 1.13's CPU product rounds differently from ember's (float32
// sums, one rounding at the end); differences reach a few bfloat16 ulps of the
// partial sums, so the absolute margin grows with k.
Tolerance bf16(int64_t k) { return {1.6e-2, 8e-3 * std::sqrt(static_cast<double>(k))}; }
// float16 references are float32 products rounded once, as ember computes them:
// only a last-bit tie may differ.
const Tolerance kF16{1e-3, 1e-5};

Case mm_case(std::optional<Tolerance> tol = std::nullopt) {
  return {[](const In& in) { return Out{mm(in[0], in[1])}; }, {.tol = tol}};
}
Case matmul_case(std::optional<Tolerance> tol = std::nullopt) {
  return {[](const In& in) { return Out{matmul(in[0], in[1])}; }, {.tol = tol}};
}

}  // namespace

TEST(linalgParity, AgainstPyTorch) {
  std::map<std::string, Case> cases{
      // mm
      {"mm_f32", mm_case(f32(33))},
      {"mm_f64", mm_case()},
      {"mm_bf16", mm_case(bf16(33))},
      {"mm_f16", mm_case(kF16)},
      {"mm_i64", mm_case()},
      {"mm_i32", mm_case()},
      {"mm_large_f32", mm_case(f32(784))},
      {"mm_large_i64", mm_case()},
      {"mm_n1", mm_case(f32(30))},
      {"mm_m1", mm_case(f32(30))},
      {"mm_m1n1", mm_case(f32(30))},
      {"mm_t_left", {[](const In& in) { return Out{mm(in[0].t(), in[1])}; }, {.tol = f32(33)}}},
      {"mm_t_right", {[](const In& in) { return Out{mm(in[0], in[1].t())}; }, {.tol = f32(33)}}},
      {"mm_t_both", {[](const In& in) { return Out{mm(in[0].t(), in[1].t())}; }, {.tol = f32(33)}}},
      {"mm_t_gemv_f64", {[](const In& in) { return Out{mm(in[1], in[0])}; }}},
      {"mm_t_gemv2_f64", {[](const In& in) { return Out{mm(in[0].t(), in[1].t())}; }}},
      {"mm_t_both_i64", {[](const In& in) { return Out{mm(in[0].t(), in[1].t())}; }}},
      {"mm_strided",
       {[](const In& in) { return Out{mm(in[0].slice(1, 0, std::nullopt, 2), in[1])}; },
        {.tol = f32(33)}}},
      // bmm, baddbmm
      {"bmm_f32", {[](const In& in) { return Out{bmm(in[0], in[1])}; }, {.tol = f32(7)}}},
      {"bmm_t_f64", {[](const In& in) { return Out{bmm(in[0], in[1].transpose(1, 2))}; }}},
      {"bmm_i64", {[](const In& in) { return Out{in[0].bmm(in[1])}; }}},
      {"bmm_bf16", {[](const In& in) { return Out{bmm(in[0], in[1])}; }, {.tol = bf16(9)}}},
      {"bmm_f16", {[](const In& in) { return Out{bmm(in[0], in[1])}; }, {.tol = kF16}}},
      {"baddbmm",
       {[](const In& in) { return Out{baddbmm(in[0], in[1], in[2], 0.5, 2)}; }, {.tol = f32(7)}}},
      // matmul
      {"matmul_1d1d", matmul_case(f32(7))},
      {"matmul_2d1d", matmul_case(f32(7))},
      {"matmul_1d2d", matmul_case(f32(7))},
      {"matmul_2d2d", matmul_case(f32(7))},
      {"matmul_3d1d", matmul_case(f32(7))},
      {"matmul_3d2d", matmul_case(f32(7))},
      {"matmul_4d2d", matmul_case(f32(7))},
      {"matmul_4d1d", matmul_case(f32(7))},
      {"matmul_1d3d", matmul_case(f32(7))},
      {"matmul_1d4d", matmul_case(f32(7))},
      {"matmul_2d3d", matmul_case(f32(7))},
      {"matmul_3d3d", matmul_case(f32(7))},
      {"matmul_bcast", matmul_case(f32(4))},
      {"matmul_bcast2", matmul_case(f32(2))},
      {"matmul_bcast3", matmul_case(f32(7))},
      {"matmul_empty_k", matmul_case()},
      {"matmul_empty_b", matmul_case()},
      {"matmul_bcast_f64", matmul_case()},
      {"matmul_bcast_bf16", matmul_case(bf16(4))},
      {"matmul_bcast_i64", matmul_case()},
      {"matmul_bcast_f16", matmul_case(kF16)},
      {"matmul_3d2d_f64", matmul_case()},
      {"matmul_3d2d_bf16", matmul_case(bf16(7))},
      {"matmul_3d2d_i64", matmul_case()},
      {"matmul_perm3d2d",
       {[](const In& in) { return Out{matmul(in[0].transpose(0, 1), in[1])}; }, {.tol = f32(7)}}},
      {"matmul_t3d3d",
       {[](const In& in) { return Out{in[0].transpose(1, 2).matmul(in[1].transpose(1, 2))}; },
        {.tol = f32(7)}}},
      // addmm
      {"addmm", {[](const In& in) { return Out{addmm(in[0], in[1], in[2])}; }, {.tol = f32(9)}}},
      {"addmm_beta_alpha",
       {[](const In& in) { return Out{addmm(in[0], in[1], in[2], 0.5, 2)}; }, {.tol = f32(9)}}},
      {"addmm_bcast_self",
       {[](const In& in) { return Out{addmm(in[0], in[1], in[2], -1, 0.25)}; }, {.tol = f32(9)}}},
      {"addmm_beta0_nan",
       {[](const In& in) { return Out{addmm(in[0], in[1], in[2], 0, 3)}; }, {.tol = f32(9)}}},
      {"addmm_t_f64", {[](const In& in) { return Out{addmm(in[0], in[1], in[2].t(), 2, -1.5)}; }}},
      {"addmm_i64", {[](const In& in) { return Out{in[0].addmm(in[1], in[2], 2, 3)}; }}},
      {"addmm_bf16",
       {[](const In& in) { return Out{addmm(in[0], in[1], in[2], 0.5, 2)}; }, {.tol = bf16(9)}}},
      // mv, dot
      {"mv_f32", {[](const In& in) { return Out{mv(in[0], in[1])}; }, {.tol = f32(40)}}},
      {"mv_f64", {[](const In& in) { return Out{in[0].mv(in[1])}; }}},
      {"mv_i64", {[](const In& in) { return Out{mv(in[0], in[1])}; }}},
      {"mv_t", {[](const In& in) { return Out{mv(in[0].t(), in[1])}; }, {.tol = f32(40)}}},
      {"dot_f32", {[](const In& in) { return Out{dot(in[0], in[1])}; }, {.tol = f32(40)}}},
      {"dot_f64", {[](const In& in) { return Out{in[0].dot(in[1])}; }}},
      {"dot_i64", {[](const In& in) { return Out{dot(in[0], in[1])}; }}},
      // linear
      {"linear_2d", {[](const In& in) { return Out{linear(in[0], in[1])}; }, {.tol = f32(12)}}},
      {"linear_2d_bias",
       {[](const In& in) { return Out{linear(in[0], in[1], in[2])}; }, {.tol = f32(12)}}},
      {"linear_3d", {[](const In& in) { return Out{linear(in[0], in[1])}; }, {.tol = f32(12)}}},
      {"linear_3d_bias",
       {[](const In& in) { return Out{linear(in[0], in[1], in[2])}; }, {.tol = f32(12)}}},
      {"linear_3d_noncontig_bias",
       {[](const In& in) { return Out{linear(in[0].transpose(0, 1), in[1], in[2])}; },
        {.tol = f32(12)}}},
      {"linear_1d_bias",
       {[](const In& in) { return Out{linear(in[0], in[1], in[2])}; }, {.tol = f32(12)}}},
      {"linear_mnist",
       {[](const In& in) { return Out{linear(in[0], in[1], in[2])}; }, {.tol = f32(784)}}},
      {"linear_3d_bias_f64", {[](const In& in) { return Out{linear(in[0], in[1], in[2])}; }}},
      {"linear_bias_bf16",
       {[](const In& in) { return Out{linear(in[0], in[1], in[2])}; }, {.tol = bf16(12)}}},
      {"linear_bias_f16",
       {[](const In& in) { return Out{linear(in[0], in[1], in[2])}; }, {.tol = kF16}}},
  };
  run_parity("linalg", cases);
}
