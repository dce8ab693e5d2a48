#pragma once
// Upsampling on strided CPU tensors of any layout (NCHW and channels_last read
// and written in place): nearest on (N, C, D, H, W) (1-D and 2-D callers add
// unit dims), bilinear on (N, C, H, W) (linear callers add a unit height),
// trilinear on (N, C, D, H, W); forward and backward, with PyTorch's
// source indices (UpSample.h: nearest_idx, area_pixel_compute_source_index).
// Where every operand has unit channel stride the loops run over blocks of
// contiguous channels; otherwise over (n, c) planes. Parallel over both.
#include <optional>

#include "ember/core/tensor.h"

namespace ember::kernels {

// scales[i]: the user's scale factor of spatial dim i, if one was given.
// exact: 'nearest-exact' (source floor((o + 0.5) * scale)) instead of
// 'nearest' (floor(o * scale)). Forward: any dtype (a gather); backward:
// float32/float64.
void upsample_nearest3d_kernel(const Tensor& out, const Tensor& input,
                               const std::optional<double>* scales, bool exact = false);
// grad_input is overwritten.
void upsample_nearest3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                        const std::optional<double>* scales, bool exact = false);
// float32/float64.
void upsample_bilinear2d_kernel(const Tensor& out, const Tensor& input, bool align_corners,
                                const std::optional<double>* scales);
void upsample_bilinear2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                         bool align_corners, const std::optional<double>* scales);

// (N, C, D, H, W), float32/float64.
void upsample_trilinear3d_kernel(const Tensor& out, const Tensor& input, bool align_corners,
                                 const std::optional<double>* scales);
void upsample_trilinear3d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                          bool align_corners, const std::optional<double>* scales);

// (N, C, H, W), float32/float64; PyTorch's cubic convolution (A = -0.75)
// with taps clamped to the input.
void upsample_bicubic2d_kernel(const Tensor& out, const Tensor& input, bool align_corners,
                               const std::optional<double>* scales);
void upsample_bicubic2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                        bool align_corners, const std::optional<double>* scales);

}  // namespace ember::kernels
