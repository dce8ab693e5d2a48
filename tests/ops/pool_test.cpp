// 2-D pooling (ops/pool.cpp, kernels/cpu/pool.cpp): gradcheck in float64 for
// every op in both memory formats, node names, output layouts, known values,
// and bad inputs. Values against PyTorch: tests/parity/nn_conv_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;

namespace {

using Fn = std::function<Tensor(const Tensor&)>;

}  // namespace

TEST(Pool, Gradcheck) {
  const std::vector<std::pair<const char*, Fn>> fns = {
      {"max",
       [](const Tensor& x) {
         return max_pool2d(x, {3, 2}, {2, 1}, {1, 1}, {1, 2});
       }},
      {"max_ceil", [](const Tensor& x) { return max_pool2d(x, 2, {}, 0, 1, true); }},
      {"avg",
       [](const Tensor& x) {
         return avg_pool2d(x, {3, 2}, {2, 1}, {1, 1});
       }},
      {"avg_excl_ceil", [](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, true, false); }},
      {"avg_divisor", [](const Tensor& x) { return avg_pool2d(x, 2, 1, 0, false, true, 3); }},
      {"adaptive_avg",
       [](const Tensor& x) {
         return adaptive_avg_pool2d(x, {3, 4});
       }},
      {"adaptive_max",
       [](const Tensor& x) {
         return std::get<0>(adaptive_max_pool2d(x, {2, 3}));
       }},
  };
  for (bool cl : {false, true})
    for (const auto& [name, f] : fns) {
      SCOPED_TRACE(::testing::Message() << name << " cl " << cl);
      Tensor x = distinct_leaf({2, 3, 7, 6}, cl ? kChannelsLast : kContiguous);
      Tensor y = f(x);
      EXPECT_EQ(y.is_contiguous(kChannelsLast) && !y.is_contiguous(), cl);
      EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x}));
    }
  Tensor u = distinct_leaf({3, 7, 6});  // unbatched
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return max_pool2d(in[0], 2); }, {u}));
  Tensor l = distinct_leaf({2, 3, 9});
  EXPECT_TRUE(
      gradcheck([](const std::vector<Tensor>& in) { return max_pool1d(in[0], 3, 2, 1); }, {l}));
  EXPECT_TRUE(
      gradcheck([](const std::vector<Tensor>& in) { return avg_pool1d(in[0], 3, 2, 1); }, {l}));
}

TEST(Pool, NodeNamesAndValues) {
  Tensor x = arange(16, {.dtype = kFloat32}).view({1, 1, 4, 4}).requires_grad_();
  auto [y, idx] = max_pool2d_with_indices(x, 2);
  EXPECT_EQ(y.grad_fn()->name(), "MaxPool2DWithIndicesBackward0");
  EXPECT_TRUE(equal(y.detach().flatten(), tensor({5.f, 7.f, 13.f, 15.f})));
  EXPECT_TRUE(equal(idx.flatten(), tensor<int64_t>({5, 7, 13, 15})));
  EXPECT_EQ(avg_pool2d(x, 2).grad_fn()->name(), "AvgPool2DBackward0");
  EXPECT_TRUE(equal(avg_pool2d(x, 2).detach().flatten(), tensor({2.5f, 4.5f, 10.5f, 12.5f})));
  EXPECT_EQ(adaptive_avg_pool2d(x, 2).grad_fn()->name(), "AdaptiveAvgPool2DBackward0");
  EXPECT_EQ(adaptive_avg_pool2d(x, 1).grad_fn()->name(), "MeanBackward1");
  EXPECT_EQ(std::get<0>(adaptive_max_pool2d(x, 2)).grad_fn()->name(), "AdaptiveMaxPool2DBackward0");
  // float16 computed in float32.
  EXPECT_TRUE(equal(max_pool2d(x.detach().to(kFloat16), 2).to(kFloat32), y.detach()));
}

TEST(Pool, BadInput) {
  Tensor x = ones({1, 3, 8, 8});
  EXPECT_EQ(error_message([&] {
              max_pool2d(x, {3, 3, 3});
            }),
            "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  EXPECT_EQ(error_message([&] { max_pool2d(x, 3, 1, 2); }),
            "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
  EXPECT_EQ(error_message([&] {
              max_pool2d(ones({1, 3, 2, 2}), 3);
            }),
            "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small");
  EXPECT_EQ(error_message([&] {
              max_pool2d(ones({2, 3}), 3);
            }),
            "non-empty 3D or 4D (batch mode) tensor expected for input");
  EXPECT_EQ(error_message([&] { avg_pool2d(x, 3, {}, 0, false, true, 0); }),
            "divisor must be not zero");
  EXPECT_EQ(error_message([&] {
              adaptive_avg_pool2d(ones({2, 3}), 3);
            }),
            "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [2, 3]");
  EXPECT_EQ(error_message([&] { max_pool2d(x.to(kInt64), 3); }),
            "\"max_pool2d\" not implemented for 'Long'");
}

// The row-at-a-time path (full, evenly spaced windows): PyTorch's NaN rule and
// the first maximum's index; a later NaN in a window takes the index.
TEST(Pool, MaxPoolRowPathNanAndTies) {
  const float nan = std::nanf("");
  Tensor x = from_vector(std::vector<float>{1, 5, 2, 2, 3, nan, 7, 0,  //
                                            5, 0, 2, 2, nan, 4, 7, 9},
                         {1, 1, 2, 8});
  auto [y, i] = max_pool2d_with_indices(x, {2, 2});
  const auto yv = y.tolist<float>();
  ASSERT_EQ(yv.size(), 4u);
  EXPECT_EQ(yv[0], 5);
  EXPECT_EQ(yv[1], 2);
  EXPECT_TRUE(std::isnan(yv[2]));
  EXPECT_EQ(yv[3], 9);
  // ties keep the first position; the last NaN of a window wins
  EXPECT_EQ(i.tolist<int64_t>(), (std::vector<int64_t>{1, 2, 12, 15}));
}

// max_pool2d(2) on rows of 8 outputs or more runs eight outputs at a time,
// the row's last block overlapping the one before: values and indices against
// a direct reading of PyTorch's rule, with ties, NaNs and -inf in the windows.
TEST(Pool, MaxPool2x2VectorRowsMatchTheRule) {
  manual_seed(3);
  const int64_t h = 6, w = 26;  // 13 outputs a row: one block and an overlapping tail
  Tensor x = randint(0, 4, {2, 3, h, w}).to(kFloat32);
  float* p = x.data_ptr<float>();
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < x.numel(); i += 7) p[i] = std::nanf("");
  for (int64_t i = 3; i < x.numel(); i += 11) p[i] = -inf;
  for (int64_t i = 0; i < 4; ++i) p[(i / 2) * w + i % 2] = -inf;  // an all -inf window
  auto [y, idx] = max_pool2d_with_indices(x, {2, 2});
  const auto yv = y.tolist<float>();
  const auto iv = idx.tolist<int64_t>();
  size_t o = 0;
  for (int64_t plane = 0; plane < 6; ++plane)
    for (int64_t oh = 0; oh < h / 2; ++oh)
      for (int64_t ow = 0; ow < w / 2; ++ow, ++o) {
        float best = -inf;
        int64_t arg = 2 * oh * w + 2 * ow;
        for (int64_t dh = 0; dh < 2; ++dh)
          for (int64_t dw = 0; dw < 2; ++dw) {
            const int64_t pos = (2 * oh + dh) * w + 2 * ow + dw;
            const float v = p[plane * h * w + pos];
            if (v > best || std::isnan(v)) {
              best = v;
              arg = pos;
            }
          }
        ASSERT_EQ(iv[o], arg) << "plane " << plane << " output " << oh << "," << ow;
        if (std::isnan(best))
          EXPECT_TRUE(std::isnan(yv[o]));
        else
          EXPECT_EQ(yv[o], best);
      }
}
