#pragma once
// torch.optim.lr_scheduler (PyTorch 1.13): LambdaLR, StepLR, MultiStepLR,
// ExponentialLR, LinearLR, CosineAnnealingLR, OneCycleLR, SequentialLR and
// ReduceLROnPlateau, with torch's recursive get_lr forms (and the closed forms
// that step(epoch) and SequentialLR use), get_last_lr and state_dicts.
//
// A scheduler holds a reference to its optimizer, which must outlive it. As in
// torch, constructing one sets each group's "initial_lr" (and OneCycleLR's
// max_lr/min_lr/momentum entries) and takes the first step.
//
// state_dict(): a SchedulerState whose `values` hold torch's state_dict entries
// in torch's order (ints and floats as doubles, lists as tuples, strings as
// strings; MultiStepLR's Counter of milestones as its sorted elements;
// OneCycleLR's _schedule_phases as the list of end steps). What is code in
// torch is left out: LambdaLR's lr_lambdas (torch saves None for functions)
// and OneCycleLR's anneal_func (kept as anneal_strategy-derived state,
// restored from the constructor). SequentialLR's _schedulers are `children`.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember::optim {

struct SchedulerState {
  Options values;
  std::vector<SchedulerState> children;
};

// "key=repr" lines (children indented as "_schedulers[i].key=..."), for comparing with torch.
std::string to_text(const SchedulerState& s);

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  const std::vector<double>& get_last_lr() const { return last_lr_; }
  // One step with torch's recursive form.
  virtual void step();
  // Deprecated in torch: jumps to `epoch` with the closed form where the
  // scheduler has one (else get_lr).
  void step(int64_t epoch);

  virtual SchedulerState state_dict() const;
  // ValueError if an entry ember needs is missing (leaving the scheduler unchanged).
  virtual void load_state_dict(const SchedulerState& s);

  Optimizer& optimizer() const { return *optimizer_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

 protected:
  // KeyError (torch's message) when resuming (last_epoch != -1) without initial_lr.
  LRScheduler(Optimizer& optimizer, int64_t last_epoch);
  // SequentialLR's: attaches to the optimizer without touching its groups.
  explicit LRScheduler(Optimizer& optimizer) : optimizer_(&optimizer), last_epoch_(0) {}
  // The first step (torch's _initial_step); call at the end of the subclass constructor.
  void initial_step();
  virtual std::vector<double> get_lr() = 0;
  virtual std::optional<std::vector<double>> closed_form_lr() { return std::nullopt; }
  // The subclass's own state_dict entries, which torch puts before the base's.
  virtual void save_head(Options&) const {}
  virtual void load_head(const Options&) {}
  std::vector<double> group_lrs() const;
  friend class SequentialLR;

  Optimizer* optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t)>;
  // One lambda for every group, or one per group (ValueError "Expected 2 lr_lambdas, but got 1").
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::vector<Lambda> lambdas_;
};

class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void save_head(Options& o) const override;
  void load_head(const Options& o) override;
  int64_t step_size_;
  double gamma_;
};

class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1,
              int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void save_head(Options& o) const override;
  void load_head(const Options& o) override;
  std::vector<int64_t> milestones_;  // sorted, with multiplicity (torch's Counter)
  double gamma_;
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void save_head(Options& o) const override;
  void load_head(const Options& o) override;
  double gamma_;
};

class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void save_head(Options& o) const override;
  void load_head(const Options& o) override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0,
                    int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  void save_head(Options& o) const override;
  void load_head(const Options& o) override;
  int64_t T_max_;
  double eta_min_;
};

struct OneCycleLROptions {
  std::optional<int64_t> total_steps{}, epochs{}, steps_per_epoch{};
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";
  bool cycle_momentum = true;
  double base_momentum = 0.85, max_momentum = 0.95, div_factor = 25., final_div_factor = 1e4;
  bool three_phase = false;
  int64_t last_epoch = -1;
};
class OneCycleLR : public LRScheduler {
 public:
  // max_lr: one value for all groups or one per group.
  OneCycleLR(Optimizer& optimizer, std::vector<double> max_lr, const OneCycleLROptions& o = {});
  OneCycleLR(Optimizer& optimizer, double max_lr, const OneCycleLROptions& o = {});

 protected:
  struct Plan {  // validated before any group changes
    int64_t total_steps;
    std::vector<double> phase_end;
    bool use_beta1;
  };
  OneCycleLR(Plan plan, Optimizer& optimizer, const OneCycleLROptions& o);
  std::vector<double> get_lr() override;
  void save_head(Options& o) const override;
  void load_head(const Options& o) override;
  int64_t total_steps_;
  std::vector<double> phase_end_;
  bool cos_, cycle_momentum_, use_beta1_ = false;
};

class SequentialLR : public LRScheduler {
 public:
  // The schedulers are shared with the caller; all must use `optimizer`.
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones, int64_t last_epoch = -1);
  void step() override;
  SchedulerState state_dict() const override;
  void load_state_dict(const SchedulerState& s) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

struct ReduceLROnPlateauOptions {
  std::string mode = "min";
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  std::string threshold_mode = "rel";
  int64_t cooldown = 0;
  std::vector<double> min_lr = {0};  // one value for all groups, or one per group
  double eps = 1e-8;
};
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& o = {});
  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  SchedulerState state_dict() const;
  void load_state_dict(const SchedulerState& s);
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  int64_t last_epoch() const { return last_epoch_; }

 private:
  bool is_better(double a, double best) const;
  Optimizer* optimizer_;
  double factor_;
  std::vector<double> min_lrs_;
  int64_t patience_, cooldown_, cooldown_counter_ = 0;
  std::string mode_;
  double threshold_;
  std::string threshold_mode_;
  double best_, mode_worse_;
  int64_t num_bad_epochs_ = 0;
  double eps_;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace ember::optim
