#pragma once
// 2-D stride-1 float32 convolutions of images with few channels (an RGB
// network's first layer: conv(3 -> 64, 3) in ResNet-18's CIFAR form), forward
// and backward-data, on AVX-512: direct loops over a zero-padded copy of the
// image, outputs computed 16 columns at a time, several output channels and
// rows together so that each loaded vector feeds several FMAs.
//
// oneDNN's kernels have too little to multiply per output there (27 products
// a pixel): its NCHW forward ran at 210 GFLOP/s against 400 for NHWC, and its
// backward-data (64 channels summed into 3) at 75 GFLOP/s in either layout.
// The backward-data pass is the same correlation as the forward: the output
// gradient (64 planes) with the weights turned and flipped, into 3 planes.
#include "kernels/cpu/conv.h"

namespace ember::kernels {

// The most input channels these kernels take.
inline constexpr int64_t kFewChannels = 4;

// Whether the forward here takes this convolution: input (N, C <= 4, H, W)
// with output (N, OC, OH, OW) in NCHW (oneDNN's NHWC forward is as fast),
// groups 1, stride 1, dilation 1, kernel of at most 7x7, and a build with
// AVX-512. Shapes only: the loops take float32 (bfloat16 and float16
// convolutions of these shapes are computed in float32 to run them).
bool few_channel_forward_applies(const Tensor& out, const Tensor& input, const Tensor& weight,
                                 const ConvParams& p);
// Whether the backward-data pass here takes it: the same shapes, any layout.
bool few_channel_backward_input_applies(const Tensor& grad_input, const Tensor& grad_out,
                                        const Tensor& weight, const ConvParams& p);

// out = conv(input, weight) + bias (bias may be undefined). Any strides.
void few_channel_conv_forward(const Tensor& out, const Tensor& input, const Tensor& weight,
                              const Tensor& bias, const ConvParams& p);
// grad_input (overwritten) = d out / d input applied to grad_out. Any strides.
void few_channel_conv_backward_input(const Tensor& grad_input, const Tensor& grad_out,
                                     const Tensor& weight, const ConvParams& p);

}  // namespace ember::kernels
