// Gradients of where, clamp (number and tensor bounds), clamp_min/max, clip
// and masked_fill (ops/compare.cpp): gradcheck / gradgradcheck in float64,
// PyTorch's node names, the in-place forms, and the ops that never record.
#include <gtest/gtest.h>

#include <limits>
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

Tensor mask_of(IntArrayRef shape, uint64_t seed) {
  Generator g(seed);
  return rand(shape, {}, &g) > 0.5;
}
// A non-leaf copy of x (recorded through mul), for in-place ops to write into.
Tensor fresh(const Tensor& x) { return x * 1.0; }
Tensor grad_of(const Tensor& y, const Tensor& x) {
  return autograd::grad({y}, {x}, {ones_like(y)})[0];
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

}  // namespace

// ---- where

TEST(WhereGrad, NamesAndEdges) {
  Tensor a = leaf({2, 3}, 1), b = leaf({2, 3}, 2);
  Tensor c = mask_of({2, 3}, 3);
  Tensor y = where(c, a, b);
  EXPECT_EQ(y.grad_fn()->name(), "WhereBackward0");
  // The condition has no edge.
  EXPECT_EQ(y.grad_fn()->next_edges().size(), 2u);
  EXPECT_EQ(where(c, a, 1.0).grad_fn()->name(), "WhereBackward0");
  EXPECT_EQ(where(c, 1.0, b).grad_fn()->name(), "WhereBackward0");
  EXPECT_EQ(a.where(c, b).grad_fn()->name(), "WhereBackward0");
  EXPECT_FALSE(where(c, 1.0, 2.0).requires_grad());
}

TEST(WhereGrad, KnownValues) {
  Tensor a = d({1, 2, 3}).requires_grad_(), b = d({4, 5, 6}).requires_grad_();
  Tensor c = tensor({true, false, true});
  where(c, a, b).backward(d({10, 20, 30}));
  EXPECT_TRUE(a.grad().equal(d({10, 0, 30})));
  EXPECT_TRUE(b.grad().equal(d({0, 20, 0})));
}

TEST(WhereGrad, Gradcheck) {
  Tensor c = mask_of({2, 3}, 10);
  Fn both = [&](const std::vector<Tensor>& in) { return where(c, in[0], in[1]); };
  EXPECT_TRUE(gradcheck(both, {leaf({2, 3}, 11), leaf({2, 3}, 12)}));
  // Broadcast operands (and condition).
  EXPECT_TRUE(gradcheck(both, {leaf({3}, 13), leaf({2, 1}, 14)}));
  Tensor c1 = mask_of({3}, 15);
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return where(c1, in[0], in[1]); },
                        {leaf({2, 3}, 16), leaf({2, 3}, 17)}));
  // Non-contiguous.
  EXPECT_TRUE(gradcheck(both, {transposed_leaf(2, 3, 18), leaf({2, 3}, 19)}));
  // Number operands.
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return where(c, in[0], 2.5); },
                        {leaf({2, 3}, 20)}));
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return where(c, -1.0, in[0]); },
                        {leaf({2, 3}, 21)}));
  // A uint8 condition.
  Tensor cu = c.to(kUInt8);
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return where(cu, in[0], in[1]); },
                        {leaf({2, 3}, 22), leaf({2, 3}, 23)}));
  EXPECT_TRUE(gradgradcheck(both, {leaf({2, 3}, 24), leaf({2, 3}, 25)}));
}

// A broadcast operand's gradient is summed back under create_graph: needs
// sum's formula (reduce family).
TEST(WhereGrad, GradgradcheckBroadcast) {
  Tensor c = mask_of({2, 3}, 26);
  EXPECT_TRUE(gradgradcheck([&](const std::vector<Tensor>& in) { return where(c, in[0], in[1]); },
                            {leaf({2, 3}, 27), leaf({3}, 28)}));
}

TEST(WhereGrad, PromotedDtypeGradientsComeBackInTheInputDtype) {
  Generator g(30);
  Tensor a = randn({3}, {}, &g).requires_grad_();
  Tensor b = randn({3}, {.dtype = kFloat64}, &g).requires_grad_();
  Tensor y = where(tensor({true, false, true}), a, b);
  EXPECT_EQ(y.dtype(), kFloat64);
  y.backward(ones_like(y));
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  EXPECT_TRUE(a.grad().equal(tensor({1.0f, 0.0f, 1.0f})));
  EXPECT_TRUE(b.grad().equal(d({0, 1, 0})));
}

// ---- clamp with number bounds

TEST(ClampGrad, ScalarNames) {
  Tensor x = leaf({3}, 40);
  EXPECT_EQ(clamp(x, -0.5, 0.5).grad_fn()->name(), "ClampBackward1");
  EXPECT_EQ(clamp(x, -0.5).grad_fn()->name(), "ClampBackward1");
  EXPECT_EQ(clamp(x, std::nullopt, 0.5).grad_fn()->name(), "ClampBackward1");
  EXPECT_EQ(x.clamp(0, 1).grad_fn()->name(), "ClampBackward1");
  EXPECT_EQ(clip(x, 0, 1).grad_fn()->name(), "ClampBackward1");
  EXPECT_EQ(clamp_min(x, 0).grad_fn()->name(), "ClampMinBackward0");
  EXPECT_EQ(x.clamp_min(0).grad_fn()->name(), "ClampMinBackward0");
  EXPECT_EQ(clamp_max(x, 0).grad_fn()->name(), "ClampMaxBackward0");
  EXPECT_EQ(x.clamp_max(0).grad_fn()->name(), "ClampMaxBackward0");
  Tensor y = fresh(x);
  y.clamp_(0, 1);
  EXPECT_EQ(y.grad_fn()->name(), "ClampBackward1");
}

TEST(ClampGrad, ScalarKnownValues) {
  // The gradient passes where min <= x <= max, bounds included.
  Tensor x = d({-1, -0.5, 0.2, 0.5, 2}).requires_grad_();
  EXPECT_TRUE(grad_of(clamp(x, -0.5, 0.5), x).equal(d({0, 1, 1, 1, 0})));
  EXPECT_TRUE(grad_of(clamp(x, -0.5), x).equal(d({0, 1, 1, 1, 1})));
  EXPECT_TRUE(grad_of(clamp(x, std::nullopt, 0.5), x).equal(d({1, 1, 1, 1, 0})));
  EXPECT_TRUE(grad_of(clamp_min(x, 0.2), x).equal(d({0, 0, 1, 1, 1})));
  EXPECT_TRUE(grad_of(clamp_max(x, 0.2), x).equal(d({1, 1, 1, 0, 0})));
  // min > max: everything is max, nothing passes.
  EXPECT_TRUE(grad_of(clamp(x, 1, 0), x).equal(d({0, 0, 0, 0, 0})));
  // A NaN bound fills the result with NaN; no gradient passes.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(grad_of(clamp(x, nan, 1), x).equal(d({0, 0, 0, 0, 0})));
}

TEST(ClampGrad, ScalarGradcheck) {
  for (auto [lo, hi] : std::vector<std::pair<std::optional<Scalar>, std::optional<Scalar>>>{
           {-0.5, 0.5}, {-0.3, std::nullopt}, {std::nullopt, 0.4}}) {
    Fn f = [&](const std::vector<Tensor>& in) { return clamp(in[0], lo, hi); };
    EXPECT_TRUE(gradcheck(f, {leaf({3, 4}, 50)}));
    EXPECT_TRUE(gradcheck(f, {transposed_leaf(3, 4, 51)}));
    EXPECT_TRUE(gradgradcheck(f, {leaf({3, 4}, 52)}));
  }
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return clamp_min(in[0], 0.1); },
                        {leaf({3, 4}, 53)}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return clamp_max(in[0], 0.1); },
                        {leaf({3, 4}, 54)}));
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor t = fresh(in[0]);
        return t.clamp_(-0.2, 0.3);
      },
      {leaf({3, 4}, 55)}));
}

// ---- clamp with tensor bounds

TEST(ClampGrad, TensorNames) {
  Tensor x = leaf({3}, 60), lo = leaf({3}, 61), hi = leaf({3}, 62);
  EXPECT_EQ(clamp(x, lo, hi).grad_fn()->name(), "ClampBackward0");
  EXPECT_EQ(clamp(x, lo, hi).grad_fn()->next_edges().size(), 3u);
  EXPECT_EQ(clamp(x, lo, Tensor()).grad_fn()->name(), "ClampBackward0");
  EXPECT_EQ(clamp(x, Tensor(), hi).grad_fn()->name(), "ClampBackward0");
  EXPECT_EQ(clamp_min(x, lo).grad_fn()->name(), "ClampMinBackward1");
  EXPECT_EQ(clamp_min(x, lo).grad_fn()->next_edges().size(), 2u);
  EXPECT_EQ(clamp_max(x, hi).grad_fn()->name(), "ClampMaxBackward1");
  // Only a bound requires grad: still recorded.
  EXPECT_EQ(clamp(x.detach(), lo, hi).grad_fn()->name(), "ClampBackward0");
  Tensor y = fresh(x);
  clamp_(y, lo, hi);
  EXPECT_EQ(y.grad_fn()->name(), "ClampBackward0");
}

TEST(ClampGrad, TensorKnownValues) {
  // x below, inside, above; the last column has min > max (max wins).
  Tensor x = d({-2, 0, 2, 0}).requires_grad_();
  Tensor lo = d({-1, -1, -1, 1}).requires_grad_();
  Tensor hi = d({1, 1, 1, -1}).requires_grad_();
  auto g = autograd::grad({clamp(x, lo, hi)}, {x, lo, hi}, {d({1, 2, 3, 4})});
  EXPECT_TRUE(g[0].equal(d({0, 2, 0, 0})));
  EXPECT_TRUE(g[1].equal(d({1, 0, 0, 0})));
  EXPECT_TRUE(g[2].equal(d({0, 0, 3, 4})));
  auto gmin = autograd::grad({clamp_min(x, lo)}, {x, lo}, {d({1, 2, 3, 4})});
  EXPECT_TRUE(gmin[0].equal(d({0, 2, 3, 0})));
  EXPECT_TRUE(gmin[1].equal(d({1, 0, 0, 4})));
  auto gmax = autograd::grad({clamp_max(x, hi)}, {x, hi}, {d({1, 2, 3, 4})});
  EXPECT_TRUE(gmax[0].equal(d({1, 2, 0, 0})));
  EXPECT_TRUE(gmax[1].equal(d({0, 0, 3, 4})));
}

TEST(ClampGrad, TensorGradcheck) {
  Fn both = [](const std::vector<Tensor>& in) { return clamp(in[0], in[1], in[2]); };
  EXPECT_TRUE(gradcheck(both, {leaf({3, 4}, 70), leaf({3, 4}, 71), leaf({3, 4}, 72)}));
  // Broadcast bounds; non-contiguous input.
  EXPECT_TRUE(gradcheck(both, {transposed_leaf(3, 4, 73), leaf({4}, 74), leaf({3, 1}, 75)}));
  EXPECT_TRUE(gradgradcheck(both, {leaf({3, 4}, 76), leaf({3, 4}, 77), leaf({3, 4}, 78)}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return clamp(in[0], in[1], Tensor()); },
                        {leaf({3, 4}, 79), leaf({4}, 80)}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return clamp(in[0], Tensor(), in[1]); },
                        {leaf({3, 4}, 81), leaf({4}, 82)}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return clamp_min(in[0], in[1]); },
                        {leaf({3, 4}, 83), leaf({3, 4}, 84)}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return clamp_max(in[0], in[1]); },
                        {leaf({3, 4}, 85), leaf({1, 4}, 86)}));
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor t = fresh(in[0]);
        return clamp_(t, in[1], in[2]);
      },
      {leaf({3, 4}, 87), leaf({4}, 88), leaf({3, 4}, 89)}));
}

// Broadcast bounds' gradients are summed back under create_graph: needs sum's
// formula (reduce family).
TEST(ClampGrad, GradgradcheckBroadcastBounds) {
  EXPECT_TRUE(
      gradgradcheck([](const std::vector<Tensor>& in) { return clamp(in[0], in[1], in[2]); },
                    {leaf({3, 4}, 90), leaf({4}, 91), leaf({3, 1}, 92)}));
}

// ---- masked_fill

TEST(MaskedFillGrad, Names) {
  Tensor x = leaf({2, 3}, 100);
  Tensor m = mask_of({2, 3}, 101);
  Tensor v = d({1.5}).reshape({}).requires_grad_();
  EXPECT_EQ(masked_fill(x, m, 1.0).grad_fn()->name(), "MaskedFillBackward0");
  EXPECT_EQ(x.masked_fill(m, 1.0).grad_fn()->name(), "MaskedFillBackward0");
  EXPECT_EQ(masked_fill(x, m, v).grad_fn()->name(), "MaskedFillBackward1");
  EXPECT_EQ(masked_fill(x, m, v).grad_fn()->next_edges().size(), 2u);
  // A 0-dim value that does not require grad still gives MaskedFillBackward1.
  EXPECT_EQ(masked_fill(x, m, v.detach()).grad_fn()->name(), "MaskedFillBackward1");
  // Only the value requires grad.
  EXPECT_EQ(masked_fill(x.detach(), m, v).grad_fn()->name(), "MaskedFillBackward1");
  Tensor y = fresh(x);
  y.masked_fill_(m, 1.0);
  EXPECT_EQ(y.grad_fn()->name(), "MaskedFillBackward0");
  Tensor z = fresh(x);
  masked_fill_(z, m, v);
  EXPECT_EQ(z.grad_fn()->name(), "MaskedFillBackward1");
}

TEST(MaskedFillGrad, KnownValues) {
  Tensor x = d({1, 2, 3}).requires_grad_();
  Tensor v = d({7}).reshape({}).requires_grad_();
  Tensor m = tensor({true, false, true});
  auto g = autograd::grad({masked_fill(x, m, v)}, {x, v}, {d({10, 20, 30})});
  EXPECT_TRUE(g[0].equal(d({0, 20, 0})));
  EXPECT_EQ(g[1].dim(), 0);
  EXPECT_EQ(g[1].item<double>(), 40.0);
}

TEST(MaskedFillGrad, Gradcheck) {
  Tensor m = mask_of({2, 3}, 110);
  Fn number = [&](const std::vector<Tensor>& in) { return masked_fill(in[0], m, -2.0); };
  EXPECT_TRUE(gradcheck(number, {leaf({2, 3}, 111)}));
  EXPECT_TRUE(gradcheck(number, {transposed_leaf(2, 3, 112)}));
  // x broadcast up to the mask's shape (the gradient is summed back).
  EXPECT_TRUE(gradcheck(number, {leaf({3}, 113)}));
  // The mask broadcast to x.
  Tensor m1 = mask_of({3}, 114);
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return masked_fill(in[0], m1, 0.5); },
                        {leaf({2, 3}, 115)}));
  EXPECT_TRUE(gradgradcheck(number, {leaf({2, 3}, 116)}));
  Fn tensor_value = [&](const std::vector<Tensor>& in) { return masked_fill(in[0], m, in[1]); };
  EXPECT_TRUE(gradcheck(tensor_value, {leaf({2, 3}, 117), leaf({}, 118)}));
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        Tensor t = fresh(in[0]);
        return t.masked_fill_(m, 3.0);
      },
      {leaf({2, 3}, 119)}));
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        Tensor t = fresh(in[0]);
        return masked_fill_(t, m1, in[1]);
      },
      {leaf({2, 3}, 120), leaf({}, 121)}));
}

// The value's gradient is a sum (reduce family's formula under create_graph).
TEST(MaskedFillGrad, GradgradcheckTensorValue) {
  Tensor m = mask_of({2, 3}, 130);
  EXPECT_TRUE(
      gradgradcheck([&](const std::vector<Tensor>& in) { return masked_fill(in[0], m, in[1]); },
                    {leaf({2, 3}, 131), leaf({}, 132)}));
}

// ---- in-place bookkeeping

TEST(CompareGrad, InplaceBumpsTheVersionAndChecksLeaves) {
  Tensor m = mask_of({3}, 140);
  Tensor lo = d({-0.1, -0.1, -0.1}), hi = d({0.1, 0.1, 0.1});
  std::vector<std::function<void(Tensor&)>> ops = {
      [](Tensor& t) { t.clamp_(-0.1, 0.1); },
      [&](Tensor& t) { clamp_(t, lo, hi); },
      [&](Tensor& t) { t.masked_fill_(m, 0.0); },
      [&](Tensor& t) { masked_fill_(t, m, d({2}).reshape({})); },
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    Tensor x = dvalues({3}, 141);
    (void)x.detach();  // ember makes a version counter only once something can observe it
    const auto v = x._version();
    ops[i](x);
    EXPECT_EQ(x._version(), v + 1) << i;
    Tensor l = leaf({3}, 142);
    EXPECT_THROW_MSG(ops[i](l), RuntimeError,
                     "a leaf Variable that requires grad is being used in an in-place operation.")
        << i;
  }
}

TEST(CompareGrad, ModifiedSavedInputThrows) {
  Tensor x = leaf({3}, 150);
  Tensor y = fresh(x);
  Tensor z = clamp(y, -0.5, 0.5);
  y.add_(1.0);
  EXPECT_THROW_MSG(z.backward(ones_like(z)), RuntimeError, "modified by an inplace operation");
}

TEST(CompareGrad, ComparisonsAndLogicalOpsAreNotRecorded) {
  Tensor a = leaf({3}, 160), b = leaf({3}, 161);
  for (const Tensor& t :
       {eq(a, b), ne(a, b), lt(a, b), le(a, b), gt(a, b), ge(a, b), eq(a, 0.0), a > 0.0,
        logical_and(a, b), logical_or(a, b), logical_xor(a, b), isclose(a, b)}) {
    EXPECT_FALSE(t.requires_grad());
    EXPECT_FALSE(t.grad_fn());
  }
}

// In place on a view of a non-leaf (CopySlices). Needs the views' own nodes
// (view family).
TEST(CompareGrad, InplaceOnView) {
  Tensor m = mask_of({4}, 170);
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        Tensor y = fresh(in[0]);
        Tensor row = y.select(0, 1);
        row.clamp_(-0.3, 0.3);
        Tensor col = y.select(1, 2);
        col.masked_fill_(m.slice(0, 0, 3), 1.0);
        return y;
      },
      {leaf({3, 4}, 171)}));
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        Tensor y = fresh(in[0]);
        Tensor row = y.select(0, 0);
        clamp_(row, in[1], in[2]);
        return y;
      },
      {leaf({3, 4}, 172), leaf({4}, 173), leaf({4}, 174)}));
}

// Only floating results get history: an integer tensor filled from a value
// that requires grad has none (PyTorch asserts internally there).
TEST(MaskedFillGrad, IntegerResultHasNoHistory) {
  Tensor x = tensor({0, 0, 0});
  Tensor m = tensor({true, false, true});
  Tensor v = d({2}).reshape({}).requires_grad_();
  Tensor y = masked_fill(x, m, v);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.equal(tensor({2, 0, 2})));
  masked_fill_(x, m, v);
  EXPECT_FALSE(x.requires_grad());
  EXPECT_TRUE(x.equal(tensor({2, 0, 2})));
}
