#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "kernels/cpu/random.h"

using namespace ember;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats(const Tensor& t) {
  auto v = t.tolist<double>();
  Stats s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / v.size();
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(ss / (v.size() - 1));
  return s;
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

// Runs f with n threads, restoring the previous count.
template <typename F>
auto with_threads(int n, F&& f) {
  const int old = get_num_threads();
  set_num_threads(n);
  auto r = f();
  set_num_threads(old);
  return r;
}

}  // namespace

// ---- the counter contract: element i uses counter offset + i / k

TEST(random, FloatUniformUsesOneWordPerElement) {
  Generator g(1234);
  g.set_offset(7);
  Tensor x = rand({10}, {}, &g);
  EXPECT_EQ(g.offset(), 7u + 3u);  // ceil(10 / 4) counters reserved
  auto v = x.tolist<float>();
  Generator ref(1234);
  for (int i = 0; i < 10; ++i) {
    auto blk = ref.block(7 + i / 4);
    EXPECT_EQ(v[i], uint32_to_unit_float(blk[i % 4])) << i;
  }
}

TEST(random, DoubleUniformUsesTwoWordsPerElement) {
  Generator g(99);
  Tensor x = rand({5}, {.dtype = kFloat64}, &g);
  EXPECT_EQ(g.offset(), 3u);  // ceil(5 / 2)
  auto v = x.tolist<double>();
  bool finer_than_float = false;
  for (int i = 0; i < 5; ++i) {
    auto blk = g.block(i / 2);
    const int l = 2 * (i % 2);
    const uint64_t bits = uint64_t(blk[l]) | (uint64_t(blk[l + 1]) << 32);
    EXPECT_EQ(v[i], uint64_to_unit_double(bits)) << i;
    const double scaled = v[i] * 16777216.0;
    finer_than_float |= scaled != std::floor(scaled);
  }
  EXPECT_TRUE(finer_than_float);  // 53 random bits, not 24
}

TEST(random, PhiloxBatchMatchesGeneratorBlock) {
  Generator g(0xdeadbeefcafeULL);
  uint32_t words[kernels::kPhiloxBatch * 4];
  const uint64_t c0 = (uint64_t{1} << 32) - 5;  // crosses the 32-bit counter boundary
  kernels::philox_batch(g.initial_seed(), c0, words);
  for (int c = 0; c < kernels::kPhiloxBatch; ++c) {
    auto blk = g.block(c0 + c);
    for (int l = 0; l < 4; ++l) EXPECT_EQ(words[4 * c + l], blk[l]) << c << " " << l;
  }
}

TEST(random, NormalUsesAllLanes) {
  Generator g(5);
  Tensor x = randn({8}, {}, &g);
  EXPECT_EQ(g.offset(), 2u);  // 4 normals per counter for float
  Tensor d = randn({8}, {.dtype = kFloat64}, &g);
  EXPECT_EQ(g.offset(), 2u + 4u);  // 2 per counter for double
  // Box-Muller on words 0 and 1 of counter 0.
  auto blk = Generator(5).block(0);
  const float u1 = uint32_to_unit_float(blk[0]), u2 = uint32_to_unit_float(blk[1]);
  const float r = std::sqrt(-2.0f * std::log(1.0f - u1));
  auto v = x.tolist<float>();
  EXPECT_NEAR(v[0], r * std::cos(6.2831853f * u2), 1e-5);
  EXPECT_NEAR(v[1], r * std::sin(6.2831853f * u2), 1e-5);
}

TEST(random, FloatNormalMatchesExactBoxMuller) {
  // The float path uses its own vectorisable log and sincos: compare with
  // Box-Muller in double on the same words.
  Generator g(77);
  const int64_t n = 100000;
  auto v = randn({n}, {}, &g).tolist<float>();
  Generator ref(77);
  double worst = 0;
  for (int64_t i = 0; i < n; i += 2) {
    auto blk = ref.block(i / 4);
    const int l = i % 4;
    const double u1 = uint32_to_unit_float(blk[l]), u2 = uint32_to_unit_float(blk[l + 1]);
    const double r = std::sqrt(-2.0 * std::log(1.0 - u1));
    const double z0 = r * std::cos(6.283185307179586 * u2),
                 z1 = r * std::sin(6.283185307179586 * u2);
    worst = std::max(worst, std::abs(v[i] - z0) / (1 + std::abs(z0)));
    worst = std::max(worst, std::abs(v[i + 1] - z1) / (1 + std::abs(z1)));
  }
  EXPECT_LT(worst, 2e-6);
}

// ---- statistics over 1e6 samples (bounds are 5 standard errors)

TEST(random, UniformFloatStatistics) {
  manual_seed(1);
  const int64_t n = 1000000;
  Stats s = stats(rand({n}));
  EXPECT_GE(s.min, 0.0);
  EXPECT_LT(s.max, 1.0);
  EXPECT_NEAR(s.mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(s.std, std::sqrt(1.0 / 12), 5 * 1.3e-4);
  EXPECT_LT(s.min, 1e-4);
  EXPECT_GT(s.max, 1 - 1e-4);
}

TEST(random, UniformRangeEveryFloatingDtype) {
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    Tensor t = empty({1000000}, {.dtype = dt});
    t.uniform_(-2, 3);
    EXPECT_EQ(t.dtype(), dt);
    Stats s = stats(t);
    EXPECT_GE(s.min, -2.0) << dt;
    EXPECT_LT(s.max, 3.0) << dt;
    EXPECT_NEAR(s.mean, 0.5, 5 * 5 / std::sqrt(12.0 * 1e6) + (dt == kBFloat16 ? 0.01 : 0)) << dt;
  }
}

TEST(random, UniformHalfNeverReachesTo) {
  // u >= 1 - 2^-12 rounds to 1.0 in half, 1 - 2^-9 in bfloat16: the fill must
  // keep the half-open range anyway.
  for (DType dt : {kFloat16, kBFloat16}) {
    Tensor t = rand({1000000}, {.dtype = dt});
    Stats s = stats(t);
    EXPECT_LT(s.max, 1.0) << dt;
    EXPECT_GE(s.min, 0.0) << dt;
  }
  Tensor f = empty({1000000}).uniform_(1, 2);
  EXPECT_LT(stats(f).max, 2.0);
  EXPECT_GE(stats(f).min, 1.0);
}

TEST(random, UniformEmptyRangeGivesFrom) {
  Tensor t = empty({5}).uniform_(1.5, 1.5);
  for (float v : t.tolist<float>()) EXPECT_EQ(v, 1.5f);
}

TEST(random, NormalStatistics) {
  manual_seed(2);
  const int64_t n = 1000000;
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    Tensor t = randn({n}, {.dtype = dt});
    Stats s = stats(t);
    const double slack = dt == kBFloat16 ? 0.004 : dt == kFloat16 ? 0.001 : 0;
    EXPECT_NEAR(s.mean, 0.0, 5 / std::sqrt(double(n)) + slack) << dt;
    EXPECT_NEAR(s.std, 1.0, 5 / std::sqrt(2.0 * n) + slack) << dt;
    auto v = t.tolist<double>();
    const double within1 =
        std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x) < 1; }) / double(n);
    EXPECT_NEAR(within1, 0.682689, 5 * std::sqrt(0.68 * 0.32 / n) + 2 * slack) << dt;
  }
  Stats s = stats(normal(3, 2, {n}));
  EXPECT_NEAR(s.mean, 3.0, 5 * 2 / std::sqrt(double(n)));
  EXPECT_NEAR(s.std, 2.0, 5 * 2 / std::sqrt(2.0 * n));
  Tensor d = empty({n}, {.dtype = kFloat64}).normal_(-1, 0.5);
  Stats sd = stats(d);
  EXPECT_NEAR(sd.mean, -1.0, 5 * 0.5 / std::sqrt(double(n)));
  EXPECT_NEAR(sd.std, 0.5, 5 * 0.5 / std::sqrt(2.0 * n));
}

TEST(random, NormalZeroStdIsMean) {
  for (float v : empty({7}).normal_(4.25, 0).tolist<float>()) EXPECT_EQ(v, 4.25f);
}

TEST(random, BernoulliScalarFrequency) {
  const int64_t n = 1000000;
  for (DType dt : {kFloat32, kFloat64, kInt64, kUInt8, kBool, kFloat16}) {
    Tensor t = empty({n}, {.dtype = dt}).bernoulli_(0.3);
    auto v = t.tolist<double>();
    int64_t ones = 0;
    for (double x : v) {
      ASSERT_TRUE(x == 0 || x == 1) << x;
      ones += x == 1;
    }
    EXPECT_NEAR(ones / double(n), 0.3, 5 * std::sqrt(0.3 * 0.7 / n)) << dt;
  }
  for (double x : empty({1000}).bernoulli_(0).tolist<double>()) EXPECT_EQ(x, 0);
  for (double x : empty({1000}).bernoulli_(1).tolist<double>()) EXPECT_EQ(x, 1);
  // default p = 0.5
  Tensor h = empty({n}, {.dtype = kInt32}).bernoulli_();
  EXPECT_NEAR(stats(h).mean, 0.5, 5 * 0.5 / std::sqrt(double(n)));
}

TEST(random, BernoulliTensorElementwise) {
  const int64_t n = 500000;
  // row 0: p = 0.25, row 1: p = 0.75, row 2: p = 0, row 3: p = 1
  Tensor p = empty({4, n});
  p.select(0, 0).fill_(0.25);
  p.select(0, 1).fill_(0.75);
  p.select(0, 2).fill_(0.0);
  p.select(0, 3).fill_(1.0);
  Tensor b = bernoulli(p);
  EXPECT_EQ(b.dtype(), kFloat32);
  EXPECT_EQ(b.sizes(), p.sizes());
  EXPECT_NEAR(stats(b.select(0, 0)).mean, 0.25, 5 * std::sqrt(0.25 * 0.75 / n));
  EXPECT_NEAR(stats(b.select(0, 1)).mean, 0.75, 5 * std::sqrt(0.25 * 0.75 / n));
  EXPECT_EQ(stats(b.select(0, 2)).max, 0.0);
  EXPECT_EQ(stats(b.select(0, 3)).min, 1.0);
  for (double x : b.select(0, 0).tolist<double>()) ASSERT_TRUE(x == 0 || x == 1);

  // Transposed (dense) and sliced (non-dense) p: the result follows p's layout
  // and each element follows its own probability.
  Tensor pt = p.narrow(1, 0, 1000).t();  // (1000, 4), non-contiguous
  Tensor bt = bernoulli(pt);
  EXPECT_EQ(bt.sizes(), pt.sizes());
  auto bv = bt.contiguous().tolist<double>();
  for (int64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(bv[i * 4 + 2], 0.0);
    EXPECT_EQ(bv[i * 4 + 3], 1.0);
  }
  Tensor ps = p.slice(1, 0, 2000, 2).t();  // (1000, 4), gaps: not dense
  Tensor bs = bernoulli(ps);
  auto sv = bs.contiguous().tolist<double>();
  for (int64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(sv[i * 4 + 2], 0.0);
    EXPECT_EQ(sv[i * 4 + 3], 1.0);
  }
  for (DType dt : {kFloat64, kBFloat16, kFloat16}) {
    Tensor q = full({3}, 1.0, {.dtype = dt});
    Tensor r = bernoulli(q);
    EXPECT_EQ(r.dtype(), dt);
    EXPECT_EQ(r.tolist<double>(), (std::vector<double>{1, 1, 1}));
  }
}

TEST(random, RandintCoversRange) {
  const int64_t n = 1000000;
  Tensor t = randint(-3, 7, {n});
  EXPECT_EQ(t.dtype(), kInt64);
  auto v = t.tolist<int64_t>();
  std::vector<int64_t> counts(10, 0);
  for (int64_t x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 7);
    ++counts[x + 3];
  }
  for (int64_t c : counts) EXPECT_NEAR(c / double(n), 0.1, 5 * std::sqrt(0.09 / n));

  Tensor h = randint(5, {2, 3});
  EXPECT_EQ(h.sizes(), IntArrayRef({2, 3}));
  for (int64_t x : h.tolist<int64_t>()) EXPECT_TRUE(x >= 0 && x < 5);

  Tensor u = randint(0, 256, {100000}, {.dtype = kUInt8});
  EXPECT_EQ(u.dtype(), kUInt8);
  auto uv = u.tolist<int64_t>();
  std::vector<bool> seen(256, false);
  for (int64_t x : uv) seen[x] = true;
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 256);

  Tensor b = randint(0, 2, {1000}, {.dtype = kBool});
  Stats bs = stats(b);
  EXPECT_EQ(bs.min, 0);
  EXPECT_EQ(bs.max, 1);

  Tensor f = randint(10, 20, {1000}, {.dtype = kFloat32});
  for (double x : f.tolist<double>()) {
    EXPECT_EQ(x, std::floor(x));
    EXPECT_TRUE(x >= 10 && x < 20);
  }
}

TEST(random, RandintWideRanges) {
  const int64_t n = 200000;
  const int64_t lo = -(int64_t{1} << 62), hi = int64_t{1} << 62;  // range 2^63 > 2^32
  Tensor t = randint(lo, hi, {n});
  auto v = t.tolist<int64_t>();
  double mean = 0;
  for (int64_t x : v) {
    ASSERT_GE(x, lo);
    ASSERT_LT(x, hi);
    mean += static_cast<double>(x) / n;
  }
  const double sd = std::ldexp(1.0, 63) / std::sqrt(12.0);
  EXPECT_NEAR(mean, 0.0, 5 * sd / std::sqrt(double(n)));
  // The whole int64 range but the top value.
  Tensor all =
      randint(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), {1000});
  auto av = all.tolist<int64_t>();
  EXPECT_TRUE(std::any_of(av.begin(), av.end(), [](int64_t x) { return x < 0; }));
  EXPECT_TRUE(std::any_of(av.begin(), av.end(), [](int64_t x) { return x > 0; }));
  // float32 with bounds beyond 2^24: integers, inside the range.
  Tensor f = empty({1000}).random_(0, int64_t{1} << 40);
  for (double x : f.tolist<double>()) {
    EXPECT_EQ(x, std::floor(x));
    EXPECT_TRUE(x >= 0 && x < std::ldexp(1.0, 40));
  }
}

TEST(random, RandpermIsPermutation) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{1000}, int64_t{1000003}}) {
    Tensor p = randperm(n);
    EXPECT_EQ(p.dtype(), kInt64);
    EXPECT_EQ(p.sizes(), IntArrayRef({n}));
    auto v = p.tolist<int64_t>();
    std::sort(v.begin(), v.end());
    std::vector<int64_t> want(n);
    std::iota(want.begin(), want.end(), 0);
    EXPECT_EQ(v, want) << n;
  }
  // Not the identity, and a different seed gives a different order.
  manual_seed(3);
  auto a = randperm(100).tolist<int64_t>();
  manual_seed(4);
  auto b = randperm(100).tolist<int64_t>();
  EXPECT_NE(a, b);
  std::vector<int64_t> id(100);
  std::iota(id.begin(), id.end(), 0);
  EXPECT_NE(a, id);
  // Position 0 is uniform over the values.
  std::vector<int> first(4, 0);
  for (int i = 0; i < 4000; ++i) ++first[randperm(4).tolist<int64_t>()[0]];
  for (int c : first) EXPECT_NEAR(c, 1000, 5 * std::sqrt(4000 * 0.25 * 0.75));
  for (DType dt : {kInt32, kUInt8, kFloat32, kFloat16, kBFloat16, kFloat64, kInt16}) {
    Tensor q = randperm(200, {.dtype = dt});
    EXPECT_EQ(q.dtype(), dt);
    auto qv = q.tolist<double>();
    std::sort(qv.begin(), qv.end());
    for (int i = 0; i < 200; ++i) EXPECT_EQ(qv[i], i) << dt;
  }
}

// ---- determinism

TEST(random, ManualSeedReproduces) {
  manual_seed(42);
  auto a = rand({100}).tolist<float>();
  auto a2 = rand({100}).tolist<float>();
  manual_seed(42);
  auto b = rand({100}).tolist<float>();
  auto b2 = rand({100}).tolist<float>();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a2, b2);
  EXPECT_NE(a, a2);  // the stream moves on
  manual_seed(43);
  EXPECT_NE(rand({100}).tolist<float>(), a);
  EXPECT_EQ(default_generator().initial_seed(), 43u);
}

TEST(random, IndependentGenerators) {
  Generator g1(7), g2(7), g3(8);
  manual_seed(7);
  auto d = randn({50}).tolist<float>();
  auto x1 = randn({50}, {}, &g1).tolist<float>();
  rand({1000});  // the default generator moves; g2 does not
  auto x2 = randn({50}, {}, &g2).tolist<float>();
  auto x3 = randn({50}, {}, &g3).tolist<float>();
  EXPECT_EQ(x1, x2);
  EXPECT_EQ(x1, d);  // same seed, same offset as the default generator had
  EXPECT_NE(x1, x3);
  EXPECT_EQ(g1.offset(), 13u);
  Generator copy = g1;
  EXPECT_EQ(rand({9}, {}, &g1).tolist<float>(), rand({9}, {}, &copy).tolist<float>());
}

TEST(random, SameNumbersWhateverTheThreadCount) {
  const int64_t n = 1 << 20;  // well above the grain size
  auto run = [&](int threads) {
    return with_threads(threads, [&] {
      Generator g(2024);
      std::vector<std::vector<double>> out;
      out.push_back(rand({n}, {}, &g).tolist<double>());
      out.push_back(rand({n}, {.dtype = kFloat64}, &g).tolist<double>());
      out.push_back(randn({n}, {}, &g).tolist<double>());
      out.push_back(randn({n}, {.dtype = kFloat64}, &g).tolist<double>());
      out.push_back(randn({n + 3}, {.dtype = kFloat16}, &g).tolist<double>());
      out.push_back(empty({n}, {.dtype = kInt32}).bernoulli_(0.4, &g).tolist<double>());
      out.push_back(randint(-50, 50, {n}, {}, &g).tolist<double>());
      out.push_back(randint(0, int64_t{1} << 50, {n + 1}, {}, &g).tolist<double>());
      out.push_back(bernoulli(full({n}, 0.5), &g).tolist<double>());
      out.push_back(empty({n / 2, 2}).t().uniform_(0, 1, &g).tolist<double>());
      out.push_back(empty({n, 2}).select(1, 0).normal_(0, 1, &g).tolist<double>());
      out.push_back(randperm(100000, {}, &g).tolist<double>());
      out.push_back({double(g.offset())});
      return out;
    });
  };
  auto one = run(1), two = run(2), four = run(4);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i], two[i]) << "fill " << i;
    EXPECT_EQ(one[i], four[i]) << "fill " << i;
  }
}

// ---- layouts

TEST(random, DenseNonContiguousFillsMemoryOrder) {
  // channels_last is dense: filled in memory order, like a flat tensor.
  Generator g1(11), g2(11);
  Tensor a = empty({2, 3, 4, 5}, {.memory_format = MemoryFormat::ChannelsLast});
  a.uniform_(0, 1, &g1);
  EXPECT_TRUE(a.is_contiguous(MemoryFormat::ChannelsLast));
  Tensor flat = rand({120}, {}, &g2);
  EXPECT_EQ(a.permute({0, 2, 3, 1}).contiguous().tolist<float>(), flat.tolist<float>());
}

TEST(random, NonDenseTargetFilledInLogicalOrder) {
  Tensor base = full({10, 8}, -1.0);
  Tensor view = base.slice(1, 0, 8, 2);  // every other column
  Generator g1(21), g2(21);
  view.uniform_(0, 1, &g1);
  auto want = rand({10, 4}, {}, &g2).tolist<float>();
  EXPECT_EQ(view.contiguous().tolist<float>(), want);
  auto all = base.tolist<float>();
  for (int r = 0; r < 10; ++r)
    for (int c = 1; c < 8; c += 2) EXPECT_EQ(all[r * 8 + c], -1.0f);  // gaps untouched
  Tensor ints = zeros({6, 6}, {.dtype = kInt64});
  ints.slice(0, 0, 6, 3).random_(1, 4);
  auto iv = ints.tolist<int64_t>();
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 6; ++c) {
      if (r % 3 == 0)
        EXPECT_TRUE(iv[r * 6 + c] >= 1 && iv[r * 6 + c] < 4);
      else
        EXPECT_EQ(iv[r * 6 + c], 0);
    }
}

TEST(random, LikeFactories) {
  Tensor t = empty({2, 3, 4, 5}, {.dtype = kFloat64, .memory_format = MemoryFormat::ChannelsLast});
  Tensor r = rand_like(t);
  EXPECT_EQ(r.dtype(), kFloat64);
  EXPECT_TRUE(r.is_contiguous(MemoryFormat::ChannelsLast));
  Stats s = stats(r);
  EXPECT_TRUE(s.min >= 0 && s.max < 1);
  Tensor n = randn_like(t, {.dtype = kFloat32});
  EXPECT_EQ(n.dtype(), kFloat32);
  EXPECT_EQ(n.sizes(), t.sizes());
  Tensor i = randint_like(t, 3);
  EXPECT_EQ(i.dtype(), kFloat64);
  for (double x : i.tolist<double>()) EXPECT_TRUE(x == 0 || x == 1 || x == 2);
  Tensor j = randint_like(zeros({100}, {.dtype = kInt16}), -5, -2);
  EXPECT_EQ(j.dtype(), kInt16);
  for (double x : j.tolist<double>()) EXPECT_TRUE(x >= -5 && x < -2);
  Tensor g = rand({3}, {.requires_grad = true});
  EXPECT_TRUE(g.requires_grad());
  Tensor gl = randn_like(g, {.requires_grad = true});
  EXPECT_TRUE(gl.requires_grad());
}

TEST(random, MetaTensorsAreShapeOnly) {
  Generator g(3);
  Tensor m = rand({2, 3}, {.device = kMeta}, &g);
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(m.sizes(), IntArrayRef({2, 3}));
  Tensor mi = randint(0, 4, {5}, {.device = kMeta}, &g);
  EXPECT_EQ(mi.dtype(), kInt64);
  Tensor mp = randperm(7, {.device = kMeta}, &g);
  EXPECT_EQ(mp.sizes(), IntArrayRef({7}));
  Tensor mb = bernoulli(empty({4}, {.device = kMeta}), &g);
  EXPECT_TRUE(mb.is_meta());
  Tensor e = empty({4}, {.device = kMeta});
  EXPECT_TRUE(e.uniform_(0, 1, &g).is_same(e));
  e.normal_(0, 1, &g).bernoulli_(0.5, &g).random_(0, 3, &g);
  EXPECT_EQ(g.offset(), 0u);  // nothing drawn
  // Argument checks still apply.
  EXPECT_THROW(e.uniform_(2, 1), RuntimeError);
  EXPECT_THROW(randn({2}, {.dtype = kInt64, .device = kMeta}), TypeError);
}

TEST(random, EmptyTensors) {
  Generator g(1);
  EXPECT_EQ(rand({0, 3}, {}, &g).numel(), 0);
  EXPECT_EQ(randint(0, 5, {0}, {}, &g).numel(), 0);
  EXPECT_EQ(bernoulli(empty({0}), &g).numel(), 0);
  EXPECT_EQ(g.offset(), 0u);
}

// ---- errors

TEST(random, UniformErrors) {
  Tensor t = zeros({3});
  EXPECT_EQ(error_of([&] { t.uniform_(2, 1); }),
            "uniform_ expects to return a [from, to) range, but found from=2 > to=1");
  EXPECT_THROW(t.uniform_(2, 1), RuntimeError);
  EXPECT_EQ(t.tolist<float>(), (std::vector<float>{0, 0, 0}));  // untouched
  EXPECT_EQ(error_of([&] { empty({3}, {.dtype = kInt64}).uniform_(0, 1); }),
            "\"check_uniform_bounds\" not implemented for 'Long'");
  EXPECT_THROW(empty({3}, {.dtype = kBool}).uniform_(0, 1), TypeError);
  EXPECT_EQ(error_of([&] { rand({3}, {.dtype = kInt32}); }),
            "\"check_uniform_bounds\" not implemented for 'Int'");
  EXPECT_EQ(error_of([&] { t.uniform_(-3e38, 3e38); }),
            "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=3e+38 "
            "and from=-3e+38 which result in to-from to exceed the limit");
  EXPECT_EQ(error_of([&] { empty({3}, {.dtype = kFloat16}).uniform_(0, 1e5); }),
            "to is out of bounds for c10::Half");
  EXPECT_EQ(error_of([&] { t.uniform_(std::nan(""), 1); }), "from is out of bounds for float");
  EXPECT_EQ(error_of([&] { t.uniform_(0, INFINITY); }), "to is out of bounds for float");
  EXPECT_EQ(error_of([&] {
              empty({3, 1}).expand({3, 4}).uniform_();
            }),
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.");
  EXPECT_THROW(rand({-1}), RuntimeError);
}

TEST(random, NormalErrors) {
  Tensor t = zeros({3});
  Generator g(1);
  EXPECT_EQ(error_of([&] { t.normal_(0, -1, &g); }), "normal expects std >= 0.0, but found std -1");
  EXPECT_THROW(t.normal_(0, -1.5), RuntimeError);
  EXPECT_EQ(error_of([&] { normal(0, -1.5, {3}); }),
            "normal expects std >= 0.0, but found std -1.5");
  EXPECT_EQ(t.tolist<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(g.offset(), 0u);
  EXPECT_EQ(error_of([&] { empty({3}, {.dtype = kInt32}).normal_(); }),
            "\"normal_kernel_cpu\" not implemented for 'Int'");
  EXPECT_THROW(randn({3}, {.dtype = kInt64}), TypeError);
  EXPECT_THROW(randn({3}, {.dtype = kBool}), TypeError);
  EXPECT_THROW(empty({3, 1}).expand({3, 4}).normal_(), RuntimeError);
}

TEST(random, BernoulliErrors) {
  Tensor t = zeros({3});
  EXPECT_EQ(error_of([&] { t.bernoulli_(1.5); }),
            "bernoulli_ expects p to be in [0, 1], but got p=1.5");
  EXPECT_EQ(error_of([&] { t.bernoulli_(-0.5); }),
            "bernoulli_ expects p to be in [0, 1], but got p=-0.5");
  EXPECT_THROW(t.bernoulli_(std::nan("")), RuntimeError);
  EXPECT_EQ(t.tolist<float>(), (std::vector<float>{0, 0, 0}));
  Generator g(1);
  EXPECT_EQ(error_of([&] {
              bernoulli(from_vector<float>({0.5f, 1.5f}), &g);
            }),
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.");
  EXPECT_THROW(bernoulli(from_vector<double>({-0.5, 0.5})), RuntimeError);
  EXPECT_THROW(bernoulli(from_vector<float>({NAN})), RuntimeError);
  EXPECT_EQ(g.offset(), 0u);
  EXPECT_EQ(error_of([&] {
              bernoulli(from_vector<int64_t>({0, 1}));
            }),
            "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'");
  EXPECT_THROW(bernoulli(from_vector<bool>({true})), TypeError);
  EXPECT_THROW(empty({3, 1}).expand({3, 4}).bernoulli_(0.5), RuntimeError);
}

TEST(random, RandintErrors) {
  EXPECT_EQ(error_of([] { randint(5, 5, {3}); }),
            "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  EXPECT_EQ(error_of([] { randint(6, 5, {3}); }),
            "random_ expects 'from' to be less than 'to', but got from=6 >= to=5");
  EXPECT_THROW(randint(0, {3}), RuntimeError);
  EXPECT_EQ(error_of([] { randint(0, 300, {3}, {.dtype = kUInt8}); }),
            "to - 1 is out of bounds for unsigned char");
  EXPECT_EQ(error_of([] { randint(-1, 3, {3}, {.dtype = kUInt8}); }),
            "from is out of bounds for unsigned char");
  EXPECT_EQ(error_of([] { randint(0, 3, {3}, {.dtype = kBool}); }),
            "to - 1 is out of bounds for bool");
  EXPECT_EQ(error_of([] { randint(0, 1000, {3}, {.dtype = kInt8}); }),
            "to - 1 is out of bounds for signed char");
  EXPECT_EQ(error_of([] { randint(0, 100000, {3}, {.dtype = kInt16}); }),
            "to - 1 is out of bounds for short int");
  EXPECT_EQ(error_of([] { randint(0, int64_t{1} << 40, {3}, {.dtype = kInt32}); }),
            "to - 1 is out of bounds for int");
  EXPECT_EQ(error_of([] { empty({3}, {.dtype = kFloat16}).random_(0, 100000); }),
            "to - 1 is out of bounds for c10::Half");
  EXPECT_THROW(randint(0, 3, {2}, {.requires_grad = true}), RuntimeError);
  Tensor t = zeros({3}, {.dtype = kInt64});
  EXPECT_THROW(t.random_(3, 1), RuntimeError);
  EXPECT_EQ(t.tolist<int64_t>(), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_THROW(empty({3, 1}).expand({3, 4}).random_(0, 3), RuntimeError);
}

TEST(random, RandpermErrors) {
  EXPECT_EQ(error_of([] { randperm(-1); }),
            "Trying to create tensor with negative dimension -1: [-1]");
  EXPECT_THROW(randperm(-1), RuntimeError);
  EXPECT_EQ(error_of([] { randperm(5, {.dtype = kBool}); }),
            "\"randperm\" not implemented for 'Bool'");
  EXPECT_THROW(randperm(5, {.dtype = kBool}), TypeError);
  EXPECT_EQ(error_of([] { randperm(257, {.dtype = kUInt8}); }),
            "value cannot be converted to type uint8_t without overflow");
  EXPECT_NO_THROW(randperm(256, {.dtype = kUInt8}));
  EXPECT_EQ(error_of([] { randperm(129, {.dtype = kInt8}); }),
            "value cannot be converted to type int8_t without overflow");
  EXPECT_EQ(error_of([] { randperm(2050, {.dtype = kFloat16}); }),
            "n cannot be greater than 2049 for Half type.");
  EXPECT_NO_THROW(randperm(2049, {.dtype = kFloat16}));
  EXPECT_EQ(error_of([] { randperm((int64_t{1} << 24) + 2, {.dtype = kFloat32}); }),
            "n cannot be greater than 2^24+1 for Float type.");
}
