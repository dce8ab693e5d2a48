// Gradients of the reductions (ops/reduce.cpp): sum, mean, prod, max/min,
// amax/amin, var/std (+ _mean), norm, logsumexp. Node names are PyTorch's.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

using Inputs = std::vector<Tensor>;

Tensor leaf(const Tensor& t) { return t.detach().requires_grad_(); }
// A non-contiguous input: the transpose of a (cols, rows) tensor.
Tensor transposed_input(int64_t rows, int64_t cols, uint64_t seed) {
  return leaf(dinput({cols, rows}, seed).detach().t());
}
Tensor dvec(std::initializer_list<double> v) { return tensor<double>(v).requires_grad_(); }

std::string name_of(const Tensor& t) { return t.grad_fn() ? t.grad_fn()->name() : "None"; }

void expect_values(const Tensor& actual, const std::vector<double>& expected) {
  ASSERT_TRUE(actual.defined());
  const auto v = actual.to(kFloat64).contiguous().tolist<double>();
  ASSERT_EQ(v.size(), expected.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(expected[i]))
      EXPECT_TRUE(std::isnan(v[i])) << "at " << i;
    else
      EXPECT_NEAR(v[i], expected[i], 1e-12) << "at " << i;
  }
}

// ---------------------------------------------------------------- sum

TEST(SumGrad, Names) {
  Tensor a = dinput({2, 3}, 1);
  EXPECT_EQ(name_of(a.sum()), "SumBackward0");
  EXPECT_EQ(name_of(a.sum(kFloat32)), "SumBackward0");
  EXPECT_EQ(name_of(a.sum({0})), "SumBackward1");
  EXPECT_EQ(name_of(a.sum(IntArrayRef{})),
            "SumBackward1");  // dim=[]: every dim, still the dim overload
  EXPECT_EQ(name_of(sum(a, {1}, true)), "SumBackward1");
}

TEST(SumGrad, FastPathRecordsNothing) {
  Tensor a = randn({4, 5}, {.dtype = kFloat64});
  EXPECT_FALSE(a.sum().requires_grad());
  EXPECT_FALSE(a.sum({1}).requires_grad());
  Tensor b = dinput({4, 5}, 2);
  {
    NoGradGuard g;
    EXPECT_FALSE(b.sum().requires_grad());
    EXPECT_FALSE(b.sum({0}, true).requires_grad());
  }
  // Integer results are not differentiable.
  EXPECT_FALSE(b.sum(kInt64).requires_grad());
}

TEST(SumGrad, Gradcheck) {
  Tensor a = dinput({3, 4}, 3);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum(); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum({0}); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum({-1}, true); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum({1, 0}); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum(IntArrayRef{}); }, {a}));
  Tensor c = dinput({2, 3, 4}, 4);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum({0, 2}); }, {c}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum({0, 2}, true); }, {c}));
  // Non-contiguous input, 0-dim input.
  EXPECT_TRUE(
      gradcheck([](const Inputs& x) { return x[0].sum({1}); }, {transposed_input(3, 5, 5)}));
  Tensor s = leaf(scalar_tensor(1.5, {.dtype = kFloat64}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum(); }, {s}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].sum({0}); }, {s}));
}

TEST(SumGrad, GradientIsExpandedOnes) {
  Tensor a = dinput({2, 3}, 6);
  a.sum({1}).backward(tensor<double>({1.0, 2.0}));
  expect_values(a.grad(), {1, 1, 1, 2, 2, 2});
}

TEST(SumGrad, DtypeArgumentGradientCastBack) {
  Tensor a = randn({2, 3}).requires_grad_();  // float32
  Tensor s = a.sum(kFloat64);
  EXPECT_EQ(s.dtype(), kFloat64);
  s.backward();
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  expect_values(a.grad(), {1, 1, 1, 1, 1, 1});
  Tensor b = randn({2, 3}).requires_grad_();
  b.sum({0}, false, kFloat64).backward(tensor<double>({1.0, 2.0, 3.0}));
  EXPECT_EQ(b.grad().dtype(), kFloat32);
  expect_values(b.grad(), {1, 2, 3, 1, 2, 3});
}

TEST(SumGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 7);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].sum() * x[0]; }, {a}));
  EXPECT_TRUE(
      gradgradcheck([](const Inputs& x) { return x[0].sum({1}) * x[0].sum({0}).sum(); }, {a}));
}

// ---------------------------------------------------------------- mean

TEST(MeanGrad, NamesAndValues) {
  Tensor a = dinput({2, 3}, 8);
  EXPECT_EQ(name_of(a.mean()), "MeanBackward0");
  EXPECT_EQ(name_of(a.mean({0})), "MeanBackward1");
  EXPECT_EQ(name_of(a.mean(IntArrayRef{})), "MeanBackward1");
  a.mean({0}).backward(tensor<double>({3.0, 6.0, 9.0}));
  expect_values(a.grad(), {1.5, 3, 4.5, 1.5, 3, 4.5});
}

TEST(MeanGrad, Gradcheck) {
  Tensor a = dinput({3, 4}, 9);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].mean(); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].mean({0}); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].mean({-1}, true); }, {a}));
  EXPECT_TRUE(
      gradcheck([](const Inputs& x) { return x[0].mean({1}); }, {transposed_input(3, 4, 10)}));
  Tensor f = randn({2, 2}).requires_grad_();
  f.mean(kFloat64).backward();
  EXPECT_EQ(f.grad().dtype(), kFloat32);
  expect_values(f.grad(), {0.25, 0.25, 0.25, 0.25});
}

TEST(MeanGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 11);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].mean({0}) * x[0].mean(); }, {a}));
}

// ---------------------------------------------------------------- prod

TEST(ProdGrad, NamesAndNoZeros) {
  Tensor a = dvec({2, 3, 4});
  EXPECT_EQ(name_of(a.prod()), "ProdBackward0");
  EXPECT_EQ(name_of(a.prod(0)), "ProdBackward1");
  a.prod().backward();
  expect_values(a.grad(), {12, 8, 6});
}

TEST(ProdGrad, ZerosGiveTheProductOfTheOthers) {
  Tensor one = dvec({2, 0, 4});
  one.prod().backward();
  expect_values(one.grad(), {0, 8, 0});
  Tensor two = dvec({2, 0, 4, 0});
  two.prod().backward();
  expect_values(two.grad(), {0, 0, 0, 0});
  // Per slice: row 0 has no zero, row 1 one zero, row 2 two zeros.
  Tensor m = tensor<double>({1, 2, 3, 5, 0, 7, 0, 0, 2}).view({3, 3}).requires_grad_();
  m.prod(1).backward(tensor<double>({1, 1, 1}));
  expect_values(m.grad(), {6, 3, 2, 0, 35, 0, 0, 0, 0});
  Tensor k = tensor<double>({1, 2, 0, 5, 3, 7}).view({3, 2}).requires_grad_();
  k.prod(0, true).backward(tensor<double>({1.0, 2.0}).view({1, 2}));
  expect_values(k.grad(), {0, 70, 3, 28, 0, 20});
}

TEST(ProdGrad, Gradcheck) {
  Tensor a = dinput({3, 4}, 12);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(1); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(0, true); }, {a}));
  EXPECT_TRUE(
      gradcheck([](const Inputs& x) { return x[0].prod(-1); }, {transposed_input(3, 4, 13)}));
  // prod is a polynomial: finite differences are exact enough at zeros too.
  Tensor z =
      tensor<double>({1.5, 0, -2, 0.5, 0, 0, 3, 1, 0.7, 0, 0, 0}).view({4, 3}).requires_grad_();
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(1); }, {z}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(0); }, {z}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(); }, {dvec({1.5, 0, 2})}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(); }, {dvec({1.5, 0, 2, 0})}));
  Tensor s = leaf(scalar_tensor(1.5, {.dtype = kFloat64}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].prod(0); }, {s}));
}

TEST(ProdGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 14);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].prod(1); }, {a}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].prod(); }, {a}));
}

TEST(ProdGrad, GradgradcheckAtZeros) {
  // Slices with one, two and three zeros: second derivatives are right too.
  Tensor z =
      tensor<double>({1.5, 0, -2, 0.5, 0, 0, 3, 1, 0.7, 0, 0, 0}).view({4, 3}).requires_grad_();
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].prod(1); }, {z}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].prod(); }, {dvec({1.5, 0, 2})}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].prod(); }, {dvec({1.5, 0, 2, 0})}));
}

// ---------------------------------------------------------------- max / min

TEST(MaxMinGrad, WholeTensorTiesShareEvenly) {
  Tensor a = dvec({1, 3, 3, -2});
  Tensor m = a.max();
  EXPECT_EQ(name_of(m), "MaxBackward1");
  m.backward();
  expect_values(a.grad(), {0, 0.5, 0.5, 0});
  Tensor b = dvec({-2, 1, -2, -2});
  Tensor n = b.min();
  EXPECT_EQ(name_of(n), "MinBackward1");
  n.backward(scalar_tensor(3.0, {.dtype = kFloat64}));
  expect_values(b.grad(), {1, 0, 1, 1});
  // A NaN maximum: the gradient goes to the NaNs.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor c = dvec({1, nan, 2});
  c.max().backward();
  expect_values(c.grad(), {0, 1, 0});
}

TEST(MaxMinGrad, WholeTensorGradcheck) {
  Tensor a = dinput({3, 4}, 15);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].max(); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].min(); }, {transposed_input(3, 4, 16)}));
}

TEST(MaxMinGrad, WholeTensorGradgradcheck) {
  Tensor a = dinput({3, 4}, 17);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].max() * x[0]; }, {a}));
}

TEST(MaxMinGrad, DimGoesToTheSelectedIndex) {
  Tensor a = tensor<double>({1, 5, 5, 2, 0, 2}).view({2, 3}).requires_grad_();
  auto [v, i] = a.max(1);
  EXPECT_EQ(name_of(v), "MaxBackward0");
  EXPECT_FALSE(i.requires_grad());
  EXPECT_EQ(name_of(i), "None");
  v.backward(tensor<double>({10.0, 20.0}));
  expect_values(a.grad(), {0, 10, 0, 20, 0, 0});  // ties: the first index
  Tensor b = tensor<double>({1, 5, 5, 2, 0, 2}).view({2, 3}).requires_grad_();
  auto [mv, mi] = b.min(0, true);
  EXPECT_EQ(name_of(mv), "MinBackward0");
  mv.backward(tensor<double>({1.0, 2.0, 3.0}).view({1, 3}));
  expect_values(b.grad(), {1, 0, 0, 0, 2, 3});
}

TEST(MaxMinGrad, DimGradcheck) {
  Tensor a = dinput({3, 4}, 18);
  for (bool kd : {false, true}) {
    EXPECT_TRUE(gradcheck([kd](const Inputs& x) { return std::get<0>(x[0].max(1, kd)); }, {a}));
    EXPECT_TRUE(gradcheck([kd](const Inputs& x) { return std::get<0>(x[0].min(0, kd)); }, {a}));
  }
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return std::get<0>(x[0].max(-1)); },
                        {transposed_input(3, 4, 19)}));
  Tensor s = leaf(scalar_tensor(1.5, {.dtype = kFloat64}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return std::get<0>(x[0].max(0)); }, {s}));
}

TEST(MaxMinGrad, DimGradgradcheck) {
  Tensor a = dinput({3, 4}, 20);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return std::get<0>(x[0].max(1)); }, {a}));
}

TEST(AmaxAminGrad, TiesSharePerSlice) {
  Tensor a = tensor<double>({1, 3, 3, 2, 2, 2}).view({2, 3}).requires_grad_();
  Tensor m = a.amax({1});
  EXPECT_EQ(name_of(m), "AmaxBackward0");
  m.backward(tensor<double>({1.0, 3.0}));
  expect_values(a.grad(), {0, 0.5, 0.5, 1, 1, 1});
  Tensor b = tensor<double>({1, 3, 1, 2, 2, 0}).view({2, 3}).requires_grad_();
  Tensor n = b.amin();
  EXPECT_EQ(name_of(n), "AminBackward0");
  n.backward();
  expect_values(b.grad(), {0, 0, 0, 0, 0, 1});
}

TEST(AmaxAminGrad, Gradcheck) {
  Tensor a = dinput({3, 4, 2}, 21);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].amax({1}); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].amax({0, 2}, true); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].amin(); }, {a}));
  EXPECT_TRUE(
      gradcheck([](const Inputs& x) { return x[0].amin({-1}); }, {transposed_input(3, 4, 22)}));
}

TEST(AmaxAminGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 23);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].amax({1}) * x[0].sum(); }, {a}));
}

// ---------------------------------------------------------------- var / std

TEST(VarStdGrad, Names) {
  Tensor a = dinput({3, 4}, 24);
  EXPECT_EQ(name_of(a.var()), "VarBackward0");
  EXPECT_EQ(name_of(a.std(std::vector<int64_t>{0})), "StdBackward0");
  auto [v, m] = var_mean(a);
  EXPECT_EQ(name_of(v), "VarMeanBackward0");
  EXPECT_EQ(name_of(m), "VarMeanBackward0");
  EXPECT_EQ(v.grad_fn().get(), m.grad_fn().get());
  auto [s, sm] = std_mean(a, std::vector<int64_t>{1});
  EXPECT_EQ(name_of(s), "StdMeanBackward0");
  EXPECT_EQ(name_of(sm), "StdMeanBackward0");
}

TEST(VarStdGrad, Gradcheck) {
  Tensor a = dinput({3, 4}, 25);
  for (double corr : {0.0, 1.0, 2.0}) {
    EXPECT_TRUE(gradcheck([corr](const Inputs& x) { return x[0].var(std::nullopt, corr); }, {a}));
    EXPECT_TRUE(gradcheck([corr](const Inputs& x) { return x[0].std(std::nullopt, corr); }, {a}));
    EXPECT_TRUE(gradcheck(
        [corr](const Inputs& x) { return x[0].var(std::vector<int64_t>{1}, corr); }, {a}));
    EXPECT_TRUE(gradcheck(
        [corr](const Inputs& x) { return x[0].std(std::vector<int64_t>{0}, corr, true); }, {a}));
  }
  Tensor c = dinput({2, 3, 4}, 26);
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].var(std::vector<int64_t>{0, 2}); }, {c}));
  EXPECT_TRUE(gradcheck(
      [](const Inputs& x) {
        return x[0].std(std::vector<int64_t>{-1, 0}, 1, true);
      },
      {c}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].std(std::vector<int64_t>{1}); },
                        {transposed_input(3, 5, 27)}));
}

TEST(VarStdGrad, StdOfConstantHasZeroGradient) {
  Tensor a = tensor<double>({2, 2, 2, 1, 3, 5}).view({2, 3}).requires_grad_();
  a.std(std::vector<int64_t>{1}).backward(tensor<double>({1.0, 1.0}));
  expect_values(a.grad(), {0, 0, 0, -0.5, 0, 0.5});
}

TEST(VarStdGrad, MeanVariants) {
  Tensor a = dinput({3, 4}, 28);
  for (bool take_sqrt : {false, true}) {
    auto fn = [take_sqrt](const Inputs& x) {
      auto [v, m] = take_sqrt ? std_mean(x[0], std::vector<int64_t>{1})
                              : var_mean(x[0], std::vector<int64_t>{1});
      return std::vector<Tensor>{v, m};
    };
    EXPECT_TRUE(gradcheck(autograd::GradcheckFn(fn), {a}));
  }
  // Only one output used: the other's gradient is undefined (zero).
  Tensor b = dinput({5}, 29);
  std::get<1>(var_mean(b)).backward();
  expect_values(b.grad(), {0.2, 0.2, 0.2, 0.2, 0.2});
  Tensor c = tensor<double>({1, 2, 3}).requires_grad_();
  std::get<0>(var_mean(c)).backward();
  expect_values(c.grad(), {-1, 0, 1});
}

TEST(VarStdGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 30);
  EXPECT_TRUE(
      gradgradcheck([](const Inputs& x) { return x[0].var(std::vector<int64_t>{1}); }, {a}));
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].std(); }, {a}));
  EXPECT_TRUE(gradgradcheck(autograd::GradcheckFn([](const Inputs& x) {
                              auto [v, m] = std_mean(x[0], std::vector<int64_t>{0});
                              return std::vector<Tensor>{v, m};
                            }),
                            {a}));
}

// ---------------------------------------------------------------- norm

TEST(NormGrad, NamesAndSubgradients) {
  Tensor a = dinput({3, 4}, 31);
  EXPECT_EQ(name_of(a.norm()), "NormBackward1");
  EXPECT_EQ(name_of(a.norm(1, std::vector<int64_t>{0})), "NormBackward1");
  EXPECT_EQ(name_of(a.norm(std::numeric_limits<double>::infinity())), "NormBackward1");
  // p = 2 at 0: subgradient 0 (not nan).
  Tensor z = zeros({3}, {.dtype = kFloat64}).requires_grad_();
  z.norm().backward();
  expect_values(z.grad(), {0, 0, 0});
  // p = 0: no gradient at all, as PyTorch (grad stays undefined).
  Tensor c = dinput({3}, 32);
  c.norm(0).backward();
  EXPECT_FALSE(c.grad().defined());
  // inf: ties share.
  Tensor d = dvec({-3, 1, 3});
  d.norm(std::numeric_limits<double>::infinity()).backward();
  expect_values(d.grad(), {-0.5, 0, 0.5});
  Tensor e = dvec({-3, 1, 4});
  e.norm(1).backward();
  expect_values(e.grad(), {-1, 1, 1});
}

TEST(NormGrad, Gradcheck) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor a = dinput({3, 4}, 33);
  for (double p : {2.0, 1.0, inf, -inf, 3.0, 0.5, 1.5, -1.0}) {
    SCOPED_TRACE(p);
    EXPECT_TRUE(gradcheck([p](const Inputs& x) { return x[0].norm(p); }, {a}));
    EXPECT_TRUE(
        gradcheck([p](const Inputs& x) { return x[0].norm(p, std::vector<int64_t>{1}); }, {a}));
    EXPECT_TRUE(gradcheck(
        [p](const Inputs& x) { return x[0].norm(p, std::vector<int64_t>{0}, true); }, {a}));
    EXPECT_TRUE(gradcheck([p](const Inputs& x) { return x[0].norm(p, std::vector<int64_t>{-1}); },
                          {transposed_input(3, 4, 34)}));
  }
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].norm(0) + x[0].sum(); }, {a}));
}

TEST(NormGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 35);
  for (double p : {2.0, 3.0, 1.5}) {
    SCOPED_TRACE(p);
    EXPECT_TRUE(gradgradcheck([p](const Inputs& x) { return x[0].norm(p); }, {a}));
    EXPECT_TRUE(
        gradgradcheck([p](const Inputs& x) { return x[0].norm(p, std::vector<int64_t>{1}); }, {a}));
  }
}

// ---------------------------------------------------------------- logsumexp

TEST(LogsumexpGrad, NameAndGradcheck) {
  Tensor a = dinput({3, 4}, 36);
  EXPECT_EQ(name_of(a.logsumexp({0})), "LogsumexpBackward0");
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].logsumexp({1}); }, {a}));
  EXPECT_TRUE(gradcheck([](const Inputs& x) { return x[0].logsumexp({0, 1}, true); }, {a}));
  EXPECT_TRUE(
      gradcheck([](const Inputs& x) { return x[0].logsumexp({0}); }, {transposed_input(3, 4, 37)}));
  // The gradient is the softmax over the reduced dims.
  Tensor b = dvec({0, std::log(3.0)});
  b.logsumexp({0}).backward();
  expect_values(b.grad(), {0.25, 0.75});
}

TEST(LogsumexpGrad, Gradgradcheck) {
  Tensor a = dinput({3, 4}, 38);
  EXPECT_TRUE(gradgradcheck([](const Inputs& x) { return x[0].logsumexp({1}); }, {a}));
}

// ---------------------------------------------------------------- no history

TEST(ReduceGrad, IndexAndBoolResultsRecordNothing) {
  Tensor a = dinput({3, 4}, 39);
  EXPECT_FALSE(a.argmax().requires_grad());
  EXPECT_FALSE(a.argmin(1).requires_grad());
  EXPECT_FALSE(a.all().requires_grad());
  EXPECT_FALSE(a.any(0).requires_grad());
  EXPECT_FALSE(std::get<1>(a.min(0)).requires_grad());
}

TEST(ReduceGrad, ModifyingASavedInputIsAnError) {
  Tensor a = dinput({3}, 40);
  Tensor b = a * 1.0;
  Tensor p = b.prod();
  b.mul_(2);
  EXPECT_THROW_MSG(p.backward(), RuntimeError, "modified by an inplace operation");
  Tensor c = a * 1.0;
  Tensor v = c.var();
  c.add_(1);
  EXPECT_THROW_MSG(v.backward(), RuntimeError, "modified by an inplace operation");
}

}  // namespace
