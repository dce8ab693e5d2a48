// load_state_dict's bulk copy (all copies made as one parallel byte copy when
// they are independent) against the tensor-by-tensor copies it replaces: the
// same values and versions, and the sequential result wherever copies depend
// on each other (tied targets, sources that are targets, shared storages).
// Also the arena-allocated handles of state_dict.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/utils/convert_parameters.h"

using namespace ember;

namespace {

struct Pair : nn::Module {
  Tensor x = register_parameter("x", zeros({3}));
  Tensor y = register_parameter("y", zeros({3}));
  Tensor n = register_buffer("n", zeros({}, {.dtype = kInt64}));
};

// Big enough that the bulk copy runs on several threads.
struct Big : nn::Module {
  Tensor a = register_parameter("a", zeros({300000}));
  Tensor b = register_parameter("b", zeros({7, 11}));
  Tensor c = register_parameter("c", zeros({1 << 19}));
  Tensor e = register_buffer("e", zeros({0}));
};

uint32_t version(const Tensor& t) { return t.impl()->version(); }

TEST(BulkLoad, IndependentCopiesGiveValuesAndVersions) {
  auto m = nn::make<Big>();
  nn::StateDict sd;
  for (const auto& [k, v] : m->state_dict()) sd.insert(k, randn_like(v));
  const auto before =
      std::vector<uint32_t>{version(m->a), version(m->b), version(m->c), version(m->e)};
  m->load_state_dict(sd);
  EXPECT_TRUE(m->a.equal(sd.at("a")));
  EXPECT_TRUE(m->b.equal(sd.at("b")));
  EXPECT_TRUE(m->c.equal(sd.at("c")));
  EXPECT_EQ(version(m->a), before[0] + 1);
  EXPECT_EQ(version(m->b), before[1] + 1);
  EXPECT_EQ(version(m->c), before[2] + 1);
  EXPECT_EQ(version(m->e), before[3] + 1);  // copy_ of an empty tensor moves it too
}

TEST(BulkLoad, ParametersInOneStorage) {
  // After vector_to_parameters every parameter is a slice of one vector: the
  // targets share a storage but no byte, so the copies are still independent.
  auto m = nn::make<Big>();
  Tensor vec = zeros({300000 + 77 + (1 << 19)});
  nn::utils::vector_to_parameters(vec, m->parameters());
  nn::StateDict sd;
  for (const auto& [k, v] : m->state_dict()) sd.insert(k, randn_like(v));
  m->load_state_dict(sd);
  EXPECT_TRUE(m->a.equal(sd.at("a")));
  EXPECT_TRUE(m->b.equal(sd.at("b")));
  EXPECT_TRUE(m->c.equal(sd.at("c")));
  EXPECT_TRUE(vec.slice(0, 300000, 300077).view({7, 11}).equal(sd.at("b")));
}

TEST(BulkLoad, SourceThatIsATargetIsReadAfterItIsWritten) {
  // y's source is x itself: copied in order, x first, y gets x's new values.
  auto m = nn::make<Pair>();
  const Tensor fresh = tensor({1.f, 2.f, 3.f});
  nn::StateDict sd{{"x", fresh}, {"y", m->x.detach()}, {"n", scalar_tensor(5, {.dtype = kInt64})}};
  m->load_state_dict(sd);
  EXPECT_TRUE(m->x.equal(fresh));
  EXPECT_TRUE(m->y.equal(fresh));
  EXPECT_EQ(m->n.item<int64_t>(), 5);
}

TEST(BulkLoad, OwnStateDictLoadsUnchanged) {
  auto m = nn::make<Pair>();
  {
    NoGradGuard g;
    m->x.copy_(tensor({4.f, 5.f, 6.f}));
  }
  const uint32_t v = version(m->x);
  m->load_state_dict(m->state_dict());
  EXPECT_TRUE(m->x.equal(tensor({4.f, 5.f, 6.f})));
  EXPECT_EQ(version(m->x), v + 1);
}

TEST(BulkLoad, TiedTargetsTakeTheLastKey) {
  struct Tied : nn::Module {
    Tensor w = register_parameter("w", zeros({4}));
    std::shared_ptr<nn::Module> alias = register_module("alias", nn::make<nn::Module>());
    Tied() { alias->register_parameter("w", w); }
  };
  auto m = nn::make<Tied>();
  nn::StateDict sd{{"w", full({4}, 1.f)}, {"alias.w", full({4}, 2.f)}};
  m->load_state_dict(sd);
  EXPECT_TRUE(m->w.equal(full({4}, 2.f)));
}

TEST(BulkLoad, OverlappingTargetsCopyInOrder) {
  // Two parameters over the same bytes (views of one vector): the second key wins.
  auto m = nn::make<Pair>();
  Tensor vec = zeros({3});
  nn::utils::vector_to_parameters(vec, {m->x});
  nn::utils::vector_to_parameters(vec, {m->y});
  nn::StateDict sd{
      {"x", full({3}, 1.f)}, {"y", full({3}, 2.f)}, {"n", scalar_tensor(0, {.dtype = kInt64})}};
  m->load_state_dict(sd);
  EXPECT_TRUE(vec.equal(full({3}, 2.f)));
}

TEST(BulkLoad, MixedDtypesConvertAsCopy) {
  auto m = nn::make<Pair>();
  nn::StateDict sd{{"x", tensor({1.0, 2.0, 3.0})},  // float64 into float32
                   {"y", tensor({4.f, 5.f, 6.f})},
                   {"n", scalar_tensor(9, {.dtype = kInt64})}};
  m->load_state_dict(sd);
  EXPECT_TRUE(m->x.equal(tensor({1.f, 2.f, 3.f})));
  EXPECT_TRUE(m->y.equal(tensor({4.f, 5.f, 6.f})));
  EXPECT_EQ(m->n.item<int64_t>(), 9);
}

TEST(StateDictHandles, OutliveTheModuleAndTheirSiblings) {
  // Handles come from shared blocks: each must stay valid on its own, freed
  // in any order, on any thread.
  std::vector<Tensor> kept;
  {
    auto m = nn::make<Big>();
    nn::StateDict sd = m->state_dict();
    for (int i = 0; i < 50; ++i)
      for (const auto& [k, v] : m->state_dict()) kept.push_back(v);
    kept.push_back(sd.at("b"));
  }
  std::thread t([&] {
    for (size_t i = 0; i < kept.size(); i += 2) kept[i] = Tensor();
  });
  t.join();
  for (size_t i = 1; i < kept.size(); i += 2) {
    ASSERT_TRUE(kept[i].defined());
    EXPECT_FALSE(kept[i].requires_grad());
    EXPECT_EQ(kept[i].sum().item<double>(), 0.0);
  }
}

TEST(StateDictHandles, ShareDataAndVersionWithTheModule) {
  auto m = nn::make<Pair>();
  Tensor x = m->state_dict().at("x");
  EXPECT_FALSE(x.requires_grad());
  EXPECT_EQ(x.data_ptr(), m->x.data_ptr());
  const uint32_t v = version(x);
  {
    NoGradGuard g;
    m->x.add_(1);
  }
  EXPECT_EQ(version(x), v + 1);
  EXPECT_TRUE(x.equal(full({3}, 1.f)));
}

}  // namespace

namespace {

TEST(BulkZeroGrad, ZeroesEveryKindOfGradAndMovesVersions) {
  struct Grads : nn::Module {
    Tensor a = register_parameter("a", zeros({400000}));
    Tensor b = register_parameter("b", zeros({5, 3}));
    Tensor c = register_parameter("c", zeros({0}));
    Tensor d = register_parameter("d", zeros({4, 6}));
    Tensor e = register_parameter("e", zeros({600000}, {.dtype = kFloat64}));
  };
  auto m = nn::make<Grads>();
  m->a.set_grad(full({400000}, 3.f));
  m->b.set_grad(full({5, 3}, 2.f));
  m->c.set_grad(zeros({0}));
  m->d.set_grad(full({6, 4}, 5.f).t());  // not contiguous: zeroed by zero_ itself
  m->e.set_grad(full({600000}, 7.0, {.dtype = kFloat64}));
  std::vector<Tensor> grads;
  std::vector<uint32_t> before;
  for (const auto& p : m->parameters()) {
    grads.push_back(p.grad());
    before.push_back(version(p.grad()));
  }
  m->zero_grad(false);
  for (size_t i = 0; i < grads.size(); ++i) {
    EXPECT_TRUE(grads[i].is_same(m->parameters()[i].grad())) << i;  // the same tensors
    EXPECT_EQ(grads[i].abs().sum().item<double>(), 0.0) << i;
    EXPECT_EQ(version(grads[i]), before[i] + 1) << i;
  }
  m->zero_grad(true);
  for (const auto& p : m->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(BulkZeroGrad, AnErrorLeavesTheEarlierGradsZeroed) {
  // detach_ of a view with history throws part-way, as before: the gradients
  // before it are zero, the ones after it untouched.
  struct Three : nn::Module {
    Tensor a = register_parameter("a", zeros({3}));
    Tensor b = register_parameter("b", zeros({3}));
    Tensor c = register_parameter("c", zeros({3}));
  };
  auto m = nn::make<Three>();
  m->a.set_grad(full({3}, 1.f));
  Tensor base = full({6}, 1.f).requires_grad_();
  Tensor view_grad = (base * 2).slice(0, 0, 3);
  m->b.mutable_grad() = view_grad;
  m->c.set_grad(full({3}, 1.f));
  EXPECT_THROW(m->zero_grad(false), RuntimeError);
  EXPECT_TRUE(m->a.grad().equal(zeros({3})));
  EXPECT_TRUE(m->c.grad().equal(full({3}, 1.f)));
}

}  // namespace
