// Dropout ops, functional and modules: mask rate and scaling, channel masks
// constant over the spatial dims, alpha dropout's mean and variance, eval and
// p = 0 return the input, p = 1 zeros, generators, in-place forms, gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"

using namespace ember;
namespace F = ember::nn::functional;

TEST(Dropout, RateAndScale) {
  manual_seed(0);
  Tensor x = ones({200, 500});
  Tensor y = F::dropout(x, 0.3);
  const double kept = (y != 0).to(kFloat64).mean().item<double>();
  EXPECT_NEAR(kept, 0.7, 0.01);
  // survivors are scaled by 1 / (1 - p)
  Tensor nz = y.masked_fill(y == 0, 1.0 / 0.7);
  EXPECT_TRUE(allclose(nz, full({200, 500}, 1.0 / 0.7)));
  EXPECT_NEAR(y.mean().item<double>(), 1.0, 0.01);
}

TEST(Dropout, EvalAndEdgeProbabilities) {
  Tensor x = randn({4, 5});
  EXPECT_TRUE(F::dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(F::dropout(x, 0.0).is_same(x));
  EXPECT_TRUE(equal(F::dropout(x, 1.0), zeros({4, 5})));
  EXPECT_THROW(F::dropout(x, 1.5), ValueError);
  EXPECT_THROW(nn::Dropout(-0.1), ValueError);
  auto m = nn::make<nn::Dropout>(0.5);
  m->eval();
  EXPECT_TRUE(equal(m(x), x));
  m->train();
  EXPECT_FALSE(equal(m(x), x));
}

TEST(Dropout, ChannelMasks) {
  manual_seed(3);
  Tensor x = ones({8, 16, 5, 6});
  Tensor y = F::dropout2d(x, 0.5);
  // each (n, c) plane is all zero or all 2
  Tensor mx = y.amax({2, 3}), mn = y.amin({2, 3});
  EXPECT_TRUE(equal(mx, mn));
  const double kept = (mx != 0).to(kFloat64).mean().item<double>();
  EXPECT_GT(kept, 0.3);
  EXPECT_LT(kept, 0.7);
  // dropout1d: (N, C, L) and unbatched (C, L)
  Tensor y1 = F::dropout1d(ones({4, 8, 7}), 0.5);
  EXPECT_TRUE(equal(y1.amax({2}), y1.amin({2})));
  Tensor y1u = F::dropout1d(ones({8, 7}), 0.5);
  EXPECT_EQ(y1u.sizes(), IntArrayRef({8, 7}));
  EXPECT_TRUE(equal(y1u.amax({1}), y1u.amin({1})));
  // dropout3d: (C, D, H, W) unbatched
  Tensor y3 = F::dropout3d(ones({6, 2, 3, 4}), 0.5);
  EXPECT_TRUE(equal(y3.amax({1, 2, 3}), y3.amin({1, 2, 3})));
  EXPECT_THROW(F::dropout1d(ones({2, 3, 4, 5})), RuntimeError);
}

TEST(Dropout, Alpha) {
  manual_seed(4);
  Tensor x = randn({400, 500});
  Tensor y = F::alpha_dropout(x, 0.2, true);
  // keeps zero mean and unit variance for standard normal inputs
  EXPECT_NEAR(y.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(y.std().item<double>(), 1.0, 0.02);
  EXPECT_TRUE(F::alpha_dropout(x, 0.2, false).is_same(x));
  auto m = nn::make<nn::AlphaDropout>(0.2);
  m->eval();
  EXPECT_TRUE(equal(m(x), x));
  Tensor fa = F::feature_alpha_dropout(ones({4, 8, 3}), 0.5, true);
  EXPECT_TRUE(equal(fa.amax({2}), fa.amin({2})));
}

TEST(Dropout, GeneratorsAndInplace) {
  Generator g1(42), g2(42);
  Tensor x = randn({10, 10});
  EXPECT_TRUE(equal(F::dropout(x, 0.5, true, false, &g1), F::dropout(x, 0.5, true, false, &g2)));
  auto m = nn::make<nn::Dropout>(0.5);
  Generator g3(42);
  m->generator = &g3;
  Generator g4(42);
  EXPECT_TRUE(equal(m(x), F::dropout(x, 0.5, true, false, &g4)));
  Tensor z = ones({5, 5});
  Tensor r = F::dropout(z, 0.5, true, true);
  EXPECT_TRUE(r.is_same(z));
  EXPECT_TRUE(equal((z == 0) | (z == 2), ones({5, 5}, {.dtype = kBool})));
}

TEST(Dropout, Gradient) {
  Generator g(7);
  Tensor x = randn({6, 7}).requires_grad_(true);
  Tensor y = F::dropout(x, 0.4, true, false, &g);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");
  y.sum().backward();
  // the gradient is the scaled mask: y / x where x != 0
  EXPECT_TRUE(allclose(x.grad() * x.detach(), y.detach(), 1e-5, 1e-6));
}

// The composed form, as aten's _dropout_impl: a Bernoulli(1 - p) noise tensor
// divided by 1 - p, times x.
Tensor composed_noise(const Tensor& x, double p, Generator& g) {
  Tensor noise = empty(x.sizes(), {.dtype = x.dtype()});
  noise.bernoulli_(1 - p, &g);
  return noise.div_(1 - p);
}

TEST(Dropout, FusedMatchesComposedForm) {
  // Plain dropout of a dense tensor runs one fused kernel each way; its mask,
  // scaling and rounding are the composed form's, bit for bit, in every dtype.
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16})
    for (double p : {0.25, 0.3, 0.5, 0.9}) {
      Tensor x = randn({37, 129}).to(dt).requires_grad_(true);
      Generator g1(11), g2(11);
      Tensor y = F::dropout(x, p, true, false, &g1);
      const Tensor noise = composed_noise(x.detach(), p, g2);
      EXPECT_TRUE(equal(y.detach(), x.detach() * noise)) << dt << " p=" << p;
      // The generator moved on by as many numbers as the composed form draws.
      EXPECT_TRUE(equal(randn({5}, {}, &g1), randn({5}, {}, &g2)));
      Tensor go = randn({37, 129}).to(dt);
      y.backward(go);
      EXPECT_TRUE(equal(x.grad(), go * noise)) << dt << " p=" << p;
    }
}

TEST(Dropout, FusedNonFiniteAndLayouts) {
  // Dropped infinities and NaNs give NaN, as x * 0 in the composed form.
  Generator g1(5), g2(5);
  Tensor x = full({64}, INFINITY);
  x.narrow(0, 0, 32).fill_(NAN);
  Tensor y = F::dropout(x, 0.5, true, false, &g1);
  const Tensor noise = composed_noise(x, 0.5, g2);
  EXPECT_TRUE(equal(y.isnan(), (x * noise).isnan()));
  EXPECT_GT((noise == 0).sum().item<int64_t>(), 0);
  // channels_last keeps its layout; each element is dropped or scaled.
  Tensor c = (randn({4, 6, 5, 3}).abs() + 1).contiguous(kChannelsLast);
  Tensor yc = F::dropout(c, 0.2);
  EXPECT_TRUE(yc.is_contiguous(kChannelsLast));
  EXPECT_TRUE(
      equal((yc == 0) | (yc / c).isclose(full({}, 1 / 0.8)), ones_like(c, {.dtype = kBool})));
}

TEST(Dropout, FusedGradientForms) {
  Generator g1(9), g2(9);
  Tensor x = randn({8, 9}).requires_grad_(true);
  Tensor y = F::dropout(x, 0.4, true, false, &g1);
  const Tensor noise = composed_noise(x.detach(), 0.4, g2);
  // A broadcast (stride-0) incoming gradient takes the composed path.
  y.sum().backward();
  EXPECT_TRUE(equal(x.grad(), noise));
  // Under create_graph the gradient is differentiable in the incoming gradient.
  Tensor go = randn({8, 9}).requires_grad_(true);
  Tensor y2 = F::dropout(x, 0.4, true, false, &g1);
  Generator g3(9);
  composed_noise(x.detach(), 0.4, g3);
  const Tensor noise2 = composed_noise(x.detach(), 0.4, g3);
  Tensor gx = autograd::grad({y2}, {x}, {go}, std::nullopt, true)[0];
  EXPECT_TRUE(equal(gx.detach(), go.detach() * noise2));
  gx.sum().backward();
  EXPECT_TRUE(equal(go.grad(), noise2));
}
