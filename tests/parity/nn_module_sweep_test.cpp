// A seeded random sweep of nn::Module's tree semantics against torch.nn.Module
// (tests/parity/gen_nn_module_sweep.py): each random tree of containers,
// layers and Custom modules (None members, non-persistent buffers, shared
// submodules, tied parameters, container edits, some invalid) is built from
// its text spec, and its traversals, lookups, state_dict, loads of perturbed
// checkpoints (a load that throws must leave the module as it was), modes,
// requires_grad_, zero_grad, conversions and printed form are compared with
// PyTorch's.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::error_text;
using ember::testing::ParityFile;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (s.back() == sep) out.emplace_back();
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "\n" : "") + v[i];
  return s;
}

const char* py_bool(bool b) { return b ? "True" : "False"; }

std::string shp(const Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (i) s += ',';
    s += std::to_string(t.size(i));
  }
  return s + "]";
}

// "2x3" / "scalar" (gen's fmt_shape).
std::vector<int64_t> parse_shape(const std::string& s) {
  std::vector<int64_t> out;
  if (s == "scalar") return out;
  for (const auto& d : split(s, 'x')) out.push_back(std::stoll(d));
  return out;
}

std::vector<int64_t> parse_ints(const std::string& s) {
  std::vector<int64_t> out;
  for (const auto& d : split(s, ',')) out.push_back(std::stoll(d));
  return out;
}

nn::ConvSize conv_size(const std::string& tok) {
  const auto v = parse_ints(tok);
  if (tok.find(',') == std::string::npos) return nn::ConvSize(v[0]);
  return nn::ConvSize(IntArrayRef(v));
}

// gen_nn_module_sweep.py's Custom.
struct Custom : nn::Module {
  std::string desc;
  Custom(const std::string& pshape, const std::string& bshape, bool persistent, bool steps) {
    if (pshape == "-")
      register_parameter("weight", Tensor());
    else
      register_parameter("weight", randn(parse_shape(pshape)));
    register_buffer("stat", bshape == "-" ? Tensor() : randn(parse_shape(bshape)), persistent);
    if (steps) register_buffer("steps", zeros({}, {.dtype = kInt64}));
    desc = "weight=" + (pshape == "-" ? std::string("None") : pshape) +
           ", stat=" + (bshape == "-" ? std::string("None") : bshape) +
           ", persistent=" + py_bool(persistent) + (steps ? "\nsteps" : "");
  }
  std::string extra_repr() const override { return desc; }
};

nn::ModulePtr make_module(const std::string& kind, const std::vector<std::string>& a) {
  auto flag = [&](size_t i) { return a.at(i) == "1"; };
  auto opt_double = [&](size_t i) -> std::optional<double> {
    if (a.at(i) == "-") return std::nullopt;
    return std::stod(a[i]);
  };
  if (kind == "Sequential") return nn::make<nn::Sequential>();
  if (kind == "ModuleList") return nn::make<nn::ModuleList>();
  if (kind == "ModuleDict") return nn::make<nn::ModuleDict>();
  if (kind == "Linear")
    return nn::make<nn::Linear>(std::stoll(a.at(0)), std::stoll(a.at(1)), flag(2));
  if (kind == "Conv2d")
    return nn::make<nn::Conv2d>(std::stoll(a.at(0)), std::stoll(a.at(1)), conv_size(a.at(2)),
                                nn::Conv2dOptions{.stride = conv_size(a.at(3)),
                                                  .padding = nn::ConvPadding(conv_size(a.at(4))),
                                                  .bias = flag(5)});
  if (kind == "BatchNorm1d")
    return nn::make<nn::BatchNorm1d>(std::stoll(a.at(0)), std::stod(a.at(1)), opt_double(2),
                                     flag(3), flag(4));
  if (kind == "BatchNorm2d")
    return nn::make<nn::BatchNorm2d>(std::stoll(a.at(0)), std::stod(a.at(1)), opt_double(2),
                                     flag(3), flag(4));
  if (kind == "LayerNorm")
    return nn::make<nn::LayerNorm>(IntArrayRef(parse_ints(a.at(0))), std::stod(a.at(1)), flag(2));
  if (kind == "Embedding") {
    nn::EmbeddingOptions o;
    if (a.at(2) != "-") o.padding_idx = std::stoll(a[2]);
    return nn::make<nn::Embedding>(std::stoll(a.at(0)), std::stoll(a.at(1)), o);
  }
  if (kind == "Custom") return nn::make<Custom>(a.at(0), a.at(1), flag(2), flag(3));
  throw std::runtime_error("unknown kind " + kind);
}

std::optional<int64_t> opt_int(const std::string& tok) {
  if (tok == "-") return std::nullopt;
  return std::stoll(tok);
}

// Runs one spec line (gen's apply) on mods (id -> module).
void run_line(std::map<std::string, nn::ModulePtr>& mods, const std::vector<std::string>& t) {
  const std::string& op = t.at(0);
  auto get = [&](const std::string& tok) { return tok == "-" ? nn::ModulePtr() : mods.at(tok); };
  auto many = [&](const std::string& tok) {
    std::vector<nn::ModulePtr> out;
    for (const auto& x : split(tok, ',')) out.push_back(mods.at(x));
    return out;
  };
  auto seq = [&]() { return dynamic_cast<nn::Sequential*>(mods.at(t.at(1)).get()); };
  auto list = [&]() -> nn::ModuleList& { return dynamic_cast<nn::ModuleList&>(*mods.at(t.at(1))); };
  auto dict = [&]() -> nn::ModuleDict& { return dynamic_cast<nn::ModuleDict&>(*mods.at(t.at(1))); };
  if (op == "new") {
    mods[t.at(1)] = make_module(t.at(2), std::vector<std::string>(t.begin() + 3, t.end()));
  } else if (op == "append") {
    if (auto* s = seq())
      s->append(mods.at(t.at(2)));
    else
      list().append(mods.at(t.at(2)));
  } else if (op == "set") {
    dict().set(t.at(2), get(t.at(3)));
  } else if (op == "add") {
    mods.at(t.at(1))->add_module(t.at(2), get(t.at(3)));
  } else if (op == "tie") {
    const Tensor* p = mods.at(t.at(3))->named_parameters_local().find(t.at(4));
    mods.at(t.at(1))->register_parameter(t.at(2), *p);
  } else if (op == "setidx") {
    if (auto* s = seq())
      s->set(std::stoll(t.at(2)), get(t.at(3)));
    else
      list().set(std::stoll(t.at(2)), get(t.at(3)));
  } else if (op == "delidx") {
    if (auto* s = seq())
      s->erase(std::stoll(t.at(2)));
    else
      list().erase(std::stoll(t.at(2)));
  } else if (op == "delslice") {
    const Slice sl(opt_int(t.at(2)), opt_int(t.at(3)), std::stoll(t.at(4)));
    if (auto* s = seq())
      s->erase(sl);
    else
      list().erase(sl);
  } else if (op == "insert") {
    if (auto* s = seq())
      s->insert(std::stoll(t.at(2)), mods.at(t.at(3)));
    else
      list().insert(std::stoll(t.at(2)), mods.at(t.at(3)));
  } else if (op == "pop") {
    if (auto* s = seq())
      s->pop(std::stoll(t.at(2)));
    else
      list().pop(std::stoll(t.at(2)));
  } else if (op == "popkey") {
    dict().pop(t.at(2));
  } else if (op == "delkey") {
    dict().erase(t.at(2));
  } else if (op == "extend") {
    if (auto* s = seq())
      s->extend(many(t.at(2)));
    else
      list().extend(many(t.at(2)));
  } else if (op == "iadd") {
    list() += many(t.at(2));
  } else if (op == "update") {
    std::vector<nn::ModuleDict::Item> items;
    for (const auto& kv : split(t.at(2), ',')) {
      const auto p = split(kv, '=');
      items.emplace_back(p.at(0), mods.at(p.at(1)));
    }
    dict().update(items);
  } else if (op == "clear") {
    dict().clear();
  } else if (op == "buf") {
    mods.at(t.at(1))->register_buffer(t.at(2), t.at(3) == "-" ? Tensor() : randn(parse_shape(t[3])),
                                      t.at(4) == "1");
  } else {
    throw std::runtime_error("unknown op " + op);
  }
}

// Runs the spec's construction lines (gen's build); returns the root. The
// outcomes of "edit" lines go to `outcomes`.
nn::ModulePtr build(const std::string& spec, std::vector<std::string>* outcomes = nullptr) {
  std::map<std::string, nn::ModulePtr> mods;
  nn::ModulePtr root;
  for (const auto& line : split(spec, '\n')) {
    const auto t = split(line, ' ');
    if (t.at(0) == "root") {
      root = mods.at(t.at(1));
    } else if (t[0] == "edit") {
      const std::string err =
          error_text([&] { run_line(mods, std::vector<std::string>(t.begin() + 1, t.end())); });
      if (outcomes) outcomes->push_back(err == "no error" ? "ok" : err);
    } else if (t[0] != "mode" && t[0] != "req" && t[0] != "zero" && t[0] != "look" &&
               t[0] != "memo") {
      run_line(mods, t);
    }
  }
  return root;
}

std::string outcome(const std::function<nn::IncompatibleKeys()>& fn) {
  std::string result;
  const std::string err = error_text([&] { result = fn().str(); });
  return err == "no error" ? result : err;
}

// "" when sd's values are `want`, exactly.
std::string diff_values(const nn::StateDict& sd, const std::vector<Tensor>& want) {
  if (sd.size() != want.size())
    return "state_dict has " + std::to_string(sd.size()) + " entries, PyTorch's " +
           std::to_string(want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& [k, v] = sd.items()[i];
    const std::string d = ember::testing::compare(v, want[i], ember::testing::Tolerance{0, 0});
    if (!d.empty()) return k + ": " + d;
  }
  return "";
}

// A copy of the state_dict's values, to check that a failed load changed nothing.
std::vector<Tensor> snapshot(nn::Module& m) {
  std::vector<Tensor> out;
  for (const auto& [k, v] : m.state_dict()) out.push_back(v.clone());
  return out;
}

nn::StateDict make_state_dict(const std::string& keys_text, const std::vector<Tensor>& values) {
  const auto keys = split(keys_text, '\n');
  EXPECT_EQ(keys.size(), values.size());
  nn::StateDict sd;
  for (size_t i = 0; i < keys.size() && i < values.size(); ++i) sd.insert(keys[i], values[i]);
  return sd;
}

struct Op {
  std::string kind, path, arg;
};

std::vector<Op> ops_of(const std::string& spec) {
  std::vector<Op> ops;
  for (const auto& line : split(spec, '\n')) {
    const auto t = split(line, ' ');
    if (t[0] == "mode" || t[0] == "req" || t[0] == "zero")
      ops.push_back({t[0], t.at(1) == "." ? "" : t[1], t.at(2)});
  }
  return ops;
}

std::string dtypes(nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [n, p] : m.named_parameters())
    out.push_back(n + ":" + dtype_name(p.dtype()) + ":" +
                  (p.grad().defined() ? dtype_name(p.grad().dtype()) : "None"));
  for (const auto& [n, b] : m.named_buffers()) out.push_back(n + ":" + dtype_name(b.dtype()));
  for (const auto& [k, v] : m.state_dict()) out.push_back("sd " + k + ":" + dtype_name(v.dtype()));
  return join(out);
}

// Everything one tree writes (see gen_nn_module_sweep.py's tree_texts).
void tree_texts(const ParityFile& f, const std::string& name,
                std::map<std::string, std::string>& got, std::set<std::string>& handled) {
  const auto& meta = f.metadata();
  const std::string T = name + "/";
  const std::string spec = meta.at(T + "spec");
  got[T + "spec"] = spec;
  SCOPED_TRACE(name + ":\n" + spec);

  std::vector<std::string> edits;
  nn::ModulePtr net = build(spec, &edits);
  got[T + "edits"] = join(edits);
  auto names = [](const auto& pairs) {
    std::vector<std::string> out;
    for (const auto& [n, x] : pairs) out.push_back(n);
    return join(out);
  };
  {
    std::vector<std::string> out;
    for (const auto& [n, m] : net->named_modules()) out.push_back(n + ":" + m->name());
    got[T + "modules"] = join(out);
  }
  got[T + "modules_dup"] = names(net->named_modules(nullptr, "root", false));
  got[T + "children"] = names(net->named_children());
  {
    std::vector<std::string> out;
    for (const auto& [n, p] : net->named_parameters())
      out.push_back(n + ":" + shp(p) + ":" + dtype_name(p.dtype()) + ":" +
                    py_bool(p.requires_grad()));
    got[T + "params"] = join(out);
  }
  got[T + "params_local"] = names(net->named_parameters("", false));
  got[T + "params_dup"] = names(net->named_parameters("", true, false));
  got[T + "params_prefix"] = names(net->named_parameters("net"));
  {
    std::vector<std::string> out;
    for (const auto& [n, b] : net->named_buffers())
      out.push_back(n + ":" + shp(b) + ":" + dtype_name(b.dtype()));
    got[T + "buffers"] = join(out);
  }
  got[T + "buffers_local"] = names(net->named_buffers("", false));
  got[T + "buffers_dup"] = names(net->named_buffers("", true, false));
  got[T + "counts"] =
      std::to_string(net->parameters().size()) + " " + std::to_string(net->buffers().size()) + " " +
      std::to_string(net->modules().size()) + " " + std::to_string(net->children().size());
  {
    std::vector<std::string> out;
    for (const auto& [k, v] : net->state_dict())
      out.push_back(k + ":" + shp(v) + ":" + dtype_name(v.dtype()));
    got[T + "sd"] = join(out);
    out.clear();
    for (const auto& [k, v] : net->state_dict("model.", true))
      out.push_back(k + ":" + py_bool(nn::is_parameter(v)));
    got[T + "sd_vars"] = join(out);
  }
  got[T + "repr"] = net->str();
  {
    std::vector<std::string> order;
    net->apply([&](nn::Module& m) { order.push_back(m.name()); });
    got[T + "apply"] = join(order);
    std::vector<std::string> looks;
    for (const auto& line : split(spec, '\n')) {
      const auto t = split(line, ' ');
      if (t[0] != "look") continue;
      const std::string target = t.at(2) == "." ? "" : t[2];
      std::string res;
      const std::string err = error_text([&] {
        if (t[1] == "sub") {
          res = net->get_submodule(target)->name();
        } else if (t[1] == "param") {
          res = shp(net->get_parameter(target));
        } else {
          const Tensor b = net->get_buffer(target);
          res = b.defined() ? shp(b) : "None";
        }
      });
      looks.push_back(err == "no error" ? res : err);
    }
    got[T + "lookups"] = join(looks);
  }
  for (const auto& line : split(spec, '\n')) {
    const auto t = split(line, ' ');
    if (t[0] != "memo") continue;
    std::set<const nn::Module*> memo;
    auto first = net->get_submodule(t.at(1) == "." ? "" : t[1]);
    auto second = net->get_submodule(t.at(2) == "." ? "" : t[2]);
    const bool dedup = t.at(3) == "1";
    std::vector<std::string> out;
    for (const auto& [n, m] : first->named_modules(&memo, "", dedup)) out.push_back(n);
    out.emplace_back("--");
    for (const auto& [n, m] : second->named_modules(&memo, "p", dedup)) out.push_back(n);
    got[T + "memo"] = join(out);
  }

  // torch's checkpoint loads; the state_dict then holds torch's values.
  // PyTorch's keys (its "sd" lines are "key:[shape]:dtype").
  std::vector<std::string> sd_key_list;
  for (const auto& line : split(meta.at(T + "sd"), '\n'))
    sd_key_list.push_back(split(line, ':')[0]);
  const nn::StateDict ckpt = make_state_dict(join(sd_key_list), f.inputs(name + "_ckpt"));
  {
    nn::ModulePtr base = build(spec);
    got[T + "ckpt"] = outcome([&] { return base->load_state_dict(ckpt); });
    EXPECT_EQ(diff_values(base->state_dict(), f.outputs(name + "_ckpt")), "") << "ckpt";
    handled.insert(name + "_ckpt");
  }

  // perturbed checkpoints, strict and not; a load that throws changes nothing
  for (int j = 0; j < 3; ++j) {
    const std::string L = "load" + std::to_string(j);
    const std::string c = name + "_" + L;
    handled.insert(c);
    got[T + L + "_keys"] = meta.at(T + L + "_keys");
    const nn::StateDict bad = make_state_dict(meta.at(T + L + "_keys"), f.inputs(c));
    for (const bool strict : {true, false}) {
      nn::ModulePtr m = build(spec);
      m->load_state_dict(ckpt);
      const std::vector<Tensor> before = snapshot(*m);
      bool threw = false;
      got[T + L + (strict ? "_strict" : "_nonstrict")] = outcome([&] {
        try {
          return m->load_state_dict(bad, strict);
        } catch (...) {
          threw = true;
          throw;
        }
      });
      if (threw) {
        EXPECT_EQ(diff_values(m->state_dict(), before), "")
            << L << " strict=" << strict << " changed the module";
      } else if (!strict) {
        const auto want = f.outputs(c);
        if (!want.empty()) {
          EXPECT_EQ(diff_values(m->state_dict(), want), "") << L;
        }
      }
    }
  }

  // train / eval, requires_grad_, zero_grad
  nn::ModulePtr m = build(spec);
  nn::ModulePtr grads = build(spec);
  {
    int64_t i = 0;
    for (auto& p : grads->parameters()) {
      // plain gradients, ones that require grad, and ones with a grad_fn
      Tensor g = full(p.sizes(), static_cast<double>(i + 1));
      if (i % 3 != 0) g.requires_grad_(true);
      p.set_grad(i % 3 == 2 ? g * 1.0 : g);
      ++i;
    }
  }
  for (const Op& op : ops_of(spec)) {
    if (op.kind == "mode") {
      nn::ModulePtr sub = m->get_submodule(op.path);
      if (op.arg == "eval")
        sub->eval();
      else
        sub->train(op.arg == "train");
    } else if (op.kind == "req") {
      m->get_submodule(op.path)->requires_grad_(op.arg == "1");
    } else {
      grads->get_submodule(op.path)->zero_grad(op.arg == "1");
    }
  }
  {
    std::vector<std::string> out;
    for (const auto& [n, x] : m->named_modules(nullptr, "", false))
      out.push_back(n + ":" + py_bool(x->is_training()));
    got[T + "modes"] = join(out);
    out.clear();
    for (const auto& [n, p] : m->named_parameters())
      out.push_back(n + ":" + py_bool(p.requires_grad()));
    got[T + "requires_grad"] = join(out);
    out.clear();
    for (const auto& [n, p] : grads->named_parameters()) {
      const Tensor g = p.grad();
      std::string state = "None";
      if (g.defined())
        state = std::to_string(static_cast<int64_t>(g.detach().sum(kFloat64).item<double>())) +
                ":" + py_bool(g.requires_grad()) + ":" + py_bool(g.grad_fn() != nullptr);
      out.push_back(n + ":" + state);
    }
    got[T + "zero_grad"] = join(out);
  }

  // conversions
  nn::ModulePtr conv = build(spec);
  conv->load_state_dict(ckpt);
  for (auto& p : conv->parameters()) p.set_grad(ones_like(p));
  conv->to(kFloat64);
  got[T + "double"] = dtypes(*conv);
  conv->half();
  got[T + "half"] = dtypes(*conv);
  EXPECT_EQ(diff_values(conv->state_dict(), f.outputs(name + "_half")), "") << "half";
  handled.insert(name + "_half");
  got[T + "half_load"] = outcome([&] { return conv->load_state_dict(ckpt); });
  EXPECT_EQ(diff_values(conv->state_dict(), f.outputs(name + "_halfload")), "") << "half_load";
  handled.insert(name + "_halfload");
  conv->bfloat16();
  got[T + "bfloat16"] = dtypes(*conv);
  conv->float_();
  got[T + "float"] = dtypes(*conv);
  conv->type(kFloat64);
  got[T + "type"] = dtypes(*conv);
}

}  // namespace

TEST(NnModuleSweepParity, RandomTreesMatchPyTorch) {
  ParityFile f("nn_module_sweep");
  std::vector<std::string> trees;
  for (const auto& [k, v] : f.metadata())
    if (k.size() > 5 && k.compare(k.size() - 5, 5, "/spec") == 0)
      trees.push_back(k.substr(0, k.size() - 5));
  ASSERT_GE(trees.size(), 80u);
  std::map<std::string, std::string> got;
  std::set<std::string> handled;
  for (const auto& name : trees) {
    try {
      tree_texts(f, name, got, handled);
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": " << e.what();
    }
  }
  EXPECT_GE(got.size(), 80u * 35);
  ember::testing::expect_texts(f.metadata(), got);
  ASSERT_GE(f.cases().size(), 80u * 5);
  for (const auto& c : f.cases()) EXPECT_TRUE(handled.count(c)) << "case only PyTorch has: " << c;
}
