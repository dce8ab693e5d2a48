#pragma once
// Upsampling and pixel shuffling, as ATen's upsample_nearest1d/2d/3d,
// _upsample_nearest_exact1d/2d/3d, upsample_linear1d, upsample_bilinear2d,
// upsample_bicubic2d, upsample_trilinear3d, pixel_shuffle and pixel_unshuffle
// (what torch.nn.functional.interpolate / pixel_shuffle call; the user-facing
// interpolate is in ember/nn/functional/vision.h).
//
// output_size has one value per spatial dim; a scale (the user's scale
// factor of that dim) only changes which source index an output reads, as in
// PyTorch: 1 / scale instead of input / output size. The output keeps a
// channels_last (3d) input's memory format (bicubic: contiguous, as PyTorch
// 1.13's). Nearest works on floating types and uint8, the others on floating
// types (float16/bfloat16 computed in float32). Nodes:
// UpsampleNearest{1,2,3}DBackward1, UpsampleNearestExact{1,2,3}DBackward1,
// UpsampleLinear1DBackward1, UpsampleBilinear2DBackward1,
// UpsampleBicubic2DBackward1, UpsampleTrilinear3DBackward1,
// PixelShuffleBackward0, PixelUnshuffleBackward0.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// (N, C, W) -> (N, C, output_size[0]).
Tensor upsample_nearest1d(const Tensor& input, IntArrayRef output_size,
                          std::optional<double> scales = std::nullopt);
// (N, C, H, W) -> (N, C, OH, OW).
Tensor upsample_nearest2d(const Tensor& input, IntArrayRef output_size,
                          std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);
// (N, C, D, H, W) -> (N, C, OD, OH, OW).
Tensor upsample_nearest3d(const Tensor& input, IntArrayRef output_size,
                          std::optional<double> scales_d = std::nullopt,
                          std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);
// 'nearest-exact' (PyTorch's _upsample_nearest_exact1d/2d/3d): source index
// floor((o + 0.5) * scale) instead of floor(o * scale).
Tensor upsample_nearest_exact1d(const Tensor& input, IntArrayRef output_size,
                                std::optional<double> scales = std::nullopt);
Tensor upsample_nearest_exact2d(const Tensor& input, IntArrayRef output_size,
                                std::optional<double> scales_h = std::nullopt,
                                std::optional<double> scales_w = std::nullopt);
Tensor upsample_nearest_exact3d(const Tensor& input, IntArrayRef output_size,
                                std::optional<double> scales_d = std::nullopt,
                                std::optional<double> scales_h = std::nullopt,
                                std::optional<double> scales_w = std::nullopt);
// (N, C, W) -> (N, C, output_size[0]), linear interpolation.
Tensor upsample_linear1d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales = std::nullopt);
// (N, C, H, W) -> (N, C, OH, OW).
Tensor upsample_bilinear2d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h = std::nullopt,
                           std::optional<double> scales_w = std::nullopt);

// (*, C * r * r, H, W) -> (*, C, H * r, W * r), and back. The result is
// contiguous in the input's suggested memory format (channels_last in,
// channels_last out), as PyTorch's. Any dtype.
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);

// (N, C, H, W) -> (N, C, OH, OW), cubic convolution (A = -0.75).
Tensor upsample_bicubic2d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                          std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);
// (N, C, D, H, W) -> (N, C, OD, OH, OW).
Tensor upsample_trilinear3d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                            std::optional<double> scales_d = std::nullopt,
                            std::optional<double> scales_h = std::nullopt,
                            std::optional<double> scales_w = std::nullopt);

}  // namespace ember
