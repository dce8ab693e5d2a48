// 3-D pooling (ops/pool.cpp, kernels/cpu/pool.cpp): gradcheck in float64 for
// every op in both memory formats (few and many channels: the channels-last
// block loop), node names, output layouts, hand-computed values, float16,
// meta tensors and bad inputs. Values against PyTorch:
// tests/parity/nn_pool3d_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/functional/pooling.h"
#include "ember/nn/modules/pooling.h"
#include "ember/ops/pool.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using autograd::gradcheck;
using ember::testing::distinct_leaf;

namespace {

using Fn = std::function<Tensor(const Tensor&)>;

}  // namespace

TEST(Pool3d, Gradcheck) {
  const std::vector<std::pair<const char*, Fn>> fns = {
      {"max",
       [](const Tensor& x) {
         return max_pool3d(x, {2, 3, 2}, {1, 2, 1}, {1, 1, 0}, {2, 1, 1});
       }},
      {"max_ceil", [](const Tensor& x) { return max_pool3d(x, 2, {}, 0, 1, true); }},
      {"avg",
       [](const Tensor& x) {
         return avg_pool3d(x, {3, 2, 2}, {2, 1, 1}, {1, 1, 0});
       }},
      {"avg_excl_ceil", [](const Tensor& x) { return avg_pool3d(x, 3, 2, 1, true, false); }},
      {"avg_divisor", [](const Tensor& x) { return avg_pool3d(x, 2, 1, 0, false, true, 3); }},
      {"adaptive_avg",
       [](const Tensor& x) {
         return adaptive_avg_pool3d(x, {2, 3, 4});
       }},
      {"adaptive_max",
       [](const Tensor& x) {
         return std::get<0>(adaptive_max_pool3d(x, {2, 3, 2}));
       }},
  };
  for (int64_t c : {2})
    for (bool cl : {false, true})
      for (const auto& [name, f] : fns) {
        SCOPED_TRACE(::testing::Message() << name << " c " << c << " cl " << cl);
        Tensor x = distinct_leaf({2, c, 4, 5, 4}, cl ? kChannelsLast3d : kContiguous);
        Tensor y = f(x);
        EXPECT_EQ(y.is_contiguous(kChannelsLast3d) && !y.is_contiguous(), cl);
        EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x}));
      }
  Tensor u = distinct_leaf({3, 4, 5, 4});  // unbatched
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return max_pool3d(in[0], 2); }, {u}));
  EXPECT_TRUE(
      gradcheck([](const std::vector<Tensor>& in) { return avg_pool3d(in[0], 2, 1); }, {u}));
  Tensor l = distinct_leaf({2, 3, 9});
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) { return std::get<0>(adaptive_max_pool1d(in[0], 4)); },
      {l}));
}

TEST(Pool3d, NodeNamesAndValues) {
  // x[d][h][w] = 16 d + 4 h + w on a 2x4x4 volume.
  Tensor x = arange(32, {.dtype = kFloat32}).view({1, 1, 2, 4, 4}).requires_grad_();
  auto [y, idx] = max_pool3d_with_indices(x, 2);
  EXPECT_EQ(y.grad_fn()->name(), "MaxPool3DWithIndicesBackward0");
  EXPECT_EQ(y.sizes(), IntArrayRef({1, 1, 1, 2, 2}));
  EXPECT_TRUE(equal(y.detach().flatten(), tensor({21.f, 23.f, 29.f, 31.f})));
  EXPECT_TRUE(equal(idx.flatten(), tensor<int64_t>({21, 23, 29, 31})));
  Tensor a = avg_pool3d(x, 2);
  EXPECT_EQ(a.grad_fn()->name(), "AvgPool3DBackward0");
  // mean of {0, 1, 4, 5, 16, 17, 20, 21} = 10.5
  EXPECT_TRUE(equal(a.detach().flatten(), tensor({10.5f, 12.5f, 18.5f, 20.5f})));
  // x3[d][h][w] = 9 d + 3 h + w: the first 3x3x3 window padded by 1 has 8
  // real cells summing to 52; padding counted (27 cells) or not (8).
  Tensor x3 = arange(27, {.dtype = kFloat32}).view({1, 1, 3, 3, 3});
  EXPECT_FLOAT_EQ(avg_pool3d(x3, 3, 1, 1).flatten()[0].item<float>(), 52.f / 27.f);
  EXPECT_FLOAT_EQ(avg_pool3d(x3, 3, 1, 1, false, false).flatten()[0].item<float>(), 52.f / 8.f);
  EXPECT_FLOAT_EQ(avg_pool3d(x, 2, {}, 0, false, true, 2).detach().flatten()[0].item<float>(),
                  84.f / 2.f);
  EXPECT_EQ(adaptive_avg_pool3d(x, 2).grad_fn()->name(), "AdaptiveAvgPool3DBackward0");
  EXPECT_EQ(adaptive_avg_pool3d(x, 1).grad_fn()->name(), "MeanBackward1");
  EXPECT_FLOAT_EQ(adaptive_avg_pool3d(x, 1).item<float>(), 15.5f);
  auto [am, ai] = adaptive_max_pool3d(x, {1, 1, 2});
  EXPECT_EQ(am.grad_fn()->name(), "AdaptiveMaxPool3DBackward0");
  EXPECT_TRUE(equal(am.detach().flatten(), tensor({29.f, 31.f})));
  EXPECT_TRUE(equal(ai.flatten(), tensor<int64_t>({29, 31})));
  // Backward of max: the gradient lands on the maxima.
  y.backward(ones_like(y));
  EXPECT_EQ(x.grad().sum().item<float>(), 4.f);
  EXPECT_EQ(x.grad().flatten()[21].item<float>(), 1.f);
  // float16 / bfloat16 computed in float32, stored in their dtype.
  for (DType t : {kFloat16, kBFloat16}) {
    Tensor h = x.detach().to(t).requires_grad_();
    Tensor hy = max_pool3d(h, 2);
    EXPECT_EQ(hy.dtype(), t);
    EXPECT_TRUE(equal(hy.to(kFloat32), y.detach()));
    hy.sum().backward();
    EXPECT_EQ(h.grad().dtype(), t);
    EXPECT_EQ(h.grad().to(kFloat32).sum().item<float>(), 4.f);
    EXPECT_TRUE(equal(avg_pool3d(h.detach(), 2).to(kFloat32), a.detach()));
  }
  // NaN propagates through max.
  Tensor n = zeros({1, 1, 2, 2, 2});
  n.view({-1})[3].fill_(std::nan(""));
  EXPECT_TRUE(std::isnan(max_pool3d(n, 2).item<float>()));
  // Empty batch.
  EXPECT_EQ(max_pool3d(zeros({0, 2, 4, 4, 4}), 2).sizes(), IntArrayRef({0, 2, 2, 2, 2}));
  EXPECT_EQ(avg_pool3d(zeros({0, 2, 4, 4, 4}), 2).sizes(), IntArrayRef({0, 2, 2, 2, 2}));
}

TEST(Pool3d, ChannelsLastMatchesContiguous) {
  Generator g(3);
  Tensor x = randn({2, 40, 5, 6, 7}, {}, &g);
  Tensor xc = x.contiguous(kChannelsLast3d);
  auto [m, mi] = max_pool3d_with_indices(x, 3, 2, 1, 1, true);
  auto [mc, mci] = max_pool3d_with_indices(xc, 3, 2, 1, 1, true);
  EXPECT_TRUE(mc.is_contiguous(kChannelsLast3d));
  EXPECT_TRUE(equal(m, mc));
  EXPECT_TRUE(equal(mi, mci));
  EXPECT_TRUE(allclose(avg_pool3d(x, 3, 2, 1, true, false), avg_pool3d(xc, 3, 2, 1, true, false)));
  EXPECT_TRUE(allclose(adaptive_avg_pool3d(x, {2, 4, 3}), adaptive_avg_pool3d(xc, {2, 4, 3})));
  // Backward over 40 channels (two blocks) in both formats.
  const std::vector<std::function<Tensor(const Tensor&)>> fns = {
      [](const Tensor& t) { return max_pool3d(t, 3, 2, 1, 1, true); },
      [](const Tensor& t) { return avg_pool3d(t, 3, 2, 1, true, false); },
      [](const Tensor& t) {
        return adaptive_avg_pool3d(t, {2, 4, 3});
      },
      [](const Tensor& t) {
        return std::get<0>(adaptive_max_pool3d(t, {3, 2, 5}));
      }};
  for (const auto& f : fns) {
    Tensor a = x.detach().requires_grad_(), b = xc.detach().requires_grad_();
    Tensor ya = f(a);
    Tensor gy = randn(ya.sizes(), {}, &g);
    ya.backward(gy);
    f(b).backward(gy);
    EXPECT_TRUE(b.grad().is_contiguous(kChannelsLast3d));
    EXPECT_TRUE(allclose(a.grad(), b.grad(), 1e-5, 1e-6));
  }
}

TEST(Pool3d, Meta) {
  Tensor x = empty({2, 3, 8, 9, 10}, {.device = Device("meta")});
  EXPECT_EQ(max_pool3d(x, 3, 2, 1).sizes(), IntArrayRef({2, 3, 4, 5, 5}));
  EXPECT_EQ(avg_pool3d(x, 2).sizes(), IntArrayRef({2, 3, 4, 4, 5}));
  EXPECT_EQ(adaptive_avg_pool3d(x, {1, 2, 3}).sizes(), IntArrayRef({2, 3, 1, 2, 3}));
  EXPECT_TRUE(std::get<1>(adaptive_max_pool3d(x, 2)).is_meta());
}

TEST(Pool3d, BadInput) {
  Tensor x = ones({1, 2, 4, 4, 4});
  EXPECT_THROW(max_pool3d(x, {2, 2}), RuntimeError);
  EXPECT_EQ(error_message([&] { max_pool3d(x, 2, 1, 2); }),
            "pad should be at most half of kernel size, but got pad=2 and kernel_size=2");
  EXPECT_EQ(error_message([&] {
              max_pool3d(ones({1, 2, 2, 2, 2}), 3);
            }),
            "Given input size: (2x2x2x2). Calculated output size: (2x0x0x0). Output size is too "
            "small");
  EXPECT_THROW(max_pool3d(ones({2, 3, 4}), 2), RuntimeError);
  EXPECT_THROW(max_pool3d(x, 2, 0), RuntimeError);
  EXPECT_THROW(avg_pool3d(x, 2, {}, 0, false, true, 0), RuntimeError);
  EXPECT_EQ(error_message([&] {
              avg_pool3d(ones({1, 2, 2, 2, 2}), 3);
            }),
            "input image (T: 2 H: 2 W: 2) smaller than kernel size (kT: 3 kH: 3 kW: 3)");
  EXPECT_THROW(adaptive_avg_pool3d(ones({2, 3, 4}), 2), RuntimeError);
  EXPECT_THROW(adaptive_max_pool3d(x, {2, 2}), RuntimeError);
  EXPECT_THROW(adaptive_max_pool1d(ones({4}), 2), RuntimeError);
  EXPECT_THROW(max_pool3d(x.to(kInt64), 2), NotImplementedError);
  EXPECT_EQ(error_message([&] { max_pool3d(x.to(kInt64), 2); }),
            "\"max_pool3d_with_indices_cpu\" not implemented for 'Long'");
  EXPECT_THROW(avg_pool3d(x.to(kInt32), 2), NotImplementedError);
  EXPECT_THROW(adaptive_avg_pool3d(x.to(kBool), 2), NotImplementedError);
}

TEST(Pool3d, Modules) {
  auto m = nn::make<nn::MaxPool3d>(2, nn::MaxPool3dOptions{.return_indices = true});
  Tensor x = arange(32, {.dtype = kFloat32}).view({1, 1, 2, 4, 4});
  EXPECT_TRUE(equal(m(x).flatten(), tensor({21.f, 23.f, 29.f, 31.f})));
  EXPECT_TRUE(
      equal(std::get<1>(m->forward_with_indices(x)).flatten(), tensor<int64_t>({21, 23, 29, 31})));
  EXPECT_EQ(m->str(), "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  auto a = nn::make<nn::AvgPool3d>(2);
  EXPECT_TRUE(equal(a(x).flatten(), tensor({10.5f, 12.5f, 18.5f, 20.5f})));
  auto aa = nn::make<nn::AdaptiveAvgPool3d>(nn::ConvSize{1, 2, 2});
  EXPECT_TRUE(equal(aa(x).flatten(), tensor({10.5f, 12.5f, 18.5f, 20.5f})));
  auto am = nn::make<nn::AdaptiveMaxPool3d>(1);
  EXPECT_EQ(am(x).item<float>(), 31.f);
  auto am1 = nn::make<nn::AdaptiveMaxPool1d>(2);
  EXPECT_TRUE(
      equal(am1(arange(6, {.dtype = kFloat32}).view({1, 1, 6})).flatten(), tensor({2.f, 5.f})));
  namespace F = nn::functional;
  EXPECT_TRUE(equal(F::max_pool3d(x, 2), m(x)));
  EXPECT_TRUE(equal(std::get<0>(F::adaptive_max_pool1d(x.view({1, 2, 16}), 1)).flatten(),
                    tensor({15.f, 31.f})));
}
