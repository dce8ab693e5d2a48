// Module::clone: a deep copy that keeps what is shared shared (PyTorch's
// copy.deepcopy(module)).
#include <gtest/gtest.h>

#include "ember/ember.h"
#include "support/expect.h"
#include "support/nn_tree.h"

using namespace ember;
using ember::testing::Leaf;
using ember::testing::TreeNet;

namespace {

struct Affine : nn::Module {
  Tensor w, b;
  int64_t n;
  explicit Affine(int64_t n_) : n(n_) {
    w = register_parameter("w", ones({n}));
    b = register_parameter("b", zeros({n}));
    register_buffer("count", zeros({1}, {.dtype = kInt64}));
  }
  Tensor forward(const Tensor& x) { return x * w + b; }
};

// Takes its encoder as a constructor argument and keeps a typed member.
struct Wrapper : nn::Module {
  nn::Handle<Affine> enc;
  Tensor scale;
  Wrapper(nn::Handle<Affine> e, Tensor s) : enc(register_module("enc", std::move(e))) {
    scale = register_parameter("scale", std::move(s));
  }
  Tensor forward(const Tensor& x) { return enc(x) * scale; }
};

struct WithExtra : nn::Module {
  Tensor state = zeros({1});
  std::optional<Tensor> get_extra_state() const override { return state; }
  void set_extra_state(const Tensor& s) override { state = s; }
};

}  // namespace

TEST(ModuleClone, CopiesValuesAndKeepsSharingShared) {
  auto net = nn::make<TreeNet>();
  {
    NoGradGuard g;
    net->get_parameter("first.a.weight").fill_(3.0f);
    net->get_buffer("head.running").fill_(5.0f);
  }
  net->get_parameter("head.weight").set_grad(full({2}, 7.0f));
  net->eval();
  auto copy = net->clone();
  auto orig_names = net->named_modules(nullptr, "", false);
  auto copy_names = copy->named_modules(nullptr, "", false);
  ASSERT_EQ(orig_names.size(), copy_names.size());
  for (size_t i = 0; i < orig_names.size(); ++i) {
    EXPECT_EQ(orig_names[i].first, copy_names[i].first);
    EXPECT_NE(orig_names[i].second.get(), copy_names[i].second.get());
    EXPECT_FALSE(copy_names[i].second->is_training());
  }
  // Same keys, same values, no storage in common.
  auto sd = net->state_dict(), csd = copy->state_dict();
  ASSERT_EQ(sd.keys(), csd.keys());
  for (const auto& [k, t] : sd) {
    EXPECT_TRUE(t.equal(csd.at(k))) << k;
    EXPECT_NE(t.data_ptr(), csd.at(k).data_ptr()) << k;
  }
  // Shared module and tied parameter: one copy each.
  EXPECT_EQ(copy->get_submodule("first.shared").get(), copy->get_submodule("second.shared").get());
  EXPECT_EQ(copy->get_submodule("head").get(), copy->get_submodule("alias").get());
  EXPECT_TRUE(copy->get_parameter("tied").is_same(copy->get_parameter("first.a.weight")));
  EXPECT_EQ(copy->parameters().size(), net->parameters().size());
  // requires_grad and .grad come along; the copy's parameters are parameters.
  Tensor hw = copy->get_parameter("head.weight");
  EXPECT_TRUE(nn::is_parameter(hw));
  EXPECT_TRUE(hw.requires_grad());
  EXPECT_TRUE(hw.grad().equal(full({2}, 7.0f)));
  EXPECT_NE(hw.grad().data_ptr(), net->get_parameter("head.weight").grad().data_ptr());
  // Changing the copy leaves the original alone.
  {
    NoGradGuard g;
    copy->get_parameter("tied").fill_(-1.0f);
  }
  EXPECT_EQ(net->get_parameter("first.a.weight").sum().item<float>(), 6.0f);
  EXPECT_EQ(copy->get_parameter("first.a.weight").sum().item<float>(), -2.0f);
  EXPECT_EQ(copy->str(), net->str());
}

TEST(ModuleClone, TypedMembersFollowTheCopy) {
  auto enc = nn::make<Affine>(2);
  auto net = nn::make<Wrapper>(enc, full({2}, 2.0f));
  {
    NoGradGuard g;
    enc->w.fill_(3.0f);
  }
  auto copy = nn::clone(net);
  // The constructor argument (a module of the tree) was replaced by its copy,
  // so the typed member and the registered child are one object.
  EXPECT_EQ(copy->enc.get(), copy->get_submodule("enc").get());
  EXPECT_NE(copy->enc.get(), enc.get());
  EXPECT_TRUE(copy->scale.is_same(copy->get_parameter("scale")));
  EXPECT_FALSE(copy->scale.is_same(net->scale));
  EXPECT_EQ(copy(ones({2})).tolist<float>(), (std::vector<float>{6, 6}));
  {
    NoGradGuard g;
    copy->enc->w.zero_();
  }
  EXPECT_EQ(net(ones({2})).tolist<float>(), (std::vector<float>{6, 6}));
  EXPECT_EQ(copy(ones({2})).tolist<float>(), (std::vector<float>{0, 0}));
}

TEST(ModuleClone, MembersChangedAfterConstruction) {
  auto net = nn::make<Affine>(3);
  net->register_parameter("extra", full({1}, 4.0f));
  net->register_buffer("scratch", ones({2}), /*persistent=*/false);
  net->register_module("sub", nn::make<Affine>(1));
  net->to(kFloat64);
  net->w.requires_grad_(false);
  auto copy = net->clone();
  EXPECT_EQ(copy->named_parameters("", false).size(), 3u);
  EXPECT_EQ(copy->named_parameters().size(), 5u);
  EXPECT_EQ(copy->get_parameter("extra").item<double>(), 4.0);
  EXPECT_EQ(copy->get_parameter("w").dtype(), kFloat64);
  EXPECT_FALSE(copy->get_parameter("w").requires_grad());
  EXPECT_FALSE(copy->is_persistent_buffer("scratch"));
  EXPECT_EQ(copy->get_buffer("count").dtype(), kInt64);
  EXPECT_NE(copy->get_submodule("sub").get(), net->get_submodule("sub").get());
}

TEST(ModuleClone, ExtraStateAndErrors) {
  auto m = nn::make<WithExtra>();
  m->state = full({1}, 9.0f);
  auto c = nn::clone(m);
  EXPECT_EQ(c->state.item<float>(), 9.0f);
  EXPECT_NE(c->state.data_ptr(), m->state.data_ptr());
  auto raw = std::make_shared<Affine>(2);
  EXPECT_THROW_MSG(raw->clone(), RuntimeError,
                   "clone: Affine was not made by nn::make<...>(...) with copyable arguments");
  auto parent = nn::make<Affine>(1);
  parent->register_module("raw", raw);
  EXPECT_THROW_MSG(parent->clone(), RuntimeError, "clone: Affine was not made by nn::make");
}

TEST(ModuleClone, ContainersAndLazyModules) {
  auto seq = nn::make<nn::Sequential>(nn::make<Affine>(2), nn::make<nn::LazyLinear>(3));
  auto copy = nn::clone(seq);
  ASSERT_EQ(copy->size(), 2u);
  EXPECT_NE(copy->children()[0].get(), seq->children()[0].get());
  EXPECT_TRUE(nn::is_lazy(copy->get_parameter("1.weight")));
  Tensor y = seq(ones({4, 2}));
  EXPECT_EQ(y.size(0), 4);
  EXPECT_EQ(y.size(1), 3);
  EXPECT_EQ(seq->children()[1]->name(), "Linear");
  EXPECT_TRUE(nn::is_lazy(copy->get_parameter("1.weight")));  // the copy was made before
  // A clone of the initialised model computes the same thing and prints the same.
  auto copy2 = nn::clone(seq);
  EXPECT_FALSE(nn::is_lazy(copy2->get_parameter("1.weight")));
  Tensor x = arange(8).to(kFloat32).view({4, 2});
  EXPECT_TRUE(Tensor(copy2(x)).equal(seq(x)));
  EXPECT_EQ(copy2->str(), seq->str());
}
