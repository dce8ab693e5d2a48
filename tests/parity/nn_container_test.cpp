// nn containers against torch.nn (see gen_nn_container.py, which builds the
// same containers step by step): printed trees, named_modules / state_dict
// keys after each change, Sequential forward values and gradients, and errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::error_text;
using ember::testing::ParityFile;

namespace {

struct Affine : nn::Module {
  int64_t n;
  Tensor w, b;
  Affine(int64_t n_, float scale) : n(n_) {
    w = register_parameter("w", full({n}, scale));
    b = register_parameter("b", arange(n).to(kFloat32));
  }
  Tensor forward(const Tensor& x) { return x * w + b; }
  std::string extra_repr() const override { return "n=" + std::to_string(n); }
};

struct Scale : nn::Module {
  int64_t k;
  explicit Scale(int64_t k_) : k(k_) {}
  Tensor forward(const Tensor& x) { return x * static_cast<double>(k); }
  std::string extra_repr() const override { return "k=" + std::to_string(k); }
};

struct Model : nn::Module {
  nn::Handle<nn::Sequential> layers = register_module(
      "layers", nn::make<nn::Sequential>(nn::make<Affine>(2, 1.0f), nn::make<Scale>(2),
                                         nn::make<Affine>(2, 3.0f)));
  nn::Handle<nn::ModuleDict> heads = register_module(
      "heads",
      nn::make<nn::ModuleDict>(OrderedDict<nn::ModulePtr>{{"cls", nn::make<Affine>(2, 1.0f)}}));
  nn::Handle<nn::ParameterList> params = register_module(
      "params", nn::make<nn::ParameterList>(std::vector<Tensor>{ones({2}), zeros({1})}));
  nn::Handle<nn::ParameterDict> extra = register_module(
      "extra", nn::make<nn::ParameterDict>(OrderedDict<Tensor>{{"alpha", ones({1})}}));
};

std::string fmt(const Tensor& t) {
  std::string s = "[";
  auto v = t.contiguous().to(kFloat32).tolist<float>();
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v[i]));
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + "]";
}

std::string b(bool v) { return v ? "True" : "False"; }

std::string keys(nn::Module& m) {
  std::string s;
  for (const auto& [k, v] : m.state_dict()) s += (s.empty() ? "" : ",") + k;
  return s;
}

std::string mods(nn::Module& m) {
  std::string s;
  bool first = true;
  for (const auto& [n, v] : m.named_modules()) {
    s += (first ? "" : ",") + n;
    first = false;
  }
  return s;
}

std::string join_names(const std::vector<std::string>& xs) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? "," : "") + xs[i];
  return s;
}

std::string flat(const nn::Module& m) {
  std::string s = m.str();
  for (auto& c : s)
    if (c == '\n') c = '/';
  return s;
}

template <typename M>
nn::ModulePtr P(nn::Handle<M> h) {
  return h;
}

}  // namespace

TEST(NnContainerParity, MatchesPyTorch) {
  ParityFile f("nn_container");
  std::map<std::string, std::string> got;
  auto t = [&](const std::string& k, const std::string& v) { got[k] = v; };

  auto a = nn::make<Affine>(3, 2.0f);
  auto s = nn::make<Scale>(3);
  auto c = nn::make<Affine>(3, 0.5f);
  auto seq = nn::make<nn::Sequential>(a, s, c);
  t("seq_repr", seq->str());
  t("seq_modules", mods(*seq));
  t("seq_keys", keys(*seq));
  Tensor x = tensor({1.0f, -2.0f, 0.5f}).requires_grad_();
  Tensor y = seq(x);
  (y * tensor({1.0f, 2.0f, 3.0f})).sum().backward();
  t("seq_forward", fmt(y));
  t("seq_x_grad", fmt(x.grad()));
  std::string pg;
  for (const auto& [n, p] : seq->named_parameters())
    pg += (pg.empty() ? "" : "\n") + n + " " + fmt(p.grad());
  t("seq_param_grads", pg);
  t("seq_index", b((*seq)[0] == a) + " " + b((*seq)[-1] == c) + " " + b((*seq)[-3] == a) + " " +
                     std::to_string(seq->size()));

  t("seq_slice_1", seq->slice(Slice(1))->str());
  t("seq_slice_rev",
    keys(*seq->slice(Slice({}, {}, -1))) + " | " + mods(*seq->slice(Slice({}, {}, -1))));
  t("seq_slice_neg", keys(*seq->slice(Slice(-2))));
  t("seq_slice_empty", seq->slice(Slice(5))->str());
  t("seq_slice_shared", b((*seq->slice(Slice(1)))[1] == c));

  auto named =
      nn::make<nn::Sequential>(OrderedDict<nn::ModulePtr>{{"first", nn::make<Affine>(2, 1.0f)},
                                                          {"act", nn::make<Scale>(2)},
                                                          {"last", nn::make<Affine>(2, 3.0f)}});
  t("named_repr", named->str());
  t("named_keys", keys(*named));
  t("named_slice", keys(*named->slice(Slice(1))) + " | " + mods(*named->slice(Slice({}, {}, 2))));
  t("named_forward", fmt(named(tensor({1.0f, 2.0f}))));
  t("err_named_insert", error_text([&] { named->insert(0, nn::make<Scale>(1)); }));
  t("named_after_failed_insert", mods(*named));
  named->erase(1);
  t("named_del_renumbered", named->str());

  auto s2 = nn::make<nn::Sequential>(nn::make<Affine>(1, 1.0f), nn::make<Affine>(1, 2.0f));
  std::vector<std::string> log;
  s2->append(nn::make<Scale>(5));
  log.push_back("append " + keys(*s2) + " " + mods(*s2));
  s2->insert(1, nn::make<Affine>(1, 7.0f));
  log.push_back("insert1 " + keys(*s2) + " " + flat(*s2));
  s2->insert(-1, nn::make<Scale>(6));
  log.push_back("insert-1 " + flat(*s2));
  s2->insert(static_cast<int64_t>(s2->size()), nn::make<Scale>(8));
  log.push_back("insert_end " + flat(*s2));
  s2->extend(*nn::make<nn::Sequential>(nn::make<Scale>(9), nn::make<Affine>(2, 1.0f)));
  log.push_back("extend " + keys(*s2) + " " + mods(*s2));
  auto p0 = std::dynamic_pointer_cast<Affine>(s2->pop(0));
  log.push_back("pop0 " + std::to_string(static_cast<int>(p0->w.item<float>())) + ".0 " +
                keys(*s2));
  s2->set(-1, nn::make<Scale>(10));
  log.push_back("set-1 " + flat(*s2));
  s2->erase(Slice(0, 2));
  log.push_back("del0:2 " + flat(*s2));
  s2->erase(Slice({}, {}, 2));
  log.push_back("del::2 " + flat(*s2));
  auto popped = s2->pop(Slice(0, 1));
  log.push_back("popslice " + flat(*popped) + " | " + flat(*s2));
  std::string joined;
  for (size_t i = 0; i < log.size(); ++i) joined += (i ? "\n" : "") + log[i];
  t("seq_mutations", joined);

  auto s3 = nn::make<nn::Sequential>(nn::make<Scale>(1), nn::make<Scale>(2));
  t("seq_add", (*s3 + *nn::make<nn::Sequential>(nn::make<Scale>(3)))->str());
  t("seq_mul", (*s3 * 2)->str() + " " + b((*(*s3 * 2))[2] == (*s3)[0]));
  t("seq_rmul", (2 * *s3)->str());
  auto s4 = nn::make<nn::Sequential>(nn::make<Scale>(1), nn::make<Scale>(2));
  *s4 += *nn::make<nn::Sequential>(nn::make<Scale>(3));
  t("seq_iadd", s4->str());
  *s4 *= 2;
  t("seq_imul", mods(*s4) + " " + b((*s4)[3] == (*s4)[0]));
  t("seq_mul_forward", fmt((*s3 * 3)(tensor({1.0f}))));

  t("err_seq_index", error_text([&] { (*seq)[3]; }));
  t("err_seq_index_neg", error_text([&] { (*seq)[-4]; }));
  t("err_seq_set", error_text([&] { seq->set(3, nn::make<Scale>(1)); }));
  t("err_seq_del", error_text([&] { seq->erase(-5); }));
  t("err_seq_pop", error_text([&] { seq->pop(7); }));
  t("err_seq_insert", error_text([&] { seq->insert(4, nn::make<Scale>(1)); }));
  t("err_seq_insert_neg", error_text([&] { seq->insert(-4, nn::make<Scale>(1)); }));
  t("err_seq_insert_none", error_text([&] { seq->insert(0, nn::ModulePtr()); }));
  t("err_seq_step0", error_text([&] { seq->slice(Slice({}, {}, 0)); }));
  t("err_seq_mul0", error_text([&] { *seq * 0; }));
  t("err_seq_imul", error_text([&] { *nn::make<nn::Sequential>(nn::make<Scale>(1)) *= -1; }));
  t("err_seq_attr", error_text([&] {
      nn::make<nn::Sequential>(OrderedDict<nn::ModulePtr>{{"append", nn::make<Scale>(1)}});
    }));
  t("err_seq_dot", error_text([&] {
      nn::make<nn::Sequential>(OrderedDict<nn::ModulePtr>{{"a.b", nn::make<Scale>(1)}});
    }));
  t("err_seq_none_call", error_text([&] {
      auto sn = nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{nn::make<Scale>(1), nullptr});
      sn(ones({1}));
    }));
  t("seq_after_errors", seq->str());
  t("seq_none_repr",
    nn::make<nn::Sequential>(std::vector<nn::ModulePtr>{nn::make<Scale>(1), nullptr})->str());

  // ModuleList
  auto ml = nn::make<nn::ModuleList>(std::vector<nn::ModulePtr>{
      nn::make<Affine>(2, 1.0f), nn::make<Scale>(2), nn::make<Affine>(2, 2.0f)});
  t("ml_repr", ml->str());
  t("ml_keys", keys(*ml));
  t("ml_slice", ml->slice(Slice(1))->str());
  t("ml_slice_rev", keys(*ml->slice(Slice({}, {}, -1))));
  t("ml_index", b((*ml)[-1] == (*ml)[2]) + " " + std::to_string(ml->size()));
  log.clear();
  ml->append(nn::make<Scale>(3));
  log.push_back("append " + mods(*ml));
  ml->insert(1, nn::make<Scale>(4));
  log.push_back("insert1 " + flat(*ml));
  ml->insert(static_cast<int64_t>(ml->size()), nn::make<Scale>(5));
  log.push_back("insert_end " + mods(*ml));
  ml->extend(std::vector<nn::ModulePtr>{nn::make<Scale>(6), nn::make<Scale>(7)});
  log.push_back("extend " + mods(*ml));
  *ml += std::vector<nn::ModulePtr>{nn::make<Scale>(8)};
  log.push_back("iadd " + mods(*ml));
  auto last = ml->pop(-1);
  log.push_back("pop " + last->str() + " " + mods(*ml));
  ml->erase(0);
  log.push_back("del0 " + flat(*ml));
  ml->erase(Slice(1, {}, 2));
  log.push_back("del1::2 " + flat(*ml));
  ml->set(0, nn::make<Scale>(11));
  log.push_back("set0 " + flat(*ml));
  ml->append(nn::ModulePtr());
  log.push_back("append_none " + flat(*ml) + " " + mods(*ml));
  auto mlp = ml->pop(Slice(1));
  log.push_back("popslice " + flat(*mlp) + " " + mods(*ml));
  joined.clear();
  for (size_t i = 0; i < log.size(); ++i) joined += (i ? "\n" : "") + log[i];
  t("ml_mutations", joined);
  auto gap = nn::make<nn::ModuleList>(nn::make<Scale>(1));
  gap->insert(5, nn::make<Scale>(2));
  t("ml_insert_past_end", mods(*gap) + " " + std::to_string(gap->size()));
  t("ml_add", (*nn::make<nn::ModuleList>(nn::make<Scale>(1)) +
               *nn::make<nn::ModuleList>(nn::make<Scale>(2), nn::make<Scale>(3)))
                  ->str());
  auto ml2 = nn::make<nn::ModuleList>(nn::make<Scale>(1), nn::make<Scale>(2));
  t("err_ml_index", error_text([&] { (*ml2)[2]; }));
  t("err_ml_set", error_text([&] { ml2->set(-3, nn::make<Scale>(1)); }));
  t("err_ml_del", error_text([&] { ml2->erase(2); }));
  t("err_ml_insert_neg", error_text([&] {
      nn::make<nn::ModuleList>(nn::make<Scale>(1), nn::make<Scale>(2))
          ->insert(-1, nn::make<Scale>(1));
    }));
  t("err_ml_call", error_text([&] { ml2->call({ones({1})}); }));
  t("ml_after_errors", ml2->str());

  // ModuleDict
  auto md = nn::make<nn::ModuleDict>(
      OrderedDict<nn::ModulePtr>{{"b", nn::make<Scale>(1)}, {"a", nn::make<Affine>(1, 1.0f)}});
  md->update(
      std::vector<nn::ModuleDict::Item>{{"c", nn::make<Scale>(2)}, {"b", nn::make<Scale>(3)}});
  t("md_repr", md->str());
  t("md_keys", join_names(md->keys()) + " " + keys(*md));
  t("md_contains",
    b(md->contains("a")) + " " + b(md->contains("z")) + " " + std::to_string(md->size()));
  md->set("d", nn::make<Scale>(4));
  auto mdp = md->pop("b");
  t("md_pop", mdp->str() + " " + mods(*md));
  md->erase("a");
  t("md_del", md->str());
  md->update(*nn::make<nn::ModuleDict>(OrderedDict<nn::ModulePtr>{{"e", nn::make<Scale>(5)}}));
  t("md_update_dict", mods(*md));
  t("err_md_get", error_text([&] { (*md)["zz"]; }));
  t("err_md_del", error_text([&] { md->erase("zz"); }));
  t("err_md_pop", error_text([&] { md->pop("zz"); }));
  t("err_md_attr", error_text([&] { md->set("keys", nn::make<Scale>(1)); }));
  t("err_md_dot", error_text([&] { md->set("a.b", nn::make<Scale>(1)); }));
  t("err_md_empty", error_text([&] { md->set("", nn::make<Scale>(1)); }));
  t("err_md_call", error_text([&] { md->call({ones({1})}); }));
  md->clear();
  t("md_clear", md->str() + " " + std::to_string(md->size()));

  // ParameterList
  auto pl = nn::make<nn::ParameterList>(
      std::vector<Tensor>{randn({2, 3}), nn::Parameter(zeros({4}, {.dtype = kFloat64})),
                          nn::Parameter(ones({1}), false)});
  t("pl_repr", pl->str());
  std::vector<std::string> pn;
  for (const auto& [n, p] : pl->named_parameters()) pn.push_back(n);
  t("pl_keys", keys(*pl) + " " + join_names(pn));
  std::string rg, ip;
  for (const Tensor& p : *pl) {
    rg += (rg.empty() ? "" : " ") + b(p.requires_grad());
    ip += (ip.empty() ? "" : " ") + b(nn::is_parameter(p));
  }
  t("pl_requires_grad", rg);
  t("pl_is_param", ip);
  pl->append(ones({2, 2}));
  pl->extend({zeros({3})});
  t("pl_appended", pl->str());
  t("pl_slice", pl->slice(Slice({}, {}, -2))->str());
  t("pl_single", nn::make<nn::ParameterList>(std::vector<Tensor>{ones({5})})->str());
  t("pl_empty", nn::make<nn::ParameterList>()->str());
  pl->set(0, ones({7}));
  {
    std::string r = pl->str();
    const size_t a0 = r.find('\n') + 1;
    t("pl_set", r.substr(a0, r.find('\n', a0) - a0) + " " + std::to_string((*pl)[-5].size(0)));
  }
  t("err_pl_index", error_text([&] { (*pl)[5]; }));
  t("err_pl_set", error_text([&] { pl->set(-6, ones({1})); }));
  t("err_pl_call", error_text([&] { pl->call({ones({1})}); }));

  // ParameterDict
  auto pd = nn::make<nn::ParameterDict>(
      OrderedDict<Tensor>{{"w", randn({2})}, {"b", nn::Parameter(ones({3}, {.dtype = kFloat64}))}});
  t("pd_repr", pd->str());
  pd->update(std::vector<nn::ParameterDict::Item>{{"c", zeros({1, 2})}, {"w", ones({4})}});
  t("pd_update", pd->str() + " | " + keys(*pd));
  {
    const int64_t w = pd->setdefault("w", ones({9})).size(0);
    const int64_t z = pd->setdefault("z", ones({9})).size(0);
    t("pd_setdefault", std::to_string(w) + " " + std::to_string(z) + " " + join_names(pd->keys()));
  }
  t("pd_get", to_string(pd->get("b").dtype()) + " " + b(!pd->get("nope").defined()) + " " +
                  b(pd->contains("c")) + " " + std::to_string(pd->size()));
  {
    const int64_t c1 = pd->pop("c").size(1);
    t("pd_pop", std::to_string(c1) + " " + join_names(pd->keys()));
  }
  {
    auto [k, v] = pd->popitem();
    t("pd_popitem", k + " " + std::to_string(v.size(0)) + " " + join_names(pd->keys()));
  }
  auto cp = pd->copy();
  t("pd_copy", b((*cp)["w"].impl() == (*pd)["w"].impl()) + " " + join_names(cp->keys()));
  auto fk = pd->fromkeys({"x", "y"}, ones({2}));
  t("pd_fromkeys", fk->str() + " " + b((*fk)["x"].impl() == (*fk)["y"].impl()));
  auto other =
      nn::make<nn::ParameterDict>(OrderedDict<Tensor>{{"q", ones({1})}, {"w", zeros({6})}});
  t("pd_or",
    join_names((*pd | *other)->keys()) + " " + std::to_string((*(*pd | *other))["w"].size(0)));
  *pd |= *other;
  t("pd_ior", join_names(pd->keys()));
  t("err_pd_get", error_text([&] { (*pd)["zz"]; }));
  t("err_pd_del", error_text([&] { pd->erase("zz"); }));
  t("err_pd_pop", error_text([&] { pd->pop("zz"); }));
  t("err_pd_attr", error_text([&] { nn::make<nn::ParameterDict>()->set("keys", ones({1})); }));
  t("err_pd_dot", error_text([&] { nn::make<nn::ParameterDict>()->set("a.b", ones({1})); }));
  t("err_pd_empty", error_text([&] { nn::make<nn::ParameterDict>()->set("", ones({1})); }));
  t("err_pd_popitem", error_text([&] { nn::make<nn::ParameterDict>()->popitem(); }));
  t("err_pd_call", error_text([&] { pd->call({ones({1})}); }));
  pd->clear();
  t("pd_clear", pd->str() + " " + std::to_string(pd->size()));

  auto model = nn::make<Model>();
  t("model_repr", model->str());
  t("model_keys", keys(*model));
  t("model_modules", mods(*model));

  // Where ember cannot say it PyTorch's way: C++ has no AssertionError (a
  // TypeError with the same message), and a module without forward gets a
  // longer message that starts with PyTorch's.
  const std::set<std::string> message_only = {"err_seq_insert_none"};
  const std::set<std::string> prefix = {"err_ml_call", "err_md_call"};
  const auto& want = f.metadata();
  for (const auto& [key, value] : want) {
    ASSERT_TRUE(got.count(key)) << "case only PyTorch has: " << key;
    const std::string& g = got.at(key);
    if (message_only.count(key)) {
      EXPECT_EQ(g.substr(g.find(": ")), value.substr(value.find(": "))) << key;
    } else if (prefix.count(key)) {
      EXPECT_EQ(g.substr(0, value.size()), value) << key;
    } else {
      EXPECT_EQ(g, value) << key;
    }
  }
  for (const auto& [key, value] : got)
    EXPECT_TRUE(want.count(key)) << "case only ember has: " << key;
}
