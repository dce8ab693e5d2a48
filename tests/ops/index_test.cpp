// Unit tests for cat, stack, index_select, gather, scatter, scatter_add,
// index_add, one_hot, sort, argsort and topk: hand-computed values, every
// dtype, strided inputs, and every error with its type (and key messages).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

const DType kAllDTypes[] = {kBool,  kUInt8,   kInt8,     kInt16,   kInt32,
                            kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};

template <typename T = double>
std::vector<T> vals(const Tensor& t) {
  return t.tolist<T>();
}
std::vector<int64_t> ivals(const Tensor& t) { return t.tolist<int64_t>(); }
std::vector<int64_t> shape_of(const Tensor& t) { return t.sizes().vec(); }
std::vector<int64_t> strides_of(const Tensor& t) { return t.strides().vec(); }

Tensor ar(int64_t n, DType dt = kFloat32) { return arange(n).to(dt); }
// [start, end) with a step, as float32.
Tensor ar(int64_t start, int64_t end, int64_t step = 1) {
  return arange(start, end, step).to(kFloat32);
}
// Same shape, dtype and values (the elementwise ops live elsewhere).
bool same(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() && vals(a) == vals(b);
}
Tensor lt(std::initializer_list<int64_t> v) { return tensor(v); }

// EXPECT that f throws E whose message contains `msg`.
template <typename E, typename F>
void expect_msg(F&& f, const std::string& msg) {
  try {
    f();
    ADD_FAILURE() << "expected an exception with message: " << msg;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(msg), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

Tensor meta_zeros(IntArrayRef s, DType dt = kFloat32) {
  return empty(s, {.dtype = dt, .device = Device(DeviceType::Meta)});
}

}  // namespace

// ---------------------------------------------------------------- cat

TEST(index, CatValuesAlongEachDim) {
  Tensor a = ar(6).view({2, 3}), b = ar(10, 13).view({1, 3});
  Tensor r = cat({a, b}, 0);
  EXPECT_EQ(shape_of(r), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(vals(r), (std::vector<double>{0, 1, 2, 3, 4, 5, 10, 11, 12}));
  Tensor c = ar(20, 24).view({2, 2});
  Tensor r1 = cat({a, c}, -1);
  EXPECT_EQ(shape_of(r1), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(vals(r1), (std::vector<double>{0, 1, 2, 20, 21, 3, 4, 5, 22, 23}));
  EXPECT_EQ(vals(concat({a, c}, 1)), vals(r1));
  EXPECT_EQ(vals(cat({a})), vals(a));
}

TEST(index, CatTypePromotionAndSkippedEmpties) {
  Tensor i = tensor({1, 2}, {.dtype = kInt32});
  Tensor f = tensor({0.5f});
  Tensor r = cat({i, f});
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_EQ(vals(r), (std::vector<double>{1, 2, 0.5}));
  Tensor bl = tensor({true, false});
  EXPECT_EQ(cat({bl, i}).dtype(), kInt32);
  EXPECT_EQ(cat({tensor({1.0}, {.dtype = kFloat16}), tensor({2.0}, {.dtype = kBFloat16})}).dtype(),
            kFloat32);
  // The legacy rule: a 1-D [0] tensor is skipped for shapes but counts for the dtype.
  Tensor a = ar(6).view({2, 3});
  Tensor r2 = cat({empty({0}, {.dtype = kFloat64}), a, zeros({0})}, 1);
  EXPECT_EQ(r2.dtype(), kFloat64);
  EXPECT_EQ(shape_of(r2), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(vals(r2), vals(a));
  Tensor all_empty = cat({zeros({0}), zeros({0}, {.dtype = kInt64})}, 0);
  EXPECT_EQ(shape_of(all_empty), (std::vector<int64_t>{0}));
  // Empty but not skipped: [2, 0] takes part.
  EXPECT_EQ(vals(cat({zeros({2, 0}), a}, 1)), vals(a));
}

TEST(index, CatNonContiguousInputs) {
  Tensor a = ar(6).view({2, 3}).t();  // [3, 2]
  Tensor b = ar(10, 13).view({3, 1});
  Tensor r = cat({a, b}, 1);
  EXPECT_EQ(vals(r), (std::vector<double>{0, 3, 10, 1, 4, 11, 2, 5, 12}));
  Tensor s = ar(8).slice(0, 0, 8, 2);  // [0, 2, 4, 6]
  EXPECT_EQ(vals(cat({s, s})), (std::vector<double>{0, 2, 4, 6, 0, 2, 4, 6}));
}

TEST(index, CatChannelsLastOutput) {
  Tensor x = ar(24).view({1, 2, 3, 4}).contiguous(kChannelsLast);
  Tensor y = ar(100, 124).view({1, 2, 3, 4}).contiguous(kChannelsLast);
  Tensor r = cat({x, y}, 1);
  EXPECT_TRUE(r.is_contiguous(kChannelsLast));
  EXPECT_EQ(strides_of(r), (std::vector<int64_t>{48, 1, 16, 4}));
  Tensor expect = cat({x.contiguous(), y.contiguous()}, 1);
  EXPECT_TRUE(expect.is_contiguous());
  EXPECT_EQ(vals(r), vals(expect));
  // One contiguous input: contiguous output.
  Tensor m = cat({x, y.contiguous()}, 1);
  EXPECT_TRUE(m.is_contiguous());
  EXPECT_EQ(vals(m), vals(expect));
  // A skipped empty suggests contiguous too.
  EXPECT_TRUE(cat({x, zeros({0})}, 1).is_contiguous());
  // Along dim 0 and 3 of channels_last.
  EXPECT_EQ(vals(cat({x, y}, 0)), vals(cat({x.contiguous(), y.contiguous()}, 0)));
  EXPECT_EQ(vals(cat({x, y}, 3)), vals(cat({x.contiguous(), y.contiguous()}, 3)));
}

TEST(index, CatAllDTypes) {
  for (DType dt : kAllDTypes) {
    Tensor a = tensor({0, 1, 1}).to(dt).view({1, 3}), b = tensor({1, 0, 1}).to(dt).view({1, 3});
    Tensor r = cat({a, b}, 0);
    EXPECT_EQ(r.dtype(), dt);
    EXPECT_EQ(ivals(r), (std::vector<int64_t>{0, 1, 1, 1, 0, 1})) << dt;
    Tensor r1 = cat({a.t(), b.t()}, 1);  // strided path
    EXPECT_EQ(ivals(r1), (std::vector<int64_t>{0, 1, 1, 0, 1, 1})) << dt;
  }
}

TEST(index, CatLargeParallel) {
  Tensor a = arange(300 * 1000).view({300, 1000}).to(kFloat32);
  Tensor b = ar(0, -300 * 500, -1).view({300, 500});
  Tensor r = cat({a, b}, 1);
  EXPECT_EQ(shape_of(r), (std::vector<int64_t>{300, 1500}));
  EXPECT_EQ(r.at({7, 999}).to_double(), 7 * 1000 + 999);
  EXPECT_EQ(r.at({299, 1000}).to_double(), -(299 * 500));
  EXPECT_EQ(r.at({123, 1499}).to_double(), -(123 * 500 + 499));
  EXPECT_TRUE(same(r.narrow(1, 0, 1000), a));
  EXPECT_TRUE(same(r.narrow(1, 1000, 500), b));
}

TEST(index, CatErrors) {
  Tensor a = zeros({2, 3});
  expect_msg<RuntimeError>([] { cat(std::vector<Tensor>{}); },
                           "torch.cat(): expected a non-empty list of Tensors");
  expect_msg<RuntimeError>(
      [&] {
        cat({a, zeros({3, 3})}, 1);
      },
      "Sizes of tensors must match except in dimension 1. Expected size 2 but "
      "got size 3 for tensor number 1 in the list.");
  expect_msg<RuntimeError>(
      [&] {
        cat({a, zeros({2, 3, 4})});
      },
      "Tensors must have same number of dimensions: got 2 and 3");
  expect_msg<IndexError>(
      [&] {
        cat({a, a}, 2);
      },
      "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_THROW(cat({a, a}, -3), IndexError);
  expect_msg<RuntimeError>(
      [&] {
        cat({a, scalar_tensor(1.0)});
      },
      "zero-dimensional tensor (at position 1) cannot be concatenated");
  EXPECT_THROW(cat({a, meta_zeros({2, 3})}), DeviceError);
}

TEST(index, CatMeta) {
  Tensor r = cat({meta_zeros({2, 3}), meta_zeros({2, 5}, kFloat64)}, 1);
  EXPECT_TRUE(r.is_meta());
  EXPECT_EQ(shape_of(r), (std::vector<int64_t>{2, 8}));
  EXPECT_EQ(r.dtype(), kFloat64);
}

// ---------------------------------------------------------------- stack

TEST(index, StackValues) {
  Tensor a = ar(6).view({2, 3}), b = ar(10, 16).view({2, 3});
  Tensor r0 = stack({a, b});
  EXPECT_EQ(shape_of(r0), (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(vals(r0), (std::vector<double>{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}));
  Tensor r1 = stack({a, b}, 1);
  EXPECT_EQ(shape_of(r1), (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(vals(r1), (std::vector<double>{0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15}));
  Tensor r2 = stack({a, b}, 2);
  EXPECT_EQ(shape_of(r2), (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(vals(r2), (std::vector<double>{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}));
  EXPECT_EQ(vals(stack({a, b}, -1)), vals(r2));
  EXPECT_EQ(vals(stack({a, b}, -3)), vals(r0));
  Tensor s = stack({scalar_tensor(1.0), scalar_tensor(2.0)});
  EXPECT_EQ(shape_of(s), (std::vector<int64_t>{2}));
  EXPECT_EQ(vals(s), (std::vector<double>{1, 2}));
  // promotion, strided inputs
  Tensor p = stack({a.t(), b.to(kInt32).t()}, 0);
  EXPECT_EQ(p.dtype(), kFloat32);
  EXPECT_EQ(vals(p), (std::vector<double>{0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15}));
}

TEST(index, StackErrors) {
  Tensor a = zeros({2, 3});
  expect_msg<RuntimeError>([] { stack(std::vector<Tensor>{}); },
                           "stack expects a non-empty TensorList");
  expect_msg<RuntimeError>(
      [&] {
        stack({a, zeros({2, 4})});
      },
      "stack expects each tensor to be equal size, but got [2, 3] at entry 0 "
      "and [2, 4] at entry 1");
  EXPECT_THROW(stack({a, a}, 3), IndexError);
  EXPECT_THROW(stack({a, a}, -4), IndexError);
}

// ---------------------------------------------------------------- index_select

TEST(index, IndexSelectValues) {
  Tensor a = ar(12).view({3, 4});
  EXPECT_EQ(vals(index_select(a, 0, lt({2, 0, 2}))),
            (std::vector<double>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  Tensor r = a.index_select(-1, tensor({3, 1}, {.dtype = kInt32}));
  EXPECT_EQ(shape_of(r), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(vals(r), (std::vector<double>{3, 1, 7, 5, 11, 9}));
  // 0-dim index keeps the dim with size 1
  Tensor r0 = index_select(a, 0, scalar_tensor(1, {.dtype = kInt64}));
  EXPECT_EQ(shape_of(r0), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(vals(r0), (std::vector<double>{4, 5, 6, 7}));
  // non-contiguous self
  Tensor t = a.t();  // [4, 3]
  EXPECT_EQ(vals(index_select(t, 0, lt({1, 3}))), (std::vector<double>{1, 5, 9, 3, 7, 11}));
  EXPECT_EQ(vals(index_select(t, 1, lt({2}))), (std::vector<double>{8, 9, 10, 11}));
  // 0-dim self
  Tensor s = index_select(scalar_tensor(5.0), 0, lt({0}));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 5.0);
  // empty index
  EXPECT_EQ(shape_of(index_select(a, 1, empty({0}, {.dtype = kInt64}))),
            (std::vector<int64_t>{3, 0}));
  // output is contiguous even for a channels_last self
  Tensor cl = ar(24).view({1, 2, 3, 4}).contiguous(kChannelsLast);
  Tensor rc = index_select(cl, 1, lt({1, 0}));
  EXPECT_TRUE(rc.is_contiguous());
  EXPECT_EQ(vals(rc), vals(index_select(cl.contiguous(), 1, lt({1, 0}))));
  EXPECT_EQ(rc.at({0, 0, 2, 3}).to_double(), 23);
}

TEST(index, IndexSelectAllDTypes) {
  for (DType dt : kAllDTypes) {
    Tensor a = tensor({0, 1, 1, 0, 1, 0}).to(dt).view({2, 3});
    EXPECT_EQ(ivals(index_select(a, 1, lt({2, 2, 0}))), (std::vector<int64_t>{1, 1, 0, 0, 0, 0}))
        << dt;
    EXPECT_EQ(ivals(index_select(a, 0, lt({1}))), (std::vector<int64_t>{0, 1, 0})) << dt;
  }
}

TEST(index, IndexSelectLargeRows) {
  Tensor a = arange(4000 * 50).view({4000, 50}).to(kFloat64);
  std::vector<int64_t> idx(3000);
  for (int64_t i = 0; i < 3000; ++i) idx[i] = (i * 7919) % 4000;
  Tensor r = index_select(a, 0, from_vector(idx));
  Tensor rt = index_select(a.t(), 1, from_vector(idx));  // strided rows
  for (int64_t i : {0, 1, 1234, 2999}) {
    EXPECT_EQ(r.at({i, 17}).to_double(), idx[i] * 50 + 17);
    EXPECT_EQ(rt.at({17, i}).to_double(), idx[i] * 50 + 17);
  }
}

TEST(index, IndexSelectErrors) {
  Tensor a = zeros({2, 3});
  expect_msg<IndexError>([&] { index_select(a, 0, lt({-1})); }, "index out of range in self");
  EXPECT_THROW(index_select(a, 0, lt({2})), IndexError);
  EXPECT_THROW(index_select(a, 1, lt({0, 3})), IndexError);
  expect_msg<RuntimeError>([&] { index_select(a, 0, tensor({1.0f})); },
                           "index_select(): Expected dtype int32 or int64 for index");
  EXPECT_THROW(index_select(a, 0, tensor({1}, {.dtype = kInt16})), RuntimeError);
  expect_msg<IndexError>(
      [&] {
        index_select(a, 0, lt({1}).view({1, 1}));
      },
      "index_select(): Index is supposed to be a vector");
  EXPECT_THROW(index_select(a, 2, lt({0})), IndexError);
  EXPECT_THROW(
      index_select(a, 0, empty({1}, {.dtype = kInt64, .device = Device(DeviceType::Meta)})),
      DeviceError);
  Tensor m = index_select(meta_zeros({4, 5}), 1,
                          empty({3}, {.dtype = kInt64, .device = Device(DeviceType::Meta)}));
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(shape_of(m), (std::vector<int64_t>{4, 3}));
}

// ---------------------------------------------------------------- gather

TEST(index, GatherValues) {
  Tensor a = ar(6).view({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  Tensor i1 = lt({0, 2, 1, 1, 0, 1, 1, 1, 1, 1}).view({2, 5});
  Tensor r = gather(a, 1, i1);
  EXPECT_EQ(shape_of(r), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(vals(r), (std::vector<double>{0, 2, 1, 1, 0, 4, 4, 4, 4, 4}));
  EXPECT_EQ(vals(a.gather(-1, i1)), vals(r));
  Tensor i0 = lt({1, 0, 1, 0, 0, 0, 1, 1, 1}).view({3, 3});
  EXPECT_EQ(vals(gather(a, 0, i0)), (std::vector<double>{3, 1, 5, 0, 1, 2, 3, 4, 5}));
  // index smaller than self in the other dim
  EXPECT_EQ(vals(gather(a, 1, lt({2}).view({1, 1}))), (std::vector<double>{2}));
  // strided self and index
  Tensor t = a.t();                                     // [[0, 3], [1, 4], [2, 5]]
  Tensor it = lt({1, 0, 0, 1, 1, 1}).view({2, 3}).t();  // [[1, 1], [0, 1], [0, 1]]
  EXPECT_EQ(vals(gather(t, 1, it)), (std::vector<double>{3, 3, 1, 4, 2, 5}));
  // 0-dim
  Tensor s = gather(scalar_tensor(7.0), 0, scalar_tensor(0, {.dtype = kInt64}));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 7.0);
  // empty index: no checks, empty result
  EXPECT_EQ(shape_of(gather(a, 1, empty({2, 0}, {.dtype = kInt32}))), (std::vector<int64_t>{2, 0}));
}

TEST(index, GatherAllDTypes) {
  for (DType dt : kAllDTypes) {
    Tensor a = tensor({1, 0, 0, 0, 1, 1}).to(dt).view({2, 3});
    Tensor r = gather(a, 0, lt({1, 0, 1}).view({1, 3}));
    EXPECT_EQ(r.dtype(), dt);
    EXPECT_EQ(ivals(r), (std::vector<int64_t>{0, 0, 1})) << dt;
  }
}

TEST(index, GatherLargeMatchesLoop) {
  const int64_t N = 200, C = 300, K = 250;
  Tensor a = arange(N * C).view({N, C}).to(kFloat32);
  std::mt19937 rng(1);
  std::vector<int64_t> idx(N * K);
  for (auto& v : idx) v = static_cast<int64_t>(rng() % C);
  Tensor r = gather(a, 1, from_vector(idx, {N, K}));
  auto rv = vals(r);
  for (int64_t n = 0; n < N; n += 37)
    for (int64_t k = 0; k < K; k += 11) ASSERT_EQ(rv[n * K + k], n * C + idx[n * K + k]);
  // dim 0 with index rows longer than self
  std::vector<int64_t> idx0(3 * N * 10);
  for (auto& v : idx0) v = static_cast<int64_t>(rng() % N);
  Tensor a2 = a.narrow(1, 0, 10);
  auto r0 = vals(gather(a2, 0, from_vector(idx0, {3 * N, 10})));
  for (int64_t j = 0; j < 3 * N; j += 13)
    for (int64_t c = 0; c < 10; ++c) ASSERT_EQ(r0[j * 10 + c], idx0[j * 10 + c] * C + c);
}

TEST(index, GatherErrors) {
  Tensor a = zeros({2, 3});
  expect_msg<RuntimeError>(
      [&] {
        gather(a, 1, lt({0, 1}));
      },
      "Index tensor must have the same number of dimensions as input tensor");
  expect_msg<RuntimeError>(
      [&] {
        gather(a, 0, zeros({2, 5}, {.dtype = kInt64}));
      },
      "Size does not match at dimension 1 expected index [2, 5] to be smaller "
      "than self [2, 3] apart from dimension 0");
  expect_msg<RuntimeError>(
      [&] {
        gather(a, 1, lt({5}).view({1, 1}));
      },
      "index 5 is out of bounds for dimension 1 with size 3");
  expect_msg<RuntimeError>(
      [&] {
        gather(a, 1, lt({-1}).view({1, 1}));
      },
      "index -1 is out of bounds for dimension 1 with size 3");
  expect_msg<RuntimeError>(
      [&] {
        gather(a, 1, tensor({0}, {.dtype = kInt32}).view({1, 1}));
      },
      "gather(): Expected dtype int64 for index");
  EXPECT_THROW(gather(a, 2, lt({0}).view({1, 1})), IndexError);
  Tensor m = gather(meta_zeros({4, 5}), 0,
                    empty({2, 5}, {.dtype = kInt64, .device = Device(DeviceType::Meta)}));
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(shape_of(m), (std::vector<int64_t>{2, 5}));
}

// ---------------------------------------------------------------- scatter

TEST(index, ScatterSrcValues) {
  Tensor a = ar(6).view({2, 3});
  Tensor idx = lt({2, 0, 1, 2}).view({2, 2});
  Tensor src = tensor({10.f, 11.f, 12.f, 13.f, 14.f, 15.f}).view({2, 3});
  Tensor r = scatter(a, 1, idx, src);
  EXPECT_EQ(vals(r), (std::vector<double>{11, 1, 10, 3, 13, 14}));
  EXPECT_EQ(vals(a), (std::vector<double>{0, 1, 2, 3, 4, 5}));  // out of place
  Tensor r0 = a.scatter(0, lt({1, 0, 1}).view({1, 3}), src);
  EXPECT_EQ(vals(r0), (std::vector<double>{0, 11, 2, 10, 4, 12}));
  // in place through a transposed view
  Tensor b = zeros({3, 2});
  Tensor bt = b.t();  // [2, 3] view
  bt.scatter_(1, idx, src);
  EXPECT_EQ(vals(bt), (std::vector<double>{11, 0, 10, 0, 13, 14}));
  EXPECT_EQ(vals(b), (std::vector<double>{11, 0, 0, 13, 10, 14}));
  // out-of-place result is contiguous for a channels_last self
  Tensor cl = ar(24).view({1, 2, 3, 4}).contiguous(kChannelsLast);
  Tensor rc = scatter(cl, 1, zeros({1, 1, 3, 4}, {.dtype = kInt64}), 7.0);
  EXPECT_TRUE(rc.is_contiguous());
  EXPECT_EQ(rc.at({0, 0, 2, 3}).to_double(), 7);
  EXPECT_EQ(rc.at({0, 1, 2, 3}).to_double(), 23);
}

TEST(index, ScatterScalarValue) {
  Tensor a = zeros({2, 3}, {.dtype = kInt64});
  Tensor r = scatter(a, 1, lt({2, 0}).view({2, 1}), 7.5);  // truncated to the int dtype
  EXPECT_EQ(ivals(r), (std::vector<int64_t>{0, 0, 7, 7, 0, 0}));
  Tensor f = zeros({3});
  f.scatter_(0, lt({1, 1}), -2.5);
  EXPECT_EQ(vals(f), (std::vector<double>{0, -2.5, 0}));
  Tensor s = scalar_tensor(1.0);
  s.scatter_(0, scalar_tensor(0, {.dtype = kInt64}), 4.0);
  EXPECT_EQ(s.item<double>(), 4.0);
}

TEST(index, ScatterAllDTypes) {
  for (DType dt : kAllDTypes) {
    Tensor a = zeros({2, 3}, {.dtype = dt});
    Tensor src = ones({2, 3}, {.dtype = dt});
    Tensor r = scatter(a, 1, lt({1, 2}).view({2, 1}), src);
    EXPECT_EQ(ivals(r), (std::vector<int64_t>{0, 1, 0, 0, 0, 1})) << dt;
    Tensor v = scatter(a, 0, lt({1, 0, 1}).view({1, 3}), 1);
    EXPECT_EQ(ivals(v), (std::vector<int64_t>{0, 1, 0, 1, 0, 1})) << dt;
  }
}

TEST(index, ScatterErrors) {
  Tensor a = zeros({2, 3});
  expect_msg<RuntimeError>(
      [&] {
        scatter(a, 1, lt({0, 3, 1, 1}).view({2, 2}), 7.5);
      },
      "index 3 is out of bounds for dimension 1 with size 3");
  EXPECT_THROW(scatter(a, 1, lt({0, -1, 1, 1}).view({2, 2}), 7.5), RuntimeError);
  expect_msg<RuntimeError>(
      [&] {
        scatter(a, 1, lt({0, 2, 1, 1}).view({2, 2}), ones({2, 1}, {.dtype = kFloat32}));
      },
      "Expected index [2, 2] to be smaller than self [2, 3] apart from dimension 1 and to be "
      "smaller size than src [2, 1]");
  expect_msg<RuntimeError>(
      [&] {
        scatter(a, 1, zeros({3, 1}, {.dtype = kInt64}), 1.0);
      },
      "Expected index [3, 1] to be smaller than self [2, 3] apart from "
      "dimension 1");
  expect_msg<RuntimeError>(
      [&] {
        scatter(a, 1, lt({0, 2}), 1.0);
      },
      "Index tensor must have the same number of dimensions as self tensor");
  expect_msg<RuntimeError>(
      [&] {
        scatter(a, 1, lt({0, 2}).view({1, 2}), ones({2, 2}, {.dtype = kFloat64}));
      },
      "scatter(): Expected self.dtype to be equal to src.dtype");
  expect_msg<RuntimeError>(
      [&] {
        scatter(a, 1, tensor({0}, {.dtype = kInt32}).view({1, 1}), 1.0);
      },
      "scatter(): Expected dtype int64 for index");
  EXPECT_THROW(scatter(a, 0, zeros({1, 3}, {.dtype = kInt64}), ones({3}, {.dtype = kFloat32})),
               IndexError);
  EXPECT_THROW(scatter(a, 2, zeros({1, 3}, {.dtype = kInt64}), 1.0), IndexError);
  // writing into self from an overlapping source, or an expanded self
  expect_msg<RuntimeError>(
      [&] {
        a.scatter_(1, lt({0, 1}).view({1, 2}), a);
      },
      "some elements of the input tensor and the written-to tensor");
  Tensor e = zeros({1, 3}).expand({2, 3});
  expect_msg<RuntimeError>(
      [&] {
        e.scatter_(1, lt({0}).view({1, 1}), 1.0);
      },
      "more than one element of the written-to tensor");
}

TEST(index, ScatterFailedInPlaceLeavesSelfUnchanged) {
  Tensor a = ar(6).view({2, 3});
  // the bad index is the last one: nothing may be written before it is found
  EXPECT_THROW(a.scatter_(1, lt({0, 1, 2, 5}).view({2, 2}), 9.0), RuntimeError);
  EXPECT_EQ(vals(a), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_THROW(a.scatter_(1, lt({0, 1, 2, 5}).view({2, 2}), full({2, 2}, 9.0)), RuntimeError);
  EXPECT_EQ(vals(a), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_THROW(a.scatter_add_(0, lt({0, 1, 2}).view({1, 3}), ones({1, 3}, {.dtype = kFloat32})),
               RuntimeError);
  EXPECT_EQ(vals(a), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_THROW(a.index_add_(0, lt({0, 1, 2}), ones({3, 3}, {.dtype = kFloat32})), IndexError);
  EXPECT_EQ(vals(a), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

TEST(index, ScatterMeta) {
  Tensor m = scatter(meta_zeros({2, 3}), 1,
                     empty({2, 2}, {.dtype = kInt64, .device = Device(DeviceType::Meta)}), 1.0);
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(shape_of(m), (std::vector<int64_t>{2, 3}));
}

// ---------------------------------------------------------------- scatter_add

TEST(index, ScatterAddDuplicatesAccumulate) {
  Tensor a = ar(6).view({2, 3});
  Tensor idx = lt({0, 0, 1, 0, 0, 1}).view({2, 3});
  Tensor r = scatter_add(a, 0, idx, ones({2, 3}, {.dtype = kFloat32}));
  EXPECT_EQ(vals(r), (std::vector<double>{2, 3, 2, 3, 4, 7}));
  Tensor b = zeros({4});
  b.scatter_add_(0, lt({3, 3, 3, 0, 3}), tensor({1.f, 2.f, 3.f, 4.f, 5.f}));
  EXPECT_EQ(vals(b), (std::vector<double>{4, 0, 0, 11}));
  EXPECT_EQ(vals(a.scatter_add(1, lt({2, 2}).view({1, 2}), full({1, 2}, 0.5))),
            (std::vector<double>{0, 1, 3, 3, 4, 5}));
}

TEST(index, ScatterAddAllDTypes) {
  for (DType dt : kAllDTypes) {
    Tensor a = zeros({3}, {.dtype = dt});
    Tensor r = scatter_add(a, 0, lt({2, 0, 2}), ones({3}, {.dtype = dt}));
    if (dt == kBool)
      EXPECT_EQ(ivals(r), (std::vector<int64_t>{1, 0, 1}));
    else
      EXPECT_EQ(ivals(r), (std::vector<int64_t>{1, 0, 2})) << dt;
  }
  // integers wrap as in PyTorch
  Tensor w = scatter_add(full({1}, 127, {.dtype = kInt8}), 0, lt({0}), ones({1}, {.dtype = kInt8}));
  EXPECT_EQ(ivals(w), (std::vector<int64_t>{-128}));
}

TEST(index, ScatterAddLargeMatchesLoop) {
  const int64_t S = 50, N = 4000, C = 40;
  std::mt19937 rng(2);
  std::vector<int64_t> idx(N * C);
  for (auto& v : idx) v = static_cast<int64_t>(rng() % S);
  std::vector<double> src(N * C);
  for (auto& v : src) v = static_cast<double>(rng() % 100);
  // dim 0: many rows fold into few (heavy duplicates, must not race across threads)
  Tensor r = scatter_add(zeros({S, C}, {.dtype = kFloat64}), 0, from_vector(idx, {N, C}),
                         from_vector(src, {N, C}));
  std::vector<double> expect(S * C, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) expect[idx[n * C + c] * C + c] += src[n * C + c];
  EXPECT_EQ(vals(r), expect);
  // dim 1 of the transposed problem
  Tensor rt = scatter_add(zeros({C, S}, {.dtype = kFloat64}), 1, from_vector(idx, {N, C}).t(),
                          from_vector(src, {N, C}).t());
  EXPECT_TRUE(same(rt, r.t()));
}

TEST(index, ScatterAddErrors) {
  Tensor a = zeros({2, 3});
  EXPECT_THROW(scatter_add(a, 0, lt({0, 0, 2}).view({1, 3}), ones({1, 3}, {.dtype = kFloat32})),
               RuntimeError);
  EXPECT_THROW(scatter_add(a, 0, lt({0, 0, 1}).view({1, 3}), ones({1, 2}, {.dtype = kFloat32})),
               RuntimeError);
  expect_msg<RuntimeError>(
      [&] {
        scatter_add(a, 0, lt({0, 0, 1}).view({1, 3}), ones({1, 3}, {.dtype = kFloat64}));
      },
      "scatter(): Expected self.dtype to be equal to src.dtype");
}

// ---------------------------------------------------------------- index_add

TEST(index, IndexAddValues) {
  Tensor a = ar(6).view({2, 3});
  EXPECT_EQ(vals(index_add(a, 0, lt({0, 0, 1}), ones({3, 3}, {.dtype = kFloat32}), 2)),
            (std::vector<double>{4, 5, 6, 5, 6, 7}));
  EXPECT_EQ(vals(a.index_add(1, tensor({0, 0, 1}, {.dtype = kInt32}),
                             ones({2, 3}, {.dtype = kFloat32}), 0.5)),
            (std::vector<double>{1, 1.5, 2, 4, 4.5, 5}));
  EXPECT_EQ(vals(a.index_add(-1, lt({2}), tensor({10.f, 20.f}).view({2, 1}))),
            (std::vector<double>{0, 1, 12, 3, 4, 25}));
  // source slice broadcasts to the self slice
  EXPECT_EQ(vals(index_add(a, 0, lt({0, 0, 1}), ones({3, 1}, {.dtype = kFloat32}))),
            (std::vector<double>{2, 3, 4, 4, 5, 6}));
  EXPECT_EQ(vals(index_add(a, 0, lt({0, 1}), ones({2}, {.dtype = kFloat32}))),
            (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // 1-D and 0-dim self
  Tensor v = zeros({3});
  v.index_add_(0, lt({1, 1, 2}), tensor({1.f, 2.f, 3.f}));
  EXPECT_EQ(vals(v), (std::vector<double>{0, 3, 3}));
  EXPECT_EQ(vals(index_add(zeros({3}), 0, scalar_tensor(1, {.dtype = kInt64}), scalar_tensor(4.0))),
            (std::vector<double>{0, 4, 0}));
  EXPECT_EQ(index_add(scalar_tensor(5.0), 0, lt({0}), scalar_tensor(2.0)).item<double>(), 7.0);
  // in place through a strided view; strided source
  Tensor b = zeros({3, 2});
  Tensor bt = b.t();
  bt.index_add_(1, lt({2, 2}), ar(4).view({2, 2}).t());  // source columns: [0, 2], [1, 3]
  EXPECT_EQ(vals(b), (std::vector<double>{0, 0, 0, 0, 2, 4}));
  // integer alpha truncation, bool
  EXPECT_EQ(ivals(index_add(zeros({2}, {.dtype = kInt32}), 0, lt({1}), ones({1}, {.dtype = kInt32}),
                            1.5)),
            (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(
      ivals(index_add(zeros({2}, {.dtype = kBool}), 0, lt({1, 1}), ones({2}, {.dtype = kBool}))),
      (std::vector<int64_t>{0, 1}));
}

TEST(index, IndexAddAllDTypes) {
  for (DType dt : kAllDTypes) {
    if (dt == kBool) continue;
    Tensor r =
        index_add(zeros({2, 2}, {.dtype = dt}), 1, lt({1, 1, 0}), ones({2, 3}, {.dtype = dt}));
    EXPECT_EQ(ivals(r), (std::vector<int64_t>{1, 2, 1, 2})) << dt;
  }
}

TEST(index, IndexAddLargeDuplicates) {
  const int64_t S = 7, N = 5000, C = 64;
  std::vector<int64_t> idx(N);
  for (int64_t i = 0; i < N; ++i) idx[i] = (i * 3) % S;
  Tensor r = index_add(zeros({S, C}, {.dtype = kFloat64}), 0, from_vector(idx),
                       ones({N, C}, {.dtype = kFloat64}));
  std::vector<double> count(S, 0);
  for (auto v : idx) count[v] += 1;
  auto rv = vals(r);
  for (int64_t s = 0; s < S; ++s)
    for (int64_t c = 0; c < C; ++c) ASSERT_EQ(rv[s * C + c], count[s]);
}

TEST(index, IndexAddErrors) {
  Tensor a = zeros({2, 3});
  expect_msg<RuntimeError>(
      [&] {
        index_add(a, 0, lt({0, 0, 1}), ones({3, 3}, {.dtype = kFloat64}));
      },
      "index_add_(): self (Float) and source (Double) must have the same "
      "scalar type");
  expect_msg<RuntimeError>(
      [&] {
        index_add(a, 0, lt({0, 0, 1}), ones({2, 3}, {.dtype = kFloat32}));
      },
      "index_add_(): Number of indices (3) should be equal to "
      "source.size(dim): (2), for dim: 0");
  expect_msg<IndexError>(
      [&] {
        index_add(a, 0, lt({0, 0, 2}), ones({3, 3}, {.dtype = kFloat32}));
      },
      "index out of range in self");
  EXPECT_THROW(index_add(a, 0, lt({0, 0, -1}), ones({3, 3}, {.dtype = kFloat32})), IndexError);
  expect_msg<IndexError>(
      [&] {
        index_add(a, 0, lt({0, 0, 1}).view({1, 3}), ones({3, 3}, {.dtype = kFloat32}));
      },
      "index_add_(): Index is supposed to be a vector, but got dim: 2 with "
      "type: Long and size: [1, 3]");
  expect_msg<RuntimeError>(
      [&] {
        index_add(a, 0, tensor({0.f, 0.f, 1.f}), ones({3, 3}, {.dtype = kFloat32}));
      },
      "index_add_(): Expected dtype int32/int64 for index but got: Float");
  expect_msg<RuntimeError>(
      [&] {
        index_add(a, 0, lt({0, 0, 1}), ones({3, 4}, {.dtype = kFloat32}));
      },
      "The size of tensor a (3) must match the size of tensor b (4)");
  EXPECT_THROW(index_add(a, 0, lt({0, 1}), ones({2, 3, 1}, {.dtype = kFloat32})), RuntimeError);
  expect_msg<RuntimeError>(
      [&] {
        index_add(a, 1, lt({0, 0, 1}), ones({3}, {.dtype = kFloat32}));
      },
      "index_add_(): Indexing dim 1 is out of bounds of the source tensor "
      "with dim 1");
  expect_msg<RuntimeError>(
      [&] {
        index_add(zeros({3}), 0, lt({0, 1}), ones({2, 3}, {.dtype = kFloat32}));
      },
      "source.dim() (2) must one or zero for given self.dim() (1)");
  EXPECT_THROW(index_add(a, 2, lt({0}), ones({1, 3}, {.dtype = kFloat32})), IndexError);
  Tensor m = index_add(meta_zeros({2, 3}), 0,
                       empty({2}, {.dtype = kInt64, .device = Device(DeviceType::Meta)}),
                       meta_zeros({2, 3}));
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(shape_of(m), (std::vector<int64_t>{2, 3}));
}

// ---------------------------------------------------------------- one_hot

TEST(index, OneHotValues) {
  Tensor r = one_hot(lt({0, 2, 1}));
  EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(shape_of(r), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(ivals(r), (std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 1, 0}));
  Tensor r5 = one_hot(lt({3, 0}), 5);
  EXPECT_EQ(ivals(r5), (std::vector<int64_t>{0, 0, 0, 1, 0, 1, 0, 0, 0, 0}));
  Tensor r2 = one_hot(lt({1, 0, 2, 3}).view({2, 2}).t(), 4);  // [[1, 2], [0, 3]]
  EXPECT_EQ(shape_of(r2), (std::vector<int64_t>{2, 2, 4}));
  EXPECT_EQ(ivals(r2), (std::vector<int64_t>{0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1}));
  Tensor s = one_hot(scalar_tensor(2, {.dtype = kInt64}));
  EXPECT_EQ(ivals(s), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(shape_of(one_hot(empty({0}, {.dtype = kInt64}), 3)), (std::vector<int64_t>{0, 3}));
  Tensor m = one_hot(empty({2, 2}, {.dtype = kInt64, .device = Device(DeviceType::Meta)}), 4);
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(shape_of(m), (std::vector<int64_t>{2, 2, 4}));
}

TEST(index, OneHotErrors) {
  expect_msg<RuntimeError>(
      [] {
        one_hot(lt({0, 2, 1}), 2);
      },
      "Class values must be smaller than num_classes.");
  expect_msg<RuntimeError>(
      [] {
        one_hot(lt({0, -2, 1}), 5);
      },
      "Class values must be non-negative.");
  EXPECT_THROW(one_hot(lt({0, -2, 1})), RuntimeError);
  expect_msg<RuntimeError>(
      [] {
        one_hot(tensor({0, 1}, {.dtype = kInt32}));
      },
      "one_hot is only applicable to index tensor.");
  EXPECT_THROW(one_hot(tensor({0.f})), RuntimeError);
  expect_msg<RuntimeError>([] { one_hot(empty({0}, {.dtype = kInt64})); },
                           "Can not infer total number of classes from empty tensor.");
  EXPECT_THROW(one_hot(empty({2}, {.dtype = kInt64, .device = Device(DeviceType::Meta)})),
               RuntimeError);
}

// ---------------------------------------------------------------- sort / argsort

TEST(index, SortNaNAndDirections) {
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  Tensor x = tensor({3.f, nan, 1.f, -inf, 1.f, nan, 2.f});
  auto [v, i] = sort(x);
  auto vv = vals(v);
  EXPECT_EQ(std::vector<double>(vv.begin(), vv.begin() + 5),
            (std::vector<double>{-inf, 1, 1, 2, 3}));
  EXPECT_TRUE(std::isnan(vv[5]) && std::isnan(vv[6]));
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{3, 2, 4, 6, 0, 1, 5}));
  auto [vd, id] = x.sort(-1, true);
  EXPECT_EQ(ivals(id), (std::vector<int64_t>{1, 5, 0, 6, 2, 4, 3}));
  auto vdv = vals(vd);
  EXPECT_TRUE(std::isnan(vdv[0]) && std::isnan(vdv[1]));
  EXPECT_EQ(vdv[2], 3);
  EXPECT_EQ(vdv[6], -inf);
  auto [vs, is] = sort(x, 0, false, true);
  EXPECT_EQ(ivals(is), (std::vector<int64_t>{3, 2, 4, 6, 0, 1, 5}));
  EXPECT_EQ(ivals(argsort(x, 0, true)), (std::vector<int64_t>{1, 5, 0, 6, 2, 4, 3}));
  EXPECT_EQ(ivals(x.argsort()), ivals(i));
}

TEST(index, SortStableWithDuplicates) {
  Tensor x = tensor({2, 1, 2, 1, 0, 2}, {.dtype = kInt32});
  auto [v, i] = sort(x, -1, false, true);
  EXPECT_EQ(ivals(v), (std::vector<int64_t>{0, 1, 1, 2, 2, 2}));
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{4, 1, 3, 0, 2, 5}));
  auto [vd, id] = sort(x, -1, true, true);
  EXPECT_EQ(ivals(vd), (std::vector<int64_t>{2, 2, 2, 1, 1, 0}));
  EXPECT_EQ(ivals(id), (std::vector<int64_t>{0, 2, 5, 1, 3, 4}));
}

TEST(index, SortDimsAndLayouts) {
  Tensor a = tensor({3.f, 1.f, 2.f, 0.f, 5.f, 4.f}).view({2, 3});
  auto [v0, i0] = sort(a, 0);
  EXPECT_EQ(vals(v0), (std::vector<double>{0, 1, 2, 3, 5, 4}));
  EXPECT_EQ(ivals(i0), (std::vector<int64_t>{1, 0, 0, 0, 1, 1}));
  auto [v1, i1] = a.sort(1, true);
  EXPECT_EQ(vals(v1), (std::vector<double>{3, 2, 1, 5, 4, 0}));
  EXPECT_EQ(ivals(i1), (std::vector<int64_t>{0, 2, 1, 1, 2, 0}));
  // a transposed input: outputs take its strides
  auto [vt, it] = sort(a.t(), 1);  // rows [3, 0], [1, 5], [2, 4]
  EXPECT_EQ(strides_of(vt), strides_of(a.t()));
  EXPECT_EQ(strides_of(it), strides_of(a.t()));
  EXPECT_EQ(vals(vt), (std::vector<double>{0, 3, 1, 5, 2, 4}));
  EXPECT_EQ(ivals(it), (std::vector<int64_t>{1, 0, 0, 1, 0, 1}));
  // a non-dense input: dense outputs
  Tensor s = ar(0, -12, -1).view({2, 6}).slice(1, 0, 6, 2);  // [[0, -2, -4], [-6, -8, -10]]
  auto [vs, is] = sort(s);
  EXPECT_TRUE(vs.is_contiguous());
  EXPECT_EQ(vals(vs), (std::vector<double>{-4, -2, 0, -10, -8, -6}));
  EXPECT_EQ(ivals(is), (std::vector<int64_t>{2, 1, 0, 2, 1, 0}));
  // channels_last keeps its layout
  Tensor cl = ar(0, -24, -1).view({1, 2, 3, 4}).contiguous(kChannelsLast);
  auto [vc, ic] = sort(cl, 1);
  EXPECT_TRUE(vc.is_contiguous(kChannelsLast));
  EXPECT_EQ(vc.at({0, 0, 1, 2}).to_double(), -18);
  EXPECT_EQ(ic.at({0, 0, 1, 2}).to_long(), 1);
  // 0-dim and empty
  auto [v00, i00] = sort(scalar_tensor(3.0));
  EXPECT_EQ(v00.item<double>(), 3.0);
  EXPECT_EQ(i00.item<int64_t>(), 0);
  EXPECT_EQ(shape_of(std::get<0>(sort(zeros({2, 0})))), (std::vector<int64_t>{2, 0}));
  EXPECT_THROW(sort(scalar_tensor(3.0), 1), IndexError);
  EXPECT_THROW(sort(a, 2), IndexError);
  auto [vm, im] = sort(meta_zeros({3, 4}), 0);
  EXPECT_TRUE(vm.is_meta() && im.is_meta());
  EXPECT_EQ(im.dtype(), kInt64);
}

TEST(index, SortAllDTypes) {
  for (DType dt : kAllDTypes) {
    Tensor x = tensor({1, 0, 1, 0}).to(dt);
    auto [v, i] = sort(x, 0, false, true);
    EXPECT_EQ(v.dtype(), dt);
    EXPECT_EQ(ivals(v), (std::vector<int64_t>{0, 0, 1, 1})) << dt;
    EXPECT_EQ(ivals(i), (std::vector<int64_t>{1, 3, 0, 2})) << dt;
    EXPECT_EQ(ivals(argsort(x, 0, true, true)), (std::vector<int64_t>{0, 2, 1, 3})) << dt;
  }
  Tensor h = tensor({2.5f, -1.f, 0.5f}).to(kFloat16);
  EXPECT_EQ(vals(std::get<0>(sort(h))), (std::vector<double>{-1, 0.5, 2.5}));
}

TEST(index, SortSignedZeroNaNAndNarrowTypes) {
  // -0 and +0 tie (original order kept), in the packed (float32, float16) and
  // the pair (float64) paths alike; the values keep their signs.
  for (DType dt : {kFloat32, kFloat16, kBFloat16, kFloat64}) {
    Tensor x = tensor({0.0, -0.0, 1.0, 0.0, -0.0}).to(dt);
    auto [v, i] = sort(x, 0, false, true);
    EXPECT_EQ(ivals(i), (std::vector<int64_t>{0, 1, 3, 4, 2})) << dt;
    auto vv = vals(v);
    EXPECT_FALSE(std::signbit(vv[0])) << dt;
    EXPECT_TRUE(std::signbit(vv[1])) << dt;
    EXPECT_EQ(ivals(argsort(x, 0, true, true)), (std::vector<int64_t>{2, 0, 1, 3, 4})) << dt;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor y = tensor({nan, 1.0, nan, -2.0}).to(dt);
    auto [vd, id] = sort(y, 0, true, true);
    EXPECT_EQ(ivals(id), (std::vector<int64_t>{0, 2, 1, 3})) << dt;
    EXPECT_TRUE(std::isnan(vals(vd)[1])) << dt;
  }
  Tensor b = tensor({-3, 100, -128, 5, 127}, {.dtype = kInt8});
  auto [v, i] = topk(b, 2, 0, false);
  EXPECT_EQ(ivals(v), (std::vector<int64_t>{-128, -3}));
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(ivals(std::get<1>(topk(b, 2))), (std::vector<int64_t>{4, 1}));
  Tensor u = tensor({200, 3, 255, 0}, {.dtype = kUInt8});
  EXPECT_EQ(ivals(std::get<1>(sort(u))), (std::vector<int64_t>{3, 1, 0, 2}));
}

TEST(index, SortLargeRandomRows) {
  std::mt19937 rng(3);
  std::vector<float> data(64 * 1000);
  for (auto& v : data) v = static_cast<float>(rng() % 500);
  Tensor x = from_vector(data, {64, 1000});
  auto [v, i] = sort(x, 1);
  auto vv = vals<float>(v);
  auto iv = ivals(i);
  for (int64_t r = 0; r < 64; ++r) {
    for (int64_t j = 0; j < 1000; ++j) {
      ASSERT_EQ(vv[r * 1000 + j], data[r * 1000 + iv[r * 1000 + j]]);
      if (j) {
        ASSERT_LE(vv[r * 1000 + j - 1], vv[r * 1000 + j]);
        if (vv[r * 1000 + j - 1] == vv[r * 1000 + j]) {
          ASSERT_LT(iv[r * 1000 + j - 1], iv[r * 1000 + j]);  // stable
        }
      }
    }
  }
  // along dim 0 of the same data equals sorting the transpose
  EXPECT_TRUE(same(std::get<0>(sort(x.t(), 0)), v.t()));
}

// ---------------------------------------------------------------- topk

TEST(index, TopKValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  Tensor x = tensor({3.f, nan, 1.f, -inf, 7.f, 2.f});
  auto [v, i] = topk(x, 3);
  auto vv = vals(v);
  EXPECT_TRUE(std::isnan(vv[0]));
  EXPECT_EQ(vv[1], 7);
  EXPECT_EQ(vv[2], 3);
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{1, 4, 0}));
  auto [vs, is] = x.topk(2, -1, false);
  EXPECT_EQ(vals(vs), (std::vector<double>{-inf, 1}));
  EXPECT_EQ(ivals(is), (std::vector<int64_t>{3, 2}));
  Tensor a = tensor({5, 1, 4, 2, 8, 6}, {.dtype = kInt32}).view({2, 3});
  auto [v0, i0] = topk(a, 1, 0);
  EXPECT_EQ(shape_of(v0), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(ivals(v0), (std::vector<int64_t>{5, 8, 6}));
  EXPECT_EQ(ivals(i0), (std::vector<int64_t>{0, 1, 1}));
  auto [vt, it] = topk(a.t(), 2, 1, false);  // rows [5, 2], [1, 8], [4, 6]
  EXPECT_TRUE(vt.is_contiguous());
  EXPECT_EQ(ivals(vt), (std::vector<int64_t>{2, 5, 1, 8, 4, 6}));
  EXPECT_EQ(ivals(it), (std::vector<int64_t>{1, 0, 0, 1, 0, 1}));
  // k == 0 and k == n, 0-dim
  EXPECT_EQ(shape_of(std::get<0>(topk(a, 0))), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(ivals(std::get<0>(topk(a, 3))), (std::vector<int64_t>{5, 4, 1, 8, 6, 2}));
  auto [v00, i00] = topk(scalar_tensor(3.0), 1);
  EXPECT_EQ(v00.dim(), 0);
  EXPECT_EQ(v00.item<double>(), 3.0);
  EXPECT_EQ(i00.item<int64_t>(), 0);
  // unsorted: the same set
  auto [vu, iu] = topk(ar(10), 3, 0, true, false);
  auto uv = vals(vu);
  std::sort(uv.begin(), uv.end());
  EXPECT_EQ(uv, (std::vector<double>{7, 8, 9}));
}

TEST(index, TopKAllNumericDTypes) {
  for (DType dt : kAllDTypes) {
    if (dt == kBool) continue;
    Tensor x = tensor({3, 1, 4, 1, 5, 9, 2, 6}).to(dt);
    auto [v, i] = topk(x, 3);
    EXPECT_EQ(v.dtype(), dt);
    EXPECT_EQ(ivals(v), (std::vector<int64_t>{9, 6, 5})) << dt;
    EXPECT_EQ(ivals(i), (std::vector<int64_t>{5, 7, 4})) << dt;
    EXPECT_EQ(ivals(std::get<1>(topk(x, 2, 0, false))), (std::vector<int64_t>{1, 3})) << dt;
  }
}

TEST(index, TopKLargeMatchesSort) {
  std::mt19937 rng(4);
  std::vector<double> data(16 * 5000);
  for (auto& v : data) v = static_cast<double>(rng() % 100000) / 7.0;
  Tensor x = from_vector(data, {16, 5000});
  auto sorted_desc = std::get<0>(sort(x, 1, true));
  auto sorted_asc = std::get<0>(sort(x, 1, false));
  for (int64_t k : {1, 10, 77, 4000}) {
    auto [v, i] = topk(x, k);
    EXPECT_TRUE(same(v, sorted_desc.narrow(1, 0, k))) << k;
    EXPECT_TRUE(same(x.gather(1, i), v)) << k;
    auto [vs, is] = topk(x, k, 1, false);
    EXPECT_TRUE(same(vs, sorted_asc.narrow(1, 0, k))) << k;
    EXPECT_TRUE(same(x.gather(1, is), vs)) << k;
  }
}

TEST(index, TopKErrors) {
  Tensor x = zeros({5});
  expect_msg<RuntimeError>([&] { topk(x, 6); }, "selected index k out of range");
  EXPECT_THROW(topk(x, -1), RuntimeError);
  EXPECT_THROW(topk(scalar_tensor(1.0), 2), RuntimeError);
  EXPECT_THROW(topk(zeros({2, 3}), 1, 2), IndexError);
  expect_msg<TypeError>(
      [] {
        topk(tensor({true, false}), 1);
      },
      "\"topk_cpu\" not implemented for 'Bool'");
  auto [vm, im] = topk(meta_zeros({4, 9}), 3);
  EXPECT_TRUE(vm.is_meta());
  EXPECT_EQ(shape_of(im), (std::vector<int64_t>{4, 3}));
}
