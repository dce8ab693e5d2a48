// torch.optim.lr_scheduler of PyTorch 1.13 (see lr_scheduler.h).
#include "ember/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "ember/core/error.h"
#include "nn/modules/py_format.h"

namespace ember::optim {

using nn::detail::py_number;

namespace {

double num(const Options& o, const std::string& key) {
  const OptionValue* v = o.find(key);
  EMBER_CHECK(v && std::holds_alternative<double>(*v), ValueError,
              "scheduler state_dict has no number '", key, "'");
  return std::get<double>(*v);
}
std::vector<double> list(const Options& o, const std::string& key) {
  const OptionValue* v = o.find(key);
  EMBER_CHECK(v && std::holds_alternative<std::vector<double>>(*v), ValueError,
              "scheduler state_dict has no list '", key, "'");
  return std::get<std::vector<double>>(*v);
}
bool flag(const Options& o, const std::string& key) {
  const OptionValue* v = o.find(key);
  EMBER_CHECK(v && std::holds_alternative<bool>(*v), ValueError,
              "scheduler state_dict has no bool '", key, "'");
  return std::get<bool>(*v);
}
std::string str(const Options& o, const std::string& key) {
  const OptionValue* v = o.find(key);
  EMBER_CHECK(v && std::holds_alternative<std::string>(*v), ValueError,
              "scheduler state_dict has no string '", key, "'");
  return std::get<std::string>(*v);
}
double d(int64_t v) { return static_cast<double>(v); }
int64_t i64(double v) { return static_cast<int64_t>(v); }

void text_into(const SchedulerState& s, const std::string& prefix, std::string& out) {
  for (const auto& [k, v] : s.values) out += prefix + k + "=" + repr(v) + "\n";
  for (size_t i = 0; i < s.children.size(); ++i)
    text_into(s.children[i], prefix + "_schedulers[" + std::to_string(i) + "].", out);
}

}  // namespace

std::string to_text(const SchedulerState& s) {
  std::string out;
  text_into(s, "", out);
  return out;
}

// ---------------------------------------------------------------- LRScheduler

LRScheduler::LRScheduler(Optimizer& optimizer, int64_t last_epoch)
    : optimizer_(&optimizer), last_epoch_(last_epoch) {
  auto& groups = optimizer.param_groups();
  if (last_epoch != -1)
    for (size_t i = 0; i < groups.size(); ++i)
      EMBER_CHECK(groups[i].options.contains("initial_lr"), KeyError,
                  "param 'initial_lr' is not specified in param_groups[", i,
                  "] when resuming an optimizer");
  if (last_epoch == -1)
    for (auto& g : groups)
      if (!g.options.contains("initial_lr")) g.options.insert("initial_lr", g.number("lr"));
  for (const auto& g : groups) base_lrs_.push_back(g.number("initial_lr"));
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const auto& g : optimizer_->param_groups()) lrs.push_back(g.number("lr"));
  return lrs;
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  const int64_t saved_epoch = last_epoch_, saved_count = step_count_;
  ++step_count_;
  ++last_epoch_;
  std::vector<double> values;
  try {
    values = get_lr();
  } catch (...) {
    last_epoch_ = saved_epoch;
    step_count_ = saved_count;
    throw;
  }
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size() && i < values.size(); ++i)
    groups[i].options.insert("lr", values[i]);
  last_lr_ = group_lrs();
}

void LRScheduler::step(int64_t epoch) {
  const int64_t saved_epoch = last_epoch_, saved_count = step_count_;
  ++step_count_;
  last_epoch_ = epoch;
  std::vector<double> values;
  try {
    auto closed = closed_form_lr();
    values = closed ? *closed : get_lr();
  } catch (...) {
    last_epoch_ = saved_epoch;
    step_count_ = saved_count;
    throw;
  }
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size() && i < values.size(); ++i)
    groups[i].options.insert("lr", values[i]);
  last_lr_ = group_lrs();
}

SchedulerState LRScheduler::state_dict() const {
  SchedulerState s;
  save_head(s.values);
  s.values.insert("base_lrs", base_lrs_);
  s.values.insert("last_epoch", d(last_epoch_));
  s.values.insert("verbose", false);
  s.values.insert("_step_count", d(step_count_));
  s.values.insert("_get_lr_called_within_step", false);
  s.values.insert("_last_lr", last_lr_);
  return s;
}

void LRScheduler::load_state_dict(const SchedulerState& s) {
  const auto base = list(s.values, "base_lrs");
  const double epoch = num(s.values, "last_epoch"), count = num(s.values, "_step_count");
  const auto last = list(s.values, "_last_lr");
  load_head(s.values);  // validates its own entries before changing anything
  base_lrs_ = base;
  last_epoch_ = i64(epoch);
  step_count_ = i64(count);
  last_lr_ = last;
}

// ---------------------------------------------------------------- LambdaLR

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda),
               last_epoch) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch)
    : LRScheduler(
          [&]() -> Optimizer& {
            EMBER_CHECK(lr_lambdas.size() == optimizer.param_groups().size(), ValueError,
                        "Expected ", optimizer.param_groups().size(), " lr_lambdas, but got ",
                        lr_lambdas.size());
            return optimizer;
          }(),
          last_epoch),
      lambdas_(std::move(lr_lambdas)) {
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    lrs.push_back(base_lrs_[i] * lambdas_[i](last_epoch_));
  return lrs;
}

// ---------------------------------------------------------------- StepLR

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), step_size_(step_size), gamma_(gamma) {
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (auto& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() {
  std::vector<double> lrs;
  const int64_t k =
      last_epoch_ >= 0 ? last_epoch_ / step_size_ : -((-last_epoch_ + step_size_ - 1) / step_size_);
  for (double b : base_lrs_) lrs.push_back(b * std::pow(gamma_, d(k)));
  return lrs;
}

void StepLR::save_head(Options& o) const {
  o.insert("step_size", d(step_size_));
  o.insert("gamma", gamma_);
}
void StepLR::load_head(const Options& o) {
  const double s = num(o, "step_size"), g = num(o, "gamma");
  step_size_ = i64(s);
  gamma_ = g;
}

// ---------------------------------------------------------------- MultiStepLR

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma,
                         int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  auto lrs = group_lrs();
  const auto count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (count == 0) return lrs;
  for (auto& lr : lrs) lr *= std::pow(gamma_, d(count));
  return lrs;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() {
  const auto k =
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> lrs;
  for (double b : base_lrs_) lrs.push_back(b * std::pow(gamma_, d(k)));
  return lrs;
}

void MultiStepLR::save_head(Options& o) const {
  std::vector<double> m(milestones_.begin(), milestones_.end());
  o.insert("milestones", m);
  o.insert("gamma", gamma_);
}
void MultiStepLR::load_head(const Options& o) {
  const auto m = list(o, "milestones");
  const double g = num(o, "gamma");
  milestones_.clear();
  for (double v : m) milestones_.push_back(i64(v));
  std::sort(milestones_.begin(), milestones_.end());
  gamma_ = g;
}

// ---------------------------------------------------------------- ExponentialLR

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (auto& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double b : base_lrs_) lrs.push_back(b * std::pow(gamma_, d(last_epoch_)));
  return lrs;
}

void ExponentialLR::save_head(Options& o) const { o.insert("gamma", gamma_); }
void ExponentialLR::load_head(const Options& o) { gamma_ = num(o, "gamma"); }

// ---------------------------------------------------------------- LinearLR

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters, int64_t last_epoch)
    : LRScheduler(
          [&]() -> Optimizer& {
            EMBER_CHECK(!(start_factor > 1.0 || start_factor < 0), ValueError,
                        "Starting multiplicative factor expected to be between 0 and 1.");
            EMBER_CHECK(!(end_factor > 1.0 || end_factor < 0), ValueError,
                        "Ending multiplicative factor expected to be between 0 and 1.");
            return optimizer;
          }(),
          last_epoch),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (auto& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  for (auto& lr : lrs)
    lr *=
        (1. + (end_factor_ - start_factor_) / (d(total_iters_) * start_factor_ +
                                               d(last_epoch_ - 1) * (end_factor_ - start_factor_)));
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() {
  std::vector<double> lrs;
  for (double b : base_lrs_)
    lrs.push_back(b *
                  (start_factor_ + (end_factor_ - start_factor_) *
                                       d(std::min(total_iters_, last_epoch_)) / d(total_iters_)));
  return lrs;
}

void LinearLR::save_head(Options& o) const {
  o.insert("start_factor", start_factor_);
  o.insert("end_factor", end_factor_);
  o.insert("total_iters", d(total_iters_));
}
void LinearLR::load_head(const Options& o) {
  const double s = num(o, "start_factor"), e = num(o, "end_factor"), t = num(o, "total_iters");
  start_factor_ = s;
  end_factor_ = e;
  total_iters_ = i64(t);
}

// ---------------------------------------------------------------- CosineAnnealingLR

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min,
                                     int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), T_max_(T_max), eta_min_(eta_min) {
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  constexpr double pi = std::numbers::pi;
  auto lrs = group_lrs();
  const double T = d(T_max_), e = d(last_epoch_);
  if (last_epoch_ == 0) return lrs;
  if (step_count_ == 1 && last_epoch_ > 0) {
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(e * pi / T)) / 2;
    return lrs;
  }
  const int64_t period = 2 * T_max_;
  const int64_t r = ((last_epoch_ - 1 - T_max_) % period + period) % period;  // Python's %
  if (r == 0) {
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(pi / T)) / 2;
    return lrs;
  }
  for (auto& lr : lrs)
    lr = (1 + std::cos(pi * e / T)) / (1 + std::cos(pi * (e - 1) / T)) * (lr - eta_min_) + eta_min_;
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() {
  constexpr double pi = std::numbers::pi;
  std::vector<double> lrs;
  for (double b : base_lrs_)
    lrs.push_back(eta_min_ + (b - eta_min_) * (1 + std::cos(pi * d(last_epoch_) / d(T_max_))) / 2);
  return lrs;
}

void CosineAnnealingLR::save_head(Options& o) const {
  o.insert("T_max", d(T_max_));
  o.insert("eta_min", eta_min_);
}
void CosineAnnealingLR::load_head(const Options& o) {
  const double t = num(o, "T_max"), e = num(o, "eta_min");
  T_max_ = i64(t);
  eta_min_ = e;
}

// ---------------------------------------------------------------- OneCycleLR

namespace {
struct OneCyclePlan {
  int64_t total;
  std::vector<double> ends;
  bool use_beta1;
};
OneCyclePlan prepare_one_cycle(Optimizer& optimizer, const std::vector<double>& max_lr_in,
                               const OneCycleLROptions& o) {
  int64_t total = 0;
  std::vector<double> ends;
  bool use_beta1 = false;
  auto& groups = optimizer.param_groups();
  const size_t n = groups.size();
  if (!o.total_steps && !o.epochs && !o.steps_per_epoch)
    throw ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)");
  if (o.total_steps) {
    EMBER_CHECK(*o.total_steps > 0, ValueError, "Expected positive integer total_steps, but got ",
                *o.total_steps);
    total = *o.total_steps;
  } else {
    EMBER_CHECK(o.epochs && *o.epochs > 0, ValueError, "Expected positive integer epochs, but got ",
                o.epochs ? std::to_string(*o.epochs) : "None");
    EMBER_CHECK(o.steps_per_epoch && *o.steps_per_epoch > 0, ValueError,
                "Expected positive integer steps_per_epoch, but got ",
                o.steps_per_epoch ? std::to_string(*o.steps_per_epoch) : "None");
    total = *o.epochs * *o.steps_per_epoch;
  }
  const double T = d(total);
  if (o.three_phase)
    ends = {o.pct_start * T - 1, 2 * o.pct_start * T - 2, T - 1};
  else
    ends = {o.pct_start * T - 1, T - 1};
  EMBER_CHECK(!(o.pct_start < 0 || o.pct_start > 1), ValueError,
              "Expected float between 0 and 1 pct_start, but got ", py_number(o.pct_start));
  EMBER_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear", ValueError,
              "anneal_strategy must by one of 'cos' or 'linear', instead got ", o.anneal_strategy);
  EMBER_CHECK(max_lr_in.size() == 1 || max_lr_in.size() == n, ValueError, "expected ", n,
              " values for max_lr, got ", max_lr_in.size());
  if (o.cycle_momentum) {
    EMBER_CHECK(optimizer.defaults().contains("momentum") || optimizer.defaults().contains("betas"),
                ValueError, "optimizer must support momentum with `cycle_momentum` option enabled");
    use_beta1 = optimizer.defaults().contains("betas");
  }
  // everything is valid: now change the groups
  for (size_t i = 0; i < n; ++i) {
    const double max_lr = max_lr_in.size() == 1 ? max_lr_in[0] : max_lr_in[i];
    if (o.last_epoch == -1) {
      groups[i].options.insert("initial_lr", max_lr / o.div_factor);
      groups[i].options.insert("max_lr", max_lr);
      groups[i].options.insert("min_lr", max_lr / o.div_factor / o.final_div_factor);
    }
  }
  if (o.cycle_momentum && o.last_epoch == -1) {
    for (auto& g : groups) {
      if (use_beta1) {
        auto betas = g.tuple("betas");
        betas[0] = o.max_momentum;
        g.options.insert("betas", betas);
      } else {
        g.options.insert("momentum", o.max_momentum);
      }
      g.options.insert("max_momentum", o.max_momentum);
      g.options.insert("base_momentum", o.base_momentum);
    }
  }
  return {total, ends, use_beta1};
}
}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, const OneCycleLROptions& o)
    : OneCycleLR(optimizer, std::vector<double>{max_lr}, o) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, std::vector<double> max_lr, const OneCycleLROptions& o)
    : OneCycleLR(
          [&] {
            auto p = prepare_one_cycle(optimizer, max_lr, o);
            return Plan{p.total, p.ends, p.use_beta1};
          }(),
          optimizer, o) {}

OneCycleLR::OneCycleLR(Plan plan, Optimizer& optimizer, const OneCycleLROptions& o)
    : LRScheduler(optimizer, o.last_epoch),
      total_steps_(plan.total_steps),
      phase_end_(std::move(plan.phase_end)),
      cos_(o.anneal_strategy == "cos"),
      cycle_momentum_(o.cycle_momentum),
      use_beta1_(plan.use_beta1) {
  initial_step();
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  EMBER_CHECK(step_num <= total_steps_, ValueError, "Tried to step ", step_num + 1,
              " times. The specified number of total steps is ", total_steps_);
  auto anneal = [&](double start, double end, double pct) {
    if (cos_) return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
    return (end - start) * pct + start;
  };
  const bool three = phase_end_.size() == 3;
  // (start_lr, end_lr, start_momentum, end_momentum) per phase, as torch's _schedule_phases
  static const char* two[2][4] = {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                                  {"max_lr", "min_lr", "base_momentum", "max_momentum"}};
  static const char* thr[3][4] = {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                                  {"max_lr", "initial_lr", "base_momentum", "max_momentum"},
                                  {"initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  std::vector<double> lrs;
  std::vector<double> momenta;
  auto& groups = optimizer_->param_groups();
  for (auto& g : groups) {
    double start_step = 0, lr = 0, mom = 0;
    for (size_t i = 0; i < phase_end_.size(); ++i) {
      const double end_step = phase_end_[i];
      if (d(step_num) <= end_step || i == phase_end_.size() - 1) {
        const double pct = (d(step_num) - start_step) / (end_step - start_step);
        const char* const* names = three ? thr[i] : two[i];
        lr = anneal(g.number(names[0]), g.number(names[1]), pct);
        if (cycle_momentum_) mom = anneal(g.number(names[2]), g.number(names[3]), pct);
        break;
      }
      start_step = phase_end_[i];
    }
    lrs.push_back(lr);
    momenta.push_back(mom);
  }
  if (cycle_momentum_) {
    for (size_t i = 0; i < groups.size(); ++i) {
      if (use_beta1_) {
        auto betas = groups[i].tuple("betas");
        betas[0] = momenta[i];
        groups[i].options.insert("betas", betas);
      } else {
        groups[i].options.insert("momentum", momenta[i]);
      }
    }
  }
  return lrs;
}

void OneCycleLR::save_head(Options& o) const {
  o.insert("total_steps", d(total_steps_));
  o.insert("_schedule_phases", phase_end_);
  o.insert("cycle_momentum", cycle_momentum_);
  o.insert("use_beta1", use_beta1_);
}
void OneCycleLR::load_head(const Options& o) {
  const double t = num(o, "total_steps");
  const auto ends = list(o, "_schedule_phases");
  EMBER_CHECK(ends.size() == 2 || ends.size() == 3, ValueError,
              "OneCycleLR state_dict: _schedule_phases must hold 2 or 3 phases");
  const bool c = flag(o, "cycle_momentum"), b = flag(o, "use_beta1");
  total_steps_ = i64(t);
  phase_end_ = ends;
  cycle_momentum_ = c;
  use_beta1_ = b;
}

// ---------------------------------------------------------------- SequentialLR

SequentialLR::SequentialLR(Optimizer& optimizer,
                           std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones, int64_t last_epoch)
    : LRScheduler(optimizer),
      schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  EMBER_CHECK(!schedulers_.empty(), ValueError, "SequentialLR needs at least one scheduler");
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    EMBER_CHECK(schedulers_[i] && &schedulers_[i]->optimizer() == &optimizer, ValueError,
                "Sequential Schedulers expects all schedulers to belong to the same optimizer, but "
                "got schedulers at index ",
                i, " to be different than the optimizer passed in.");
  }
  EMBER_CHECK(milestones_.size() == schedulers_.size() - 1, ValueError,
              "Sequential Schedulers expects number of schedulers provided to be one more than the "
              "number of milestone points, but got number of schedulers ",
              schedulers_.size(), " and the number of milestones to be equal to ",
              milestones_.size());
  for (auto& g : optimizer.param_groups())
    EMBER_CHECK(g.options.contains("initial_lr"), KeyError, "'initial_lr'");
  last_epoch_ = last_epoch + 1;
  for (auto& g : optimizer.param_groups()) g.options.insert("lr", g.number("initial_lr"));
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++last_epoch_;
  const size_t idx = static_cast<size_t>(
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
  auto& s = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_)
    s.step(0);
  else
    s.step();
  last_lr_ = s.get_last_lr();
}

SchedulerState SequentialLR::state_dict() const {
  SchedulerState st;
  std::vector<double> m(milestones_.begin(), milestones_.end());
  st.values.insert("_milestones", m);
  st.values.insert("last_epoch", d(last_epoch_));
  st.values.insert("_last_lr", last_lr_);
  for (const auto& s : schedulers_) st.children.push_back(s->state_dict());
  return st;
}

void SequentialLR::load_state_dict(const SchedulerState& st) {
  const auto m = list(st.values, "_milestones");
  const double e = num(st.values, "last_epoch");
  const auto last = list(st.values, "_last_lr");
  EMBER_CHECK(st.children.size() == schedulers_.size(), ValueError, "expected ", schedulers_.size(),
              " scheduler states, got ", st.children.size());
  milestones_.clear();
  for (double v : m) milestones_.push_back(i64(v));
  last_epoch_ = i64(e);
  last_lr_ = last;
  for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(st.children[i]);
}

// ---------------------------------------------------------------- ReduceLROnPlateau

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& o)
    : optimizer_(&optimizer) {
  EMBER_CHECK(o.factor < 1.0, ValueError, "Factor should be < 1.0.");
  const size_t n = optimizer.param_groups().size();
  EMBER_CHECK(o.min_lr.size() == 1 || o.min_lr.size() == n, ValueError, "expected ", n,
              " min_lrs, got ", o.min_lr.size());
  EMBER_CHECK(o.mode == "min" || o.mode == "max", ValueError, "mode ", o.mode, " is unknown!");
  EMBER_CHECK(o.threshold_mode == "rel" || o.threshold_mode == "abs", ValueError, "threshold mode ",
              o.threshold_mode, " is unknown!");
  factor_ = o.factor;
  min_lrs_ = o.min_lr.size() == n ? o.min_lr : std::vector<double>(n, o.min_lr[0]);
  patience_ = o.patience;
  cooldown_ = o.cooldown;
  mode_ = o.mode;
  threshold_ = o.threshold;
  threshold_mode_ = o.threshold_mode;
  eps_ = o.eps;
  constexpr double inf = std::numeric_limits<double>::infinity();
  mode_worse_ = mode_ == "min" ? inf : -inf;
  best_ = mode_worse_;
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (mode_ == "min" && threshold_mode_ == "rel") return a < best * (1. - threshold_);
  if (mode_ == "min") return a < best - threshold_;
  if (threshold_mode_ == "rel") return a > best * (threshold_ + 1.);
  return a > best + threshold_;
}

void ReduceLROnPlateau::step(double current) {
  last_epoch_ += 1;
  if (is_better(current, best_)) {
    best_ = current;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;
  }
  auto& groups = optimizer_->param_groups();
  if (num_bad_epochs_ > patience_) {
    for (size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].number("lr");
      const double new_lr = std::max(old_lr * factor_, min_lrs_[i]);
      if (old_lr - new_lr > eps_) groups[i].options.insert("lr", new_lr);
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& g : groups) last_lr_.push_back(g.number("lr"));
}

SchedulerState ReduceLROnPlateau::state_dict() const {
  SchedulerState s;
  auto& v = s.values;
  v.insert("factor", factor_);
  v.insert("min_lrs", min_lrs_);
  v.insert("patience", d(patience_));
  v.insert("verbose", false);
  v.insert("cooldown", d(cooldown_));
  v.insert("cooldown_counter", d(cooldown_counter_));
  v.insert("mode", mode_);
  v.insert("threshold", threshold_);
  v.insert("threshold_mode", threshold_mode_);
  v.insert("best", best_);
  v.insert("num_bad_epochs", d(num_bad_epochs_));
  v.insert("mode_worse", mode_worse_);
  v.insert("eps", eps_);
  v.insert("last_epoch", d(last_epoch_));
  if (!last_lr_.empty()) v.insert("_last_lr", last_lr_);
  return s;
}

void ReduceLROnPlateau::load_state_dict(const SchedulerState& s) {
  const auto& v = s.values;
  const double factor = num(v, "factor");
  const auto min_lrs = list(v, "min_lrs");
  const double patience = num(v, "patience"), cooldown = num(v, "cooldown"),
               counter = num(v, "cooldown_counter"), threshold = num(v, "threshold"),
               best = num(v, "best"), bad = num(v, "num_bad_epochs"), eps = num(v, "eps"),
               epoch = num(v, "last_epoch");
  const std::string mode = str(v, "mode"), tmode = str(v, "threshold_mode");
  EMBER_CHECK(mode == "min" || mode == "max", ValueError, "mode ", mode, " is unknown!");
  EMBER_CHECK(tmode == "rel" || tmode == "abs", ValueError, "threshold mode ", tmode,
              " is unknown!");
  factor_ = factor;
  min_lrs_ = min_lrs;
  patience_ = i64(patience);
  cooldown_ = i64(cooldown);
  cooldown_counter_ = i64(counter);
  threshold_ = threshold;
  best_ = best;
  num_bad_epochs_ = i64(bad);
  eps_ = eps;
  last_epoch_ = i64(epoch);
  mode_ = mode;
  threshold_mode_ = tmode;
  constexpr double inf = std::numeric_limits<double>::infinity();
  mode_worse_ = mode_ == "min" ? inf : -inf;
  if (v.contains("_last_lr")) last_lr_ = list(v, "_last_lr");
}

}  // namespace ember::optim
