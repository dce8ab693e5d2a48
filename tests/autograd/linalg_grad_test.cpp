// Gradients of mm, bmm, mv, dot, addmm, baddbmm, matmul and linear
// (ops/linalg.cpp): gradcheck / gradgradcheck in float64, PyTorch's node names
// (matmul and linear are composed of the others, as in PyTorch), gradient
// layouts, and the checks that still apply when recording.
#include <gtest/gtest.h>

#include <vector>

#include "ember/ember.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

Tensor leaf(IntArrayRef shape, uint64_t seed) { return ember::testing::dinput(shape, seed); }

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

}  // namespace

TEST(LinalgGrad, NodeNames) {
  Tensor a = leaf({2, 3}, 1), b = leaf({3, 4}, 2), v = leaf({3}, 3), w = leaf({3}, 4);
  Tensor b1 = leaf({2, 2, 3}, 5), b2 = leaf({2, 3, 4}, 6);
  EXPECT_EQ(mm(a, b).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(a.mm(b).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(bmm(b1, b2).grad_fn()->name(), "BmmBackward0");
  EXPECT_EQ(mv(a, v).grad_fn()->name(), "MvBackward0");
  EXPECT_EQ(dot(v, w).grad_fn()->name(), "DotBackward0");
  EXPECT_EQ(addmm(leaf({4}, 7), a, b).grad_fn()->name(), "AddmmBackward0");
  EXPECT_EQ(addmm(leaf({4}, 7), a, b).grad_fn()->next_edges().size(), 3u);
  EXPECT_EQ(baddbmm(leaf({4}, 8), b1, b2).grad_fn()->name(), "BaddbmmBackward0");
  EXPECT_EQ(matmul(a, b).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(matmul(v, w).grad_fn()->name(), "DotBackward0");
  EXPECT_EQ(matmul(a, v).grad_fn()->name(), "MvBackward0");
  // Only one operand requires grad.
  EXPECT_EQ(mm(a.detach(), b).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(addmm(zeros({4}, {.dtype = kFloat64}), a.detach(), b.detach()).requires_grad(), false);
}

TEST(LinalgGrad, LinearNodeNames) {
  Tensor x = leaf({2, 3}, 10), w = leaf({4, 3}, 11), bias = leaf({4}, 12);
  EXPECT_EQ(linear(x, w).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(linear(x, w, bias).grad_fn()->name(), "AddmmBackward0");
  // A non-contiguous 3-D input: matmul, then the bias added in place.
  Tensor x3 = leaf({3, 2, 3}, 13).transpose(0, 1);
  EXPECT_EQ(linear(x3, w, bias).grad_fn()->name(), "AddBackward0");
}

TEST(LinalgGrad, MmKnownValues) {
  // d(sum(A B))/dA = 1 B^T, d/dB = A^T 1.
  Tensor a = d({1, 2, 3, 4}).reshape({2, 2}).detach().requires_grad_();
  Tensor b = d({5, 6, 7, 8}).reshape({2, 2}).detach().requires_grad_();
  auto g = autograd::grad({mm(a, b)}, {a, b}, {ones({2, 2}, {.dtype = kFloat64})});
  EXPECT_TRUE(g[0].equal(d({11, 15, 11, 15}).reshape({2, 2})));
  EXPECT_TRUE(g[1].equal(d({4, 4, 6, 6}).reshape({2, 2})));
  Tensor v = d({1, 2}).requires_grad_(), w = d({3, 4}).requires_grad_();
  auto gd = autograd::grad({dot(v, w)}, {v, w}, {d({2}).reshape({})});
  EXPECT_TRUE(gd[0].equal(d({6, 8})));
  EXPECT_TRUE(gd[1].equal(d({2, 4})));
}

TEST(LinalgGrad, MmGradcheck) {
  Fn f = [](const std::vector<Tensor>& in) { return mm(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(f, {leaf({2, 3}, 20), leaf({3, 4}, 21)}));
  // Column-major operands (their gradients come back column-major).
  EXPECT_TRUE(gradcheck(f, {transposed_leaf(2, 3, 22), transposed_leaf(3, 4, 23)}));
  // One operand a constant.
  EXPECT_TRUE(gradcheck(f, {leaf({2, 3}, 24), dvalues({3, 4}, 25)}));
  EXPECT_TRUE(gradcheck(f, {dvalues({2, 3}, 26), leaf({3, 4}, 27)}));
}

TEST(LinalgGrad, AddmmGradcheck) {
  for (auto bias_shape : std::vector<std::vector<int64_t>>{{4}, {2, 4}, {1, 4}, {2, 1}, {}}) {
    Fn f = [](const std::vector<Tensor>& in) { return addmm(in[0], in[1], in[2]); };
    EXPECT_TRUE(gradcheck(f, {leaf(bias_shape, 30), leaf({2, 3}, 31), leaf({3, 4}, 32)}));
  }
  Fn scaled = [](const std::vector<Tensor>& in) { return addmm(in[0], in[1], in[2], 0.5, -2.0); };
  EXPECT_TRUE(gradcheck(scaled, {leaf({4}, 33), transposed_leaf(2, 3, 34), leaf({3, 4}, 35)}));
  EXPECT_TRUE(gradcheck(scaled, {leaf({2, 4}, 36), leaf({2, 3}, 37), transposed_leaf(3, 4, 38)}));
  // beta = 0: self gets a zero gradient.
  Tensor bias = leaf({4}, 39);
  auto g = autograd::grad({addmm(bias, dvalues({2, 3}, 40), dvalues({3, 4}, 41), 0, 1)}, {bias},
                          {ones({2, 4}, {.dtype = kFloat64})});
  EXPECT_TRUE(g[0].equal(zeros({4}, {.dtype = kFloat64})));
}

TEST(LinalgGrad, BmmAndBaddbmmGradcheck) {
  Fn f = [](const std::vector<Tensor>& in) { return bmm(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(f, {leaf({2, 2, 3}, 50), leaf({2, 3, 4}, 51)}));
  EXPECT_TRUE(gradcheck(f, {leaf({2, 2, 3}, 52), dvalues({2, 3, 4}, 53)}));
  Fn g = [](const std::vector<Tensor>& in) { return baddbmm(in[0], in[1], in[2], 0.5, 2.0); };
  EXPECT_TRUE(gradcheck(g, {leaf({2, 2, 4}, 54), leaf({2, 2, 3}, 55), leaf({2, 3, 4}, 56)}));
  EXPECT_TRUE(gradcheck(g, {leaf({4}, 57), leaf({2, 2, 3}, 58), leaf({2, 3, 4}, 59)}));
  Fn h = [](const std::vector<Tensor>& in) { return baddbmm(in[0], in[1], in[2]); };
  EXPECT_TRUE(gradcheck(h, {leaf({1, 2, 1}, 60), leaf({2, 2, 3}, 61), leaf({2, 3, 4}, 62)}));
}

TEST(LinalgGrad, MvAndDotGradcheck) {
  Fn f = [](const std::vector<Tensor>& in) { return mv(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(f, {leaf({2, 3}, 70), leaf({3}, 71)}));
  EXPECT_TRUE(gradcheck(f, {transposed_leaf(2, 3, 72), leaf({3}, 73)}));
  Fn g = [](const std::vector<Tensor>& in) { return dot(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(g, {leaf({4}, 74), leaf({4}, 75)}));
  EXPECT_TRUE(gradgradcheck(g, {leaf({4}, 76), leaf({4}, 77)}));
}

// A column-major operand gets a column-major gradient (PyTorch's layout rule:
// a weight used through .t() gets a contiguous .grad with no copy).
TEST(LinalgGrad, GradientLayoutFollowsTheInput) {
  Tensor a = leaf({5, 3}, 80), b = transposed_leaf(3, 4, 81);
  auto g = autograd::grad({mm(a, b)}, {a, b}, {dvalues({5, 4}, 82)});
  EXPECT_EQ(g[1].strides(), b.strides());
  EXPECT_EQ(g[0].strides(), a.strides());
  Tensor a2 = transposed_leaf(5, 3, 83), b2 = leaf({3, 4}, 84);
  auto g2 = autograd::grad({addmm(leaf({4}, 85), a2, b2)}, {a2, b2}, {dvalues({5, 4}, 86)});
  EXPECT_EQ(g2[0].strides(), a2.strides());
  EXPECT_EQ(g2[1].strides(), b2.strides());
}

TEST(LinalgGrad, ChecksStillApplyWhenRecording) {
  EXPECT_THROW_MSG(mm(leaf({2, 3}, 90), leaf({4, 5}, 91)), RuntimeError,
                   "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  EXPECT_THROW_MSG(matmul(leaf({2, 3}, 92), leaf({4, 5}, 93)), RuntimeError,
                   "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  EXPECT_THROW_MSG(matmul(leaf({2, 2, 3}, 94), leaf({2, 4, 5}, 95)), RuntimeError,
                   "Expected size for first two dimensions of batch2 tensor");
  EXPECT_THROW(dot(leaf({3}, 96), leaf({4}, 97)), RuntimeError);
  EXPECT_THROW(addmm(leaf({4}, 98), leaf({2, 3}, 99), leaf({3, 5}, 100)), RuntimeError);
  EXPECT_THROW(linear(leaf({2, 3}, 101), leaf({4, 5}, 102), leaf({4}, 103)), RuntimeError);
}

TEST(LinalgGrad, NoGradRecordsNothing) {
  Tensor a = leaf({2, 3}, 110), b = leaf({3, 4}, 111);
  NoGradGuard g;
  EXPECT_FALSE(matmul(a, b).requires_grad());
  EXPECT_FALSE(linear(a, b.t(), leaf({4}, 112)).requires_grad());
  EXPECT_FALSE(addmm(leaf({4}, 113), a, b).requires_grad());
}

// ---- through views (t, mT, unsqueeze, reshape, view, expand): their nodes
// come from the view family

TEST(LinalgGrad, GradgradcheckProducts) {
  EXPECT_TRUE(gradgradcheck([](const std::vector<Tensor>& in) { return mm(in[0], in[1]); },
                            {leaf({2, 3}, 120), leaf({3, 4}, 121)}));
  EXPECT_TRUE(gradgradcheck([](const std::vector<Tensor>& in) { return bmm(in[0], in[1]); },
                            {leaf({2, 2, 3}, 122), leaf({2, 3, 2}, 123)}));
  EXPECT_TRUE(gradgradcheck([](const std::vector<Tensor>& in) { return mv(in[0], in[1]); },
                            {leaf({2, 3}, 124), leaf({3}, 125)}));
  EXPECT_TRUE(gradgradcheck(
      [](const std::vector<Tensor>& in) { return addmm(in[0], in[1], in[2], 0.5, 2.0); },
      {leaf({4}, 126), leaf({2, 3}, 127), leaf({3, 4}, 128)}));
  EXPECT_TRUE(gradgradcheck(
      [](const std::vector<Tensor>& in) { return baddbmm(in[0], in[1], in[2], 0.5, 2.0); },
      {leaf({2, 2, 2}, 129), leaf({2, 2, 3}, 130), leaf({2, 3, 2}, 131)}));
}

TEST(LinalgGrad, MatmulGradcheck) {
  Fn f = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{3}, {3}},
      {{2, 3}, {3}},
      {{3}, {3, 4}},
      {{2, 3}, {3, 4}},
      {{2, 2, 3}, {3}},
      {{2, 2, 3}, {3, 4}},
      {{3}, {2, 3, 4}},
      {{2, 3}, {2, 3, 4}},
      {{2, 2, 3}, {2, 3, 4}},
      {{2, 1, 2, 3}, {3, 3, 2}},
      {{1, 2, 3}, {2, 3, 2}}};
  for (const auto& [s1, s2] : shapes) {
    EXPECT_TRUE(gradcheck(f, {leaf(s1, 140), leaf(s2, 141)}))
        << IntArrayRef(s1) << " @ " << IntArrayRef(s2);
  }
  // A batch that cannot be folded without a copy (non-contiguous batch dims).
  EXPECT_TRUE(gradcheck(
      f, {dvalues({2, 3, 3}, 142).transpose(0, 1).detach().requires_grad_(), leaf({3, 2}, 143)}));
  EXPECT_TRUE(gradgradcheck(f, {leaf({2, 2, 3}, 144), leaf({3, 2}, 145)}));
}

TEST(LinalgGrad, LinearGradcheck) {
  Fn with_bias = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); };
  Fn no_bias = [](const std::vector<Tensor>& in) { return linear(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(with_bias, {leaf({2, 3}, 150), leaf({4, 3}, 151), leaf({4}, 152)}));
  EXPECT_TRUE(gradcheck(no_bias, {leaf({2, 3}, 153), leaf({4, 3}, 154)}));
  EXPECT_TRUE(gradcheck(with_bias, {leaf({2, 2, 3}, 155), leaf({4, 3}, 156), leaf({4}, 157)}));
  EXPECT_TRUE(gradcheck(with_bias, {leaf({3}, 158), leaf({4, 3}, 159), leaf({4}, 160)}));
  EXPECT_TRUE(gradcheck(no_bias, {leaf({2, 2, 3}, 161), leaf({4, 3}, 162)}));
  // Non-contiguous 3-D input: matmul + add_.
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) { return linear(in[0].transpose(0, 1), in[1], in[2]); },
      {leaf({2, 2, 3}, 163), leaf({4, 3}, 164), leaf({4}, 165)}));
  EXPECT_TRUE(gradgradcheck(with_bias, {leaf({2, 3}, 166), leaf({4, 3}, 167), leaf({4}, 168)}));
}

// A weight used through .t() gets a contiguous .grad (no layout copy).
TEST(LinalgGrad, LinearWeightGradIsContiguous) {
  Generator gen(170);
  Tensor x = randn({8, 5}, {}, &gen);
  Tensor w = randn({3, 5}, {}, &gen).requires_grad_();
  Tensor b = randn({3}, {}, &gen).requires_grad_();
  Tensor go = randn({8, 3}, {}, &gen);
  linear(x, w, b).backward(go);
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(w.grad().is_contiguous());
  EXPECT_TRUE(w.grad().allclose(go.t().mm(x), 1e-5, 1e-5));
  EXPECT_TRUE(b.grad().allclose(go.sum({0}), 1e-5, 1e-5));
}
