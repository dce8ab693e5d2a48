#pragma once
// Convolution on strided CPU tensors with 1, 2 or 3 spatial dims: forward,
// backward-data and backward-weights (+bias).
//
// float32 runs on oneDNN primitives. Every user tensor is described to oneDNN
// by its real strides (NCHW, NHWC or anything else), so no ember-side copy is
// made: when the output is channels_last (PyTorch's rule, decided by the
// caller when it allocates `out`) the primitive reads and writes NHWC
// directly; otherwise oneDNN picks its blocked formats and the data is
// reordered from and back into the user's layout. Weights always use the
// format oneDNN asks for (reordered per call: they are small). Primitives are
// cached by (shapes, strides, parameters) in a small thread-safe LRU.
// 3x3 stride-1 convolutions with channels in 16-blocks and outputs of 4x4
// and more run on ember's own Winograd kernels instead (winograd.h), which
// read and write the user's layout directly (past 64x64 channels on planes of
// 8x8 and more, oneDNN's Winograd computes their weight gradient); one input
// channel runs ember's own loops (conv_one_channel.h), and so do the forward
// into NCHW and the backward-data pass of two to four (conv_few_channels.h).
// float64 (oneDNN has no f64 convolution) runs a reference im2col + GEMM
// kernel. bfloat16 runs on oneDNN's native kernels where the CPU has them
// (avx512_core_bf16: products of bfloat16 values summed in float32, as
// PyTorch's) except in the shapes of the few-channel loops; float16, and
// bfloat16 elsewhere, are computed in float32 and rounded once.
//
// The ops layer (ops/conv.cpp) checks the arguments and allocates the outputs.
#include <memory>

#include "ember/core/tensor.h"
#include "ember/ops/conv.h"

namespace ember::kernels {

// One entry per spatial dim. Padding may be asymmetric (padding='same' with
// an even receptive field pads one more element at the end, as PyTorch).
struct ConvParams {
  DimVector stride, padding_l, padding_r, dilation;
  int64_t groups = 1;
};

// The input as the forward pass reordered it for oneDNN (its blocked layout):
// the backward-weights pass reads it again instead of reordering the input
// anew. Opaque outside the kernel.
struct ConvSource;
using ConvSourcePtr = std::shared_ptr<const ConvSource>;

// out (N, OC, *O) = conv(input (N, C, *I), weight (OC, C / groups, *K)) + bias (OC).
// bias may be undefined. out must not overlap the inputs. With `keep`, a
// reordered input is handed back there (else it stays empty) for the
// backward-weights pass of the same input.
void conv_forward_kernel(const Tensor& out, const Tensor& input, const Tensor& weight,
                         const Tensor& bias, const ConvParams& p, ConvSourcePtr* keep = nullptr);
// grad_input (N, C, *I) = d out / d input applied to grad_out (overwritten).
void conv_backward_input_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Tensor& weight, const ConvParams& p);
// grad_weight (overwritten) and grad_bias (overwritten; may be undefined).
// `kept`: the forward's reordered input, if any (it must hold input's values).
void conv_backward_weight_kernel(const Tensor& grad_weight, const Tensor& grad_bias,
                                 const Tensor& grad_out, const Tensor& input, const ConvParams& p,
                                 const ConvSourcePtr& kept = nullptr);

// Both backward passes (float32 on oneDNN: grad_out is reordered once for
// both when the primitives want it in another layout); else the two above.
void conv_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                          const Tensor& grad_bias, const Tensor& grad_out, const Tensor& input,
                          const Tensor& weight, const ConvParams& p,
                          const ConvSourcePtr& kept = nullptr);

// PyTorch's Tensor::suggest_memory_format(): ChannelsLast(3d) whenever the
// strides are channels-last-like (is_channels_last_strides_2d/3d), even where
// they are contiguous ones too (one channel, 1x1 spatial dims), which the
// convolution and pooling layout rules depend on.
MemoryFormat torch_suggest_memory_format(const Tensor& t);

// ember::set_conv_algorithm / conv_algorithm (ops/conv.h).
void set_conv_algorithm(ConvAlgorithm a);
ConvAlgorithm conv_algorithm();

// Whether bfloat16 convolutions run on oneDNN's native kernels on this CPU.
bool conv_bf16_native();

// Number of oneDNN primitives in the cache (for tests) and its capacity.
size_t conv_cache_size();
inline constexpr size_t kConvCacheCapacity = 256;

}  // namespace ember::kernels
