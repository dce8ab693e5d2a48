// torch.optim.Optimizer and the optimizers of PyTorch 1.13 (see optimizer.h).
#include "ember/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <unordered_set>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "ember/core/error.h"
#include "ember/core/grad_mode.h"
#include "ember/core/parallel.h"
#include "ember/ops/factory.h"
#include "nn/modules/py_format.h"

namespace ember::optim {

using nn::detail::py_bool;
using nn::detail::py_float;
using nn::detail::py_number;

std::string repr(const OptionValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return "None";
  if (const bool* b = std::get_if<bool>(&v)) return py_bool(*b);
  if (const double* d = std::get_if<double>(&v)) return py_float(*d);
  if (std::holds_alternative<Required>(v)) return "<required parameter>";
  if (const auto* s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  const auto& t = std::get<std::vector<double>>(v);
  std::string s = "(";
  for (size_t i = 0; i < t.size(); ++i) s += (i ? ", " : "") + py_float(t[i]);
  return s + (t.size() == 1 ? ",)" : ")");
}

namespace {
const OptionValue& option(const Options& o, const std::string& name) {
  const OptionValue* v = o.find(name);
  if (!v) throw KeyError("'" + name + "'");
  return *v;
}
}  // namespace

double ParamGroup::number(const std::string& name) const {
  const OptionValue& v = option(options, name);
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const bool* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  throw TypeError("option '" + name + "' is " + repr(v) + ", not a number");
}
bool ParamGroup::flag(const std::string& name) const {
  const OptionValue& v = option(options, name);
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const double* d = std::get_if<double>(&v)) return *d != 0;
  if (std::holds_alternative<std::monostate>(v)) return false;
  throw TypeError("option '" + name + "' is " + repr(v) + ", not a bool");
}
std::vector<double> ParamGroup::tuple(const std::string& name) const {
  const OptionValue& v = option(options, name);
  if (const auto* t = std::get_if<std::vector<double>>(&v)) return *t;
  throw TypeError("option '" + name + "' is " + repr(v) + ", not a tuple");
}

std::string to_text(const OptimizerStateDict& sd) {
  std::string out;
  for (const auto& [index, st] : sd.state) {
    for (const auto& [key, t] : st) {
      out += "state " + std::to_string(index) + " " + key + " ";
      if (!t.defined()) {
        out += "None\n";
        continue;
      }
      out += "[";
      for (size_t i = 0; i < t.sizes().size(); ++i)
        out += (i ? ", " : "") + std::to_string(t.sizes()[i]);
      out += "]\n";
    }
  }
  for (size_t g = 0; g < sd.param_groups.size(); ++g) {
    const auto& grp = sd.param_groups[g];
    for (const auto& [key, v] : grp.options)
      out += "group " + std::to_string(g) + " " + key + "=" + repr(v) + "\n";
    out += "group " + std::to_string(g) + " params=[";
    for (size_t i = 0; i < grp.params.size(); ++i)
      out += (i ? ", " : "") + std::to_string(grp.params[i]);
    out += "]\n";
  }
  return out;
}

// ---------------------------------------------------------------- Optimizer

Optimizer::Optimizer(std::vector<ParamGroup> groups, Options defaults)
    : defaults_(std::move(defaults)) {
  EMBER_CHECK(!groups.empty(), ValueError, "optimizer got an empty parameter list");
  for (auto& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
  for (const Tensor& p : group.params) {
    EMBER_CHECK(p.defined(), TypeError,
                "optimizer can only optimize Tensors, but one of the params is NoneType");
    EMBER_CHECK(p.is_leaf() || p.retains_grad(), ValueError, "can't optimize a non-leaf Tensor");
  }
  // torch's setdefault order: the group's own keys first, then the missing defaults.
  Options full = group.options;
  for (const auto& [name, def] : defaults_) {
    if (std::holds_alternative<Required>(def) && !group.options.contains(name))
      throw ValueError(
          "parameter group didn't specify a value of required optimization parameter " + name);
    if (!full.contains(name)) full.insert(name, def);
  }
  std::unordered_set<const void*> seen;
  for (const auto& g : groups_)
    for (const Tensor& p : g.params) seen.insert(p.impl());
  for (const Tensor& p : group.params)
    EMBER_CHECK(!seen.contains(p.impl()), ValueError,
                "some parameters appear in more than one parameter group");
  group.options = std::move(full);
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : groups_) {
    for (const Tensor& p : g.params) {
      if (!p.grad().defined()) continue;
      if (set_to_none) {
        p.set_grad(Tensor());
        continue;
      }
      Tensor& grad = p.mutable_grad();
      if (grad.grad_fn())
        grad.detach_();
      else
        grad.requires_grad_(false);
      grad.zero_();
    }
  }
}

void Optimizer::step() {
  NoGradGuard guard;
  for (auto& g : groups_) step_group(g);
}

Tensor Optimizer::step(const std::function<Tensor()>& closure) {
  Tensor loss;
  {
    EnableGradGuard enable;
    loss = closure();
  }
  step();
  return loss;
}

OrderedDict<Tensor>& Optimizer::state(const Tensor& p) {
  auto it = state_index_.find(p.impl());
  if (it != state_index_.end()) return state_[it->second].second;
  state_index_.emplace(p.impl(), state_.size());
  state_.emplace_back(p, OrderedDict<Tensor>());
  return state_.back().second;
}

bool Optimizer::has_state(const Tensor& p) const { return state_index_.contains(p.impl()); }

OptimizerStateDict Optimizer::state_dict() const {
  OptimizerStateDict sd;
  std::unordered_map<const void*, int64_t> index;
  int64_t start = 0;
  for (const auto& g : groups_) {
    OptimizerStateDict::Group packed;
    packed.options = g.options;
    int64_t i = start;
    for (const Tensor& p : g.params) {
      index.emplace(p.impl(), i);  // keeps the first index of a duplicate, as torch
      ++i;
    }
    for (const Tensor& p : g.params) packed.params.push_back(index.at(p.impl()));
    start += static_cast<int64_t>(g.params.size());
    sd.param_groups.push_back(std::move(packed));
  }
  for (const auto& [p, st] : state_) sd.state.emplace_back(index.at(p.impl()), st);
  return sd;
}

void Optimizer::load_state_dict(const OptimizerStateDict& sd) {
  EMBER_CHECK(groups_.size() == sd.param_groups.size(), ValueError,
              "loaded state dict has a different number of parameter groups");
  for (size_t g = 0; g < groups_.size(); ++g)
    EMBER_CHECK(groups_[g].params.size() == sd.param_groups[g].params.size(), ValueError,
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group");
  std::unordered_map<int64_t, Tensor> id_map;
  for (size_t g = 0; g < groups_.size(); ++g)
    for (size_t i = 0; i < groups_[g].params.size(); ++i)
      id_map.emplace(sd.param_groups[g].params[i], groups_[g].params[i]);
  // Build everything first, then swap in: a failure leaves the optimizer as it was.
  std::vector<std::pair<Tensor, OrderedDict<Tensor>>> state;
  for (const auto& [index, st] : sd.state) {
    auto it = id_map.find(index);
    if (it == id_map.end()) continue;  // torch keeps state of unknown keys; ember has no slot
    const Tensor& p = it->second;
    OrderedDict<Tensor> copy;
    for (const auto& [key, v] : st) {
      if (!v.defined()) {
        copy.insert(key, Tensor());
        continue;
      }
      Tensor c = v;
      if (key != "step" && p.is_floating_point() && v.dtype() != p.dtype()) c = v.to(p.dtype());
      copy.insert(key, c.detach().clone());
    }
    state.emplace_back(p, std::move(copy));
  }
  std::unordered_map<const void*, size_t> state_index;
  for (size_t i = 0; i < state.size(); ++i) state_index.emplace(state[i].first.impl(), i);
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = sd.param_groups[g].options;
  state_ = std::move(state);
  state_index_ = std::move(state_index);
}

// ---------------------------------------------------------------- fused kernels
namespace {

// One parameter's slice of a fused pass: raw pointers to param, grad and up to
// four state buffers, plus per-parameter scalars (bias corrections ...).
template <typename T>
struct Slot {
  T* p;
  const T* g;
  T* b[4];
  double s[4];
  int64_t n;
};

// The params of a group that have a grad. The update loops run over memory
// order, so the working copy of a parameter is the parameter itself whenever
// its elements are dense (contiguous or channels_last alike), and its grad and
// state buffers are brought to the same strides.
struct Item {
  Tensor param;  // the parameter
  Tensor work;   // param itself when dense, else a contiguous copy written back
  Tensor grad;   // grad of the same dtype, with work's strides
};

bool same_layout(const Tensor& a, const Tensor& b) {
  return a.numel() <= 1 || (a.strides() == b.strides() && a.is_non_overlapping_and_dense());
}

// t as a tensor of work's strides: t itself, or a copy.
Tensor like_work(const Tensor& t, const Tensor& work) {
  if (same_layout(t, work)) return t;
  Tensor c = empty_like(work);
  c.copy_(t);
  return c;
}

std::vector<Item> collect(const ParamGroup& group, const char* name) {
  std::vector<Item> items;
  for (const Tensor& p : group.params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    EMBER_CHECK(p.dtype() == kFloat32 || p.dtype() == kFloat64, RuntimeError, name,
                ": ember supports float32 and float64 parameters, got ", dtype_name(p.dtype()));
    EMBER_CHECK(g.dtype() == p.dtype(), RuntimeError, name, ": grad dtype ", dtype_name(g.dtype()),
                " differs from the parameter's ", dtype_name(p.dtype()));
    Tensor work = p.is_non_overlapping_and_dense() ? p : p.contiguous();
    Tensor grad = like_work(g, work);
    items.push_back(Item{p, std::move(work), std::move(grad)});
  }
  return items;
}

// A state buffer in the working layout (a buffer loaded from a state_dict may
// have other strides than the parameter): replaced by a copy if needed.
Tensor& matched(OrderedDict<Tensor>& st, const std::string& key, const Tensor& work) {
  Tensor& b = st.at(key);
  if (b.defined() && !same_layout(b, work)) b = like_work(b, work);
  return b;
}

// Parameters updated in place get a new version, as torch's in-place updates
// do; copies are written back (copy_ bumps the version).
void write_back(const std::vector<Item>& items) {
  for (auto it : items) {  // copy_ is non-const on the handle
    if (it.work.impl() != it.param.impl())
      it.param.copy_(it.work);
    else
      it.param.impl()->bump_version();
  }
}

// torch.zeros_like(p, memory_format=torch.preserve_format): a channels_last
// parameter gets channels_last state.
Tensor zeros_for(const Tensor& p) { return zeros_like(p); }

// Runs f(slot, lo, hi) over the elements of all slots, split across threads.
template <typename T, typename F>
void fused(const std::vector<Slot<T>>& slots, const F& f) {
  if (slots.empty()) return;
  std::vector<int64_t> start(slots.size() + 1, 0);
  for (size_t i = 0; i < slots.size(); ++i) start[i + 1] = start[i] + slots[i].n;
  parallel_for_t(0, start.back(), kGrainSize, [&](int64_t b, int64_t e) {
    size_t s =
        static_cast<size_t>(std::upper_bound(start.begin(), start.end(), b) - start.begin()) - 1;
    for (; s < slots.size() && start[s] < e; ++s) {
      const int64_t lo = std::max(b, start[s]) - start[s];
      const int64_t hi = std::min(e, start[s + 1]) - start[s];
      if (lo < hi) f(slots[s], lo, hi);
    }
  });
}

// Builds slots for the items of one dtype; bufs(i) gives item i's buffers, scal(i, s) its scalars.
template <typename T, typename B>
std::vector<Slot<T>> slots_of(const std::vector<Item>& items, const B& fill) {
  std::vector<Slot<T>> slots;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].work.dtype() != dtype_of<T>) continue;
    Slot<T> s{};
    s.p = items[i].work.template data_ptr<T>();
    s.g = items[i].grad.template data_ptr<T>();
    s.n = items[i].work.numel();
    fill(i, s);
    slots.push_back(s);
  }
  return slots;
}

// Calls f with one std::bool_constant per flag, so that loops are compiled
// without branches (and vectorise).
template <typename F>
void with_flags(const F& f, bool a) {
  if (a)
    f(std::true_type{});
  else
    f(std::false_type{});
}
template <typename F, typename... B>
void with_flags(const F& f, bool a, B... rest) {
  with_flags([&](auto A) { with_flags([&](auto... R) { f(A, R...); }, rest...); }, a);
}

// The update loops run over blocks of kBlock elements: element-wise passes that
// GCC vectorises, with the square roots between them done by sqrt_block (under
// the library's errno semantics GCC does not vectorise std::sqrt).
constexpr int64_t kBlock = 256;

template <typename T>
inline void sqrt_block(T* x, int64_t n) {
  int64_t i = 0;
#if defined(__AVX__)
  if constexpr (std::is_same_v<T, float>) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
  } else {
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, _mm256_sqrt_pd(_mm256_loadu_pd(x + i)));
  }
#endif
  for (; i < n; ++i) x[i] = std::sqrt(x[i]);
}

template <typename F>
void for_dtypes(const F& f) {
  f(float{});
  f(double{});
}

std::string num(double v) { return py_number(v); }

}  // namespace

// ---------------------------------------------------------------- SGD

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& o)
    : Optimizer(
          [&] {
            if (o.lr) EMBER_CHECK(*o.lr >= 0.0, ValueError, "Invalid learning rate: ", num(*o.lr));
            EMBER_CHECK(o.momentum >= 0.0, ValueError, "Invalid momentum value: ", num(o.momentum));
            EMBER_CHECK(o.weight_decay >= 0.0, ValueError,
                        "Invalid weight_decay value: ", num(o.weight_decay));
            EMBER_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), ValueError,
                        "Nesterov momentum requires a momentum and zero dampening");
            return std::move(groups);
          }(),
          Options{{"lr", o.lr ? OptionValue(*o.lr) : OptionValue(Required{})},
                  {"momentum", o.momentum},
                  {"dampening", o.dampening},
                  {"weight_decay", o.weight_decay},
                  {"nesterov", o.nesterov},
                  {"maximize", o.maximize},
                  {"foreach", std::monostate{}},
                  {"differentiable", false}}) {}

void SGD::step_group(ParamGroup& group) {
  const double lr = group.number("lr"), momentum = group.number("momentum"),
               dampening = group.number("dampening"), wd = group.number("weight_decay");
  const bool nesterov = group.flag("nesterov"), maximize = group.flag("maximize");
  std::vector<Item> items = collect(group, "SGD");
  std::vector<Tensor> bufs(items.size());
  std::vector<char> first(items.size(), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    auto& st = state(items[i].param);
    if (momentum != 0) {
      Tensor* b = st.find("momentum_buffer");
      if (!b || !b->defined()) {
        st.insert("momentum_buffer", zeros_for(items[i].param));
        first[i] = 1;
      }
      bufs[i] = matched(st, "momentum_buffer", items[i].work);
    } else if (!st.contains("momentum_buffer")) {
      // torch writes back the buffer it read: one kept from steps with momentum stays
      st.insert("momentum_buffer", Tensor());
    }
  }
  for_dtypes([&](auto tag) {
    using T = decltype(tag);
    auto slots = slots_of<T>(items, [&](size_t i, Slot<T>& s) {
      s.b[0] = momentum != 0 ? bufs[i].template data_ptr<T>() : nullptr;
      s.s[0] = first[i];
    });
    const T m = static_cast<T>(momentum), damp = static_cast<T>(1 - dampening),
            w = static_cast<T>(wd), nlr = static_cast<T>(-lr);
    fused(slots, [&](const Slot<T>& s, int64_t lo, int64_t hi) {
      T* __restrict p = s.p;
      const T* __restrict g = s.g;
      T* __restrict buf = s.b[0];
      with_flags(
          [&](auto MAX, auto WD, auto MOM, auto INIT, auto NES) {
#pragma omp simd
            for (int64_t i = lo; i < hi; ++i) {
              T d = MAX ? -g[i] : g[i];
              if constexpr (WD) d = d + w * p[i];
              if constexpr (MOM) {
                const T bv = INIT ? d : buf[i] * m + damp * d;
                buf[i] = bv;
                d = NES ? d + m * bv : bv;
              }
              p[i] = p[i] + nlr * d;
            }
          },
          maximize, wd != 0, momentum != 0, s.s[0] != 0, nesterov);
    });
  });
  write_back(items);
}

// ---------------------------------------------------------------- Adam / AdamW

namespace {
void check_adam(double lr, std::pair<double, double> betas, double eps, double wd) {
  EMBER_CHECK(lr >= 0.0, ValueError, "Invalid learning rate: ", num(lr));
  EMBER_CHECK(eps >= 0.0, ValueError, "Invalid epsilon value: ", num(eps));
  EMBER_CHECK(betas.first >= 0.0 && betas.first < 1.0, ValueError,
              "Invalid beta parameter at index 0: ", py_float(betas.first));
  EMBER_CHECK(betas.second >= 0.0 && betas.second < 1.0, ValueError,
              "Invalid beta parameter at index 1: ", py_float(betas.second));
  EMBER_CHECK(wd >= 0.0, ValueError, "Invalid weight_decay value: ", num(wd));
}
}  // namespace

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& o)
    : Adam(
          [&] {
            check_adam(o.lr, o.betas, o.eps, o.weight_decay);
            return std::move(groups);
          }(),
          Options{{"lr", o.lr},
                  {"betas", std::vector<double>{o.betas.first, o.betas.second}},
                  {"eps", o.eps},
                  {"weight_decay", o.weight_decay},
                  {"amsgrad", o.amsgrad},
                  {"maximize", o.maximize},
                  {"foreach", std::monostate{}},
                  {"capturable", false},
                  {"differentiable", false},
                  {"fused", false}},
          false) {}

Adam::Adam(std::vector<ParamGroup> groups, Options defaults, bool decoupled)
    : Optimizer(std::move(groups), std::move(defaults)), decoupled_(decoupled) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& o)
    : Adam(
          [&] {
            check_adam(o.lr, o.betas, o.eps, o.weight_decay);
            return std::move(groups);
          }(),
          Options{{"lr", o.lr},
                  {"betas", std::vector<double>{o.betas.first, o.betas.second}},
                  {"eps", o.eps},
                  {"weight_decay", o.weight_decay},
                  {"amsgrad", o.amsgrad},
                  {"foreach", std::monostate{}},
                  {"maximize", o.maximize},
                  {"capturable", false}},
          true) {}

void Adam::step_group(ParamGroup& group) {
  const double lr = group.number("lr"), eps = group.number("eps"),
               wd = group.number("weight_decay");
  const auto betas = group.tuple("betas");
  EMBER_CHECK(betas.size() == 2, ValueError, "betas must hold 2 values");
  const double beta1 = betas[0], beta2 = betas[1];
  const bool amsgrad = group.flag("amsgrad"), maximize = group.flag("maximize");
  std::vector<Item> items = collect(group, decoupled_ ? "AdamW" : "Adam");
  std::vector<std::vector<Tensor>> bufs(items.size());
  std::vector<double> step_size(items.size()), bc2_sqrt(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto& st = state(items[i].param);
    if (st.empty()) {
      st.insert("step", scalar_tensor(0.0, TensorOptions{.dtype = kFloat32}));
      st.insert("exp_avg", zeros_for(items[i].param));
      st.insert("exp_avg_sq", zeros_for(items[i].param));
      if (amsgrad) st.insert("max_exp_avg_sq", zeros_for(items[i].param));
    }
    Tensor& step_t = st.at("step");
    float* sp = step_t.data_ptr<float>();
    *sp += 1.0f;
    const double step = *sp;
    const double bc1 = 1 - std::pow(beta1, step), bc2 = 1 - std::pow(beta2, step);
    step_size[i] = lr / bc1;
    bc2_sqrt[i] = std::sqrt(bc2);
    const Tensor& w = items[i].work;
    bufs[i] = {matched(st, "exp_avg", w), matched(st, "exp_avg_sq", w)};
    if (amsgrad) bufs[i].push_back(matched(st, "max_exp_avg_sq", w));
  }
  const bool decoupled = decoupled_;
  for_dtypes([&](auto tag) {
    using T = decltype(tag);
    auto slots = slots_of<T>(items, [&](size_t i, Slot<T>& s) {
      for (size_t k = 0; k < bufs[i].size(); ++k) s.b[k] = bufs[i][k].template data_ptr<T>();
      s.s[0] = -step_size[i];
      s.s[1] = bc2_sqrt[i];
    });
    const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2), ob1 = static_cast<T>(1 - beta1),
            ob2 = static_cast<T>(1 - beta2), w = static_cast<T>(wd), e = static_cast<T>(eps),
            decay = static_cast<T>(1 - lr * wd);
    fused(slots, [&](const Slot<T>& s, int64_t lo, int64_t hi) {
      T* __restrict p = s.p;
      const T* __restrict g = s.g;
      T* __restrict m = s.b[0];
      T* __restrict v = s.b[1];
      T* __restrict vmax = s.b[2];
      const T nstep = static_cast<T>(s.s[0]), bc2s = static_cast<T>(s.s[1]);
      with_flags(
          [&](auto MAX, auto DEC, auto WD, auto AMS) {
            T root[kBlock];
            for (int64_t j = lo; j < hi; j += kBlock) {
              const int64_t n = std::min(kBlock, hi - j);
              T* __restrict pj = p + j;
              const T* __restrict gj = g + j;
              T* __restrict mj = m + j;
              T* __restrict vj = v + j;
              T* __restrict vmaxj = AMS ? vmax + j : nullptr;
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                T gi = MAX ? -gj[k] : gj[k];
                if constexpr (DEC)
                  pj[k] = pj[k] * decay;
                else if constexpr (WD)
                  gi = gi + w * pj[k];
                mj[k] = mj[k] * b1 + ob1 * gi;
                const T vi = vj[k] * b2 + ob2 * gi * gi;
                vj[k] = vi;
                if constexpr (AMS) {
                  // torch.maximum: NaN from either side propagates
                  const T vmi = vmaxj[k];
                  const T vx = (vi > vmi || vi != vi) ? vi : vmi;
                  vmaxj[k] = vx;
                  root[k] = vx;
                } else {
                  root[k] = vi;
                }
              }
              sqrt_block(root, n);
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                const T denom = root[k] / bc2s + e;
                pj[k] = pj[k] + nstep * (mj[k] / denom);
              }
            }
          },
          maximize, decoupled, wd != 0, amsgrad);
    });
  });
  write_back(items);
}

// ---------------------------------------------------------------- Adadelta

Adadelta::Adadelta(std::vector<ParamGroup> groups, const AdadeltaOptions& o)
    : Optimizer(
          [&] {
            EMBER_CHECK(o.lr >= 0.0, ValueError, "Invalid learning rate: ", num(o.lr));
            EMBER_CHECK(o.rho >= 0.0 && o.rho <= 1.0, ValueError,
                        "Invalid rho value: ", num(o.rho));
            EMBER_CHECK(o.eps >= 0.0, ValueError, "Invalid epsilon value: ", num(o.eps));
            EMBER_CHECK(o.weight_decay >= 0.0, ValueError,
                        "Invalid weight_decay value: ", num(o.weight_decay));
            return std::move(groups);
          }(),
          Options{{"lr", o.lr},
                  {"rho", o.rho},
                  {"eps", o.eps},
                  {"weight_decay", o.weight_decay},
                  {"maximize", o.maximize},
                  {"foreach", std::monostate{}}}) {}

namespace {
void bump_int_step(OrderedDict<Tensor>& st) {
  Tensor& s = st.at("step");
  *s.data_ptr<int64_t>() += 1;
}
Tensor int_zero() { return scalar_tensor(0, TensorOptions{.dtype = kInt64}); }
}  // namespace

void Adadelta::step_group(ParamGroup& group) {
  const double lr = group.number("lr"), rho = group.number("rho"), eps = group.number("eps"),
               wd = group.number("weight_decay");
  const bool maximize = group.flag("maximize");
  std::vector<Item> items = collect(group, "Adadelta");
  std::vector<std::vector<Tensor>> bufs(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto& st = state(items[i].param);
    if (st.empty()) {
      st.insert("step", int_zero());
      st.insert("square_avg", zeros_for(items[i].param));
      st.insert("acc_delta", zeros_for(items[i].param));
    }
    bufs[i] = {matched(st, "square_avg", items[i].work), matched(st, "acc_delta", items[i].work)};
    bump_int_step(st);
  }
  for_dtypes([&](auto tag) {
    using T = decltype(tag);
    auto slots = slots_of<T>(items, [&](size_t i, Slot<T>& s) {
      s.b[0] = bufs[i][0].template data_ptr<T>();
      s.b[1] = bufs[i][1].template data_ptr<T>();
    });
    const T r = static_cast<T>(rho), orr = static_cast<T>(1 - rho), e = static_cast<T>(eps),
            w = static_cast<T>(wd), nlr = static_cast<T>(-lr);
    fused(slots, [&](const Slot<T>& s, int64_t lo, int64_t hi) {
      T* __restrict p = s.p;
      const T* __restrict g = s.g;
      T* __restrict sq = s.b[0];
      T* __restrict acc = s.b[1];
      with_flags(
          [&](auto MAX, auto WD) {
            T gb[kBlock], std_[kBlock], rms[kBlock];
            for (int64_t j = lo; j < hi; j += kBlock) {
              const int64_t n = std::min(kBlock, hi - j);
              T* __restrict pj = p + j;
              const T* __restrict gj = g + j;
              T* __restrict sqj = sq + j;
              T* __restrict accj = acc + j;
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                T gi = MAX ? -gj[k] : gj[k];
                if constexpr (WD) gi = gi + w * pj[k];
                gb[k] = gi;
                const T sqi = sqj[k] * r + orr * gi * gi;
                sqj[k] = sqi;
                std_[k] = sqi + e;
                rms[k] = accj[k] + e;
              }
              sqrt_block(std_, n);
              sqrt_block(rms, n);
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                const T delta = rms[k] / std_[k] * gb[k];
                accj[k] = accj[k] * r + orr * delta * delta;
                pj[k] = pj[k] + nlr * delta;
              }
            }
          },
          maximize, wd != 0);
    });
  });
  write_back(items);
}

// ---------------------------------------------------------------- Adagrad

Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& o)
    : Optimizer(
          [&] {
            EMBER_CHECK(o.lr >= 0.0, ValueError, "Invalid learning rate: ", num(o.lr));
            EMBER_CHECK(o.lr_decay >= 0.0, ValueError, "Invalid lr_decay value: ", num(o.lr_decay));
            EMBER_CHECK(o.weight_decay >= 0.0, ValueError,
                        "Invalid weight_decay value: ", num(o.weight_decay));
            EMBER_CHECK(
                o.initial_accumulator_value >= 0.0, ValueError,
                "Invalid initial_accumulator_value value: ", num(o.initial_accumulator_value));
            EMBER_CHECK(o.eps >= 0.0, ValueError, "Invalid epsilon value: ", num(o.eps));
            return std::move(groups);
          }(),
          Options{{"lr", o.lr},
                  {"lr_decay", o.lr_decay},
                  {"eps", o.eps},
                  {"weight_decay", o.weight_decay},
                  {"initial_accumulator_value", o.initial_accumulator_value},
                  {"foreach", std::monostate{}},
                  {"maximize", o.maximize}}) {
  // As torch 1.13, every parameter's sum starts at the constructor's
  // initial_accumulator_value, also in groups that give their own.
  const double init = o.initial_accumulator_value;
  for (auto& g : groups_) {
    for (const Tensor& p : g.params) {
      auto& st = state(p);
      st.insert("step", scalar_tensor(0.0, TensorOptions{.dtype = kFloat32}));
      st.insert("sum", full_like(p, init));
    }
  }
}

void Adagrad::step_group(ParamGroup& group) {
  const double lr = group.number("lr"), lr_decay = group.number("lr_decay"),
               eps = group.number("eps"), wd = group.number("weight_decay");
  const bool maximize = group.flag("maximize");
  std::vector<Item> items = collect(group, "Adagrad");
  std::vector<Tensor> sums(items.size());
  std::vector<double> clr(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto& st = state(items[i].param);
    if (st.empty()) {  // a group added after construction (a KeyError in torch): its own value
      st.insert("step", scalar_tensor(0.0, TensorOptions{.dtype = kFloat32}));
      st.insert("sum", full_like(items[i].param, group.number("initial_accumulator_value")));
    }
    float* sp = st.at("step").data_ptr<float>();
    *sp += 1.0f;
    const double step = *sp;
    clr[i] = lr / (1 + (step - 1) * lr_decay);
    sums[i] = matched(st, "sum", items[i].work);
  }
  for_dtypes([&](auto tag) {
    using T = decltype(tag);
    auto slots = slots_of<T>(items, [&](size_t i, Slot<T>& s) {
      s.b[0] = sums[i].template data_ptr<T>();
      s.s[0] = -clr[i];
    });
    const T e = static_cast<T>(eps), w = static_cast<T>(wd);
    fused(slots, [&](const Slot<T>& s, int64_t lo, int64_t hi) {
      T* __restrict p = s.p;
      const T* __restrict g = s.g;
      T* __restrict sum = s.b[0];
      const T nclr = static_cast<T>(s.s[0]);
      with_flags(
          [&](auto MAX, auto WD) {
            T gb[kBlock], root[kBlock];
            for (int64_t j = lo; j < hi; j += kBlock) {
              const int64_t n = std::min(kBlock, hi - j);
              T* __restrict pj = p + j;
              const T* __restrict gj = g + j;
              T* __restrict sumj = sum + j;
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                T gi = MAX ? -gj[k] : gj[k];
                if constexpr (WD) gi = gi + w * pj[k];
                gb[k] = gi;
                const T si = sumj[k] + gi * gi;
                sumj[k] = si;
                root[k] = si;
              }
              sqrt_block(root, n);
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                const T stdv = root[k] + e;
                pj[k] = pj[k] + nclr * (gb[k] / stdv);
              }
            }
          },
          maximize, wd != 0);
    });
  });
  write_back(items);
}

// ---------------------------------------------------------------- RMSprop

RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& o)
    : Optimizer(
          [&] {
            EMBER_CHECK(o.lr >= 0.0, ValueError, "Invalid learning rate: ", num(o.lr));
            EMBER_CHECK(o.eps >= 0.0, ValueError, "Invalid epsilon value: ", num(o.eps));
            EMBER_CHECK(o.momentum >= 0.0, ValueError, "Invalid momentum value: ", num(o.momentum));
            EMBER_CHECK(o.weight_decay >= 0.0, ValueError,
                        "Invalid weight_decay value: ", num(o.weight_decay));
            EMBER_CHECK(o.alpha >= 0.0, ValueError, "Invalid alpha value: ", num(o.alpha));
            return std::move(groups);
          }(),
          Options{{"lr", o.lr},
                  {"momentum", o.momentum},
                  {"alpha", o.alpha},
                  {"eps", o.eps},
                  {"centered", o.centered},
                  {"weight_decay", o.weight_decay},
                  {"foreach", std::monostate{}},
                  {"maximize", o.maximize},
                  {"differentiable", false}}) {}

void RMSprop::step_group(ParamGroup& group) {
  const double lr = group.number("lr"), momentum = group.number("momentum"),
               alpha = group.number("alpha"), eps = group.number("eps"),
               wd = group.number("weight_decay");
  const bool centered = group.flag("centered"), maximize = group.flag("maximize");
  std::vector<Item> items = collect(group, "RMSprop");
  std::vector<std::vector<Tensor>> bufs(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto& st = state(items[i].param);
    if (st.empty()) {
      st.insert("step", int_zero());
      st.insert("square_avg", zeros_for(items[i].param));
      if (momentum > 0) st.insert("momentum_buffer", zeros_for(items[i].param));
      if (centered) st.insert("grad_avg", zeros_for(items[i].param));
    }
    const Tensor& w = items[i].work;
    bufs[i] = {matched(st, "square_avg", w),
               momentum > 0 ? matched(st, "momentum_buffer", w) : Tensor(),
               centered ? matched(st, "grad_avg", w) : Tensor()};
    bump_int_step(st);
  }
  for_dtypes([&](auto tag) {
    using T = decltype(tag);
    auto slots = slots_of<T>(items, [&](size_t i, Slot<T>& s) {
      for (size_t k = 0; k < 3; ++k)
        s.b[k] = bufs[i][k].defined() ? bufs[i][k].template data_ptr<T>() : nullptr;
    });
    const T a = static_cast<T>(alpha), oa = static_cast<T>(1 - alpha), e = static_cast<T>(eps),
            w = static_cast<T>(wd), mom = static_cast<T>(momentum), nlr = static_cast<T>(-lr);
    fused(slots, [&](const Slot<T>& s, int64_t lo, int64_t hi) {
      T* __restrict p = s.p;
      const T* __restrict g = s.g;
      T* __restrict sq = s.b[0];
      T* __restrict buf = s.b[1];
      T* __restrict ga = s.b[2];
      with_flags(
          [&](auto MAX, auto WD, auto CEN, auto MOM) {
            T gb[kBlock], root[kBlock];
            for (int64_t j = lo; j < hi; j += kBlock) {
              const int64_t n = std::min(kBlock, hi - j);
              T* __restrict pj = p + j;
              const T* __restrict gj = g + j;
              T* __restrict sqj = sq + j;
              T* __restrict bufj = MOM ? buf + j : nullptr;
              T* __restrict gaj = CEN ? ga + j : nullptr;
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                T gi = MAX ? -gj[k] : gj[k];
                if constexpr (WD) gi = gi + w * pj[k];
                gb[k] = gi;
                const T sqi = sqj[k] * a + oa * gi * gi;
                sqj[k] = sqi;
                if constexpr (CEN) {
                  const T gai = gaj[k] * a + oa * gi;
                  gaj[k] = gai;
                  root[k] = sqi + T(-1) * gai * gai;
                } else {
                  root[k] = sqi;
                }
              }
              sqrt_block(root, n);
#pragma omp simd
              for (int64_t k = 0; k < n; ++k) {
                const T avg = root[k] + e;
                if constexpr (MOM) {
                  const T bi = bufj[k] * mom + gb[k] / avg;
                  bufj[k] = bi;
                  pj[k] = pj[k] + nlr * bi;
                } else {
                  pj[k] = pj[k] + nlr * (gb[k] / avg);
                }
              }
            }
          },
          maximize, wd != 0, centered, momentum > 0);
    });
  });
  write_back(items);
}

}  // namespace ember::optim
