#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "kernels/cpu/gemm.h"

using namespace ember;

namespace {

Tensor make(const std::vector<double>& v, IntArrayRef shape, DType dt = kFloat32) {
  return from_vector(v, shape).to(dt);
}

// Deterministic small integers in [-5, 5]: exact in every dtype, so products
// computed any way agree exactly up to float rounding of the sums.
Tensor ints(IntArrayRef shape, DType dt = kFloat32, int seed = 0) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<double>((i * 7 + seed * 13 + 3) % 11) - 5;
  return make(v, shape, dt);
}

// ones() with an explicit dtype (factory's ones() without one currently gives int64).
Tensor one(IntArrayRef shape, DType dt = kFloat32) { return full(shape, 1.0, {.dtype = dt}); }

// Reference product of 2-D tensors, in double, by the definition.
std::vector<double> ref_mm(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  auto av = a.to(kFloat64).contiguous().tolist<double>();
  auto bv = b.to(kFloat64).contiguous().tolist<double>();
  std::vector<double> c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += av[i * k + p] * bv[p * n + j];
  return c;
}

void expect_values(const Tensor& t, const std::vector<double>& want, double tol = 0) {
  auto got = t.to(kFloat64).contiguous().tolist<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol + tol * std::abs(want[i])) << "at flat index " << i;
}

void expect_shape(const Tensor& t, std::vector<int64_t> shape) {
  EXPECT_EQ(std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), shape);
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(linalg, MmHandComputedEveryDtype) {
  for (DType dt :
       {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kInt16, kInt8, kUInt8}) {
    Tensor a = make({1, 2, 3, 4}, {2, 2}, dt), b = make({5, 6, 7, 8}, {2, 2}, dt);
    Tensor c = mm(a, b);
    EXPECT_EQ(c.dtype(), dt);
    expect_shape(c, {2, 2});
    expect_values(c, {19, 22, 43, 50});
    expect_values(a.mm(b), {19, 22, 43, 50});
  }
}

TEST(linalg, MmRectangularAndVectorShapes) {
  // (2x3) @ (3x2)
  Tensor a = make({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = make({7, 8, 9, 10, 11, 12}, {3, 2});
  expect_values(mm(a, b), {58, 64, 139, 154});
  // n == 1 (gemv), m == 1 (gemv on B^T), m == n == 1 (dot)
  expect_values(mm(a, make({1, 0, -1}, {3, 1})), {-2, -2});
  expect_values(mm(make({1, 0, -1}, {1, 3}), b), {-4, -4});
  expect_values(mm(make({1, 2, 3}, {1, 3}), make({4, 5, 6}, {3, 1})), {32});
  for (DType dt : {kFloat64, kInt64, kFloat16}) {
    expect_values(mm(a.to(dt), make({1, 0, -1}, {3, 1}, dt)), {-2, -2});
    expect_values(mm(make({1, 0, -1}, {1, 3}, dt), b.to(dt)), {-4, -4});
    expect_values(mm(make({1, 2, 3}, {1, 3}, dt), make({4, 5, 6}, {3, 1}, dt)), {32});
  }
}

TEST(linalg, MmLargerAgainstReference) {
  // Sizes that cross the integer loop's blocks (16 x 256 x 128) and BLAS's
  // thresholds for threading.
  for (DType dt : {kFloat32, kFloat64, kInt64, kInt32, kInt8}) {
    Tensor a = ints({37, 300}, dt, 1), b = ints({300, 270}, dt, 2);
    Tensor c = mm(a, b);
    if (dt == kInt8) {
      // int8 wraps: compare modulo 256.
      auto want = ref_mm(a, b);
      auto got = c.to(kInt64).tolist<int64_t>();
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(static_cast<int8_t>(static_cast<int64_t>(want[i])), got[i]) << i;
    } else {
      expect_values(c, ref_mm(a, b), dt == kFloat32 ? 1e-6 : 0);
    }
  }
}

TEST(linalg, IntegerOverflowWraps) {
  Tensor a = make({100, 100}, {1, 2}, kInt8), b = make({2, 1}, {2, 1}, kInt8);
  EXPECT_EQ(mm(a, b).item<int64_t>(), 44);  // 300 mod 256, as PyTorch
  Tensor big = full({1, 2}, int64_t{1} << 62, {.dtype = kInt64});
  Tensor two = full({2, 1}, 2, {.dtype = kInt64});
  EXPECT_EQ(mm(big, two).item<int64_t>(), 0);  // 2^64 wraps to 0
}

TEST(linalg, TransposedAndStridedOperands) {
  Tensor abase = ints({5, 4}, kFloat32, 3), bbase = ints({6, 5}, kFloat32, 4);
  Tensor at = abase.t(), bt = bbase.t();  // (4x5), (5x6): column-major views
  const auto want = ref_mm(at, bt);
  for (DType dt : {kFloat32, kFloat64, kInt64, kBFloat16}) {
    Tensor a = abase.to(dt).t(), b = bbase.to(dt).t();
    ASSERT_FALSE(a.is_contiguous());
    expect_values(mm(a, b), want);
    expect_values(mm(a.contiguous(), b), want);
    expect_values(mm(a, b.contiguous()), want);
  }
  // Row stride larger than the row (a slice of columns): BLAS's leading dimension.
  Tensor wide = ints({4, 9}, kFloat32, 5);
  Tensor a = wide.slice(1, 2, 7);  // (4x5), strides (9, 1)
  expect_values(mm(a, bt), ref_mm(a, bt));
  // Neither dim of unit stride: copied first.
  Tensor every_other = ints({4, 10}, kFloat32, 6).slice(1, 0, 10, 2);  // (4x5), strides (10, 2)
  expect_values(mm(every_other, bt), ref_mm(every_other, bt));
  expect_values(mm(every_other.to(kInt64), bt.to(kInt64)), ref_mm(every_other, bt));
  // Broadcast (stride-0) operands.
  Tensor row = make({1, 2, 3}, {1, 3}).expand({4, 3});
  expect_values(mm(row, make({1, 1, 1, 0, 0, 2}, {3, 2})), {3, 7, 3, 7, 3, 7, 3, 7});
  Tensor col = make({2}, {1, 1}).expand({3, 2});
  expect_values(mm(make({1, 2, 3}, {1, 3}), col), {12, 12});
  // Transposed output side: (A^T B^T) equals (B A)^T.
  expect_values(mm(bbase, abase).t(), want);
}

TEST(linalg, Bmm) {
  Tensor a = make({1, 2, 3, 4, 1, 0, 0, 1}, {2, 2, 2});
  Tensor b = make({5, 6, 7, 8, 5, 6, 7, 8}, {2, 2, 2});
  Tensor c = bmm(a, b);
  expect_shape(c, {2, 2, 2});
  expect_values(c, {19, 22, 43, 50, 5, 6, 7, 8});
  expect_values(a.bmm(b), {19, 22, 43, 50, 5, 6, 7, 8});
  // Many small products (parallel over the batch) and strided batches.
  for (DType dt : {kFloat32, kFloat64, kInt32, kFloat16}) {
    Tensor x = ints({3, 7, 64}, dt, 7).permute({2, 0, 1});  // (64, 3, 7), no unit-stride batch
    Tensor y = ints({64, 5, 7}, dt, 8).transpose(1, 2);     // (64, 7, 5), column-major matrices
    Tensor z = bmm(x, y);
    expect_shape(z, {64, 3, 5});
    for (int64_t i : {0, 17, 63})
      expect_values(z.select(0, i), ref_mm(x.select(0, i), y.select(0, i)));
  }
}

TEST(linalg, MatmulEveryShapeCase) {
  Tensor v3 = make({1, 2, 3}, {3});
  Tensor w3 = make({4, 5, 6}, {3});
  Tensor m23 = make({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor m32 = make({7, 8, 9, 10, 11, 12}, {3, 2});

  Tensor r = matmul(v3, w3);  // 1-D @ 1-D: dot
  expect_shape(r, {});
  expect_values(r, {32});
  r = matmul(m23, v3);  // 2-D @ 1-D: mv
  expect_shape(r, {2});
  expect_values(r, {14, 32});
  r = matmul(v3, m32);  // 1-D @ 2-D: (1x3)@(3x2) squeezed
  expect_shape(r, {2});
  expect_values(r, {58, 64});
  r = v3.matmul(m32);
  expect_values(r, {58, 64});
  r = matmul(m23, m32);  // 2-D @ 2-D
  expect_shape(r, {2, 2});
  expect_values(r, {58, 64, 139, 154});

  // N-D @ 1-D and N-D @ 2-D: folded into one mv / mm.
  Tensor t = ints({2, 4, 3}, kFloat32, 1);
  r = matmul(t, v3);
  expect_shape(r, {2, 4});
  expect_values(r, ref_mm(t.reshape({8, 3}), v3.unsqueeze(1)));
  r = matmul(t, m32);
  expect_shape(r, {2, 4, 2});
  expect_values(r, ref_mm(t.reshape({8, 3}), m32));
  Tensor t4 = ints({2, 3, 4, 3}, kFloat32, 2);
  r = matmul(t4, m32);
  expect_shape(r, {2, 3, 4, 2});
  expect_values(r, ref_mm(t4.reshape({24, 3}), m32));
  r = matmul(t4, v3);
  expect_shape(r, {2, 3, 4});
  expect_values(r, ref_mm(t4.reshape({24, 3}), v3.unsqueeze(1)));

  // A left operand that cannot be folded (batch dims not mergeable): batched.
  Tensor perm = ints({4, 2, 3}, kFloat32, 3).transpose(0, 1);  // (2, 4, 3)
  r = matmul(perm, m32);
  expect_shape(r, {2, 4, 2});
  for (int64_t i = 0; i < 2; ++i) expect_values(r.select(0, i), ref_mm(perm.select(0, i), m32));

  // 1-D @ N-D: the vector is prepended a dim and it is removed after.
  Tensor u = ints({2, 3, 4}, kFloat32, 4);
  r = matmul(v3, u);
  expect_shape(r, {2, 4});
  for (int64_t i = 0; i < 2; ++i)
    expect_values(r.select(0, i), ref_mm(v3.unsqueeze(0), u.select(0, i)));
  Tensor u4 = ints({2, 2, 3, 4}, kFloat32, 5);
  r = matmul(v3, u4);
  expect_shape(r, {2, 2, 4});
  expect_values(r.select(0, 1).select(0, 0), ref_mm(v3.unsqueeze(0), u4.select(0, 1).select(0, 0)));

  // 2-D @ N-D: batched with the matrix broadcast.
  r = matmul(m23, u);
  expect_shape(r, {2, 2, 4});
  for (int64_t i = 0; i < 2; ++i) expect_values(r.select(0, i), ref_mm(m23, u.select(0, i)));

  // N-D @ N-D, same batch.
  Tensor p = ints({2, 4, 3}, kFloat32, 6);
  r = matmul(p, u);
  expect_shape(r, {2, 4, 4});
  for (int64_t i = 0; i < 2; ++i)
    expect_values(r.select(0, i), ref_mm(p.select(0, i), u.select(0, i)));

  // Broadcast batch dims: (2,1,3,4) @ (5,4,2) -> (2,5,3,2).
  Tensor x = ints({2, 1, 3, 4}, kFloat32, 7), y = ints({5, 4, 2}, kFloat32, 8);
  for (DType dt : {kFloat32, kFloat64, kInt64, kFloat16}) {
    r = matmul(x.to(dt), y.to(dt));
    EXPECT_EQ(r.dtype(), dt);
    expect_shape(r, {2, 5, 3, 2});
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 5; ++j)
        expect_values(r.select(0, i).select(0, j),
                      ref_mm(x.select(0, i).select(0, 0), y.select(0, j)));
  }
  // (3,1,2,4) @ (4,) and (1,3,2) x (7,1,2,5)
  Tensor q = ints({1, 3, 2}, kFloat32, 9), s = ints({7, 1, 2, 5}, kFloat32, 10);
  r = matmul(q, s);
  expect_shape(r, {7, 1, 3, 5});
  expect_values(r.select(0, 6).select(0, 0), ref_mm(q.select(0, 0), s.select(0, 6).select(0, 0)));
}

TEST(linalg, MatmulEmptyDims) {
  expect_values(matmul(one({2, 0}), one({0, 3})), {0, 0, 0, 0, 0, 0});
  expect_shape(matmul(one({0, 4}), one({4, 3})), {0, 3});
  expect_shape(matmul(one({3, 5, 0}), one({0, 0})), {3, 5, 0});
  expect_shape(matmul(one({0, 2, 3}), one({3, 4})), {0, 2, 4});
  expect_shape(bmm(one({0, 2, 3}), one({0, 3, 4})), {0, 2, 4});
  expect_values(bmm(one({2, 1, 0}), one({2, 0, 2})), {0, 0, 0, 0});
  expect_values(dot(one({0}), one({0})), {0});
  expect_values(mv(one({2, 0}), one({0})), {0, 0});
  expect_values(mm(one({2, 0}, kInt64), one({0, 2}, kInt64)), {0, 0, 0, 0});
  expect_values(mm(one({2, 0}, kFloat16), one({0, 2}, kFloat16)), {0, 0, 0, 0});
}

TEST(linalg, AddmmBetaAlpha) {
  Tensor self = make({1, 1, 1, 1}, {2, 2});
  Tensor a = make({1, 2, 3, 4}, {2, 2}), b = make({5, 6, 7, 8}, {2, 2});
  expect_values(addmm(self, a, b), {20, 23, 44, 51});
  expect_values(addmm(self, a, b, 2, 3), {59, 68, 131, 152});
  expect_values(self.addmm(a, b, 0.5, -1), {-18.5, -21.5, -42.5, -49.5});
  // self broadcasts: 1-D row and 0-dim.
  expect_values(addmm(make({10, 20}, {2}), a, b), {29, 42, 53, 70});
  expect_values(addmm(make({1}, {}), a, b, 1, 2), {39, 45, 87, 101});
  expect_values(addmm(make({1, 2}, {2, 1}), a, b), {20, 23, 45, 52});
  // beta = 0 ignores self, NaN included.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor nans = make({nan, nan, nan, nan}, {2, 2});
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    expect_values(addmm(nans.to(dt), a.to(dt), b.to(dt), 0), {19, 22, 43, 50});
    // also on the gemv and dot paths
    expect_values(addmm(make({nan, nan}, {2, 1}, dt), a.to(dt), make({1, 1}, {2, 1}, dt), 0),
                  {3, 7});
    expect_values(addmm(make({nan, nan}, {1, 2}, dt), make({1, 1}, {1, 2}, dt), b.to(dt), 0),
                  {12, 14});
    expect_values(
        addmm(make({nan}, {1, 1}, dt), make({1, 1}, {1, 2}, dt), make({1, 1}, {2, 1}, dt), 0), {2});
  }
  // Integers: the scalars are converted to the dtype (0.5 -> 0, 1.5 -> 1), as PyTorch.
  Tensor s7 = full({2, 3}, 7, {.dtype = kInt64});
  Tensor o24 = one({2, 4}, kInt64), o43 = one({4, 3}, kInt64);
  expect_values(addmm(s7, o24, o43, 0.5), {4, 4, 4, 4, 4, 4});
  expect_values(addmm(s7, o24, o43, 1, 1.5), {11, 11, 11, 11, 11, 11});
  expect_values(addmm(s7, o24, o43, 2, 3), {26, 26, 26, 26, 26, 26});
  // k = 0: beta * self.
  expect_values(addmm(one({3}), one({2, 0}), one({0, 3}), 2, 3), {2, 2, 2, 2, 2, 2});
  expect_values(addmm(s7, one({2, 0}, kInt64), one({0, 3}, kInt64), 3), {21, 21, 21, 21, 21, 21});
  expect_values(addmm(nans.slice(1, 0, 1), one({2, 0}), one({0, 3}), 0), {0, 0, 0, 0, 0, 0});
}

TEST(linalg, Baddbmm) {
  Tensor self = make({1, 2}, {2});
  Tensor a = make({1, 2, 3, 4, 1, 0, 0, 1}, {2, 2, 2});
  Tensor b = make({5, 6, 7, 8, 5, 6, 7, 8}, {2, 2, 2});
  expect_values(baddbmm(self, a, b, 1, 2), {39, 46, 87, 102, 11, 14, 15, 18});
  EXPECT_THROW(baddbmm(make({1, 2, 3}, {3}), a, b), RuntimeError);
}

TEST(linalg, MvAndDot) {
  Tensor m = make({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor v = make({1, 0, -1}, {3});
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32}) {
    Tensor r = mv(m.to(dt), v.to(dt));
    EXPECT_EQ(r.dtype(), dt);
    expect_shape(r, {2});
    expect_values(r, {-2, -2});
    expect_values(m.to(dt).t().mv(make({1, 1}, {2}, dt)), {5, 7, 9});  // transposed matrix
    Tensor d = dot(make({1, 2, 3}, {3}, dt), make({4, 5, 6}, {3}, dt));
    EXPECT_EQ(d.dtype(), dt);
    expect_shape(d, {});
    expect_values(d, {32});
    // strided vectors
    expect_values(make({1, 9, 2, 9, 3, 9}, {6}, dt).slice(0, 0, 6, 2).dot(make({4, 5, 6}, {3}, dt)),
                  {32});
    expect_values(mv(m.to(dt), make({1, 9, 0, 9, -1, 9}, {6}, dt).slice(0, 0, 6, 2)), {-2, -2});
  }
  // broadcast vector (stride 0)
  expect_values(dot(make({2}, {1}).expand({3}), make({4, 5, 6}, {3})), {30});
  expect_values(mv(m, make({1}, {1}).expand({3})), {6, 15});
  // long vectors through the BLAS dot
  Tensor x = ints({1000}, kFloat64, 1), y = ints({1000}, kFloat64, 2);
  expect_values(dot(x, y), ref_mm(x.unsqueeze(0), y.unsqueeze(1)));
}

TEST(linalg, ReducedFloatsRoundOnce) {
  // float16 / bfloat16 are computed in float32 and rounded once at the end.
  std::vector<double> va(8 * 50), vb(50 * 6);
  for (size_t i = 0; i < va.size(); ++i) va[i] = static_cast<double>(i % 13) / 3.0 - 2.0;
  for (size_t i = 0; i < vb.size(); ++i) vb[i] = static_cast<double>(i % 17) / 7.0 - 1.0;
  for (DType dt : {kFloat16, kBFloat16}) {
    Tensor ah = make(va, {8, 50}, dt), bh = make(vb, {50, 6}, dt);
    const auto want = mm(ah.to(kFloat32), bh.to(kFloat32)).to(dt).to(kFloat32).tolist<float>();
    EXPECT_EQ(mm(ah, bh).to(kFloat32).tolist<float>(), want) << dt;
    EXPECT_EQ(
        matmul(ah.unsqueeze(0).expand({3, 8, 50}), bh).select(0, 2).to(kFloat32).tolist<float>(),
        want)
        << dt;
  }
}

TEST(linalg, Linear) {
  Tensor x = make({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor w = make({1, 0, 0, 0, 1, 0, 1, 1, 1, 2, 0, -1}, {4, 3});  // (out=4, in=3)
  Tensor bias = make({10, 20, 30, 40}, {4});
  Tensor r = linear(x, w);
  expect_shape(r, {2, 4});
  expect_values(r, {1, 2, 6, -1, 4, 5, 15, 2});
  expect_values(linear(x, w, bias), {11, 22, 36, 39, 14, 25, 45, 42});
  for (DType dt : {kFloat64, kFloat16, kBFloat16, kInt64}) {
    expect_values(linear(x.to(dt), w.to(dt), bias.to(dt)), {11, 22, 36, 39, 14, 25, 45, 42});
  }
  // 3-D input, contiguous (folded into addmm) and not (matmul + bias).
  Tensor x3 = ints({2, 5, 3}, kFloat32, 3);
  Tensor want = make(ref_mm(x3.reshape({10, 3}), w.t()), {10, 4});
  for (int64_t i = 0; i < 10; ++i)
    for (int64_t j = 0; j < 4; ++j)
      want.select(0, i).select(0, j).fill_(want.at({i, j}).to_double() + 10.0 * (j + 1));
  r = linear(x3, w, bias);
  expect_shape(r, {2, 5, 4});
  expect_values(r.reshape({10, 4}), want.tolist<double>());
  Tensor x3t = x3.transpose(0, 1).contiguous().transpose(0, 1);  // same values, not contiguous
  ASSERT_FALSE(x3t.is_contiguous());
  expect_values(linear(x3t, w, bias).reshape({10, 4}), want.tolist<double>());
  expect_values(linear(x3t, w).reshape({10, 4}),
                make(ref_mm(x3.reshape({10, 3}), w.t()), {10, 4}).tolist<double>());
  // bias of shape (1, 4) and a 0-dim bias
  expect_values(linear(x, w, bias.view({1, 4})), {11, 22, 36, 39, 14, 25, 45, 42});
  expect_values(linear(x, w, make({1}, {})), {2, 3, 7, 0, 5, 6, 16, 3});
  // 1-D input, and 1-D weight (a dot per row)
  expect_values(linear(make({1, 2, 3}, {3}), w, bias), {11, 22, 36, 39});
  expect_shape(linear(make({1, 2, 3}, {3}), w, bias), {4});
  Tensor r1 = linear(x, make({1, 1, 1}, {3}));
  expect_shape(r1, {2});
  expect_values(r1, {6, 15});
  // empty input features
  expect_values(linear(one({2, 0}), one({3, 0}), one({3})), {1, 1, 1, 1, 1, 1});
}

TEST(linalg, MetaTensors) {
  TensorOptions meta{.dtype = kFloat32, .device = Device(DeviceType::Meta)};
  Tensor r = mm(empty({128, 784}, meta), empty({784, 10}, meta));
  EXPECT_TRUE(r.is_meta());
  expect_shape(r, {128, 10});
  r = matmul(empty({2, 1, 3, 4}, meta), empty({5, 4, 2}, meta));
  EXPECT_TRUE(r.is_meta());
  expect_shape(r, {2, 5, 3, 2});
  r = linear(empty({8, 5, 3}, meta), empty({4, 3}, meta), empty({4}, meta));
  EXPECT_TRUE(r.is_meta());
  expect_shape(r, {8, 5, 4});
  r = dot(empty({3}, {.dtype = kFloat64, .device = Device(DeviceType::Meta)}),
          empty({3}, {.dtype = kFloat64, .device = Device(DeviceType::Meta)}));
  EXPECT_EQ(r.dtype(), kFloat64);
  expect_shape(r, {});
  EXPECT_THROW(mm(empty({2, 3}, meta), empty({4, 5}, meta)), RuntimeError);
  EXPECT_THROW(mm(empty({2, 3}, meta), one({3, 5})), DeviceError);
}

TEST(linalg, Errors) {
  EXPECT_EQ(error_of([] {
              mm(one({128, 784}), one({100, 10}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (128x784 and 100x10)");
  EXPECT_THROW(mm(one({128, 784}), one({100, 10})), RuntimeError);
  EXPECT_EQ(error_of([] { mm(one({3}), one({3, 4})); }), "self must be a matrix");
  EXPECT_EQ(error_of([] { mm(one({3, 3}), one({3, 3, 3})); }), "mat2 must be a matrix");
  EXPECT_EQ(error_of([] {
              mm(one({3, 3}), one({3, 3}, kFloat64));
            }),
            "expected mat1 and mat2 to have the same dtype, but got: float != double");
  EXPECT_THROW(mm(one({3, 3}), one({3, 3}, kFloat64)), RuntimeError);
  EXPECT_EQ(error_of([] {
              mm(one({2, 2}, kBool), one({2, 2}, kBool));
            }),
            "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  EXPECT_THROW(mm(one({2, 2}, kBool), one({2, 2}, kBool)), TypeError);

  EXPECT_EQ(error_of([] { bmm(one({3, 3}), one({3, 3, 3})); }), "batch1 must be a 3D tensor");
  EXPECT_EQ(error_of([] { bmm(one({3, 3, 3}), one({3, 3})); }), "batch2 must be a 3D tensor");
  EXPECT_EQ(
      error_of([] {
        bmm(one({4, 3, 5}), one({4, 6, 2}));
      }),
      "Expected size for first two dimensions of batch2 tensor to be: [4, 5] but got: [4, 6].");
  EXPECT_THROW(bmm(one({4, 3, 5}), one({3, 5, 2})), RuntimeError);
  EXPECT_EQ(error_of([] {
              bmm(one({2, 3, 5}), one({2, 5, 2}, kFloat64));
            }),
            "expected scalar type Float but found Double");
  EXPECT_EQ(error_of([] {
              bmm(one({2, 2, 2}, kBool), one({2, 2, 2}, kBool));
            }),
            "\"bmm\" not implemented for 'Bool'");

  EXPECT_EQ(error_of([] {
              matmul(scalar_tensor(1.0), one({2, 2}));
            }),
            "both arguments to matmul need to be at least 1D, but they are 0D and 2D");
  EXPECT_THROW(matmul(one({2, 2}), scalar_tensor(1.0)), RuntimeError);
  EXPECT_EQ(error_of([] { matmul(one({3}), one({4})); }),
            "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
            "elements, but got 3 and 4 elements respectively");
  EXPECT_EQ(error_of([] {
              matmul(one({3}), one({4, 5}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)");
  EXPECT_EQ(error_of([] { matmul(one({2, 3}), one({4})); }), "size mismatch, got 2, 2x3,4");
  EXPECT_EQ(error_of([] {
              matmul(one({7, 2, 3}), one({4, 5}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (14x3 and 4x5)");
  EXPECT_EQ(error_of([] {
              matmul(one({2, 2, 3}), one({3, 3, 5}));
            }),
            "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
            "dimension 0");
  EXPECT_EQ(
      error_of([] {
        matmul(one({2, 2, 3}), one({2, 4, 5}));
      }),
      "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].");
  EXPECT_THROW(matmul(one({2, 3}), one({3, 5}, kFloat64)), RuntimeError);
  EXPECT_THROW(matmul(one({4, 2, 3}), one({4, 3, 2}, kFloat64)), RuntimeError);

  EXPECT_EQ(error_of([] {
              dot(one({3, 1}), one({3}));
            }),
            "1D tensors expected, but got 2D and 1D tensors");
  EXPECT_EQ(error_of([] { dot(one({3}), one({3}, kFloat64)); }),
            "dot : expected both vectors to have same dtype, but found Float and Double");
  EXPECT_EQ(error_of([] { dot(one({3}, kBool), one({3}, kBool)); }),
            "\"dot\" not implemented for 'Bool'");

  EXPECT_EQ(error_of([] { mv(one({3, 4}), one({5})); }), "size mismatch, got 3, 3x4,5");
  EXPECT_EQ(error_of([] { mv(one({3}), one({3})); }),
            "vector + matrix @ vector expected, got 1, 1, 1");
  EXPECT_EQ(error_of([] {
              mv(one({3, 4}), one({4}, kFloat64));
            }),
            "expected scalar type Float but found Double");
  EXPECT_EQ(error_of([] {
              mv(one({3, 3}, kBool), one({3}, kBool));
            }),
            "\"addmv_impl_cpu\" not implemented for 'Bool'");

  EXPECT_EQ(error_of([] {
              addmm(one({4}), one({2, 4}), one({4, 3}));
            }),
            "The expanded size of the tensor (3) must match the existing size (4) at "
            "non-singleton dimension 1.  Target sizes: [2, 3].  Tensor sizes: [4]");
  EXPECT_THROW(addmm(one({2, 4, 3}), one({2, 4}), one({4, 3})), RuntimeError);
  EXPECT_EQ(error_of([] {
              addmm(one({2, 3}, kFloat64), one({2, 4}), one({4, 3}));
            }),
            "self and mat2 must have the same dtype, but got Double and Float");
  EXPECT_EQ(error_of([] {
              addmm(one({2, 3}), one({2, 4}, kFloat64), one({4, 3}));
            }),
            "mat1 and mat2 must have the same dtype, but got Double and Float");
  EXPECT_EQ(error_of([] {
              addmm(one({2, 3}), one({4}), one({4, 3}));
            }),
            "mat1 must be a matrix, got 1-D tensor");
  EXPECT_EQ(error_of([] {
              addmm(one({2, 3}), one({2, 5}), one({4, 3}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (2x5 and 4x3)");

  EXPECT_EQ(error_of([] {
              linear(one({5, 3}), one({4, 2}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (5x3 and 2x4)");
  EXPECT_EQ(error_of([] {
              linear(one({2, 5, 3}), one({4, 2}));
            }),
            "mat1 and mat2 shapes cannot be multiplied (10x3 and 2x4)");
  EXPECT_THROW(linear(one({2, 5, 3}), one({4, 3}), one({5})), RuntimeError);
  EXPECT_EQ(error_of([] {
              linear(one({2, 3}), one({3}), one({2}));
            }),
            "mat2 must be a matrix, got 1-D tensor");
  EXPECT_THROW(linear(scalar_tensor(1.0), one({3, 3})), RuntimeError);
  EXPECT_THROW(linear(one({2, 3}), one({2, 3, 3})), RuntimeError);
  EXPECT_THROW(linear(one({2, 3}), one({4, 3}, kFloat64)), RuntimeError);
  EXPECT_THROW(linear(one({2, 5, 3}).transpose(0, 1), one({4, 3}), one({3, 1, 4})), RuntimeError);
  EXPECT_THROW(mm(Tensor(), one({2, 2})), RuntimeError);
}

TEST(linalg, KernelWritesAnyOutputLayout) {
  // The ops always hand the kernel a fresh contiguous result; the kernel also
  // takes a column-major one (computes C^T = B^T A^T) and a strided one
  // (through a temporary), with beta applied to what is there.
  Tensor a = ints({5, 7}, kFloat32, 1), b = ints({7, 6}, kFloat32, 2);
  const auto prod = ref_mm(a, b);
  for (DType dt : {kFloat32, kFloat64, kInt64}) {
    Tensor col = one({6, 5}, dt).t();  // (5x6), column-major
    kernels::addmm_kernel(col, a.to(dt), b.to(dt), 2, 1);
    std::vector<double> want(prod);
    for (auto& v : want) v += 2;
    expect_values(col, want);
    Tensor strided = one({5, 12}, dt).slice(1, 0, 12, 2);  // (5x6), strides (12, 2)
    kernels::addmm_kernel(strided, a.to(dt), b.to(dt), 3, -1);
    for (size_t i = 0; i < want.size(); ++i) want[i] = 3 - prod[i];
    expect_values(strided, want);
    expect_values(one({5, 12}, dt).slice(1, 1, 12, 2), std::vector<double>(30, 1.0));  // untouched
  }
}

TEST(linalg, BatchParallelPathsAgree) {
  // Small products run one per thread, large ones serially with OpenBLAS
  // threading inside: both give the same values for any thread count.
  const int saved = get_num_threads();
  Tensor x = ints({32, 9, 11}, kFloat32, 3), y = ints({32, 11, 4}, kFloat32, 4);
  Tensor big_x = ints({2, 160, 150}, kFloat32, 5), big_y = ints({2, 150, 140}, kFloat32, 6);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor z = bmm(x, y);
    for (int64_t i : {0, 13, 31})
      expect_values(z.select(0, i), ref_mm(x.select(0, i), y.select(0, i)));
    Tensor zi = bmm(x.to(kInt32), y.to(kInt32));
    for (int64_t i : {0, 31})
      expect_values(zi.select(0, i), ref_mm(x.select(0, i), y.select(0, i)));
    Tensor w = bmm(big_x, big_y);
    expect_values(w.select(0, 1), ref_mm(big_x.select(0, 1), big_y.select(0, 1)), 1e-6);
  }
  set_num_threads(saved);
}

TEST(linalg, LongContractionsSplitAcrossThreads) {
  // A small output from a long contraction (a linear layer's forward: 64 x 128
  // from 9216 terms) is split along k between threads and the partials added:
  // every operand and output layout, beta kept, the same values on one thread.
  const int saved = get_num_threads();
  Tensor a = ints({24, 6000}, kFloat32, 7), b = ints({6000, 20}, kFloat32, 8);
  const auto prod = ref_mm(a, b);
  std::vector<double> plus_beta(prod);
  for (auto& v : plus_beta) v += 2;
  for (int threads : {2, 1}) {
    set_num_threads(threads);
    expect_values(mm(a, b), prod);
    expect_values(mm(a.t().contiguous().t(), b.t().contiguous().t()), prod);
    Tensor col = one({20, 24}, kFloat32).t();  // column-major output
    kernels::addmm_kernel(col, a, b, 2, 1);
    expect_values(col, plus_beta);
    Tensor row = one({24, 20}, kFloat32);
    kernels::addmm_kernel(row, a, b, 2, 1);
    expect_values(row, plus_beta);
  }
  set_num_threads(saved);
}

TEST(linalg, FewRowsTimesTransposedOperand) {
  // A few rows times a transposed operand (a Linear layer's x @ W^T on a small
  // batch) runs as C^T = W x^T turned into C (kernels/cpu/gemm.cpp): rows in
  // and out of whole 16-blocks, columns with a partial block, both layouts of
  // x, beta 0 over NaN, beta and alpha kept, column-major and strided outputs,
  // one and two threads (the turn split between them), and inside the batch
  // loop's parallel region.
  const int saved = get_num_threads();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int threads : {2, 1}) {
    set_num_threads(threads);
    for (int64_t m : {16, 40, 128})
      for (int64_t n : {512, 530}) {
        SCOPED_TRACE(::testing::Message() << "threads " << threads << " m " << m << " n " << n);
        Tensor x = ints({m, 260}, kFloat32, 9), w = ints({n, 260}, kFloat32, 10);
        const auto prod = ref_mm(x, w.t());
        for (const Tensor& a : {x, x.t().contiguous().t()}) {
          Tensor out = full({m, n}, nan);
          kernels::addmm_kernel(out, a, w.t(), 0, 1);
          expect_values(out, prod);
          Tensor acc = one({m, n});
          kernels::addmm_kernel(acc, a, w.t(), 2, -1);
          std::vector<double> want(prod);
          for (auto& v : want) v = 2 - v;
          expect_values(acc, want);
        }
        Tensor col = one({n, m}).t();
        kernels::addmm_kernel(col, x, w.t(), 0, 1);
        expect_values(col, prod);
        Tensor strided = one({m, 2 * n}).slice(1, 0, 2 * n, 2);
        kernels::addmm_kernel(strided, x, w.t(), 0, 1);
        expect_values(strided, prod);
      }
    Tensor xb = ints({4, 16, 256}, kFloat32, 11), wb = ints({512, 256}, kFloat32, 12);
    Tensor z = matmul(xb, wb.t());
    for (int64_t i : {0, 3}) expect_values(z.select(0, i), ref_mm(xb.select(0, i), wb.t()));
  }
  set_num_threads(saved);
}

TEST(linalg, BlasGemmOnRawBuffers) {
  // kernels::blas_gemm (the RNN kernels' products): every transpose pair,
  // below and above oneDNN's 32^3 threshold, beta kept, padded leading
  // dimensions, float and double, against a plain triple loop; an empty
  // product leaves c alone.
  const auto check = [](auto zero, bool ta, bool tb, int64_t m, int64_t n, int64_t k) {
    using T = decltype(zero);
    const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
    std::vector<T> a((ta ? k : m) * lda), b((tb ? n : k) * ldb), c(m * ldc), want;
    for (size_t i = 0; i < a.size(); ++i) a[i] = T(std::sin(0.37 * double(i)));
    for (size_t i = 0; i < b.size(); ++i) b[i] = T(std::cos(0.23 * double(i)));
    for (size_t i = 0; i < c.size(); ++i) c[i] = T(0.5 * std::sin(0.11 * double(i)));
    want = c;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (int64_t l = 0; l < k; ++l)
          sum += double(ta ? a[l * lda + i] : a[i * lda + l]) *
                 double(tb ? b[j * ldb + l] : b[l * ldb + j]);
        want[i * ldc + j] = T(1.5 * sum - 0.5 * double(c[i * ldc + j]));
      }
    kernels::blas_gemm(ta, tb, m, n, k, T(1.5), a.data(), lda, b.data(), ldb, T(-0.5), c.data(),
                       ldc);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        EXPECT_NEAR(double(c[i * ldc + j]), double(want[i * ldc + j]), 1e-3 * (1 + std::sqrt(k)))
            << "ta " << ta << " tb " << tb << " m " << m << " n " << n << " k " << k << " at (" << i
            << ", " << j << ")";
  };
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (auto [m, n, k] : std::vector<std::array<int64_t, 3>>{{3, 5, 7}, {40, 530, 300}}) {
        check(0.f, ta, tb, m, n, k);
        check(0.0, ta, tb, m, n, k);
      }
  std::vector<float> c(4, 7.f);
  const float one = 1.f;
  kernels::blas_gemm(false, false, 0, 2, 2, 1.f, &one, 2, &one, 2, 0.f, c.data(), 2);
  EXPECT_EQ(c, std::vector<float>(4, 7.f));
}
