// Module::state_dict and load_state_dict: key order, keep_vars, extra state,
// the four kinds of hooks, strict and non-strict loads, assign, and that a load
// that throws leaves the module exactly as it was. (Keys, values and messages
// against PyTorch are in tests/parity/nn_state_dict_test.cpp.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

namespace {

struct Leaf : nn::Module {
  Tensor weight = register_parameter("weight", ones({2}));
  Tensor bias = register_parameter("bias", Tensor());
  Tensor running = register_buffer("running", zeros({2}));
  Tensor scratch = register_buffer("scratch", zeros({1}), /*persistent=*/false);
};

// A module with extra state: a step counter saved as an int64 scalar.
struct Counter : nn::Module {
  int64_t steps = 0;
  bool fail_on_set = false;
  Tensor w = register_parameter("w", zeros({3}));
  std::shared_ptr<Leaf> inner = register_module("inner", nn::make<Leaf>());
  std::optional<Tensor> get_extra_state() const override {
    return full({}, steps, {.dtype = kInt64});
  }
  void set_extra_state(const Tensor& state) override {
    if (fail_on_set) throw ValueError("Counter: refusing the state");
    steps = state.item<int64_t>();
  }
};

struct Block : nn::Module {
  std::shared_ptr<Leaf> a = register_module("a", nn::make<Leaf>());
  std::shared_ptr<Leaf> shared;
  std::shared_ptr<Leaf> b;
  explicit Block(std::shared_ptr<Leaf> s) {
    shared = register_module("shared", std::move(s));
    register_module("missing", std::shared_ptr<nn::Module>());
    b = register_module("b", nn::make<Leaf>());
  }
};

struct Net : nn::Module {
  std::shared_ptr<Leaf> shared_leaf = nn::make<Leaf>();
  std::shared_ptr<Block> first = register_module("first", nn::make<Block>(shared_leaf));
  std::shared_ptr<Block> second = register_module("second", nn::make<Block>(shared_leaf));
  Tensor tied = register_parameter("tied", first->a->weight);
  std::shared_ptr<Leaf> head = register_module("head", nn::make<Leaf>());
  std::shared_ptr<Leaf> alias = register_module("alias", head);
  std::shared_ptr<Counter> counter = register_module("counter", nn::make<Counter>());
};

std::vector<std::string> keys(const nn::StateDict& sd) { return sd.keys(); }

// A state dict for Net whose every entry has its own value (key i holds i + 1).
nn::StateDict numbered(nn::Module& m) {
  nn::StateDict sd;
  int i = 0;
  for (const auto& [k, v] : m.state_dict()) sd.insert(k, full_like(v, ++i));
  return sd;
}

// Every parameter and buffer (under every name), its values and version.
struct Snapshot {
  std::vector<std::string> names;
  std::vector<Tensor> values;
  std::vector<uint32_t> versions;
  std::vector<const void*> data;
  explicit Snapshot(nn::Module& m) {
    auto add = [&](const std::vector<std::pair<std::string, Tensor>>& items) {
      for (const auto& [n, t] : items) {
        names.push_back(n);
        values.push_back(t.clone());
        versions.push_back(t._version());
        data.push_back(t.data_ptr());
      }
    };
    add(m.named_parameters("", true, false));
    add(m.named_buffers("", true, false));
  }
  void expect_same(nn::Module& m) const {
    Snapshot now(m);
    ASSERT_EQ(now.names, names);
    for (size_t i = 0; i < names.size(); ++i) {
      EXPECT_TRUE(equal(now.values[i], values[i])) << names[i];
      EXPECT_EQ(now.versions[i], versions[i]) << names[i];
      EXPECT_EQ(now.data[i], data[i]) << names[i];
    }
  }
};

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(StateDict, KeysInPyTorchOrder) {
  auto net = nn::make<Net>();
  // Per module: parameters, persistent buffers, _extra_state, then children;
  // shared modules and the tied parameter under every name; None and
  // non-persistent members left out.
  const std::vector<std::string> want = {"tied",
                                         "first.a.weight",
                                         "first.a.running",
                                         "first.shared.weight",
                                         "first.shared.running",
                                         "first.b.weight",
                                         "first.b.running",
                                         "second.a.weight",
                                         "second.a.running",
                                         "second.shared.weight",
                                         "second.shared.running",
                                         "second.b.weight",
                                         "second.b.running",
                                         "head.weight",
                                         "head.running",
                                         "alias.weight",
                                         "alias.running",
                                         "counter.w",
                                         "counter._extra_state",
                                         "counter.inner.weight",
                                         "counter.inner.running"};
  EXPECT_EQ(keys(net->state_dict()), want);
  // The prefix is prepended as given, as PyTorch does.
  auto prefixed = keys(net->state_dict("model."));
  ASSERT_EQ(prefixed.size(), want.size());
  EXPECT_EQ(prefixed[0], "model.tied");
  EXPECT_EQ(prefixed[18], "model.counter._extra_state");
  EXPECT_EQ(keys(net->head->state_dict("x")), (std::vector<std::string>{"xweight", "xrunning"}));
  // A module without members has an empty state dict.
  EXPECT_TRUE(nn::Module("Empty").state_dict().empty());
  // The extra state is what get_extra_state returns.
  net->counter->steps = 7;
  EXPECT_EQ(net->state_dict().at("counter._extra_state").item<int64_t>(), 7);
}

TEST(StateDict, KeepVars) {
  auto net = nn::make<Net>();
  auto sd = net->state_dict();
  const Tensor& w = sd.at("head.weight");
  EXPECT_FALSE(w.is_same(net->head->weight));
  EXPECT_FALSE(w.requires_grad());
  EXPECT_EQ(w.data_ptr(), net->head->weight.data_ptr());  // detached, same data
  EXPECT_FALSE(nn::is_parameter(w));
  // The tied parameter: two detached handles on one storage.
  EXPECT_EQ(sd.at("tied").data_ptr(), sd.at("first.a.weight").data_ptr());
  auto vars = net->state_dict("", /*keep_vars=*/true);
  EXPECT_TRUE(vars.at("head.weight").is_same(net->head->weight));
  EXPECT_TRUE(vars.at("alias.weight").is_same(net->head->weight));
  EXPECT_TRUE(vars.at("tied").is_same(net->first->a->weight));
  EXPECT_TRUE(vars.at("head.running").is_same(net->head->running));
  EXPECT_TRUE(vars.at("head.weight").requires_grad());
  // A detached entry shares the version counter: an in-place change is seen.
  const uint32_t v = net->head->weight._version();
  {
    NoGradGuard g;
    sd.at("head.weight").fill_(3);
  }
  EXPECT_EQ(net->head->weight._version(), v + 1);
  EXPECT_EQ(net->head->weight.sum().item<float>(), 6.0f);
}

TEST(StateDict, Hooks) {
  auto net = nn::make<Net>();
  std::vector<std::string> trace;
  auto pre = net->head->register_state_dict_pre_hook(
      [&](nn::Module& m, const std::string& prefix, bool keep_vars) {
        trace.push_back("pre " + m.name() + " " + prefix + (keep_vars ? " vars" : ""));
      });
  auto post = net->head->register_state_dict_hook(
      [&](nn::Module& m, nn::StateDict& sd, const std::string& prefix) {
        trace.push_back("post " + m.name() + " " + prefix);
        sd.insert(prefix + "note", full({}, 1.0));  // hooks may change the dict
      });
  auto root_post = net->register_state_dict_post_hook(
      [&](nn::Module&, nn::StateDict& sd, const std::string& prefix) {
        trace.push_back("post root " + prefix);
        sd.erase(prefix + "tied");
      });
  auto sd = net->state_dict("m.", true);
  // head sits under two names: its hooks run under each.
  EXPECT_EQ(trace, (std::vector<std::string>{"pre Leaf m.head. vars", "post Leaf m.head.",
                                             "pre Leaf m.alias. vars", "post Leaf m.alias.",
                                             "post root m."}));
  EXPECT_FALSE(sd.contains("m.tied"));
  EXPECT_TRUE(sd.contains("m.head.note"));
  EXPECT_TRUE(sd.contains("m.alias.note"));
  auto k = keys(sd);
  // The note comes after head's own entries, before alias's.
  EXPECT_EQ(std::find(k.begin(), k.end(), "m.head.note") - k.begin(),
            std::find(k.begin(), k.end(), "m.alias.weight") - k.begin() - 1);

  pre.remove();
  post.remove();
  post.remove();  // idempotent
  root_post.remove();
  trace.clear();
  EXPECT_EQ(net->state_dict().size(), 21u);
  EXPECT_TRUE(trace.empty());

  // A hook registered in a constructor, and a handle outliving its module.
  struct Hooked : nn::Module {
    RemovableHandle h;
    Hooked() {
      register_parameter("p", ones({1}));
      h = register_state_dict_hook(
          [](nn::Module&, nn::StateDict& sd, const std::string& p) { sd.erase(p + "p"); });
    }
  };
  RemovableHandle outlives;
  {
    auto h = nn::make<Hooked>();
    EXPECT_TRUE(h->state_dict().empty());
    outlives = h->h;
  }
  outlives.remove();  // the module is gone: nothing happens
  // A hook may remove itself while running.
  auto leaf = nn::make<Leaf>();
  int calls = 0;
  RemovableHandle self;
  self = leaf->register_state_dict_hook([&](nn::Module&, nn::StateDict&, const std::string&) {
    ++calls;
    self.remove();
  });
  leaf->state_dict();
  leaf->state_dict();
  EXPECT_EQ(calls, 1);
}

TEST(LoadStateDict, CopiesIntoTheModulesOwnTensors) {
  auto net = nn::make<Net>();
  auto src = nn::make<Net>();
  const nn::StateDict sd = numbered(*src);
  Tensor weight = net->head->weight;
  const void* data = weight.data_ptr();
  const uint32_t v = weight._version();
  ASSERT_TRUE(is_grad_enabled());
  auto r = net->load_state_dict(sd);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.str(), "<All keys matched successfully>");
  EXPECT_TRUE(weight.is_same(net->head->weight));
  EXPECT_EQ(weight.data_ptr(), data);   // copied into, not replaced
  EXPECT_EQ(weight._version(), v + 2);  // head is loaded under "head" and "alias"
  EXPECT_TRUE(weight.is_leaf());
  EXPECT_TRUE(weight.requires_grad());
  EXPECT_EQ(weight.grad_fn(), nullptr);
  // Shared module and tied parameter: the last name in state_dict order wins.
  EXPECT_TRUE(equal(net->head->weight, sd.at("alias.weight")));
  EXPECT_TRUE(equal(net->shared_leaf->weight, sd.at("second.shared.weight")));
  EXPECT_TRUE(equal(net->tied, sd.at("first.a.weight")));
  EXPECT_TRUE(equal(net->counter->w, sd.at("counter.w")));
  EXPECT_EQ(net->counter->steps, 19);  // its extra state (key 19) was set
  EXPECT_TRUE(equal(net->second->b->running, sd.at("second.b.running")));
  // The caller's dict is not changed, and its tensors are not taken.
  EXPECT_FALSE(net->head->running.is_same(sd.at("head.running")));
  EXPECT_EQ(keys(sd), keys(src->state_dict()));

  // Dtypes convert as copy_ does; the module's dtype stays.
  nn::StateDict sd64;
  sd64.insert("weight", tensor({1.5, 2.5}, {.dtype = kFloat64}));
  sd64.insert("running", tensor({3, 4}, {.dtype = kInt64}));
  auto leaf = nn::make<Leaf>();
  leaf->load_state_dict(sd64);
  EXPECT_EQ(leaf->weight.dtype(), kFloat32);
  EXPECT_EQ(leaf->weight.tolist<float>(), (std::vector<float>{1.5f, 2.5f}));
  EXPECT_EQ(leaf->running.tolist<float>(), (std::vector<float>{3, 4}));
}

TEST(LoadStateDict, ZeroDimFromOneDim) {
  struct Scalar0 : nn::Module {
    Tensor s = register_buffer("s", zeros({}));
  };
  auto m = nn::make<Scalar0>();
  m->load_state_dict({{"s", tensor({5.0f, 6.0f})}});  // PyTorch 0.3 checkpoints: takes [0]
  EXPECT_EQ(m->s.item<float>(), 5.0f);
  EXPECT_EQ(m->s.dim(), 0);
  Snapshot before(*m);
  EXPECT_THROW_MSG(m->load_state_dict({{"s", zeros({0})}}), IndexError,
                   "index 0 is out of bounds for dimension 0 with size 0");
  before.expect_same(*m);
}

TEST(LoadStateDict, StrictAndNonStrict) {
  auto leaf = nn::make<Leaf>();
  nn::StateDict sd{{"weight", ones({2})},
                   {"bias", ones({2})},
                   {"scratch", ones({1})},
                   {"extra.x", ones({1})},
                   {"_extra_state", ones({1})}};
  // running is missing; bias is None, scratch non-persistent: both unexpected.
  EXPECT_EQ(error_of([&] { leaf->load_state_dict(sd); }),
            "Error(s) in loading state_dict for Leaf:\n\tMissing key(s) in state_dict: "
            "\"running\". \n\tUnexpected key(s) in state_dict: \"_extra_state\", \"bias\", "
            "\"scratch\", \"extra.x\". ");
  auto r = leaf->load_state_dict(sd, /*strict=*/false);
  EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"running"}));
  EXPECT_EQ(r.unexpected_keys,
            (std::vector<std::string>{"_extra_state", "bias", "scratch", "extra.x"}));
  EXPECT_EQ(r.str(),
            "_IncompatibleKeys(missing_keys=['running'], unexpected_keys=['_extra_state', "
            "'bias', 'scratch', 'extra.x'])");
  EXPECT_EQ(leaf->weight.sum().item<float>(), 2.0f);
  // Size mismatches raise even when not strict, all reported at once, after the keys.
  nn::StateDict bad{{"weight", ones({3})}, {"running", ones({2, 1})}, {"nope", ones({1})}};
  const std::string msg =
      "Error(s) in loading state_dict for Leaf:\n\tUnexpected key(s) in state_dict: \"nope\". "
      "\n\tsize mismatch for weight: copying a param with shape torch.Size([3]) from "
      "checkpoint, the shape in current model is torch.Size([2]).\n\tsize mismatch for "
      "running: copying a param with shape torch.Size([2, 1]) from checkpoint, the shape in "
      "current model is torch.Size([2]).";
  EXPECT_EQ(error_of([&] { leaf->load_state_dict(bad); }), msg);
  EXPECT_EQ(error_of([&] { leaf->load_state_dict(bad, false); }),
            "Error(s) in loading state_dict for Leaf:\n\tsize mismatch for weight: copying a "
            "param with shape torch.Size([3]) from checkpoint, the shape in current model is "
            "torch.Size([2]).\n\tsize mismatch for running: copying a param with shape "
            "torch.Size([2, 1]) from checkpoint, the shape in current model is "
            "torch.Size([2]).");
  EXPECT_THROW(leaf->load_state_dict(bad), RuntimeError);
  // An undefined tensor is Python's None.
  EXPECT_EQ(error_of([&] {
              leaf->load_state_dict({{"weight", Tensor()}, {"running", ones({2})}});
            }),
            "Error(s) in loading state_dict for Leaf:\n\tWhile copying the parameter named "
            "\"weight\", expected torch.Tensor or Tensor-like object from checkpoint but received "
            "<class 'NoneType'>");
  // An empty dict into a module without state.
  EXPECT_TRUE(nn::Module("Empty").load_state_dict({}).empty());
}

TEST(LoadStateDict, AFailedLoadChangesNothing) {
  auto net = nn::make<Net>();
  auto src = nn::make<Net>();
  net->counter->steps = 3;
  const nn::StateDict good = numbered(*src);
  const Snapshot before(*net);
  auto check_unchanged = [&](const std::string& what) {
    SCOPED_TRACE(what);
    before.expect_same(*net);
    EXPECT_EQ(net->counter->steps, 3);
  };
  {  // every key matches but the last has the wrong shape
    nn::StateDict sd = good;
    sd.insert("counter.inner.running", ones({5}));
    EXPECT_THROW_MSG(net->load_state_dict(sd), RuntimeError,
                     "size mismatch for counter.inner.running");
    check_unchanged("size mismatch");
    EXPECT_THROW(net->load_state_dict(sd, false), RuntimeError);
    check_unchanged("size mismatch, not strict");
  }
  {  // a missing key
    nn::StateDict sd = good;
    sd.erase("alias.running");
    EXPECT_THROW_MSG(net->load_state_dict(sd), RuntimeError,
                     "Missing key(s) in state_dict: \"alias.running\".");
    check_unchanged("missing");
  }
  {  // an unexpected key
    nn::StateDict sd = good;
    sd.insert("counter.inner.bias", ones({2}));
    EXPECT_THROW(net->load_state_dict(sd), RuntimeError);
    check_unchanged("unexpected");
  }
  {  // None
    nn::StateDict sd = good;
    sd.insert("second.b.weight", Tensor());
    EXPECT_THROW(net->load_state_dict(sd), RuntimeError);
    check_unchanged("None");
  }
  {  // a copy that would fail (out of a meta tensor)
    nn::StateDict sd = good;
    sd.insert("counter.w", empty({3}, {.device = kMeta}));
    EXPECT_THROW_MSG(net->load_state_dict(sd), RuntimeError,
                     "While copying the parameter named \"counter.w\", whose dimensions in the "
                     "model are torch.Size([3]) and whose dimensions in the checkpoint are "
                     "torch.Size([3]), an exception occurred : ('Cannot copy out of meta tensor; "
                     "no data!',).");
    check_unchanged("meta source");
  }
  {  // set_extra_state throws: the copies it would follow are not made
    net->counter->fail_on_set = true;
    EXPECT_THROW_MSG(net->load_state_dict(good), ValueError, "refusing");
    net->counter->fail_on_set = false;
    check_unchanged("set_extra_state throws");
  }
  {  // a pre-hook throws
    auto h = net->second->register_load_state_dict_pre_hook(
        [](nn::Module&, nn::StateDict&, const std::string&, nn::LoadStateDictContext&) {
          throw ValueError("pre-hook says no");
        });
    EXPECT_THROW(net->load_state_dict(good), ValueError);
    check_unchanged("pre-hook throws");
    h.remove();
  }
  {  // a pre-hook reports an error
    auto h = net->head->register_load_state_dict_pre_hook(
        [](nn::Module&, nn::StateDict&, const std::string& prefix, nn::LoadStateDictContext& c) {
          c.error_msgs.push_back("bad " + prefix);
        });
    EXPECT_EQ(error_of([&] { net->load_state_dict(good); }),
              "Error(s) in loading state_dict for Net:\n\tbad head.\n\tbad alias.");
    check_unchanged("pre-hook error");
    h.remove();
  }
  // With post-hooks the load copies as it goes (hooks see loaded values) and
  // takes everything back when it fails.
  {  // a post-hook adds a missing key after everything was copied
    auto h = net->register_load_state_dict_post_hook([&](nn::Module& m, nn::IncompatibleKeys& k) {
      EXPECT_TRUE(equal(static_cast<Net&>(m).head->weight, good.at("alias.weight")));
      EXPECT_EQ(static_cast<Net&>(m).counter->steps, 19);
      k.missing_keys.push_back("made.up");
    });
    EXPECT_EQ(error_of([&] { net->load_state_dict(good); }),
              "Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "
              "\"made.up\". ");
    check_unchanged("post-hook adds a key");
    // Not strict: the load stands and returns the key.
    auto r = net->load_state_dict(good, false);
    EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"made.up"}));
    EXPECT_TRUE(equal(net->head->weight, good.at("alias.weight")));
    h.remove();
  }
}

TEST(LoadStateDict, AFailedLoadWithPostHooksIsTakenBack) {
  // With a post-hook anywhere in the tree the load copies as it goes; every
  // failure then plays the changes back: values, versions, assigned data, grads
  // and extra state.
  for (const bool assign : {false, true}) {
    SCOPED_TRACE(assign ? "assign" : "copy");
    auto net = nn::make<Net>();
    auto src = nn::make<Net>();
    net->counter->steps = 3;
    net->head->weight.mutable_grad() = ones({2});
    int post_calls = 0;
    net->counter->inner->register_load_state_dict_post_hook(
        [&](nn::Module&, nn::IncompatibleKeys&) { ++post_calls; });
    const nn::StateDict good = numbered(*src);
    const Snapshot before(*net);
    auto check_unchanged = [&](const std::string& what) {
      SCOPED_TRACE(what);
      before.expect_same(*net);
      EXPECT_EQ(net->counter->steps, 3);
      EXPECT_TRUE(net->head->weight.grad().defined());
      EXPECT_TRUE(net->tied.is_same(net->first->a->weight));
    };
    {
      nn::StateDict sd = good;
      sd.insert("counter.inner.running", ones({5}));  // the last key
      EXPECT_THROW(net->load_state_dict(sd, true, assign), RuntimeError);
      EXPECT_EQ(post_calls, 1);
      check_unchanged("size mismatch");
    }
    {
      nn::StateDict sd = good;
      sd.insert("zzz", ones({1}));
      EXPECT_THROW(net->load_state_dict(sd, true, assign), RuntimeError);
      check_unchanged("unexpected");
    }
    {
      nn::StateDict sd = good;
      sd.insert("counter.inner.running", zeros({0}));
      EXPECT_THROW(net->load_state_dict(sd, true, assign), RuntimeError);
      check_unchanged("size mismatch 2");
    }
    {
      net->counter->fail_on_set = true;
      EXPECT_THROW(net->load_state_dict(good, true, assign), ValueError);
      net->counter->fail_on_set = false;
      check_unchanged("set_extra_state throws");
    }
    {
      auto h = net->counter->register_load_state_dict_post_hook(
          [](nn::Module&, nn::IncompatibleKeys&) { throw ValueError("post-hook says no"); });
      EXPECT_THROW(net->load_state_dict(good, true, assign), ValueError);
      check_unchanged("post-hook throws");
      h.remove();
    }
    // The same load without the failure goes through.
    net->load_state_dict(good, true, assign);
    EXPECT_EQ(net->counter->steps, 19);
    EXPECT_TRUE(equal(net->head->weight, good.at("alias.weight")));
  }
}

TEST(LoadStateDict, Assign) {
  auto net = nn::make<Net>();
  auto src = nn::make<Net>();
  nn::StateDict sd = numbered(*src);
  sd.insert("head.weight", tensor({7.0, 8.0}, {.dtype = kFloat64}));
  sd.insert("alias.weight", tensor({9.0, 10.0}, {.dtype = kFloat64}));
  Tensor weight = net->head->weight;  // a handle taken before the load
  weight.mutable_grad() = ones({2});
  auto r = net->load_state_dict(sd, true, /*assign=*/true);
  EXPECT_TRUE(r.empty());
  // The module keeps its tensor object; it now holds the state dict's data.
  EXPECT_TRUE(weight.is_same(net->head->weight));
  EXPECT_EQ(weight.data_ptr(), sd.at("alias.weight").data_ptr());
  EXPECT_EQ(weight.dtype(), kFloat64);  // no conversion: the dict's dtype
  EXPECT_TRUE(weight.requires_grad());  // the parameter's own flag
  EXPECT_TRUE(weight.is_leaf());
  EXPECT_TRUE(nn::is_parameter(weight));
  EXPECT_FALSE(weight.grad().defined());  // as PyTorch's new Parameter
  EXPECT_EQ(net->head->running.data_ptr(), sd.at("alias.running").data_ptr());
  // Tied parameters stay tied (PyTorch would untie them): the last name wins.
  EXPECT_TRUE(net->tied.is_same(net->first->a->weight));
  EXPECT_EQ(net->tied.data_ptr(), sd.at("first.a.weight").data_ptr());
  EXPECT_EQ(net->counter->steps, 19);
  // A change through the module is seen by the dict's tensor (shared storage).
  {
    NoGradGuard g;
    net->head->weight.fill_(1);
  }
  EXPECT_EQ(sd.at("alias.weight").sum().item<double>(), 2.0);

  // A model made on the meta device takes cpu tensors.
  struct MetaLeaf : nn::Module {
    Tensor weight = register_parameter("weight", empty({2, 3}, {.device = kMeta}));
    Tensor running = register_buffer("running", empty({3}, {.device = kMeta}));
  };
  auto meta = nn::make<MetaLeaf>();
  Tensor w = meta->weight;
  nn::StateDict cpu{{"weight", arange(6.0).reshape({2, 3})}, {"running", ones({3})}};
  meta->load_state_dict(cpu, true, true);
  EXPECT_TRUE(w.is_cpu());
  EXPECT_TRUE(w.is_same(meta->weight));
  EXPECT_TRUE(equal(w, cpu.at("weight")));
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(meta->running.is_cpu());
  // Copying (not assigning) into meta is shape-only, as in PyTorch.
  auto meta2 = nn::make<MetaLeaf>();
  meta2->load_state_dict(cpu);
  EXPECT_TRUE(meta2->weight.is_meta());

  // An integer tensor cannot become a parameter that requires grad.
  auto leaf = nn::make<Leaf>();
  Snapshot before(*leaf);
  EXPECT_EQ(error_of([&] {
              leaf->load_state_dict(
                  {{"weight", tensor({1, 2}, {.dtype = kInt64})}, {"running", ones({2})}}, true,
                  true);
            }),
            "Error(s) in loading state_dict for Leaf:\n\tWhile copying the parameter named "
            "\"weight\", whose dimensions in the model are torch.Size([2]) and whose dimensions "
            "in the checkpoint are torch.Size([2]), an exception occurred : ('only Tensors of "
            "floating point dtype can require gradients',).");
  before.expect_same(*leaf);
  // ... but an integer buffer can be assigned, and so can a parameter that does not require grad.
  leaf->weight.requires_grad_(false);
  leaf->load_state_dict({{"weight", tensor({1, 2}, {.dtype = kInt64})},
                         {"running", tensor({3, 4}, {.dtype = kInt64})}},
                        true, true);
  EXPECT_EQ(leaf->weight.dtype(), kInt64);
  EXPECT_EQ(leaf->running.dtype(), kInt64);
}

TEST(LoadStateDict, ExtraState) {
  auto c = nn::make<Counter>();
  c->steps = 41;
  auto sd = c->state_dict();
  EXPECT_EQ(keys(sd),
            (std::vector<std::string>{"w", "_extra_state", "inner.weight", "inner.running"}));
  auto d = nn::make<Counter>();
  d->load_state_dict(sd);
  EXPECT_EQ(d->steps, 41);
  sd.erase("_extra_state");
  EXPECT_EQ(error_of([&] { d->load_state_dict(sd); }),
            "Error(s) in loading state_dict for Counter:\n\tMissing key(s) in state_dict: "
            "\"_extra_state\". ");
  EXPECT_EQ(d->load_state_dict(sd, false).missing_keys, (std::vector<std::string>{"_extra_state"}));
  // A module without extra state does not expect the key.
  auto leaf = nn::make<Leaf>();
  auto r = leaf->load_state_dict(
      {{"weight", ones({2})}, {"running", ones({2})}, {"_extra_state", ones({1})}}, false);
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"_extra_state"}));
  // get_extra_state without set_extra_state: a clear error when loading.
  struct GetOnly : nn::Module {
    std::optional<Tensor> get_extra_state() const override { return ones({1}); }
  };
  auto g = nn::make<GetOnly>();
  EXPECT_THROW_MSG(g->load_state_dict(g->state_dict()), RuntimeError,
                   "does not override set_extra_state()");
}

TEST(LoadStateDict, PreHooks) {
  auto net = nn::make<Net>();
  auto src = nn::make<Net>();
  const nn::StateDict good = numbered(*src);
  // An old checkpoint named head's weight "w": the hook renames it in head's own
  // copy; the caller's dict is untouched.
  nn::StateDict old = good;
  old.erase("head.weight");
  old.insert("head.w", full({2}, 42.0f));
  std::vector<std::string> seen;
  auto h = net->head->register_load_state_dict_pre_hook([&](nn::Module& m, nn::StateDict& sd,
                                                            const std::string& prefix,
                                                            nn::LoadStateDictContext& ctx) {
    EXPECT_EQ(&m, net->head.get());
    EXPECT_TRUE(ctx.strict);
    EXPECT_FALSE(ctx.assign);
    seen.push_back(prefix + ":" + std::to_string(sd.size()));
    if (Tensor* w = sd.find(prefix + "w")) {
      sd.insert(prefix + "weight", *w);
      sd.erase(prefix + "w");
    }
  });
  auto r = net->load_state_dict(old, true);
  EXPECT_TRUE(r.empty()) << r;
  // Under "head" it renamed; under "alias" there was nothing to rename.
  EXPECT_EQ(seen, (std::vector<std::string>{"head.:2", "alias.:2"}));
  EXPECT_TRUE(old.contains("head.w"));
  EXPECT_TRUE(equal(net->head->weight, good.at("alias.weight")));  // alias loads last
  // A root pre-hook edits what the children see; it may also edit the keys.
  h.remove();
  auto h2 = net->register_load_state_dict_pre_hook(
      [](nn::Module&, nn::StateDict& sd, const std::string&, nn::LoadStateDictContext& ctx) {
        sd.erase("alias.weight");
        sd.erase("alias.running");
        ctx.keys.unexpected_keys.push_back("from.hook");
      });
  auto r2 = net->load_state_dict(good, false);
  EXPECT_EQ(r2.str(),
            "_IncompatibleKeys(missing_keys=['alias.weight', 'alias.running'], "
            "unexpected_keys=['from.hook'])");
  h2.remove();
}

TEST(LoadStateDict, PostHooks) {
  auto net = nn::make<Net>();
  auto src = nn::make<Net>();
  nn::StateDict sd = numbered(*src);
  sd.erase("tied");                 // missing, found first (the root's own key)
  sd.insert("first.x", ones({1}));  // unexpected, found under first
  sd.insert("head.x", ones({1}));   // unexpected, found under head and alias
  std::vector<std::string> trace;
  // first's post-hook runs after first's subtree: it sees the keys found so far
  // and the values loaded so far.
  net->first->register_load_state_dict_post_hook([&](nn::Module& m, nn::IncompatibleKeys& k) {
    trace.push_back("first " + k.str());
    EXPECT_TRUE(equal(static_cast<Block&>(m).b->weight, sd.at("first.b.weight")));
    k.missing_keys.clear();
  });
  net->head->register_load_state_dict_post_hook(
      [&](nn::Module&, nn::IncompatibleKeys& k) { trace.push_back("head " + k.str()); });
  auto r = net->load_state_dict(sd, false);
  // head sits under "head" and "alias": its hook runs twice ("alias.x" is not in the dict).
  const std::string head_keys =
      "head _IncompatibleKeys(missing_keys=[], unexpected_keys=['first.x', 'head.x'])";
  EXPECT_EQ(trace,
            (std::vector<std::string>{
                "first _IncompatibleKeys(missing_keys=['tied'], unexpected_keys=['first.x'])",
                head_keys, head_keys}));
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{});
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"first.x", "head.x"}));
  // Clearing every key makes a strict load pass.
  auto h = net->register_load_state_dict_post_hook([](nn::Module&, nn::IncompatibleKeys& k) {
    k.missing_keys.clear();
    k.unexpected_keys.clear();
  });
  EXPECT_TRUE(net->load_state_dict(sd).empty());
  h.remove();
  EXPECT_THROW(net->load_state_dict(sd), RuntimeError);
}

TEST(LoadStateDict, CopyProblems) {
  auto leaf = nn::make<Leaf>();
  Snapshot before(*leaf);
  // A parameter made in inference mode cannot be written outside it.
  struct Inf : nn::Module {
    Tensor p;
    Inf() {
      InferenceModeGuard g;
      p = register_buffer("p", zeros({2}));
    }
  };
  auto inf = nn::make<Inf>();
  EXPECT_THROW_MSG(inf->load_state_dict({{"p", ones({2})}}), RuntimeError,
                   "an exception occurred : ('Inplace update to inference tensor outside "
                   "InferenceMode is not allowed.");
  {
    InferenceModeGuard g;
    inf->load_state_dict({{"p", ones({2})}});
  }
  EXPECT_EQ(inf->p.sum().item<float>(), 2.0f);
  // A source that partly overlaps the parameter.
  struct View : nn::Module {
    Tensor base = arange(6.0f);
    Tensor p = register_buffer("p", base.narrow(0, 0, 4));
  };
  auto v = nn::make<View>();
  EXPECT_THROW_MSG(v->load_state_dict({{"p", v->base.narrow(0, 1, 4)}}), RuntimeError,
                   "some elements of the input tensor and the written-to tensor refer to a "
                   "single memory location");
  // Loading a module's own state dict is a no-op copy.
  v->load_state_dict(v->state_dict());
  EXPECT_EQ(v->p.tolist<float>(), (std::vector<float>{0, 1, 2, 3}));
  before.expect_same(*leaf);
}

TEST(LoadStateDict, SafetensorsRoundTrip) {
  auto net = nn::make<Net>();
  auto src = nn::make<Net>();
  const nn::StateDict sd = numbered(*src);
  src->load_state_dict(sd);
  const std::string bytes = save_safetensors_to_buffer(src->state_dict());
  auto file = load_safetensors_from_buffer(bytes.data(), bytes.size());
  EXPECT_TRUE(net->load_state_dict(file.tensors).empty());
  const auto a = net->state_dict();
  const auto b = src->state_dict();
  ASSERT_EQ(keys(a), keys(b));
  for (const auto& [k, t] : a) EXPECT_TRUE(equal(t, b.at(k))) << k;
}

TEST(IncompatibleKeys, Str) {
  nn::IncompatibleKeys k;
  EXPECT_EQ(k.str(), "<All keys matched successfully>");
  k.unexpected_keys = {"a'b", "c\\d"};
  EXPECT_EQ(k.str(), "_IncompatibleKeys(missing_keys=[], unexpected_keys=[\"a'b\", 'c\\\\d'])");
  std::ostringstream os;
  os << k;
  EXPECT_EQ(os.str(), k.str());
}
