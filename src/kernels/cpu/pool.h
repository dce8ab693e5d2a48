#pragma once
// Pooling on strided CPU tensors of any layout (NCHW / NCDHW and
// channels_last(_3d) read and written in place): max (with flat H*W or D*H*W
// indices, as PyTorch), average (count_include_pad, divisor_override) and the
// adaptive forms, forward and backward. float32 and float64 (average forward
// also int64, as PyTorch); the ops layer
// computes float16/bfloat16 in float32. Own loops: oneDNN's pooling has no
// PyTorch indices, ceil_mode windows or divisor_override. One set of 3-D
// loops (the 2-D kernels run them over a unit depth): where every operand has
// unit channel stride, over blocks of contiguous channels (vectorised);
// otherwise over (n, c) planes with scalar accumulators. Parallel over both.
#include <optional>

#include "ember/core/tensor.h"

namespace ember::kernels {

struct Pool2dParams {
  int64_t kh, kw, sh, sw, ph, pw, dh = 1, dw = 1;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;
};

// out and indices (int64) are (N, C, OH, OW); the windows start at o * s - p.
void max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input,
                       const Pool2dParams& p);
// grad_input (overwritten) gets grad_out scattered to the indices (max and adaptive max).
void max_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Tensor& indices);
void avg_pool2d_kernel(const Tensor& out, const Tensor& input, const Pool2dParams& p);
void avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Pool2dParams& p);
// Adaptive windows: [floor(o * I / O), ceil((o + 1) * I / O)).
void adaptive_avg_pool2d_kernel(const Tensor& out, const Tensor& input);
void adaptive_avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out);
void adaptive_max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input);

// 3-D pooling on (N, C, D, H, W) tensors. Indices are flat positions in each
// D x H x W volume.
struct Pool3dParams {
  int64_t k[3], s[3], p[3], d[3] = {1, 1, 1};
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;
};
void max_pool3d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input,
                       const Pool3dParams& p);
// grad_input (overwritten) gets grad_out scattered to the indices (max and adaptive max).
void max_pool3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Tensor& indices);
void avg_pool3d_kernel(const Tensor& out, const Tensor& input, const Pool3dParams& p);
void avg_pool3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Pool3dParams& p);
void adaptive_avg_pool3d_kernel(const Tensor& out, const Tensor& input);
void adaptive_avg_pool3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out);
void adaptive_max_pool3d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input);

}  // namespace ember::kernels
