#pragma once
// Convolution, as torch.conv1d / conv2d / conv3d (torch.nn.functional.convN d):
// input (N, C, *spatial) or unbatched (C, *spatial), weight (OC, C / groups,
// *kernel), optional bias (OC). stride, padding and dilation take one value
// for every spatial dim or one per dim; padding may also be "same" or "valid".
//
// float32 runs on oneDNN, reading NCHW and channels_last tensors in place;
// float64 on a reference kernel (for gradcheck); bfloat16 on oneDNN's native
// kernels where the CPU has them (avx512_core_bf16; stride-1 layers of one
// to four input channels excepted), else, and float16, in float32 rounded once.
// The output is channels_last when the input or the weight suggests it
// (PyTorch's rule), else contiguous. Differentiable w.r.t. input, weight and
// bias ("ConvolutionBackward0"; only the gradients the backward needs are
// computed). Second derivatives are not supported.
#include <optional>
#include <string_view>
#include <type_traits>

#include "ember/core/tensor.h"

namespace ember {

// padding = "same" / "valid" (a string, never an integer: conv2d(x, w, b, 1, 0)
// is the integer padding).
template <typename S>
concept PaddingString =
    std::is_convertible_v<const S&, std::string_view> && !std::is_integral_v<S> &&
    !std::is_same_v<S, std::nullptr_t>;

Tensor conv1d(const Tensor& input, const Tensor& weight,
              const std::optional<Tensor>& bias = std::nullopt, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv1d_padding_mode(const Tensor& input, const Tensor& weight,
                           const std::optional<Tensor>& bias, IntArrayRef stride,
                           std::string_view padding, IntArrayRef dilation, int64_t groups);
template <PaddingString S>
Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
              IntArrayRef stride, const S& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return conv1d_padding_mode(input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight,
              const std::optional<Tensor>& bias = std::nullopt, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv2d_padding_mode(const Tensor& input, const Tensor& weight,
                           const std::optional<Tensor>& bias, IntArrayRef stride,
                           std::string_view padding, IntArrayRef dilation, int64_t groups);
template <PaddingString S>
Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
              IntArrayRef stride, const S& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return conv2d_padding_mode(input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv3d(const Tensor& input, const Tensor& weight,
              const std::optional<Tensor>& bias = std::nullopt, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv3d_padding_mode(const Tensor& input, const Tensor& weight,
                           const std::optional<Tensor>& bias, IntArrayRef stride,
                           std::string_view padding, IntArrayRef dilation, int64_t groups);
template <PaddingString S>
Tensor conv3d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
              IntArrayRef stride, const S& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return conv3d_padding_mode(input, weight, bias, stride, padding, dilation, groups);
}

// Transposed convolution, as torch.conv_transpose1d / 2d / 3d (note torch's
// argument order: output_padding and groups before dilation): input (N, C, *I)
// or unbatched, weight (C, OC / groups, *kernel), optional bias (OC). Output
// size per dim: (I - 1) * stride - 2 * padding + dilation * (kernel - 1) +
// output_padding + 1; output_padding must be smaller than stride or dilation.
// Runs the convolution's backward-data kernel (oneDNN for float32); the output
// is contiguous (as PyTorch 1.13's CPU path). Differentiable
// ("ConvolutionBackward0").
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias = std::nullopt, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias = std::nullopt, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias = std::nullopt, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);

// The algorithm of float32 CPU convolutions (a process-wide setting).
// Auto (the default) runs 3x3 stride-1 2-D convolutions with 16k channels and
// outputs of at least 8x8 as Winograd F(4x4, 3x3) (about 2x fewer
// multiplications), and everything else as a direct convolution, the
// algorithm PyTorch's CPU path uses. Winograd's results differ from a direct
// convolution's by float32 rounding (about 1e-6 of the output's magnitude).
// Direct makes every convolution direct, as PyTorch (bit-for-bit where both
// run the same oneDNN kernel).
enum class ConvAlgorithm { Auto, Direct };
void set_conv_algorithm(ConvAlgorithm algorithm);
ConvAlgorithm conv_algorithm();

// torch.convolution (transposed = false): batched input only, the rank taken
// from the weight.
Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                   IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups);

}  // namespace ember
