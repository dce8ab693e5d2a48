// optim::Optimizer and the optimizers: groups, defaults, errors (leaving the
// optimizer unchanged), zero_grad, closures, state and state_dicts, and
// hand-computed steps.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::error_text;

namespace {

Tensor param(std::vector<double> v) { return from_vector(v, {}, kFloat64).requires_grad_(true); }
void set_grad(const Tensor& p, std::vector<double> g) { p.set_grad(from_vector(g, {}, kFloat64)); }

TEST(Optimizer, GroupsTakeDefaultsAndKeepTheirOwnOptions) {
  Tensor a = param({1, 2}), b = param({3});
  optim::SGD opt({optim::ParamGroup({a}), optim::ParamGroup({b}, {{"lr", 0.5}})},
                 {.lr = 0.1, .momentum = 0.9});
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[0].number("lr"), 0.1);
  EXPECT_EQ(opt.param_groups()[1].number("lr"), 0.5);
  EXPECT_EQ(opt.param_groups()[1].number("momentum"), 0.9);
  // the group's own keys first, then the defaults in torch's order
  EXPECT_EQ(opt.param_groups()[1].options.keys()[0], "lr");
  EXPECT_EQ(opt.param_groups()[1].options.keys()[1], "momentum");
  EXPECT_EQ(opt.param_groups()[0].options.size(), 8u);
}

TEST(Optimizer, BadInput) {
  Tensor a = param({1, 2}), b = param({3});
  EXPECT_EQ(error_text([&] { optim::SGD({a}, {}); }),
            "ValueError: parameter group didn't specify a value of required optimization "
            "parameter lr");
  EXPECT_EQ(error_text([&] { optim::SGD(std::vector<Tensor>{}, {.lr = 0.1}); }),
            "ValueError: optimizer got an empty parameter list");
  EXPECT_EQ(error_text([&] { optim::SGD({a}, {.lr = -1}); }),
            "ValueError: Invalid learning rate: -1");
  EXPECT_EQ(error_text([&] { optim::SGD({a}, {.lr = 0.1, .momentum = -0.5}); }),
            "ValueError: Invalid momentum value: -0.5");
  EXPECT_EQ(error_text([&] { optim::SGD({a}, {.lr = 0.1, .nesterov = true}); }),
            "ValueError: Nesterov momentum requires a momentum and zero dampening");
  EXPECT_EQ(error_text([&] {
              optim::Adam({a}, {.betas = {1.0, 0.9}});
            }),
            "ValueError: Invalid beta parameter at index 0: 1.0");
  EXPECT_EQ(error_text([&] { optim::AdamW({a}, {.eps = -1e-8}); }),
            "ValueError: Invalid epsilon value: -1e-08");
  EXPECT_EQ(error_text([&] { optim::Adadelta({a}, {.rho = 1.5}); }),
            "ValueError: Invalid rho value: 1.5");
  EXPECT_EQ(error_text([&] { optim::Adagrad({a}, {.initial_accumulator_value = -1}); }),
            "ValueError: Invalid initial_accumulator_value value: -1");
  EXPECT_EQ(error_text([&] { optim::RMSprop({a}, {.alpha = -0.1}); }),
            "ValueError: Invalid alpha value: -0.1");
  Tensor nonleaf = a * 2.0;
  EXPECT_EQ(error_text([&] { optim::Adam({nonleaf}); }),
            "ValueError: can't optimize a non-leaf Tensor");
  EXPECT_EQ(error_text([&] { optim::Adam({Tensor()}); }),
            "TypeError: optimizer can only optimize Tensors, but one of the params is NoneType");

  optim::SGD opt({a}, {.lr = 0.1});
  EXPECT_EQ(error_text([&] {
              opt.add_param_group(optim::ParamGroup({b, a}));
            }),
            "ValueError: some parameters appear in more than one parameter group");
  EXPECT_EQ(opt.param_groups().size(), 1u);
  opt.add_param_group(optim::ParamGroup({b}, {{"momentum", 0.5}}));
  EXPECT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[1].number("lr"), 0.1);

  optim::SGD req(std::vector<optim::ParamGroup>{optim::ParamGroup({a}, {{"lr", 0.1}})});
  EXPECT_EQ(error_text([&] { req.add_param_group(optim::ParamGroup({b})); }),
            "ValueError: parameter group didn't specify a value of required optimization "
            "parameter lr");
  EXPECT_EQ(req.param_groups().size(), 1u);
}

TEST(Optimizer, ZeroGrad) {
  Tensor a = param({1, 2});
  optim::SGD opt({a}, {.lr = 0.1});
  set_grad(a, {1, 1});
  opt.zero_grad(false);
  ASSERT_TRUE(a.grad().defined());
  EXPECT_EQ(a.grad().tolist<double>(), (std::vector<double>{0, 0}));
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(Optimizer, StepWithClosureAndSkippedParams) {
  Tensor a = param({1, 2}), b = param({5});
  optim::SGD opt({a, b}, {.lr = 0.5});
  Tensor loss = opt.step([&] {
    opt.zero_grad();
    Tensor l = sum(a * a);
    l.backward();
    return l;
  });
  EXPECT_DOUBLE_EQ(loss.item<double>(), 5.0);
  EXPECT_EQ(a.tolist<double>(), (std::vector<double>{0, 0}));  // a - 0.5 * 2a
  EXPECT_EQ(b.tolist<double>(), (std::vector<double>{5}));     // no grad: untouched
  EXPECT_FALSE(opt.has_state(b));
}

TEST(Optimizer, SgdMomentumNesterovByHand) {
  Tensor a = param({1});
  optim::SGD opt({a}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.5, .nesterov = true});
  set_grad(a, {2});
  opt.step();  // d = 2 + 0.5 = 2.5; buf = 2.5; d = 2.5 + 0.9*2.5 = 4.75; p = 1 - 0.475
  EXPECT_NEAR(a.item<double>(), 0.525, 1e-12);
  set_grad(a, {2});
  opt.step();  // d = 2 + 0.2625 = 2.2625; buf = 2.25 + 2.2625; d = 2.2625 + 0.9 buf
  const double d = 2 + 0.5 * 0.525, buf = 0.9 * 2.5 + d;
  EXPECT_NEAR(a.item<double>(), 0.525 - 0.1 * (d + 0.9 * buf), 1e-12);
}

TEST(Optimizer, AdamFirstStepIsLrTimesSign) {
  Tensor a = param({1, -1, 0.5});
  optim::Adam opt({a}, {.lr = 0.01});
  set_grad(a, {3, -0.2, 1e-3});
  opt.step();
  auto v = a.tolist<double>();
  EXPECT_NEAR(v[0], 0.99, 1e-7);
  EXPECT_NEAR(v[1], -0.99, 1e-7);
  EXPECT_NEAR(v[2], 0.49, 1e-7);
  auto& st = opt.state(a);
  EXPECT_EQ(st.keys(), (std::vector<std::string>{"step", "exp_avg", "exp_avg_sq"}));
  EXPECT_EQ(st.at("step").dtype(), kFloat32);
  EXPECT_EQ(st.at("step").item<float>(), 1.0f);
}

TEST(Optimizer, NonContiguousAndFloat32Params) {
  Tensor base = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_(true);
  Tensor pt = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor p = pt.t().detach().requires_grad_(true);  // non-contiguous leaf
  ASSERT_FALSE(p.is_contiguous());
  p.set_grad(ones({2, 3}));
  base.set_grad(ones({2, 3}));
  optim::SGD opt({p}, {.lr = 1.0});
  opt.step();
  EXPECT_EQ(p.tolist<float>(), (std::vector<float>{0, 2, 4, 1, 3, 5}));
  EXPECT_EQ(pt.tolist<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));  // written in place
}

// A channels_last parameter is updated in place over its memory (same storage,
// version bumped), its state is channels_last as torch's zeros_like, and the
// values equal a contiguous run; a contiguous buffer loaded from a state_dict
// is brought to the parameter's layout.
TEST(Optimizer, ChannelsLastParamsUpdateInPlace) {
  manual_seed(4);
  Tensor w0 = randn({4, 3, 2, 2}), g0 = randn({4, 3, 2, 2});
  auto run = [&](bool cl, bool load_contiguous_state) {
    Tensor p = (cl ? w0.contiguous(kChannelsLast) : w0.clone()).requires_grad_(true);
    p.set_grad(cl ? g0.contiguous(kChannelsLast) : g0.clone());
    optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
    if (load_contiguous_state) {
      optim::SGD warm({w0.clone().requires_grad_(true)}, {.lr = 0.1, .momentum = 0.9});
      warm.param_groups()[0].params[0].set_grad(g0.clone());
      warm.step();
      opt.load_state_dict(warm.state_dict());
      EXPECT_TRUE(opt.state(p).at("momentum_buffer").is_contiguous());
    }
    const void* data = p.data_ptr();
    const auto version = p._version();
    opt.step();
    opt.step();
    EXPECT_EQ(p.data_ptr(), data);
    EXPECT_GT(p._version(), version);
    const Tensor& buf = opt.state(p).at("momentum_buffer");
    EXPECT_EQ(buf.is_contiguous(kChannelsLast), cl);
    return std::make_pair(p.detach().contiguous(), buf.contiguous());
  };
  const auto [pc, bc] = run(false, false);
  const auto [pl, bl] = run(true, false);
  EXPECT_TRUE(pl.allclose(pc, 1e-6, 1e-6));
  EXPECT_TRUE(bl.allclose(bc, 1e-6, 1e-6));
  const auto [pl2, bl2] = run(true, true);
  const auto [pc2, bc2] = run(false, true);
  EXPECT_TRUE(pl2.allclose(pc2, 1e-6, 1e-6));
  EXPECT_TRUE(bl2.allclose(bc2, 1e-6, 1e-6));
  EXPECT_FALSE(pl2.allclose(pl, 1e-6, 1e-6));  // the loaded momentum counted
}

TEST(Optimizer, StateDictRoundTripAndErrors) {
  Tensor a = param({1, 2}), b = param({3});
  optim::Adam opt({optim::ParamGroup({a}), optim::ParamGroup({b}, {{"lr", 0.1}})},
                  {.amsgrad = true});
  set_grad(a, {1, 1});
  set_grad(b, {1});
  opt.step();
  auto sd = opt.state_dict();
  ASSERT_EQ(sd.state.size(), 2u);
  EXPECT_EQ(sd.state[1].first, 1);
  EXPECT_EQ(sd.param_groups[1].params, (std::vector<int64_t>{1}));

  Tensor a2 = param({1, 2}), b2 = param({3});
  optim::Adam opt2({optim::ParamGroup({a2}), optim::ParamGroup({b2})});
  opt2.load_state_dict(sd);
  EXPECT_EQ(opt2.param_groups()[1].number("lr"), 0.1);
  EXPECT_TRUE(opt2.param_groups()[0].flag("amsgrad"));
  EXPECT_EQ(optim::to_text(opt2.state_dict()), optim::to_text(sd));
  // a deep copy: stepping one does not move the other
  set_grad(a2, {1, 1});
  set_grad(b2, {1});
  opt2.step();
  EXPECT_EQ(opt.state(a).at("step").item<float>(), 1.0f);
  EXPECT_EQ(opt2.state(a2).at("step").item<float>(), 2.0f);

  optim::Adam one({a2, b2});
  const std::string before = optim::to_text(one.state_dict());
  EXPECT_EQ(error_text([&] { one.load_state_dict(sd); }),
            "ValueError: loaded state dict has a different number of parameter groups");
  optim::Adam sizes({optim::ParamGroup({a2, b2}), optim::ParamGroup({param({1})})});
  EXPECT_EQ(error_text([&] { sizes.load_state_dict(sd); }),
            "ValueError: loaded state dict contains a parameter group that doesn't match the "
            "size of optimizer's group");
  EXPECT_EQ(optim::to_text(one.state_dict()), before);
}

TEST(Optimizer, StateDictCastsToParamDtype) {
  Tensor a = param({1, 2});
  optim::Adagrad opt({a});
  auto sd = opt.state_dict();
  Tensor f = from_vector(std::vector<float>{1, 2}).requires_grad_(true);
  optim::Adagrad opt2({f});
  opt2.load_state_dict(sd);
  EXPECT_EQ(opt2.state(f).at("sum").dtype(), kFloat32);
  EXPECT_EQ(opt2.state(f).at("step").dtype(), kFloat32);
}

TEST(Optimizer, EveryOptimizerDescendsAQuadratic) {
  auto run = [](auto make) {
    Tensor p = from_vector(std::vector<double>{3, -2, 1}, {}, kFloat64).requires_grad_(true);
    auto opt = make(p);
    for (int i = 0; i < 200; ++i) {
      opt->zero_grad();
      Tensor l = sum(p * p);
      l.backward();
      opt->step();
    }
    return sum(p * p).item<double>();
  };
  const double start = 14;
  using V = std::vector<Tensor>;
  EXPECT_LT(run([](Tensor p) {
              return std::make_unique<optim::SGD>(V{p},
                                                  optim::SGDOptions{.lr = 0.1, .momentum = 0.5});
            }),
            start * 1e-3);
  EXPECT_LT(run([](Tensor p) {
              return std::make_unique<optim::Adam>(V{p}, optim::AdamOptions{.lr = 0.1});
            }),
            start * 0.1);
  EXPECT_LT(run([](Tensor p) {
              return std::make_unique<optim::AdamW>(
                  V{p}, optim::AdamWOptions{.lr = 0.1, .amsgrad = true});
            }),
            start * 0.1);
  EXPECT_LT(run([](Tensor p) {
              return std::make_unique<optim::Adadelta>(V{p}, optim::AdadeltaOptions{});
            }),
            start);
  EXPECT_LT(run([](Tensor p) {
              return std::make_unique<optim::Adagrad>(V{p}, optim::AdagradOptions{.lr = 0.5});
            }),
            start * 0.1);
  EXPECT_LT(run([](Tensor p) {
              return std::make_unique<optim::RMSprop>(
                  V{p}, optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
            }),
            start * 0.1);
}

TEST(Optimizer, ReprOfOptions) {
  EXPECT_EQ(optim::repr(optim::OptionValue(std::vector<double>{0.9, 0.999})), "(0.9, 0.999)");
  EXPECT_EQ(optim::repr(optim::OptionValue(1e-8)), "1e-08");
  EXPECT_EQ(optim::repr(optim::OptionValue(std::monostate{})), "None");
  EXPECT_EQ(optim::repr(optim::OptionValue(true)), "True");
}

}  // namespace
