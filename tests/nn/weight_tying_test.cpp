// Tying parameters as PyTorch's `decoder.weight = encoder.weight`:
// register_parameter over a layer's parameter moves the layer's own handle
// (Linear::weight) too, so forward, parameters(), state_dict, optimizers and
// clone() all see the one tensor.
#include <gtest/gtest.h>

#include "ember/ember.h"

using namespace ember;

namespace {

// A language model's input embedding tied to its output projection.
struct TiedLm : nn::Module {
  nn::Handle<nn::Embedding> encoder = register_module("encoder", nn::make<nn::Embedding>(7, 4));
  nn::Handle<nn::Linear> decoder = register_module("decoder", nn::make<nn::Linear>(4, 7));
  TiedLm() { decoder->register_parameter("weight", encoder->weight); }
  Tensor forward(const Tensor& idx) { return decoder(encoder(idx)); }
};

}  // namespace

TEST(WeightTying, ForwardUsesTheTiedTensor) {
  manual_seed(0);
  auto m = nn::make<TiedLm>();
  EXPECT_TRUE(m->decoder->weight.is_same(m->encoder->weight));
  EXPECT_TRUE(m->get_parameter("decoder.weight").is_same(m->encoder->weight));
  const Tensor idx = from_vector(std::vector<int64_t>{1, 5, 2});
  const Tensor want =
      linear(m->encoder->weight.index_select(0, idx), m->encoder->weight, m->decoder->bias);
  EXPECT_TRUE(allclose(m(idx), want));
  // Changing the shared tensor changes what the decoder computes.
  {
    NoGradGuard g;
    m->encoder->weight.mul_(2.0);
  }
  EXPECT_TRUE(allclose(m(idx), linear(m->encoder->weight.index_select(0, idx), m->encoder->weight,
                                      m->decoder->bias)));
}

TEST(WeightTying, OneParameterOneGradientBothPaths) {
  manual_seed(1);
  auto m = nn::make<TiedLm>();
  EXPECT_EQ(m->parameters().size(), 2u);  // the tied weight once, the bias
  const Tensor idx = from_vector(std::vector<int64_t>{0, 3, 3, 6});
  m(idx).square().sum().backward();
  // Both uses' gradients add up in the one tensor: compare with a functional
  // computation through two separate uses of a leaf.
  Tensor w = m->encoder->weight.detach().clone().requires_grad_();
  linear(w.index_select(0, idx), w, m->decoder->bias.detach()).square().sum().backward();
  EXPECT_TRUE(allclose(m->encoder->weight.grad(), w.grad(), 1e-5, 1e-6));
  // An optimizer step moves the decoder's weight with the encoder's.
  optim::SGD opt(m->parameters(), {.lr = 0.1});
  opt.step();
  EXPECT_TRUE(m->decoder->weight.is_same(m->encoder->weight));
}

TEST(WeightTying, StateDictHasBothKeysAndLoadsIntoOneTensor) {
  auto m = nn::make<TiedLm>();
  auto sd = m->state_dict();
  EXPECT_EQ(sd.keys(),
            (std::vector<std::string>{"encoder.weight", "decoder.weight", "decoder.bias"}));
  EXPECT_TRUE(sd.at("encoder.weight").equal(sd.at("decoder.weight")));
  nn::StateDict in;
  in.insert("encoder.weight", full({7, 4}, 1.0f));
  in.insert("decoder.weight", full({7, 4}, 2.0f));
  in.insert("decoder.bias", zeros({7}));
  m->load_state_dict(in);
  // as torch: the tied tensor takes the last key's value
  EXPECT_TRUE(m->encoder->weight.equal(full({7, 4}, 2.0f)));
  EXPECT_TRUE(m->decoder->weight.is_same(m->encoder->weight));
}

TEST(WeightTying, CloneKeepsTheTie) {
  auto m = nn::make<TiedLm>();
  nn::Handle<TiedLm> c = std::dynamic_pointer_cast<TiedLm>(m->clone());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->decoder->weight.is_same(c->encoder->weight));
  EXPECT_FALSE(c->decoder->weight.is_same(m->encoder->weight));
  EXPECT_TRUE(c->get_parameter("decoder.weight").is_same(c->decoder->weight));
  const Tensor idx = from_vector(std::vector<int64_t>{2, 4});
  EXPECT_TRUE(allclose(c(idx), m(idx)));
}

TEST(WeightTying, ReplacingABufferMovesTheMember) {
  auto bn = nn::make<nn::BatchNorm1d>(3);
  Tensor mean = full({3}, 0.5f);
  bn->register_buffer("running_mean", mean);
  EXPECT_TRUE(bn->running_mean.is_same(mean));
  bn->eval();
  const Tensor x = ones({2, 3});
  // (1 - 0.5) / sqrt(1 + eps)
  EXPECT_TRUE(allclose(bn(x), full({2, 3}, 0.5f / std::sqrt(1.0f + 1e-5f)), 1e-5, 1e-6));
}

TEST(WeightTying, RegisteringNoneClearsTheMember) {
  auto lin = nn::make<nn::Linear>(3, 2);
  lin->register_parameter("bias", Tensor());
  EXPECT_FALSE(lin->bias.defined());
  EXPECT_EQ(lin->str(), "Linear(in_features=3, out_features=2, bias=False)");
  EXPECT_TRUE(allclose(lin(ones({1, 3})), linear(ones({1, 3}), lin->weight)));
}
