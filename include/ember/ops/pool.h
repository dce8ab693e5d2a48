#pragma once
// Pooling, as torch.nn.functional's max_pool1d/2d/3d, avg_pool1d/2d/3d,
// adaptive_avg_pool2d/3d, adaptive_max_pool1d/2d/3d.
//
// 2-D: input (N, C, H, W) or unbatched (C, H, W), in either memory format; the
// output keeps the input's (channels_last in, channels_last out). An empty
// stride means stride = kernel_size. float32/float64 (float16/bfloat16
// computed in float32; average pooling also int64, as PyTorch).
// Differentiable: MaxPool2DWithIndicesBackward0, AvgPool2DBackward0,
// AdaptiveAvgPool2DBackward0, AdaptiveMaxPool2DBackward0. Indices are flat
// positions in each H x W plane (int64), as PyTorch's.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
// output_size: one value for both dims or (OH, OW).
Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size);

// 1-D forms on (N, C, L) or (C, L): the 2-D pool over a unit height.
Tensor max_pool1d(const Tensor& input, int64_t kernel_size,
                  std::optional<int64_t> stride = std::nullopt, int64_t padding = 0,
                  int64_t dilation = 1, bool ceil_mode = false);
Tensor avg_pool1d(const Tensor& input, int64_t kernel_size,
                  std::optional<int64_t> stride = std::nullopt, int64_t padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);

// 3-D pooling on (N, C, D, H, W) or unbatched (C, D, H, W), in either memory
// format; the output keeps a channels_last_3d input's format (PyTorch 2's
// rule; 1.13 returns contiguous outputs, with the same values). Indices are flat
// positions in each D x H x W volume. Nodes: MaxPool3DWithIndicesBackward0,
// AvgPool3DBackward0, AdaptiveAvgPool3DBackward0, AdaptiveMaxPool3DBackward0.
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
// output_size: one value for all three dims or (OD, OH, OW).
Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size);
// (N, C, L) or (C, L): the 2-D adaptive max pool over a unit height.
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, int64_t output_size);

}  // namespace ember
