// Upsampling and pixel shuffle ops (ops/upsample.cpp, kernels/cpu/upsample.cpp,
// nn/functional/vision.cpp): gradcheck in float64 in both memory formats,
// node names, output layouts, hand-computed values, dtypes, meta tensors and
// bad inputs. Values against PyTorch: tests/parity/nn_vision_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/functional/vision.h"
#include "ember/ops/upsample.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;
namespace F = ember::nn::functional;

namespace {

using Fn = std::function<Tensor(const Tensor&)>;

}  // namespace

TEST(Upsample, Gradcheck) {
  struct C {
    const char* name;
    std::vector<int64_t> shape;
    Fn f;
  };
  const std::vector<C> cs = {
      {"nearest1d", {2, 3, 4}, [](const Tensor& x) { return F::interpolate(x, {.size = 7}); }},
      {"nearest2d",
       {2, 3, 3, 4},
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = {1.7, 0.6}});
       }},
      {"nearest3d",
       {1, 2, 2, 3, 3},
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {3, 2, 5}});
       }},
      {"nearest_exact2d",
       {2, 3, 3, 4},
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = {1.7, 0.6}, .mode = "nearest-exact"});
       }},
      {"linear",
       {2, 3, 4},
       [](const Tensor& x) { return F::interpolate(x, {.size = 7, .mode = "linear"}); }},
      {"bilinear",
       {2, 3, 3, 4},
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {5, 3}, .mode = "bilinear"});
       }},
      {"bilinear_ac",
       {2, 3, 3, 4},
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = 1.5, .mode = "bilinear", .align_corners = true});
       }},
      {"trilinear",
       {1, 2, 2, 3, 3},
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {3, 2, 4}, .mode = "trilinear"});
       }},
      {"trilinear_ac",
       {1, 2, 2, 3, 3},
       [](const Tensor& x) {
         return F::interpolate(x,
                               {.scale_factor = 1.5, .mode = "trilinear", .align_corners = true});
       }},
      {"bicubic",
       {1, 2, 4, 3},
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {6, 5}, .mode = "bicubic"});
       }},
      {"bicubic_ac_down",
       {1, 2, 5, 6},
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {3, 4}, .mode = "bicubic", .align_corners = true});
       }},
      {"pixel_shuffle", {2, 8, 2, 3}, [](const Tensor& x) { return F::pixel_shuffle(x, 2); }},
      {"pixel_unshuffle", {2, 2, 4, 6}, [](const Tensor& x) { return F::pixel_unshuffle(x, 2); }},
  };
  for (const auto& c : cs)
    for (bool cl : {false, true}) {
      if (cl && c.shape.size() == 3) continue;
      SCOPED_TRACE(::testing::Message() << c.name << " cl " << cl);
      Tensor x = dvalues(c.shape, 5);
      if (cl) x = x.contiguous(c.shape.size() == 5 ? kChannelsLast3d : kChannelsLast);
      x.requires_grad_();
      Tensor y = c.f(x);
      // The output keeps the input's layout (bicubic: contiguous, as PyTorch 1.13's).
      if (c.shape.size() == 4) {
        const bool bicubic = std::string(c.name).rfind("bicubic", 0) == 0;
        EXPECT_EQ(y.is_contiguous(kChannelsLast) && !y.is_contiguous(), cl && !bicubic);
      }
      EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.f(in[0]); }, {x}));
    }
}

TEST(Upsample, NodeNamesAndValues) {
  Tensor x = tensor({1.f, 2.f, 3.f, 4.f}).view({1, 1, 2, 2}).requires_grad_();
  Tensor n = F::interpolate(x, {.scale_factor = 2});
  EXPECT_EQ(n.grad_fn()->name(), "UpsampleNearest2DBackward1");
  EXPECT_EQ(n.flatten().detach().tolist<float>(),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  n.sum().backward();
  EXPECT_EQ(x.grad().flatten().tolist<float>(), (std::vector<float>{4, 4, 4, 4}));
  EXPECT_EQ(F::interpolate(x.view({1, 1, 4}), {.size = 8}).grad_fn()->name(),
            "UpsampleNearest1DBackward1");
  EXPECT_EQ(F::interpolate(x.view({1, 1, 1, 2, 2}), {.size = 3}).grad_fn()->name(),
            "UpsampleNearest3DBackward1");
  // align_corners=True: corners kept, the middle interpolated.
  Tensor a = tensor({0.f, 1.f, 2.f, 3.f}).view({1, 1, 2, 2}).requires_grad_();
  Tensor b = F::interpolate(a, {.size = 3, .mode = "bilinear", .align_corners = true});
  EXPECT_EQ(b.grad_fn()->name(), "UpsampleBilinear2DBackward1");
  EXPECT_EQ(b.flatten().detach().tolist<float>(),
            (std::vector<float>{0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3}));
  // align_corners=False: source (o + 0.5) / 2 - 0.5, clamped at 0.
  Tensor r = F::interpolate(tensor({0.f, 1.f}).view({1, 1, 1, 2}),
                            {.scale_factor = {1.0, 2.0}, .mode = "bilinear"});
  EXPECT_EQ(r.flatten().tolist<float>(), (std::vector<float>{0, 0.25, 0.75, 1}));
  // nearest-exact: source floor((o + 0.5) * 5 / 8) = 0, 0, 1, 2, 2, 3, 3, 4 (nearest: 0, 0, 1,
  // 1, 2, 3, 3, 4); linear with align_corners: 0, 4/7 * 1, ...
  Tensor s5 = arange(5, {.dtype = kFloat32}).view({1, 1, 5}).requires_grad_();
  Tensor e = F::interpolate(s5, {.scale_factor = 1.7, .mode = "nearest-exact"});
  EXPECT_EQ(e.grad_fn()->name(), "UpsampleNearestExact1DBackward1");
  EXPECT_EQ(e.flatten().detach().tolist<float>(), (std::vector<float>{0, 0, 1, 2, 2, 3, 3, 4}));
  EXPECT_EQ(F::interpolate(s5.detach(), {.size = 8}).flatten().tolist<float>(),
            (std::vector<float>{0, 0, 1, 1, 2, 3, 3, 4}));
  Tensor li = F::interpolate(s5, {.size = 9, .mode = "linear", .align_corners = true});
  EXPECT_EQ(li.grad_fn()->name(), "UpsampleLinear1DBackward1");
  EXPECT_EQ(li.flatten().detach().tolist<float>(),
            (std::vector<float>{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4}));
  // area mode: adaptive average pooling.
  EXPECT_EQ(F::interpolate(x, {.size = 1, .mode = "area"}).item<float>(), 2.5f);
  // uint8 and float16 nearest; bfloat16 bilinear.
  Tensor u = F::interpolate(x.detach().to(kUInt8), {.scale_factor = 2});
  EXPECT_EQ(u.dtype(), kUInt8);
  EXPECT_TRUE(equal(u.to(kFloat32), n.detach()));
  EXPECT_TRUE(
      equal(F::interpolate(x.detach().to(kFloat16), {.scale_factor = 2}).to(kFloat32), n.detach()));
  Tensor bb = F::interpolate(a.detach().to(kBFloat16),
                             {.size = 3, .mode = "bilinear", .align_corners = true});
  EXPECT_EQ(bb.dtype(), kBFloat16);
  EXPECT_TRUE(equal(bb.to(kFloat32), b.detach()));
  // Channels-last over many channels (two blocks) equals the NCHW result.
  Tensor w = dvalues({2, 40, 3, 5}, 9);
  for (const char* mode : {"nearest", "bilinear"}) {
    Tensor y1 = F::interpolate(w, {.size = {7, 4}, .mode = mode});
    Tensor y2 = F::interpolate(w.contiguous(kChannelsLast), {.size = {7, 4}, .mode = mode});
    EXPECT_TRUE(y2.is_contiguous(kChannelsLast));
    EXPECT_TRUE(allclose(y1, y2));
  }
}

TEST(PixelShuffle, Values) {
  Tensor x = arange(8, {.dtype = kFloat32}).view({1, 4, 1, 2}).requires_grad_();
  Tensor y = pixel_shuffle(x, 2);
  EXPECT_EQ(y.grad_fn()->name(), "PixelShuffleBackward0");
  EXPECT_EQ(y.sizes(), IntArrayRef({1, 1, 2, 4}));
  EXPECT_EQ(y.flatten().detach().tolist<float>(), (std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7}));
  EXPECT_TRUE(y.is_contiguous());
  Tensor z = pixel_unshuffle(y, 2);
  EXPECT_EQ(z.grad_fn()->name(), "PixelUnshuffleBackward0");
  EXPECT_TRUE(equal(z.detach(), x.detach()));
  // Channels-last in, channels-last out; any dtype; batch dims beyond one.
  Tensor c = arange(96, {.dtype = kInt64}).view({2, 12, 2, 2});
  Tensor cs = pixel_shuffle(c.contiguous(kChannelsLast), 2);
  EXPECT_TRUE(cs.is_contiguous(kChannelsLast));
  EXPECT_TRUE(equal(cs, pixel_shuffle(c, 2)));
  EXPECT_TRUE(
      equal(pixel_shuffle(c.view({2, 1, 12, 2, 2}), 2).view({2, 3, 4, 4}), pixel_shuffle(c, 2)));
  EXPECT_TRUE(equal(pixel_unshuffle(pixel_shuffle(c, 2), 2), c));
}

TEST(Upsample, Meta) {
  Tensor x = empty({2, 3, 4, 5}, {.device = Device("meta")});
  EXPECT_EQ(F::interpolate(x, {.scale_factor = 2}).sizes(), IntArrayRef({2, 3, 8, 10}));
  EXPECT_EQ(F::interpolate(x, {.size = {3, 7}, .mode = "bilinear"}).sizes(),
            IntArrayRef({2, 3, 3, 7}));
  EXPECT_EQ(pixel_unshuffle(x.view({2, 3, 4, 5}).slice(3, 0, 4), 2).sizes(),
            IntArrayRef({2, 12, 2, 2}));
}

TEST(Upsample, BadInput) {
  Tensor x = ones({1, 2, 3, 4});
  EXPECT_THROW(F::interpolate(x), ValueError);
  EXPECT_THROW(F::interpolate(x, {.size = 3, .scale_factor = 2}), ValueError);
  EXPECT_THROW(F::interpolate(x, {.size = {3}}), ValueError);
  EXPECT_THROW(F::interpolate(x, {.size = 3, .align_corners = false}), ValueError);
  EXPECT_THROW(F::interpolate(x, {.size = 3, .mode = "linear"}), NotImplementedError);
  EXPECT_EQ(
      error_message([&] { F::interpolate(x, {.size = 3, .mode = "bicubic", .antialias = true}); }),
      "interpolate: antialias=True is not implemented in ember");
  EXPECT_THROW(F::interpolate(x, {.size = 3, .mode = "bilinear", .antialias = true}),
               NotImplementedError);
  EXPECT_THROW(F::interpolate(x, {.scale_factor = 0.1}), RuntimeError);
  EXPECT_EQ(error_message([&] {
              F::interpolate(x, {.size = {0, 2}});
            }),
            "Input and output sizes should be greater than 0, but got input (H: 3, W: 4) output "
            "(H: 0, W: 2)");
  EXPECT_THROW(F::interpolate(x.to(kInt64), {.scale_factor = 2}), NotImplementedError);
  EXPECT_EQ(error_message([&] { F::interpolate(x.to(kInt64), {.scale_factor = 2}); }),
            "\"compute_indices_weights_nearest\" not implemented for 'Long'");
  EXPECT_THROW(F::interpolate(x.to(kUInt8), {.scale_factor = 2, .mode = "bilinear"}),
               NotImplementedError);
  EXPECT_THROW(upsample_nearest2d(x, {3}), RuntimeError);
  EXPECT_THROW(upsample_bilinear2d(ones({1, 2, 3}), {3, 3}, false), RuntimeError);
  EXPECT_THROW(pixel_shuffle(ones({1, 5, 3, 4}), 2), RuntimeError);
  EXPECT_THROW(pixel_shuffle(ones({5, 3}), 2), RuntimeError);
  EXPECT_THROW(pixel_shuffle(x, 0), RuntimeError);
  EXPECT_THROW(pixel_unshuffle(x, 2), RuntimeError);
  EXPECT_EQ(error_message([&] { pixel_unshuffle(x, 2); }),
            "pixel_unshuffle expects height to be divisible by downscale_factor, but "
            "input.size(-2)=3 is not divisible by 2");
}
