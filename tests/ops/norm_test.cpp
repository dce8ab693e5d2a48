// Normalisation ops (ops/norm.cpp, kernels/cpu/norm.cpp): gradcheck in float64
// for every op (train and eval, affine or not, NCHW and channels_last), node
// names, output layouts, running-stat updates, known values and bad inputs.
// Values against PyTorch: tests/parity/nn_norm_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using autograd::gradcheck;

namespace {

Tensor rnd(IntArrayRef s, bool cl, uint64_t seed, bool grad = true) {
  Generator g(seed);
  Tensor t = randn(s, {.dtype = kFloat64}, &g);
  if (cl) t = t.contiguous(s.size() == 5 ? kChannelsLast3d : kChannelsLast);
  if (grad) t.requires_grad_();
  return t;
}

using GFn = std::function<Tensor(const std::vector<Tensor>&)>;

}  // namespace

TEST(Norm, BatchNormGradcheck) {
  for (bool cl : {false, true})
    for (bool affine : {false, true})
      for (bool train : {false, true}) {
        SCOPED_TRACE(testing::Message()
                     << "cl=" << cl << " affine=" << affine << " train=" << train);
        Tensor x = rnd({3, 4, 3, 2}, cl, 1);
        Tensor w = rnd({4}, false, 2), b = rnd({4}, false, 3);
        Tensor rm = rnd({4}, false, 4, false), rv = rnd({4}, false, 5, false).abs() + 0.5;
        GFn f = [&](const std::vector<Tensor>& in) {
          Tensor m = rm.clone(), v = rv.clone();
          return batch_norm(in[0], affine ? std::optional<Tensor>(in[1]) : std::nullopt,
                            affine ? std::optional<Tensor>(in[2]) : std::nullopt, m, v, train, 0.1,
                            1e-5);
        };
        EXPECT_TRUE(gradcheck(f, {x, w, b}));
      }
  // 3-D and 5-D inputs, no running stats.
  for (auto shape : {std::vector<int64_t>{4, 3, 5}, std::vector<int64_t>{2, 3, 2, 2, 3},
                     std::vector<int64_t>{5, 3}})
    for (bool cl : {false, true}) {
      if (cl && shape.size() != 5) continue;
      Tensor x = rnd(shape, cl, 6);
      EXPECT_TRUE(gradcheck(
          [](const std::vector<Tensor>& in) {
            return batch_norm(in[0], in[1], std::nullopt, std::nullopt, std::nullopt, true, 0.1,
                              1e-5);
          },
          {x, rnd({3}, false, 7)}));
    }
}

TEST(Norm, GroupNormGradcheck) {
  for (bool cl : {false, true})
    for (bool affine : {false, true}) {
      Tensor x = rnd({2, 6, 3, 2}, cl, 11);
      Tensor w = rnd({6}, false, 12), b = rnd({6}, false, 13);
      EXPECT_TRUE(gradcheck(
          [&](const std::vector<Tensor>& in) {
            return affine ? group_norm(in[0], 3, in[1], in[2]) : group_norm(in[0], 3);
          },
          {x, w, b}));
    }
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return group_norm(in[0], 2, in[1]); },
                        {rnd({3, 4, 5}, false, 14), rnd({4}, false, 15)}));
}

TEST(Norm, LayerNormGradcheck) {
  for (bool cl : {false, true})
    for (bool affine : {false, true}) {
      Tensor x = rnd({2, 3, 4, 2}, cl, 21);
      Tensor w = rnd({4, 2}, false, 22), b = rnd({4, 2}, false, 23);
      EXPECT_TRUE(gradcheck(
          [&](const std::vector<Tensor>& in) {
            return affine ? layer_norm(in[0], {4, 2}, in[1], in[2]) : layer_norm(in[0], {4, 2});
          },
          {x, w, b}));
    }
}

TEST(Norm, InstanceNormGradcheck) {
  for (bool cl : {false, true})
    for (bool stats : {false, true}) {
      Tensor x = rnd({2, 3, 3, 2}, cl, 31);
      Tensor w = rnd({3}, false, 32), b = rnd({3}, false, 33);
      Tensor rm = rnd({3}, false, 34, false), rv = rnd({3}, false, 35, false).abs() + 0.5;
      EXPECT_TRUE(gradcheck(
          [&](const std::vector<Tensor>& in) {
            Tensor m = rm.clone(), v = rv.clone();
            return instance_norm(in[0], in[1], in[2], m, v, stats, 0.1, 1e-5);
          },
          {x, w, b}));
    }
}

TEST(Norm, NodeNamesAndLayouts) {
  Tensor x = rnd({2, 4, 3, 3}, true, 41);
  Tensor y = batch_norm(x, std::nullopt, std::nullopt, std::nullopt, std::nullopt, true, 0.1, 1e-5);
  EXPECT_EQ(y.grad_fn()->name(), "NativeBatchNormBackward0");
  EXPECT_TRUE(y.is_contiguous(kChannelsLast));
  Tensor g = group_norm(x, 2);
  EXPECT_EQ(g.grad_fn()->name(), "NativeGroupNormBackward0");
  EXPECT_TRUE(g.is_contiguous(kChannelsLast));
  Tensor l = layer_norm(x, {3, 3});
  EXPECT_EQ(l.grad_fn()->name(), "NativeLayerNormBackward0");
  EXPECT_TRUE(l.is_contiguous());
  Tensor i =
      instance_norm(x, std::nullopt, std::nullopt, std::nullopt, std::nullopt, true, 0.1, 1e-5);
  EXPECT_EQ(i.grad_fn()->name(), "ViewBackward0");
  EXPECT_TRUE(i.is_contiguous());
  y.sum().backward();
  EXPECT_TRUE(x.grad().is_contiguous(kChannelsLast));
}

TEST(Norm, RunningStats) {
  Tensor x = tensor({1.0, 2.0, 3.0, 5.0}).view({2, 2});  // channel 0: 1, 3; channel 1: 2, 5
  Tensor rm = zeros({2}, {.dtype = kFloat64}), rv = ones({2}, {.dtype = kFloat64});
  Tensor y = batch_norm(x, std::nullopt, std::nullopt, rm, rv, true, 0.5, 0.0);
  EXPECT_EQ(rm.tolist<double>(), (std::vector<double>{1.0, 1.75}));
  EXPECT_EQ(rv.tolist<double>(), (std::vector<double>{1.5, 2.75}));
  const std::vector<double> want = {-1.0, -1.0, 1.0, 1.0}, got = y.tolist<double>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12);
  // Eval uses the running stats.
  Tensor e = batch_norm(x, std::nullopt, std::nullopt, rm, rv, false, 0.5, 0.0);
  EXPECT_NEAR(e.tolist<double>()[0], (1.0 - 1.0) / std::sqrt(1.5), 1e-12);
  // float32 and bfloat16 run too.
  Tensor xf = randn({4, 3, 5});
  EXPECT_EQ(group_norm(xf.to(kBFloat16), 3).dtype(), kBFloat16);
  EXPECT_EQ(layer_norm(xf.to(kFloat16), {5}).dtype(), kFloat16);
}

TEST(Norm, BadInputs) {
  Tensor x = randn({2, 4, 3, 3});
  EXPECT_EQ(error_message([&] {
              batch_norm(x, std::nullopt, std::nullopt, std::nullopt, std::nullopt, false, 0.1,
                         1e-5);
            }),
            "running_mean must be defined in evaluation mode");
  EXPECT_EQ(error_message([&] {
              batch_norm(x, std::nullopt, std::nullopt, zeros({3}), ones({4}), true, 0.1, 1e-5);
            }),
            "running_mean should contain 4 elements not 3");
  EXPECT_EQ(error_message([&] {
              batch_norm(x, ones({3}), std::nullopt, std::nullopt, std::nullopt, true, 0.1, 1e-5);
            }),
            "weight should contain 4 elements not 3");
  EXPECT_EQ(error_message([&] { group_norm(x, 3); }),
            "Expected number of channels in input to be divisible by num_groups, but got input of "
            "shape [2, 4, 3, 3] and num_groups=3");
  EXPECT_EQ(error_message([&] {
              layer_norm(x, {4, 4});
            }),
            "Given normalized_shape=[4, 4], expected input with shape [*, 4, 4], but got input of "
            "size[2, 4, 3, 3]");
}

// Large channels_last inputs take the chunked row loops (several chunks per
// sample): same values as the contiguous layout.
TEST(Norm, ChannelsLastChunksMatchContiguous) {
  Tensor x = rnd({2, 8, 96, 96}, false, 51, false) * 3 + 1;
  Tensor gy = rnd({2, 8, 96, 96}, false, 52, false);
  Tensor w = rnd({8}, false, 53), b = rnd({8}, false, 54);
  auto run = [&](bool cl) {
    Tensor xi = (cl ? x.contiguous(kChannelsLast) : x.clone()).requires_grad_();
    Tensor rm = zeros({8}, {.dtype = kFloat64}), rv = ones({8}, {.dtype = kFloat64});
    Tensor y = batch_norm(xi, w, b, rm, rv, true, 0.1, 1e-5);
    y.backward(cl ? gy.contiguous(kChannelsLast) : gy);
    Tensor g = group_norm(xi.detach(), 4, w.detach(), b.detach());
    return std::vector<Tensor>{y.detach().contiguous(), xi.grad().contiguous(), rm, rv,
                               g.contiguous()};
  };
  w.mutable_grad() = Tensor();
  auto a = run(false);
  auto c = run(true);
  for (size_t i = 0; i < a.size(); ++i) {
    auto u = a[i].tolist<double>(), v = c[i].tolist<double>();
    ASSERT_EQ(u.size(), v.size());
    double worst = 0;
    for (size_t j = 0; j < u.size(); ++j) worst = std::max(worst, std::abs(u[j] - v[j]));
    EXPECT_LT(worst, 1e-9) << i;
  }
}

// float32 channels_last (and 2-D) batch_norm and group_norm, forward and
// backward, against the float64 NCHW result, on shapes that reach every tail
// of the float row kernels: C not a multiple of 16 or 64, planes of 1 and 6
// rows, runs of rows past 32, N=1 with the rows split over chunks, and a mean
// far from 0 (the shifted sums).
TEST(Norm, Float32ChannelsLastTailsMatchFloat64) {
  struct Case {
    std::vector<int64_t> shape;
    int64_t groups;
    double offset;
  };
  const std::vector<Case> cases = {
      {{2, 3, 2, 3}, 3, 0},      {{1, 17, 2, 3}, 1, 0},    {{3, 40, 1, 1}, 8, 0},
      {{2, 40, 7, 9}, 4, 0},     {{1, 17, 64, 64}, 17, 0}, {{2, 81, 5, 7}, 3, 20},
      {{16, 100, 3, 3}, 10, -5}, {{1, 130, 6, 6}, 2, 0},   {{4, 64, 4, 4}, 8, 50},
      {{33, 21}, 3, 0},          {{1, 145, 5, 14}, 5, 0},
  };
  uint64_t seed = 100;
  for (const Case& k : cases) {
    const int64_t C = k.shape[1];
    SCOPED_TRACE(testing::Message() << "shape=" << IntArrayRef(k.shape) << " offset=" << k.offset);
    const Tensor x64 = rnd(k.shape, false, seed++, false) * 2 + k.offset;
    const Tensor gy64 = rnd(k.shape, false, seed++, false);
    const Tensor w64 = rnd({C}, false, seed++, false) + 1.5, b64 = rnd({C}, false, seed++, false);
    // y, dx, dw, db, running_mean, running_var of batch_norm; y, dx, dw, db of group_norm.
    auto run = [&](DType dt, bool cl) {
      const MemoryFormat fmt = cl && k.shape.size() == 4 ? kChannelsLast : kContiguous;
      Tensor x = x64.to(dt).contiguous(fmt).requires_grad_();
      Tensor gy = gy64.to(dt).contiguous(fmt);
      Tensor w = w64.to(dt).requires_grad_(), b = b64.to(dt).requires_grad_();
      Tensor rm = zeros({C}, {.dtype = dt}), rv = ones({C}, {.dtype = dt});
      std::vector<Tensor> r;
      Tensor y = batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
      auto g = autograd::grad({y}, {x, w, b}, {gy});
      r = {y.detach(), g[0], g[1], g[2], rm, rv};
      Tensor yg = group_norm(x, k.groups, w, b, 1e-5);
      auto gg = autograd::grad({yg}, {x, w, b}, {gy});
      for (const Tensor& t : {yg.detach(), gg[0], gg[1], gg[2]}) r.push_back(t);
      for (Tensor& t : r) t = t.contiguous().to(kFloat64);
      return r;
    };
    const auto ref = run(kFloat64, false);
    for (bool cl : {false, true}) {
      const auto got = run(kFloat32, cl);
      for (size_t i = 0; i < ref.size(); ++i) {
        const auto u = ref[i].tolist<double>(), v = got[i].tolist<double>();
        ASSERT_EQ(u.size(), v.size());
        double worst = 0, scale = 1;
        for (size_t j = 0; j < u.size(); ++j) {
          worst = std::max(worst, std::abs(u[j] - v[j]));
          scale = std::max(scale, std::abs(u[j]));
        }
        // float rounding of O(1) values (sums: of up to 4096 terms).
        EXPECT_LT(worst / scale, 2e-5) << "cl=" << cl << " output " << i;
      }
    }
  }
}
