// Normalisation layers against torch (tests/parity/gen_nn_norm.py): printed
// modules, state_dict keys, three training steps (output, input gradient,
// accumulated weight/bias gradients, running stats, num_batches_tracked) and
// an eval output in NCHW and channels_last, F.* values and error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

// gen_nn_norm.py's MODULES, fresh each call.
std::map<std::string, std::function<nn::ModulePtr()>> modules() {
  using namespace nn;
  return {
      {"bn1d", [] { return ModulePtr(make<BatchNorm1d>(4)); }},
      {"bn1d_3d", [] { return ModulePtr(make<BatchNorm1d>(3, 1e-5, std::nullopt)); }},
      {"bn2d", [] { return ModulePtr(make<BatchNorm2d>(3)); }},
      {"bn2d_cma", [] { return ModulePtr(make<BatchNorm2d>(3, 1e-3, std::nullopt)); }},
      {"bn2d_noaffine", [] { return ModulePtr(make<BatchNorm2d>(3, 1e-5, 0.3, false)); }},
      {"bn2d_notrack", [] { return ModulePtr(make<BatchNorm2d>(3, 1e-5, 0.1, true, false)); }},
      {"bn3d", [] { return ModulePtr(make<BatchNorm3d>(2, 1e-3, 0.2)); }},
      {"ln",
       [] {
         return ModulePtr(make<LayerNorm>(std::vector<int64_t>{4, 5}));
       }},
      {"ln_1", [] { return ModulePtr(make<LayerNorm>(std::vector<int64_t>{5}, 1e-6, false)); }},
      {"gn", [] { return ModulePtr(make<GroupNorm>(2, 4)); }},
      {"gn_noaffine", [] { return ModulePtr(make<GroupNorm>(3, 6, 1e-3, false)); }},
      {"in1d", [] { return ModulePtr(make<InstanceNorm1d>(3)); }},
      {"in1d_unbatched", [] { return ModulePtr(make<InstanceNorm1d>(3, 1e-5, 0.1, true)); }},
      {"in2d", [] { return ModulePtr(make<InstanceNorm2d>(3, 1e-5, 0.1, true, true)); }},
  };
}
const std::vector<std::string> kChannelsLastCases = {"bn2d", "bn2d_cma", "bn3d",
                                                     "ln",   "gn",       "in2d"};

Tensor call_typed(nn::Module& m, const Tensor& x) {
  using namespace nn;
  if (auto* c = dynamic_cast<LazyBatchNorm1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<LazyBatchNorm2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<LazyBatchNorm3d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<BatchNorm1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<BatchNorm2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<BatchNorm3d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<InstanceNorm1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<InstanceNorm2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<LayerNorm*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<GroupNorm*>(&m)) return c->forward(x);
  throw std::logic_error("unknown module");
}

// weight, bias, running_mean, running_var, num_batches_tracked of any of them.
std::vector<Tensor> members(nn::Module& m) {
  if (auto* c = dynamic_cast<nn::NormBase*>(&m))
    return {c->weight, c->bias, c->running_mean, c->running_var, c->num_batches_tracked};
  if (auto* c = dynamic_cast<nn::LayerNorm*>(&m)) return {c->weight, c->bias, {}, {}, {}};
  if (auto* c = dynamic_cast<nn::GroupNorm*>(&m)) return {c->weight, c->bias, {}, {}, {}};
  throw std::logic_error("unknown module");
}

Tensor cl(const Tensor& t) {
  if (t.dim() == 4) return t.contiguous(kChannelsLast);
  if (t.dim() == 5) return t.contiguous(kChannelsLast3d);
  return t;
}

std::vector<Tensor> run(nn::Module& m, const std::vector<Tensor>& in, bool to_cl) {
  auto mem = members(m);
  if (mem[0].defined()) {
    NoGradGuard g;
    mem[0].copy_(in[0]);
    mem[1].copy_(in[1]);
  }
  m.train();
  Tensor y, x;
  for (int i = 0; i < 3; ++i) {
    x = (to_cl ? cl(in[2 + i]) : in[2 + i].clone()).requires_grad_();
    y = call_typed(m, x);
    y.backward(in[5 + i]);
  }
  std::vector<Tensor> out = {y.detach(), x.grad()};
  if (mem[0].defined()) {
    out.push_back(mem[0].grad());
    out.push_back(mem[1].grad());
  } else {
    out.push_back(zeros({0}));
    out.push_back(zeros({0}));
  }
  if (mem[2].defined()) {
    out.push_back(mem[2].clone());
    out.push_back(mem[3].clone());
    out.push_back(mem[4].clone());
  } else {
    out.push_back(zeros({0}));
    out.push_back(zeros({0}));
    out.push_back(zeros({0}, {.dtype = kInt64}));
  }
  m.eval();
  NoGradGuard g;
  Tensor xe = in[4] * 2 + 1;
  out.push_back(call_typed(m, to_cl ? cl(xe) : xe));
  return out;
}

std::string keys(nn::Module& m) {
  std::ostringstream os;
  bool first = true;
  for (const auto& [k, v] : m.state_dict()) {
    os << (first ? "" : ";") << k << ":" << v.sizes();
    first = false;
  }
  return os.str();
}

}  // namespace

TEST(NnNormParity, Values) {
  std::map<std::string, Case> cases;
  for (const auto& [name, make_module] : modules()) {
    for (bool to_cl : {false, true}) {
      if (to_cl && std::find(kChannelsLastCases.begin(), kChannelsLastCases.end(), name) ==
                       kChannelsLastCases.end())
        continue;
      auto mk = make_module;
      cases[name + (to_cl ? "_cl" : "")] = {[mk, to_cl](const std::vector<Tensor>& in) {
        nn::ModulePtr m = mk();
        return run(*m, in, to_cl);
      }};
    }
  }
  auto lazy = [](nn::ModulePtr m, const std::vector<Tensor>& in) {
    auto* b = dynamic_cast<nn::NormBase*>(m.get());
    Tensor x = in[0].clone().requires_grad_();
    Tensor y = call_typed(*m, x);
    y.backward(in[1]);
    return std::vector<Tensor>{
        y.detach(),      x.grad(),       b->weight.grad(),      b->bias.grad(),
        b->running_mean, b->running_var, b->num_batches_tracked};
  };
  cases["lazybn1d"] = {
      [lazy](const std::vector<Tensor>& in) { return lazy(nn::make<nn::LazyBatchNorm1d>(), in); }};
  cases["lazybn2d"] = {[lazy](const std::vector<Tensor>& in) {
    return lazy(nn::make<nn::LazyBatchNorm2d>(1e-5, std::nullopt), in);
  }};
  cases["lazybn3d"] = {
      [lazy](const std::vector<Tensor>& in) { return lazy(nn::make<nn::LazyBatchNorm3d>(), in); }};
  const std::map<std::string, std::function<Tensor(const Tensor&)>> bf16 = {
      {"bn",
       [](const Tensor& t) {
         return nn::functional::batch_norm(t, std::nullopt, std::nullopt, std::nullopt,
                                           std::nullopt, true);
       }},
      {"ln",
       [](const Tensor& t) {
         return nn::functional::layer_norm(t, {4, 5});
       }},
      {"gn", [](const Tensor& t) { return nn::functional::group_norm(t, 3); }},
      {"in", [](const Tensor& t) { return nn::functional::instance_norm(t); }}};
  // bfloat16: ember rounds once from float32 (torch 1.13 rounds some
  // intermediates to bfloat16), so values may differ by about one bfloat16 ulp.
  for (const auto& [fname, fn] : bf16)
    cases["bf16_" + fname] = {[fn](const std::vector<Tensor>& in) {
                                Tensor x = in[0].clone().requires_grad_();
                                Tensor y = fn(x);
                                y.backward(in[1]);
                                return std::vector<Tensor>{y.detach(), x.grad()};
                              },
                              {.tol = ember::testing::Tolerance{1.6e-2, 2e-2}}};
  cases["f_bn_empty"] = {[](const std::vector<Tensor>& in) {
    Tensor rm = in[0].clone(), rv = in[1].clone();
    Tensor y =
        nn::functional::batch_norm(zeros({0, 3, 2}), rm, rv, std::nullopt, std::nullopt, true);
    return std::vector<Tensor>{y, rm, rv};
  }};
  cases["f_bn_eval"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{nn::functional::batch_norm(in[0], in[1], in[2], std::nullopt,
                                                          std::nullopt, false, 0.1, 1e-4)};
  }};
  cases["f_instance_stats"] = {[](const std::vector<Tensor>& in) {
    Tensor rm = in[1].clone(), rv = in[2].clone();
    Tensor y = nn::functional::instance_norm(in[0], rm, rv, std::nullopt, std::nullopt, true, 0.4);
    return std::vector<Tensor>{y, rm, rv};
  }};
  run_parity("nn_norm", cases);
}

TEST(NnNormParity, Texts) {
  ParityFile f("nn_norm");
  std::map<std::string, std::string> got;
  for (const auto& [name, make_module] : modules()) {
    nn::ModulePtr m = make_module();
    std::ostringstream os;
    os << *m;
    got["repr_" + name] = os.str();
    got["keys_" + name] = keys(*m);
  }
  using namespace nn;
  namespace F = nn::functional;
  const std::vector<std::pair<std::string, std::pair<ModulePtr, std::vector<int64_t>>>> lazies = {
      {"lazybn1d", {make<LazyBatchNorm1d>(), {4, 3}}},
      {"lazybn2d", {make<LazyBatchNorm2d>(1e-5, std::nullopt), {2, 3, 4, 5}}},
      {"lazybn3d", {make<LazyBatchNorm3d>(), {2, 2, 3, 2, 3}}}};
  for (const auto& [name, mp] : lazies) {
    std::ostringstream before, after;
    before << *mp.first;
    call_typed(*mp.first, randn(mp.second));
    after << *mp.first;
    got["repr_" + name + "_before"] = before.str();
    got["repr_" + name + "_after"] = after.str();
    got["keys_" + name + "_after"] = keys(*mp.first);
  }
  got["err_bn1d_dim"] = error_text([] { make<BatchNorm1d>(3)(ones({2, 3, 4, 5})); });
  got["err_bn2d_dim"] = error_text([] { make<BatchNorm2d>(3)(ones({2, 3, 4})); });
  got["err_bn3d_dim"] = error_text([] { make<BatchNorm3d>(3)(ones({2, 3, 4, 4})); });
  got["err_bn_batch1"] = error_text([] { make<BatchNorm1d>(3)(ones({1, 3})); });
  got["err_bn_eval_none"] = error_text([] {
    F::batch_norm(ones({2, 3}), std::nullopt, std::nullopt);
  });
  got["err_bn_rm_size"] = error_text([] { F::batch_norm(ones({2, 3}), zeros({4}), ones({3})); });
  got["err_bn_weight"] = error_text([] {
    F::batch_norm(ones({2, 3}), std::nullopt, std::nullopt, ones({2}), std::nullopt, true);
  });
  got["err_gn_ctor"] = error_text([] { make<GroupNorm>(3, 4); });
  got["err_gn_div"] = error_text([] { F::group_norm(ones({2, 4, 3}), 3); });
  got["err_gn_weight"] = error_text([] { F::group_norm(ones({2, 4, 3}), 2, ones({3})); });
  got["err_gn_batch"] = error_text([] { F::group_norm(ones({1, 2, 1}), 2); });
  got["err_gn_dim"] = error_text([] { F::group_norm(ones({4}), 2); });
  got["err_ln_shape"] = error_text([] { F::layer_norm(ones({2, 3, 4}), {3, 5}); });
  got["err_ln_weight"] = error_text([] { F::layer_norm(ones({2, 3, 4}), {4}, ones({3})); });
  got["err_in_dim"] = error_text([] { make<InstanceNorm2d>(3)(ones({3, 4})); });
  got["err_in_features"] = error_text([] {
    make<InstanceNorm1d>(3, 1e-5, 0.1, true)(ones({2, 4, 5}));
  });
  got["err_in_spatial"] = error_text([] { F::instance_norm(ones({2, 3, 1})); });
  ember::testing::expect_texts(f.metadata(), got);
}
