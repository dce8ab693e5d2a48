// nn::Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle and
// PixelUnshuffle: forward through the module call, stored attributes, printed
// form. Reprs against torch: tests/parity/nn_vision_test.cpp.
#include <gtest/gtest.h>

#include "ember/ember.h"
#include "ember/nn/modules/pixelshuffle.h"
#include "ember/nn/modules/upsampling.h"

using namespace ember;

TEST(UpsampleModule, Forward) {
  Tensor x = tensor({0.f, 1.f, 2.f, 3.f}).view({1, 1, 2, 2});
  auto up = nn::make<nn::Upsample>(nn::UpsampleOptions{.scale_factor = 2});
  EXPECT_EQ(up(x).sizes(), IntArrayRef({1, 1, 4, 4}));
  EXPECT_EQ(up(x).flatten().tolist<float>()[0], 0.f);
  EXPECT_EQ(up->str(), "Upsample(scale_factor=2.0, mode=nearest)");
  auto bil = nn::make<nn::UpsamplingBilinear2d>(3);
  EXPECT_EQ(bil(x).flatten().tolist<float>(),
            (std::vector<float>{0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3}));
  EXPECT_TRUE(bil->align_corners.value());
  EXPECT_EQ(bil->str(), "UpsamplingBilinear2d(size=3, mode=bilinear)");
  auto near = nn::make<nn::UpsamplingNearest2d>(nn::InterpolateSize{3, 4});
  EXPECT_EQ(near(x).sizes(), IntArrayRef({1, 1, 3, 4}));
  EXPECT_EQ(near->str(), "UpsamplingNearest2d(size=(3, 4), mode=nearest)");
  // As torch: a zero scale factor is stored as None.
  auto none = nn::make<nn::Upsample>(nn::UpsampleOptions{.scale_factor = 0.0});
  EXPECT_FALSE(static_cast<bool>(none->scale_factor));
  EXPECT_EQ(none->str(), "Upsample(size=None, mode=nearest)");
  EXPECT_THROW(none(x), ValueError);
}

TEST(PixelShuffleModule, Forward) {
  auto ps = nn::make<nn::PixelShuffle>(2);
  auto pu = nn::make<nn::PixelUnshuffle>(2);
  Tensor x = arange(32, {.dtype = kFloat32}).view({1, 8, 2, 2});
  Tensor y = ps(x);
  EXPECT_EQ(y.sizes(), IntArrayRef({1, 2, 4, 4}));
  EXPECT_TRUE(equal(pu(y), x));
  EXPECT_EQ(ps->str(), "PixelShuffle(upscale_factor=2)");
  EXPECT_EQ(pu->str(), "PixelUnshuffle(downscale_factor=2)");
  EXPECT_THROW(ps(ones({1, 3, 2, 2})), RuntimeError);
}
