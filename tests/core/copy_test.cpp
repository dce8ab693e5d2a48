// copy_, to, clone, fill_, item: broadcasting, strided sources and destinations,
// overlap rules, meta rules, dtype conversion values, and large copies through the
// blocked-transpose path checked against hand loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
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
Tensor farange(int64_t n) { return arange(0, n, 1, {.dtype = kFloat32}); }
Tensor darange(int64_t n) { return arange(0, n, 1, {.dtype = kFloat64}); }

const char* kPartialOverlap =
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to "
    "a single memory location. Please clone() the tensor before performing the operation.";
const char* kInternalOverlap =
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation.";

}  // namespace

TEST(Copy, SameShapeAndBroadcast) {
  Tensor dst = zeros({2, 3});
  dst.copy_(farange(6).view({2, 3}));
  EXPECT_EQ(vals(dst), (D{0, 1, 2, 3, 4, 5}));
  dst.copy_(tensor({7.f, 8.f, 9.f}));  // [3] broadcast over rows
  EXPECT_EQ(vals(dst), (D{7, 8, 9, 7, 8, 9}));
  dst.copy_(tensor({1.f, 2.f}).view({2, 1}));
  EXPECT_EQ(vals(dst), (D{1, 1, 1, 2, 2, 2}));
  dst.copy_(full({}, 4.0));  // 0-dim source
  EXPECT_EQ(vals(dst), D(6, 4.0));
  dst.copy_(full({1, 1, 3}, 5.0).select(0, 0));  // [1, 3]
  EXPECT_EQ(vals(dst), D(6, 5.0));
  EXPECT_THROW_MSG(dst.copy_(zeros({4})), RuntimeError,
                   "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                   "dimension 1");
  EXPECT_THROW_MSG(dst.copy_(zeros({2, 2, 3})), RuntimeError,
                   "output with shape [2, 3] doesn't match the broadcast shape [2, 2, 3]");
  EXPECT_THROW_MSG(dst.copy_(zeros({3, 1})), RuntimeError,
                   "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
                   "dimension 0");
  EXPECT_THROW(dst.copy_(Tensor()), RuntimeError);
  EXPECT_EQ(vals(dst), D(6, 5.0));  // failed copies leave the destination alone
  // Empty tensors copy nothing, without error.
  Tensor e = zeros({0, 3});
  e.copy_(ones({0, 3}));
  e.copy_(ones({3}));
  EXPECT_EQ(e.numel(), 0);
}

TEST(Copy, FromStridedSources) {
  Tensor x = farange(12).view({3, 4});
  Tensor d = zeros({4, 3});
  d.copy_(x.t());
  EXPECT_EQ(vals(d), (D{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  Tensor s = zeros({3, 2});
  s.copy_(x.slice(1, 1, std::nullopt, 2));
  EXPECT_EQ(vals(s), (D{1, 3, 5, 7, 9, 11}));
  // channels_last source into a contiguous destination and back.
  Tensor n = farange(2 * 3 * 4 * 5).view({2, 3, 4, 5});
  Tensor cl = empty({2, 3, 4, 5}, {.memory_format = kChannelsLast});
  cl.copy_(n);
  EXPECT_EQ(vals(cl), vals(n));
  const float* raw = cl.data_ptr<float>();
  EXPECT_EQ(raw[1], 20.0f);  // (0, 1, 0, 0) sits next to (0, 0, 0, 0)
  EXPECT_EQ(raw[3], 1.0f);   // (0, 0, 0, 1)
  Tensor back = zeros({2, 3, 4, 5});
  back.copy_(cl);
  EXPECT_EQ(vals(back), vals(n));
  // A diagonal (stride 5) and an expanded source.
  Tensor m = farange(16).view({4, 4});
  Tensor diag = zeros({4});
  diag.copy_(m.diagonal());
  EXPECT_EQ(vals(diag), (D{0, 5, 10, 15}));
  Tensor ex = zeros({3, 4});
  ex.copy_(tensor({1.f, 2.f, 3.f}).view({3, 1}).expand({3, 4}));
  EXPECT_EQ(vals(ex), (D{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
}

TEST(Copy, IntoStridedDestinations) {
  Tensor big = zeros({3, 6});
  big.slice(1, 0, std::nullopt, 2).copy_(farange(9).view({3, 3}));
  EXPECT_EQ(vals(big), (D{0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0}));
  Tensor m = zeros({3, 3});
  m.t().copy_(farange(9).view({3, 3}));
  EXPECT_EQ(vals(m), (D{0, 3, 6, 1, 4, 7, 2, 5, 8}));
  Tensor d = zeros({4, 4});
  d.diagonal().fill_(1.0);
  d.diagonal(1).copy_(tensor({7.f, 8.f, 9.f}));
  EXPECT_EQ(vals(d), (D{1, 7, 0, 0, 0, 1, 8, 0, 0, 0, 1, 9, 0, 0, 0, 1}));
  // Into a channels_last destination from a permuted one, converting dtype.
  Tensor src =
      darange(24).view({1, 2, 3, 4}).permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
  Tensor dst = empty({1, 2, 3, 4}, {.dtype = kInt16, .memory_format = kChannelsLast});
  dst.copy_(src);
  EXPECT_EQ(dst.tolist<int16_t>(),
            (std::vector<int16_t>{0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}));
}

TEST(Copy, OverlapRules) {
  // Partly overlapping dense tensors: PyTorch refuses rather than pick a direction.
  Tensor x = farange(6);
  EXPECT_THROW_MSG(x.slice(0, 1).copy_(x.slice(0, 0, -1)), RuntimeError, kPartialOverlap);
  EXPECT_THROW_MSG(x.slice(0, 0, -1).copy_(x.slice(0, 1)), RuntimeError, kPartialOverlap);
  EXPECT_EQ(vals(x), (D{0, 1, 2, 3, 4, 5}));  // untouched
  Tensor m = farange(9).view({3, 3});
  EXPECT_THROW_MSG(m.copy_(m.t()), RuntimeError, kPartialOverlap);
  EXPECT_THROW_MSG(x.slice(0, 0, 2).copy_(x[1]), RuntimeError, kPartialOverlap);
  // The clone PyTorch's message suggests works.
  x.slice(0, 1).copy_(x.slice(0, 0, -1).clone());
  EXPECT_EQ(vals(x), (D{0, 0, 1, 2, 3, 4}));
  // Full overlap (itself or an identical view) is a no-op.
  Tensor y = farange(4);
  y.copy_(y);
  y.copy_(y.view({4}));
  y.slice(0, 1).copy_(y.slice(0, 1));
  EXPECT_EQ(vals(y), (D{0, 1, 2, 3}));
  // Non-dense overlapping operands: copied as if from distinct memory.
  Tensor z = farange(8);
  z.slice(0, 0, std::nullopt, 2).copy_(z.slice(0, 1, std::nullopt, 2));
  EXPECT_EQ(vals(z), (D{1, 1, 3, 3, 5, 5, 7, 7}));
  Tensor w = farange(8);
  w.view({2, 4}).slice(1, 0, 3).copy_(w.view({2, 4}).slice(1, 1));
  EXPECT_EQ(vals(w), (D{1, 2, 3, 3, 5, 6, 7, 7}));
  Tensor v = farange(8);
  v.view({2, 4}).slice(1, 1).copy_(v.view({2, 4}).slice(1, 0, 3));
  EXPECT_EQ(vals(v), (D{0, 0, 1, 2, 4, 4, 5, 6}));
  // Disjoint halves of one storage do not overlap.
  Tensor h = farange(8);
  h.slice(0, 4).copy_(h.slice(0, 0, 4));
  EXPECT_EQ(vals(h), (D{0, 1, 2, 3, 0, 1, 2, 3}));
}

TEST(Copy, IntoExpandedTensorErrors) {
  Tensor base = zeros({3});
  Tensor ex = base.expand({2, 3});
  EXPECT_THROW_MSG(ex.copy_(ones({2, 3})), RuntimeError, kInternalOverlap);
  EXPECT_THROW_MSG(ex.fill_(1.0), RuntimeError, kInternalOverlap);
  EXPECT_THROW_MSG(zeros({1}).as_strided({3}, {0}).zero_(), RuntimeError, kInternalOverlap);
  EXPECT_EQ(vals(base), D(3, 0.0));
  // Overlapping but with no stride 0 is not detected (PyTorch's "too hard" case): allowed.
  Tensor win = zeros({4});
  win.as_strided({2, 2}, {1, 1}).copy_(ones({2, 2}));
  EXPECT_EQ(vals(win), (D{1, 1, 1, 0}));
}

TEST(Copy, MetaRules) {
  Tensor m = empty({2, 3}, {.device = kMeta});
  Tensor c = ones({2, 3});
  m.copy_(c);  // shape-only
  EXPECT_TRUE(m.is_meta());
  EXPECT_THROW_MSG(m.copy_(ones({2, 2, 3})), RuntimeError, "doesn't match the broadcast shape");
  EXPECT_THROW_MSG(c.copy_(m), NotImplementedError, "Cannot copy out of meta tensor; no data!");
  EXPECT_EQ(vals(c), D(6, 1.0));
  EXPECT_THROW_MSG(m.to(kCPU), NotImplementedError, "Cannot copy out of meta tensor; no data!");
  EXPECT_THROW_MSG(m.cpu(), NotImplementedError, "Cannot copy out of meta tensor");
  Tensor m2 = c.to(kMeta);
  EXPECT_TRUE(m2.is_meta());
  EXPECT_EQ(vec(m2.sizes()), (I64{2, 3}));
  m.fill_(3.0);  // no data to fill
  m.zero_();
}

TEST(Copy, FloatToIntegralTruncatesTowardZero) {
  Tensor f = tensor({-2.7f, -1.5f, -0.5f, 0.5f, 1.5f, 2.7f});
  EXPECT_EQ(f.to(kInt32).tolist<int32_t>(), (std::vector<int32_t>{-2, -1, 0, 0, 1, 2}));
  EXPECT_EQ(f.to(kInt64).tolist<int64_t>(), (std::vector<int64_t>{-2, -1, 0, 0, 1, 2}));
  EXPECT_EQ(f.to(kInt8).tolist<int8_t>(), (std::vector<int8_t>{-2, -1, 0, 0, 1, 2}));
  EXPECT_EQ(f.to(kFloat64).to(kInt16).tolist<int16_t>(),
            (std::vector<int16_t>{-2, -1, 0, 0, 1, 2}));
  EXPECT_EQ(f.to(kFloat16).to(kInt32).tolist<int32_t>(),
            (std::vector<int32_t>{-2, -1, 0, 0, 1, 2}));
  // uint8 goes through int64, so negatives wrap as in PyTorch.
  EXPECT_EQ(tensor({0.5f, 1.9f, 255.9f, -1.0f, -0.9f}).to(kUInt8).tolist<uint8_t>(),
            (std::vector<uint8_t>{0, 1, 255, 255, 0}));
}

TEST(Copy, ToBool) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Tensor f = tensor({0.f, -0.f, 0.1f, nan, inf, -1e-30f});
  EXPECT_EQ(f.to(kBool).tolist<bool>(), (std::vector<bool>{false, false, true, true, true, true}));
  EXPECT_EQ(f.to(kFloat16).to(kBool).tolist<bool>(),
            (std::vector<bool>{false, false, true, true, true, false}));  // -1e-30 -> -0 in half
  EXPECT_EQ(tensor({0, 3, -1}).to(kBool).tolist<bool>(), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(tensor({true, false}).to(kFloat32).tolist<float>(), (std::vector<float>{1.f, 0.f}));
  EXPECT_EQ(tensor({true, false}).to(kInt8).tolist<int8_t>(), (std::vector<int8_t>{1, 0}));
}

TEST(Copy, IntegralWrapAndFloatRounding) {
  EXPECT_EQ(from_vector<uint8_t>({200, 255, 128}).to(kInt8).tolist<int8_t>(),
            (std::vector<int8_t>{-56, -1, -128}));
  EXPECT_EQ(from_vector<int8_t>({-1, -128}).to(kUInt8).tolist<uint8_t>(),
            (std::vector<uint8_t>{255, 128}));
  EXPECT_EQ(from_vector<int32_t>({70000, -70000}).to(kInt16).tolist<int16_t>(),
            (std::vector<int16_t>{4464, -4464}));
  EXPECT_EQ(from_vector<int64_t>({16777217}).to(kFloat32).tolist<double>(), D{16777216.0});
  EXPECT_EQ(from_vector<int64_t>({2049, 4097}).to(kFloat16).tolist<double>(), (D{2048, 4096}));
  EXPECT_EQ(from_vector<int32_t>({257, 32769}).to(kBFloat16).tolist<double>(), (D{256, 32768}));
}

TEST(Copy, HalfAndBFloat16Rounding) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor v =
      from_vector<double>({0.1, 65504, 65519, 65520, 1e-8, 3e-8, 6e-8, 1e5, -inf, -0.0, 1.0 / 3});
  D half = v.to(kFloat16).tolist<double>();
  EXPECT_EQ(half, (D{0.0999755859375, 65504, 65504, inf, 0, 5.960464477539063e-08,
                     5.960464477539063e-08, inf, -inf, 0, 0.333251953125}));
  EXPECT_TRUE(std::signbit(half[9]));
  D bf = v.to(kBFloat16).tolist<double>();
  EXPECT_EQ(bf, (D{0.10009765625, 65536, 65536, 65536, 1.0011717677116394e-08,
                   3.003515303134918e-08, 6.007030606269836e-08, 99840, -inf, 0, 0.333984375}));
  EXPECT_TRUE(std::isinf(from_vector<float>({3.4e38f}).to(kBFloat16).item<double>()));
  EXPECT_TRUE(std::isnan(from_vector<double>({std::nan("")}).to(kFloat16).item<double>()));
  EXPECT_TRUE(std::isnan(from_vector<double>({std::nan("")}).to(kBFloat16).item<double>()));
  // float32 <-> float16 over a contiguous run long enough for the vector path.
  std::vector<float> many(1000);
  for (int i = 0; i < 1000; ++i) many[i] = 0.1f * static_cast<float>(i) - 50.0f;
  Tensor hv = from_vector(many).to(kFloat16);
  std::vector<float> back = hv.to(kFloat32).tolist<float>();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(back[i], static_cast<float>(Half(many[i]))) << i;
  // Strided float16 -> float32 (the scalar fallback of the vector path).
  Tensor hs = hv.view({10, 100}).t().to(kFloat32, false, false, kContiguous);
  EXPECT_EQ(hs.at({3, 7}).to_double(), static_cast<double>(static_cast<float>(Half(many[703]))));
  Tensor fs = from_vector(many).view({10, 100}).t().to(kFloat16, false, false, kContiguous);
  EXPECT_EQ(fs.at({3, 7}).to_double(), static_cast<double>(static_cast<float>(Half(many[703]))));
}

TEST(Copy, ToSameDtypeAliasesAndOtherTensor) {
  Tensor x = farange(4);
  EXPECT_TRUE(x.to(kFloat32).is_same(x));
  EXPECT_TRUE(x.to(kCPU).is_same(x));
  EXPECT_TRUE(x.to(Device("cpu:0")).is_same(x));
  Tensor y = x.to(zeros({1}, {.dtype = kInt64}));
  EXPECT_EQ(y.dtype(), kInt64);
  EXPECT_EQ(y.tolist<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_TRUE(x.to(zeros({2})).is_same(x));
  EXPECT_EQ(x.double_().dtype(), kFloat64);
  EXPECT_EQ(x.half().dtype(), kFloat16);
  EXPECT_EQ(x.bfloat16().dtype(), kBFloat16);
  EXPECT_EQ(x.long_().dtype(), kInt64);
  EXPECT_EQ(x.int_().dtype(), kInt32);
  EXPECT_EQ(x.bool_().tolist<bool>(), (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(x.long_().float_().dtype(), kFloat32);
  // The converted tensor owns new storage.
  Tensor d = x.to(kFloat64);
  d.fill_(9.0);
  EXPECT_EQ(vals(x), (D{0, 1, 2, 3}));
}

TEST(Copy, CloneIsDeep) {
  Tensor x = farange(6).view({2, 3});
  Tensor c = x.clone();
  EXPECT_NE(c.storage().get(), x.storage().get());
  c.fill_(-1.0);
  EXPECT_EQ(vals(x), (D{0, 1, 2, 3, 4, 5}));
  Tensor t = x.t().clone();
  EXPECT_EQ(vec(t.strides()), (I64{1, 3}));  // dense: strides preserved
  EXPECT_EQ(vals(t), (D{0, 3, 1, 4, 2, 5}));
  Tensor e = x.slice(1, 0, 1).expand({2, 5}).clone();
  EXPECT_EQ(vec(e.strides()), (I64{5, 1}));
  EXPECT_EQ(vals(e), (D{0, 0, 0, 0, 0, 3, 3, 3, 3, 3}));
  Tensor s = full({}, 3.0).clone();
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 3.0);
}

TEST(Copy, FillAndZero) {
  for (DType dt :
       {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64}) {
    Tensor t = empty({2, 3}, {.dtype = dt});
    t.fill_(1);
    EXPECT_EQ(t.tolist<double>(), D(6, 1.0)) << dt;
    t.t().zero_();
    EXPECT_EQ(t.tolist<double>(), D(6, 0.0)) << dt;
    t.fill_(true);
    EXPECT_EQ(t.tolist<double>(), D(6, 1.0)) << dt;
  }
  Tensor f = zeros({3});
  f.fill_(2.75);
  EXPECT_EQ(vals(f), D(3, 2.75));
  Tensor i = zeros({3}, {.dtype = kInt32});
  i.fill_(-2.75);  // truncates
  EXPECT_EQ(i.tolist<int32_t>(), std::vector<int32_t>(3, -2));
  Tensor s = zeros({2, 4});
  s.slice(1, 1, std::nullopt, 2).fill_(5.0);
  EXPECT_EQ(vals(s), (D{0, 5, 0, 5, 0, 5, 0, 5}));
  s.slice(1, 1, std::nullopt, 2).zero_();
  EXPECT_EQ(vals(s), D(8, 0.0));
  s.fill_(full({}, 7.0, {.dtype = kInt64}));
  EXPECT_EQ(vals(s), D(8, 7.0));
  EXPECT_THROW_MSG(
      s.fill_(ones({1})), RuntimeError,
      "fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.");
}

TEST(Copy, ItemAtTolist) {
  EXPECT_EQ(full({}, 2.5).item().to_double(), 2.5);
  EXPECT_TRUE(full({}, 2.5).item().is_floating_point());
  EXPECT_EQ(full({1, 1}, 7, {.dtype = kInt16}).item().to_long(), 7);
  EXPECT_TRUE(full({1}, 7, {.dtype = kInt16}).item().is_integral());
  EXPECT_TRUE(full({}, true).item().is_bool());
  EXPECT_EQ(full({}, true).item<bool>(), true);
  EXPECT_EQ(full({}, 0.1, {.dtype = kFloat16}).item<double>(), 0.0999755859375);
  EXPECT_EQ(full({}, -3, {.dtype = kInt8}).item<int64_t>(), -3);
  EXPECT_EQ(full({}, 255, {.dtype = kUInt8}).item<int64_t>(), 255);
  EXPECT_THROW_MSG(zeros({2}).item(), RuntimeError,
                   "a Tensor with 2 elements cannot be converted to Scalar");
  EXPECT_THROW_MSG(zeros({0}).item(), RuntimeError,
                   "a Tensor with 0 elements cannot be converted to Scalar");
  Tensor x = farange(24).view({2, 3, 4});
  EXPECT_EQ(x.at({1, 2, 3}).to_double(), 23.0);
  EXPECT_EQ(x.at({-1, -1, -1}).to_double(), 23.0);
  EXPECT_EQ(x.permute({2, 0, 1}).at({3, 1, 2}).to_double(), 23.0);
  EXPECT_THROW_MSG(x.at({1, 2}), IndexError, "at(): expected 3 indices");
  EXPECT_THROW(x.at({2, 0, 0}), IndexError);
}

namespace {

// Checks a channels_last copy of an NCHW tensor element by element against a hand
// loop over raw memory, then the copy back; T is the element's storage type.
template <typename T>
void check_nchw_nhwc_round_trip(DType dt, int64_t N, int64_t C, int64_t H, int64_t W) {
  const int64_t n = N * C * H * W;
  Tensor x = arange(0, n, 1, {.dtype = dt}).view({N, C, H, W});
  Tensor y = x.contiguous(kChannelsLast);
  ASSERT_EQ(vec(y.strides()), (I64{H * W * C, 1, W * C, C}));
  const T* px = static_cast<const T*>(x.data_ptr());
  const T* py = static_cast<const T*>(y.data_ptr());
  int64_t bad = 0;
  for (int64_t in = 0; in < N; ++in)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w)
          bad += std::memcmp(&py[((in * H + h) * W + w) * C + c],
                             &px[((in * C + c) * H + h) * W + w], sizeof(T)) != 0;
  EXPECT_EQ(bad, 0) << dt << " [" << N << ", " << C << ", " << H << ", " << W << "] to NHWC";
  Tensor z = y.contiguous();
  ASSERT_TRUE(z.is_contiguous());
  EXPECT_EQ(std::memcmp(z.data_ptr(), x.data_ptr(), static_cast<size_t>(n) * sizeof(T)), 0)
      << dt << " back to NCHW";
}

}  // namespace

TEST(CopyLarge, ChannelsLastRoundTrip5M) {
  // 5,033,665 elements with odd sizes: partial 32x32 blocks on every edge, many threads.
  check_nchw_nhwc_round_trip<float>(kFloat32, 5, 37, 161, 169);
}

TEST(CopyLarge, ChannelsLastRoundTripEveryElementSize) {
  check_nchw_nhwc_round_trip<uint8_t>(kUInt8, 3, 19, 33, 35);
  check_nchw_nhwc_round_trip<int16_t>(kInt16, 2, 9, 17, 9);
  check_nchw_nhwc_round_trip<Half>(kFloat16, 2, 33, 8, 8);
  check_nchw_nhwc_round_trip<int64_t>(kInt64, 1, 40, 7, 5);
  check_nchw_nhwc_round_trip<double>(kFloat64, 2, 11, 13, 15);
}

TEST(CopyLarge, TransposeCopiesAgainstHandLoop) {
  struct Shape {
    int64_t rows, cols;
  };
  // Below the 8x8 threshold, exactly 8, block multiples, and odd sizes.
  for (Shape s : {Shape{5, 1000}, Shape{1000, 5}, Shape{8, 8}, Shape{33, 31}, Shape{64, 96},
                  Shape{1001, 999}}) {
    for (DType dt : {kInt8, kInt16, kFloat32, kFloat64}) {
      Tensor x = arange(0, s.rows * s.cols, 1, {.dtype = kInt64}).to(dt).view({s.rows, s.cols});
      Tensor t = x.t().contiguous();
      ASSERT_EQ(vec(t.sizes()), (I64{s.cols, s.rows}));
      const Tensor x64 = x.to(kInt64);
      const Tensor t64 = t.to(kInt64);
      const int64_t* px = x64.data_ptr<int64_t>();
      const int64_t* pt = t64.data_ptr<int64_t>();
      int64_t bad = 0;
      for (int64_t r = 0; r < s.rows; ++r)
        for (int64_t c = 0; c < s.cols; ++c) bad += pt[c * s.rows + r] != px[r * s.cols + c];
      EXPECT_EQ(bad, 0) << dt << " " << s.rows << "x" << s.cols;
    }
  }
}

TEST(CopyLarge, BatchedTransposeWithOuterDims) {
  // [B, R, C] -> [B, C, R] contiguous, and a channels_last_3d round trip.
  const int64_t B = 3, R = 45, Cc = 67;
  Tensor x = arange(0, B * R * Cc, 1, {.dtype = kFloat64}).view({B, R, Cc});
  Tensor t = x.transpose(1, 2).contiguous();
  const double* px = x.data_ptr<double>();
  const double* pt = t.data_ptr<double>();
  int64_t bad = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < Cc; ++c) bad += pt[(b * Cc + c) * R + r] != px[(b * R + r) * Cc + c];
  EXPECT_EQ(bad, 0);
  Tensor v = arange(0, 2 * 11 * 9 * 10 * 13, 1, {.dtype = kInt32}).view({2, 11, 9, 10, 13});
  Tensor v3 = v.contiguous(kChannelsLast3d);
  EXPECT_EQ(v3.tolist<int32_t>(), v.tolist<int32_t>());
  const int32_t* p3 = v3.data_ptr<int32_t>();
  EXPECT_EQ(p3[1], 9 * 10 * 13);  // (0, 1, 0, 0, 0) next to (0, 0, 0, 0, 0)
  EXPECT_EQ(std::memcmp(v3.contiguous().data_ptr(), v.data_ptr(), v.nbytes()), 0);
}

TEST(CopyLarge, ConvertingStridedCopy) {
  // float32 channels_last -> float64 contiguous: the converting TensorIter path.
  const int64_t N = 2, C = 13, H = 41, W = 43;
  Tensor x = arange(0, N * C * H * W, 1, {.dtype = kFloat32}).view({N, C, H, W});
  Tensor cl = x.contiguous(kChannelsLast);
  Tensor d = cl.to(kFloat64, false, false, kContiguous);
  ASSERT_TRUE(d.is_contiguous());
  const double* pd = d.data_ptr<double>();
  int64_t bad = 0;
  for (int64_t i = 0; i < N * C * H * W; ++i) bad += pd[i] != static_cast<double>(i);
  EXPECT_EQ(bad, 0);
  Tensor h = cl.to(kFloat16);  // preserve: stays channels_last
  EXPECT_TRUE(h.is_contiguous(kChannelsLast));
  EXPECT_EQ(h.at({1, 12, 40, 42}).to_double(),
            static_cast<double>(Half(static_cast<float>(N * C * H * W - 1))));
}

TEST(CopyLarge, MoreDimsThanTheIteratorWalks) {
  // 20 dims of size 2, reversed: no two dims coalesce.
  I64 sizes(20, 2), perm(20);
  for (int i = 0; i < 20; ++i) perm[i] = 19 - i;
  Tensor x = arange(0, 1 << 20, 1, {.dtype = kInt32}).view(sizes);
  Tensor c = x.permute(perm).contiguous();
  const int32_t* pc = c.data_ptr<int32_t>();
  int64_t bad = 0;
  for (int32_t f = 0; f < (1 << 20); ++f) {
    int32_t rev = 0;
    for (int b = 0; b < 20; ++b)
      if (f & (1 << b)) rev |= 1 << (19 - b);
    bad += pc[f] != rev;
  }
  EXPECT_EQ(bad, 0);
  // 18 dims whose strides leave gaps (2^(j+1) - 1): fill_ and copy_ through them.
  const int nd = 18;
  I64 sz(nd, 2), st(nd);
  for (int j = 0; j < nd; ++j) st[nd - 1 - j] = (int64_t{2} << j) - 1;
  Tensor base = zeros({int64_t{1} << (nd + 1)}, {.dtype = kInt32});
  Tensor v = base.as_strided(sz, st);
  auto offset_of = [&](int64_t f) {
    int64_t off = 0;
    for (int j = 0; j < nd; ++j)
      if (f & (int64_t{1} << j)) off += st[nd - 1 - j];
    return off;
  };
  v.fill_(-1);
  int64_t ones_count = 0;
  for (int32_t e : base.tolist<int32_t>()) ones_count += e == -1;
  EXPECT_EQ(ones_count, int64_t{1} << nd);
  v.copy_(arange(0, int64_t{1} << nd, 1, {.dtype = kInt32}).view(sz));
  const int32_t* pb = base.data_ptr<int32_t>();
  bad = 0;
  for (int64_t f = 0; f < (int64_t{1} << nd); ++f) bad += pb[offset_of(f)] != f;
  EXPECT_EQ(bad, 0);
}
