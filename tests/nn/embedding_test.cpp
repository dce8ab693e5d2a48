// nn::Embedding, nn::EmbeddingBag and nn::functional::embedding /
// embedding_bag: construction, default init, from_pretrained, forward and
// backward values, max_norm, printed forms and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/modules/embedding.h"
#include "support/expect.h"

using namespace ember;
namespace F = ember::nn::functional;

namespace {

Tensor i64(std::initializer_list<int64_t> v) { return tensor(v, {.dtype = kInt64}); }

std::string names(nn::Module& m) {
  std::string out;
  for (const auto& [k, v] : m.named_parameters()) out += (out.empty() ? "" : ",") + k;
  return out;
}

Tensor w42() { return tensor({1., 2., 3., 4., 5., 6., 7., 8.}).reshape({4, 2}); }

}  // namespace

TEST(Embedding, ParametersAndInit) {
  auto m = nn::make<nn::Embedding>(1000, 64);
  EXPECT_EQ(m->name(), "Embedding");
  EXPECT_EQ(names(*m), "weight");
  EXPECT_EQ(m->weight.sizes(), (IntArrayRef{1000, 64}));
  EXPECT_TRUE(m->weight.requires_grad());
  EXPECT_TRUE(nn::is_parameter(m->weight));
  EXPECT_NEAR(m->weight.mean().item<double>(), 0, 0.02);
  EXPECT_NEAR(m->weight.std().item<double>(), 1, 0.02);
  EXPECT_EQ(m->str(), "Embedding(1000, 64)");

  auto p = nn::make<nn::Embedding>(5, 3, nn::EmbeddingOptions{.padding_idx = -2});
  EXPECT_EQ(*p->padding_idx, 3);
  EXPECT_EQ(p->weight.select(0, 3).abs().sum().item<double>(), 0);
  EXPECT_GT(p->weight.select(0, 2).abs().sum().item<double>(), 0);
  EXPECT_EQ(p->str(), "Embedding(5, 3, padding_idx=3)");
  auto d = nn::make<nn::Embedding>(5, 3, nn::EmbeddingOptions{.dtype = kFloat64});
  EXPECT_EQ(d->weight.dtype(), kFloat64);
}

TEST(Embedding, ExtraRepr) {
  auto m = nn::make<nn::Embedding>(10, 3,
                                   nn::EmbeddingOptions{.padding_idx = 0,
                                                        .max_norm = 1.5,
                                                        .norm_type = 1.,
                                                        .scale_grad_by_freq = true,
                                                        .sparse = true});
  EXPECT_EQ(m->extra_repr(),
            "10, 3, padding_idx=0, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True, "
            "sparse=True");
  EXPECT_THROW(m->forward(i64({1})), NotImplementedError);  // sparse gradients
}

TEST(Embedding, ForwardBackward) {
  auto m = nn::Embedding::from_pretrained(w42(), /*freeze=*/false, {.padding_idx = 1});
  Tensor y = m(i64({1, 3, 3}));
  EXPECT_EQ(y.tolist<float>(), (std::vector<float>{3, 4, 7, 8, 7, 8}));
  y.sum().backward();
  EXPECT_EQ(m->weight.grad().tolist<float>(), (std::vector<float>{0, 0, 0, 0, 0, 0, 2, 2}));
}

TEST(Embedding, FromPretrained) {
  Tensor w = w42();
  auto m = nn::Embedding::from_pretrained(w);
  EXPECT_FALSE(m->weight.requires_grad());
  EXPECT_EQ(m->num_embeddings, 4);
  EXPECT_EQ(m->embedding_dim, 2);
  EXPECT_FALSE(w.requires_grad());  // the caller's tensor is not made a parameter
  // shares the data (torch's Parameter(_weight)), and is not reset
  EXPECT_EQ(m->weight.data_ptr(), w.data_ptr());
  EXPECT_EQ(m->weight.tolist<float>(), w.tolist<float>());
  EXPECT_THROW_MSG(nn::Embedding::from_pretrained(ones({3})), ValueError,
                   "Embeddings parameter is expected to be 2-dimensional");
  EXPECT_THROW_MSG(nn::Embedding(3, 2, {._weight = ones({2, 3})}), ValueError,
                   "Shape of weight does not match num_embeddings and embedding_dim");
}

TEST(Embedding, MaxNorm) {
  // rows (3, 4) norm 5 and (0.3, 0.4) norm 0.5; max_norm 1 renormalises the first only
  Tensor w = tensor({3., 4., 0.3, 0.4, 6., 8.}).reshape({3, 2});
  auto m = nn::Embedding::from_pretrained(w, false, {.max_norm = 1.});
  Tensor y = m(i64({0, 1, 0}));
  const float s = static_cast<float>(1 / (5 + 1e-7));
  EXPECT_NEAR(y.select(0, 0).select(0, 0).item<double>(), 3 * s, 1e-6);
  EXPECT_NEAR(y.select(0, 1).select(0, 1).item<double>(), 0.4, 1e-7);
  // the weight changed in place; row 2 was not looked up
  EXPECT_NEAR(m->weight.select(0, 0).norm().item<double>(), 1, 1e-5);
  EXPECT_EQ(m->weight.select(0, 2).tolist<float>(), (std::vector<float>{6, 8}));
  EXPECT_EQ(m->weight.grad_fn(), nullptr);
  y.sum().backward();
  EXPECT_EQ(m->weight.grad().tolist<float>(), (std::vector<float>{2, 2, 1, 1, 0, 0}));
}

TEST(Embedding, Errors) {
  EXPECT_THROW_MSG(nn::Embedding(5, 3, {.padding_idx = 5}), ValueError,
                   "Padding_idx must be within num_embeddings");
  EXPECT_THROW_MSG(nn::Embedding(5, 3, {.padding_idx = -6}), ValueError,
                   "Padding_idx must be within num_embeddings");
  EXPECT_THROW(nn::Embedding(-1, 3), RuntimeError);
  auto m = nn::make<nn::Embedding>(5, 3);
  const Tensor before = m->weight.clone();
  EXPECT_THROW_MSG(m(i64({5})), IndexError, "index out of range in self");
  EXPECT_THROW(m(tensor({1.})), RuntimeError);
  EXPECT_THROW_MSG(F::embedding(i64({1}), m->weight, 5), ValueError,
                   "Padding_idx must be within num_embeddings");
  // max_norm with a bad index changes nothing
  EXPECT_THROW(F::embedding(i64({0, 9}), m->weight, std::nullopt, 0.1), IndexError);
  EXPECT_TRUE(m->weight.equal(before));
}

TEST(EmbeddingBag, ModuleAndRepr) {
  auto m = nn::make<nn::EmbeddingBag>(10, 3);
  EXPECT_EQ(m->name(), "EmbeddingBag");
  EXPECT_EQ(names(*m), "weight");
  EXPECT_EQ(m->str(), "EmbeddingBag(10, 3, mode=mean)");
  auto s = nn::make<nn::EmbeddingBag>(
      10, 3, nn::EmbeddingBagOptions{.max_norm = 2., .mode = "max", .padding_idx = -1});
  EXPECT_EQ(s->extra_repr(), "10, 3, max_norm=2.0, mode=max, padding_idx=9");
  EXPECT_EQ(s->weight.select(0, 9).abs().sum().item<double>(), 0);
  EXPECT_THROW_MSG(nn::EmbeddingBag(5, 3, {.padding_idx = 7}), ValueError,
                   "padding_idx must be within num_embeddings");
}

TEST(EmbeddingBag, ForwardBackward) {
  auto m = nn::EmbeddingBag::from_pretrained(w42(), false, {.mode = "sum"});
  EXPECT_TRUE(m->weight.requires_grad());
  // 2-D input: bags of fixed length
  Tensor y = m(i64({0, 1, 3, 3}).reshape({2, 2}));
  EXPECT_EQ(y.tolist<float>(), (std::vector<float>{4, 6, 14, 16}));
  // 1-D input with offsets and per-sample weights
  Tensor p = tensor({1., 0.5, 2.}).requires_grad_();
  Tensor z = m->forward(i64({0, 1, 2}), i64({0, 2}), p);
  EXPECT_EQ(z.tolist<float>(), (std::vector<float>{2.5, 4, 10, 12}));
  z.sum().backward();
  EXPECT_EQ(p.grad().tolist<float>(), (std::vector<float>{3, 7, 11}));
  EXPECT_EQ(m->weight.grad().tolist<float>(), (std::vector<float>{1, 1, 0.5, 0.5, 2, 2, 0, 0}));
  auto mean = nn::EmbeddingBag::from_pretrained(w42());
  EXPECT_EQ(mean(i64({0, 1, 3}), i64({0, 2})).tolist<float>(), (std::vector<float>{2, 3, 7, 8}));
}

TEST(EmbeddingBag, FunctionalErrors) {
  const Tensor w = w42();
  EXPECT_THROW_MSG(F::embedding_bag(i64({1, 2}).reshape({1, 2}), w, i64({0})), ValueError,
                   "if input is 2D, then offsets has to be None, as input is treated is a "
                   "mini-batch of fixed length sequences. However, found offsets of type <class "
                   "'torch.Tensor'>");
  EXPECT_THROW_MSG(F::embedding_bag(i64({1, 2}), w), ValueError,
                   "offsets has to be a 1D Tensor but got None");
  EXPECT_THROW_MSG(F::embedding_bag(i64({1, 2}), w, i64({0}).reshape({1, 1})), ValueError,
                   "offsets has to be a 1D Tensor");
  EXPECT_THROW_MSG(F::embedding_bag(i64({1, 2}).reshape({1, 1, 2}), w), ValueError,
                   "input has to be 1D or 2D Tensor, but got Tensor of dimension 3");
  EXPECT_THROW_MSG(F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, true, "max"),
                   ValueError, "max mode does not support scaling the gradient by the frequency");
  EXPECT_THROW_MSG(F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "max", true),
                   ValueError, "max mode does not support sparse weights");
  EXPECT_THROW_MSG(F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "prod"),
                   ValueError, "mode has to be one of sum, mean or max");
  EXPECT_THROW_MSG(
      F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "mean", false, ones({3})),
      ValueError,
      "embedding_bag: If per_sample_weights (torch.Size([3])) is not None, then it "
      "must have the same shape as the input (torch.Size([2]))");
  EXPECT_THROW_MSG(
      F::embedding_bag(i64({1, 2}), w, i64({0}), std::nullopt, 2, false, "mean", false, ones({2})),
      NotImplementedError,
      "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
      "supported for mode='sum' (got mode='mean'). Please open a feature request on "
      "GitHub.");
}

TEST(Embedding, InContainersAndHooks) {
  auto seq = nn::make<nn::Sequential>(nn::Embedding::from_pretrained(w42()));
  Tensor y = seq(i64({3, 0})).tensor();
  EXPECT_EQ(y.tolist<float>(), (std::vector<float>{7, 8, 1, 2}));
  auto bag = nn::EmbeddingBag::from_pretrained(w42(), true, {.mode = "max"});
  int calls = 0;
  auto h = bag->register_forward_hook(
      [&](nn::Module&, const nn::Args& args, const nn::Value&) { calls += int(args.size()); });
  EXPECT_EQ(bag(i64({0, 3, 1, 2}).reshape({2, 2})).tolist<float>(),
            (std::vector<float>{7, 8, 5, 6}));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bag(i64({0, 3, 1}), i64({0, 2})).tolist<float>(), (std::vector<float>{7, 8, 3, 4}));
  EXPECT_EQ(calls, 3);
  // in a container (a call with values)
  auto seq_bag = nn::make<nn::Sequential>(bag);
  EXPECT_EQ(seq_bag(i64({1, 2}).reshape({1, 2})).tensor().tolist<float>(),
            (std::vector<float>{5, 6}));
  // a clone has its own weight
  auto c = nn::clone(bag);
  {
    NoGradGuard g;
    c->weight.fill_(0);
  }
  EXPECT_EQ(bag->weight.sum().item<double>(), 36);
  EXPECT_EQ(c->str(), "EmbeddingBag(4, 2, mode=max)");
}

TEST(EmbeddingBag, Meta) {
  Tensor w = empty({5, 3}, {.device = Device("meta")});
  Tensor y = embedding_bag(w, empty({6}, {.dtype = kInt64, .device = Device("meta")}),
                           empty({4}, {.dtype = kInt64, .device = Device("meta")}), false, 1, false,
                           std::nullopt, true);
  EXPECT_TRUE(y.is_meta());
  EXPECT_EQ(y.sizes(), (IntArrayRef{3, 3}));
}
