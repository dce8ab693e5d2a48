// gradcheck itself: it passes correct gradients and catches wrong ones.
#include <gtest/gtest.h>

#include "ember/ember.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {}  // namespace

TEST(Gradcheck, PassesForCorrectFormulas) {
  Tensor a = dinput({3, 4}, 1), b = dinput({4}, 2);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& x) { return x[0] * x[1] + x[0]; }, {a, b}));
  EXPECT_TRUE(
      gradgradcheck([](const std::vector<Tensor>& x) { return x[0] * x[1] * x[1]; }, {a, b}));
}

TEST(Gradcheck, CatchesAWrongGradient) {
  Tensor a = dinput({3}, 3);
  // A hook that doubles the gradient makes the analytical Jacobian wrong.
  auto fn = [](const std::vector<Tensor>& x) {
    Tensor y = x[0] * 3.0;
    if (y.requires_grad()) y.register_hook([](const Tensor& g) { return g * 2.0; });
    return y;
  };
  EXPECT_THROW_MSG(gradcheck(fn, {a}), autograd::GradcheckError,
                   "Jacobian mismatch for output 0 with respect to input 0");
  EXPECT_FALSE(gradcheck(fn, {a}, {.raise_exception = false}));
}

TEST(Gradcheck, NeedsAnInputThatRequiresGrad) {
  Tensor a = zeros({2}, {.dtype = kFloat64});
  EXPECT_THROW_MSG(gradcheck([](const std::vector<Tensor>& x) { return x[0] * 2.0; }, {a}),
                   ValueError, "at least one input tensor to require gradient");
}
