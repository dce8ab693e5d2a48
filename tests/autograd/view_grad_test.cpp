// Gradients of the view ops (ops/view.cpp), copies (ops/copy.cpp) and
// cat/stack (ops/shape.cpp): gradcheck and gradgradcheck in float64, and the
// grad_fn names PyTorch gives.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"
#include "support/grad.h"

using namespace ember;
using namespace ember::testing;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

using Outs = std::vector<Tensor>;
using In = std::vector<Tensor>;

// gradcheck reads the outputs after perturbing the inputs again, so an output
// that aliases an input (a view) must be copied first (see the report: the
// core's gradcheck does not clone outputs, as PyTorch's does). `* 1.0` makes a
// fresh tensor that stays differentiable at any order.
Tensor fresh(const Tensor& t) { return t * 1.0; }

// gradcheck and gradgradcheck of x -> f(x).
void check_view(const std::function<Tensor(const Tensor&)>& f, const Tensor& x,
                bool second_order = true) {
  auto fn = [&](const In& in) { return fresh(f(in[0])); };
  EXPECT_TRUE(gradcheck(fn, {x}));
  if (second_order) {
    EXPECT_TRUE(gradgradcheck(fn, {x}));
  }
}

void check_multi(const std::function<Outs(const Tensor&)>& f, const Tensor& x) {
  auto fn = [&](const In& in) {
    Outs o = f(in[0]);
    for (auto& t : o) t = fresh(t);
    return o;
  };
  EXPECT_TRUE(gradcheck(fn, {x}));
  EXPECT_TRUE(gradgradcheck(fn, {x}));
}

std::string name_of(const Tensor& t) { return autograd::node_name(t.grad_fn().get()); }

// Backward from every element (sum() has no formula before the merge).
void backward_ones(const Tensor& t) { t.backward(ones_like(t)); }

}  // namespace

TEST(ViewGrad, Names) {
  Tensor a = dinput({3, 4}, 1);
  Tensor v = dinput({3}, 2);
  EXPECT_EQ(name_of(a.view({12})), "ViewBackward0");
  EXPECT_EQ(name_of(a.view_as(a)), "ViewBackward0");
  EXPECT_EQ(name_of(a.reshape({12})), "ReshapeAliasBackward0");
  EXPECT_EQ(name_of(a.reshape_as(a)), "ReshapeAliasBackward0");
  EXPECT_EQ(name_of(a.t().reshape({12})), "UnsafeViewBackward0");
  EXPECT_EQ(autograd::node_name(a.t().reshape({12}).grad_fn()->next_functions()[0].first.get()),
            "CloneBackward0");
  EXPECT_FALSE(a.t().reshape({12}).is_view());
  EXPECT_EQ(name_of(a.flatten()), "ReshapeAliasBackward0");
  EXPECT_EQ(name_of(a.t().flatten()), "UnsafeViewBackward0");
  EXPECT_TRUE(a.flatten(0, 0).is_same(a));
  EXPECT_EQ(name_of(v.unflatten(0, {3, 1})), "ViewBackward0");
  EXPECT_EQ(name_of(a.squeeze()), "SqueezeBackward0");
  EXPECT_EQ(name_of(a.squeeze(0)), "SqueezeBackward1");
  EXPECT_EQ(name_of(a.unsqueeze(0)), "UnsqueezeBackward0");
  EXPECT_EQ(name_of(v.index({kNone})), "UnsqueezeBackward0");
  EXPECT_EQ(name_of(v.index({kEllipsis, kNone})), "UnsqueezeBackward0");
  EXPECT_EQ(name_of(a.permute({1, 0})), "PermuteBackward0");
  EXPECT_EQ(name_of(a.movedim(0, 0)), "PermuteBackward0");
  EXPECT_EQ(name_of(a.transpose(0, 1)), "TransposeBackward0");
  EXPECT_EQ(name_of(a.transpose(0, 0)), "TransposeBackward0");
  EXPECT_EQ(name_of(a.mT()), "TransposeBackward0");
  EXPECT_EQ(name_of(a.t()), "TBackward0");
  EXPECT_EQ(name_of(v.expand({2, 3})), "ExpandBackward0");
  EXPECT_EQ(name_of(a.expand_as(a)), "ExpandBackward0");
  EXPECT_EQ(name_of(a.narrow(0, 0, 1)), "SliceBackward0");
  EXPECT_EQ(name_of(a.slice(0, 1)), "SliceBackward0");
  EXPECT_EQ(name_of(a.index({Slice()})), "SliceBackward0");
  EXPECT_EQ(name_of(a[0]), "SelectBackward0");
  EXPECT_EQ(name_of(a.select(0, 1)), "SelectBackward0");
  EXPECT_EQ(name_of(a.index({0, 1})), "SelectBackward0");
  EXPECT_EQ(name_of(a.index({kEllipsis})), "AliasBackward0");
  EXPECT_TRUE(a.index({kEllipsis}).is_view());
  EXPECT_EQ(name_of(v.expand({2, 3}).index({Slice(), 1})), "SelectBackward0");
  EXPECT_EQ(name_of(a.as_strided({2}, {1})), "AsStridedBackward0");
  EXPECT_EQ(name_of(a.split(1)[0]), "SplitBackward0");
  EXPECT_EQ(name_of(a.chunk(3)[2]), "SplitBackward0");
  EXPECT_EQ(name_of(a.split({1, 2})[1]), "SplitWithSizesBackward0");
  EXPECT_EQ(name_of(a.split_with_sizes({1, 2})[0]), "SplitWithSizesBackward0");
  EXPECT_EQ(name_of(a.unbind()[0]), "UnbindBackward0");
  EXPECT_EQ(name_of(a.diagonal()), "DiagonalBackward0");
  EXPECT_EQ(name_of(v.expand({3, 3}).diagonal()), "DiagonalBackward0");
  // 0-dim special cases.
  Tensor s = dinput({}, 3);
  EXPECT_EQ(name_of(s.t()), "TBackward0");
  EXPECT_EQ(name_of(s.movedim(0, 0)), "AliasBackward0");
  EXPECT_EQ(name_of(s.squeeze(0)), "SqueezeBackward1");
  EXPECT_EQ(name_of(s.flatten()), "ReshapeAliasBackward0");

  // Copies.
  EXPECT_EQ(name_of(a.clone()), "CloneBackward0");
  EXPECT_EQ(name_of(a.to(kFloat32)), "ToCopyBackward0");
  EXPECT_EQ(name_of(a.float_()), "ToCopyBackward0");
  EXPECT_TRUE(a.double_().is_same(a));  // already float64: self, no node
  EXPECT_EQ(name_of(a.half()), "ToCopyBackward0");
  EXPECT_EQ(name_of(a.bfloat16()), "ToCopyBackward0");
  EXPECT_EQ(name_of(a.to(kFloat64, false, /*copy=*/true)), "ToCopyBackward0");
  EXPECT_FALSE(a.to(kInt64).requires_grad());
  Tensor n4 = dinput({2, 3, 4, 5}, 4);
  EXPECT_EQ(name_of(n4.to(MemoryFormat::ChannelsLast)), "ToCopyBackward0");
  EXPECT_EQ(name_of(n4.contiguous(MemoryFormat::ChannelsLast)), "CloneBackward0");
  EXPECT_EQ(name_of(n4.clone(MemoryFormat::ChannelsLast)), "CloneBackward0");
  EXPECT_TRUE(a.contiguous().is_same(a));
  EXPECT_EQ(name_of(a.t().contiguous()), "CloneBackward0");
  EXPECT_EQ(name_of(v.unsqueeze(1).t().contiguous()), "TBackward0");
  EXPECT_EQ(name_of(a.clone().fill_(1)), "FillBackward2");
  EXPECT_EQ(name_of(a.clone().fill_(scalar_tensor(1.0, {.dtype = kFloat64}))), "FillBackward3");
  EXPECT_EQ(name_of(a.clone().zero_()), "ZeroBackward0");
  EXPECT_EQ(name_of(a.clone().copy_(a)), "CopyBackwards");
  EXPECT_EQ(name_of(a.clone().uniform_()), "UniformBackward0");
  EXPECT_EQ(name_of(a.clone().normal_()), "NormalBackward0");
  EXPECT_EQ(name_of(a.clone().bernoulli_(0.5)), "BernoulliBackward2");
  EXPECT_EQ(name_of(a.clone().random_(0, 5)), "RandomBackward0");

  // cat / stack: one edge per input, empty for inputs that need no gradient.
  Tensor c = cat({a, zeros({3, 4}, {.dtype = kFloat64})});
  EXPECT_EQ(name_of(c), "CatBackward0");
  ASSERT_EQ(c.grad_fn()->next_functions().size(), 2u);
  EXPECT_EQ(autograd::node_name(c.grad_fn()->next_functions()[0].first.get()), "AccumulateGrad");
  EXPECT_EQ(c.grad_fn()->next_functions()[1].first, nullptr);
  EXPECT_EQ(name_of(stack({a, a})), "StackBackward0");
  EXPECT_EQ(name_of(stack({a, a}, 1)), "StackBackward0");
  EXPECT_FALSE(stack({a, a}, 1).is_view());
}

TEST(ViewGrad, NoHistoryWithoutGrad) {
  Tensor a = dinput({3, 4}, 1);
  {
    NoGradGuard g;
    EXPECT_EQ(a.view({12}).grad_fn(), nullptr);
    EXPECT_EQ(a.t().reshape({12}).grad_fn(), nullptr);
    EXPECT_EQ(a.split(1)[0].grad_fn(), nullptr);
    EXPECT_EQ(a.clone().grad_fn(), nullptr);
    EXPECT_EQ(cat({a, a}).grad_fn(), nullptr);
  }
  Tensor b = randn({3, 4});
  EXPECT_FALSE(b.view({12}).requires_grad());
  EXPECT_FALSE(cat({b, b}).requires_grad());
  EXPECT_FALSE(b.clone().requires_grad());
}

TEST(ViewGrad, ViewAndReshape) {
  Tensor x = dinput({2, 3, 4}, 10);
  check_view([](const Tensor& t) { return t.view({6, 4}); }, x);
  check_view([](const Tensor& t) { return t.view({-1}); }, x);
  check_view([](const Tensor& t) { return t.view_as(zeros({4, 6})); }, x);
  check_view([](const Tensor& t) { return t.reshape({4, 6}); }, x);
  check_view([](const Tensor& t) { return t.transpose(0, 2).reshape({-1}); }, x);  // copy path
  check_view([](const Tensor& t) { return t.reshape_as(zeros({24})); }, x);
  check_view([](const Tensor& t) { return t.flatten(); }, x);
  check_view([](const Tensor& t) { return t.flatten(1); }, x);
  check_view([](const Tensor& t) { return t.permute({2, 0, 1}).flatten(0, 1); }, x);
  check_view([](const Tensor& t) { return t.unflatten(2, {2, 2}); }, x);
  check_view([](const Tensor& t) { return t.flatten(0, 1).unflatten(0, {3, -1}); }, x);
}

TEST(ViewGrad, SqueezeUnsqueeze) {
  Tensor x = dinput({2, 1, 3, 1}, 11);
  check_view([](const Tensor& t) { return t.squeeze(); }, x);
  check_view([](const Tensor& t) { return t.squeeze(1); }, x);
  check_view([](const Tensor& t) { return t.squeeze(-1); }, x);
  check_view([](const Tensor& t) { return t.squeeze(0); }, x);  // not size 1: unchanged
  check_view([](const Tensor& t) { return t.squeeze({1, 3}); }, x);
  check_view([](const Tensor& t) { return t.unsqueeze(0); }, x);
  check_view([](const Tensor& t) { return t.unsqueeze(-1); }, x);
  check_view([](const Tensor& t) { return t.squeeze().t().unsqueeze(1); }, x);
  check_view([](const Tensor& t) { return t.squeeze(); }, dinput({}, 12));
}

TEST(ViewGrad, PermuteTranspose) {
  Tensor x = dinput({2, 3, 4}, 13);
  check_view([](const Tensor& t) { return t.permute({2, 0, 1}); }, x);
  check_view([](const Tensor& t) { return t.permute({-1, 1, 0}); }, x);
  check_view([](const Tensor& t) { return t.movedim(0, 2); }, x);
  check_view([](const Tensor& t) { return t.movedim(-1, 0); }, x);
  check_view([](const Tensor& t) { return t.transpose(0, 2); }, x);
  check_view([](const Tensor& t) { return t.mT(); }, x);
  Tensor m = dinput({3, 4}, 14);
  check_view([](const Tensor& t) { return t.t(); }, m);
  check_view([](const Tensor& t) { return t.t().t(); }, m);
  check_view([](const Tensor& t) { return t[0].t(); }, m);
}

// Expand's gradient is a sum: its second-order checks are in SecondOrderThroughSum.
TEST(ViewGrad, Expand) {
  check_view([](const Tensor& t) { return t.expand({2, 3, 4}); }, dinput({3, 1}, 15), false);
  check_view([](const Tensor& t) { return t.expand({-1, 5}); }, dinput({3, 1}, 16), false);
  check_view([](const Tensor& t) { return t.expand({2, 3}); }, dinput({}, 17), false);
  check_view([](const Tensor& t) { return t.t().expand({2, 3, 4}); }, dinput({1, 3}, 18), false);
  check_view([](const Tensor& t) { return t.expand_as(zeros({2, 4, 3})); }, dinput({3}, 19), false);
  check_view([](const Tensor& t) { return t.expand({3, 4}); }, dinput({3, 4}, 19));  // no-op
}

// Second-order checks whose backward-of-backward runs through sum (expand's
// gradient, a broadcast copy_'s source gradient): they need sum's formula,
// which another part of the autograd work adds; they fail until that merge.
TEST(ViewGrad, SecondOrderThroughSum) {
  auto expand = [](const In& in) { return fresh(in[0].expand({2, 3, 4})); };
  EXPECT_TRUE(gradgradcheck(expand, {dinput({3, 1}, 15)}));
  auto strided = [](const In& in) { return fresh(in[0].as_strided({2, 3, 2}, {0, 2, 1})); };
  EXPECT_TRUE(gradgradcheck(strided, {dinput({12}, 22)}));
  auto copy = [](const In& in) { return fresh(in[0].clone().copy_(in[1])); };
  EXPECT_TRUE(gradgradcheck(copy, {dinput({3, 4}, 31), dinput({4}, 32)}));
}

TEST(ViewGrad, SliceSelectNarrow) {
  Tensor x = dinput({5, 4}, 20);
  check_view([](const Tensor& t) { return t.slice(0, 1, 4); }, x);
  check_view([](const Tensor& t) { return t.slice(1, 0, std::nullopt, 2); }, x);
  check_view([](const Tensor& t) { return t.slice(0, -3); }, x);
  check_view([](const Tensor& t) { return t.t().slice(0, 1, 3); }, x);
  check_view([](const Tensor& t) { return t.narrow(1, 1, 2); }, x);
  check_view([](const Tensor& t) { return t.narrow(0, -2, 2); }, x);
  check_view([](const Tensor& t) { return t.select(0, 2); }, x);
  check_view([](const Tensor& t) { return t.select(1, -1); }, x);
  check_view([](const Tensor& t) { return t[3]; }, x);
  check_view([](const Tensor& t) { return t.t()[1]; }, x);
  check_view([](const Tensor& t) { return t.select(0, 1).select(0, 2); }, x);
}

TEST(ViewGrad, IndexComposite) {
  Tensor x = dinput({3, 4, 5}, 21);
  check_view([](const Tensor& t) { return t.index({1, Slice(), kNone, Slice(2, 4)}); }, x);
  check_view([](const Tensor& t) { return t.index({kEllipsis, 1}); }, x);
  check_view([](const Tensor& t) { return t.index({0, kEllipsis, kNone}); }, x);
  check_view([](const Tensor& t) { return t.index({Slice(std::nullopt, std::nullopt, 2)}); }, x);
  check_view([](const Tensor& t) { return t.index({kEllipsis}); }, x);
  Tensor i = x.index({1, Slice(), kNone, Slice(2, 4)});
  EXPECT_EQ(name_of(i), "SliceBackward0");
  EXPECT_EQ(autograd::node_name(i.grad_fn()->next_functions()[0].first.get()),
            "UnsqueezeBackward0");
}

TEST(ViewGrad, AsStrided) {
  Tensor x = dinput({12}, 22);
  check_view([](const Tensor& t) { return t.as_strided({3, 3}, {3, 1}, 1); }, x);
  check_view([](const Tensor& t) { return t.as_strided({2, 2}, {1, 4}); }, x);
  check_view([](const Tensor& t) { return t.as_strided({2, 3, 2}, {0, 2, 1}); }, x, false);
  check_view([](const Tensor& t) { return t.as_strided({1, 4}, {7, 2}, 3); }, x);
  check_view([](const Tensor& t) { return t.as_strided({0, 4}, {4, 1}); }, x);
  // The output overlaps itself: gradients of shared elements add up. The
  // second-order check goes through div (not recorded before the merge).
  check_view([](const Tensor& t) { return t.as_strided({3, 4}, {2, 1}); }, x, false);
  // A strided input: the input geometry is what the gradient is laid out in.
  Tensor m = dinput({4, 3}, 23);
  check_view([](const Tensor& t) { return t.t().as_strided({2, 2}, {1, 3}, 1); }, m);
  check_view([](const Tensor& t) { return t.slice(0, 1).as_strided({3}, {4}, 3); }, m);
  // An input that overlaps itself (expanded): gradients are averaged over the
  // positions that alias (PyTorch's convention).
  Tensor b = dinput({3}, 24);
  Tensor out = b.expand({2, 3}).as_strided({3}, {1});
  backward_ones(out);
  EXPECT_TRUE(b.grad().allclose(ones({3}, {.dtype = kFloat64})));
}

TEST(ViewGrad, SplitChunkUnbind) {
  Tensor x = dinput({5, 4}, 25);
  check_multi([](const Tensor& t) { return t.split(2); }, x);
  check_multi([](const Tensor& t) { return t.split(3, 1); }, x);
  check_multi([](const Tensor& t) { return t.split({1, 4}); }, x);
  check_multi([](const Tensor& t) { return t.split_with_sizes({2, 0, 2}, 1); }, x);
  check_multi([](const Tensor& t) { return t.chunk(2); }, x);
  check_multi([](const Tensor& t) { return t.t().chunk(3); }, x);
  check_multi([](const Tensor& t) { return t.unbind(); }, x);
  check_multi([](const Tensor& t) { return t.unbind(1); }, x);
  // Unused outputs: their gradients are zeros.
  auto first_only = [](const In& in) { return fresh(in[0].split(2)[1]); };
  EXPECT_TRUE(gradcheck(first_only, {x}));
  EXPECT_TRUE(gradgradcheck(first_only, {x}));
  auto last_row = [](const In& in) { return fresh(in[0].unbind()[4]); };
  EXPECT_TRUE(gradcheck(last_row, {x}));
  Tensor y = x.detach().clone().requires_grad_();
  backward_ones(y.unbind()[2]);
  Tensor want = zeros({5, 4}, {.dtype = kFloat64});
  want.select(0, 2).fill_(1);
  EXPECT_TRUE(y.grad().equal(want));
}

TEST(ViewGrad, Diagonal) {
  Tensor x = dinput({3, 4}, 26);
  check_view([](const Tensor& t) { return t.diagonal(); }, x);
  check_view([](const Tensor& t) { return t.diagonal(1); }, x);
  check_view([](const Tensor& t) { return t.diagonal(-2); }, x);
  check_view([](const Tensor& t) { return t.diagonal(0, 1, 0); }, x);
  check_view([](const Tensor& t) { return t.diagonal(1, 0, 2); }, dinput({2, 3, 4}, 27));
}

TEST(CopyGrad, CloneToContiguous) {
  Tensor x = dinput({3, 4}, 30);
  check_view([](const Tensor& t) { return t.clone(); }, x);
  check_view([](const Tensor& t) { return t.t().clone(); }, x);
  check_view([](const Tensor& t) { return t.t().clone(MemoryFormat::Contiguous); }, x);
  check_view([](const Tensor& t) { return t.t().contiguous(); }, x);
  check_view([](const Tensor& t) { return t.to(kFloat64, false, /*copy=*/true); }, x);
  check_view([](const Tensor& t) { return t.t().to(MemoryFormat::Contiguous); }, x);
  // Through float32 (finite differences would drown in rounding): the
  // gradient comes back as float64 ones.
  Tensor f = x.float_();
  EXPECT_EQ(f.dtype(), kFloat32);
  backward_ones(f);
  EXPECT_EQ(x.grad().dtype(), kFloat64);
  EXPECT_TRUE(x.grad().equal(ones({3, 4}, {.dtype = kFloat64})));
}

TEST(CopyGrad, CopyInPlace) {
  Tensor a = dinput({3, 4}, 31), s = dinput({4}, 32);
  // self's old values are overwritten (zero gradient); src's gradient is summed
  // over the broadcast.
  auto fn = [](const In& in) { return fresh(in[0].clone().copy_(in[1])); };
  EXPECT_TRUE(gradcheck(fn, {a, s}));
  auto same_shape = [](const In& in) { return fresh(in[0].clone().copy_(in[1].t())); };
  EXPECT_TRUE(gradcheck(same_shape, {a, dinput({4, 3}, 36)}));
  EXPECT_TRUE(gradgradcheck(same_shape, {a, dinput({4, 3}, 36)}));
  auto into_slice = [](const In& in) {
    Tensor y = in[0].clone();
    y.slice(0, 1).copy_(in[1]);
    return fresh(y);
  };
  EXPECT_TRUE(gradcheck(into_slice, {a, dinput({2, 4}, 37)}));
  EXPECT_TRUE(gradgradcheck(into_slice, {a, dinput({2, 4}, 37)}));
  // From another dtype: the gradient comes back in src's dtype.
  Tensor sf = randn({3, 4}).requires_grad_();
  Tensor y = a.detach().clone().copy_(sf);
  EXPECT_EQ(name_of(y), "CopyBackwards");
  backward_ones(y);
  EXPECT_EQ(sf.grad().dtype(), kFloat32);
  EXPECT_TRUE(sf.grad().equal(ones({3, 4})));
  // Into an integer tensor: no history.
  Tensor iy = zeros({3}, {.dtype = kInt64}).copy_(s.slice(0, 0, 3));
  EXPECT_FALSE(iy.requires_grad());
}

TEST(CopyGrad, FillZeroRandom) {
  Tensor a = dinput({3, 4}, 33);
  auto fill = [](const In& in) { return in[0].clone().fill_(2.0); };
  EXPECT_TRUE(gradcheck([&](const In& in) { return fill(in) + in[0]; }, {a}));
  // The value's gradient is the sum of the filled elements' gradients.
  Tensor v = dinput({}, 34);
  auto fill_t = [](const In& in) { return fresh(in[0].clone().fill_(in[1])); };
  EXPECT_TRUE(gradcheck(fill_t, {a, v}));
  auto fill_row = [](const In& in) {
    Tensor y = in[0].clone();
    y[1].fill_(in[1]);
    return fresh(y);
  };
  EXPECT_TRUE(gradcheck(fill_row, {a, v}));
  auto zero_col = [](const In& in) {
    Tensor y = in[0].clone();
    y.select(1, 2).zero_();
    return fresh(y);
  };
  EXPECT_TRUE(gradcheck(zero_col, {a}));
  EXPECT_TRUE(gradgradcheck(zero_col, {a}));
  // A random fill replaces every value: the gradient is zero.
  Tensor b = a.detach().clone().requires_grad_();
  Tensor u = b.clone();
  u.uniform_();
  backward_ones(u * 3.0);
  EXPECT_TRUE(b.grad().equal(zeros({3, 4}, {.dtype = kFloat64})));
}

TEST(CopyGrad, InPlaceBumpsVersion) {
  Tensor x = zeros({3});
  // The core makes a version counter on first need and bump_version does not
  // (see the report); a view makes it here, so the count starts now.
  (void)x.view({3});
  const uint32_t v0 = x._version();
  x.fill_(1);
  x.zero_();
  x.copy_(ones({3}));
  x.uniform_();
  x.normal_();
  x.bernoulli_(0.5);
  x.random_(0, 3);
  EXPECT_EQ(x._version(), v0 + 7);
  // Fresh results are at version 0.
  Tensor a = randn({2, 3}).t();
  EXPECT_EQ(cat({a, a}).contiguous()._version(), 0u);
  EXPECT_EQ(stack({a, a}, 1)._version(), 0u);
  EXPECT_EQ(randn({3}, {.requires_grad = true})._version(), 0u);
  EXPECT_EQ(a.clone()._version(), 0u);
}

TEST(CopyGrad, InPlaceOnLeafThrows) {
  Tensor a = dinput({3}, 35);
  EXPECT_THROW_MSG(a.fill_(1), RuntimeError,
                   "a leaf Variable that requires grad is being used in an in-place operation.");
  EXPECT_THROW_MSG(a.zero_(), RuntimeError, "a leaf Variable that requires grad");
  EXPECT_THROW_MSG(a.copy_(ones({3}, {.dtype = kFloat64})), RuntimeError,
                   "a leaf Variable that requires grad");
  EXPECT_THROW_MSG(a.uniform_(), RuntimeError, "a leaf Variable that requires grad");
  EXPECT_THROW_MSG(a.normal_(), RuntimeError, "a leaf Variable that requires grad");
  {
    NoGradGuard g;
    a.zero_();  // allowed without grad mode
  }
  EXPECT_TRUE(a.detach().equal(zeros({3}, {.dtype = kFloat64})));
  EXPECT_THROW_MSG(a.resize_({4}), RuntimeError, "cannot resize variables that require grad");
}

TEST(ShapeGrad, Cat) {
  Tensor a = dinput({2, 3}, 40), b = dinput({3, 3}, 41), c = dinput({3, 2}, 42);
  auto fn = [](const In& in) { return fresh(cat({in[0], in[1], in[2].t()})); };
  EXPECT_TRUE(gradcheck(fn, {a, b, c}));
  EXPECT_TRUE(gradgradcheck(fn, {a, b, c}));
  auto dim1 = [](const In& in) { return fresh(cat({in[0].t(), in[1].t()}, -1)); };
  EXPECT_TRUE(gradcheck(dim1, {a, b}));
  EXPECT_TRUE(gradgradcheck(dim1, {a, b}));
  // A constant input, and a legacy 1-D empty input (its gradient is empty).
  Tensor k = zeros({2, 3}, {.dtype = kFloat64});
  Tensor e = zeros({0}, {.dtype = kFloat64}).requires_grad_();
  auto mixed = [&](const In& in) { return fresh(cat({k, in[0], in[1], k})); };
  EXPECT_TRUE(gradcheck(mixed, {a, e}));
  Tensor out = cat({e, a, k});
  backward_ones(out);
  EXPECT_EQ(e.grad().sizes(), IntArrayRef({0}));
  EXPECT_TRUE(a.grad().equal(ones({2, 3}, {.dtype = kFloat64})));
  // Mixed dtypes: the gradient is cast back to each input's dtype.
  Tensor f = randn({1, 3}).requires_grad_();
  Tensor m = cat({a, f});
  EXPECT_EQ(m.dtype(), kFloat64);
  backward_ones(m);
  EXPECT_EQ(f.grad().dtype(), kFloat32);
}

TEST(ShapeGrad, Stack) {
  Tensor a = dinput({3, 4}, 43), b = dinput({4, 3}, 44);
  for (int64_t d : {0, 1, 2, -1}) {
    auto fn = [d](const In& in) { return fresh(stack({in[0], in[1].t()}, d)); };
    EXPECT_TRUE(gradcheck(fn, {a, b}));
    EXPECT_TRUE(gradgradcheck(fn, {a, b}));
  }
}

TEST(ViewGrad, GradientOfAViewChainReachesTheLeaf) {
  Tensor x = dinput({2, 3, 4}, 50);
  Tensor y = x.permute({2, 0, 1}).slice(0, 1, 3).select(1, 1).unsqueeze(0).expand({2, 2, 3});
  y.backward(ones({2, 2, 3}, {.dtype = kFloat64}));
  Tensor want = zeros({2, 3, 4}, {.dtype = kFloat64});
  want.select(0, 1).slice(1, 1, 3).fill_(2);
  EXPECT_TRUE(x.grad().equal(want));
}
