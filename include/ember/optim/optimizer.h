#pragma once
// torch.optim: Optimizer (param_groups, add_param_group, zero_grad, step,
// state_dict/load_state_dict) and SGD, Adam, AdamW, Adadelta, Adagrad, RMSprop
// with PyTorch 1.13's semantics (defaults, error messages, state layout).
//
// Group options are an OrderedDict<OptionValue> in the order of torch's
// `defaults` dict, holding every key torch's groups hold (also foreach,
// differentiable, capturable, fused, which ember accepts and ignores), so a
// group prints and saves as torch's. Numbers are doubles: torch's integer
// defaults (momentum=0, weight_decay=0 ...) are the same values as floats.
//
// Per-parameter state is an OrderedDict<Tensor> with torch's keys in torch's
// order ("step", "exp_avg", ...). Python numbers in torch's state become 0-dim
// tensors: Adam/AdamW/Adagrad's step is a float32 tensor as in torch, the
// integer step of Adadelta/RMSprop an int64 one; torch's None (SGD's
// momentum_buffer without momentum) is an undefined Tensor. State buffers
// have the parameter's shape, dtype and memory format (torch's
// zeros_like(p, memory_format=torch.preserve_format)); a step updates dense
// parameters (contiguous or channels_last) in place, bumping their version,
// and brings buffers loaded with other strides to the parameter's.
//
// state_dict() gives an OptimizerStateDict: `state` as a list of (parameter
// index, state) in torch's order (indices count the parameters of all groups
// in order) and `param_groups` as (options, index list): plain tensors,
// numbers and strings, so that it can be saved (e.g. as a .pt file).
//
// Each step is one fused pass per group: the elements of all its parameters
// (in memory order) are split across threads and every element is updated once, with torch's
// arithmetic (same order of operations, in the parameter's dtype). float32 and
// float64 parameters; params whose grad is undefined are skipped.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"

namespace ember::optim {

// torch.optim.optimizer.required: an option a group must give (SGD's lr).
struct Required {
  bool operator==(const Required&) const = default;
};
// None, a bool, a number, a tuple of numbers (betas), a string or `required`.
using OptionValue =
    std::variant<std::monostate, bool, double, std::vector<double>, std::string, Required>;
using Options = OrderedDict<OptionValue>;

// Python's repr of an option value: None, True, 0.9, (0.9, 0.999), 'min',
// <required parameter>.
std::string repr(const OptionValue& v);

struct ParamGroup {
  std::vector<Tensor> params;
  Options options;  // missing options take the optimizer's defaults

  ParamGroup() = default;
  ParamGroup(std::vector<Tensor> p, Options o = {}) : params(std::move(p)), options(std::move(o)) {}

  double number(const std::string& name) const;
  bool flag(const std::string& name) const;
  std::vector<double> tuple(const std::string& name) const;
};

struct OptimizerStateDict {
  std::vector<std::pair<int64_t, OrderedDict<Tensor>>> state;
  struct Group {
    Options options;              // every option but params, in torch's order
    std::vector<int64_t> params;  // parameter indices
  };
  std::vector<Group> param_groups;
};

// The state_dict as text, one line per entry, for comparing with torch:
// "state <index> <key> <shape or None>" and "group <i> <key>=<repr>" ... "params=[0, 1]".
std::string to_text(const OptimizerStateDict& sd);

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // torch.optim.Optimizer.add_param_group: fills the group's missing options
  // from the defaults; ValueError for a missing required option, a non-leaf
  // tensor or a parameter already in another group.
  void add_param_group(ParamGroup group);

  // Sets the grads to undefined (set_to_none) or detaches and zeroes them.
  void zero_grad(bool set_to_none = true);

  // One optimisation step (under NoGradGuard).
  void step();
  // The closure is called with grad mode enabled; returns its loss.
  Tensor step(const std::function<Tensor()>& closure);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }

  // The state of p (empty if it has none yet).
  OrderedDict<Tensor>& state(const Tensor& p);
  bool has_state(const Tensor& p) const;

  OptimizerStateDict state_dict() const;
  // ValueError (torch's messages) when the number of groups or of their params
  // differs, before anything changes. Tensors are copied, floating ones (but
  // "step") cast to their parameter's dtype; the groups take the saved options.
  void load_state_dict(const OptimizerStateDict& sd);

 protected:
  Optimizer(std::vector<ParamGroup> groups, Options defaults);
  // One group's update; grads are defined for the params it receives.
  virtual void step_group(ParamGroup& group) = 0;

  std::vector<ParamGroup> groups_;
  Options defaults_;
  // Insertion-ordered state, as torch's defaultdict.
  std::vector<std::pair<Tensor, OrderedDict<Tensor>>> state_;
  std::unordered_map<const void*, size_t> state_index_;
};

// Shorthand: one group of params (none for an empty list: "optimizer got an
// empty parameter list", as torch.optim.SGD([], lr=0.1)).
inline std::vector<ParamGroup> one_group(std::vector<Tensor> params) {
  if (params.empty()) return {};
  return {ParamGroup(std::move(params))};
}

struct SGDOptions {
  std::optional<double> lr{};  // required
  double momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
};
class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& o = {});
  SGD(std::vector<Tensor> params, const SGDOptions& o = {})
      : SGD(one_group(std::move(params)), o) {}

 protected:
  void step_group(ParamGroup& group) override;
};

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8, weight_decay = 0;
  bool amsgrad = false, maximize = false;
};
class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& o = {});
  Adam(std::vector<Tensor> params, const AdamOptions& o = {})
      : Adam(one_group(std::move(params)), o) {}

 protected:
  Adam(std::vector<ParamGroup> groups, Options defaults, bool decoupled);
  void step_group(ParamGroup& group) override;
  bool decoupled_;
};

struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8, weight_decay = 1e-2;
  bool amsgrad = false, maximize = false;
};
class AdamW : public Adam {
 public:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& o = {});
  AdamW(std::vector<Tensor> params, const AdamWOptions& o = {})
      : AdamW(one_group(std::move(params)), o) {}
};

struct AdadeltaOptions {
  double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0;
  bool maximize = false;
};
class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<ParamGroup> groups, const AdadeltaOptions& o = {});
  Adadelta(std::vector<Tensor> params, const AdadeltaOptions& o = {})
      : Adadelta(one_group(std::move(params)), o) {}

 protected:
  void step_group(ParamGroup& group) override;
};

struct AdagradOptions {
  double lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10;
  bool maximize = false;
};
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& o = {});
  Adagrad(std::vector<Tensor> params, const AdagradOptions& o = {})
      : Adagrad(one_group(std::move(params)), o) {}

 protected:
  void step_group(ParamGroup& group) override;
};

struct RMSpropOptions {
  double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;
};
class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& o = {});
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& o = {})
      : RMSprop(one_group(std::move(params)), o) {}

 protected:
  void step_group(ParamGroup& group) override;
};

}  // namespace ember::optim
