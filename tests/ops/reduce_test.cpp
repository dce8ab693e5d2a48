// Reductions, softmax and cumsum: hand-computed values, shapes, dtypes,
// layouts (strided, permuted, channels_last, expanded), NaN and empty cases,
// and every error condition.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
const DType kAllDTypes[] = {kBool,  kUInt8,   kInt8,     kInt16,   kInt32,
                            kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};

Tensor make(const std::vector<double>& v, std::vector<int64_t> shape = {}, DType dt = kFloat32) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return from_vector(v, IntArrayRef(shape)).to(dt);
}
Tensor scalar(double v, DType dt = kFloat32) { return make({v}).to(dt).reshape({}); }

std::vector<int64_t> shape_of(const Tensor& t) { return t.sizes().vec(); }

void expect_values(const Tensor& t, const std::vector<double>& want, double tol = 1e-6) {
  const auto got = t.to(kFloat64).contiguous().tolist<double>();
  ASSERT_EQ(got.size(), want.size()) << "shape " << t.sizes();
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << ": " << got[i] << " != nan";
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::abs(want[i]))) << "element " << i;
    }
  }
}
void expect_ints(const Tensor& t, const std::vector<int64_t>& want) {
  EXPECT_EQ(t.contiguous().tolist<int64_t>(), want);
}

template <typename E, typename F>
void expect_error(F&& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing: " << text;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong error type: " << e.what();
  }
}

std::vector<int64_t> dims(std::initializer_list<int64_t> d) { return std::vector<int64_t>(d); }

// [[0, 1, 2], [3, 4, 5]]
Tensor x23(DType dt = kFloat32) { return make({0, 1, 2, 3, 4, 5}, {2, 3}, dt); }

}  // namespace

// ------------------------------------------------------------------------ sum

TEST(reduce, SumFullAndDims) {
  Tensor x = x23();
  expect_values(x.sum(), {15});
  EXPECT_EQ(x.sum().dim(), 0);
  expect_values(x.sum({0}), {3, 5, 7});
  expect_values(x.sum({1}), {3, 12});
  expect_values(x.sum({-1}), {3, 12});
  expect_values(x.sum({0, 1}), {15});
  expect_values(x.sum({1, 0}), {15});
  expect_values(x.sum({-2, -1}), {15});
  expect_values(x.sum(IntArrayRef{}), {15});  // an empty list means every dim
  EXPECT_EQ(x.sum().dtype(), kFloat32);
  expect_values(ember::sum(x, {1}), {3, 12});
}

TEST(reduce, SumKeepdimShapes) {
  Tensor x = arange(24, {.dtype = kFloat32}).reshape({2, 3, 4});
  EXPECT_EQ(shape_of(x.sum({1}, true)), dims({2, 1, 4}));
  EXPECT_EQ(shape_of(x.sum({1})), dims({2, 4}));
  EXPECT_EQ(shape_of(x.sum({0, 2}, true)), dims({1, 3, 1}));
  EXPECT_EQ(shape_of(x.sum({0, 2})), dims({3}));
  EXPECT_EQ(shape_of(x.sum(IntArrayRef{}, true)), dims({1, 1, 1}));
  // sum over dims 0 and 2 of arange(24).view(2, 3, 4): row r holds
  // sum_{a,c} (12a + 4r + c) = 8 * 4r + (0+12)*4 + 2*(0+1+2+3) = 32r + 60.
  expect_values(x.sum({0, 2}), {60, 92, 124});
  expect_values(x.sum({2, 0}, true), {60, 92, 124});
  expect_values(x.sum({1}), {12, 15, 18, 21, 48, 51, 54, 57});
}

TEST(reduce, SumIntegerAndBoolGiveInt64) {
  EXPECT_EQ(x23(kInt32).sum().dtype(), kInt64);
  expect_ints(x23(kInt32).sum({0}), {3, 5, 7});
  Tensor b = make({1, 0, 1, 1}, {4}, kBool);
  EXPECT_EQ(b.sum().dtype(), kInt64);
  expect_ints(b.sum(), {3});
  Tensor i8 = make({100, 100, 100}, {3}, kInt8);
  expect_ints(i8.sum(), {300});  // int64 accumulation: no int8 overflow
  expect_ints(make({200, 200}, {2}, kUInt8).sum(), {400});
}

TEST(reduce, SumEveryDType) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(to_string(dt));
    Tensor x = make({0, 1, 1, 0, 1, 1}, {2, 3}, dt);
    Tensor s = x.sum({1});
    EXPECT_EQ(s.dtype(), is_integral(dt, true) ? kInt64 : dt);
    expect_values(s, {2, 2});
    expect_values(x.sum({0}), {0, 2, 2});
    expect_values(x.sum(), {4});
  }
}

TEST(reduce, SumDTypeArgument) {
  // dtype casts each element first: float -> int64 truncates.
  Tensor f = make({1.7, 2.9, -0.5}, {3});
  Tensor s = f.sum(kInt64);
  EXPECT_EQ(s.dtype(), kInt64);
  expect_ints(s, {3});
  // An int8 result wraps as int8 arithmetic would: 100 + 100 = -56.
  Tensor w = make({100, 100}, {2}, kInt8).sum(kInt8);
  EXPECT_EQ(w.dtype(), kInt8);
  expect_values(w, {-56});
  // sum(dtype=bool) is "any non-zero"
  Tensor b = make({0, 2, 0}, {3}, kInt32).sum(kBool);
  EXPECT_EQ(b.dtype(), kBool);
  expect_values(b, {1});
  Tensor h = x23(kInt64).sum({1}, false, kFloat16);
  EXPECT_EQ(h.dtype(), kFloat16);
  expect_values(h, {3, 12});
  Tensor d = x23().sum({0}, true, kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(shape_of(d), dims({1, 3}));
}

TEST(reduce, SumStridedPermutedChannelsLastExpanded) {
  Tensor x = arange(24, {.dtype = kFloat32}).reshape({2, 3, 4});
  // transposed: (4, 3, 2) view
  Tensor p = x.permute({2, 1, 0});
  expect_values(p.sum({0}), x.sum({2}).t().contiguous().tolist<double>());
  expect_values(p.sum({2}), x.sum({0}).t().contiguous().tolist<double>());
  // sliced with a step: columns 0 and 2 of each row
  Tensor s = x.slice(2, 0, 4, 2);  // values 12a + 4r + {0, 2}
  expect_values(s.sum({2}), {2, 10, 18, 26, 34, 42});
  expect_values(s.sum({0, 1}),
                {(0 + 4 + 8 + 12 + 16 + 20) * 1.0, (2 + 6 + 10 + 14 + 18 + 22) * 1.0});
  // channels_last: NCHW sizes, NHWC strides
  Tensor n = arange(2 * 3 * 2 * 2, {.dtype = kFloat32}).reshape({2, 3, 2, 2});
  Tensor cl = n.contiguous(kChannelsLast);
  ASSERT_FALSE(cl.is_contiguous());
  // per-channel sums over N, H, W: sum_{b,hw} (12b + 4c + hw) = 4*12 + 8*4c + 2*6
  expect_values(cl.sum({0, 2, 3}), {60, 92, 124});
  expect_values(cl.sum({1}), n.sum({1}).tolist<double>());
  expect_values(cl.mean({2, 3}), n.mean({2, 3}).tolist<double>());
  // expanded: stride 0 along the reduced dim
  Tensor e = make({1, 2, 3}, {3, 1}).expand({3, 4});
  expect_values(e.sum({1}), {4, 8, 12});
  expect_values(e.sum({0}), {6, 6, 6, 6});
  expect_values(e.sum(), {24});
}

TEST(reduce, SumNarrowOuterBlocks) {
  // Few kept columns and many rows (the register-blocked outer path):
  // column c of arange(R * W).view(R, W) sums to W * R(R-1)/2 + R * c.
  for (int64_t w : {16, 32, 48, 64}) {
    SCOPED_TRACE(w);
    const int64_t rows = 300;
    Tensor x = arange(rows * w, {.dtype = kFloat32}).reshape({rows, w});
    std::vector<double> want, mx;
    for (int64_t c = 0; c < w; ++c) {
      want.push_back(static_cast<double>(w) * rows * (rows - 1) / 2 +
                     static_cast<double>(rows) * c);
      mx.push_back(static_cast<double>((rows - 1) * w + c));
    }
    expect_values(x.sum({0}), want);
    expect_values(x.to(kInt32).sum({0}), want);
    expect_values(x.amax({0}), mx);
    // half rounding is monotonic: the max of the rounded values is the rounded max
    expect_values(x.to(kFloat16).amax({0}), make(mx).to(kFloat16).tolist<double>());
  }
  std::vector<double> v(64 * 40, 1.0);
  v[17 * 64 + 5] = kNaN;
  Tensor y = make(v, {40, 64});
  Tensor m = y.amax({0});
  EXPECT_TRUE(std::isnan(m.tolist<double>()[5]));
  EXPECT_EQ(m.tolist<double>()[6], 1.0);
  expect_values(y.all(0).sum(), {64});
  expect_values(make(std::vector<double>(64 * 40, 0.0), {40, 64}, kUInt8).any(0).sum(), {0});
}

TEST(reduce, SumLargeFloat32IsAccurate) {
  // 2^24 + 3 copies of 0.1f: a naive running float sum ends several percent
  // off; a cascaded sum stays within a few ulp of the exact value.
  const int64_t n = (1 << 24) + 3;
  Tensor x = full({n}, 0.1, {.dtype = kFloat32});
  const double exact = static_cast<double>(0.1f) * static_cast<double>(n);
  EXPECT_NEAR(x.sum().item<double>(), exact, exact * 1e-6);
  // the same along an outer dim (rows accumulated into a vector of outputs)
  Tensor y = full({(1 << 20) + 1, 3}, 0.1, {.dtype = kFloat32});
  const double ey = static_cast<double>(0.1f) * static_cast<double>((1 << 20) + 1);
  expect_values(y.sum({0}), {ey, ey, ey}, 1e-6);
  // and a half tensor accumulates in float
  Tensor h = full({60000}, 1.0, {.dtype = kFloat16});
  expect_values(h.sum(), {60000});  // a half accumulator would stall at 2048
}

TEST(reduce, SumParallelSplitPaths) {
  // Few outputs and much to reduce: the reduced range is split across threads.
  const int64_t n = 300001;
  Tensor a = arange(n, {.dtype = kFloat64});
  expect_values(a.sum(), {static_cast<double>(n) * (n - 1) / 2});
  Tensor rows = arange(3 * n, {.dtype = kInt64}).reshape({3, n});
  const double base = static_cast<double>(n) * (n - 1) / 2;
  expect_values(rows.sum({1}), {base, base + double(n) * n, base + 2.0 * n * n});
  Tensor cols = rows.t();  // reduce dim 0 of (n, 3): outer pattern, split rows
  expect_values(cols.sum({0}), {base, base + double(n) * n, base + 2.0 * n * n});
  Tensor c = rows.t().contiguous();
  expect_values(c.sum({0}), {base, base + double(n) * n, base + 2.0 * n * n});
  auto [v, i] = c.max(0);
  expect_values(v, {double(n - 1), double(2 * n - 1), double(3 * n - 1)});
  expect_ints(i, {n - 1, n - 1, n - 1});
  expect_ints(a.argmax(), {n - 1});
  expect_ints(a.argmin(), {0});
  // ties and NaNs across the split chunks: the first index wins
  std::vector<double> ones(2 * 300000, 1.0);
  ones[2 * 250000 + 1] = kNaN;
  ones[2 * 280000 + 1] = kNaN;
  Tensor tie = make(ones, {300000, 2});
  auto [tv, ti] = tie.max(0);
  expect_values(tv, {1, kNaN});
  expect_ints(ti, {0, 250000});
  expect_ints(tie.argmin(0), {0, 250000});
  expect_ints(tie.t().argmax(1), {0, 250000});
  // several reduced dims that do not coalesce (a step slice), one output
  Tensor st = arange(2000000, {.dtype = kFloat64}).reshape({1000, 2000}).slice(1, 0, 2000, 2);
  expect_values(st.sum(), {999999000000.0});
  expect_values(st.sum({1}).slice(0, 0, 3), {999000, 2999000, 4999000});
  expect_values(st.var(), {333333666669.33185}, 1e-9);
  // the outer pattern with a per-output mean (var) over a split range
  Tensor w = arange(600000, {.dtype = kFloat64}).reshape({200000, 3});
  expect_values(w.var(dims({0})), {30000150000.0, 30000150000.0, 30000150000.0}, 1e-9);
  expect_values(w.std(dims({0}), 0), {173205.08075472267, 173205.08075472267, 173205.08075472267},
                1e-9);
}

TEST(reduce, SumEmptyAndZeroDim) {
  Tensor e = empty({0, 3}, {.dtype = kFloat32});
  expect_values(e.sum(), {0});
  expect_values(e.sum({0}), {0, 0, 0});
  EXPECT_EQ(shape_of(e.sum({1})), dims({0}));
  expect_ints(empty({2, 0}, {.dtype = kInt32}).sum({1}), {0, 0});
  Tensor s = scalar(3.5);
  expect_values(s.sum(), {3.5});
  expect_values(s.sum({0}), {3.5});
  expect_values(s.sum({-1}, true), {3.5});
  EXPECT_EQ(s.sum({0}, true).dim(), 0);
}

TEST(reduce, SumErrors) {
  Tensor x = x23();
  expect_error<IndexError>(
      [&] { x.sum({2}); },
      "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error<IndexError>([&] { x.sum({-3}); }, "Dimension out of range");
  expect_error<RuntimeError>(
      [&] {
        x.sum({1, 1});
      },
      "dim 1 appears multiple times in the list of dims");
  expect_error<RuntimeError>(
      [&] {
        x.sum({1, -1});
      },
      "dim 1 appears multiple times in the list of dims");
  expect_error<IndexError>([&] { scalar(1).sum({1}); }, "but got 1");
  expect_error<RuntimeError>([&] { scalar(1).sum({0, -1}); }, "dim 0 appears multiple times");
}

TEST(reduce, SumMeta) {
  Tensor m = empty({2, 3, 4}, {.dtype = kInt32, .device = Device(DeviceType::Meta)});
  Tensor s = m.sum({1}, true);
  EXPECT_TRUE(s.is_meta());
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(shape_of(s), dims({2, 1, 4}));
  Tensor mf = m.to(kFloat32);
  EXPECT_EQ(shape_of(mf.mean({0, 2})), dims({3}));
  EXPECT_TRUE(mf.var(dims({1})).is_meta());
  EXPECT_EQ(shape_of(mf.norm(2, dims({2}), true)), dims({2, 3, 1}));
  auto [v, i] = mf.max(2);
  EXPECT_TRUE(v.is_meta());
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(shape_of(i), dims({2, 3}));
  EXPECT_EQ(mf.softmax(1).dtype(), kFloat32);
  EXPECT_TRUE(mf.softmax(1).is_meta());
  EXPECT_EQ(shape_of(m.cumsum(0)), dims({2, 3, 4}));
  EXPECT_EQ(m.cumsum(0).dtype(), kInt64);
  EXPECT_EQ(m.all(1).dtype(), kBool);
  EXPECT_EQ(shape_of(mf.logsumexp({0, 1})), dims({4}));
  EXPECT_EQ(shape_of(mf.argmax(std::nullopt, true)), dims({1, 1, 1}));
  EXPECT_EQ(shape_of(mf.amax({0})), dims({3, 4}));
}

// ----------------------------------------------------------------------- mean

TEST(reduce, MeanValues) {
  Tensor x = x23();
  expect_values(x.mean(), {2.5});
  expect_values(x.mean({0}), {1.5, 2.5, 3.5});
  expect_values(x.mean({1}, true), {1, 4});
  EXPECT_EQ(shape_of(x.mean({1}, true)), dims({2, 1}));
  expect_values(x23(kFloat64).mean({-1}), {1, 4});
  // bf16: mean of [1, 2, 4] = 7/3 rounds to 2.328125
  expect_values(make({1, 2, 4}, {3}, kBFloat16).mean(), {2.328125});
  EXPECT_EQ(make({1, 2, 4}, {3}, kFloat16).mean().dtype(), kFloat16);
  Tensor d = x23(kInt64).mean(kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  expect_values(d, {2.5});
  expect_values(x23(kInt32).mean({1}, false, kFloat32), {1, 4});
  expect_values(empty({0}, {.dtype = kFloat32}).mean(), {kNaN});
  expect_values(empty({0, 2}, {.dtype = kFloat32}).mean({0}), {kNaN, kNaN});
}

TEST(reduce, MeanErrors) {
  expect_error<TypeError>([] { x23(kInt64).mean(); },
                          "mean(): could not infer output dtype. Input dtype must be either a "
                          "floating point or complex dtype. Got: Long");
  expect_error<TypeError>([] { make({1}, {1}, kBool).mean(); }, "Got: Bool");
  expect_error<TypeError>(
      [] { x23().mean(kInt64); },
      "Optional dtype must be either a floating point or complex dtype. Got: Long");
  expect_error<TypeError>([] { x23(kUInt8).mean({0}); }, "Got: Byte");
  expect_error<IndexError>([] { x23().mean({5}); }, "Dimension out of range");
}

// ----------------------------------------------------------------------- prod

TEST(reduce, ProdValues) {
  Tensor x = make({1, 2, 3, 4, 5, 6}, {2, 3});
  expect_values(x.prod(), {720});
  expect_values(x.prod(1), {6, 120});
  expect_values(x.prod(0, true), {4, 10, 18});
  EXPECT_EQ(shape_of(x.prod(0, true)), dims({1, 3}));
  expect_values(x.prod(-1), {6, 120});
  EXPECT_EQ(x23(kInt32).prod().dtype(), kInt64);
  expect_ints(x23(kInt32).prod(1), {0, 60});
  expect_ints(make({1, 1, 0}, {3}, kBool).prod(), {0});
  // uint8 result wraps: 16 * 16 * 3 = 768 = 0 mod 256
  expect_values(make({16, 16, 3}, {3}, kUInt8).prod(kUInt8), {0});
  expect_values(make({1, 0.5, 2}, {3}).prod(kBool), {1});
  expect_values(make({1.5, 2}, {2}, kFloat16).prod(), {3});
  expect_values(make({1.5, 2}, {2}, kBFloat16).prod(), {3});
  expect_values(empty({0, 3}, {.dtype = kFloat32}).prod(0), {1, 1, 1});
  expect_values(x.t().prod(1), {4, 10, 18});
  expect_values(scalar(-2).prod(0), {-2});
}

TEST(reduce, ProdErrors) {
  expect_error<IndexError>([] { x23().prod(2); }, "Dimension out of range");
}

// ------------------------------------------------------------------- max, min

TEST(reduce, MaxMinFull) {
  Tensor x = make({3, -1, 7, 2}, {2, 2});
  expect_values(x.max(), {7});
  expect_values(x.min(), {-1});
  expect_values(ember::max(x), {7});
  expect_values(ember::min(x), {-1});
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(to_string(dt));
    const bool b = dt == kBool;
    Tensor t = make({b ? 0.0 : 3, 1, b ? 0.0 : 5, b ? 0.0 : 2}, {2, 2}, dt);
    EXPECT_EQ(t.max().dtype(), dt);
    expect_values(t.max(), {b ? 1.0 : 5});
    expect_values(t.min(), {b ? 0.0 : 1});
    expect_values(t.amax({1}), {b ? 1.0 : 3, b ? 0.0 : 5});
    expect_values(t.amin({0}), {b ? 0.0 : 3, b ? 0.0 : 1});
  }
  expect_values(make({-128, 127}, {2}, kInt8).min(), {-128});
  expect_values(make({0, 255}, {2}, kUInt8).max(), {255});
}

TEST(reduce, MaxMinNaNPropagates) {
  Tensor x = make({1, kNaN, 3}, {3});
  expect_values(x.max(), {kNaN});
  expect_values(x.min(), {kNaN});
  expect_values(x.amax({0}), {kNaN});
  expect_values(make({1, kNaN}, {2}, kFloat16).max(), {kNaN});
  expect_values(make({kNaN, 1}, {2}, kBFloat16).min(), {kNaN});
  // in one column only
  Tensor y = make({1, 2, kNaN, 0, 5, 1}, {3, 2});
  expect_values(y.amax({0}), {kNaN, 2});
  expect_values(y.amin({0}), {kNaN, 0});
  auto [v, i] = make({1, kNaN, 3, kNaN}, {4}).max(0);
  expect_values(v, {kNaN});
  expect_ints(i, {1});
  auto [v2, i2] = y.min(0);
  expect_values(v2, {kNaN, 0});
  expect_ints(i2, {1, 1});
  // long rows take the vectorised two-pass path
  std::vector<double> big(1000, 1.0);
  big[700] = kNaN;
  big[900] = kNaN;
  expect_ints(make(big).argmax(0), {700});
  expect_ints(make(big).argmin(0), {700});
  expect_values(make(big).amax({0}), {kNaN});
  Tensor cols = make(big).reshape({250, 4});  // NaN at rows 175 (col 0) and 225 (col 0)
  expect_ints(cols.argmax(0), {175, 0, 0, 0});
}

TEST(reduce, MaxMinWithDim) {
  Tensor x = make({3, 1, 3, 0, 5, 5}, {2, 3});
  auto [v, i] = x.max(1);
  expect_values(v, {3, 5});
  expect_ints(i, {0, 1});  // ties: the first index
  auto [v0, i0] = x.min(0, true);
  EXPECT_EQ(shape_of(v0), dims({1, 3}));
  expect_values(v0, {0, 1, 3});
  expect_ints(i0, {1, 0, 0});
  auto [vn, in] = x.max(-1, true);
  EXPECT_EQ(shape_of(in), dims({2, 1}));
  expect_ints(in, {0, 1});
  EXPECT_EQ(i.dtype(), kInt64);
  auto [vb, ib] = make({0, 1, 1}, {3}, kBool).max(0);
  EXPECT_EQ(vb.dtype(), kBool);
  expect_values(vb, {1});
  expect_ints(ib, {1});
  auto [vi, ii] = make({1, 5, 7, -2}, {2, 2}, kInt8).max(1);
  EXPECT_EQ(vi.dtype(), kInt8);
  expect_values(vi, {5, 7});
  expect_ints(ii, {1, 0});
  // 0-dim: dim 0 or -1, index 0
  auto [vs, is] = scalar(4).max(0);
  expect_values(vs, {4});
  expect_ints(is, {0});
  EXPECT_EQ(is.dim(), 0);
  // a size-1 dim
  auto [v1, i1] = make({4, 2}, {2, 1}).min(1);
  expect_values(v1, {4, 2});
  expect_ints(i1, {0, 0});
  // an empty kept dim gives empty results
  auto [ve, ie] = empty({0, 3}, {.dtype = kFloat32}).max(1);
  EXPECT_EQ(shape_of(ve), dims({0}));
  EXPECT_EQ(ie.numel(), 0);
}

TEST(reduce, MaxMinEveryDTypeWithDim) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(to_string(dt));
    const bool b = dt == kBool;
    // [[2, 7, 7], [9, 1, 9]] (bool: [[0, 1, 1], [1, 0, 1]])
    Tensor t = make({b ? 0.0 : 2, b ? 1.0 : 7, b ? 1.0 : 7, b ? 1.0 : 9, b ? 0.0 : 1, b ? 1.0 : 9},
                    {2, 3}, dt);
    auto [v, i] = t.max(1);
    expect_values(v, {b ? 1.0 : 7, b ? 1.0 : 9});
    expect_ints(i, {1, 0});
    auto [w, j] = t.min(0);
    expect_values(w, {b ? 0.0 : 2, b ? 0.0 : 1, b ? 1.0 : 7});
    expect_ints(j, {0, 1, 0});
    if (!b) {
      expect_ints(t.argmax(1), {1, 0});
      expect_ints(t.argmin(), {4});
      expect_ints(t.t().argmax(0), {1, 0});
    }
  }
}

TEST(reduce, MaxMinStridedAndChannelsLast) {
  Tensor n = arange(24, {.dtype = kFloat32}).reshape({2, 3, 2, 2});
  Tensor cl = n.contiguous(kChannelsLast);
  auto [v, i] = cl.max(1);
  expect_values(v, {8, 9, 10, 11, 20, 21, 22, 23});
  expect_ints(i, {2, 2, 2, 2, 2, 2, 2, 2});
  expect_values(cl.amax({0, 2, 3}), {15, 19, 23});
  expect_values(cl.amin({1, 2, 3}, true), {0, 12});
  Tensor t = n.reshape({6, 4}).t();  // (4, 6), element (c, r) = 4r + c
  auto [tv, ti] = t.min(1);
  expect_values(tv, {0, 1, 2, 3});
  expect_ints(ti, {0, 0, 0, 0});
  expect_ints(t.argmax(1), {5, 5, 5, 5});
  // flattened argmax follows the logical (not memory) order: t[0, 5] = 20 is
  // at flat index 5, while t[3, 5] = 23 is the max at flat index 23.
  expect_ints(t.argmax(), {23});
  expect_ints(t.argmin(), {0});
  Tensor s = arange(10, {.dtype = kFloat32}).slice(0, 1, 10, 3);  // 1, 4, 7
  expect_ints(s.argmax(0), {2});
  expect_values(s.max(), {7});
}

TEST(reduce, MaxMinErrors) {
  Tensor e = empty({0, 3}, {.dtype = kFloat32});
  expect_error<RuntimeError>(
      [&] { e.max(); },
      "max(): Expected reduction dim to be specified for input.numel() == 0. "
      "Specify the reduction dim with the 'dim' argument.");
  expect_error<RuntimeError>([&] { e.min(); }, "min(): Expected reduction dim to be specified");
  expect_error<RuntimeError>([&] { e.amax(); }, "amax(): Expected reduction dim to be specified");
  expect_error<IndexError>([&] { e.max(0); },
                           "max(): Expected reduction dim 0 to have non-zero size.");
  expect_error<IndexError>([&] { e.min(-2); },
                           "min(): Expected reduction dim 0 to have non-zero size.");
  expect_error<IndexError>(
      [&] {
        e.amax({1, 0});
      },
      "amax(): Expected reduction dim 0 to have non-zero size.");
  expect_error<IndexError>([&] { e.amin({-2}); },
                           "amin(): Expected reduction dim -2 to have non-zero size.");
  expect_error<IndexError>(
      [&] { e.argmax(); },
      "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
  expect_error<IndexError>([&] { e.argmin(0); },
                           "argmin(): Expected reduction dim 0 to have non-zero size.");
  expect_error<TypeError>(
      [] {
        make({1, 0}, {2}, kBool).argmax();
      },
      "\"argmax_cpu\" not implemented for 'Bool'");
  expect_error<TypeError>(
      [] {
        make({1, 0}, {2}, kBool).argmin(0);
      },
      "\"argmin_cpu\" not implemented");
  expect_error<IndexError>([] { x23().max(2); }, "Dimension out of range");
  expect_error<IndexError>([] { x23().argmax(-3); }, "Dimension out of range");
  expect_error<IndexError>([] { scalar(1).max(1); }, "Dimension out of range");
  expect_error<RuntimeError>([] { x23().amax({0, -2}); }, "dim 0 appears multiple times");
  // a reduction over a kept zero-size dim is fine
  EXPECT_EQ(e.amax({1}).numel(), 0);
  EXPECT_EQ(e.argmax(1).numel(), 0);
}

TEST(reduce, ArgMaxKeepdimAndDims) {
  Tensor x = make({1, 9, 3, 8, 2, 7}, {2, 3});
  expect_ints(x.argmax(), {1});
  expect_ints(x.argmin(), {0});
  Tensor k = x.argmax(std::nullopt, true);
  EXPECT_EQ(shape_of(k), dims({1, 1}));
  expect_ints(k, {1});
  expect_ints(x.argmax(0), {1, 0, 1});
  expect_ints(x.argmin(1, true), {0, 1});
  EXPECT_EQ(shape_of(x.argmin(1, true)), dims({2, 1}));
  expect_ints(ember::argmax(x, -1), {1, 0});
  expect_ints(scalar(2).argmax(), {0});
  expect_ints(scalar(2).argmax(0, true), {0});
  expect_ints(make({3, 3, 1}, {3}).argmax(), {0});
  expect_ints(make({1, 1, 3}, {3}).argmin(), {0});
  expect_ints(make({1, 5, 5}, {3}, kFloat16).argmax(), {1});
}

// -------------------------------------------------------------------- var, std

TEST(reduce, VarStdValues) {
  Tensor x = make({1, 2, 3, 4});
  expect_values(x.var(), {5.0 / 3});
  expect_values(x.var(std::nullopt, 0), {1.25});
  expect_values(x.var(std::nullopt, 2), {2.5});
  expect_values(x.std(std::nullopt, 0), {std::sqrt(1.25)});
  expect_values(x.std(), {std::sqrt(5.0 / 3)});
  Tensor y = make({1, 2, 3, 4, 6, 8}, {2, 3});
  expect_values(y.var(dims({1})), {1, 4});
  expect_values(y.var(dims({0})), {4.5, 8, 12.5});
  expect_values(y.var(dims({-1}), 0, true), {2.0 / 3, 8.0 / 3});
  EXPECT_EQ(shape_of(y.var(dims({-1}), 0, true)), dims({2, 1}));
  expect_values(y.std(dims({0, 1})), {std::sqrt(6.8)});  // mean 4, ss = 9+4+1+0+4+16 = 34
  expect_values(y.var(dims({})), {6.8});                 // empty list: every dim
  expect_values(y.t().var(dims({0})), {1, 4});
  expect_values(y.var(dims({1}), 1, false), {1, 4});
  expect_values(make({1, 2, 3, 4, 6, 8}, {2, 3}, kFloat64).var(dims({1})), {1, 4}, 1e-12);
  Tensor h = make({1, 2, 3, 4}, {4}, kFloat16);
  EXPECT_EQ(h.var().dtype(), kFloat16);
  expect_values(h.var(), {5.0 / 3}, 1e-3);
  expect_values(make({1, 2, 3, 4}, {4}, kBFloat16).std(std::nullopt, 0), {1.1171875});
}

TEST(reduce, VarStdCorrectionAtOrAboveN) {
  Tensor x = make({1, 2, 3});
  expect_values(x.var(std::nullopt, 3), {kInf});  // divisor 0, sum of squares > 0
  expect_values(x.var(std::nullopt, 5), {kInf});
  expect_values(make({2}).var(), {kNaN});  // 0 / 0
  expect_values(scalar(2).var(), {kNaN});
  expect_values(empty({0}, {.dtype = kFloat32}).var(), {kNaN});
  expect_values(empty({0, 2}, {.dtype = kFloat32}).std(dims({0})), {kNaN, kNaN});
}

TEST(reduce, VarStdMeanTuples) {
  Tensor y = make({1, 2, 3, 4, 6, 8}, {2, 3});
  auto [v, m] = var_mean(y, dims({1}));
  expect_values(v, {1, 4});
  expect_values(m, {2, 6});
  auto [s, m2] = std_mean(y, std::nullopt, 0, true);
  EXPECT_EQ(shape_of(s), dims({1, 1}));
  expect_values(s, {std::sqrt(34.0 / 6)});
  expect_values(m2, {4});
  auto [hv, hm] = var_mean(make({1, 2, 3, 4}, {4}, kFloat16));
  EXPECT_EQ(hm.dtype(), kFloat16);
  expect_values(hm, {2.5});
  expect_values(ember::var(y, dims({0}), 0), {2.25, 4, 6.25});
  expect_values(ember::std(y, dims({0}), 0), {1.5, 2, 2.5});
}

TEST(reduce, VarStdErrors) {
  expect_error<TypeError>([] { x23(kInt64).var(); },
                          "std and var only support floating point and complex dtypes");
  expect_error<TypeError>([] { make({1}, {1}, kBool).std(); },
                          "std and var only support floating point");
  expect_error<TypeError>([] { var_mean(x23(kInt32)); },
                          "var_mean only support floating point and complex dtypes");
  expect_error<TypeError>([] { std_mean(x23(kInt32)); },
                          "std_mean only support floating point and complex dtypes");
  expect_error<IndexError>([] { x23().var(dims({2})); }, "Dimension out of range");
  expect_error<RuntimeError>([] { x23().std(dims({1, -1})); }, "dim 1 appears multiple times");
}

// ----------------------------------------------------------------------- norm

TEST(reduce, NormEveryP) {
  Tensor x = make({3, -4, 0, 1});
  expect_values(x.norm(), {std::sqrt(26.0)});
  expect_values(x.norm(2), {std::sqrt(26.0)});
  expect_values(x.norm(1), {8});
  expect_values(x.norm(kInf), {4});
  expect_values(x.norm(-kInf), {0});
  expect_values(x.norm(0), {3});
  expect_values(x.norm(3), {std::cbrt(27.0 + 64 + 1)});
  expect_values(make({1, 4}).norm(0.5), {9});
  expect_values(make({1, 4}).norm(-1), {0.8});
  expect_values(make({0, 4}).norm(-2), {0});
  expect_values(make({1, 4}).norm(-kInf), {1});
  expect_values(make({0, -4, kNaN}).norm(0), {2});
  expect_values(make({1, kNaN}).norm(kInf), {kNaN});
  expect_values(make({1, kNaN}).norm(-kInf), {kNaN});
  expect_values(make({1, kNaN}).norm(), {kNaN});
}

TEST(reduce, NormDimsKeepdimDTypes) {
  Tensor y = make({1, -5, 3, 2}, {2, 2});
  expect_values(y.norm(kInf, dims({1})), {5, 3});
  expect_values(y.norm(1, dims({0}), true), {4, 7});
  EXPECT_EQ(shape_of(y.norm(1, dims({0}), true)), dims({1, 2}));
  expect_values(y.norm(2, dims({0, 1})), {std::sqrt(39.0)});
  expect_values(y.norm(2, dims({})), {std::sqrt(39.0)});
  expect_values(y.t().norm(1, dims({1})), {4, 7});
  Tensor h = make({1, -2}, {2}, kFloat16);
  EXPECT_EQ(h.norm(1).dtype(), kFloat16);
  expect_values(h.norm(1), {3});
  expect_values(make({3, 4}, {2}, kBFloat16).norm(), {5});
  expect_values(make({3, 4}, {2}, kFloat64).norm(), {5});
  expect_values(ember::norm(y, 1), {11});
  // empty: 0 for every p (as PyTorch 1.13)
  for (double p : {2.0, 1.0, 0.0, kInf, -kInf, 3.0, -1.0})
    expect_values(empty({0, 2}, {.dtype = kFloat32}).norm(p, dims({0})), {0, 0});
}

TEST(reduce, NormErrors) {
  expect_error<TypeError>(
      [] { x23(kInt64).norm(); },
      "norm(): input dtype should be either floating point or complex. Got Long instead.");
  expect_error<TypeError>([] { make({1}, {1}, kBool).norm(1); }, "Got Bool instead.");
  expect_error<IndexError>([] { x23().norm(2, dims({3})); }, "Dimension out of range");
}

// ------------------------------------------------------------------ logsumexp

TEST(reduce, LogSumExpValues) {
  Tensor x = x23();
  expect_values(x.logsumexp({1}), {2.4076059644, 5.4076059644});
  expect_values(x.logsumexp({0}), {3.0485873516, 4.0485873516, 5.0485873516});
  expect_values(x.logsumexp({0, 1}), {5.4561963953});
  expect_values(x.logsumexp(IntArrayRef{}), {5.4561963953});
  EXPECT_EQ(shape_of(x.logsumexp({1}, true)), dims({2, 1}));
  // stable with large values
  expect_values(make({1000, 1000}).logsumexp({0}), {1000 + std::log(2.0)});
  expect_values(make({-1000, -1000}, {2}, kFloat64).logsumexp({0}), {-1000 + std::log(2.0)}, 1e-12);
  expect_values(make({-kInf, -kInf}).logsumexp({0}), {-kInf});
  expect_values(make({kInf, 1}).logsumexp({0}), {kInf});
  expect_values(make({kNaN, 1}).logsumexp({0}), {kNaN});
  // integers and bool compute in the default dtype
  Tensor i = x23(kInt64).logsumexp({1});
  EXPECT_EQ(i.dtype(), kFloat32);
  expect_values(i, {2.4076059644, 5.4076059644});
  expect_values(make({1, 0}, {2}, kBool).logsumexp({0}), {std::log(1 + std::exp(1.0))});
  EXPECT_EQ(x23(kBFloat16).logsumexp({1}).dtype(), kBFloat16);
  expect_values(x23(kFloat16).logsumexp({1}), {2.4076059644, 5.4076059644}, 1e-3);
  expect_values(scalar(2).logsumexp({0}), {2});
  expect_values(empty({0, 3}, {.dtype = kFloat32}).logsumexp({0}), {-kInf, -kInf, -kInf});
  EXPECT_EQ(empty({0, 3}, {.dtype = kFloat32}).logsumexp({1}).numel(), 0);
  expect_values(ember::logsumexp(x.t(), {0}), {2.4076059644, 5.4076059644});
}

TEST(reduce, LogSumExpErrors) {
  expect_error<IndexError>([] { x23().logsumexp({3}); }, "Dimension out of range");
  expect_error<RuntimeError>([] { x23().logsumexp({0, 0}); }, "dim 0 appears multiple times");
}

// ------------------------------------------------------------------- all, any

TEST(reduce, AllAnyValues) {
  Tensor x = make({1, 0, 2, 3}, {2, 2});
  expect_values(x.all(), {0});
  expect_values(x.any(), {1});
  EXPECT_EQ(x.all().dtype(), kBool);
  expect_values(x.all(0), {1, 0});
  expect_values(x.all(1, true), {0, 1});
  EXPECT_EQ(shape_of(x.all(1, true)), dims({2, 1}));
  expect_values(x.any(-1), {1, 1});
  expect_values(make({0, 0, 0, 1}, {2, 2}).any(1), {0, 1});
  expect_values(ember::all(x.t(), 1), {1, 0});
  expect_values(ember::any(x), {1});
  // -0.0 is false, NaN is true
  expect_values(make({-0.0, 0.0}).any(), {0});
  expect_values(make({kNaN, 1}).all(), {1});
  expect_values(make({-0.0, 1}, {2}, kFloat16).all(), {0});
  expect_values(make({kNaN}, {1}, kBFloat16).any(), {1});
  expect_values(make({-0.0}, {1}, kFloat64).any(), {0});
  // uint8 gives uint8
  Tensor u = make({1, 2, 0}, {3}, kUInt8);
  EXPECT_EQ(u.all().dtype(), kUInt8);
  EXPECT_EQ(u.any(0, true).dtype(), kUInt8);
  expect_values(u.all(), {0});
  expect_values(u.any(0, true), {1});
  expect_values(empty({0}, {.dtype = kFloat32}).all(), {1});
  expect_values(empty({0}, {.dtype = kFloat32}).any(), {0});
  expect_values(empty({2, 0}, {.dtype = kFloat32}).all(1), {1, 1});
  expect_values(empty({2, 0}, {.dtype = kFloat32}).any(1), {0, 0});
  expect_values(scalar(1).all(0), {1});
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(to_string(dt));
    Tensor t = make({1, 0, 1, 1}, {2, 2}, dt);
    expect_values(t.all(1), {0, 1});
    expect_values(t.any(0), {1, 1});
    expect_values(t.all(), {0});
  }
  // 256 is non-zero in int16/int32 even though its low byte is 0
  expect_values(make({256, 512}, {2}, kInt16).all(), {1});
  expect_values(make({65536}, {1}, kInt32).any(), {1});
  expect_values(make({4294967296.0}, {1}, kInt64).any(), {1});
}

TEST(reduce, AllAnyErrors) {
  expect_error<IndexError>([] { x23().all(2); }, "Dimension out of range");
  expect_error<IndexError>([] { scalar(1).any(1); }, "Dimension out of range");
}

// -------------------------------------------------------------------- softmax

TEST(reduce, SoftmaxValues) {
  Tensor x = x23();
  const double a = 0.0900305732, b = 0.2447284711, c = 0.6652409558;
  expect_values(x.softmax(1), {a, b, c, a, b, c});
  expect_values(x.softmax(-1), {a, b, c, a, b, c});
  const double p = 0.0474258732, q = 0.9525741268;
  expect_values(x.softmax(0), {p, p, p, q, q, q});
  expect_values(x.log_softmax(1), {-2.4076059644, -1.4076059644, -0.4076059644, -2.4076059644,
                                   -1.4076059644, -0.4076059644});
  expect_values(x.log_softmax(0),
                {std::log(p), std::log(p), std::log(p), std::log(q), std::log(q), std::log(q)});
  expect_values(ember::softmax(x, 1), {a, b, c, a, b, c});
  expect_values(ember::log_softmax(x23(kFloat64), 0),
                {std::log(p), std::log(p), std::log(p), std::log(q), std::log(q), std::log(q)},
                1e-9);
  // long rows (vector paths and tails)
  Tensor z = full({3, 1000}, 2.0, {.dtype = kFloat32});
  expect_values(z.softmax(1).sum({1}), {1, 1, 1}, 1e-5);
  expect_values(z.softmax(0).amax(), {1.0 / 3});
  expect_values(z.log_softmax(1).amin(), {-std::log(1000.0)}, 1e-5);
}

TEST(reduce, SoftmaxStabilityNaNInf) {
  expect_values(make({1000, 1001}).softmax(0), {0.2689414214, 0.7310585786});
  expect_values(make({-1000, -1001}).log_softmax(0), {-0.3132616875, -1.3132616875});
  expect_values(make({-kInf, 1}).log_softmax(0), {-kInf, 0});
  expect_values(make({-kInf, 1}).softmax(0), {0, 1});
  expect_values(make({-kInf, -kInf}).softmax(0), {kNaN, kNaN});
  expect_values(make({kNaN, 1}).softmax(0), {kNaN, kNaN});
  expect_values(make({kInf, 1}).softmax(0), {kNaN, kNaN});
  expect_values(make({kInf, 1}).log_softmax(0), {kNaN, kNaN});
  expect_values(scalar(3).softmax(0), {1});
  expect_values(scalar(3).log_softmax(-1), {0});
  expect_values(scalar(kInf).softmax(0), {kNaN});
  // underflow of exp gives exact zeros
  expect_values(make({0, -200}).softmax(0), {1, 0});
}

TEST(reduce, SoftmaxLayoutsAndDTypes) {
  std::vector<double> v(2 * 3 * 4 * 5);
  for (size_t k = 0; k < v.size(); ++k) v[k] = 0.05 * static_cast<double>((k * 37) % 101);
  Tensor n = make(v, {2, 3, 4, 5});
  Tensor cl = n.contiguous(kChannelsLast);
  for (int64_t d = 0; d < 4; ++d) {
    SCOPED_TRACE(d);
    Tensor want = n.softmax(d);
    Tensor got = cl.softmax(d);
    EXPECT_TRUE(got.is_contiguous());  // PyTorch's CPU softmax returns contiguous
    expect_values(got, want.tolist<double>());
    expect_values(n.permute({3, 1, 0, 2}).log_softmax(1),
                  n.log_softmax(1).permute({3, 1, 0, 2}).contiguous().tolist<double>());
  }
  // sliced with a step
  Tensor s = x23().slice(1, 0, 3, 2);  // [[0, 2], [3, 5]]
  expect_values(s.softmax(1), {0.1192029220, 0.8807970780, 0.1192029220, 0.8807970780});
  expect_values(s.softmax(0), {0.0474258732, 0.0474258732, 0.9525741268, 0.9525741268});
  // expanded input
  Tensor e = make({1, 2}, {2, 1}).expand({2, 3});
  expect_values(e.softmax(1), std::vector<double>(6, 1.0 / 3));
  // dtype argument casts the input first
  Tensor i = x23(kInt64).softmax(1, kFloat64);
  EXPECT_EQ(i.dtype(), kFloat64);
  expect_values(
      i, {0.0900305732, 0.2447284711, 0.6652409558, 0.0900305732, 0.2447284711, 0.6652409558},
      1e-9);
  EXPECT_EQ(x23().softmax(1, kBFloat16).dtype(), kBFloat16);
  // Half and BFloat16 compute in float
  expect_values(
      x23(kFloat16).softmax(1),
      {0.0900305732, 0.2447284711, 0.6652409558, 0.0900305732, 0.2447284711, 0.6652409558}, 1e-3);
  expect_values(
      x23(kBFloat16).log_softmax(0),
      {-3.0485873516, -3.0485873516, -3.0485873516, -0.0485873516, -0.0485873516, -0.0485873516},
      1e-2);
  EXPECT_EQ(empty({0, 3}, {.dtype = kFloat32}).softmax(0).numel(), 0);
}

TEST(reduce, SoftmaxErrors) {
  expect_error<TypeError>([] { x23(kInt64).softmax(1); },
                          "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  expect_error<TypeError>([] { x23(kInt64).softmax(0); },
                          "\"softmax_kernel_impl\" not implemented for 'Long'");
  expect_error<TypeError>([] { x23(kInt64).log_softmax(-1); },
                          "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  expect_error<TypeError>([] { x23().softmax(1, kInt32); }, "not implemented for 'Int'");
  expect_error<TypeError>([] { scalar(1, kBool).softmax(0); }, "not implemented for 'Bool'");
  expect_error<IndexError>(
      [] { x23().softmax(2); },
      "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error<IndexError>([] { scalar(1).log_softmax(1); }, "Dimension out of range");
}

// --------------------------------------------------------------------- cumsum

TEST(reduce, CumsumValues) {
  Tensor x = x23();
  expect_values(x.cumsum(1), {0, 1, 3, 3, 7, 12});
  expect_values(x.cumsum(0), {0, 1, 2, 3, 5, 7});
  expect_values(x.cumsum(-1), {0, 1, 3, 3, 7, 12});
  expect_values(x.t().cumsum(1), {0, 3, 1, 5, 2, 7});
  expect_values(x.t().cumsum(0), {0, 3, 1, 7, 3, 12});
  EXPECT_TRUE(x.t().cumsum(0).is_contiguous());
  expect_values(ember::cumsum(x, 0), {0, 1, 2, 3, 5, 7});
  Tensor i = x23(kInt32).cumsum(1);
  EXPECT_EQ(i.dtype(), kInt64);
  expect_ints(i, {0, 1, 3, 3, 7, 12});
  Tensor b = make({1, 0, 1}, {3}, kBool).cumsum(0);
  EXPECT_EQ(b.dtype(), kInt64);
  expect_ints(b, {1, 1, 2});
  expect_ints(make({100, 100}, {2}, kInt8).cumsum(0), {100, 200});
  Tensor w = make({100, 100}, {2}, kInt8).cumsum(0, kInt8);  // wraps as int8
  EXPECT_EQ(w.dtype(), kInt8);
  expect_values(w, {100, -56});
  expect_ints(make({1.5, 0.7, 2.2}).cumsum(0, kInt64), {1, 1, 3});  // cast first
  Tensor f = x23(kInt64).cumsum(1, kFloat32);
  EXPECT_EQ(f.dtype(), kFloat32);
  expect_values(f, {0, 1, 3, 3, 7, 12});
  expect_values(make({1, kNaN, 1}).cumsum(0), {1, kNaN, kNaN});
  expect_values(x23(kFloat16).cumsum(1), {0, 1, 3, 3, 7, 12});
  expect_values(x23(kBFloat16).cumsum(0), {0, 1, 2, 3, 5, 7});
  expect_values(x23(kFloat64).cumsum(0), {0, 1, 2, 3, 5, 7});
  expect_values(scalar(3).cumsum(0), {3});
  EXPECT_EQ(scalar(3, kInt32).cumsum(-1).dtype(), kInt64);
  EXPECT_EQ(shape_of(empty({2, 0}, {.dtype = kFloat32}).cumsum(1)), dims({2, 0}));
  Tensor cl = arange(24, {.dtype = kFloat32}).reshape({2, 3, 2, 2}).contiguous(kChannelsLast);
  expect_values(cl.cumsum(1).select(1, 2), {12, 15, 18, 21, 48, 51, 54, 57});
  // float32 accumulates in double: 2^24 + 1 steps of 1 stay exact
  Tensor big = full({(1 << 24) + 2}, 1.0, {.dtype = kFloat32});
  Tensor cs = big.cumsum(0);
  EXPECT_EQ(cs.tolist<float>().back(), static_cast<float>((1 << 24) + 2));
}

TEST(reduce, CumsumErrors) {
  expect_error<TypeError>([] { x23().cumsum(0, kBool); },
                          "\"cumsum_out_cpu\" not implemented for 'Bool'");
  expect_error<IndexError>([] { x23().cumsum(2); }, "Dimension out of range");
  expect_error<IndexError>([] { scalar(1).cumsum(1); }, "but got 1");
}
