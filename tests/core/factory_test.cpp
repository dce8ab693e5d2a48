// Factories: arange, linspace, eye, full, zeros/ones in every dtype, from_vector,
// tensor({...}), from_blob (deleter runs once, when the last view dies), empty_strided.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using I64 = std::vector<int64_t>;
using D = std::vector<double>;

namespace {
I64 vec(IntArrayRef a) { return a.vec(); }
D vals(const Tensor& t) { return t.tolist<double>(); }
const DType kAll[] = {kBool,  kUInt8,   kInt8,     kInt16,   kInt32,
                      kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};
}  // namespace

TEST(Factory, ArangeDtypeInference) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.tolist<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(1, 10, 3).tolist<int64_t>(), (std::vector<int64_t>{1, 4, 7}));
  EXPECT_EQ(arange(10, 1, -3).tolist<int64_t>(), (std::vector<int64_t>{10, 7, 4}));
  EXPECT_EQ(arange(10, 0, -5).tolist<int64_t>(), (std::vector<int64_t>{10, 5}));
  EXPECT_EQ(arange(-3, 3, 2).tolist<int64_t>(), (std::vector<int64_t>{-3, -1, 1}));
  Tensor f = arange(0, 5.5);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(vals(f), (D{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(arange(0.5, 5, 1.5).tolist<float>(), (std::vector<float>{0.5f, 2.f, 3.5f}));
  EXPECT_EQ(arange(0, 1, 0.25).dtype(), kFloat32);
  EXPECT_EQ(arange(-1.5, 2.5, 0.5).numel(), 8);
  EXPECT_EQ(arange(0, 1, 0.1).numel(), 10);
  EXPECT_EQ(arange(1.0, -1.0, -0.5).tolist<float>(), (std::vector<float>{1.f, 0.5f, 0.f, -0.5f}));
  EXPECT_EQ(arange(3, 3).numel(), 0);
  EXPECT_EQ(arange(0, 10, 3, {.dtype = kFloat32}).tolist<float>(),
            (std::vector<float>{0.f, 3.f, 6.f, 9.f}));
  EXPECT_EQ(arange(4, {.dtype = kFloat64}).dtype(), kFloat64);
  set_default_dtype(kFloat64);
  EXPECT_EQ(arange(0, 1.0, 0.5).dtype(), kFloat64);
  EXPECT_EQ(arange(3).dtype(), kInt64);
  set_default_dtype(kFloat32);
}

TEST(Factory, ArangeIntegerOutputConvertsArgumentsFirst) {
  // PyTorch converts start/end/step to the integer type before counting.
  EXPECT_EQ(arange(0, 5.5, 1, {.dtype = kInt64}).tolist<int64_t>(),
            (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(0.5, 5, 1.5, {.dtype = kInt64}).tolist<int64_t>(),
            (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(0.5, 5, 1.5, {.dtype = kInt32}).tolist<int32_t>(),
            (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(arange(10, 0, -2.5, {.dtype = kInt64}).tolist<int64_t>(),
            (std::vector<int64_t>{10, 8, 6, 4, 2}));
  EXPECT_EQ(arange(-3, 3, 1, {.dtype = kUInt8}).tolist<uint8_t>(),
            (std::vector<uint8_t>{253, 254, 255, 0, 1, 2}));
  EXPECT_THROW_MSG(arange(0, 5, 0.5, {.dtype = kInt64}), RuntimeError, "step must be nonzero");
  EXPECT_THROW_MSG(arange(0, 5, 0.5, {.dtype = kInt32}), RuntimeError, "step must be nonzero");
}

TEST(Factory, ArangeReducedFloats) {
  // Values computed in float and rounded, as PyTorch's: 0.4 -> 0.39990234375 in half.
  EXPECT_EQ(vals(arange(0, 1, 0.1, {.dtype = kFloat16})),
            (D{0.0, 0.0999755859375, 0.199951171875, 0.300048828125, 0.39990234375, 0.5,
               0.60009765625, 0.7001953125, 0.7998046875, 0.89990234375}));
  EXPECT_EQ(vals(arange(0, 1, 0.1, {.dtype = kBFloat16})),
            (D{0.0, 0.10009765625, 0.2001953125, 0.30078125, 0.400390625, 0.5, 0.6015625,
               0.69921875, 0.80078125, 0.8984375}));
}

TEST(Factory, ArangeErrors) {
  EXPECT_THROW_MSG(arange(1, 0, 1), RuntimeError,
                   "upper bound and larger bound inconsistent with step sign");
  EXPECT_THROW_MSG(arange(0, 5, -1), RuntimeError,
                   "upper bound and larger bound inconsistent with step sign");
  EXPECT_THROW_MSG(arange(0, 5, 0), RuntimeError, "step must be nonzero");
  EXPECT_THROW_MSG(arange(0, 5.0, 0.0), RuntimeError, "step must be nonzero");
  EXPECT_THROW_MSG(arange(0, std::numeric_limits<double>::infinity()), RuntimeError,
                   "unsupported range: 0 -> inf");
  EXPECT_THROW_MSG(arange(std::nan(""), 1.0), RuntimeError, "unsupported range");
  EXPECT_THROW_MSG(arange(5, {.dtype = kBool}), TypeError, "\"arange_cpu\" not implemented for");
}

TEST(Factory, Linspace) {
  EXPECT_EQ(linspace(0, 1, 5).dtype(), kFloat32);
  EXPECT_EQ(vals(linspace(0, 1, 5)), (D{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(vals(linspace(1, 5, 5, {.dtype = kFloat64})), (D{1, 2, 3, 4, 5}));
  EXPECT_EQ(vals(linspace(0, 1, 1)), D{0});
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  EXPECT_EQ(vals(linspace(3, 1, 2, {.dtype = kFloat16})), (D{3, 1}));
  // The second half counts down from `end`: both ends exact, symmetric steps.
  Tensor l = linspace(-1.0, 1.0, 11, {.dtype = kFloat64});
  EXPECT_EQ(l.at({0}).to_double(), -1.0);
  EXPECT_EQ(l.at({10}).to_double(), 1.0);
  EXPECT_NEAR(l.at({3}).to_double(), -0.4, 1e-15);
  // Integer outputs: ends converted first, then stepped in double and truncated.
  EXPECT_EQ(linspace(0, 10, 4, {.dtype = kInt64}).tolist<int64_t>(),
            (std::vector<int64_t>{0, 3, 6, 10}));
  EXPECT_EQ(linspace(0.5, 10.7, 5, {.dtype = kInt64}).tolist<int64_t>(),
            (std::vector<int64_t>{0, 2, 5, 7, 10}));
  EXPECT_EQ(linspace(-10, 0, 4, {.dtype = kInt64}).tolist<int64_t>(),
            (std::vector<int64_t>{-10, -6, -3, 0}));
  EXPECT_EQ(linspace(-5, 5, 3, {.dtype = kUInt8}).tolist<uint8_t>(),
            (std::vector<uint8_t>{251, 128, 5}));
  // float16 steps with float16 arithmetic: PyTorch's exact values.
  EXPECT_EQ(
      vals(linspace(0, 1, 7, {.dtype = kFloat16})),
      (D{0.0, 0.16662597656250, 0.33325195312500, 0.5, 0.66699218750000, 0.83349609375000, 1.0}));
  EXPECT_EQ(vals(linspace(0, 1, 7, {.dtype = kBFloat16})),
            (D{0.0, 0.1669921875, 0.333984375, 0.5, 0.6640625, 0.83203125, 1.0}));
  EXPECT_THROW_MSG(linspace(0, 1, -1), RuntimeError, "number of steps must be non-negative");
  EXPECT_THROW_MSG(linspace(1, 2, 3, {.dtype = kBool}), TypeError,
                   "\"linspace_cpu\" not implemented for");
}

TEST(Factory, Eye) {
  Tensor e = eye(3);
  EXPECT_EQ(e.dtype(), kFloat32);
  EXPECT_EQ(vals(e), (D{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(vals(eye(2, 3)), (D{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(vals(eye(3, 2)), (D{1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(vec(eye(0).sizes()), (I64{0, 0}));
  EXPECT_EQ(vec(eye(2, 0).sizes()), (I64{2, 0}));
  EXPECT_EQ(eye(3, std::nullopt, {.dtype = kBool}).tolist<bool>(),
            (std::vector<bool>{true, false, false, false, true, false, false, false, true}));
  EXPECT_EQ(eye(2, std::nullopt, {.dtype = kInt8}).tolist<int8_t>(),
            (std::vector<int8_t>{1, 0, 0, 1}));
  EXPECT_TRUE(eye(2, std::nullopt, {.requires_grad = true}).requires_grad());
  EXPECT_THROW_MSG(eye(-1), RuntimeError, "n must be greater or equal to 0, got -1");
  EXPECT_THROW_MSG(eye(2, -1), RuntimeError, "m must be greater or equal to 0, got -1");
}

TEST(Factory, FullInfersDtype) {
  EXPECT_EQ(full({2}, 1).dtype(), kInt64);
  EXPECT_EQ(full({2}, true).dtype(), kBool);
  EXPECT_EQ(full({2}, 1.5).dtype(), kFloat32);
  EXPECT_EQ(full({2}, 1.5, {.dtype = kInt32}).tolist<int32_t>(), (std::vector<int32_t>{1, 1}));
  EXPECT_EQ(vals(full({2, 2}, -0.5, {.dtype = kFloat64})), D(4, -0.5));
  EXPECT_EQ(full({}, 3).dim(), 0);
  EXPECT_EQ(scalar_tensor(2.5).dtype(), kFloat32);
  EXPECT_EQ(scalar_tensor(2.5).item<double>(), 2.5);
  EXPECT_EQ(scalar_tensor(7).dtype(), kInt64);
  set_default_dtype(kFloat64);
  EXPECT_EQ(full({2}, 1.5).dtype(), kFloat64);
  EXPECT_EQ(zeros({2}).dtype(), kFloat64);
  set_default_dtype(kFloat32);
  Tensor r = full({2}, 1.0, {.requires_grad = true});
  EXPECT_TRUE(r.requires_grad());
  EXPECT_THROW(full({2}, 1, {.requires_grad = true}), RuntimeError);  // int64 cannot require grad
}

TEST(Factory, ZerosOnesDefaultDtype) {
  EXPECT_EQ(ones({2}).dtype(), kFloat32);
  EXPECT_EQ(zeros({2}).dtype(), kFloat32);
  EXPECT_EQ(empty({2}).dtype(), kFloat32);
  EXPECT_EQ(ones({2}).tolist<float>(), (std::vector<float>{1.f, 1.f}));
  EXPECT_TRUE(ones({2}, {.requires_grad = true}).requires_grad());
}

TEST(Factory, ZerosOnesEveryDtype) {
  for (DType dt : kAll) {
    Tensor z = zeros({2, 3}, {.dtype = dt});
    EXPECT_EQ(z.dtype(), dt);
    EXPECT_EQ(vec(z.sizes()), (I64{2, 3}));
    EXPECT_EQ(z.tolist<double>(), D(6, 0.0)) << dt;
    Tensor o = ones({3}, {.dtype = dt});
    EXPECT_EQ(o.tolist<double>(), D(3, 1.0)) << dt;
    EXPECT_EQ(o.element_size(), element_size(dt));
    EXPECT_EQ(o.nbytes(), 3 * element_size(dt));
    EXPECT_EQ(zeros({}, {.dtype = dt}).numel(), 1);
    EXPECT_EQ(zeros({0, 4}, {.dtype = dt}).numel(), 0);
  }
  EXPECT_THROW_MSG(zeros({-1, 2}), RuntimeError,
                   "Trying to create tensor with negative dimension -1: [-1, 2]");
  EXPECT_THROW(ones({2, -3}), RuntimeError);
  EXPECT_THROW(empty({-1}), RuntimeError);
}

TEST(Factory, FromVectorAndTensor) {
  Tensor v = from_vector<float>({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  EXPECT_EQ(v.dtype(), kFloat32);
  EXPECT_EQ(vec(v.sizes()), (I64{2, 3}));
  EXPECT_EQ(v.at({1, 0}).to_double(), 4.0);
  EXPECT_EQ(vec(from_vector<int64_t>({1, 2, 3}).sizes()), I64{3});
  EXPECT_EQ(from_vector<double>({1.5, 2.5}, {}, kInt32).tolist<int32_t>(),
            (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(from_vector<bool>({true, false, true}).tolist<bool>(),
            (std::vector<bool>{true, false, true}));
  EXPECT_EQ(from_vector<uint8_t>({1, 2}).dtype(), kUInt8);
  EXPECT_EQ(from_vector<int16_t>({1, 2}).dtype(), kInt16);
  EXPECT_EQ(from_vector<Half>({Half(1.5f)}).dtype(), kFloat16);
  EXPECT_EQ(from_vector<BFloat16>({BFloat16(1.5f)}).item<double>(), 1.5);
  EXPECT_EQ(from_vector<float>({}).numel(), 0);

  Tensor t = tensor({1.f, 2.f, 3.f});
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_EQ(vals(t), (D{1, 2, 3}));
  EXPECT_EQ(tensor({1.0, 2.0}).dtype(), kFloat64);
  EXPECT_EQ(tensor({1, 2}).dtype(), kInt32);
  EXPECT_EQ(tensor({int64_t{1}, int64_t{2}}).dtype(), kInt64);
  EXPECT_EQ(tensor({true}).dtype(), kBool);
  Tensor c = tensor({1.7, -1.7}, {.dtype = kInt64});
  EXPECT_EQ(c.tolist<int64_t>(), (std::vector<int64_t>{1, -1}));
  EXPECT_TRUE(tensor({1.f}, {.requires_grad = true}).requires_grad());
  // The tensor owns a copy: changing the source vector later changes nothing.
  std::vector<float> src{1.f, 2.f};
  Tensor owned = from_vector(src);
  src[0] = 100.f;
  EXPECT_EQ(owned.at({0}).to_double(), 1.0);
}

TEST(Factory, FromBlobDeleterRunsOnceWhenLastViewDies) {
  int calls = 0;
  void* seen = nullptr;
  float data[6] = {0, 1, 2, 3, 4, 5};
  Tensor view;
  {
    Tensor b = from_blob(data, I64{2, 3}, I64{3, 1}, {}, [&](void* p) {
      ++calls;
      seen = p;
    });
    EXPECT_EQ(b.data_ptr(), static_cast<void*>(data));
    EXPECT_EQ(vals(b), (D{0, 1, 2, 3, 4, 5}));
    view = b.t().select(0, 2);  // keeps the storage alive
    Tensor copy = b;            // another handle
    b.fill_(1.0);               // writes go to the caller's memory
    EXPECT_EQ(data[4], 1.0f);
    data[5] = 9.f;  // and the caller's writes are visible
    EXPECT_EQ(copy.at({1, 2}).to_double(), 9.0);
  }
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(vals(view), (D{1, 9}));
  view = Tensor();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, static_cast<void*>(data));
}

TEST(Factory, FromBlobWithoutDeleterAndStrides) {
  int64_t data[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  Tensor t = from_blob(data, I64{4}, {.dtype = kInt64});
  EXPECT_EQ(t.tolist<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
  Tensor s = from_blob(data, I64{2, 2}, I64{1, 4}, {.dtype = kInt64});  // column-major 2x2
  EXPECT_EQ(s.tolist<int64_t>(), (std::vector<int64_t>{0, 4, 1, 5}));
  EXPECT_EQ(s.storage()->nbytes(), 6u * 8);
  EXPECT_FALSE(s.storage()->resizable());
  // The storage cannot grow.
  EXPECT_THROW_MSG(t.resize_({16}), RuntimeError, "Trying to resize storage that is not resizable");
  EXPECT_EQ(vec(t.sizes()), I64{4});
  t.resize_({2});  // shrinking within the blob is fine
  EXPECT_EQ(t.tolist<int64_t>(), (std::vector<int64_t>{0, 1}));
  EXPECT_THROW(from_blob(data, I64{2}, {.device = kMeta}), DeviceError);
  EXPECT_THROW(from_blob(data, I64{-2}, {.dtype = kInt64}), RuntimeError);
}

TEST(Factory, EmptyStrided) {
  Tensor t = empty_strided({2, 3}, {1, 2});
  EXPECT_EQ(vec(t.strides()), (I64{1, 2}));
  EXPECT_EQ(t.storage()->nbytes(), 6u * 4);
  Tensor g = empty_strided({2, 3}, {10, 1}, {.dtype = kFloat64});
  EXPECT_EQ(g.storage()->nbytes(), 13u * 8);  // last element at 1 * 10 + 2
  EXPECT_FALSE(g.is_contiguous());
  Tensor e = empty_strided({2, 0}, {5, 1});
  EXPECT_EQ(e.storage()->nbytes(), 0u);
  Tensor z = empty_strided({3, 3}, {0, 1});
  EXPECT_EQ(z.storage()->nbytes(), 3u * 4);
  EXPECT_THROW_MSG(empty_strided({2, 3}, {1}), RuntimeError,
                   "dimensionality of sizes (2) must match dimensionality of strides (1)");
  EXPECT_THROW_MSG(empty_strided({-2, 3}, {3, 1}), RuntimeError,
                   "Trying to create tensor with negative dimension -2");
}

TEST(Factory, EmptyLikeOptions) {
  Tensor x = zeros({2, 3}, {.dtype = kInt16});
  Tensor e = empty_like(x);
  EXPECT_EQ(e.dtype(), kInt16);
  EXPECT_NE(e.storage().get(), x.storage().get());
  EXPECT_EQ(empty_like(x, {.dtype = kFloat64}).dtype(), kFloat64);
  EXPECT_TRUE(empty_like(x, {.device = kMeta}).is_meta());
  EXPECT_TRUE(zeros_like(zeros({2}), {.requires_grad = true}).requires_grad());
  EXPECT_EQ(full_like(x, 3).tolist<int16_t>(), std::vector<int16_t>(6, 3));
  EXPECT_EQ(full_like(x, 2.9).tolist<int16_t>(), std::vector<int16_t>(6, 2));
  EXPECT_EQ(ones_like(x, {.dtype = kBool}).tolist<bool>(), std::vector<bool>(6, true));
}
