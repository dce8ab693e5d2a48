// nn containers: Sequential, ModuleList, ModuleDict, ParameterList and
// ParameterDict — every method, and bad indices / keys that must give
// PyTorch's errors and leave the container unchanged. Printed forms, keys and
// messages are compared with PyTorch in tests/parity/nn_container_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

namespace {

struct Add : nn::Module {
  double k;
  explicit Add(double k_) : k(k_) {}
  Tensor forward(const Tensor& x) { return x + k; }
};

struct Mul : nn::Module {
  Tensor w = register_parameter("w", full({2}, 3.0f));
  Tensor forward(const Tensor& x) { return x * w; }
};

// Not made by make<>: only callable with values when added with its type.
struct Neg : nn::Module {
  Tensor forward(const Tensor& x) { return -x; }
};

std::vector<float> vals(const Tensor& t) { return t.contiguous().to(kFloat32).tolist<float>(); }

std::vector<std::string> child_keys(const nn::Module& m) { return m.named_children_local().keys(); }

std::vector<std::string> state_keys(nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m.state_dict()) out.push_back(k);
  return out;
}

using Keys = std::vector<std::string>;

template <typename E, typename F>
void expect_throw_msg(F&& f, const std::string& msg) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected: " << msg;
  } catch (const E& e) {
    EXPECT_EQ(std::string(e.what()), msg);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

}  // namespace

TEST(Sequential, ConstructForwardAndIndex) {
  auto a = nn::make<Add>(1.0);
  auto m = nn::make<Mul>();
  auto seq = nn::make<nn::Sequential>(a, m, nn::make<Add>(-2.0));
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(child_keys(*seq), (Keys{"0", "1", "2"}));
  EXPECT_EQ(state_keys(*seq), (Keys{"1.w"}));
  Tensor y = seq(ones({2}));
  EXPECT_EQ(vals(y), (std::vector<float>{4, 4}));
  EXPECT_EQ((*seq)[0], a);
  EXPECT_EQ((*seq)[-2], m);
  std::vector<nn::ModulePtr> seen(seq->begin(), seq->end());
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1], m);

  // Modules from a vector, and typed modules not made by make<>.
  auto v = nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{a, a});
  EXPECT_EQ(vals(v(zeros({1}))), (std::vector<float>{2}));
  auto neg = nn::make<nn::Sequential>(std::make_shared<Neg>());
  EXPECT_EQ(vals(neg(ones({1}))), (std::vector<float>{-1}));
  neg->append(std::make_shared<Neg>());
  neg->insert(0, std::make_shared<Neg>());
  EXPECT_EQ(vals(neg(ones({1}))), (std::vector<float>{-1}));

  // Hooks on the children run through Module::call.
  int calls = 0;
  a->register_forward_hook([&](nn::Module&, const nn::Args&, const nn::Value&) { ++calls; });
  seq(ones({2}));
  EXPECT_EQ(calls, 1);
  // ...and on the Sequential itself.
  seq->register_forward_pre_hook([&](nn::Module&, const nn::Args&) { calls += 10; });
  Tensor z = seq(ones({2}));
  EXPECT_EQ(calls, 12);
  EXPECT_EQ(vals(z), (std::vector<float>{4, 4}));

  // An empty Sequential returns its input.
  EXPECT_EQ(vals(nn::make<nn::Sequential>()(full({1}, 5.0f))), (std::vector<float>{5}));
}

TEST(Sequential, NamedEntriesSliceAndRenumber) {
  auto a = nn::make<Add>(1.0), b = nn::make<Add>(2.0), c = nn::make<Add>(3.0);
  auto seq = nn::make<nn::Sequential>(OrderedDict<nn::ModulePtr>{{"a", a}, {"b", b}, {"c", c}});
  EXPECT_EQ(child_keys(*seq), (Keys{"a", "b", "c"}));
  EXPECT_EQ(vals(seq(zeros({1}))), (std::vector<float>{6}));
  auto tail = seq->slice(Slice(1));
  EXPECT_EQ(child_keys(*tail), (Keys{"b", "c"}));
  EXPECT_EQ((*tail)[0], b);  // shared, not copied
  EXPECT_EQ(child_keys(*seq->slice(Slice({}, {}, -1))), (Keys{"c", "b", "a"}));
  EXPECT_EQ(child_keys(*seq->slice(Slice(-100, 100, 2))), (Keys{"a", "c"}));
  EXPECT_EQ(seq->slice(Slice(3))->size(), 0u);
  seq->set(-1, b);
  EXPECT_EQ(child_keys(*seq), (Keys{"a", "b", "c"}));
  EXPECT_EQ((*seq)[2], b);
  seq->erase(0);
  EXPECT_EQ(child_keys(*seq), (Keys{"0", "1"}));
  EXPECT_EQ((*seq)[0], b);
  EXPECT_EQ(seq->pop(-1), b);
  EXPECT_EQ(child_keys(*seq), (Keys{"0"}));
}

TEST(Sequential, AppendInsertExtendPopOperators) {
  auto a = nn::make<Add>(1.0), b = nn::make<Add>(2.0), c = nn::make<Add>(3.0);
  auto seq = nn::make<nn::Sequential>(a);
  seq->append(b).append(c);
  seq->insert(0, c);
  EXPECT_EQ((*seq)[0], c);
  EXPECT_EQ((*seq)[1], a);
  seq->insert(-1, a);  // before the last
  EXPECT_EQ((*seq)[3], a);
  EXPECT_EQ((*seq)[4], c);
  seq->insert(5, b);
  EXPECT_EQ(child_keys(*seq), (Keys{"0", "1", "2", "3", "4", "5"}));
  seq->extend(std::vector<nn::ModulePtr>{a});
  seq->extend(*nn::make<nn::Sequential>(b, c));
  EXPECT_EQ(seq->size(), 9u);
  auto popped = seq->pop(Slice(0, 9, 3));
  EXPECT_EQ(child_keys(*popped), (Keys{"0", "3", "6"}));
  EXPECT_EQ(seq->size(), 6u);
  seq->erase(Slice(1, {}));
  EXPECT_EQ(seq->size(), 1u);

  auto s = nn::make<nn::Sequential>(a, b);
  auto sum = *s + *nn::make<nn::Sequential>(c);
  EXPECT_EQ(sum->size(), 3u);
  EXPECT_EQ((*sum)[2], c);
  auto twice = *s * 2;
  EXPECT_EQ(child_keys(*twice), (Keys{"0", "1", "2", "3"}));
  EXPECT_EQ((*twice)[2], a);
  EXPECT_EQ((3 * *s)->size(), 6u);
  *s += *s;
  EXPECT_EQ(s->size(), 4u);
  *s *= 2;
  EXPECT_EQ(s->size(), 8u);
  EXPECT_EQ(vals(s(zeros({1}))), (std::vector<float>{12}));
}

TEST(Sequential, BadInputsLeaveItUnchanged) {
  auto a = nn::make<Add>(1.0), b = nn::make<Add>(2.0);
  auto seq = nn::make<nn::Sequential>(a, b);
  const std::string before = seq->str();
  expect_throw_msg<IndexError>([&] { (*seq)[2]; }, "index 2 is out of range");
  expect_throw_msg<IndexError>([&] { (*seq)[-3]; }, "index -3 is out of range");
  expect_throw_msg<IndexError>([&] { seq->set(2, a); }, "index 2 is out of range");
  expect_throw_msg<IndexError>([&] { seq->erase(5); }, "index 5 is out of range");
  expect_throw_msg<IndexError>([&] { seq->pop(-3); }, "index -3 is out of range");
  expect_throw_msg<IndexError>([&] { seq->insert(3, a); }, "Index out of range: 3");
  expect_throw_msg<IndexError>([&] { seq->insert(-3, a); }, "Index out of range: -3");
  expect_throw_msg<TypeError>([&] { seq->insert(0, nn::ModulePtr()); },
                              "module should be of type: <class 'torch.nn.modules.module.Module'>");
  expect_throw_msg<ValueError>([&] { seq->slice(Slice(0, 2, 0)); }, "slice step cannot be zero");
  expect_throw_msg<ValueError>([&] { seq->erase(Slice(0, 2, 0)); }, "slice step cannot be zero");
  expect_throw_msg<ValueError>(
      [&] { *seq *= 0; },
      "Non-positive multiplication factor 0 for <class 'torch.nn.modules.container.Sequential'>");
  EXPECT_EQ(seq->str(), before);
  EXPECT_EQ(seq->size(), 2u);

  // A named Sequential cannot insert (PyTorch looks for key str(n - 1)).
  auto named = nn::make<nn::Sequential>(OrderedDict<nn::ModulePtr>{{"x", a}, {"y", b}});
  expect_throw_msg<KeyError>([&] { named->insert(0, a); }, "'1'");
  EXPECT_EQ(child_keys(*named), (Keys{"x", "y"}));
  expect_throw_msg<KeyError>([&] { *named *= 2; }, "'0'");
  EXPECT_EQ(child_keys(*named), (Keys{"x", "y"}));
  // Names that are attributes or malformed.
  expect_throw_msg<KeyError>(
      [&] {
        nn::make<nn::Sequential>(OrderedDict<nn::ModulePtr>{{"extend", a}});
      },
      "attribute 'extend' already exists");
  expect_throw_msg<KeyError>(
      [&] {
        nn::make<nn::Sequential>(OrderedDict<nn::ModulePtr>{{"", a}});
      },
      "module name can't be empty string \"\"");
  // A parameter named like the next index blocks append; += rolls back.
  auto p = nn::make<nn::Sequential>(a);
  p->register_parameter("2", ones({1}));
  expect_throw_msg<KeyError>([&] { *p += *nn::make<nn::Sequential>(a, b); },
                             "attribute '2' already exists");
  EXPECT_EQ(child_keys(*p), (Keys{"0"}));
  expect_throw_msg<KeyError>(
      [&] {
        p->extend(std::vector<nn::ModulePtr>{a, b});
      },
      "attribute '2' already exists");
  EXPECT_EQ(child_keys(*p), (Keys{"0"}));

  // None entries: printed, skipped by traversals, not callable.
  auto with_none = nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{a, nullptr});
  EXPECT_EQ(with_none->str(), "Sequential(\n  (0): Add()\n  (1): None\n)");
  EXPECT_EQ(with_none->named_modules().size(), 2u);
  expect_throw_msg<TypeError>([&] { with_none(ones({1})); }, "'NoneType' object is not callable");
}

TEST(ModuleList, Methods) {
  auto a = nn::make<Add>(1.0), b = nn::make<Add>(2.0);
  auto c = nn::make<Mul>();
  auto ml = nn::make<nn::ModuleList>(a, b);
  EXPECT_EQ(ml->size(), 2u);
  EXPECT_EQ((*ml)[-1], b);
  ml->append(c);
  EXPECT_EQ(state_keys(*ml), (Keys{"2.w"}));
  ml->insert(0, c);
  EXPECT_EQ(state_keys(*ml), (Keys{"0.w", "3.w"}));
  EXPECT_EQ(ml->named_parameters().size(), 1u);  // shared: listed once
  ml->extend(std::vector<nn::ModulePtr>{a});
  *ml += *nn::make<nn::ModuleList>(b);
  EXPECT_EQ(ml->size(), 6u);
  auto sl = ml->slice(Slice(1, 5, 2));
  EXPECT_EQ(child_keys(*sl), (Keys{"0", "1"}));
  EXPECT_EQ((*sl)[0], a);
  EXPECT_EQ((*sl)[1], c);
  ml->set(-1, c);
  EXPECT_EQ((*ml)[5], c);
  ml->erase(Slice({}, {}, 2));
  EXPECT_EQ(child_keys(*ml), (Keys{"0", "1", "2"}));
  EXPECT_EQ(ml->pop(0), a);
  EXPECT_EQ(ml->size(), 2u);
  auto both = *ml + *nn::make<nn::ModuleList>(a);
  EXPECT_EQ(both->size(), 3u);
  int n = 0;
  for (const auto& m : *both) n += m ? 1 : 0;
  EXPECT_EQ(n, 3);
  ml->append(nn::ModulePtr());
  EXPECT_EQ((*ml)[2], nullptr);
  // insert past the end adds the key str(index), as PyTorch does.
  auto gap = nn::make<nn::ModuleList>(a);
  gap->insert(4, b);
  EXPECT_EQ(child_keys(*gap), (Keys{"0", "4"}));
}

TEST(ModuleList, BadInputsAndCall) {
  auto a = nn::make<Add>(1.0), b = nn::make<Add>(2.0);
  auto ml = nn::make<nn::ModuleList>(a, b);
  const std::string before = ml->str();
  expect_throw_msg<IndexError>([&] { (*ml)[2]; }, "index 2 is out of range");
  expect_throw_msg<IndexError>([&] { ml->set(-3, a); }, "index -3 is out of range");
  expect_throw_msg<IndexError>([&] { ml->erase(2); }, "index 2 is out of range");
  expect_throw_msg<IndexError>([&] { ml->pop(2); }, "index 2 is out of range");
  expect_throw_msg<KeyError>([&] { ml->insert(-1, a); }, "'-1'");
  expect_throw_msg<ValueError>([&] { ml->slice(Slice(0, 1, 0)); }, "slice step cannot be zero");
  EXPECT_EQ(ml->str(), before);
  EXPECT_THROW(ml->call({ones({1})}), NotImplementedError);
}

TEST(ModuleDict, Methods) {
  auto a = nn::make<Add>(1.0), b = nn::make<Add>(2.0);
  auto c = nn::make<Mul>();
  auto md = nn::make<nn::ModuleDict>(OrderedDict<nn::ModulePtr>{{"x", a}, {"y", b}});
  EXPECT_EQ(md->keys(), (Keys{"x", "y"}));
  EXPECT_EQ((*md)["y"], b);
  md->set("z", c);
  md->set("x", c);  // replaced in place
  EXPECT_EQ(md->keys(), (Keys{"x", "y", "z"}));
  EXPECT_EQ(md->values()[0], c);
  EXPECT_EQ(state_keys(*md), (Keys{"x.w", "z.w"}));  // state_dict does not deduplicate
  EXPECT_TRUE(md->contains("z"));
  EXPECT_FALSE(md->contains("w"));
  md->update(std::vector<nn::ModuleDict::Item>{{"w", a}, {"y", c}});
  EXPECT_EQ(md->keys(), (Keys{"x", "y", "z", "w"}));
  EXPECT_EQ(md->pop("y"), c);
  md->erase("x");
  EXPECT_EQ(md->keys(), (Keys{"z", "w"}));
  int n = 0;
  for (const auto& [k, m] : *md) n += static_cast<int>(k.size());
  EXPECT_EQ(n, 2);
  EXPECT_EQ(md->items().size(), 2u);
  md->set("none", nn::ModulePtr());
  EXPECT_EQ(md->str(), "ModuleDict(\n  (z): Mul()\n  (w): Add()\n  (none): None\n)");
  md->clear();
  EXPECT_EQ(md->size(), 0u);
  EXPECT_EQ(md->str(), "ModuleDict()");
}

TEST(ModuleDict, BadInputsLeaveItUnchanged) {
  auto a = nn::make<Add>(1.0);
  auto md = nn::make<nn::ModuleDict>(OrderedDict<nn::ModulePtr>{{"x", a}});
  md->register_parameter("p", ones({1}));
  expect_throw_msg<KeyError>([&] { (*md)["q"]; }, "'q'");
  expect_throw_msg<KeyError>([&] { md->erase("q"); }, "'q'");
  expect_throw_msg<KeyError>([&] { md->pop("q"); }, "'q'");
  expect_throw_msg<KeyError>([&] { md->set("update", a); }, "attribute 'update' already exists");
  expect_throw_msg<KeyError>([&] { md->set("training", a); },
                             "attribute 'training' already exists");
  expect_throw_msg<KeyError>([&] { md->set("p", a); }, "attribute 'p' already exists");
  expect_throw_msg<KeyError>([&] { md->set("a.b", a); },
                             "module name can't contain \".\", got: a.b");
  // update stops at the bad key and undoes the ones before it.
  expect_throw_msg<KeyError>(
      [&] {
        md->update(std::vector<nn::ModuleDict::Item>{{"y", a}, {"x", nullptr}, {"", a}});
      },
      "module name can't be empty string \"\"");
  EXPECT_EQ(md->keys(), (Keys{"x"}));
  EXPECT_EQ((*md)["x"], a);
  EXPECT_THROW(md->call({ones({1})}), NotImplementedError);
}

TEST(ParameterList, Methods) {
  Tensor plain = ones({2});
  nn::Parameter frozen(zeros({3}), false);
  auto pl = nn::make<nn::ParameterList>(std::vector<Tensor>{plain, frozen});
  EXPECT_EQ(pl->size(), 2u);
  // A plain tensor becomes a new parameter sharing its data; a parameter stays itself.
  EXPECT_TRUE(nn::is_parameter((*pl)[0]));
  EXPECT_FALSE(nn::is_parameter(plain));
  EXPECT_TRUE((*pl)[0].requires_grad());
  EXPECT_FALSE(plain.requires_grad());
  EXPECT_EQ((*pl)[0].data_ptr(), plain.data_ptr());
  EXPECT_EQ((*pl)[-1].impl(), frozen.impl());
  EXPECT_FALSE((*pl)[1].requires_grad());
  pl->append(full({1}, 2.0f)).extend({full({1}, 3.0f), Tensor()});
  EXPECT_EQ(pl->size(), 5u);
  EXPECT_EQ(state_keys(*pl), (Keys{"0", "1", "2", "3"}));  // None left out
  EXPECT_FALSE((*pl)[4].defined());
  EXPECT_EQ(pl->str(),
            "ParameterList(\n"
            "    (0): Parameter containing: [torch.float32 of size 2]\n"
            "    (1): Parameter containing: [torch.float32 of size 3]\n"
            "    (2): Parameter containing: [torch.float32 of size 1]\n"
            "    (3): Parameter containing: [torch.float32 of size 1]\n"
            "    (4): Object of type: NoneType\n"
            ")");
  auto rev = pl->slice(Slice({}, {}, -2));
  EXPECT_EQ(rev->size(), 3u);
  EXPECT_EQ((*rev)[1].impl(), (*pl)[2].impl());
  pl->set(0, frozen);
  EXPECT_EQ((*pl)[0].impl(), frozen.impl());
  int n = 0;
  for (const Tensor& p : *pl) n += p.defined() ? 1 : 0;
  EXPECT_EQ(n, 4);
  EXPECT_EQ(pl->values().size(), 5u);
  EXPECT_EQ(pl->parameters().size(), 3u);  // frozen twice, listed once; None left out
}

TEST(ParameterList, BadInputsLeaveItUnchanged) {
  auto pl = nn::make<nn::ParameterList>(std::vector<Tensor>{ones({2})});
  const std::string before = pl->str();
  expect_throw_msg<IndexError>([&] { (*pl)[1]; }, "index 1 is out of range");
  expect_throw_msg<IndexError>([&] { pl->set(-2, ones({1})); }, "index -2 is out of range");
  EXPECT_THROW(pl->append(ones({2}, {.dtype = kInt64})), Error);
  EXPECT_THROW(pl->extend({ones({1}), ones({2}, {.dtype = kInt64})}), Error);
  EXPECT_EQ(pl->size(), 1u);
  EXPECT_EQ(pl->str(), before);
  expect_throw_msg<RuntimeError>([&] { pl->call({ones({1})}); },
                                 "ParameterList should not be called.");
}

TEST(ParameterDict, Methods) {
  Tensor w = randn({2, 2});
  auto pd = nn::make<nn::ParameterDict>(
      OrderedDict<Tensor>{{"w", w}, {"b", zeros({2}, {.dtype = kFloat64})}});
  EXPECT_EQ(pd->keys(), (Keys{"w", "b"}));
  EXPECT_TRUE(nn::is_parameter((*pd)["w"]));
  EXPECT_EQ((*pd)["w"].data_ptr(), w.data_ptr());
  EXPECT_EQ(pd->str(),
            "ParameterDict(\n"
            "    (w): Parameter containing: [torch.FloatTensor of size 2x2]\n"
            "    (b): Parameter containing: [torch.DoubleTensor of size 2]\n"
            ")");
  pd->set("c", ones({1}));
  EXPECT_EQ(state_keys(*pd), (Keys{"w", "b", "c"}));
  EXPECT_TRUE(pd->contains("c"));
  EXPECT_FALSE(pd->get("zz").defined());
  EXPECT_EQ(pd->get("zz", w).impl(), w.impl());
  EXPECT_EQ(pd->setdefault("c", zeros({5})).size(0), 1);
  EXPECT_EQ(pd->setdefault("d").defined(), false);
  EXPECT_EQ(pd->keys(), (Keys{"w", "b", "c", "d"}));
  EXPECT_EQ(state_keys(*pd), (Keys{"w", "b", "c"}));
  EXPECT_EQ(pd->pop("b").dtype(), kFloat64);
  auto [k, v] = pd->popitem();
  EXPECT_EQ(k, "d");
  EXPECT_FALSE(v.defined());
  auto cp = pd->copy();
  EXPECT_EQ((*cp)["w"].impl(), (*pd)["w"].impl());
  auto fk = pd->fromkeys({"x", "y"}, ones({1}));
  EXPECT_EQ(fk->keys(), (Keys{"x", "y"}));
  EXPECT_NE((*fk)["x"].impl(), (*fk)["y"].impl());
  auto merged = *pd | *fk;
  EXPECT_EQ(merged->keys(), (Keys{"w", "c", "x", "y"}));
  *pd |= *fk;
  EXPECT_EQ(pd->size(), 4u);
  EXPECT_EQ(pd->values().size(), 4u);
  EXPECT_EQ(pd->items()[2].first, "x");
  pd->erase("x");
  EXPECT_EQ(pd->keys(), (Keys{"w", "c", "y"}));
  pd->clear();
  EXPECT_EQ(pd->size(), 0u);
  EXPECT_EQ(pd->named_parameters().size(), 0u);
  EXPECT_EQ(pd->str(), "ParameterDict()");
}

TEST(ParameterDict, BadInputsLeaveItUnchanged) {
  auto pd = nn::make<nn::ParameterDict>(OrderedDict<Tensor>{{"w", ones({1})}});
  pd->register_module("sub", nn::make<Add>(1.0));
  const std::string before = pd->str();
  expect_throw_msg<AttributeError>([&] { (*pd)["q"]; },
                                   "'ParameterDict' object has no attribute 'q'");
  expect_throw_msg<AttributeError>([&] { pd->pop("q"); },
                                   "'ParameterDict' object has no attribute 'q'");
  expect_throw_msg<KeyError>([&] { pd->erase("q"); }, "'q'");
  expect_throw_msg<KeyError>([&] { pd->set("get", ones({1})); }, "attribute 'get' already exists");
  expect_throw_msg<KeyError>([&] { pd->set("sub", ones({1})); }, "attribute 'sub' already exists");
  expect_throw_msg<KeyError>([&] { pd->set("a.b", ones({1})); },
                             "parameter name can't contain \".\"");
  expect_throw_msg<KeyError>(
      [&] {
        pd->update(std::vector<nn::ParameterDict::Item>{{"n", ones({1})}, {"", ones({1})}});
      },
      "parameter name can't be empty string \"\"");
  EXPECT_THROW(pd->set("i", ones({1}, {.dtype = kInt64})), Error);
  EXPECT_EQ(pd->keys(), (Keys{"w"}));
  EXPECT_EQ(pd->str(), before);
  expect_throw_msg<KeyError>([&] { nn::make<nn::ParameterDict>()->popitem(); },
                             "'popitem(): dictionary is empty'");
  expect_throw_msg<RuntimeError>([&] { pd->call({ones({1})}); },
                                 "ParameterDict should not be called.");
}

TEST(Containers, NestedKeysAndConversions) {
  struct Model : nn::Module {
    nn::Handle<nn::Sequential> layers =
        register_module("layers", nn::make<nn::Sequential>(nn::make<Mul>(), nn::make<Add>(1.0)));
    nn::Handle<nn::ParameterList> params =
        register_module("params", nn::make<nn::ParameterList>(std::vector<Tensor>{ones({2})}));
  };
  auto m = nn::make<Model>();
  EXPECT_EQ(state_keys(*m), (Keys{"layers.0.w", "params.0"}));
  Tensor held = (*m->params)[0];
  m->double_();
  EXPECT_EQ(held.dtype(), kFloat64);  // the same TensorImpl converted
  EXPECT_EQ((*m->params)[0].impl(), held.impl());
  auto copy = nn::make<Model>();
  copy->double_();
  copy->load_state_dict(m->state_dict());
}
