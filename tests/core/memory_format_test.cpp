// Memory formats: contiguity predicates on stride patterns, suggest_memory_format
// (with PyTorch's ambiguous cases), and the strides that contiguous / clone / empty /
// to / resize_ / *_like produce.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using I64 = std::vector<int64_t>;

namespace {

I64 vec(IntArrayRef a) { return a.vec(); }
Tensor farange(int64_t n) { return arange(0, n, 1, {.dtype = kFloat32}); }

struct Layout {
  I64 sizes, strides;
  bool contiguous, channels_last, channels_last_3d, dense;
  MemoryFormat suggested;
};

// The element at a multi-index read through strides, for checking that a copy in
// another layout holds the same logical values.
void expect_same_values(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(vec(a.sizes()), vec(b.sizes()));
  EXPECT_EQ(a.tolist<double>(), b.tolist<double>());
}

}  // namespace

TEST(MemoryFormat, Names) {
  EXPECT_STREQ(memory_format_name(kContiguous), "torch.contiguous_format");
  EXPECT_STREQ(memory_format_name(kChannelsLast), "torch.channels_last");
  EXPECT_STREQ(memory_format_name(kChannelsLast3d), "torch.channels_last_3d");
  EXPECT_STREQ(memory_format_name(kPreserve), "torch.preserve_format");
  std::ostringstream os;
  os << kChannelsLast;
  EXPECT_EQ(os.str(), "torch.channels_last");
}

TEST(MemoryFormat, StridesFor) {
  EXPECT_EQ(vec(contiguous_strides(I64{2, 3, 4})), (I64{12, 4, 1}));
  EXPECT_EQ(vec(contiguous_strides(I64{2, 0, 3})), (I64{3, 3, 1}));  // size 0 counts as 1
  EXPECT_EQ(vec(contiguous_strides(I64{})), I64{});
  EXPECT_EQ(vec(strides_for(I64{2, 3, 4, 5}, kChannelsLast)), (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(strides_for(I64{2, 3, 4, 5, 6}, kChannelsLast3d)), (I64{360, 1, 90, 18, 3}));
  EXPECT_EQ(vec(strides_for(I64{2, 3, 4, 5}, kContiguous)), (I64{60, 20, 5, 1}));
  // Channels-last strides multiply raw sizes, as PyTorch's (zeros stay zeros).
  EXPECT_EQ(vec(strides_for(I64{2, 0, 4, 5}, kChannelsLast)), (I64{0, 1, 0, 0}));
  EXPECT_EQ(vec(strides_for(I64{2, 3, 0, 5}, kChannelsLast)), (I64{0, 1, 15, 3}));
  EXPECT_EQ(vec(strides_for(I64{2, 3, 4, 5, 0}, kChannelsLast3d)), (I64{0, 1, 0, 0, 3}));
  EXPECT_THROW_MSG(strides_for(I64{2, 3, 4}, kChannelsLast), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
  EXPECT_THROW_MSG(strides_for(I64{2, 3, 4, 5}, kChannelsLast3d), RuntimeError,
                   "required rank 5 tensor to use channels_last_3d format");
}

TEST(MemoryFormat, PredicatesOnStridePatterns) {
  const Layout cases[] = {
      // NCHW and NHWC.
      {{2, 3, 4, 5}, {60, 20, 5, 1}, true, false, false, true, kContiguous},
      {{2, 3, 4, 5}, {60, 1, 15, 3}, false, true, false, true, kChannelsLast},
      // C == 1: both layouts are contiguous in both senses; the strides decide the suggestion.
      {{2, 1, 4, 5}, {20, 20, 5, 1}, true, true, false, true, kContiguous},
      {{2, 1, 4, 5}, {20, 1, 5, 1}, true, true, false, true, kChannelsLast},
      // N111: ambiguous, PyTorch falls back to contiguous.
      {{4, 1, 1, 1}, {1, 1, 1, 1}, true, true, false, true, kContiguous},
      // N111 sliced from N11W: [N,1,1,1] @ [W,W,W,W].
      {{4, 1, 1, 1}, {5, 5, 5, 5}, false, false, false, false, kContiguous},
      // N1H1: channels_last strides [H,1,1,1] vs contiguous [H,H,1,1].
      {{2, 1, 3, 1}, {3, 1, 1, 1}, true, true, false, true, kChannelsLast},
      {{2, 1, 3, 1}, {3, 3, 1, 1}, true, true, false, true, kContiguous},
      // 1C1W transposed to 1H1C: channels_last contiguous, but not suggested as such.
      {{1, 4, 1, 3}, {12, 1, 4, 4}, false, true, false, true, kContiguous},
      // Empty tensors: contiguous always; channels_last only with matching strides.
      {{0, 3, 4, 5}, {60, 20, 5, 1}, true, false, false, true, kContiguous},
      {{0, 3, 4, 5}, {60, 1, 15, 3}, true, true, false, true, kContiguous},
      {{2, 0, 4, 5}, {0, 1, 0, 0}, true, true, false, true, kContiguous},
      // channels_last_3d.
      {{2, 3, 4, 5, 6}, {360, 1, 90, 18, 3}, false, false, true, true, kChannelsLast3d},
      {{2, 3, 4, 5, 6}, {360, 120, 30, 6, 1}, true, false, false, true, kContiguous},
      // Permuted (dense, neither format), sliced, expanded, overlapping.
      {{2, 4, 5, 3}, {60, 5, 1, 20}, false, false, false, true, kContiguous},
      {{2, 3, 2, 5}, {60, 1, 30, 3}, false, false, false, false, kChannelsLast},
      {{2, 3, 4, 5}, {0, 1, 0, 0}, false, false, false, false, kContiguous},
      {{2, 3}, {1, 2}, false, false, false, true, kContiguous},
      {{2, 3}, {6, 1}, false, false, false, false, kContiguous},
      {{2, 3}, {0, 1}, false, false, false, false, kContiguous},
      {{2, 2}, {1, 1}, false, false, false, false, kContiguous},
      {{4, 1, 3}, {3, 100, 1}, true, false, false, true, kContiguous},
      {{3}, {2}, false, false, false, false, kContiguous},
      {{1}, {7}, true, false, false, true, kContiguous},
      {{}, {}, true, false, false, true, kContiguous},
  };
  for (const auto& c : cases) {
    std::ostringstream what;
    what << "sizes " << IntArrayRef(c.sizes) << " strides " << IntArrayRef(c.strides);
    EXPECT_EQ(compute_is_contiguous(c.sizes, c.strides), c.contiguous) << what.str();
    EXPECT_EQ(compute_is_channels_last(c.sizes, c.strides, false), c.channels_last) << what.str();
    EXPECT_EQ(compute_is_channels_last(c.sizes, c.strides, true), c.channels_last_3d) << what.str();
    const bool dense = c.contiguous || c.channels_last || c.channels_last_3d ||
                       compute_is_non_overlapping_and_dense(c.sizes, c.strides);
    EXPECT_EQ(dense, c.dense) << what.str();
    // The same through a tensor over a big enough buffer.
    Tensor t = zeros({1000}).as_strided(c.sizes, c.strides, 0);
    EXPECT_EQ(t.is_contiguous(), c.contiguous) << what.str();
    EXPECT_EQ(t.is_contiguous(kChannelsLast), c.channels_last) << what.str();
    EXPECT_EQ(t.is_contiguous(kChannelsLast3d), c.channels_last_3d) << what.str();
    EXPECT_EQ(t.is_contiguous(kPreserve), c.contiguous) << what.str();
    EXPECT_EQ(t.is_non_overlapping_and_dense(), c.dense) << what.str();
    EXPECT_EQ(t.suggest_memory_format(), c.suggested) << what.str();
  }
}

TEST(MemoryFormat, NonOverlappingAndDense) {
  EXPECT_TRUE(compute_is_non_overlapping_and_dense(I64{2, 3}, I64{1, 2}));
  EXPECT_TRUE(compute_is_non_overlapping_and_dense(I64{3, 2, 4}, I64{4, 12, 1}));
  EXPECT_FALSE(compute_is_non_overlapping_and_dense(I64{3, 2, 4}, I64{4, 13, 1}));
  // The raw predicate does not special-case empty tensors (PyTorch's neither); the
  // tensor's flag does, through is_contiguous.
  EXPECT_FALSE(compute_is_non_overlapping_and_dense(I64{2, 0, 3}, I64{7, 9, 1}));
  EXPECT_TRUE(zeros({10}).as_strided({2, 0, 3}, {7, 9, 1}).is_non_overlapping_and_dense());
  EXPECT_TRUE(compute_is_non_overlapping_and_dense(I64{5}, I64{1}));
  EXPECT_FALSE(compute_is_non_overlapping_and_dense(I64{5}, I64{2}));
  EXPECT_TRUE(compute_is_non_overlapping_and_dense(I64{1, 5}, I64{100, 1}));
}

TEST(MemoryFormat, ContiguousAndCloneFormats) {
  Tensor x = farange(120).view({2, 3, 4, 5});
  Tensor cl = x.contiguous(kChannelsLast);
  EXPECT_EQ(vec(cl.strides()), (I64{60, 1, 15, 3}));
  EXPECT_TRUE(cl.is_contiguous(kChannelsLast));
  EXPECT_FALSE(cl.is_contiguous());
  expect_same_values(cl, x);
  EXPECT_EQ(cl.at({1, 2, 3, 4}).to_double(), 119.0);
  EXPECT_TRUE(cl.contiguous(kChannelsLast).is_same(cl));
  EXPECT_TRUE(x.contiguous().is_same(x));
  Tensor back = cl.contiguous();
  EXPECT_EQ(vec(back.strides()), (I64{60, 20, 5, 1}));
  expect_same_values(back, x);
  // clone keeps the layout by default, or takes the one asked for.
  EXPECT_EQ(vec(cl.clone().strides()), (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(x.clone(kChannelsLast).strides()), (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(cl.clone(kContiguous).strides()), (I64{60, 20, 5, 1}));
  Tensor perm = x.permute({0, 2, 3, 1});  // dense, neither format
  EXPECT_EQ(vec(perm.clone().strides()), vec(perm.strides()));
  expect_same_values(perm.clone(), perm);
  // A sliced channels_last tensor clones to a dense channels_last one.
  Tensor sliced = cl.slice(2, 0, std::nullopt, 2);  // [2, 3, 2, 5] @ [60, 1, 30, 3]
  Tensor sc = sliced.clone();
  EXPECT_EQ(vec(sc.strides()), (I64{30, 1, 15, 3}));
  expect_same_values(sc, sliced);
  // 5-D.
  Tensor v = farange(720).view({2, 3, 4, 5, 6});
  Tensor v3 = v.contiguous(kChannelsLast3d);
  EXPECT_EQ(vec(v3.strides()), (I64{360, 1, 90, 18, 3}));
  expect_same_values(v3, v);
  EXPECT_EQ(vec(v3.clone().strides()), (I64{360, 1, 90, 18, 3}));
  // A C == 1 tensor is already channels_last contiguous: returned as is.
  Tensor c1 = zeros({2, 1, 3, 3});
  EXPECT_TRUE(c1.contiguous(kChannelsLast).is_same(c1));
  // Preserve: fine when already contiguous, an error otherwise.
  EXPECT_TRUE(x.contiguous(kPreserve).is_same(x));
  EXPECT_THROW_MSG(x.transpose(0, 1).contiguous(kPreserve), RuntimeError,
                   "preserve memory format is unsupported by the contiguous operator");
  EXPECT_THROW_MSG(zeros({2, 3, 4}).contiguous(kChannelsLast), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
  EXPECT_THROW_MSG(zeros({2, 3, 4}).clone(kChannelsLast), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
}

TEST(MemoryFormat, EmptyWithFormat) {
  EXPECT_EQ(vec(empty({2, 3, 4, 5}, {.memory_format = kChannelsLast}).strides()),
            (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(empty({2, 3, 4, 5, 6}, {.memory_format = kChannelsLast3d}).strides()),
            (I64{360, 1, 90, 18, 3}));
  EXPECT_EQ(vec(zeros({2, 3, 4, 5}, {.memory_format = kChannelsLast}).strides()),
            (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(ones({2, 3, 4, 5}, {.memory_format = kChannelsLast}).strides()),
            (I64{60, 1, 15, 3}));
  Tensor e = empty({2, 0, 4, 5}, {.memory_format = kChannelsLast});
  EXPECT_EQ(vec(e.strides()), (I64{0, 1, 0, 0}));
  EXPECT_TRUE(e.is_contiguous(kChannelsLast));
  EXPECT_TRUE(e.is_contiguous());
  EXPECT_THROW_MSG(empty({2, 3, 4}, {.memory_format = kChannelsLast}), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
  EXPECT_THROW_MSG(empty({2, 3, 4, 5}, {.memory_format = kChannelsLast3d}), RuntimeError,
                   "required rank 5 tensor to use channels_last_3d format");
  EXPECT_THROW_MSG(empty({2, 3}, {.memory_format = kPreserve}), RuntimeError,
                   "unsupported memory format Preserve");
}

TEST(MemoryFormat, ToFormatAliasRules) {
  Tensor x = farange(120).view({2, 3, 4, 5});
  Tensor cl = x.to(kChannelsLast);
  EXPECT_FALSE(cl.is_same(x));
  EXPECT_EQ(vec(cl.strides()), (I64{60, 1, 15, 3}));
  expect_same_values(cl, x);
  EXPECT_TRUE(cl.to(kChannelsLast).is_same(cl));
  EXPECT_TRUE(x.to(kContiguous).is_same(x));
  // PyTorch aliases whenever suggest_memory_format() equals the request, so a
  // transposed matrix "is" contiguous_format for to().
  Tensor t = farange(6).view({2, 3}).t();
  EXPECT_TRUE(t.to(kContiguous).is_same(t));
  // ... and a C == 1 contiguous tensor is not channels_last for it: a copy with
  // channels_last strides, although is_contiguous(channels_last) is already true.
  Tensor c1 = zeros({2, 1, 3, 3});
  Tensor c1cl = c1.to(kChannelsLast);
  EXPECT_FALSE(c1cl.is_same(c1));
  EXPECT_EQ(vec(c1cl.strides()), (I64{9, 1, 3, 1}));
  // dtype conversion keeps the layout unless a format is given.
  EXPECT_EQ(vec(cl.to(kFloat64).strides()), (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(cl.to(kFloat64, false, false, kContiguous).strides()), (I64{60, 20, 5, 1}));
  EXPECT_EQ(vec(x.to(kFloat16, false, false, kChannelsLast).strides()), (I64{60, 1, 15, 3}));
  expect_same_values(cl.to(kFloat64), x);
  // copy=true always copies.
  Tensor cp = x.to(kFloat32, false, true);
  EXPECT_FALSE(cp.is_same(x));
  EXPECT_NE(cp.storage().get(), x.storage().get());
  EXPECT_THROW_MSG(zeros({2, 3, 4}).to(kChannelsLast), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
  Tensor v = farange(720).view({2, 3, 4, 5, 6});
  EXPECT_EQ(vec(v.to(kChannelsLast3d).strides()), (I64{360, 1, 90, 18, 3}));
}

TEST(MemoryFormat, ResizeWithFormat) {
  Tensor x = empty({2, 3});
  x.resize_({2, 3, 4, 5}, kChannelsLast);
  EXPECT_EQ(vec(x.sizes()), (I64{2, 3, 4, 5}));
  EXPECT_EQ(vec(x.strides()), (I64{60, 1, 15, 3}));
  EXPECT_GE(x.storage()->nbytes(), 120u * 4);
  x.resize_({1, 2, 3, 4, 5}, kChannelsLast3d);
  EXPECT_EQ(vec(x.strides()), (I64{120, 1, 40, 10, 2}));
  x.resize_({2, 0, 4, 5}, kChannelsLast);
  EXPECT_EQ(vec(x.strides()), (I64{0, 1, 0, 0}));
  // Same sizes, no format: strides kept (a transposed tensor stays transposed).
  Tensor t = zeros({2, 3}).t();
  t.resize_({3, 2});
  EXPECT_EQ(vec(t.strides()), (I64{1, 3}));
  t.resize_({3, 2}, kContiguous);
  EXPECT_EQ(vec(t.strides()), (I64{2, 1}));
  Tensor u = zeros({2, 3}).t();
  u.resize_({2, 3});
  EXPECT_EQ(vec(u.strides()), (I64{3, 1}));
  EXPECT_THROW_MSG(empty({2, 3}).resize_({2, 3, 4}, kChannelsLast), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
  EXPECT_THROW(empty({2, 3}).resize_({2, 3}, kPreserve), RuntimeError);
  // A failed resize_ leaves the tensor as it was.
  Tensor keep = zeros({2, 3});
  EXPECT_THROW(keep.resize_({-1, 3}), RuntimeError);
  EXPECT_THROW(keep.resize_({4, 3, 2}, kChannelsLast), RuntimeError);
  EXPECT_EQ(vec(keep.sizes()), (I64{2, 3}));
  EXPECT_EQ(vec(keep.strides()), (I64{3, 1}));
}

TEST(MemoryFormat, EmptyLikePreserve) {
  // Dense: the same strides, whatever the permutation.
  Tensor x = farange(120).view({2, 3, 4, 5});
  Tensor perm = x.permute({0, 2, 3, 1});
  EXPECT_EQ(vec(empty_like(perm).strides()), vec(perm.strides()));
  EXPECT_EQ(vec(empty_like(x.contiguous(kChannelsLast)).strides()), (I64{60, 1, 15, 3}));
  // Not dense: dense strides in the same order (PyTorch's infer_dense_strides).
  Tensor a = farange(24).view({6, 4}).t().slice(1, 0, std::nullopt, 2);  // [4,3] @ [1,8]
  EXPECT_EQ(vec(a.strides()), (I64{1, 8}));
  EXPECT_EQ(vec(empty_like(a).strides()), (I64{1, 4}));
  EXPECT_EQ(vec(a.clone().strides()), (I64{1, 4}));
  EXPECT_EQ(vec(a.to(kFloat64).strides()), (I64{1, 4}));
  Tensor b = x.permute({0, 2, 3, 1}).slice(2, 0, std::nullopt, 2);  // [2,4,3,3] @ [60,5,2,20]
  EXPECT_EQ(vec(b.strides()), (I64{60, 5, 2, 20}));
  EXPECT_EQ(vec(empty_like(b).strides()), (I64{36, 3, 1, 12}));
  Tensor c = zeros({4, 5, 3}).transpose(0, 2).slice(1, 0, std::nullopt, 2);  // [3,3,4] @ [1,6,15]
  EXPECT_EQ(vec(empty_like(c).strides()), (I64{1, 3, 9}));
  Tensor d = x.contiguous(kChannelsLast).slice(1, 1);  // [2,2,4,5] @ [60,1,15,3]
  EXPECT_EQ(vec(empty_like(d).strides()), (I64{40, 1, 10, 2}));
  // Expanded: stride-0 dims keep their place.
  EXPECT_EQ(vec(empty_like(zeros({1, 3}).expand({4, 3})).strides()), (I64{3, 1}));
  EXPECT_EQ(vec(empty_like(zeros({3, 1}).expand({3, 4})).strides()), (I64{4, 1}));
  EXPECT_EQ(vec(empty_like(zeros({1, 3, 1, 1}).expand({2, 3, 4, 5})).strides()),
            (I64{60, 20, 5, 1}));
  // An explicit format wins.
  EXPECT_EQ(vec(empty_like(x, {.memory_format = kChannelsLast}).strides()), (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(empty_like(perm, {.memory_format = kContiguous}).strides()), (I64{60, 15, 3, 1}));
  EXPECT_THROW_MSG(empty_like(zeros({2, 3, 4}), {.memory_format = kChannelsLast}), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
  // *_like fill in the preserved layout.
  Tensor z = zeros_like(perm);
  EXPECT_EQ(vec(z.strides()), vec(perm.strides()));
  EXPECT_EQ(z.tolist<double>(), std::vector<double>(120, 0.0));
  Tensor o = ones_like(b, {.dtype = kInt32});
  EXPECT_EQ(o.dtype(), kInt32);
  EXPECT_EQ(vec(o.strides()), (I64{36, 3, 1, 12}));
  EXPECT_EQ(o.tolist<int32_t>(), std::vector<int32_t>(72, 1));
  Tensor f = full_like(d, 2.5, {.dtype = kFloat64});
  EXPECT_EQ(vec(f.strides()), (I64{40, 1, 10, 2}));
  EXPECT_EQ(f.tolist<double>(), std::vector<double>(80, 2.5));
}
