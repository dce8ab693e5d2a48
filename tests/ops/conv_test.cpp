// conv1d / conv2d / conv3d (ops/conv.cpp, kernels/cpu/conv.cpp): float32
// (oneDNN) against the float64 reference kernel in both memory formats and
// for every parameter, gradcheck in float64, output layouts, the primitive
// cache, and the bad inputs. Values against PyTorch: tests/parity/nn_conv_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "kernels/cpu/conv.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;

namespace {

struct P {
  DimVector stride{1}, padding{0}, dilation{1};
  int64_t groups = 1;
};

Tensor conv(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, const P& p) {
  switch (w.dim()) {
    case 3:
      return conv1d(x, w, b, p.stride, p.padding, p.dilation, p.groups);
    case 4:
      return conv2d(x, w, b, p.stride, p.padding, p.dilation, p.groups);
    default:
      return conv3d(x, w, b, p.stride, p.padding, p.dilation, p.groups);
  }
}

Tensor frand(IntArrayRef s, uint64_t seed) {
  Generator g(seed);
  return randn(s, {}, &g);
}

MemoryFormat cl_of(int64_t dim) {
  return dim == 5 ? MemoryFormat::ChannelsLast3d : MemoryFormat::ChannelsLast;
}

// float32 forward and all three gradients (input and weight in the given
// layouts) against the float64 reference kernel.
// x_view: the input is a view into a wider tensor (rows or channel vectors
// not adjacent in memory).
void check_f32(IntArrayRef xs, IntArrayRef ws, const P& p, bool x_cl, bool w_cl, bool bias = true,
               bool x_view = false) {
  Tensor x = frand(xs, 1), w = frand(ws, 2), b = frand({ws[0]}, 3);
  if (x_cl) x = x.contiguous(cl_of(x.dim()));
  if (x_view) {
    DimVector wide(xs.begin(), xs.end());
    const int64_t d = x_cl ? 1 : x.dim() - 1;  // the innermost dim of the layout
    wide[d] += 3;
    Tensor base = frand(wide, 5);
    if (x_cl) base = base.contiguous(cl_of(x.dim()));
    x = base.narrow(d, 1, xs[d]);
  }
  if (w_cl) w = w.contiguous(cl_of(w.dim()));
  x.requires_grad_();
  w.requires_grad_();
  b.requires_grad_();
  Tensor y = conv(x, w, bias ? std::optional<Tensor>(b) : std::nullopt, p);
  // PyTorch's rule: a weight whose channels_last strides are also contiguous
  // ones (one input channel, 1x1 kernels) suggests Contiguous.
  // 3-D convolutions stay contiguous, as in PyTorch 1.13.
  const MemoryFormat cl = cl_of(x.dim());
  if (x.dim() == 4 && (kernels::torch_suggest_memory_format(x) == cl ||
                       kernels::torch_suggest_memory_format(w) == cl)) {
    EXPECT_TRUE(y.is_contiguous(cl));
  } else {
    EXPECT_TRUE(y.is_contiguous());
  }
  Tensor gy = frand(y.sizes(), 4);
  y.backward(gy);

  Tensor xd = x.detach().to(kFloat64).requires_grad_(),
         wd = w.detach().to(kFloat64).requires_grad_();
  Tensor bd = b.detach().to(kFloat64).requires_grad_();
  Tensor yd = conv(xd, wd, bias ? std::optional<Tensor>(bd) : std::nullopt, p);
  yd.backward(gy.to(kFloat64));
  auto close = [](const Tensor& a, const Tensor& e) {
    return allclose(a.to(kFloat64), e, 1e-4, 1e-4);
  };
  EXPECT_TRUE(close(y.detach(), yd.detach()));
  EXPECT_TRUE(close(x.grad(), xd.grad()));
  EXPECT_TRUE(close(w.grad(), wd.grad()));
  if (bias) {
    EXPECT_TRUE(close(b.grad(), bd.grad()));
  }
}

}  // namespace

TEST(Conv, Float32MatchesReference2d) {
  for (bool x_cl : {false, true})
    for (bool w_cl : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "x_cl " << x_cl << " w_cl " << w_cl);
      check_f32({2, 3, 9, 8}, {4, 3, 3, 3}, {}, x_cl, w_cl);
      check_f32({2, 4, 9, 8}, {6, 2, 3, 2}, {.stride = {2, 1}, .padding = {1, 2}, .groups = 2},
                x_cl, w_cl);
      check_f32({1, 6, 10, 11}, {6, 1, 3, 3},
                {.stride = {2}, .padding = {2}, .dilation = {2}, .groups = 6}, x_cl, w_cl, false);
      check_f32({2, 16, 5, 5}, {32, 16, 1, 1}, {.stride = {2}}, x_cl, w_cl);
    }
}

// One input channel, stride 1: ember's own loops (kernels/cpu/conv_one_channel),
// rows shorter and longer than a vector, padding, asymmetric 'same' padding,
// with and without bias, in both weight layouts.
TEST(Conv, OneChannelLoopsMatchReference) {
  for (bool w_cl : {false, true}) {
    check_f32({4, 1, 28, 28}, {32, 1, 3, 3}, {}, false, w_cl);
    check_f32({3, 1, 7, 40}, {5, 1, 3, 5}, {.padding = {1, 2}}, false, w_cl, false);
    check_f32({2, 1, 6, 6}, {3, 1, 2, 2}, {.padding = {1}}, false, w_cl);
  }
  Tensor x = frand({2, 1, 9, 20}, 5).requires_grad_(), w = frand({4, 1, 4, 2}, 6);
  Tensor y = conv2d(x, w, std::nullopt, 1, "same");
  EXPECT_TRUE(allclose(
      y, conv2d(x.to(kFloat64), w.to(kFloat64), std::nullopt, 1, "same").to(kFloat32), 1e-5, 1e-5));
}

// Two to four input channels, stride 1: ember's own forward (NCHW output) and
// backward-data loops (kernels/cpu/conv_few_channels) in every layout (and
// the backward-data loops for one channel): the RGB stem; channel blocks of 4
// with 1 and 2 left over; rows ending inside a vector; kernels from 1x1 to
// 7x7, padding beyond the kernel (the backward pass then crops) and
// asymmetric 'same' padding; channels_last output
// gradients turned 16 channels at a time with channels left over; bands of
// rows (one image, and rows too wide for one band).
TEST(Conv, FewChannelLoopsMatchReference) {
  for (bool x_cl : {false, true})
    for (bool w_cl : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "x_cl " << x_cl << " w_cl " << w_cl);
      check_f32({2, 2, 7, 40}, {5, 2, 3, 5}, {.padding = {1, 2}}, x_cl, w_cl, false);
      check_f32({1, 4, 9, 13}, {6, 4, 2, 2}, {.padding = {1}}, x_cl, w_cl);
      check_f32({2, 3, 6, 5}, {3, 3, 3, 3}, {.padding = {3}}, x_cl, w_cl);
      check_f32({1, 3, 21, 19}, {24, 3, 5, 5}, {.padding = {2}}, x_cl, w_cl);
      check_f32({2, 3, 5, 7}, {8, 3, 1, 1}, {}, x_cl, w_cl);
      check_f32({2, 1, 5, 7}, {8, 1, 1, 1}, {}, x_cl, w_cl);
      // Larger planes: the output and the input gradient only (the weight
      // gradient, oneDNN's, sums thousands of terms past these tolerances).
      for (auto [xs, ws] :
           std::vector<std::pair<DimVector, DimVector>>{{{2, 3, 32, 32}, {64, 3, 3, 3}},
                                                        {{1, 3, 40, 17}, {20, 3, 7, 7}},
                                                        {{1, 3, 30, 200}, {64, 3, 3, 3}}}) {
        Tensor x = frand(xs, 1), w = frand(ws, 2), b = frand({ws[0]}, 3);
        if (x_cl) x = x.contiguous(kChannelsLast);
        if (w_cl) w = w.contiguous(kChannelsLast);
        x.requires_grad_();
        const int64_t pad = ws[2] / 2;
        Tensor y = conv2d(x, w, b, 1, pad);
        const Tensor gy = frand(y.sizes(), 4);
        y.backward(gy);
        Tensor xd = x.detach().to(kFloat64).requires_grad_();
        Tensor yd = conv2d(xd, w.to(kFloat64), b.to(kFloat64), 1, pad);
        yd.backward(gy.to(kFloat64));
        EXPECT_TRUE(allclose(y.detach().to(kFloat64), yd.detach(), 1e-4, 1e-4));
        EXPECT_TRUE(allclose(x.grad().to(kFloat64), xd.grad(), 1e-4, 1e-4));
      }
    }
  Tensor x = frand({2, 3, 9, 20}, 5).requires_grad_(), w = frand({4, 3, 4, 2}, 6);
  Tensor y = conv2d(x, w, std::nullopt, 1, "same");
  EXPECT_TRUE(allclose(
      y, conv2d(x.to(kFloat64), w.to(kFloat64), std::nullopt, 1, "same").to(kFloat32), 1e-5, 1e-5));
  y.backward(ones_like(y));
  Tensor xd = x.detach().to(kFloat64).requires_grad_();
  conv2d(xd, w.to(kFloat64), std::nullopt, 1, "same").sum().backward();
  EXPECT_TRUE(allclose(x.grad(), xd.grad().to(kFloat32), 1e-5, 1e-5));
  // Views with neither unit-stride columns nor channels: the loops read and
  // write through the strides.
  Tensor base = frand({2, 3, 11, 12}, 7).requires_grad_();
  Tensor xt = base.transpose(2, 3);
  Tensor wt = frand({5, 3, 3, 3}, 8);
  Tensor yt = conv2d(xt, wt, std::nullopt, 1, 1);
  Tensor gt = frand(yt.sizes(), 9).transpose(2, 3).contiguous().transpose(2, 3);
  yt.backward(gt);
  Tensor bd = base.detach().to(kFloat64).requires_grad_();
  Tensor yd = conv2d(bd.transpose(2, 3), wt.to(kFloat64), std::nullopt, 1, 1);
  yd.backward(gt.to(kFloat64));
  EXPECT_TRUE(allclose(yt.detach(), yd.detach().to(kFloat32), 1e-4, 1e-4));
  EXPECT_TRUE(allclose(base.grad(), bd.grad().to(kFloat32), 1e-4, 1e-4));
  // A stride-1 transposed convolution into 3 channels runs the backward-data
  // loops forward and the forward loops backward.
  for (bool cl : {false, true}) {
    SCOPED_TRACE(::testing::Message() << "transposed, cl " << cl);
    Tensor xs = frand({2, 16, 9, 10}, 12);
    if (cl) xs = xs.contiguous(kChannelsLast);
    xs.requires_grad_();
    const Tensor ws = frand({16, 3, 3, 3}, 13), bs = frand({3}, 14);
    Tensor ys = conv_transpose2d(xs, ws, bs, 1, 2);
    ys.backward(frand(ys.sizes(), 15));
    Tensor xe = xs.detach().to(kFloat64).requires_grad_();
    Tensor ye = conv_transpose2d(xe, ws.to(kFloat64), bs.to(kFloat64), 1, 2);
    ye.backward(frand(ys.sizes(), 15).to(kFloat64));
    EXPECT_TRUE(allclose(ys.detach().to(kFloat64), ye.detach(), 1e-4, 1e-4));
    EXPECT_TRUE(allclose(xs.grad().to(kFloat64), xe.grad(), 1e-4, 1e-4));
  }
  // The backward-data kernel on output gradients of 24 channels, channels_last
  // ones turned 16 channels at a time and 8 one by one.
  for (bool cl : {false, true}) {
    SCOPED_TRACE(::testing::Message() << "cl " << cl);
    const kernels::ConvParams kp{{1, 1}, {1, 1}, {1, 1}, {1, 1}, 1};
    Tensor go = frand({2, 24, 10, 21}, 10), wk = frand({24, 3, 3, 3}, 11);
    Tensor gi = empty({2, 3, 10, 21});
    if (cl) {
      go = go.contiguous(kChannelsLast);
      gi = gi.contiguous(kChannelsLast);
    }
    kernels::conv_backward_input_kernel(gi, go, wk, kp);
    const Tensor ge = empty({2, 3, 10, 21}, {.dtype = kFloat64});
    kernels::conv_backward_input_kernel(ge, go.to(kFloat64), wk.to(kFloat64), kp);
    EXPECT_TRUE(allclose(gi.to(kFloat64), ge, 1e-4, 1e-4));
  }
}

// 1x1 convolutions in NCHW with planes of 256+ outputs: one BLAS product per
// image (kernels/cpu/conv_pointwise). Strides 1, 2 and (2, 3) on odd planes,
// images one per thread, fewer images than threads (one), more and uneven,
// with and without bias, both weight layouts (the same matrix for 1x1);
// channels_last stride-1 backward passes (one product each; the bias
// gradient's column sums over 300 rows); a
// strided transposed convolution with output_padding (the input gradient's
// zeros, forward) and the bias gradient of a weight-only backward.
TEST(Conv, PointwiseProductsMatchReference) {
  for (bool w_cl : {false, true}) {
    SCOPED_TRACE(::testing::Message() << "w_cl " << w_cl);
    check_f32({2, 8, 32, 32}, {12, 8, 1, 1}, {.stride = {2}}, false, w_cl);
    check_f32({3, 5, 17, 20}, {7, 5, 1, 1}, {}, false, w_cl, false);
    check_f32({1, 4, 33, 50}, {6, 4, 1, 1}, {.stride = {2, 3}, .dilation = {2}}, false, w_cl);
    check_f32({5, 1, 32, 32}, {3, 1, 1, 1}, {.stride = {2}}, false, w_cl);
    check_f32({2, 6, 16, 16}, {1, 6, 1, 1}, {}, false, w_cl);
    // channels_last, stride 1: the backward passes as one product each.
    check_f32({2, 8, 12, 12}, {12, 8, 1, 1}, {}, true, w_cl);
    check_f32({1, 5, 7, 9}, {3, 5, 1, 1}, {}, true, w_cl, false);
    check_f32({3, 6, 5, 4}, {1, 6, 1, 1}, {}, true, w_cl);
    check_f32({300, 7, 1, 1}, {9, 7, 1, 1}, {}, true, w_cl);
  }
  for (int64_t n : {1, 3}) {
    SCOPED_TRACE(::testing::Message() << "transposed, n " << n);
    Tensor x = frand({n, 6, 16, 17}, 20).requires_grad_();
    Tensor w = frand({6, 4, 1, 1}, 21).requires_grad_(), b = frand({4}, 22).requires_grad_();
    Tensor y = conv_transpose2d(x, w, b, 2, 0, 1);
    EXPECT_EQ(DimVector(y.sizes()), (DimVector{n, 4, 32, 34}));
    const Tensor gy = frand(y.sizes(), 23);
    y.backward(gy);
    Tensor xd = x.detach().to(kFloat64).requires_grad_(),
           wd = w.detach().to(kFloat64).requires_grad_(),
           bd = b.detach().to(kFloat64).requires_grad_();
    Tensor yd = conv_transpose2d(xd, wd, bd, 2, 0, 1);
    yd.backward(gy.to(kFloat64));
    EXPECT_TRUE(allclose(y.detach().to(kFloat64), yd.detach(), 1e-4, 1e-4));
    EXPECT_TRUE(allclose(x.grad().to(kFloat64), xd.grad(), 1e-4, 1e-4));
    EXPECT_TRUE(allclose(w.grad().to(kFloat64), wd.grad(), 1e-4, 1e-4));
    EXPECT_TRUE(allclose(b.grad().to(kFloat64), bd.grad(), 1e-4, 1e-4));
  }
  // The weight and bias gradients without the input's.
  Tensor x = frand({4, 8, 24, 24}, 24);
  Tensor w = frand({16, 8, 1, 1}, 25).requires_grad_(), b = frand({16}, 26).requires_grad_();
  Tensor y = conv2d(x, w, b, 1);
  const Tensor gy = frand(y.sizes(), 27);
  y.backward(gy);
  Tensor wd = w.detach().to(kFloat64).requires_grad_(),
         bd = b.detach().to(kFloat64).requires_grad_();
  conv2d(x.to(kFloat64), wd, bd, 1).backward(gy.to(kFloat64));
  EXPECT_TRUE(allclose(w.grad().to(kFloat64), wd.grad(), 1e-4, 1e-4));
  EXPECT_TRUE(allclose(b.grad().to(kFloat64), bd.grad(), 1e-4, 1e-4));
}

// Seeded random configurations across the kernels' boundaries: one to five
// and 16k+1 channels (ember's few-channel loops, Winograd, oneDNN), 1x1
// kernels on planes of 256+ outputs (the BLAS products), strides, padding,
// dilation, groups, both formats, with and without bias, inputs that are
// views. A configuration a kernel mis-takes fails with its parameters.
TEST(Conv, RandomConfigurationsMatchReference) {
  std::mt19937 rng(2026);
  auto pick = [&](std::initializer_list<int64_t> v) {
    return *(v.begin() + std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng));
  };
  auto coin = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  int ran = 0;
  while (ran < 150) {
    const int64_t k = pick({1, 1, 2, 3, 3, 3, 5});
    const int64_t stride = pick({1, 1, 1, 2}), dil = coin(0.15) ? 2 : 1;
    const int64_t pad = std::uniform_int_distribution<int64_t>(0, k > 1 ? 2 : 0)(rng);
    int64_t c = pick({1, 2, 3, 4, 5, 16, 17, 32, 48, 64});
    int64_t oc = pick({1, 3, 8, 16, 32, 64});
    int64_t groups = 1;
    if (coin(0.15) && c % 2 == 0 && oc % 2 == 0) groups = 2;
    const int64_t n = pick({1, 2, 3});
    const int64_t h = std::uniform_int_distribution<int64_t>(1, k == 1 ? 40 : 24)(rng);
    const int64_t w = std::uniform_int_distribution<int64_t>(1, k == 1 ? 40 : 24)(rng);
    const int64_t span = dil * (k - 1) + 1;
    if (h + 2 * pad < span || w + 2 * pad < span) continue;
    // The float64 reference is a plain loop: keep each case under ~50 MFLOP.
    if (n * h * w * c * oc * k * k / groups > 25'000'000) continue;
    const bool x_cl = coin(0.5), w_cl = coin(0.5), bias = coin(0.7), view = coin(0.3);
    SCOPED_TRACE(::testing::Message()
                 << "x (" << n << ", " << c << ", " << h << ", " << w << ") weight (" << oc << ", "
                 << c / groups << ", " << k << ", " << k << ") stride " << stride << " padding "
                 << pad << " dilation " << dil << " groups " << groups << " x_cl " << x_cl
                 << " w_cl " << w_cl << " bias " << bias << " view " << view);
    check_f32({n, c, h, w}, {oc, c / groups, k, k},
              {.stride = {stride}, .padding = {pad}, .dilation = {dil}, .groups = groups}, x_cl,
              w_cl, bias, view);
    ++ran;
  }
}

// The same for conv_transpose2d, whose forward runs the backward-data kernels
// (few-channel, Winograd, BLAS, oneDNN) and whose input gradient the forward
// ones: output_padding below the stride or dilation, groups, both formats.
TEST(Conv, RandomTransposedConfigurationsMatchReference) {
  std::mt19937 rng(2027);
  auto pick = [&](std::initializer_list<int64_t> v) {
    return *(v.begin() + std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng));
  };
  auto upto = [&](int64_t hi) { return std::uniform_int_distribution<int64_t>(0, hi)(rng); };
  int ran = 0;
  while (ran < 80) {
    const int64_t k = pick({1, 2, 3, 3, 4}), stride = pick({1, 1, 2, 3}), dil = pick({1, 1, 2});
    const int64_t pad = upto(2), out_pad = upto(std::max(stride, dil) - 1);
    const int64_t c = pick({1, 3, 4, 16, 17, 32}), oc = pick({1, 3, 16, 32});
    const int64_t groups = (c % 2 == 0 && oc % 2 == 0 && upto(4) == 0) ? 2 : 1;
    const int64_t n = pick({1, 2}), h = 1 + upto(13), w = 1 + upto(13);
    const int64_t oh = (h - 1) * stride - 2 * pad + dil * (k - 1) + out_pad + 1;
    const int64_t ow = (w - 1) * stride - 2 * pad + dil * (k - 1) + out_pad + 1;
    if (oh < 1 || ow < 1) continue;
    const bool x_cl = upto(1), w_cl = upto(1), bias = upto(3) > 0;
    SCOPED_TRACE(::testing::Message()
                 << "x (" << n << ", " << c << ", " << h << ", " << w << ") weight (" << c << ", "
                 << oc / groups << ", " << k << ", " << k << ") stride " << stride << " padding "
                 << pad << " output_padding " << out_pad << " dilation " << dil << " groups "
                 << groups << " x_cl " << x_cl << " w_cl " << w_cl << " bias " << bias);
    Tensor x = frand({n, c, h, w}, 30 + ran), wt = frand({c, oc / groups, k, k}, 31 + ran);
    Tensor b = frand({oc}, 32 + ran);
    if (x_cl) x = x.contiguous(kChannelsLast);
    if (w_cl) wt = wt.contiguous(kChannelsLast);
    x.requires_grad_();
    wt.requires_grad_();
    b.requires_grad_();
    auto run = [&](const Tensor& xi, const Tensor& wi, const Tensor& bi) {
      return conv_transpose2d(xi, wi, bias ? std::optional<Tensor>(bi) : std::nullopt, stride, pad,
                              out_pad, groups, dil);
    };
    Tensor y = run(x, wt, b);
    ASSERT_EQ(DimVector(y.sizes()), (DimVector{n, oc, oh, ow}));
    const Tensor gy = frand(y.sizes(), 33 + ran);
    y.backward(gy);
    Tensor xd = x.detach().to(kFloat64).requires_grad_(),
           wd = wt.detach().to(kFloat64).requires_grad_(),
           bd = b.detach().to(kFloat64).requires_grad_();
    Tensor yd = run(xd, wd, bd);
    yd.backward(gy.to(kFloat64));
    auto close = [](const Tensor& a, const Tensor& e) {
      return allclose(a.to(kFloat64), e, 1e-4, 1e-4);
    };
    EXPECT_TRUE(close(y.detach(), yd.detach()));
    EXPECT_TRUE(close(x.grad(), xd.grad()));
    EXPECT_TRUE(close(wt.grad(), wd.grad()));
    if (bias) {
      EXPECT_TRUE(close(b.grad(), bd.grad()));
    }
    ++ran;
  }
}

// 3x3 stride-1 convolutions with 16k channels run as Winograd under Auto (the
// default): the same values as the reference to float32 rounding, in both
// formats; Direct gives the direct convolution's (other) roundings.
TEST(Conv, WinogradUnderAutoDirectOnRequest) {
  ASSERT_EQ(conv_algorithm(), ConvAlgorithm::Auto);
  for (bool cl : {false, true})
    check_f32({2, 16, 10, 10}, {32, 16, 3, 3}, {.padding = {1}}, cl, cl);
  Tensor x = frand({8, 32, 16, 16}, 7), w = frand({32, 32, 3, 3}, 8);
  const Tensor winograd = conv2d(x, w, std::nullopt, 1, 1);
  set_conv_algorithm(ConvAlgorithm::Direct);
  const Tensor direct = conv2d(x, w, std::nullopt, 1, 1);
  set_conv_algorithm(ConvAlgorithm::Auto);
  EXPECT_TRUE(allclose(winograd, direct, 1e-4, 1e-4));
  EXPECT_FALSE(equal(winograd, direct));  // a different algorithm did run
}

TEST(Conv, Float32MatchesReference1d3d) {
  check_f32({2, 4, 11}, {6, 2, 3}, {.stride = {2}, .padding = {1}, .dilation = {2}, .groups = 2},
            false, false);
  for (bool cl : {false, true})
    check_f32({2, 3, 5, 6, 7}, {4, 3, 2, 3, 2}, {.stride = {1, 2, 1}, .padding = {1}}, cl, false);
}

TEST(Conv, Gradcheck) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{2, 4, 6, 5}, {4, 2, 3, 2}}, {{1, 2, 7}, {3, 2, 3}}, {{1, 2, 4, 4, 3}, {2, 2, 2, 2, 2}}};
  for (const auto& [xs, ws] : shapes) {
    const P p = xs.size() == 4
                    ? P{.stride = {2, 1}, .padding = {1}, .dilation = {1, 2}, .groups = 2}
                    : P{.stride = {1}, .padding = {1}};
    Tensor x = dinput(xs, 1), w = dinput(ws, 2), b = dinput({ws[0]}, 3);
    EXPECT_TRUE(gradcheck(
        [&](const std::vector<Tensor>& in) { return conv(in[0], in[1], in[2], p); }, {x, w, b}));
  }
  // channels_last input and weight.
  Tensor x = dvalues({2, 3, 5, 6}, 4).contiguous(kChannelsLast).requires_grad_();
  Tensor w = dvalues({4, 3, 3, 3}, 5).contiguous(kChannelsLast).requires_grad_();
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], std::nullopt, 1, 1); },
      {x, w}));
  // padding 'same' with an even kernel (asymmetric padding).
  Tensor w2 = dinput({2, 3, 2, 4}, 6);
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) {
        return conv2d(in[0], in[1], std::nullopt, 1, "same", 2);
      },
      {x, w2}));
}

TEST(Conv, NodeAndNeededGradients) {
  Tensor x = frand({1, 2, 5, 5}, 1).requires_grad_(), w = frand({3, 2, 3, 3}, 2);
  Tensor y = conv2d(x, w);
  ASSERT_TRUE(y.grad_fn());
  EXPECT_EQ(y.grad_fn()->name(), "ConvolutionBackward0");
  y.sum().backward();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  EXPECT_FALSE(conv2d(x.detach(), w).requires_grad());
}

TEST(Conv, SameValidAndUnbatched) {
  Tensor x = frand({3, 7, 6}, 1), w = frand({2, 3, 4, 3}, 2);
  Tensor y = conv2d(x, w, std::nullopt, 1, "same");
  EXPECT_EQ(DimVector(y.sizes()), (DimVector{2, 7, 6}));
  // 'same' with kernel 4: 1 before, 2 after.
  Tensor ref = conv2d(x.unsqueeze(0).to(kFloat64), w.to(kFloat64), std::nullopt, 1, "same");
  EXPECT_TRUE(allclose(y.to(kFloat64), ref.squeeze(0), 1e-4, 1e-4));
  EXPECT_EQ(DimVector(conv2d(x, w, std::nullopt, 1, "valid").sizes()), (DimVector{2, 4, 4}));
  EXPECT_EQ(DimVector(conv1d(frand({2, 5}, 3), frand({4, 2, 3}, 4)).sizes()), (DimVector{4, 3}));
}

// float16 is computed in float32; bfloat16 too where oneDNN has no native
// kernels (below). Either way the products of the rounded values, summed.
TEST(Conv, HalfAndBFloat16) {
  Tensor x = frand({1, 2, 5, 5}, 1), w = frand({3, 2, 3, 3}, 2);
  for (DType dt : {kFloat16, kBFloat16}) {
    Tensor y = conv2d(x.to(dt), w.to(dt));
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_TRUE(
        allclose(y.to(kFloat32), conv2d(x.to(dt).to(kFloat32), w.to(dt).to(kFloat32)), 2e-2, 2e-2));
  }
}

// bfloat16 runs on oneDNN's native kernels where the CPU has them (its
// primitive cache grows, where float32 runs ember's own Winograd kernels),
// in both layouts, with all three gradients in bfloat16. A few-channel
// convolution is computed in float32 instead, where ember's loops run.
TEST(Conv, BFloat16NativeWhereTheCpuHasIt) {
  std::ifstream info("/proc/cpuinfo");
  const std::string cpu((std::istreambuf_iterator<char>(info)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kernels::conv_bf16_native(), cpu.find(" avx512_bf16") != std::string::npos);
  for (bool cl : {false, true}) {
    SCOPED_TRACE(::testing::Message() << "cl " << cl);
    Tensor x = frand({2, 16, 10, 11}, 1).to(kBFloat16), w = frand({16, 16, 3, 3}, 2).to(kBFloat16);
    Tensor b = frand({16}, 3).to(kBFloat16);
    if (cl) x = x.contiguous(kChannelsLast);
    x.requires_grad_();
    w.requires_grad_();
    b.requires_grad_();
    const size_t cached = kernels::conv_cache_size();
    Tensor y = conv2d(x, w, b, 1, 1);
    EXPECT_EQ(kernels::conv_cache_size() > cached, kernels::conv_bf16_native());
    EXPECT_EQ(y.dtype(), kBFloat16);
    EXPECT_EQ(y.is_contiguous(kChannelsLast), cl);
    const Tensor gy = frand(y.sizes(), 4).to(kBFloat16);
    y.backward(gy);
    Tensor xf = x.detach().to(kFloat32).requires_grad_(), wf = w.detach().to(kFloat32);
    Tensor bf = b.detach().to(kFloat32);
    wf.requires_grad_();
    bf.requires_grad_();
    Tensor yf = conv2d(xf, wf, bf, 1, 1);
    yf.backward(gy.to(kFloat32));
    // One rounding to bfloat16 (8 bits) of float32 sums.
    for (auto [a, e] : {std::pair{y.detach(), yf.detach()}, std::pair{x.grad(), xf.grad()},
                        std::pair{w.grad(), wf.grad()}, std::pair{b.grad(), bf.grad()}}) {
      EXPECT_EQ(a.dtype(), kBFloat16);
      EXPECT_TRUE(allclose(a.to(kFloat32), e, 8e-3, 1e-2));
    }
  }
  const Tensor x = frand({2, 3, 10, 11}, 5).to(kBFloat16), w = frand({8, 3, 3, 3}, 6);
  const size_t cached = kernels::conv_cache_size();
  const Tensor y = conv2d(x, w.to(kBFloat16), std::nullopt, 1, 1);
  EXPECT_EQ(kernels::conv_cache_size(), cached);
  EXPECT_EQ(y.dtype(), kBFloat16);
  EXPECT_TRUE(allclose(y.to(kFloat32),
                       conv2d(x.to(kFloat32), w.to(kBFloat16).to(kFloat32), std::nullopt, 1, 1)
                           .to(kBFloat16)
                           .to(kFloat32)));
}

TEST(Conv, EmptyBatch) {
  Tensor y = conv2d(empty({0, 3, 8, 8}), frand({4, 3, 3, 3}, 1));
  EXPECT_EQ(DimVector(y.sizes()), (DimVector{0, 4, 6, 6}));
  Tensor z = conv2d(empty({1, 0, 8, 8}), empty({4, 0, 3, 3}), frand({4}, 2));
  EXPECT_EQ(DimVector(z.sizes()), (DimVector{1, 4, 6, 6}));
}

TEST(Conv, PrimitivesAreCached) {
  Tensor x = frand({1, 3, 8, 8}, 1), w = frand({4, 3, 3, 3}, 2);
  conv2d(x, w);
  const size_t n = kernels::conv_cache_size();
  conv2d(x, w);
  conv2d(frand({1, 3, 8, 8}, 3), frand({4, 3, 3, 3}, 4));
  EXPECT_EQ(kernels::conv_cache_size(), n);
  conv2d(x, w, std::nullopt, 2);
  EXPECT_EQ(kernels::conv_cache_size(), n + 1);
}

TEST(Conv, BadInput) {
  Tensor w = frand({64, 3, 3, 3}, 1);
  auto msg = [](auto fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(msg([&] {
              conv2d(ones({1, 1, 32, 32}), w);
            }),
            "Given groups=1, weight of size [64, 3, 3, 3], expected input[1, 1, 32, 32] to have 3 "
            "channels, but got 1 channels instead");
  EXPECT_EQ(
      msg([&] {
        conv2d(ones({2, 3}), w);
      }),
      "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]");
  EXPECT_EQ(msg([&] {
              conv2d(ones({1, 3, 2, 2}), w);
            }),
            "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size "
            "can't be greater than actual input size");
  EXPECT_EQ(msg([&] {
              conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 1, "same", 1, 0);
            }),
            "non-positive groups is not supported");
  EXPECT_EQ(msg([&] {
              conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 2, "same");
            }),
            "padding='same' is not supported for strided convolutions");
  EXPECT_THROW(conv2d(ones({1, 3, 8, 8}, {.dtype = kInt64}), w.to(kInt64)), NotImplementedError);
}

// The weight gradient reads the forward pass's reordered copy of the input
// (oneDNN's blocked layout): the same values as the float64 convolution's, and
// the same bits as a second backward (retain_graph), which reorders anew.
TEST(Conv, WeightGradReadsTheForwardsReorderedInput) {
  struct Case {
    std::vector<int64_t> xs, ws;
    int64_t stride, padding;
  };
  const std::vector<Case> cases = {{{2, 16, 10, 10}, {32, 16, 3, 3}, 1, 1},  // Winograd
                                   {{2, 16, 9, 9}, {32, 16, 3, 3}, 2, 1},
                                   {{2, 16, 8, 8}, {32, 16, 1, 1}, 2, 0}};
  for (const auto& c : cases)
    for (bool cl : {false, true})
      for (bool input_grad : {true, false}) {
        SCOPED_TRACE(::testing::Message() << "x " << c.xs[1] << "x" << c.xs[2] << " cl " << cl
                                          << " input_grad " << input_grad);
        Tensor x = frand(c.xs, 11), w = frand(c.ws, 12), b = frand({c.ws[0]}, 13);
        if (cl) x = x.contiguous(kChannelsLast);
        x.requires_grad_(input_grad);
        w.requires_grad_();
        b.requires_grad_();
        Tensor y = conv2d(x, w, b, c.stride, c.padding);
        const Tensor gy = frand(y.sizes(), 14);
        y.backward(gy, true);
        const Tensor gw = w.grad().clone(), gb = b.grad().clone();
        w.set_grad(Tensor());
        b.set_grad(Tensor());
        y.backward(gy);
        EXPECT_TRUE(equal(w.grad(), gw));
        EXPECT_TRUE(equal(b.grad(), gb));

        Tensor w64 = w.detach().to(kFloat64).requires_grad_();
        conv2d(x.detach().to(kFloat64), w64, b.detach().to(kFloat64), c.stride, c.padding)
            .backward(gy.to(kFloat64));
        EXPECT_TRUE(allclose(gw, w64.grad().to(kFloat32), 1e-4, 1e-4));
      }
}
