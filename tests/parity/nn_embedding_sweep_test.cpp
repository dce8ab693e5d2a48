// Seeded random Embedding / EmbeddingBag configurations against torch
// (tests/parity/gen_nn_embedding_sweep.py; its docstring lists what is
// covered and the torch 1.13 bugs kept out): functional, module, _weight and
// from_pretrained forms with padding_idx, max_norm (the weight after forward),
// scale_grad_by_freq, bags of every mode with offsets, include_last_offset and
// per_sample_weights, in every float dtype; outputs and gradients (also with
// create_graph, and embedding's double backward), then error messages.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/modules/embedding.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

enum Kind : int64_t { kEmb, kBag };
enum Form : int64_t { kFunctional, kModule, kPretrained, kWeight };  // kWeight: _weight
const char* const kModes[] = {"sum", "mean", "max"};
constexpr int64_t kNoPad = -(int64_t{1} << 40);

// A copy of w with w's values, column-major when transposed.
Tensor copy_of(const Tensor& w, bool transposed) {
  return transposed ? w.t().contiguous().t() : w.clone();
}

// in: weight, indices, grad_y, offsets, per_sample_weights, (kind, form,
// padding_idx, has max_norm, scale_grad_by_freq, mode, has offsets,
// include_last_offset, has per_sample_weights, transposed weight, no grad
// (frozen, or an integer weight), transposed indices, create_graph, second
// order), (max_norm, norm_type). out: y, the weight after forward[,
// weight.grad][, per_sample_weights.grad][, d(sum(weight.grad * weight0)) /
// d grad_y].
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  const auto p = in[5].tolist<int64_t>();
  const auto f = in[6].tolist<double>();
  const int64_t kind = p[0], form = p[1];
  const std::optional<int64_t> pad = p[2] == kNoPad ? std::nullopt : std::optional<int64_t>(p[2]);
  const std::optional<double> max_norm = p[3] ? std::optional<double>(f[0]) : std::nullopt;
  const double norm_type = f[1];
  const bool freq = p[4] != 0, has_off = p[6] != 0, last = p[7] != 0, has_psw = p[8] != 0,
             transposed = p[9] != 0, freeze = p[10] != 0, idx_t = p[11] != 0, cg = p[12] != 0,
             second = p[13] != 0;
  const std::string mode = kModes[p[5]];
  const int64_t V = in[0].size(0), D = in[0].size(1);
  const std::optional<Tensor> offsets = has_off ? std::optional<Tensor>(in[3]) : std::nullopt;
  // a non-contiguous view: the stored indices with their first and last dims swapped
  const Tensor idx = idx_t ? in[1].transpose(0, -1) : in[1];
  std::optional<Tensor> psw;
  if (has_psw) psw = in[4].clone().requires_grad_();

  Tensor base = copy_of(in[0], transposed);
  // The module's weight: copied in (kModule), `base` itself (kWeight, kPretrained).
  const auto setup = [&](auto m) {
    if (form == kModule) {
      NoGradGuard g;
      m->weight.copy_(base);
    }
    return m;
  };
  Tensor weight;  // the parameter (or the functional's leaf)
  Tensor y;
  if (kind == kEmb) {
    nn::EmbeddingOptions o{.padding_idx = pad,
                           .max_norm = max_norm,
                           .norm_type = norm_type,
                           .scale_grad_by_freq = freq};
    if (form == kWeight)
      o._weight = base;
    else
      o.dtype = in[0].dtype();
    if (form == kFunctional) {
      weight = base.requires_grad_(!freeze);
      y = F::embedding(idx, weight, pad, max_norm, norm_type, freq);
    } else {
      auto m =
          setup(form == kPretrained ? nn::Embedding::from_pretrained(base, freeze,
                                                                     {.padding_idx = pad,
                                                                      .max_norm = max_norm,
                                                                      .norm_type = norm_type,
                                                                      .scale_grad_by_freq = freq})
                                    : nn::make<nn::Embedding>(V, D, o));
      weight = m->weight;
      y = m(idx);
    }
  } else {
    nn::EmbeddingBagOptions o{.max_norm = max_norm,
                              .norm_type = norm_type,
                              .scale_grad_by_freq = freq,
                              .mode = mode,
                              .include_last_offset = last,
                              .padding_idx = pad};
    if (form == kWeight)
      o._weight = base;
    else
      o.dtype = in[0].dtype();
    if (form == kFunctional) {
      weight = base.requires_grad_(!freeze);
      y = F::embedding_bag(idx, weight, offsets, max_norm, norm_type, freq, mode, false, psw, last,
                           pad);
    } else {
      auto m = setup(form == kPretrained
                         ? nn::EmbeddingBag::from_pretrained(base, freeze,
                                                             {.max_norm = max_norm,
                                                              .norm_type = norm_type,
                                                              .scale_grad_by_freq = freq,
                                                              .mode = mode,
                                                              .include_last_offset = last,
                                                              .padding_idx = pad})
                         : nn::make<nn::EmbeddingBag>(V, D, o));
      weight = m->weight;
      y = m->forward(idx, offsets, psw);
    }
  }
  // _weight / from_pretrained share the given tensor: max_norm changed it in place.
  std::vector<Tensor> out{y.detach(), (form >= kPretrained ? base : weight).detach().clone()};
  Tensor wgrad, pgrad, gg;
  if (cg) {
    // recorded backward; for embedding also d(sum(weight.grad * weight0)) / d grad_y
    const Tensor gy = in[2].clone().requires_grad_();
    std::vector<Tensor> inputs{weight};
    if (psw) inputs.push_back(*psw);
    const auto gs = autograd::grad({y}, inputs, {gy}, std::nullopt, true, true);
    wgrad = gs[0];
    if (psw) pgrad = gs[1];
    if (second) gg = autograd::grad({(gs[0] * in[0]).sum()}, {gy})[0];
  } else if (y.requires_grad()) {
    y.backward(in[2]);
    wgrad = weight.grad();
    if (psw) pgrad = psw->grad();
  }
  if (!freeze) {
    EXPECT_TRUE(weight.requires_grad());
    out.push_back(wgrad.defined() ? wgrad.detach() : zeros_like(in[0]));
  } else {
    EXPECT_FALSE(weight.requires_grad());
  }
  if (psw) out.push_back(pgrad.defined() ? pgrad.detach() : zeros_like(in[4]));
  if (second) out.push_back(gg);
  return out;
}

// The error case `name` run with its arguments "V mode offset0 offset1 indices..."
// (offsets -1: none): ember's error text.
std::string error_of(const std::string& name, const std::string& args) {
  std::vector<int64_t> a;
  for (size_t pos = 0; pos < args.size();) {
    size_t end = 0;
    a.push_back(std::stoll(args.substr(pos), &end));
    pos += end;
  }
  const Tensor w = randn({a[0], 3}, {.dtype = kFloat64});
  const std::string mode = kModes[a[1]];
  const Tensor idx = from_vector(std::vector<int64_t>(a.begin() + 4, a.end()));
  const std::optional<Tensor> offsets =
      a[2] < 0 ? std::nullopt
               : std::optional<Tensor>(from_vector(std::vector<int64_t>{a[2], a[3]}));
  if (name.rfind("err_emb", 0) == 0) return error_text([&] { F::embedding(idx, w); });
  const bool two_d = name.rfind("err_bag_range_2d", 0) == 0;
  const std::optional<Tensor> psw =
      name.rfind("err_bag_psw", 0) == 0
          ? std::optional<Tensor>(ones({idx.numel()}, {.dtype = kFloat64}))
          : std::nullopt;
  return error_text([&] {
    F::embedding_bag(two_d ? idx.reshape({1, -1}) : idx, w, offsets, std::nullopt, 2., false, mode,
                     false, psw);
  });
}

}  // namespace

TEST(NnEmbeddingSweepParity, Values) {
  std::map<std::string, Case> cases;
  ParityFile file("nn_embedding_sweep");
  for (const std::string& c : file.cases()) cases[c] = {sweep_case};
  ASSERT_GE(cases.size(), 137u);
  run_parity("nn_embedding_sweep", cases);
}

TEST(NnEmbeddingSweepParity, Errors) {
  ParityFile file("nn_embedding_sweep");
  std::map<std::string, std::string> want, got;
  for (auto [k, v] : file.metadata()) {
    // torch 1.13 appends the printed offsets tensor ("\n[ torch.LongTensor{} ]")
    if (k.rfind("err_bag_offsets0", 0) == 0) v = v.substr(0, v.find('\n'));
    want[k] = v;
  }
  std::map<std::string, std::string> args;
  for (auto it = want.begin(); it != want.end();) {
    if (it->first.rfind("args_", 0) == 0) {
      args[it->first.substr(5)] = it->second;
      it = want.erase(it);
    } else {
      ++it;
    }
  }
  ASSERT_GE(want.size(), 24u);
  for (const auto& [name, a] : args) got[name] = error_of(name, a);
  ember::testing::expect_texts(want, got);
}
