#include <gtest/gtest.h>

#include "ember/ember.h"

using namespace ember;

TEST(Smoke, ArangeViewCopy) {
  auto x = arange(0, 24).view({2, 3, 4});
  EXPECT_EQ(x.dtype(), kInt64);
  auto y = x.permute({0, 2, 1}).contiguous();
  EXPECT_EQ(y.at({1, 3, 2}).to_long(), x.at({1, 2, 3}).to_long());
}
