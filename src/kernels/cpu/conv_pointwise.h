#pragma once
// 2-D float32 1x1 convolutions in NCHW (ResNet's strided shortcuts, the
// bottleneck blocks' 1x1 layers) as one BLAS product per image: out[n] (OC x P)
// = weight (OC x C) @ input[n] (C x P), the input's every stride-th pixel
// gathered first when the stride is above 1 (and the input gradient scattered
// back), the weight gradient summed image by image on each thread.
//
// oneDNN's NCHW kernels for these ran forward at 220-350 GFLOP/s where the
// products ran at 430-460 (16 images, 2 threads). Forward + backward, A/B in
// one process: 64 -> 64 on 56x56 5.6 ms -> 3.9, 512 -> 128 on 28x28 14.3 ->
// 11.7, ResNet-18's 64 -> 128 stride-2 shortcut 1.16 -> 0.94. On planes of
// fewer than 256 outputs the products are too thin (ResNet-50's 14x14 and 7x7
// lost), and oneDNN keeps them, as it keeps channels_last tensors, whose 1x1
// kernels it runs at 400+ GFLOP/s.
#include "kernels/cpu/conv.h"

namespace ember::kernels {

// Whether the kernels here take this convolution: float32 image-side tensor x
// (N, C, H, W) and output-side tensor y (N, OC, OH, OW), both contiguous NCHW,
// a 1x1 weight (OC, C, 1, 1) whose (OC, C) matrix has unit stride along C,
// groups 1, no padding, and at least 256 outputs a plane.
bool pointwise_applies(const Tensor& x, const Tensor& y, const Tensor& weight, const ConvParams& p);

// Whether the backward passes here take it: as pointwise_applies, or stride 1
// with both tensors channels_last (any plane), where each pass is one product:
// forward + backward 1.0x-1.3x faster than on oneDNN's NHWC backward kernels
// (64 -> 256 on 56x56 17.1 ms -> 13.1, 512 -> 128 on 28x28 12.6 -> 11.2; ten
// ResNet-50 shapes, none slower). Its forward kernel was as fast as the
// product, and keeps the forward.
bool pointwise_backward_applies(const Tensor& x, const Tensor& y, const Tensor& weight,
                                const ConvParams& p);

// out = conv(input, weight) + bias (bias may be undefined).
void pointwise_conv_forward(const Tensor& out, const Tensor& input, const Tensor& weight,
                            const Tensor& bias, const ConvParams& p);
// grad_input (overwritten) = d out / d input applied to grad_out (either
// layout, as pointwise_backward_applies).
void pointwise_conv_backward_input(const Tensor& grad_input, const Tensor& grad_out,
                                   const Tensor& weight, const ConvParams& p);
// grad_weight and grad_bias (each may be undefined) overwritten; grad_bias may
// have any stride.
void pointwise_conv_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                                    const Tensor& grad_out, const Tensor& input,
                                    const ConvParams& p);

}  // namespace ember::kernels
