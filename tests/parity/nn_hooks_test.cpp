// Module hooks against torch.nn.Module (see gen_nn_hooks.py): the order in
// which every hook kind fires on a nested model, the gradients backward hooks
// see, and the errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::error_text;
using ember::testing::ParityFile;

namespace {

struct Affine : nn::Module {
  Tensor w, b;
  Affine(int64_t n, float scale) {
    w = register_parameter("w", full({n}, scale));
    b = register_parameter("b", arange(n).to(kFloat32));
  }
  Tensor forward(const Tensor& x) { return x * w + b; }
};

struct Pair : nn::Module {
  nn::Handle<Affine> a = register_module("a", nn::make<Affine>(3, 2.0f));
  nn::Handle<Affine> b = register_module("b", nn::make<Affine>(3, 3.0f));
  std::tuple<Tensor, Tensor> forward(const Tensor& x, double k) { return {a(x) * k, b(x)}; }
};

struct Net : nn::Module {
  nn::Handle<Pair> pair = register_module("pair", nn::make<Pair>());
  nn::Handle<Affine> head = register_module("head", nn::make<Affine>(3, 0.5f));
  Tensor forward(const Tensor& x) {
    auto [p, q] = pair(x, 2.0);
    return head(p + q * q);
  }
};

std::string fmt(const Tensor& t) {
  if (!t.defined()) return "None";
  std::string s = "[";
  auto v = t.contiguous().tolist<float>();
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v[i]));
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + "]";
}

std::string fmt_all(const std::vector<Tensor>& ts) {
  std::string s = "(";
  for (size_t i = 0; i < ts.size(); ++i) s += (i ? ", " : "") + fmt(ts[i]);
  return s + ")";
}

std::string join(const std::vector<std::string>& xs) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? "\n" : "") + xs[i];
  return s;
}

}  // namespace

TEST(NnHooksParity, OrderGradientsAndErrorsMatchPyTorch) {
  ParityFile f("nn_hooks");
  std::map<std::string, std::string> got;

  auto net = nn::make<Net>();
  std::map<const nn::Module*, std::string> names;
  for (const auto& [n, m] : net->named_modules()) names[m.get()] = n.empty() ? "net" : n;
  std::vector<std::string> trace;
  std::vector<RemovableHandle> handles;
  for (const auto& [path, m] : net->named_modules()) {
    const std::string n = names[m.get()];
    handles.push_back(m->register_forward_pre_hook([&trace, n](nn::Module&, const nn::Args& a) {
      trace.push_back("pre " + n + " nargs=" + std::to_string(a.size()));
    }));
    handles.push_back(
        m->register_forward_hook([&trace, n](nn::Module&, const nn::Args&, const nn::Value& out) {
          trace.push_back("fwd " + n + " out=" + (out.is_tuple() ? "tuple" : "Tensor"));
        }));
    handles.push_back(m->register_full_backward_hook(
        [&trace, n](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>& go) {
          trace.push_back("bwd " + n + " gi=" + fmt_all(gi) + " go=" + fmt_all(go));
        }));
  }
  handles.push_back(nn::register_module_forward_pre_hook(
      [&](nn::Module& m, const nn::Args&) { trace.push_back("global pre " + names[&m]); }));
  handles.push_back(
      nn::register_module_forward_hook([&](nn::Module& m, const nn::Args&, const nn::Value&) {
        trace.push_back("global fwd " + names[&m]);
      }));
  handles.push_back(nn::register_module_full_backward_hook(
      [&](nn::Module& m, const std::vector<Tensor>&, const std::vector<Tensor>&) {
        trace.push_back("global bwd " + names[&m]);
      }));
  Tensor x = tensor({1.0f, -2.0f, 0.5f}).requires_grad_();
  Tensor y = net(x);
  trace.push_back("-- backward");
  (y * tensor({1.0f, 2.0f, 3.0f})).sum().backward();
  got["trace"] = join(trace);
  got["x_grad"] = fmt(x.grad());
  std::vector<std::string> pg;
  for (const auto& [n, p] : net->named_parameters()) pg.push_back(n + " " + fmt(p.grad()));
  got["param_grads"] = join(pg);
  for (auto& h : handles) h.remove();

  net->zero_grad();
  auto h = net->head->register_full_backward_hook(
      [](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>&) {
        return std::vector<Tensor>{gi[0] * 0.5};
      });
  Tensor x2 = tensor({1.0f, -2.0f, 0.5f}).requires_grad_();
  net(x2).sum().backward();
  got["replaced_x_grad"] = fmt(x2.grad());
  h.remove();

  std::vector<std::string> legacy;
  auto aff = nn::make<Affine>(3, 2.0f);
  aff->register_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>& go) {
        legacy.push_back("gi=" + fmt_all(gi) + " go=" + fmt_all(go));
      });
  Tensor x3 = tensor({1.0f, 2.0f, 3.0f}).requires_grad_();
  (aff(x3) * tensor({1.0f, 2.0f, 3.0f})).sum().backward();
  got["legacy"] = join(legacy);

  struct Inplace : nn::Module {
    Tensor forward(Tensor x) { return x.mul_(2.0); }
  };
  auto ip = nn::make<Inplace>();
  ip->register_full_backward_hook(
      [](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {});
  got["err_inplace"] = error_text([&] { ip(ones({2}).requires_grad_() * 1.0); });
  auto mixed = nn::make<Affine>(1, 1.0f);
  mixed->register_backward_hook(
      [](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {});
  got["err_mixed"] = error_text([&] {
    mixed->register_full_backward_hook(
        [](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {});
  });

  ember::testing::expect_texts(f.metadata(), got);
}
