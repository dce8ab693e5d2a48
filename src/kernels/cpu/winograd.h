#pragma once
// Winograd F(4x4, 3x3) convolution of float32 tensors on AVX-512: forward,
// backward-data and backward-weights of 2-D 3x3 convolutions with stride 1,
// no dilation or groups, channels in whole 16-blocks and top/left padding of
// at most 2, reading and writing the user's layout (NCHW, NHWC or any other
// strides) directly.
//
// oneDNN 2.6's avx512_core Winograd wants its blocked layout (a reorder of
// each activation and gradient, both ways) and runs its transforms, products
// and inverse transforms as separate passes over large buffers. Here each
// thread takes a band of tile rows of one image: it copies the band into 16-
// channel vectors (transposing NCHW in registers), transforms, multiplies and
// transforms back while the tiles are in its L2 cache. The weight gradient is
// summed per thread in the transformed domain and transformed back once.
// Past 64x64 channels (kWinogradBandChannels) the transformed weights no
// longer fit in L2 beside a band, and late layers' small planes give a band
// few tiles: the batch's tiles are transformed first, and each thread takes
// a block of tiles (several images when they are small) by 32 output
// channels, transforming the weights a 64-channel chunk at a time.
#include <cstdint>

namespace ember::kernels {

struct WinogradShape {
  int64_t n, c, oc;        // batch, input and output channels (multiples of 16)
  int64_t ih, iw, oh, ow;  // input and output planes
  int64_t pad_t, pad_l;    // top and left padding, 0..2 (the rest follows from oh, ow)
};

// A 4-D tensor (N, C, H, W) or weight (OC, C, 3, 3) by its strides in elements.
struct WinogradIn {
  const float* data;
  int64_t stride[4];
};
struct WinogradOut {
  float* data;
  int64_t stride[4];
};

// The most input x output channels that the kernels run band by band (each
// thread a band of one image's tile rows, the transformed weights in its L2).
// Past it they transform the batch's tiles first and split the products by
// output channels, transforming the weights a chunk at a time.
constexpr int64_t kWinogradBandChannels = 64 * 64;

// Whether this build has the kernels (AVX-512) and the shape suits them.
bool winograd_applies(const WinogradShape& s);

// dst (n, oc, oh, ow) = conv(src (n, c, ih, iw), weight (oc, c, 3, 3)) + bias
// (oc; may be null). dst must not overlap the inputs.
void winograd_forward(const WinogradShape& s, WinogradIn src, WinogradIn weight, const float* bias,
                      WinogradOut dst);
// diff_src (n, c, ih, iw) from diff_dst (n, oc, oh, ow).
void winograd_backward_data(const WinogradShape& s, WinogradIn diff_dst, WinogradIn weight,
                            WinogradOut diff_src);
// diff_weight (oc, c, 3, 3) and diff_bias (oc; may be null), both overwritten.
void winograd_backward_weights(const WinogradShape& s, WinogradIn src, WinogradIn diff_dst,
                               WinogradOut diff_weight, float* diff_bias);
// All three gradients. Where a band holds a whole image (and there are
// images for every thread) in one pass over the forward's tiles: each output-
// gradient tile is read and transformed once for both products, and the
// input gradient is summed from overlapping 6x6 tiles (36 tiles of a 24x24
// output rather than backward-data's 49 of its 26x26 input). Elsewhere the
// two passes above, which were the faster there.
void winograd_backward(const WinogradShape& s, WinogradIn src, WinogradIn diff_dst,
                       WinogradIn weight, WinogradOut diff_src, WinogradOut diff_weight,
                       float* diff_bias);

}  // namespace ember::kernels
