// Gradients of the indexed ops (ops/index.cpp) and sort/topk (ops/sort.cpp):
// gradcheck / gradgradcheck in float64, in-place variants, grad_fn names.
#include <gtest/gtest.h>

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

using In = std::vector<Tensor>;

// An int64 index (1-D when shape is empty).
Tensor idx(const std::vector<int64_t>& v, IntArrayRef shape) { return from_vector(v, shape); }

std::string name_of(const Tensor& t) { return autograd::node_name(t.grad_fn().get()); }

// Backward from every element (sum() has no formula before the merge).
void backward_ones(const Tensor& t) { t.backward(ones_like(t)); }

// gradcheck and gradgradcheck. The output is copied (`* 1.0`) because the
// core's gradcheck reads outputs that may alias an input after perturbing it
// again (see the report); scatter_add's self-gradient is g itself, a view's
// gradient may be a view of g.
void check(const std::function<Tensor(const In&)>& f, const In& in, bool second_order = true) {
  auto fn = [&](const In& x) { return f(x) * 1.0; };
  EXPECT_TRUE(gradcheck(fn, in));
  if (second_order) {
    EXPECT_TRUE(gradgradcheck(fn, in));
  }
}

}  // namespace

TEST(IndexGrad, Names) {
  Tensor a = dinput({3, 4}, 1);
  Tensor i0 = idx({0}, {});
  Tensor g0 = idx({0}, {1, 1});
  EXPECT_EQ(name_of(a.index_select(0, i0)), "IndexSelectBackward0");
  EXPECT_EQ(name_of(a.index_select(0, i0).float_()), "ToCopyBackward0");
  EXPECT_EQ(name_of(a.gather(0, g0)), "GatherBackward0");
  EXPECT_EQ(name_of(a.scatter(0, g0, a)), "ScatterBackward0");
  EXPECT_EQ(name_of(a.scatter(0, g0, 1.0)), "ScatterBackward1");
  EXPECT_EQ(name_of(a.scatter_add(0, g0, a)), "ScatterAddBackward0");
  EXPECT_EQ(name_of(a.index_add(0, i0, a.slice(0, 0, 1))), "IndexAddBackward0");
  EXPECT_EQ(name_of(a.clone().scatter_(0, g0, a)), "ScatterBackward0");
  EXPECT_EQ(name_of(a.clone().scatter_(0, g0, 1.0)), "ScatterBackward1");
  EXPECT_EQ(name_of(a.clone().scatter_add_(0, g0, a)), "ScatterAddBackward0");
  EXPECT_EQ(name_of(a.clone().index_add_(0, i0, a.slice(0, 0, 1))), "IndexAddBackward0");
  Tensor ia = a.index_add(0, i0, a.slice(0, 0, 1));
  auto next = ia.grad_fn()->next_functions();
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(autograd::node_name(next[0].first.get()), "AccumulateGrad");
  EXPECT_EQ(autograd::node_name(next[1].first.get()), "SliceBackward0");
  // Only the value edge: scatter with a number has one input.
  EXPECT_EQ(a.scatter(0, g0, 1.0).grad_fn()->next_functions().size(), 1u);

  EXPECT_EQ(name_of(std::get<0>(a.sort())), "SortBackward0");
  EXPECT_EQ(name_of(std::get<0>(a.topk(1))), "TopkBackward0");
  EXPECT_FALSE(std::get<1>(a.sort()).requires_grad());
  EXPECT_FALSE(a.argsort().requires_grad());
  EXPECT_FALSE(one_hot(idx({0, 2}, {})).requires_grad());
}

TEST(IndexGrad, IndexSelect) {
  Tensor x = dinput({4, 3}, 2);
  Tensor i = idx({3, 0, 3, 1, 2}, {});
  check([&](const In& in) { return in[0].index_select(0, i); }, {x});
  check([&](const In& in) { return in[0].index_select(1, i.slice(0, 3)); }, {x});
  check([&](const In& in) { return in[0].t().index_select(0, i.slice(0, 3)); }, {x});
  check([&](const In& in) { return in[0].index_select(-1, i.slice(0, 4, 5).to(kInt32)); }, {x});
  Tensor s = dinput({}, 3);
  check([&](const In& in) { return in[0].index_select(0, idx({0}, {})); }, {s});
}

TEST(IndexGrad, Gather) {
  Tensor x = dinput({3, 4}, 4);
  Tensor i = idx({2, 0, 1, 1, 0, 0, 2, 2}, {2, 4});
  check([&](const In& in) { return in[0].gather(0, i); }, {x});
  check([&](const In& in) { return in[0].gather(1, i.t().contiguous().slice(0, 0, 3)); }, {x});
  check([&](const In& in) { return in[0].t().gather(1, i.t()); }, {x});
}

TEST(IndexGrad, Scatter) {
  Tensor x = dinput({4, 3}, 5), s = dinput({2, 3}, 6);
  // Distinct targets along dim (duplicates would make scatter's result depend on order).
  Tensor i = idx({1, 3, 0, 2, 0, 3}, {2, 3});
  check([&](const In& in) { return in[0].scatter(0, i, in[1]); }, {x, s});
  check([&](const In& in) { return in[0].scatter(0, i, 2.5); }, {x});
  check([&](const In& in) { return in[0].clone().scatter_(0, i, in[1]); }, {x, s});
  check([&](const In& in) { return in[0].clone().scatter_(0, i, -1.0); }, {x});
  // Into a non-contiguous self.
  check([&](const In& in) { return in[0].t().scatter(0, i, in[1]); }, {dinput({3, 4}, 7), s});
  // A source larger than the index: its extra elements get no gradient.
  // PyTorch's formula (g.gather) then fails the shape check, as it does here.
  Tensor big = dinput({4, 3}, 8);
  Tensor y = x.scatter(0, i, big);
  EXPECT_THROW_MSG(backward_ones(y), RuntimeError,
                   "Function ScatterBackward0 returned an invalid gradient at index 1 - got [2, 3] "
                   "but expected shape compatible with [4, 3]");
}

TEST(IndexGrad, ScatterAdd) {
  Tensor x = dinput({4, 3}, 9), s = dinput({3, 3}, 10);
  Tensor i = idx({1, 3, 0, 1, 0, 0, 3, 3, 2}, {3, 3});
  check([&](const In& in) { return in[0].scatter_add(0, i, in[1]); }, {x, s});
  check([&](const In& in) { return in[0].clone().scatter_add_(0, i, in[1]); }, {x, s});
  check([&](const In& in) { return in[0].scatter_add(1, i.slice(1, 0, 2), in[1]); },
        {dinput({3, 4}, 11), dinput({3, 2}, 12)});
}

TEST(IndexGrad, IndexAdd) {
  Tensor x = dinput({4, 3}, 13), s = dinput({5, 3}, 14);
  Tensor i = idx({3, 0, 3, 1, 2}, {});
  check([&](const In& in) { return in[0].index_add(0, i, in[1]); }, {x, s});
  check([&](const In& in) { return in[0].index_add(0, i, in[1], 2.5); }, {x, s});
  check([&](const In& in) { return in[0].clone().index_add_(0, i, in[1], -2); }, {x, s});
  check([&](const In& in) { return in[0].index_add(1, i.slice(0, 3), in[1].t()); },
        {x, dinput({2, 4}, 15)});
  // A 0-dim source added into a 1-D self.
  check([&](const In& in) { return in[0].index_add(0, idx({1}, {}), in[1]); },
        {dinput({3}, 16), dinput({}, 17)});
}

TEST(IndexGrad, SortTopk) {
  Tensor x = dinput({3, 5}, 20);  // random values: no ties
  check([](const In& in) { return std::get<0>(in[0].sort()); }, {x});
  check([](const In& in) { return std::get<0>(in[0].sort(0, true)); }, {x});
  check([](const In& in) { return std::get<0>(in[0].t().sort(1)); }, {x});
  check([](const In& in) { return std::get<0>(in[0].topk(2)); }, {x});
  check([](const In& in) { return std::get<0>(in[0].topk(2, 0, false)); }, {x});
  check([](const In& in) { return std::get<0>(in[0].topk(3, 1, true, false)); }, {x});
  check([](const In& in) { return std::get<0>(ember::sort(in[0], -1)); }, {dinput({}, 21)});
  // The indices are saved: changing them in place breaks the backward.
  auto [v, i] = x.sort();
  i.zero_();
  EXPECT_THROW_MSG(backward_ones(v), RuntimeError,
                   "one of the variables needed for gradient computation has been modified by an "
                   "inplace operation");
}

TEST(IndexGrad, InPlaceBumpsVersionAndChecksLeaves) {
  Tensor x = zeros({4, 3});
  (void)x.view({12});  // makes the version counter (the core makes it on first need)
  Tensor i = idx({1, 3, 0}, {1, 3});
  const uint32_t v0 = x._version();
  x.scatter_(0, i, ones({1, 3}));
  x.scatter_(0, i, 2.0);
  x.scatter_add_(0, i, ones({1, 3}));
  x.index_add_(0, idx({0}, {}), ones({1, 3}));
  EXPECT_EQ(x._version(), v0 + 4);

  Tensor leaf = dinput({4, 3}, 22);
  EXPECT_THROW_MSG(leaf.scatter_(0, i, 1.0), RuntimeError,
                   "a leaf Variable that requires grad is being used in an in-place operation.");
  EXPECT_THROW_MSG(leaf.index_add_(0, idx({0}, {}), ones({1, 3}, {.dtype = kFloat64})),
                   RuntimeError, "a leaf Variable that requires grad");
  // A saved index changed in place: the formula's check catches it.
  Tensor k = idx({2, 0}, {});
  Tensor y = leaf.index_select(0, k);
  k.fill_(1);
  EXPECT_THROW_MSG(backward_ones(y), RuntimeError, "modified by an inplace operation");
  // self modified in place after a gather saved nothing of it: fine.
  Tensor src = dinput({2, 3}, 23);
  Tensor z = zeros({4, 3}, {.dtype = kFloat64});
  z.scatter_add_(0, i.expand({2, 3}).contiguous(), src);
  EXPECT_TRUE(z.requires_grad());
  backward_ones(z);
  EXPECT_TRUE(src.grad().equal(ones({2, 3}, {.dtype = kFloat64})));
}
