// nn::Module's tree: registration, handles that alias the module's members,
// traversal, modes and gradients. (Order and messages against PyTorch are in
// tests/parity/nn_module_test.cpp.)
#include <gtest/gtest.h>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

namespace {

struct Linearish : nn::Module {
  Tensor weight = register_parameter("weight", ones({2, 3}));
  Tensor bias = register_parameter("bias", zeros({2}));
  Tensor steps = register_buffer("steps", zeros({1}, {.dtype = kInt64}));
  Tensor cache = register_buffer("cache", zeros({2}), /*persistent=*/false);
};

struct Pair : nn::Module {
  std::shared_ptr<Linearish> left = register_module("left", nn::make<Linearish>());
  std::shared_ptr<Linearish> right = register_module("right", nn::make<Linearish>());
};

}  // namespace

TEST(Module, MembersAreTheModulesOwnTensors) {
  auto m = nn::make<Linearish>();
  EXPECT_TRUE(m->weight.requires_grad());
  EXPECT_TRUE(m->weight.is_leaf());
  EXPECT_TRUE(nn::is_parameter(m->weight));
  EXPECT_FALSE(m->steps.requires_grad());
  auto params = m->parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_TRUE(params[0].is_same(m->weight));
  {
    NoGradGuard g;
    params[0].fill_(5);  // through parameters(): the module's weight changes
  }
  EXPECT_EQ(m->weight.sum().item<float>(), 30.0f);
  EXPECT_TRUE(m->is_persistent_buffer("steps"));
  EXPECT_FALSE(m->is_persistent_buffer("cache"));
  EXPECT_EQ(m->name(), "Linearish");
  EXPECT_EQ(nn::Module("Custom").name(), "Custom");
}

TEST(Module, RegistrationErrorsLeaveTheModuleUnchanged) {
  auto m = nn::make<Linearish>();
  Tensor a = ones({1}, {.dtype = kFloat64}).requires_grad_();
  EXPECT_THROW_MSG(m->register_parameter("derived", a * 2.0), ValueError,
                   "Cannot assign non-leaf Tensor to parameter 'derived'.");
  EXPECT_THROW_MSG(m->register_buffer("weight", zeros({1})), KeyError,
                   "attribute 'weight' already exists");
  EXPECT_THROW_MSG(m->register_parameter("x", ones({1}, {.dtype = kInt64})), RuntimeError,
                   "only Tensors of floating point dtype can require gradients");
  EXPECT_EQ(m->named_parameters().size(), 2u);
  EXPECT_EQ(m->named_buffers().size(), 2u);
  // Re-registering a parameter under its own name replaces it in place (order kept).
  m->register_parameter("weight", zeros({2, 3}));
  EXPECT_EQ(m->named_parameters()[0].first, "weight");
  EXPECT_EQ(m->get_parameter("weight").sum().item<float>(), 0.0f);
  // An integer parameter that does not require grad is allowed.
  m->register_parameter("index", zeros({1}, {.dtype = kInt64}), /*requires_grad=*/false);
  EXPECT_FALSE(m->get_parameter("index").requires_grad());
}

TEST(Module, SharedModulesAndParametersAreListedOnce) {
  auto p = nn::make<Pair>();
  p->register_module("again", p->left);
  EXPECT_EQ(p->modules().size(), 3u);
  EXPECT_EQ(p->children().size(), 2u);
  EXPECT_EQ(p->named_modules(nullptr, "", false).size(), 4u);
  EXPECT_EQ(p->parameters().size(), 4u);
  EXPECT_EQ(p->named_parameters("", true, false).size(), 6u);
  EXPECT_TRUE(p->get_submodule("again") == p->left);
  EXPECT_TRUE(p->get_submodule("") == p);
}

TEST(Module, ApplyVisitsChildrenFirst) {
  auto p = nn::make<Pair>();
  std::vector<const nn::Module*> order;
  p->apply([&](nn::Module& m) { order.push_back(&m); });
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0], p->left.get());
  EXPECT_EQ(order[1], p->right.get());
  EXPECT_EQ(order[2], p.get());
}

TEST(Module, TrainEvalAndRequiresGrad) {
  auto p = nn::make<Pair>();
  EXPECT_TRUE(p->is_training());
  p->eval();
  EXPECT_FALSE(p->is_training());
  EXPECT_FALSE(p->left->is_training());
  p->train();
  EXPECT_TRUE(p->right->is_training());
  p->requires_grad_(false);
  for (auto& t : p->parameters()) EXPECT_FALSE(t.requires_grad());
  p->requires_grad_();
  for (auto& t : p->parameters()) EXPECT_TRUE(t.requires_grad());
}

TEST(Module, ZeroGrad) {
  auto m = nn::make<Linearish>();
  (m->weight * 2.0).sum().backward();
  ASSERT_TRUE(m->weight.grad().defined());
  EXPECT_FALSE(m->bias.grad().defined());
  m->zero_grad(/*set_to_none=*/false);
  EXPECT_EQ(m->weight.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_FALSE(m->bias.grad().defined());
  m->zero_grad();
  EXPECT_FALSE(m->weight.grad().defined());
  // A gradient with history (create_graph) is detached before zeroing.
  (m->weight * m->weight).sum().backward(Tensor(), std::nullopt, /*create_graph=*/true);
  ASSERT_TRUE(m->weight.grad().requires_grad());
  m->zero_grad(false);
  EXPECT_FALSE(m->weight.grad().requires_grad());
  EXPECT_EQ(m->weight.grad().abs().sum().item<float>(), 0.0f);
}

TEST(Parameter, SharesDataAndPrints) {
  Tensor data = tensor({1.0f, 2.0f});
  nn::Parameter p(data);
  EXPECT_TRUE(p.requires_grad());
  EXPECT_TRUE(p.is_leaf());
  EXPECT_EQ(p.data_ptr(), data.data_ptr());
  EXPECT_FALSE(nn::is_parameter(data));
  EXPECT_EQ(p.str(), "Parameter containing:\ntensor([1., 2.], requires_grad=True)");
  EXPECT_THROW_MSG(nn::Parameter(tensor({1, 2})), RuntimeError,
                   "only Tensors of floating point dtype can require gradients");
  nn::Parameter q(tensor({1, 2}), /*requires_grad=*/false);
  EXPECT_FALSE(q.requires_grad());
}
