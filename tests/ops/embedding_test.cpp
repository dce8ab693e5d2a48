// embedding / embedding_renorm_ / embedding_bag ops (ops/embedding.cpp):
// hand-computed values, gradients (gradcheck in float64 and exact sums),
// node names, dtypes, index types and shapes, and every bad input.
// Values against PyTorch: tests/parity/nn_embedding_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "ember/ember.h"
#include "ember/ops/embedding.h"
#include "support/expect.h"

using namespace ember;
using autograd::gradcheck;

namespace {

// weight[r][c] = 10 r + c, float64: rows are easy to recognise.
Tensor rows_weight(int64_t V, int64_t D, DType dtype = kFloat64) {
  std::vector<double> v;
  for (int64_t r = 0; r < V; ++r)
    for (int64_t c = 0; c < D; ++c) v.push_back(static_cast<double>(10 * r + c));
  return from_vector(v, {V, D}).to(dtype);
}

Tensor i64(std::initializer_list<int64_t> v) { return tensor(v, {.dtype = kInt64}); }

Tensor rnd(IntArrayRef s, uint64_t seed, bool grad = true) {
  Generator g(seed);
  Tensor t = randn(s, {.dtype = kFloat64}, &g);
  if (grad) t.requires_grad_();
  return t;
}

void expect_equal(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_TRUE(a.to(kFloat64).sub(b.to(kFloat64)).abs().max().item<double>() < 1e-12)
      << a.str() << "\nvs\n"
      << b.str();
}

}  // namespace

TEST(EmbeddingOp, ForwardGathersRows) {
  const Tensor w = rows_weight(5, 3);
  expect_equal(embedding(w, i64({4, 0, 4})),
               tensor({40., 41., 42., 0., 1., 2., 40., 41., 42.}).reshape({3, 3}));
  // any index shape: [2, 2] -> [2, 2, 3]; a 0-dim index -> [3]
  Tensor y = embedding(w, i64({1, 2, 3, 1}).reshape({2, 2}));
  EXPECT_EQ(y.sizes(), (IntArrayRef{2, 2, 3}));
  EXPECT_EQ(y.select(0, 1).select(0, 0).tolist<double>(), (std::vector<double>{30, 31, 32}));
  EXPECT_EQ(embedding(w, tensor({2}, {.dtype = kInt64}).reshape({})).tolist<double>(),
            (std::vector<double>{20, 21, 22}));
  // int32 indices, strided indices, an empty index
  expect_equal(embedding(w, tensor({3, 1}, {.dtype = kInt32})), embedding(w, i64({3, 1})));
  expect_equal(embedding(w, i64({0, 9, 2, 9}).slice(0, 0, 4, 2)), embedding(w, i64({0, 2})));
  EXPECT_EQ(embedding(w, empty({0, 4}, {.dtype = kInt64})).sizes(), (IntArrayRef{0, 4, 3}));
}

TEST(EmbeddingOp, AnyWeightLayoutAndDtype) {
  const Tensor w = rows_weight(4, 3);
  const Tensor wt = w.t().contiguous().t();  // column-major rows
  expect_equal(embedding(wt, i64({3, 0})), embedding(w, i64({3, 0})));
  for (DType dt : {kFloat32, kFloat16, kBFloat16, kInt32, kInt64, kInt8, kUInt8}) {
    Tensor y = embedding(rows_weight(4, 3, dt), i64({2, 1}));
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_EQ(y.to(kFloat64).tolist<double>(), (std::vector<double>{20, 21, 22, 10, 11, 12}));
  }
  Tensor b = embedding(tensor({true, false, false, true}).reshape({2, 2}), i64({1}));
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(b.tolist<bool>(), (std::vector<bool>{false, true}));
}

TEST(EmbeddingOp, BackwardAccumulatesRows) {
  Tensor w = rows_weight(4, 2).requires_grad_();
  const Tensor idx = i64({1, 3, 1, 0});
  Tensor y = embedding(w, idx, /*padding_idx=*/0);
  EXPECT_EQ(y.grad_fn()->name(), "EmbeddingBackward0");
  y.backward(tensor({1., 2., 3., 4., 5., 6., 7., 8.}).reshape({4, 2}).to(kFloat64));
  // row 1 gets rows 0 and 2 of the gradient, row 3 row 1, row 0 (padding) nothing
  expect_equal(w.grad(), tensor({0., 0., 6., 8., 0., 0., 3., 4.}).reshape({4, 2}));

  Tensor w2 = rows_weight(4, 2).requires_grad_();
  embedding(w2, idx, -1, /*scale_grad_by_freq=*/true)
      .backward(tensor({1., 2., 3., 4., 5., 6., 7., 8.}).reshape({4, 2}).to(kFloat64));
  expect_equal(w2.grad(), tensor({7., 8., 3., 4., 0., 0., 3., 4.}).reshape({4, 2}));
}

TEST(EmbeddingOp, Gradcheck) {
  const Tensor idx = i64({2, 0, 2, 4, 1, 2}).reshape({2, 3});
  // padding_idx and scale_grad_by_freq change the gradient on purpose (it is
  // no derivative there): their values are tested above and in parity.
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return embedding(in[0], idx); },
                        {rnd({5, 3}, 1)}));
  // a transposed weight and int32 indices
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) {
        return embedding(in[0].t(), tensor({1, 1, 0}, {.dtype = kInt32}));
      },
      {rnd({3, 4}, 2)}));
}

TEST(EmbeddingOp, HalfGradient) {
  Tensor w = rows_weight(3, 2, kFloat16).requires_grad_();
  embedding(w, i64({1, 1})).sum().backward();
  EXPECT_EQ(w.grad().dtype(), kFloat16);
  EXPECT_EQ(w.grad().to(kFloat64).tolist<double>(), (std::vector<double>{0, 0, 2, 2, 0, 0}));
}

TEST(EmbeddingOp, Errors) {
  const Tensor w = rows_weight(5, 3);
  EXPECT_THROW_MSG(embedding(w, i64({1, 5})), IndexError, "index out of range in self");
  EXPECT_THROW_MSG(embedding(w, i64({-1})), IndexError, "index out of range in self");
  EXPECT_THROW_MSG(embedding(w, tensor({1.f, 2.f})), RuntimeError,
                   "Expected tensor for argument #1 'indices' to have one of the following "
                   "scalar types: Long, Int; but got torch.FloatTensor instead (while checking "
                   "arguments for embedding)");
  EXPECT_THROW_MSG(embedding(w, tensor({1, 2}, {.dtype = kInt16})), RuntimeError,
                   "torch.ShortTensor");
  EXPECT_THROW_MSG(embedding(w.reshape({15}), i64({1})), RuntimeError, "'weight' must be 2-D");
  EXPECT_THROW(embedding(w, i64({1}), -1, false, /*sparse=*/true), NotImplementedError);
}

TEST(EmbeddingOp, Meta) {
  Tensor w = empty({5, 3}, {.device = Device("meta")});
  Tensor y = embedding(w, empty({2, 4}, {.dtype = kInt64, .device = Device("meta")}));
  EXPECT_TRUE(y.is_meta());
  EXPECT_EQ(y.sizes(), (IntArrayRef{2, 4, 3}));
}

TEST(EmbeddingOp, Renorm) {
  // rows 3-4 (norm 5) and 0-0 (norm 0), 6-8 (norm 10)
  Tensor w = tensor({3., 4., 0., 0., 6., 8.}).reshape({3, 2}).to(kFloat64);
  embedding_renorm_(w, i64({2, 0, 2}), 5.5, 2);
  const double s = 5.5 / (10 + 1e-7);
  expect_equal(w, tensor({3., 4., 0., 0., 6 * s, 8 * s}).reshape({3, 2}));
  // the 1-norm and the max-norm
  Tensor a = tensor({3., -4.}).reshape({1, 2}).to(kFloat64);
  embedding_renorm_(a, i64({0}), 3.5, 1);
  expect_equal(a, tensor({3. * 3.5 / (7 + 1e-7), -4. * 3.5 / (7 + 1e-7)}).reshape({1, 2}));
  Tensor m = tensor({3., -4.}).reshape({1, 2}).to(kFloat64);
  embedding_renorm_(m, i64({0}), 2, INFINITY);
  expect_equal(m, tensor({3. * 2 / (4 + 1e-7), -4. * 2 / (4 + 1e-7)}).reshape({1, 2}));
  // errors leave the tensor unchanged
  Tensor keep = tensor({3., 4., 6., 8.}).reshape({2, 2});
  EXPECT_THROW_MSG(embedding_renorm_(keep, i64({1, 7}), 1, 2), IndexError,
                   "select(): index 7 out of range for tensor of size [2, 2] at dimension 0");
  EXPECT_EQ(keep.tolist<float>(), (std::vector<float>{3, 4, 6, 8}));
  Tensor v = keep.reshape({4});
  EXPECT_THROW_MSG(embedding_renorm_(v, i64({1}), 1, 2), RuntimeError,
                   "Expected 2-dimensional tensor, but got 1-dimensional tensor for argument #1 "
                   "'self' (while checking arguments for embedding_renorm_)");
  EXPECT_THROW_MSG(embedding_renorm_(keep, tensor({1.}), 1, 2), RuntimeError,
                   "argument #2 'indices'");
  Tensor ints = keep.to(kInt32);
  EXPECT_THROW_MSG(embedding_renorm_(ints, i64({1}), 1, 2), RuntimeError,
                   "norm(): input dtype should be either floating point or complex. Got Int "
                   "instead.");
  Tensor leaf = keep.clone().requires_grad_();
  EXPECT_THROW(embedding_renorm_(leaf, i64({1}), 1, 2), RuntimeError);
}

// ---- embedding_bag

TEST(EmbeddingBagOp, SumMeanMax) {
  const Tensor w = tensor({1., -2., 3., 5., -1., 0., 2., 2.}).reshape({4, 2}).to(kFloat64);
  const Tensor idx = i64({0, 1, 2, 3, 3, 1});
  const Tensor off = i64({0, 2, 2, 5});  // bags {0, 1}, {}, {2, 3, 3}, {1}
  expect_equal(embedding_bag(w, idx, off, false, 0),
               tensor({4., 3., 0., 0., 3., 4., 3., 5.}).reshape({4, 2}));
  expect_equal(embedding_bag(w, idx, off, false, 1),
               tensor({2., 1.5, 0., 0., 1., 4. / 3, 3., 5.}).reshape({4, 2}));
  expect_equal(embedding_bag(w, idx, off, false, 2),
               tensor({3., 5., 0., 0., 2., 2., 3., 5.}).reshape({4, 2}));
  // include_last_offset: the last offset ends the last bag
  expect_equal(embedding_bag(w, idx, i64({0, 2, 5}), false, 0, false, std::nullopt, true),
               tensor({4., 3., 3., 4.}).reshape({2, 2}));
  // padding_idx (negative wraps) is left out of sums, means and maxima
  expect_equal(embedding_bag(w, idx, off, false, 1, false, std::nullopt, false, -1),
               tensor({2., 1.5, 0., 0., -1., 0., 3., 5.}).reshape({4, 2}));
  // per_sample_weights
  expect_equal(
      embedding_bag(w, idx, off, false, 0, false, tensor({1., 2., 0.5, 1., -1., 1.}).to(kFloat64)),
      tensor({7., 8., 0., 0., -0.5, 0., 3., 5.}).reshape({4, 2}));
  // int32 indices and offsets, float16 weight
  expect_equal(embedding_bag(w.to(kFloat16), idx.to(kInt32), off.to(kInt32), false, 0),
               tensor({4., 3., 0., 0., 3., 4., 3., 5.}).reshape({4, 2}));
}

TEST(EmbeddingBagOp, Gradients) {
  const Tensor idx = i64({0, 1, 4, 3, 3, 1, 2});
  const Tensor off = i64({0, 2, 2, 5});
  for (int64_t mode : {0, 1, 2})
    for (bool freq : {false}) {  // scale_grad_by_freq is no derivative: values tested above
      if (mode == 2 && freq) continue;
      for (std::optional<int64_t> pad : {std::optional<int64_t>(), std::optional<int64_t>(3)})
        EXPECT_TRUE(gradcheck(
            [&](const std::vector<Tensor>& in) {
              return embedding_bag(in[0], idx, off, freq, mode, false, std::nullopt, false, pad);
            },
            {rnd({5, 3}, 7)}))
            << "mode " << mode << " freq " << freq;
    }
  // per_sample_weights: gradients for both
  EXPECT_TRUE(gradcheck(
      [&](const std::vector<Tensor>& in) {
        return embedding_bag(in[0], idx, off, false, 0, false, in[1], false, 1);
      },
      {rnd({5, 3}, 8), rnd({7}, 9)}));
  Tensor w = rnd({5, 3}, 10);
  Tensor y = embedding_bag(w, idx, off, false, 2);
  EXPECT_EQ(y.grad_fn()->name(), "EmbeddingBagBackward0");
}

TEST(EmbeddingBagOp, MaxGradientGoesToFirstMaximum) {
  Tensor w = tensor({1., 7., 1., 2.}).reshape({2, 2}).to(kFloat64).requires_grad_();
  embedding_bag(w, i64({0, 1}), i64({0}), false, 2)
      .backward(tensor({10., 20.}).reshape({1, 2}).to(kFloat64));
  expect_equal(w.grad(), tensor({10., 20., 0., 0.}).reshape({2, 2}));
}

TEST(EmbeddingBagOp, Errors) {
  const Tensor w = rnd({5, 3}, 3, false);
  const Tensor idx = i64({1, 2});
  EXPECT_THROW_MSG(embedding_bag(w, i64({1, 7}), i64({0})), RuntimeError,
                   "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to "
                   "be 7");
  EXPECT_THROW_MSG(embedding_bag(w, idx, i64({1})), RuntimeError,
                   "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                   "start from position 0. However, got 1");
  EXPECT_THROW_MSG(embedding_bag(w, idx, i64({0, 3})), RuntimeError,
                   "offsets[-1] can not be greater than input's length 2 but got offsets[-1] of 3");
  EXPECT_THROW(embedding_bag(w, i64({1, 2, 3}), i64({0, 2, 1})), RuntimeError);
  EXPECT_THROW_MSG(
      embedding_bag(w, idx, empty({0}, {.dtype = kInt64}), false, 0, false, std::nullopt, true),
      RuntimeError, "include_last_offset: number of offset should be at least 1");
  EXPECT_THROW_MSG(embedding_bag(w, tensor({1.f, 2.f}), i64({0})), RuntimeError,
                   "Expected tensor for argument #1 'indices' to have one of the following "
                   "scalar types: Long, Int; but got torch.FloatTensor instead (while checking "
                   "arguments for embedding_bag)");
  EXPECT_THROW_MSG(embedding_bag(w.to(kInt32), idx, i64({0})), RuntimeError,
                   "Expected tensor for argument #1 'weight' to have one of the following scalar "
                   "types: Half, Float, Double; but got torch.IntTensor instead");
  EXPECT_THROW_MSG(embedding_bag(w.to(kBFloat16), idx, i64({0})), RuntimeError,
                   "but got CPUBFloat16Type instead");
  EXPECT_THROW_MSG(embedding_bag(w, idx, i64({0}), false, 1, false, tensor({1.f, 1.f})),
                   RuntimeError,
                   "embedding_bag: per_sample_weights only supported with mode='sum'");
  EXPECT_THROW_MSG(
      embedding_bag(w, idx, i64({0}), false, 0, false, tensor({1.f, 1.f})), RuntimeError,
      "Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
      "'per_sample_weights'; but type torch.DoubleTensor does not equal torch.FloatTensor");
  EXPECT_THROW(embedding_bag(w, idx, i64({0}), false, 0, false, rnd({3}, 1, false)), RuntimeError);
  EXPECT_THROW_MSG(embedding_bag(w, idx, i64({0}), false, 0, false, std::nullopt, false, 9),
                   RuntimeError,
                   "padding_idx must be within the number of embeddings, -5 through 4, but got 9");
  EXPECT_THROW(embedding_bag(w, idx, i64({0}), false, 0, /*sparse=*/true), NotImplementedError);
  EXPECT_THROW(embedding_bag(w, idx, i64({0}), false, 3), RuntimeError);
}

// The backward is recorded when it needs to be (create_graph): second
// derivatives through the gradient (and, for per_sample_weights, the weight).
TEST(EmbeddingOp, DoubleBackward) {
  const Tensor idx = i64({2, 0, 2, 4, 1, 2}).reshape({2, 3});
  for (int64_t pad : {-1, 2})
    for (bool freq : {false, true})
      EXPECT_TRUE(autograd::gradgradcheck(
          [&](const std::vector<Tensor>& in) { return embedding(in[0], idx, pad, freq); },
          {rnd({5, 3}, 1)}));
}

TEST(EmbeddingBagOp, DoubleBackward) {
  const Tensor idx = i64({0, 1, 4, 3, 3, 1, 2});
  const Tensor off = i64({0, 2, 2, 5});
  for (int64_t mode : {0, 1, 2})
    EXPECT_TRUE(autograd::gradgradcheck(
        [&](const std::vector<Tensor>& in) {
          return embedding_bag(in[0], idx, off, mode != 2, mode, false, std::nullopt, false, 3);
        },
        {rnd({5, 3}, 7)}))
        << "mode " << mode;
  EXPECT_TRUE(autograd::gradgradcheck(
      [&](const std::vector<Tensor>& in) {
        return embedding_bag(in[0], idx, off, false, 0, false, in[1], false, 1);
      },
      {rnd({5, 3}, 8), rnd({7}, 9)}));
}
