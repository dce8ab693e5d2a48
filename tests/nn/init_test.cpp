// nn::init: gains, fans, fills, Kaiming and Xavier.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
namespace init = ember::nn::init;

TEST(Init, CalculateGain) {
  EXPECT_EQ(init::calculate_gain("linear"), 1);
  EXPECT_EQ(init::calculate_gain("conv_transpose3d"), 1);
  EXPECT_EQ(init::calculate_gain("sigmoid"), 1);
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", 0.0), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
  EXPECT_THROW_MSG(init::calculate_gain("Relu"), ValueError, "Unsupported nonlinearity Relu");
}

TEST(Init, Fans) {
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(empty({3, 4})), (std::pair<int64_t, int64_t>(4, 3)));
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(empty({8, 2, 3, 3})),
            (std::pair<int64_t, int64_t>(18, 72)));
  EXPECT_THROW_MSG(
      init::calculate_fan_in_and_fan_out(empty({3})), ValueError,
      "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  EXPECT_THROW(init::calculate_fan_in_and_fan_out(scalar_tensor(1.0)), ValueError);
}

TEST(Init, Fills) {
  Tensor t = empty({2, 3});
  EXPECT_TRUE(init::constant_(t, 0.5).equal(full({2, 3}, 0.5)));
  EXPECT_TRUE(init::ones_(t).equal(ones({2, 3})));
  EXPECT_TRUE(init::zeros_(t).equal(zeros({2, 3})));
  EXPECT_TRUE(init::zeros_(t).is_same(t));
  Tensor u = empty({1000});
  init::uniform_(u, -2, 3);
  EXPECT_GE(u.min().item<double>(), -2);
  EXPECT_LT(u.max().item<double>(), 3);
  init::normal_(u, 4, 0.1);
  EXPECT_NEAR(u.mean().item<double>(), 4, 0.05);
}

TEST(Init, NoHistoryOnLeavesThatRequireGrad) {
  Tensor w = empty({4, 5}).requires_grad_(true);
  init::kaiming_uniform_(w);
  init::xavier_normal_(w);
  init::ones_(w);
  init::uniform_(w);
  EXPECT_TRUE(w.is_leaf());
  EXPECT_EQ(w.grad_fn(), nullptr);
  EXPECT_TRUE(w.requires_grad());
}

TEST(Init, KaimingAndXavierScales) {
  Tensor t = empty({200, 300});
  init::kaiming_uniform_(t, 0, "fan_in", "relu");
  const double b = std::sqrt(2.0) * std::sqrt(3.0 / 300);
  EXPECT_LE(t.abs().max().item<double>(), b);
  EXPECT_GT(t.abs().max().item<double>(), 0.99 * b);
  init::kaiming_normal_(t, 0, "FAN_OUT", "relu");  // mode is case-insensitive
  EXPECT_NEAR(t.std().item<double>(), std::sqrt(2.0 / 200), 0.02 * std::sqrt(2.0 / 200));
  init::xavier_uniform_(t, 2.0);
  const double a = 2.0 * std::sqrt(6.0 / 500);
  EXPECT_LE(t.abs().max().item<double>(), a);
  init::xavier_normal_(t);
  EXPECT_NEAR(t.std().item<double>(), std::sqrt(2.0 / 500), 0.02 * std::sqrt(2.0 / 500));
  EXPECT_THROW_MSG(init::kaiming_uniform_(t, 0, "fan_avg"), ValueError,
                   "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']");
  EXPECT_THROW_MSG(init::kaiming_normal_(t, 0, "fan_in", "softmax"), ValueError,
                   "Unsupported nonlinearity softmax");
  EXPECT_THROW(init::xavier_uniform_(empty({5})), ValueError);
}

TEST(Init, ZeroElementIsANoOp) {
  Tensor t = empty({0, 3});
  EXPECT_TRUE(init::kaiming_uniform_(t).is_same(t));
  EXPECT_TRUE(init::kaiming_normal_(t, 0, "bad mode").is_same(t));  // as torch: returns first
}

TEST(Init, Generator) {
  Generator g1(7), g2(7);
  Tensor a = empty({3, 4}), b = empty({3, 4});
  init::kaiming_uniform_(a, std::sqrt(5.0), "fan_in", "leaky_relu", &g1);
  init::kaiming_uniform_(b, std::sqrt(5.0), "fan_in", "leaky_relu", &g2);
  EXPECT_TRUE(a.equal(b));
  init::xavier_normal_(a, 1.0, &g1);
  init::xavier_normal_(b, 1.0, &g2);
  EXPECT_TRUE(a.equal(b));
}
