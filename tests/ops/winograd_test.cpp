// ember's Winograd F(4x4, 3x3) kernels (kernels/cpu/winograd.cpp), called
// directly and through conv2d: forward, backward-data and backward-weights
// against float64 direct convolution, in NCHW, NHWC and generic strides
// (each has its own band copy), planes that are not multiples of the 4x4
// tile, and padding 0 to 2 (backward-data pads by 2 - padding); the fused
// backward pass too.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "ember/ember.h"
#include "kernels/cpu/winograd.h"

using namespace ember;
using kernels::WinogradIn;
using kernels::WinogradOut;
using kernels::WinogradShape;

namespace {

Tensor frand(IntArrayRef s, uint64_t seed) {
  Generator g(seed);
  return randn(s, {}, &g);
}

enum class Layout { NCHW, NHWC, Strided };

// A float32 copy of t (N, C, H, W) in the layout: Strided is every other
// column of a tensor twice as wide, so neither unit stride holds.
Tensor in_layout(const Tensor& t, Layout l) {
  switch (l) {
    case Layout::NCHW:
      return t.contiguous();
    case Layout::NHWC:
      return t.contiguous(MemoryFormat::ChannelsLast);
    case Layout::Strided: {
      Tensor wide = zeros({t.size(0), t.size(1), t.size(2), 2 * t.size(3)});
      Tensor view = wide.slice(3, 0, 2 * t.size(3), 2);
      view.copy_(t);
      return view;
    }
  }
  return t;
}

WinogradIn in(const Tensor& t) {
  return {t.data_ptr<float>(), {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}};
}
WinogradOut out(const Tensor& t) {
  return {t.data_ptr<float>(), {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}};
}

// 1e-4 relative, and 1e-4 absolute or 1e-5 of the largest value: a weight
// gradient summed over thousands of positions has values in the hundreds,
// where even float32 direct convolution is 8e-4 off (9x64x30x34: 4.8e-4 here,
// 3.0e-4 with oneDNN's Winograd).
bool close(const Tensor& a, const Tensor& e) {
  const double scale = e.numel() ? e.abs().max().item<double>() : 0.0;
  return allclose(a.to(kFloat64), e, 1e-4, std::max(1e-4, 1e-5 * scale));
}

struct Case {
  int64_t n, c, oc, h, w, pad;
};

void check(const Case& k, Layout layout) {
  SCOPED_TRACE(::testing::Message()
               << "n " << k.n << " c " << k.c << " oc " << k.oc << " " << k.h << "x" << k.w
               << " pad " << k.pad << " layout " << static_cast<int>(layout));
  const Tensor x = frand({k.n, k.c, k.h, k.w}, 1), w = frand({k.oc, k.c, 3, 3}, 2),
               b = frand({k.oc}, 3);
  // float64 reference values and gradients (ember's direct reference kernel).
  Tensor xd = x.to(kFloat64).requires_grad_(), wd = w.to(kFloat64).requires_grad_(),
         bd = b.to(kFloat64).requires_grad_();
  Tensor yd = conv2d(xd, wd, bd, 1, k.pad);
  const Tensor gy = frand(yd.sizes(), 4);
  yd.backward(gy.to(kFloat64));

  const WinogradShape s{k.n, k.c, k.oc, k.h, k.w, yd.size(2), yd.size(3), k.pad, k.pad};
  ASSERT_TRUE(kernels::winograd_applies(s));
  const Tensor xl = in_layout(x, layout), gyl = in_layout(gy, layout);
  const Tensor wl = in_layout(w, layout);  // weights in the same strides
  Tensor y = in_layout(zeros(yd.sizes()), layout), gx = in_layout(zeros(x.sizes()), layout),
         gw = in_layout(zeros(w.sizes()), layout), gb = zeros({k.oc});
  kernels::winograd_forward(s, in(xl), in(wl), b.data_ptr<float>(), out(y));
  kernels::winograd_backward_data(s, in(gyl), in(wl), out(gx));
  kernels::winograd_backward_weights(s, in(xl), in(gyl), out(gw), gb.data_ptr<float>());
  EXPECT_TRUE(close(y, yd.detach()));
  EXPECT_TRUE(close(gx, xd.grad()));
  EXPECT_TRUE(close(gw, wd.grad()));
  EXPECT_TRUE(close(gb, bd.grad()));
  // All three gradients at once (in one pass where a band holds a whole
  // image and the images are at least the threads: the input gradient from
  // overlapping tiles; else the two passes above), over filled outputs.
  // One thread takes the fused pass on every case of whole-image bands.
  const int threads = get_num_threads();
  for (int t : {1, threads}) {
    set_num_threads(t);
    Tensor gx2 = in_layout(full(x.sizes(), 7.f), layout),
           gw2 = in_layout(full(w.sizes(), 7.f), layout), gb2 = full({k.oc}, 7.f);
    kernels::winograd_backward(s, in(xl), in(gyl), in(wl), out(gx2), out(gw2),
                               gb2.data_ptr<float>());
    EXPECT_TRUE(close(gx2, xd.grad()));
    EXPECT_TRUE(close(gw2, wd.grad()));
    EXPECT_TRUE(close(gb2, bd.grad()));
  }
  set_num_threads(threads);
}

}  // namespace

TEST(Winograd, MatchesReferenceInEveryLayout) {
  if (!kernels::winograd_applies({1, 16, 16, 8, 8, 8, 8, 1, 1})) {
    // A build without AVX-512: conv2d runs these on oneDNN, and the kernels refuse.
    Tensor t = zeros({1, 16, 8, 8}), w = zeros({16, 16, 3, 3});
    EXPECT_THROW(kernels::winograd_forward({1, 16, 16, 8, 8, 8, 8, 1, 1}, in(t), in(w), nullptr,
                                           out(t.clone())),
                 RuntimeError);
    return;
  }
  const std::vector<Case> cases = {
      {2, 16, 32, 8, 8, 1},    // one tile row per band... of whole tiles
      {3, 32, 16, 13, 9, 1},   // planes past the last whole tile
      {1, 16, 48, 10, 21, 0},  // no padding: 8x19 outputs
      {2, 48, 32, 7, 6, 2},    // padding 2 (backward-data pads by 0)
      {1, 32, 64, 26, 26, 0},  // the Fashion-MNIST network's second convolution
      {1, 64, 64, 41, 12, 1},  // tall planes: several bands an image
  };
  for (const Case& k : cases)
    for (Layout l : {Layout::NCHW, Layout::NHWC, Layout::Strided}) check(k, l);
}

// Many images and tiles: several bands and product blocks per thread, and
// the per-thread weight-gradient sums reduced.
TEST(Winograd, ManyBandsAndThreads) {
  if (!kernels::winograd_applies({1, 16, 16, 8, 8, 8, 8, 1, 1})) return;  // tested above
  check({9, 64, 64, 30, 34, 1}, Layout::NCHW);
}

// Past 64x64 channels the kernels transform the whole batch's tiles first and
// take blocks of tiles by 32 output channels, with the weights transformed a
// chunk of 64 input channels at a time: blocks of several whole images (one
// tile each on 4x4 planes), bands of tile rows, an output-channel count that
// leaves a 16-wide last item, several weight chunks with a short last one,
// and backward-data's turned weights read with unit stride (channels_last).
TEST(Winograd, ManyChannels) {
  if (!kernels::winograd_applies({1, 16, 16, 8, 8, 8, 8, 1, 1})) return;  // tested above
  const std::vector<Case> cases = {
      {17, 80, 64, 4, 4, 1},   // one tile an image: blocks of 12 images, 5 items' chunks
      {5, 144, 48, 8, 8, 1},   // 48 outputs: items of 32 and 16; chunks of 64, 64, 16
      {3, 64, 96, 23, 30, 1},  // bands of tile rows, planes past the last whole tile
      {2, 96, 80, 9, 7, 2},    // padding 2
  };
  for (const Case& k : cases)
    for (Layout l : {Layout::NCHW, Layout::NHWC, Layout::Strided}) check(k, l);
}

TEST(Winograd, ShapesItDoesNotTake) {
  EXPECT_FALSE(kernels::winograd_applies({1, 8, 16, 8, 8, 8, 8, 1, 1}));     // 8 channels
  EXPECT_FALSE(kernels::winograd_applies({1, 16, 24, 8, 8, 8, 8, 1, 1}));    // 24 outputs
  EXPECT_FALSE(kernels::winograd_applies({1, 16, 16, 8, 8, 12, 12, 3, 3}));  // padding 3
  EXPECT_FALSE(kernels::winograd_applies({0, 16, 16, 8, 8, 8, 8, 1, 1}));    // no images
}

// Through conv2d under Auto: channels_last and NCHW inputs with either
// weight layout, and gradients through autograd, against float64. Past 64x64
// channels the weight gradient of planes of 8x8 and more is oneDNN's beside
// ember's forward and backward-data; on 4x4 planes all three are ember's.
TEST(Winograd, Conv2dUnderAutoMatchesReference) {
  struct Shape {
    int64_t n, c, oc, h, w;
  };
  for (const Shape& sh : {Shape{3, 32, 16, 12, 10}, Shape{2, 80, 64, 8, 9}, Shape{3, 80, 64, 4, 4}})
    for (bool x_cl : {false, true})
      for (bool w_cl : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "c " << sh.c << " oc " << sh.oc << " " << sh.h << "x"
                                          << sh.w << " x_cl " << x_cl << " w_cl " << w_cl);
        Tensor x = frand({sh.n, sh.c, sh.h, sh.w}, 5), w = frand({sh.oc, sh.c, 3, 3}, 6),
               b = frand({sh.oc}, 7);
        if (x_cl) x = x.contiguous(MemoryFormat::ChannelsLast);
        if (w_cl) w = w.contiguous(MemoryFormat::ChannelsLast);
        x.requires_grad_();
        w.requires_grad_();
        b.requires_grad_();
        Tensor y = conv2d(x, w, b, 1, 1);
        EXPECT_EQ(y.is_contiguous(MemoryFormat::ChannelsLast) && !y.is_contiguous(), x_cl || w_cl);
        const Tensor gy = frand(y.sizes(), 8);
        y.backward(gy);
        Tensor xd = x.detach().to(kFloat64).requires_grad_(),
               wd = w.detach().to(kFloat64).requires_grad_(),
               bd = b.detach().to(kFloat64).requires_grad_();
        Tensor yd = conv2d(xd, wd, bd, 1, 1);
        yd.backward(gy.to(kFloat64));
        EXPECT_TRUE(close(y.detach(), yd.detach()));
        EXPECT_TRUE(close(x.grad(), xd.grad()));
        EXPECT_TRUE(close(w.grad(), wd.grad()));
        EXPECT_TRUE(close(b.grad(), bd.grad()));
        // The weight gradient alone (an input that needs none: a first layer).
        Tensor w2 = w.detach().clone().requires_grad_();
        conv2d(x.detach(), w2, b.detach(), 1, 1).backward(gy);
        EXPECT_TRUE(close(w2.grad(), wd.grad()));
      }
}
