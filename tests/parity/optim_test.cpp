// torch.optim against torch (tests/parity/gen_optim.py): 20 steps of every
// optimizer in several option combinations, two groups (the second with half
// the lr, its parameter skipped every third step), float64 and float32; final
// parameters and state tensors, and the state_dict layouts as text.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

constexpr int kSteps = 20;

using Groups = std::vector<optim::ParamGroup>;
using Make = std::function<std::unique_ptr<optim::Optimizer>(Groups, double lr)>;

// The same table as CONFIGS in gen_optim.py: name -> (factory, lr of group 0).
const std::map<std::string, std::pair<Make, double>>& configs() {
  static const std::map<std::string, std::pair<Make, double>> c = {
      {"sgd",
       {[](Groups g, double lr) {
          return std::make_unique<optim::SGD>(g, optim::SGDOptions{.lr = lr});
        },
        0.1}},
      {"sgd_momentum",
       {[](Groups g, double lr) {
          return std::make_unique<optim::SGD>(
              g,
              optim::SGDOptions{.lr = lr, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
        },
        0.05}},
      {"sgd_nesterov",
       {[](Groups g, double lr) {
          return std::make_unique<optim::SGD>(
              g, optim::SGDOptions{.lr = lr, .momentum = 0.9, .nesterov = true, .maximize = true});
        },
        0.05}},
      {"adam",
       {[](Groups g, double lr) {
          return std::make_unique<optim::Adam>(g, optim::AdamOptions{.lr = lr});
        },
        0.01}},
      {"adam_wd_amsgrad",
       {[](Groups g, double lr) {
          return std::make_unique<optim::Adam>(g, optim::AdamOptions{.lr = lr,
                                                                     .betas = {0.8, 0.99},
                                                                     .eps = 1e-6,
                                                                     .weight_decay = 0.1,
                                                                     .amsgrad = true});
        },
        0.02}},
      {"adam_maximize",
       {[](Groups g, double lr) {
          return std::make_unique<optim::Adam>(g, optim::AdamOptions{.lr = lr, .maximize = true});
        },
        0.01}},
      {"adamw",
       {[](Groups g, double lr) {
          return std::make_unique<optim::AdamW>(g, optim::AdamWOptions{.lr = lr});
        },
        0.01}},
      {"adamw_amsgrad",
       {[](Groups g, double lr) {
          return std::make_unique<optim::AdamW>(
              g, optim::AdamWOptions{
                     .lr = lr, .weight_decay = 0.1, .amsgrad = true, .maximize = true});
        },
        0.02}},
      {"adadelta", {[](Groups g, double) { return std::make_unique<optim::Adadelta>(g); }, 1.0}},
      {"adadelta_wd",
       {[](Groups g, double lr) {
          return std::make_unique<optim::Adadelta>(
              g, optim::AdadeltaOptions{
                     .lr = lr, .rho = 0.8, .eps = 1e-5, .weight_decay = 0.1, .maximize = true});
        },
        0.5}},
      {"adagrad", {[](Groups g, double) { return std::make_unique<optim::Adagrad>(g); }, 0.01}},
      {"adagrad_decay",
       {[](Groups g, double lr) {
          return std::make_unique<optim::Adagrad>(
              g, optim::AdagradOptions{.lr = lr,
                                       .lr_decay = 0.01,
                                       .weight_decay = 0.1,
                                       .initial_accumulator_value = 0.1,
                                       .eps = 1e-8});
        },
        0.1}},
      {"rmsprop", {[](Groups g, double) { return std::make_unique<optim::RMSprop>(g); }, 0.01}},
      {"rmsprop_centered",
       {[](Groups g, double lr) {
          return std::make_unique<optim::RMSprop>(
              g,
              optim::RMSpropOptions{
                  .lr = lr, .alpha = 0.9, .weight_decay = 0.1, .momentum = 0.5, .centered = true});
        },
        0.01}},
      {"rmsprop_momentum",
       {[](Groups g, double lr) {
          return std::make_unique<optim::RMSprop>(
              g, optim::RMSpropOptions{.lr = lr, .momentum = 0.9, .maximize = true});
        },
        0.01}},
  };
  return c;
}

std::unique_ptr<optim::Optimizer> build(const std::string& name, const Tensor& a, const Tensor& b) {
  const auto& [make, lr] = configs().at(name);
  return make(Groups{optim::ParamGroup({a}), optim::ParamGroup({b}, {{"lr", lr * 0.5}})}, lr);
}

// in: p0, p1, grads0 [steps, ...], grads1; out: p0, p1 after the steps, p0's state tensors.
std::vector<Tensor> run(const std::string& name, const std::vector<Tensor>& in,
                        std::string* text = nullptr) {
  Tensor a = in[0].clone().requires_grad_(true);
  Tensor b = in[1].clone().requires_grad_(true);
  auto opt = build(name, a, b);
  for (int i = 0; i < kSteps; ++i) {
    a.set_grad(in[2].select(0, i).clone());
    b.set_grad(i % 3 == 2 ? Tensor() : in[3].select(0, i).clone());
    opt->step();
  }
  std::vector<Tensor> out = {a.detach(), b.detach()};
  for (const auto& [key, t] : opt->state(a))
    if (key != "step" && t.defined()) out.push_back(t);
  if (text) *text = optim::to_text(opt->state_dict());
  return out;
}

TEST(Parity, OptimizerStateDictLayouts) {
  ParityFile f("optim");
  std::map<std::string, std::string> want, got;
  for (const auto& [key, text] : f.metadata())
    if (key.rfind("state_dict_", 0) == 0) want[key] = text;
  for (const auto& [name, cfg] : configs()) {
    for (std::string suffix : {"", "_f32"}) {
      std::string text;
      run(name, f.inputs(name + suffix), &text);
      got["state_dict_" + name + suffix] = text;
    }
  }
  ember::testing::expect_texts(want, got);
}

// ---- LR schedulers (the same table as SCHEDULERS in gen_optim.py)

struct SchedRun {
  std::unique_ptr<optim::Optimizer> opt;
  std::shared_ptr<optim::LRScheduler> sched;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;
};

std::unique_ptr<optim::Optimizer> make_opt(bool adam, Tensor& a, Tensor& b) {
  a = zeros({2}).requires_grad_(true);
  b = zeros({3}).requires_grad_(true);
  Groups g{optim::ParamGroup({a}), optim::ParamGroup({b}, {{"lr", 0.05}})};
  if (adam) return std::make_unique<optim::Adam>(g, optim::AdamOptions{.lr = 0.1});
  return std::make_unique<optim::SGD>(g, optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
}

using MakeSched = std::function<void(SchedRun&)>;
const std::map<std::string, std::pair<bool, MakeSched>>& schedulers() {
  using namespace optim;
  static const std::map<std::string, std::pair<bool, MakeSched>> s = {
      {"lambda",
       {false,
        [](SchedRun& r) {
          r.sched = std::make_shared<LambdaLR>(*r.opt,
                                               [](int64_t e) { return std::pow(0.95, double(e)); });
        }}},
      {"lambda_per_group",
       {false,
        [](SchedRun& r) {
          r.sched = std::make_shared<LambdaLR>(
              *r.opt,
              std::vector<LambdaLR::Lambda>{[](int64_t e) { return std::pow(0.9, double(e)); },
                                            [](int64_t e) { return 1.0 / double(e + 1); }});
        }}},
      {"step", {false, [](SchedRun& r) { r.sched = std::make_shared<StepLR>(*r.opt, 3, 0.5); }}},
      {"multistep",
       {false,
        [](SchedRun& r) {
          r.sched = std::make_shared<MultiStepLR>(*r.opt, std::vector<int64_t>{9, 2, 5, 5}, 0.5);
        }}},
      {"exponential",
       {false, [](SchedRun& r) { r.sched = std::make_shared<ExponentialLR>(*r.opt, 0.9); }}},
      {"linear",
       {false, [](SchedRun& r) { r.sched = std::make_shared<LinearLR>(*r.opt, 0.25, 1.0, 8); }}},
      {"linear_down",
       {false, [](SchedRun& r) { r.sched = std::make_shared<LinearLR>(*r.opt, 1.0, 0.1, 5); }}},
      {"cosine",
       {false,
        [](SchedRun& r) { r.sched = std::make_shared<CosineAnnealingLR>(*r.opt, 6, 0.001); }}},
      {"onecycle",
       {false,
        [](SchedRun& r) {
          r.sched = std::make_shared<OneCycleLR>(*r.opt, std::vector<double>{1.0, 0.5},
                                                 OneCycleLROptions{.total_steps = 20});
        }}},
      {"onecycle_adam_3phase",
       {true,
        [](SchedRun& r) {
          r.sched = std::make_shared<OneCycleLR>(*r.opt, 0.3,
                                                 OneCycleLROptions{.epochs = 5,
                                                                   .steps_per_epoch = 5,
                                                                   .pct_start = 0.25,
                                                                   .anneal_strategy = "linear",
                                                                   .div_factor = 10.0,
                                                                   .three_phase = true});
        }}},
      {"sequential",
       {false,
        [](SchedRun& r) {
          auto a = std::make_shared<LinearLR>(*r.opt, 0.5, 1.0, 3);
          auto b = std::make_shared<ExponentialLR>(*r.opt, 0.8);
          r.sched = std::make_shared<SequentialLR>(
              *r.opt, std::vector<std::shared_ptr<LRScheduler>>{a, b}, std::vector<int64_t>{4});
        }}},
      {"sequential3",
       {false,
        [](SchedRun& r) {
          auto a = std::make_shared<ExponentialLR>(*r.opt, 1.0);
          auto b = std::make_shared<StepLR>(*r.opt, 2, 0.5);
          auto c = std::make_shared<CosineAnnealingLR>(*r.opt, 5);
          r.sched = std::make_shared<SequentialLR>(
              *r.opt, std::vector<std::shared_ptr<LRScheduler>>{a, b, c},
              std::vector<int64_t>{3, 9});
        }}},
      {"plateau",
       {false,
        [](SchedRun& r) {
          r.plateau = std::make_unique<ReduceLROnPlateau>(
              *r.opt, ReduceLROnPlateauOptions{
                          .factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = {0.01, 0.002}});
        }}},
      {"plateau_max_abs",
       {false,
        [](SchedRun& r) {
          r.plateau = std::make_unique<ReduceLROnPlateau>(
              *r.opt, ReduceLROnPlateauOptions{.mode = "max",
                                               .factor = 0.3,
                                               .patience = 1,
                                               .threshold = 0.05,
                                               .threshold_mode = "abs"});
        }}},
      {"closed_step",
       {false, [](SchedRun& r) { r.sched = std::make_shared<StepLR>(*r.opt, 3, 0.5); }}},
      {"closed_multistep",
       {false,
        [](SchedRun& r) {
          r.sched = std::make_shared<MultiStepLR>(*r.opt, std::vector<int64_t>{9, 2, 5, 5}, 0.5);
        }}},
      {"closed_exponential",
       {false, [](SchedRun& r) { r.sched = std::make_shared<ExponentialLR>(*r.opt, 0.9); }}},
      {"closed_linear",
       {false, [](SchedRun& r) { r.sched = std::make_shared<LinearLR>(*r.opt, 0.25, 1.0, 8); }}},
      {"closed_cosine",
       {false,
        [](SchedRun& r) { r.sched = std::make_shared<CosineAnnealingLR>(*r.opt, 6, 0.001); }}},
  };
  return s;
}

const std::vector<int64_t> kClosedEpochs = {5, 2, 9, 13, 0, 7, 20, 1};

std::vector<double> momenta(const optim::Optimizer& o) {
  std::vector<double> m;
  for (const auto& g : o.param_groups())
    m.push_back(g.options.contains("betas") ? g.tuple("betas")[0] : g.number("momentum"));
  return m;
}

// in: the plateau metrics; out: lrs [steps + 1, groups], momenta the same way.
std::vector<Tensor> run_scheduler(const std::string& name, const std::vector<Tensor>& in,
                                  std::string* stext = nullptr, std::string* otext = nullptr) {
  const auto& [adam, make] = schedulers().at(name);
  SchedRun r;
  Tensor a, b;
  r.opt = make_opt(adam, a, b);
  make(r);
  std::vector<double> lrs, moms;
  auto record = [&](const std::vector<double>& l) {
    lrs.insert(lrs.end(), l.begin(), l.end());
    auto m = momenta(*r.opt);
    moms.insert(moms.end(), m.begin(), m.end());
  };
  std::vector<double> first;
  for (const auto& g : r.opt->param_groups()) first.push_back(g.number("lr"));
  record(first);
  const auto metrics = in[0].tolist<double>();
  int64_t rows = 1;
  for (int i = 0; i < 20; ++i) {
    r.opt->step();
    if (r.plateau) {
      r.plateau->step(metrics[static_cast<size_t>(i)]);
      record(r.plateau->get_last_lr());
    } else if (name.rfind("closed_", 0) == 0) {
      if (i >= static_cast<int>(kClosedEpochs.size())) break;
      r.sched->step(kClosedEpochs[static_cast<size_t>(i)]);
      record(r.sched->get_last_lr());
    } else {
      r.sched->step();
      record(r.sched->get_last_lr());
    }
    ++rows;
  }
  if (stext) *stext = optim::to_text(r.plateau ? r.plateau->state_dict() : r.sched->state_dict());
  if (otext) *otext = optim::to_text(r.opt->state_dict());
  return {from_vector(lrs, {rows, 2}, kFloat64), from_vector(moms, {rows, 2}, kFloat64)};
}

// One run_parity over the whole file: the optimizer and the scheduler cases.
TEST(Parity, OptimizersAndSchedulers) {
  std::map<std::string, Case> cases;
  for (const auto& [name, cfg] : schedulers())
    cases["sched_" + name] = {
        [name = name](const std::vector<Tensor>& in) { return run_scheduler(name, in); },
        {.tol = ember::testing::Tolerance{1e-12, 1e-14}}};
  for (const auto& [name, cfg] : configs()) {
    cases[name] = {[name = name](const std::vector<Tensor>& in) { return run(name, in); },
                   {.tol = ember::testing::Tolerance{1e-6, 1e-6}}};
    cases[name + "_f32"] = {[name = name](const std::vector<Tensor>& in) { return run(name, in); },
                            {.tol = ember::testing::Tolerance{1e-5, 1e-5}}};
  }
  run_parity("optim", cases);
}

TEST(Parity, SchedulerStateDicts) {
  ParityFile f("optim");
  std::map<std::string, std::string> want, got;
  for (const auto& [key, text] : f.metadata())
    if (key.rfind("sched_", 0) == 0) want[key] = text;
  for (const auto& [name, cfg] : schedulers()) {
    std::string stext, otext;
    run_scheduler(name, f.inputs("sched_" + name), &stext, &otext);
    got["sched_state_" + name] = stext;
    got["sched_groups_" + name] = otext;
  }
  ember::testing::expect_texts(want, got);
}

TEST(Parity, OptimErrors) {
  using namespace optim;
  using ember::testing::error_text;
  ParityFile f("optim");
  std::map<std::string, std::string> want, got;
  for (const auto& [key, text] : f.metadata())
    if (key.rfind("error_", 0) == 0) want[key] = text;
  Tensor p = zeros({2}).requires_grad_(true), q = zeros({3}).requires_grad_(true);
  auto sgd = [&] {
    return std::make_unique<SGD>(std::vector<Tensor>{p}, SGDOptions{.lr = 0.1, .momentum = 0.9});
  };
  using V = std::vector<Tensor>;
  std::map<std::string, std::function<void()>> fns = {
      {"sgd_lr", [&] { SGD(V{p}, {.lr = -1}); }},
      {"sgd_required", [&] { SGD(V{p}); }},
      {"sgd_momentum", [&] { SGD(V{p}, {.lr = 0.1, .momentum = -0.5}); }},
      {"sgd_wd", [&] { SGD(V{p}, {.lr = 0.1, .weight_decay = -0.25}); }},
      {"sgd_nesterov", [&] { SGD(V{p}, {.lr = 0.1, .nesterov = true}); }},
      {"adam_beta0",
       [&] {
         Adam(V{p}, {.betas = {1.0, 0.9}});
       }},
      {"adam_beta1",
       [&] {
         Adam(V{p}, {.betas = {0.9, -0.5}});
       }},
      {"adamw_eps", [&] { AdamW(V{p}, {.eps = -1e-8}); }},
      {"adadelta_rho", [&] { Adadelta(V{p}, {.rho = 1.5}); }},
      {"adagrad_lr_decay", [&] { Adagrad(V{p}, {.lr_decay = -0.5}); }},
      {"adagrad_init", [&] { Adagrad(V{p}, {.initial_accumulator_value = -1}); }},
      {"rmsprop_alpha", [&] { RMSprop(V{p}, {.alpha = -0.1}); }},
      {"empty", [&] { SGD(V{}, {.lr = 0.1}); }},
      {"nonleaf", [&] { Adam(V{p * 2.0}); }},
      {"duplicate",
       [&] {
         SGD(V{p}, {.lr = 0.1}).add_param_group(ParamGroup({q, p}));
       }},
      {"load_groups",
       [&] {
         auto two = Adam(Groups{ParamGroup({p}), ParamGroup({q})}).state_dict();
         Adam(V{p, q}).load_state_dict(two);
       }},
      {"load_sizes",
       [&] {
         auto two = Adam(Groups{ParamGroup({p}), ParamGroup({q})}).state_dict();
         Adam(Groups{ParamGroup({p, q}), ParamGroup({zeros({1}).requires_grad_(true)})})
             .load_state_dict(two);
       }},
      {"linear_start", [&] { LinearLR(*sgd(), 1.5); }},
      {"linear_end", [&] { LinearLR(*sgd(), 1.0 / 3, -0.5); }},
      {"resume", [&] { ExponentialLR(*sgd(), 0.9, 3); }},
      {"onecycle_none", [&] { OneCycleLR(*sgd(), 1.0); }},
      {"onecycle_total", [&] { OneCycleLR(*sgd(), 1.0, {.total_steps = 0}); }},
      {"onecycle_pct", [&] { OneCycleLR(*sgd(), 1.0, {.total_steps = 5, .pct_start = 1.5}); }},
      {"onecycle_momentum",
       [&] { OneCycleLR(*std::make_unique<Adadelta>(V{p}), 1.0, {.total_steps = 5}); }},
      {"onecycle_overstep",
       [&] {
         auto o = sgd();
         OneCycleLR s(*o, 1.0, {.total_steps = 3});
         for (int i = 0; i < 4; ++i) s.step();
       }},
      {"sequential_count",
       [&] {
         auto o = sgd();
         SequentialLR(*o, {std::make_shared<ExponentialLR>(*o, 0.9)}, {2});
       }},
      {"plateau_factor", [&] { ReduceLROnPlateau(*sgd(), {.factor = 1.0}); }},
      {"plateau_mode", [&] { ReduceLROnPlateau(*sgd(), {.mode = "mid"}); }},
  };
  for (const auto& [name, fn] : fns) got["error_" + name] = error_text(fn);
  ember::testing::expect_texts(want, got);
}

}  // namespace
