// Module::state_dict and load_state_dict against torch.nn.Module: the model of
// gen_nn_state_dict.py (gen_nn_module.py's tree plus a module with extra state),
// its state_dict keys in order and values, checkpoints written by torch to
// safetensors loaded into it, the errors of strict loads and the
// IncompatibleKeys of non-strict ones, with and without load hooks.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>

#include "ember/ember.h"
#include "support/nn_tree.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Leaf;
using ember::testing::ParityFile;

namespace {

// Extra state: a step counter, saved as an int64 scalar tensor.
struct Counter : nn::Module {
  int64_t steps = 0;
  Counter() {
    register_parameter("w", zeros({3}));
    register_module("inner", nn::make<Leaf>());
  }
  std::optional<Tensor> get_extra_state() const override {
    return full({}, steps, {.dtype = kInt64});
  }
  void set_extra_state(const Tensor& state) override { steps = state.item<int64_t>(); }
};

struct Net : ember::testing::TreeNet {
  Net() { register_module("counter", nn::make<Counter>()); }
};

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "\n" : "") + v[i];
  return s;
}

// A checkpoint stored whole in the parity file: the bytes of a safetensors file.
nn::StateDict from_blob(const Tensor& blob) {
  return load_safetensors_from_buffer(blob.data_ptr(), static_cast<size_t>(blob.numel())).tensors;
}

std::string outcome(const std::function<nn::IncompatibleKeys()>& fn) {
  try {
    return fn().str();
  } catch (const RuntimeError& e) {
    return std::string("RuntimeError: ") + e.what();
  } catch (const Error& e) {
    return std::string("Error: ") + e.what();
  }
}

// The load hooks of the "hooks" case (see gen_nn_state_dict.py).
void add_hooks(Net& net) {
  net.get_submodule("head")->register_load_state_dict_pre_hook(
      [](nn::Module&, nn::StateDict& sd, const std::string& prefix, nn::LoadStateDictContext&) {
        if (Tensor* w = sd.find(prefix + "w")) {
          Tensor t = *w;
          sd.erase(prefix + "w");
          sd.insert(prefix + "weight", t);
        }
      });
  net.get_submodule("first")->register_load_state_dict_post_hook(
      [](nn::Module&, nn::IncompatibleKeys& k) { k.missing_keys.clear(); });
  net.get_submodule("second")->register_load_state_dict_post_hook(
      [](nn::Module&, nn::IncompatibleKeys& k) { k.unexpected_keys.push_back("second.fake"); });
}

// "<case>_strict" and "<case>_nonstrict", each loaded into a fresh Net.
void load_texts(std::map<std::string, std::string>& got, const std::string& name,
                const nn::StateDict& sd, bool hooks = false) {
  for (const bool strict : {true, false}) {
    auto net = nn::make<Net>();
    if (hooks) add_hooks(*net);
    got[name + (strict ? "_strict" : "_nonstrict")] =
        outcome([&] { return net->load_state_dict(sd, strict); });
  }
}

void expect_values(const ParityFile& f, const std::string& c, const nn::StateDict& sd) {
  const auto want = f.outputs(c);
  ASSERT_EQ(want.size(), sd.size()) << c;
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& [key, value] = sd.items()[i];
    EXPECT_EQ(ember::testing::compare(value, want[i]), "") << c << ": " << key;
  }
}

}  // namespace

TEST(NnStateDictParity, KeysValuesAndLoadsMatchPyTorch) {
  ParityFile f("nn_state_dict");
  std::map<std::string, std::string> got;

  auto net = nn::make<Net>();
  const nn::StateDict sd = net->state_dict();
  got["keys"] = lines(sd.keys());
  got["keys_prefix"] = lines(net->state_dict("model.").keys());
  std::vector<std::string> params;
  for (const auto& [k, v] : net->state_dict("", true))
    if (nn::is_parameter(v)) params.push_back(k);
  got["keys_parameters"] = lines(params);
  expect_values(f, "fresh", sd);

  auto hooked = nn::make<Net>();
  hooked->get_submodule("head")->register_state_dict_hook(
      [](nn::Module&, nn::StateDict& d, const std::string& prefix) {
        d.insert(prefix + "note", ones({}));
      });
  hooked->register_state_dict_hook(
      [](nn::Module&, nn::StateDict& d, const std::string& prefix) { d.erase(prefix + "tied"); });
  got["keys_hooked"] = lines(hooked->state_dict().keys());

  // torch's checkpoint loads; tied and shared entries end with the last value.
  const nn::StateDict ckpt = from_blob(f.get("checkpoint/in0"));
  auto loaded = nn::make<Net>();
  got["checkpoint_result"] = outcome([&] { return loaded->load_state_dict(ckpt); });
  expect_values(f, "checkpoint", loaded->state_dict());

  for (const char* c : {"missing", "unexpected", "mismatch", "all"})
    load_texts(got, c, from_blob(f.get(std::string(c) + "/in0")));

  nn::StateDict none = ckpt;
  none.insert("head.weight", Tensor());
  load_texts(got, "none", none);

  const nn::StateDict old = from_blob(f.get("hooks/in0"));
  load_texts(got, "hooks", old, /*hooks=*/true);
  auto with_hooks = nn::make<Net>();
  add_hooks(*with_hooks);
  with_hooks->load_state_dict(old, false);
  expect_values(f, "hooks", with_hooks->state_dict());

  ember::testing::expect_texts(f.metadata(), got);
  const std::set<std::string> handled = {"fresh",    "checkpoint", "missing", "unexpected",
                                         "mismatch", "all",        "hooks"};
  for (const auto& c : f.cases()) EXPECT_TRUE(handled.count(c)) << "case only PyTorch has: " << c;
}
