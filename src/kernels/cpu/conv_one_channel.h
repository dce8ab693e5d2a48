#pragma once
// 2-D convolutions of a single input channel (a grayscale network's first
// layer: conv(1 -> 32, 3) in PyTorch's MNIST example), float32 NCHW, stride
// 1, no dilation, no groups: direct loops over padded image rows.
//
// oneDNN has no kernel shaped for them: its forward writes a blocked output
// that must be reordered to NCHW, and its weight gradient wants grad_out
// reordered to NHWC, which took four times as long as the arithmetic (about
// 1 ms a batch in the MNIST example, for 25 MFLOP). Here the output and
// grad_out are read and written in place, each plane once.
#include "kernels/cpu/conv.h"

namespace ember::kernels {

// Whether the loops below take this convolution: input (N, 1, H, W) and
// out_or_grad_out (N, OC, OH, OW) contiguous float32, weight (OC, 1, KH, KW)
// contiguous, groups 1, stride 1, dilation 1, output rows of at most 1024.
bool one_channel_conv_applies(const Tensor& out_or_grad_out, const Tensor& input,
                              const Tensor& weight, const ConvParams& p);

// out = conv(input, weight) + bias (bias may be undefined).
void one_channel_conv_forward(const Tensor& out, const Tensor& input, const Tensor& weight,
                              const Tensor& bias, const ConvParams& p);

// grad_weight and grad_bias (may be undefined) overwritten. The sums run in
// a fixed order for a given thread count.
void one_channel_conv_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                                      const Tensor& grad_out, const Tensor& input,
                                      const ConvParams& p);

}  // namespace ember::kernels
