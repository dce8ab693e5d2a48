// optim LR schedulers: values by hand, errors (leaving things unchanged),
// state_dict round trips, SequentialLR and ReduceLROnPlateau.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::error_text;

namespace {

struct Fixture {
  Tensor a = zeros({2}).requires_grad_(true);
  optim::SGD opt{std::vector<Tensor>{a}, optim::SGDOptions{.lr = 1.0, .momentum = 0.9}};
  double lr() const { return opt.param_groups()[0].number("lr"); }
};

TEST(LRScheduler, StepLRByHandAndInitialLr) {
  Fixture f;
  optim::StepLR s(f.opt, 2, 0.5);
  EXPECT_EQ(f.opt.param_groups()[0].number("initial_lr"), 1.0);
  EXPECT_EQ(s.get_last_lr(), std::vector<double>{1.0});
  std::vector<double> got;
  for (int i = 0; i < 5; ++i) {
    s.step();
    got.push_back(f.lr());
  }
  EXPECT_EQ(got, (std::vector<double>{1.0, 0.5, 0.5, 0.25, 0.25}));
  EXPECT_EQ(s.last_epoch(), 5);
}

TEST(LRScheduler, ResumingNeedsInitialLr) {
  Fixture f;
  EXPECT_EQ(error_text([&] { optim::ExponentialLR(f.opt, 0.9, 3); }),
            "KeyError: param 'initial_lr' is not specified in param_groups[0] when resuming an "
            "optimizer");
  EXPECT_FALSE(f.opt.param_groups()[0].options.contains("initial_lr"));
}

TEST(LRScheduler, BadInput) {
  Fixture f;
  EXPECT_EQ(error_text([&] { optim::LinearLR(f.opt, 1.5); }),
            "ValueError: Starting multiplicative factor expected to be between 0 and 1.");
  EXPECT_EQ(error_text([&] { optim::LinearLR(f.opt, 0.5, -1); }),
            "ValueError: Ending multiplicative factor expected to be between 0 and 1.");
  EXPECT_EQ(error_text([&] {
              optim::LambdaLR(f.opt, std::vector<optim::LambdaLR::Lambda>{
                                         [](int64_t) { return 1.0; }, [](int64_t) { return 1.0; }});
            }),
            "ValueError: Expected 1 lr_lambdas, but got 2");
  EXPECT_EQ(error_text([&] { optim::OneCycleLR(f.opt, 1.0); }),
            "ValueError: You must define either total_steps OR (epochs AND steps_per_epoch)");
  EXPECT_EQ(error_text([&] { optim::OneCycleLR(f.opt, 1.0, {.total_steps = 0}); }),
            "ValueError: Expected positive integer total_steps, but got 0");
  EXPECT_EQ(error_text([&] { optim::OneCycleLR(f.opt, 1.0, {.total_steps = 5, .pct_start = 2}); }),
            "ValueError: Expected float between 0 and 1 pct_start, but got 2");
  EXPECT_EQ(error_text(
                [&] { optim::OneCycleLR(f.opt, 1.0, {.total_steps = 5, .anneal_strategy = "x"}); }),
            "ValueError: anneal_strategy must by one of 'cos' or 'linear', instead got x");
  EXPECT_EQ(error_text([&] {
              optim::OneCycleLR(f.opt, {1.0, 2.0}, {.total_steps = 5});
            }),
            "ValueError: expected 1 values for max_lr, got 2");
  Tensor b = zeros({2}).requires_grad_(true);
  optim::Adadelta nomom({b});
  EXPECT_EQ(error_text([&] { optim::OneCycleLR(nomom, 1.0, {.total_steps = 5}); }),
            "ValueError: optimizer must support momentum with `cycle_momentum` option enabled");
  EXPECT_FALSE(nomom.param_groups()[0].options.contains("max_lr"));  // unchanged
  EXPECT_EQ(error_text([&] { optim::ReduceLROnPlateau(f.opt, {.factor = 1.0}); }),
            "ValueError: Factor should be < 1.0.");
  EXPECT_EQ(error_text([&] { optim::ReduceLROnPlateau(f.opt, {.mode = "mid"}); }),
            "ValueError: mode mid is unknown!");
  EXPECT_EQ(error_text([&] { optim::ReduceLROnPlateau(f.opt, {.threshold_mode = "x"}); }),
            "ValueError: threshold mode x is unknown!");
  EXPECT_EQ(error_text([&] {
              optim::ReduceLROnPlateau(f.opt, {.min_lr = {0.1, 0.2}});
            }),
            "ValueError: expected 1 min_lrs, got 2");
}

TEST(LRScheduler, OneCycleStopsAfterTotalSteps) {
  Fixture f;
  optim::OneCycleLR s(f.opt, 1.0, {.total_steps = 3});
  for (int i = 0; i < 3; ++i) s.step();
  const double lr = f.lr();
  EXPECT_EQ(error_text([&] { s.step(); }),
            "ValueError: Tried to step 5 times. The specified number of total steps is 3");
  EXPECT_EQ(s.last_epoch(), 3);  // unchanged
  EXPECT_EQ(f.lr(), lr);
}

TEST(LRScheduler, StateDictRoundTrip) {
  Fixture f;
  optim::CosineAnnealingLR s(f.opt, 4, 0.1);
  for (int i = 0; i < 3; ++i) s.step();
  auto sd = s.state_dict();
  Fixture g;
  optim::CosineAnnealingLR t(g.opt, 10);
  t.load_state_dict(sd);
  EXPECT_EQ(optim::to_text(t.state_dict()), optim::to_text(sd));
  g.opt.param_groups()[0].options.insert("lr", f.lr());
  s.step();
  t.step();
  EXPECT_DOUBLE_EQ(f.lr(), g.lr());

  optim::SchedulerState bad = sd;
  bad.values.erase("T_max");
  const std::string before = optim::to_text(t.state_dict());
  EXPECT_EQ(error_text([&] { t.load_state_dict(bad); }),
            "ValueError: scheduler state_dict has no number 'T_max'");
  EXPECT_EQ(optim::to_text(t.state_dict()), before);
}

TEST(LRScheduler, SequentialErrors) {
  Fixture f, g;
  auto a = std::make_shared<optim::ExponentialLR>(f.opt, 0.9);
  auto b = std::make_shared<optim::ExponentialLR>(g.opt, 0.9);
  using V = std::vector<std::shared_ptr<optim::LRScheduler>>;
  EXPECT_EQ(error_text([&] {
              optim::SequentialLR(f.opt, V{a, b}, {2});
            }),
            "ValueError: Sequential Schedulers expects all schedulers to belong to the same "
            "optimizer, but got schedulers at index 1 to be different than the optimizer passed "
            "in.");
  EXPECT_EQ(error_text([&] { optim::SequentialLR(f.opt, V{a}, {2}); }),
            "ValueError: Sequential Schedulers expects number of schedulers provided to be one "
            "more than the number of milestone points, but got number of schedulers 1 and the "
            "number of milestones to be equal to 1");
}

TEST(LRScheduler, PlateauReducesAfterPatience) {
  Fixture f;
  optim::ReduceLROnPlateau s(f.opt, {.factor = 0.5, .patience = 1});
  for (double m : {1.0, 1.0, 1.0}) s.step(m);
  EXPECT_DOUBLE_EQ(f.lr(), 0.5);
  auto sd = s.state_dict();
  Fixture g;
  optim::ReduceLROnPlateau t(g.opt);
  t.load_state_dict(sd);
  EXPECT_EQ(optim::to_text(t.state_dict()), optim::to_text(sd));
}

}  // namespace
