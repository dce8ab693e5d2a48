// Seeded random optimizer configurations against torch
// (tests/parity/gen_optim_sweep.py): SGD, Adam, AdamW, Adadelta, Adagrad and
// RMSprop with random options, parameters (shapes, dtypes, layouts), grads
// (layouts, None on some steps), one or two groups and options changed between
// steps; the parameters after every step, the state tensors and the
// state_dict layout as text.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

enum Kind : int64_t { kSgd, kAdam, kAdamW, kAdadelta, kAdagrad, kRmsprop };

struct Key {
  const char* name;
  int values;  // 2 for betas
  bool is_bool;
};

// The same table as KEYS in gen_optim_sweep.py.
const std::vector<Key>& keys_of(int64_t kind) {
  static const std::vector<Key> sgd = {{"lr", 1, false},        {"momentum", 1, false},
                                       {"dampening", 1, false}, {"weight_decay", 1, false},
                                       {"nesterov", 1, true},   {"maximize", 1, true}};
  static const std::vector<Key> adam = {{"lr", 1, false},     {"betas", 2, false},
                                        {"eps", 1, false},    {"weight_decay", 1, false},
                                        {"amsgrad", 1, true}, {"maximize", 1, true}};
  static const std::vector<Key> adadelta = {{"lr", 1, false},
                                            {"rho", 1, false},
                                            {"eps", 1, false},
                                            {"weight_decay", 1, false},
                                            {"maximize", 1, true}};
  static const std::vector<Key> adagrad = {
      {"lr", 1, false},           {"lr_decay", 1, false},
      {"weight_decay", 1, false}, {"initial_accumulator_value", 1, false},
      {"eps", 1, false},          {"maximize", 1, true}};
  static const std::vector<Key> rmsprop = {{"lr", 1, false},       {"alpha", 1, false},
                                           {"eps", 1, false},      {"weight_decay", 1, false},
                                           {"momentum", 1, false}, {"centered", 1, true},
                                           {"maximize", 1, true}};
  switch (kind) {
    case kSgd:
      return sgd;
    case kAdam:
    case kAdamW:
      return adam;
    case kAdadelta:
      return adadelta;
    case kAdagrad:
      return adagrad;
    default:
      return rmsprop;
  }
}

// One group's options at one step: key -> value, in key order.
optim::Options options_at(int64_t kind, const std::vector<double>& v) {
  optim::Options o;
  size_t i = 0;
  for (const Key& k : keys_of(kind)) {
    if (k.values == 2) {
      o.insert(k.name, std::vector<double>{v[i], v[i + 1]});
    } else if (k.is_bool) {
      o.insert(k.name, v[i] != 0);
    } else {
      o.insert(k.name, v[i]);
    }
    i += static_cast<size_t>(k.values);
  }
  return o;
}

std::unique_ptr<optim::Optimizer> make(int64_t kind, std::vector<optim::ParamGroup> groups,
                                       const optim::ParamGroup& d) {
  switch (kind) {
    case kSgd:
      return std::make_unique<optim::SGD>(groups, optim::SGDOptions{
                                                      .lr = d.number("lr"),
                                                      .momentum = d.number("momentum"),
                                                      .dampening = d.number("dampening"),
                                                      .weight_decay = d.number("weight_decay"),
                                                      .nesterov = d.flag("nesterov"),
                                                      .maximize = d.flag("maximize"),
                                                  });
    case kAdam:
    case kAdamW: {
      const auto b = d.tuple("betas");
      if (kind == kAdam)
        return std::make_unique<optim::Adam>(groups, optim::AdamOptions{
                                                         .lr = d.number("lr"),
                                                         .betas = {b[0], b[1]},
                                                         .eps = d.number("eps"),
                                                         .weight_decay = d.number("weight_decay"),
                                                         .amsgrad = d.flag("amsgrad"),
                                                         .maximize = d.flag("maximize"),
                                                     });
      return std::make_unique<optim::AdamW>(groups, optim::AdamWOptions{
                                                        .lr = d.number("lr"),
                                                        .betas = {b[0], b[1]},
                                                        .eps = d.number("eps"),
                                                        .weight_decay = d.number("weight_decay"),
                                                        .amsgrad = d.flag("amsgrad"),
                                                        .maximize = d.flag("maximize"),
                                                    });
    }
    case kAdadelta:
      return std::make_unique<optim::Adadelta>(groups, optim::AdadeltaOptions{
                                                           .lr = d.number("lr"),
                                                           .rho = d.number("rho"),
                                                           .eps = d.number("eps"),
                                                           .weight_decay = d.number("weight_decay"),
                                                           .maximize = d.flag("maximize"),
                                                       });
    case kAdagrad:
      return std::make_unique<optim::Adagrad>(
          groups, optim::AdagradOptions{
                      .lr = d.number("lr"),
                      .lr_decay = d.number("lr_decay"),
                      .weight_decay = d.number("weight_decay"),
                      .initial_accumulator_value = d.number("initial_accumulator_value"),
                      .eps = d.number("eps"),
                      .maximize = d.flag("maximize"),
                  });
    default:
      return std::make_unique<optim::RMSprop>(groups, optim::RMSpropOptions{
                                                          .lr = d.number("lr"),
                                                          .alpha = d.number("alpha"),
                                                          .eps = d.number("eps"),
                                                          .weight_decay = d.number("weight_decay"),
                                                          .momentum = d.number("momentum"),
                                                          .centered = d.flag("centered"),
                                                          .maximize = d.flag("maximize"),
                                                      });
  }
}

std::vector<int64_t> reversed_dims(int64_t n) {
  std::vector<int64_t> rev(static_cast<size_t>(n));
  std::iota(rev.rbegin(), rev.rend(), 0);
  return rev;
}

// v with the layout code of gen_optim_sweep.py: 0 contiguous, 1 dims reversed,
// 2 every other element of the last dim of a bigger tensor, 3 channels_last;
// never a view of v.
Tensor with_layout(const Tensor& v, int64_t layout) {
  if (layout == 1) {
    const auto rev = reversed_dims(v.dim());
    return v.clone().permute(rev).contiguous().permute(rev);
  }
  if (layout == 3) return v.clone(MemoryFormat::ChannelsLast);
  if (layout == 2) {
    std::vector<int64_t> sizes(v.sizes().begin(), v.sizes().end());
    sizes.back() *= 2;
    Tensor buf = zeros(sizes, TensorOptions{.dtype = v.dtype()});
    buf.slice(-1, 0, std::nullopt, 2).copy_(v);
    return buf.slice(-1, 0, std::nullopt, 2);
  }
  return v.clone();
}

// The state_dict texts ember gave, per case (cases run in run_parity).
std::mutex texts_mutex;
std::map<std::string, std::string>& texts() {
  static std::map<std::string, std::string> t;
  return t;
}

std::vector<Tensor> sweep_case(const std::string& name, const std::vector<Tensor>& in) {
  const auto meta = in[0].tolist<int64_t>();
  const int64_t kind = meta[0], nparams = meta[1], nsteps = meta[2], ngroups = meta[3],
                split = meta[4];
  const auto info = in[1].tolist<int64_t>();
  const auto mask = in[2].tolist<int64_t>();
  const auto override_mask = in[3].tolist<int64_t>();
  const Tensor table = in[4];
  auto opts_at = [&](int64_t step, int64_t group) {
    return options_at(kind, table.select(0, step).select(0, group).tolist<double>());
  };

  std::vector<Tensor> params;
  for (int64_t i = 0; i < nparams; ++i)
    params.push_back(with_layout(in[5 + 2 * i], info[3 * i + 1]).requires_grad_(true));
  std::vector<optim::ParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>(params.begin(), params.begin() + split));
  if (ngroups == 2) {
    const optim::Options all = opts_at(0, 1);
    optim::Options own;
    size_t k = 0;
    for (const auto& [key, value] : all)
      if (override_mask[k++]) own.insert(key, value);
    groups.emplace_back(std::vector<Tensor>(params.begin() + split, params.end()), own);
  }
  auto opt = make(kind, groups, optim::ParamGroup({}, opts_at(0, 0)));

  std::vector<std::vector<Tensor>> history(static_cast<size_t>(nparams));
  for (int64_t s = 0; s < nsteps; ++s) {
    for (int64_t g = 0; g < ngroups; ++g)
      for (const auto& [key, value] : opts_at(s, g))
        opt->param_groups()[static_cast<size_t>(g)].options.insert(key, value);
    for (int64_t i = 0; i < nparams; ++i) {
      if (mask[static_cast<size_t>(s * nparams + i)]) {
        const Tensor g = in[6 + 2 * i].select(0, s);
        params[static_cast<size_t>(i)].set_grad(info[3 * i + 2] == 1 ? with_layout(g, 1)
                                                                     : g.clone());
      } else {
        params[static_cast<size_t>(i)].set_grad(Tensor());
      }
    }
    opt->step();
    for (int64_t i = 0; i < nparams; ++i)
      history[static_cast<size_t>(i)].push_back(params[static_cast<size_t>(i)].detach().clone());
  }
  std::vector<Tensor> out;
  for (const auto& h : history) out.push_back(stack(h));
  const optim::OptimizerStateDict sd = opt->state_dict();
  for (const auto& [index, st] : sd.state)
    for (const auto& [key, t] : st)
      if (t.defined()) out.push_back(t.clone());
  std::lock_guard<std::mutex> lock(texts_mutex);
  texts()["layout_" + name] = optim::to_text(sd);
  return out;
}

}  // namespace

TEST(OptimSweepParity, Values) {
  std::map<std::string, Case> cases;
  for (const std::string& c : ParityFile("optim_sweep").cases())
    cases[c] = {[c](const std::vector<Tensor>& in) { return sweep_case(c, in); }};
  ASSERT_GE(cases.size(), 120u);
  run_parity("optim_sweep", cases);

  ParityFile f("optim_sweep");
  std::map<std::string, std::string> want;
  for (const auto& [key, text] : f.metadata())
    if (key.rfind("layout_", 0) == 0) want[key] = text;
  ASSERT_GE(want.size(), 120u);
  ember::testing::expect_texts(want, texts());
}
