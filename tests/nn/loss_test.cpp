// Losses: gradcheck (float64) of every loss and reduction, validation leaves
// nothing half-done, loss modules' buffers and forward. Values against torch
// are in tests/parity/nn_loss_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;
namespace F = ember::nn::functional;

namespace {

Tensor r64(std::vector<int64_t> s) { return randn(s, {.dtype = kFloat64}); }

void check(const std::string& name, const std::function<Tensor(const std::vector<Tensor>&)>& f,
           std::vector<Tensor> inputs) {
  SCOPED_TRACE(name);
  EXPECT_TRUE(autograd::gradcheck(f, inputs));
}

}  // namespace

TEST(Loss, Gradcheck) {
  manual_seed(5);
  const Tensor t5 = tensor({1, 0, 3, 1, 2}, {.dtype = kInt64});
  const Tensor w4 = rand({4}, {.dtype = kFloat64}) + 0.5;
  const Tensor tgt4 = randint(0, 3, {2, 2, 3});
  for (std::string r : {"mean", "sum", "none"}) {
    SCOPED_TRACE(r);
    check("nll", [&](const auto& a) { return F::nll_loss(a[0], t5, w4, 1, r); },
          {r64({5, 4}).requires_grad_(true)});
    check("nll_4d", [&](const auto& a) { return F::nll_loss(a[0], tgt4, {}, -100, r); },
          {r64({2, 3, 2, 3}).requires_grad_(true)});
    check("ce_ls", [&](const auto& a) { return F::cross_entropy(a[0], t5, w4, 2, r, 0.2); },
          {r64({5, 4}).requires_grad_(true)});
    check("ce_prob", [&](const auto& a) { return F::cross_entropy(a[0], a[1], w4, -100, r, 0.1); },
          {r64({5, 4}).requires_grad_(true), r64({5, 4}).softmax(1).requires_grad_(true)});
    check("mse", [&](const auto& a) { return F::mse_loss(a[0], a[1], r); },
          {r64({3, 4}).requires_grad_(true), r64({3, 4}).requires_grad_(true)});
    check("l1", [&](const auto& a) { return F::l1_loss(a[0], a[1], r); },
          {r64({3, 4}).requires_grad_(true), r64({3, 4}).requires_grad_(true)});
    check("smooth_l1", [&](const auto& a) { return F::smooth_l1_loss(a[0], a[1], r, 0.5); },
          {r64({3, 4}).requires_grad_(true), r64({3, 4}).requires_grad_(true)});
    check("huber", [&](const auto& a) { return F::huber_loss(a[0], a[1], r, 0.7); },
          {(r64({3, 4}) * 2).requires_grad_(true), r64({3, 4}).requires_grad_(true)});
    check("bce", [&](const auto& a) { return F::binary_cross_entropy(a[0], a[1], w4, r); },
          {(rand({3, 4}, {.dtype = kFloat64}) * 0.8 + 0.1).requires_grad_(true),
           rand({3, 4}, {.dtype = kFloat64}).requires_grad_(true)});
    check("bce_logits",
          [&](const auto& a) {
            return F::binary_cross_entropy_with_logits(a[0], a[1], w4, r, w4 * 2);
          },
          {(r64({3, 4}) * 3).requires_grad_(true),
           rand({3, 4}, {.dtype = kFloat64}).requires_grad_(true)});
    check("kl", [&](const auto& a) { return F::kl_div(a[0], a[1], r); },
          {r64({3, 4}).log_softmax(1).requires_grad_(true),
           r64({3, 4}).softmax(1).requires_grad_(true)});
    check("kl_log", [&](const auto& a) { return F::kl_div(a[0], a[1], r, true); },
          {r64({3, 4}).requires_grad_(true), r64({3, 4}).requires_grad_(true)});
    check("cosine",
          [&](const auto& a) {
            return F::cosine_embedding_loss(a[0], a[1], tensor({1, -1, 1}, {.dtype = kInt64}), 0.1,
                                            r);
          },
          {r64({3, 4}).requires_grad_(true), r64({3, 4}).requires_grad_(true)});
    check("ranking",
          [&](const auto& a) {
            return F::margin_ranking_loss(a[0], a[1], tensor({1.0, -1.0, 1.0, -1.0}), 0.1, r);
          },
          {r64({4}).requires_grad_(true), r64({4}).requires_grad_(true)});
    check("triplet",
          [&](const auto& a) {
            return F::triplet_margin_loss(a[0], a[1], a[2], 1.0, 2.0, 1e-6, true, r);
          },
          {r64({3, 4}).requires_grad_(true), r64({3, 4}).requires_grad_(true),
           r64({3, 4}).requires_grad_(true)});
  }
}

TEST(Loss, NllValuesAndErrors) {
  // mean weights by the targets' weights, ignoring ignore_index
  Tensor x = tensor({-1.0f, -2.0f, -3.0f, -4.0f, -5.0f, -6.0f}).view({2, 3});
  Tensor t = tensor({2, 0}, {.dtype = kInt64});
  Tensor w = tensor({1.0f, 2.0f, 3.0f});
  EXPECT_NEAR(F::nll_loss(x, t, w).item<double>(), (3 * 3.0 + 1 * 4.0) / 4.0, 1e-6);
  EXPECT_NEAR(F::nll_loss(x, t, w, 0, "sum").item<double>(), 9.0, 1e-6);
  EXPECT_THROW(F::nll_loss(x, tensor({0, 3}, {.dtype = kInt64})), IndexError);
  EXPECT_THROW(F::nll_loss(x, tensor({0}, {.dtype = kInt64})), ValueError);
  EXPECT_THROW(F::nll_loss(x, tensor({0, 1}, {.dtype = kInt32})), RuntimeError);
  EXPECT_THROW(F::mse_loss(x, x, "average"), ValueError);
}

TEST(Loss, Modules) {
  auto ce = nn::make<nn::CrossEntropyLoss>(ones({3}), -100, "sum", 0.1);
  EXPECT_EQ(ce->state_dict().size(), 1u);
  Tensor x = randn({4, 3});
  Tensor t = tensor({0, 2, 1, 1}, {.dtype = kInt64});
  EXPECT_TRUE(allclose(ce(x, t), F::cross_entropy(x, t, ones({3}), -100, "sum", 0.1)));
  auto bce = nn::make<nn::BCEWithLogitsLoss>(Tensor(), "mean", full({3}, 2.0));
  EXPECT_EQ(bce->state_dict().size(), 1u);
  Tensor p = rand({4, 3});
  EXPECT_TRUE(
      allclose(bce(x, p), F::binary_cross_entropy_with_logits(x, p, {}, "mean", full({3}, 2.0))));
  // to(float64) keeps the buffer handles
  bce->to(kFloat64);
  EXPECT_EQ(bce->pos_weight.dtype(), kFloat64);
  auto tri = nn::make<nn::TripletMarginLoss>();
  EXPECT_EQ(tri(x, x, x + 10).dim(), 0);
  auto l1 = nn::make<nn::L1Loss>("none");
  EXPECT_EQ(l1(x, x).sizes(), x.sizes());
}

// Under create_graph the losses' gradients are differentiable again
// (cross_entropy through log_softmax and nll_loss; the named loss nodes).
TEST(Loss, Gradgradcheck) {
  manual_seed(6);
  const Tensor t5 = tensor({1, 0, 3, 1, 2}, {.dtype = kInt64});
  const Tensor w4 = rand({4}, {.dtype = kFloat64}) + 0.5;
  const Tensor tgt = randint(0, 3, {2, 2, 3});
  for (std::string r : {"mean", "sum", "none"}) {
    SCOPED_TRACE(r);
    EXPECT_TRUE(autograd::gradgradcheck(
        [&](const std::vector<Tensor>& a) { return F::cross_entropy(a[0], t5, w4, 2, r, 0.1); },
        {r64({5, 4}).requires_grad_(true)}));
    EXPECT_TRUE(autograd::gradgradcheck(
        [&](const std::vector<Tensor>& a) { return F::cross_entropy(a[0], tgt, {}, -100, r); },
        {r64({2, 3, 2, 3}).requires_grad_(true)}));
    EXPECT_TRUE(autograd::gradgradcheck(
        [&](const std::vector<Tensor>& a) { return F::mse_loss(a[0], a[1], r); },
        {r64({3, 4}).requires_grad_(true), r64({3, 4}).requires_grad_(true)}));
    EXPECT_TRUE(autograd::gradgradcheck(
        [&](const std::vector<Tensor>& a) {
          return F::binary_cross_entropy_with_logits(a[0], a[1], w4, r, w4 * 2);
        },
        {(r64({3, 4}) * 3).requires_grad_(true),
         rand({3, 4}, {.dtype = kFloat64}).requires_grad_(true)}));
  }
}
