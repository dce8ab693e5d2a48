// nn::MultiheadAttention, functional::multi_head_attention_forward and the
// Transformer layers: hand-computed values, gradcheck in float64 (masks,
// bias_k / bias_v, add_zero_attn, separate projections, batch_first),
// parameters and init, clones in the stacks, and bad inputs. Values against
// PyTorch: tests/parity/nn_transformer_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ember/autograd/gradcheck.h"
#include "ember/ember.h"
#include "ember/nn/functional/attention.h"
#include "ember/nn/modules/multihead_attention.h"
#include "ember/nn/modules/transformer.h"

using namespace ember;
using namespace ember::nn;
using autograd::gradcheck;

namespace {

Tensor rnd(IntArrayRef s, uint64_t seed, bool grad = true) {
  Generator g(seed);
  Tensor t = randn(s, {.dtype = kFloat64}, &g);
  return grad ? t.requires_grad_(true) : t;
}

void expect_close(const Tensor& a, const std::vector<double>& want, double tol = 1e-5) {
  const auto got = a.detach().to(kFloat64).contiguous().reshape({-1}).tolist<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isinf(want[i]))
      EXPECT_EQ(got[i], want[i]) << "at " << i;
    else
      EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
  }
}

// A 1-head MHA on E = 2 whose projections are identities and biases zero.
Handle<MultiheadAttention> identity_mha() {
  auto m = make<MultiheadAttention>(2, 1);
  NoGradGuard g;
  m->in_proj_weight.copy_(cat({eye(2), eye(2), eye(2)}, 0));
  m->out_proj->weight.copy_(eye(2));
  return m;
}

}  // namespace

TEST(MultiheadAttention, HandComputedValues) {
  auto m = identity_mha();
  // x: L = 2, N = 1, E = 2: rows e0, e1. Scores e_i . e_j / sqrt(2).
  Tensor x = tensor({1.f, 0.f, 0.f, 1.f}).view({2, 1, 2});
  auto [out, w] = m(x, x, x);
  const double a = 1 / (1 + std::exp(-1 / std::sqrt(2.0)));  // softmax([1/sqrt2, 0])[0]
  EXPECT_EQ(out.sizes(), IntArrayRef({2, 1, 2}));
  EXPECT_EQ(w.sizes(), IntArrayRef({1, 2, 2}));
  expect_close(out, {a, 1 - a, 1 - a, a});
  expect_close(w, {a, 1 - a, 1 - a, a});
  // Key 1 padded: every query attends to key 0 only.
  Tensor kpm = tensor({false, true}).view({1, 2});
  auto [out2, w2] = m(x, x, x, kpm);
  expect_close(out2, {1, 0, 1, 0});
  expect_close(w2, {1, 0, 1, 0});
  // The same with a float -inf attn_mask, and batch_first gives the same numbers.
  Tensor am = tensor({0.f, -std::numeric_limits<float>::infinity(), 0.f,
                      -std::numeric_limits<float>::infinity()})
                  .view({2, 2});
  expect_close(std::get<0>(m(x, x, x, Tensor(), true, am)), {1, 0, 1, 0});
  m->batch_first = true;
  auto [out3, w3] = m(x.view({1, 2, 2}), x.view({1, 2, 2}), x.view({1, 2, 2}));
  expect_close(out3, {a, 1 - a, 1 - a, a});
  // Unbatched: (L, E) in, (L, E) and (L, S) out.
  auto [out4, w4] = m(x.view({2, 2}), x.view({2, 2}), x.view({2, 2}));
  EXPECT_EQ(out4.sizes(), IntArrayRef({2, 2}));
  EXPECT_EQ(w4.sizes(), IntArrayRef({2, 2}));
  expect_close(out4, {a, 1 - a, 1 - a, a});
  // need_weights = false: undefined weights.
  EXPECT_FALSE(std::get<1>(m(x, x, x, Tensor(), false)).defined());
}

TEST(MultiheadAttention, ParametersAndInit) {
  auto m = make<MultiheadAttention>(64, 4);
  std::vector<std::string> names;
  for (const auto& [n, p] : m->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight",
                                             "out_proj.bias"}));
  EXPECT_EQ(m->in_proj_weight.sizes(), IntArrayRef({192, 64}));
  EXPECT_EQ(m->head_dim, 16);
  EXPECT_EQ(m->in_proj_bias.abs().sum().item<float>(), 0.f);
  EXPECT_EQ(m->out_proj->bias.abs().sum().item<float>(), 0.f);
  const double bound = std::sqrt(6.0 / (192 + 64));  // xavier_uniform_
  EXPECT_LE(m->in_proj_weight.abs().max().item<float>(), bound);
  EXPECT_GT(m->in_proj_weight.abs().max().item<float>(), 0.9 * bound);
  EXPECT_EQ(m->out_proj->name(), "NonDynamicallyQuantizableLinear");

  auto s = make<MultiheadAttention>(
      8, 2, MultiheadAttentionOptions{.add_bias_kv = true, .kdim = 3, .vdim = 5});
  names.clear();
  for (const auto& [n, p] : s->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight",
                                             "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                             "out_proj.bias"}));
  EXPECT_EQ(s->k_proj_weight.sizes(), IntArrayRef({8, 3}));
  EXPECT_EQ(s->v_proj_weight.sizes(), IntArrayRef({8, 5}));
  EXPECT_EQ(s->bias_k.sizes(), IntArrayRef({1, 1, 8}));
  EXPECT_FALSE(s->in_proj_weight.defined());
}

TEST(MultiheadAttention, AttentionDropout) {
  auto m = make<MultiheadAttention>(8, 2, MultiheadAttentionOptions{.dropout = 0.5});
  Tensor x = randn({6, 4, 8});
  auto [o, w] = m(x, x, x, Tensor(), true, Tensor(), false);
  // Per-head weights after dropout: zeros, or softmax values times 2.
  const int64_t zeros_n = (w == 0).sum().item<int64_t>();
  EXPECT_GT(zeros_n, 0);
  EXPECT_LT(zeros_n, w.numel());
  m->eval();
  auto [o2, w2] = m(x, x, x, Tensor(), true, Tensor(), false);
  expect_close(w2.sum(-1), std::vector<double>(4 * 2 * 6, 1.0));
}

TEST(MultiheadAttention, GradcheckFunctional) {
  const int64_t E = 4, H = 2, L = 3, S = 4, N = 2;
  Tensor w_in = rnd({3 * E, E}, 1), b_in = rnd({3 * E}, 2), w_out = rnd({E, E}, 3),
         b_out = rnd({E}, 4);
  Tensor kpm = tensor({false, true, false, false, false, false, false, true}).view({N, S});
  Tensor am = rnd({L, S}, 5, false);
  // Cross attention (k is v), a float mask and a bool padding mask.
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        auto [o, w] = functional::multi_head_attention_forward(
            in[0], in[1], in[1], E, H, in[2], in[3], Tensor(), Tensor(), false, 0.0, in[4], in[5],
            true, kpm, true, am);
        return std::vector<Tensor>{o, w};
      },
      {rnd({L, N, E}, 6), rnd({S, N, E}, 7), w_in, b_in, w_out, b_out}));
  // Three different tensors, bias_k / bias_v, add_zero_attn, per-head weights.
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        auto [o, w] = functional::multi_head_attention_forward(
            in[0], in[1], in[2], E, H, in[3], in[4], in[5], in[6], true, 0.0, in[7], in[8], true,
            kpm, true, am > 0.5, false, {}, {}, {}, {}, {}, false);
        return std::vector<Tensor>{o, w};
      },
      {rnd({L, N, E}, 8), rnd({S, N, E}, 9), rnd({S, N, E}, 10), w_in, b_in, rnd({1, 1, E}, 11),
       rnd({1, 1, E}, 12), w_out, b_out}));
  // Separate projections (kdim 3, vdim 5), no biases.
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        return std::get<0>(functional::multi_head_attention_forward(
            in[0], in[1], in[2], E, H, Tensor(), Tensor(), Tensor(), Tensor(), false, 0.0, in[3],
            Tensor(), true, Tensor(), false, Tensor(), true, in[4], in[5], in[6]));
      },
      {rnd({L, N, E}, 13), rnd({S, N, 3}, 14), rnd({S, N, 5}, 15), w_out, rnd({E, E}, 16),
       rnd({E, 3}, 17), rnd({E, 5}, 18)}));
}

TEST(MultiheadAttention, GradcheckModuleBatchFirst) {
  auto m = make<MultiheadAttention>(
      4, 2, MultiheadAttentionOptions{.batch_first = true, .dtype = kFloat64});
  Tensor am = rnd({3 * 2, 5, 5}, 3, false);
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        auto [o, w] = m(in[0], in[0], in[0], Tensor(), true, am);
        return std::vector<Tensor>{o, w};
      },
      {rnd({3, 5, 4}, 1)}));
}

TEST(MultiheadAttention, BadInputs) {
  EXPECT_THROW(make<MultiheadAttention>(8, 3), ValueError);
  EXPECT_THROW(make<MultiheadAttention>(8, 0), ValueError);
  auto m = make<MultiheadAttention>(8, 2);
  Tensor x = randn({5, 3, 8});
  EXPECT_THROW(m(x, randn({5, 8}), randn({5, 8})), ValueError);
  EXPECT_THROW(m(randn({5}), randn({5}), randn({5})), ValueError);
  EXPECT_THROW(m(randn({5, 3, 4}), randn({5, 3, 4}), randn({5, 3, 4})), ValueError);
  EXPECT_THROW(m(x, x, randn({4, 3, 8})), ValueError);
  EXPECT_THROW(m(x, x, x, Tensor(), true, zeros({4, 5})), RuntimeError);
  EXPECT_THROW(m(x, x, x, Tensor(), true, zeros({2, 5, 5})), RuntimeError);
  EXPECT_THROW(m(x, x, x, Tensor(), true, zeros({1, 1, 5, 5})), ValueError);
  EXPECT_THROW(m(x, x, x, Tensor(), true, zeros({5, 5}, {.dtype = kInt32})), ValueError);
  EXPECT_THROW(m(x, x, x, zeros({3, 5}, {.dtype = kInt64})), ValueError);
  EXPECT_THROW(m(x, x, x, zeros({3, 4}, {.dtype = kBool})), ValueError);
  try {
    m(x, x, x, Tensor(), true, zeros({4, 5}));
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(),
                 "The shape of the 2D attn_mask is torch.Size([4, 5]), but should be (5, 5).");
  }
  try {
    m(x, x, randn({4, 3, 8}));
  } catch (const ValueError& e) {
    EXPECT_STREQ(
        e.what(),
        "key shape torch.Size([5, 3, 8]) does not match value shape torch.Size([4, 3, 8])");
  }
  // batch_first: messages name the seq-first shapes torch sees.
  auto bf = make<MultiheadAttention>(8, 2, MultiheadAttentionOptions{.batch_first = true});
  try {
    bf(randn({3, 5, 8}), randn({3, 5, 8}), randn({3, 4, 8}));
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_STREQ(
        e.what(),
        "key shape torch.Size([5, 3, 8]) does not match value shape torch.Size([4, 3, 8])");
  }
  // Separate projections: the weight shapes.
  EXPECT_THROW(functional::multi_head_attention_forward(
                   x, x, x, 8, 2, Tensor(), Tensor(), Tensor(), Tensor(), false, 0.0, randn({8, 8}),
                   Tensor(), true, Tensor(), true, Tensor(), true, randn({8, 8}), randn({8, 7}),
                   randn({8, 8})),
               ValueError);
}

TEST(Transformer, SquareSubsequentMask) {
  Tensor m = Transformer::generate_square_subsequent_mask(3);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(m.dtype(), kFloat32);
  expect_close(m, {0, -inf, -inf, 0, 0, -inf, 0, 0, 0});
}

TEST(Transformer, EncoderClonesLayers) {
  auto layer =
      make<TransformerEncoderLayer>(8, 2, TransformerEncoderLayerOptions{.dim_feedforward = 16});
  auto enc = make<TransformerEncoder>(layer, 3);
  ASSERT_EQ(enc->layers->size(), 3u);
  auto l0 = std::dynamic_pointer_cast<TransformerEncoderLayer>((*enc->layers)[0]);
  auto l2 = std::dynamic_pointer_cast<TransformerEncoderLayer>((*enc->layers)[2]);
  ASSERT_TRUE(l0 && l2);
  EXPECT_NE(l0.get(), layer.get());
  EXPECT_TRUE(l0->linear1->weight.equal(layer->linear1->weight));
  EXPECT_TRUE(l2->self_attn->in_proj_weight.equal(layer->self_attn->in_proj_weight));
  EXPECT_FALSE(l0->linear1->weight.is_same(l2->linear1->weight));
  EXPECT_EQ(enc->parameters().size(), 3 * layer->parameters().size());
  EXPECT_EQ(enc->state_dict().begin()->first, "layers.0.self_attn.in_proj_weight");
  EXPECT_FALSE(enc->norm);
}

TEST(Transformer, LayerValuesAndActivation) {
  // dim_feedforward path with zero attention output: out_proj zeroed makes the
  // self-attention block 0, so the layer is norm2(x1 + ff(x1)), x1 = norm1(x).
  auto layer = make<TransformerEncoderLayer>(
      4, 2,
      TransformerEncoderLayerOptions{.dim_feedforward = 6,
                                     .dropout = 0.0,
                                     .activation = [](const Tensor& t) { return t * 0.0; }});
  {
    NoGradGuard g;
    layer->self_attn->out_proj->weight.zero_();
    layer->self_attn->out_proj->bias.zero_();
    layer->linear2->bias.fill_(1.0);
  }
  Tensor x = tensor({1.f, 2.f, 3.f, 4.f}).view({1, 1, 4});
  // norm1(x) = (x - 2.5) / sqrt(1.25 + 1e-5); + ff = + 1 everywhere; norm2 undoes the shift.
  const double s = std::sqrt(1.25 + 1e-5);
  const double y1 = -1.5 / s, y2 = -0.5 / s;
  const double v = (y1 * y1 + y2 * y2) / 2, s2 = std::sqrt(v + 1e-5);
  expect_close(layer(x), {y1 / s2, y2 / s2, -y2 / s2, -y1 / s2}, 1e-4);
  EXPECT_THROW(
      make<TransformerEncoderLayer>(4, 2, TransformerEncoderLayerOptions{.activation = "tanh"}),
      RuntimeError);
}

TEST(Transformer, ForwardShapesAndErrors) {
  auto t = make<Transformer>(TransformerOptions{.d_model = 8,
                                                .nhead = 2,
                                                .num_encoder_layers = 2,
                                                .num_decoder_layers = 2,
                                                .dim_feedforward = 16,
                                                .batch_first = true});
  Tensor src = randn({3, 5, 8}), tgt = randn({3, 4, 8});
  Tensor y = t(src, tgt, Tensor(), Transformer::generate_square_subsequent_mask(4));
  EXPECT_EQ(y.sizes(), IntArrayRef({3, 4, 8}));
  y.sum().backward();
  for (const auto& [n, p] : t->named_parameters()) EXPECT_TRUE(p.grad().defined()) << n;
  EXPECT_THROW(t(src, randn({2, 4, 8})), RuntimeError);
  EXPECT_THROW(t(src, randn({3, 4, 6})), RuntimeError);
  // Parameters with more than one dim were re-drawn by xavier_uniform_.
  const double bound = std::sqrt(6.0 / (16 + 8));
  EXPECT_LE(t->encoder->norm->weight.min().item<float>(), 1.f);
  for (const auto& [n, p] : t->named_parameters())
    if (n.find("linear1.weight") != std::string::npos) {
      EXPECT_LE(p.abs().max().item<float>(), bound) << n;
    }
}

TEST(Transformer, HooksCloneAndValueCalls) {
  auto layer = make<TransformerEncoderLayer>(
      8, 2, TransformerEncoderLayerOptions{.dim_feedforward = 16, .dropout = 0.0});
  layer->eval();
  Tensor x = randn({5, 3, 8});
  const Tensor y = layer(x);
  // A forward hook on the self-attention sees its (output, weights) tuple and
  // replaces the output with zeros: the layer becomes norm2(x1 + ff(x1)), x1 = norm1(x).
  int calls = 0;
  auto h = layer->self_attn->register_forward_hook(
      [&](Module&, const Args& args, const Value& out) -> Value {
        ++calls;
        EXPECT_EQ(args.size(), 6u);  // q, k, v, key_padding_mask, need_weights, attn_mask
        auto [o, w] = from_value<std::tuple<Tensor, Tensor>>(out);
        EXPECT_FALSE(w.defined());  // need_weights = false in the layer
        return to_value(std::tuple<Tensor, Tensor>(zeros_like(o), w));
      });
  const Tensor y0 = layer(x);
  EXPECT_EQ(calls, 1);
  const Tensor x1 = layer->norm1(x);
  EXPECT_TRUE(
      y0.allclose(layer->norm2(x1 + layer->linear2(layer->linear1(x1).relu())), 1e-5, 1e-5));
  h.remove();
  EXPECT_TRUE(layer(x).allclose(y));
  // Called with values (as containers do).
  Value v = layer->call({to_value(x)});
  EXPECT_TRUE(v.tensor().allclose(y));
  // A deep copy computes the same and shares nothing.
  auto copy = clone(layer);
  EXPECT_TRUE(copy(x).allclose(y));
  EXPECT_FALSE(copy->self_attn->in_proj_weight.is_same(layer->self_attn->in_proj_weight));
  // A module activation is registered as "activation".
  auto g = make<TransformerEncoderLayer>(
      8, 2, TransformerEncoderLayerOptions{.dim_feedforward = 16, .activation = make<GELU>()});
  EXPECT_EQ(g->named_children().back().first, "activation");
}

TEST(MultiheadAttention, ReducedPrecisionAndMeta) {
  // bfloat16 / float16 modules compute what the float32 module computes, to
  // their precision (matmuls in float32, rounded once; softmax in float).
  auto m = make<MultiheadAttention>(8, 2);
  Tensor x = randn({4, 3, 8});
  Tensor kpm = zeros({3, 4}, {.dtype = kBool});
  kpm.narrow(1, 3, 1).fill_(true);
  const Tensor want = std::get<0>(m(x, x, x, kpm)).detach();
  for (DType dt : {kBFloat16, kFloat16}) {
    auto h = clone(m);
    h->to(dt);
    const Tensor xh = x.to(dt);
    auto [o, w] = h(xh, xh, xh, kpm, true, Tensor());
    EXPECT_EQ(o.dtype(), dt);
    EXPECT_EQ(w.dtype(), dt);
    EXPECT_TRUE(o.to(kFloat32).allclose(want, 0.05, 0.05)) << dtype_name(dt);
  }
  // Meta tensors: shapes and dtypes only.
  auto mm = make<MultiheadAttention>(8, 2, MultiheadAttentionOptions{.device = kMeta});
  Tensor xm = empty({4, 3, 8}, {.device = kMeta});
  auto [om, wm] = mm(xm, xm, xm);
  EXPECT_TRUE(om.is_meta());
  EXPECT_EQ(om.sizes(), IntArrayRef({4, 3, 8}));
  EXPECT_EQ(wm.sizes(), IntArrayRef({3, 4, 4}));
  // Integer inputs: the projections' error.
  EXPECT_THROW(m(x.to(kInt64), x.to(kInt64), x.to(kInt64)), Error);
}

TEST(Transformer, CustomEncoderAndUnbatched) {
  auto enc = make<TransformerEncoder>(
      make<TransformerEncoderLayer>(8, 2, TransformerEncoderLayerOptions{.dim_feedforward = 16}),
      1);
  auto t = make<Transformer>(TransformerOptions{.d_model = 8,
                                                .nhead = 2,
                                                .num_decoder_layers = 1,
                                                .dim_feedforward = 16,
                                                .custom_encoder = enc});
  EXPECT_EQ(t->encoder.get(), enc.get());
  EXPECT_EQ(t->decoder->layers->size(), 1u);
  EXPECT_FALSE(t->encoder->norm);
  EXPECT_TRUE(t->decoder->norm);
  t->eval();
  // Unbatched (S, E) and (T, E): no batch check, (T, E) out.
  Tensor y = t(randn({5, 8}), randn({3, 8}));
  EXPECT_EQ(y.sizes(), IntArrayRef({3, 8}));
  // Layers not made by nn::make cannot be cloned into a stack.
  auto plain = std::make_shared<TransformerEncoderLayer>(8, 2);
  EXPECT_THROW(make<TransformerEncoder>(Handle<TransformerEncoderLayer>(plain), 2), RuntimeError);
}

// float32 / float64 CPU attention takes the fused core (one loop over batch x
// heads); MhaArgs::fused = false forces torch's composite of bmm / softmax /
// dropout ops. Both must give the same outputs, weights and gradients.
TEST(MultiheadAttention, FusedCoreMatchesComposite) {
  const double inf = std::numeric_limits<double>::infinity();
  for (bool bf : {false, true})
    for (int masks = 0; masks < 4; ++masks)
      for (bool cross : {false, true})
        for (int weights = 0; weights < 3; ++weights) {  // none, averaged, per head
          auto m = make<MultiheadAttention>(
              8, 2, MultiheadAttentionOptions{.batch_first = bf, .dtype = kFloat64});
          Tensor x = rnd(bf ? IntArrayRef{3, 5, 8} : IntArrayRef{5, 3, 8}, 1, false);
          Tensor mem = rnd(bf ? IntArrayRef{3, 4, 8} : IntArrayRef{4, 3, 8}, 2, false);
          const int64_t S = cross ? 4 : 5;
          functional::detail::MhaArgs a;
          a.embed_dim_to_check = 8;
          a.num_heads = 2;
          a.in_proj_weight = m->in_proj_weight;
          a.in_proj_bias = m->in_proj_bias;
          a.out_proj_weight = m->out_proj->weight;
          a.out_proj_bias = m->out_proj->bias;
          a.batch_first = bf;
          a.need_weights = weights > 0;
          a.average_attn_weights = weights == 1;
          if (masks & 1) {
            a.key_padding_mask = zeros({3, S}, {.dtype = kBool});
            a.key_padding_mask.narrow(1, 1, 1).fill_(true);
          }
          if (masks & 2) {
            a.attn_mask = rnd({5, S}, 3, false);
            a.attn_mask.narrow(1, 2, 1).fill_(-inf);
          }
          Tensor gw = rnd(weights == 2 ? IntArrayRef{3, 2, 5, S} : IntArrayRef{3, 5, S}, 4, false);
          auto run = [&](bool fused) {
            a.fused = fused;
            Tensor xi = x.clone().requires_grad_(true), mi = mem.clone().requires_grad_(true);
            const Tensor& kv = cross ? mi : xi;
            auto [o, w] = functional::detail::mha_forward(xi, kv, kv, a);
            m->zero_grad();
            Tensor loss = (o * o).sum();
            if (w.defined()) loss = loss + (w * gw).sum();
            loss.backward();
            std::vector<Tensor> r{o.detach(), xi.grad()};
            if (w.defined()) r.push_back(w.detach());
            if (cross) r.push_back(mi.grad());
            for (const auto& p : m->parameters()) r.push_back(p.grad());
            return r;
          };
          const auto fused = run(true), composite = run(false);
          ASSERT_EQ(fused.size(), composite.size());
          for (size_t i = 0; i < fused.size(); ++i)
            EXPECT_TRUE(fused[i].allclose(composite[i], 1e-10, 1e-12))
                << "bf " << bf << " masks " << masks << " cross " << cross << " weights " << weights
                << " item " << i;
        }
}

TEST(MultiheadAttention, FusedCoreOneRowAndUnbatched) {
  auto m = make<MultiheadAttention>(8, 4, MultiheadAttentionOptions{.batch_first = true});
  for (const Tensor& q : {randn({2, 1, 8}), randn({1, 8})}) {
    Tensor kv = q.dim() == 3 ? randn({2, 3, 8}) : randn({3, 8});
    const Tensor fused = std::get<0>(m(q, kv, kv, Tensor(), false));
    const Tensor composite = std::get<0>(m(q, kv, kv, Tensor(), true));
    EXPECT_EQ(fused.sizes(), q.sizes());
    EXPECT_TRUE(fused.allclose(composite, 1e-5, 1e-6));
  }
}

TEST(MultiheadAttention, GradcheckFusedCore) {
  auto m = make<MultiheadAttention>(
      4, 2, MultiheadAttentionOptions{.batch_first = true, .dtype = kFloat64});
  Tensor am = rnd({5, 4}, 3, false);
  Tensor kpm = tensor({false, false, true, false, false, false, false, false}).view({2, 4});
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        return std::get<0>(m(in[0], in[1], in[2], kpm, false, am));
      },
      {rnd({2, 5, 4}, 1), rnd({2, 4, 4}, 2), rnd({2, 4, 4}, 4)}));
  // With dropout: the same draws on every call (a generator seeded per call).
  m->dropout = 0.4;
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        Generator g(7);
        m->generator = &g;
        Tensor o = std::get<0>(m(in[0], in[0], in[0], kpm, false));
        m->generator = nullptr;
        return o;
      },
      {rnd({2, 4, 4}, 5)}));
}

TEST(MultiheadAttention, FusedCoreDropout) {
  // p = 1 drops every weight: the output is out_proj's bias alone.
  auto m = make<MultiheadAttention>(8, 2, MultiheadAttentionOptions{.dropout = 1.0});
  {
    NoGradGuard g;
    m->out_proj->bias.copy_(arange(8).to(kFloat32));
  }
  Tensor x = randn({4, 3, 8});
  Tensor o = std::get<0>(m(x, x, x, Tensor(), false));
  EXPECT_TRUE(o.equal(arange(8).to(kFloat32).expand({4, 3, 8})));
  // p = 0.5: training outputs vary between calls, eval ones do not.
  m->dropout = 0.5;
  const Tensor o1 = std::get<0>(m(x, x, x, Tensor(), false));
  const Tensor o2 = std::get<0>(m(x, x, x, Tensor(), false));
  EXPECT_FALSE(o1.allclose(o2));
  m->eval();
  EXPECT_TRUE(
      std::get<0>(m(x, x, x, Tensor(), false)).equal(std::get<0>(m(x, x, x, Tensor(), false))));
  // In expectation the dropped attention is the attention: the mean over many
  // draws of the training output approaches the eval output.
  m->train();
  Tensor acc = zeros({4, 3, 8});
  for (int i = 0; i < 400; ++i) acc = acc + std::get<0>(m(x, x, x, Tensor(), false)).detach();
  m->eval();
  const Tensor want = std::get<0>(m(x, x, x, Tensor(), false));
  EXPECT_TRUE((acc / 400.0).allclose(want, 0.0, 0.15));
}
