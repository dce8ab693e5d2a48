// Meta tensors: shapes and dtypes without bytes. Factories, views and conversions
// work; reading data throws with a clear message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using I64 = std::vector<int64_t>;

namespace {
I64 vec(IntArrayRef a) { return a.vec(); }
const TensorOptions kOnMeta{.device = kMeta};
}  // namespace

TEST(Meta, Factories) {
  Tensor e = empty({2, 3}, kOnMeta);
  EXPECT_TRUE(e.is_meta());
  EXPECT_FALSE(e.is_cpu());
  EXPECT_EQ(e.device(), kMeta);
  EXPECT_EQ(e.device().str(), "meta");
  EXPECT_EQ(e.dtype(), kFloat32);
  EXPECT_EQ(vec(e.sizes()), (I64{2, 3}));
  EXPECT_EQ(e.numel(), 6);
  EXPECT_EQ(e.storage()->nbytes(), 24u);  // accounted, not allocated
  EXPECT_EQ(e.storage()->data(), nullptr);
  EXPECT_TRUE(zeros({4}, kOnMeta).is_meta());
  EXPECT_TRUE(ones({4}, {.dtype = kInt8, .device = kMeta}).is_meta());
  EXPECT_EQ(full({2}, 7, kOnMeta).dtype(), kInt64);
  Tensor a = arange(0, 10, 3, kOnMeta);
  EXPECT_TRUE(a.is_meta());
  EXPECT_EQ(vec(a.sizes()), I64{4});
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(vec(linspace(0, 1, 5, kOnMeta).sizes()), I64{5});
  EXPECT_EQ(vec(eye(2, 3, kOnMeta).sizes()), (I64{2, 3}));
  EXPECT_EQ(vec(empty_strided({2, 3}, {1, 2}, kOnMeta).strides()), (I64{1, 2}));
  Tensor cl = empty({2, 3, 4, 5}, {.device = kMeta, .memory_format = kChannelsLast});
  EXPECT_TRUE(cl.is_contiguous(kChannelsLast));
  // Argument checks still run.
  EXPECT_THROW(arange(1, 0, 1, kOnMeta), RuntimeError);
  EXPECT_THROW(empty({-1}, kOnMeta), RuntimeError);
  EXPECT_THROW(linspace(0, 1, -1, kOnMeta), RuntimeError);
  // *_like follow the input's device unless told otherwise.
  EXPECT_TRUE(empty_like(e).is_meta());
  EXPECT_TRUE(zeros_like(e).is_meta());
  EXPECT_TRUE(ones_like(e).is_meta());
  EXPECT_TRUE(full_like(e, 2.0).is_meta());
  EXPECT_TRUE(empty_like(zeros({2}), {.device = kMeta}).is_meta());
}

TEST(Meta, ViewsKeepShapesAndStrides) {
  Tensor x = empty({2, 3, 4}, kOnMeta);
  EXPECT_EQ(vec(x.view({6, 4}).sizes()), (I64{6, 4}));
  EXPECT_EQ(vec(x.permute({2, 0, 1}).strides()), (I64{1, 12, 4}));
  EXPECT_EQ(x.select(1, 2).storage_offset(), 8);
  EXPECT_EQ(vec(x.slice(2, 1, std::nullopt, 2).strides()), (I64{12, 4, 2}));
  EXPECT_EQ(vec(x.transpose(0, 1).reshape({6, 4}).strides()), (I64{4, 1}));  // reshape copies
  EXPECT_TRUE(x.transpose(0, 1).reshape({6, 4}).is_meta());
  EXPECT_EQ(vec(x.unsqueeze(0).expand({5, 2, 3, 4}).strides()), (I64{0, 12, 4, 1}));
  EXPECT_EQ(x.chunk(2, 2).size(), 2u);
  EXPECT_EQ(vec(x.diagonal(0, 1, 2).sizes()), (I64{2, 3}));
  EXPECT_EQ(vec(x.index({kEllipsis, kNone, 1}).sizes()), (I64{2, 3, 1}));
  EXPECT_EQ(vec(x.flatten().sizes()), I64{24});
  EXPECT_TRUE(x.view({24}).storage().get() == x.storage().get());
  EXPECT_THROW(x.view({5, 5}), RuntimeError);
  EXPECT_THROW(x.transpose(0, 1).view({24}), RuntimeError);
}

TEST(Meta, ConversionsAndCopies) {
  Tensor x = empty({2, 3}, kOnMeta);
  Tensor d = x.to(kFloat64);
  EXPECT_TRUE(d.is_meta());
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_TRUE(x.to(kMeta).is_same(x));
  EXPECT_EQ(vec(x.t().contiguous().strides()), (I64{2, 1}));
  EXPECT_EQ(vec(x.t().clone().strides()), (I64{1, 3}));
  Tensor c4 = empty({2, 3, 4, 5}, kOnMeta);
  EXPECT_EQ(vec(c4.contiguous(kChannelsLast).strides()), (I64{60, 1, 15, 3}));
  EXPECT_EQ(vec(c4.to(kChannelsLast).strides()), (I64{60, 1, 15, 3}));
  // cpu -> meta works; meta -> cpu has no data to copy.
  Tensor cpu = ones({2, 3});
  Tensor m = cpu.to(kMeta);
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(vec(m.sizes()), (I64{2, 3}));
  EXPECT_TRUE(cpu.to(Device("meta"), kInt32).is_meta());
  EXPECT_THROW_MSG(x.to(kCPU), NotImplementedError, "Cannot copy out of meta tensor; no data!");
  EXPECT_THROW_MSG(cpu.copy_(x), NotImplementedError, "Cannot copy out of meta tensor; no data!");
  x.copy_(cpu);  // into meta: shape-only
  x.fill_(1.0);
  x.zero_();
  Tensor r = empty({2}, kOnMeta);
  r.resize_({10, 10});
  EXPECT_EQ(vec(r.sizes()), (I64{10, 10}));
  EXPECT_GE(r.storage()->nbytes(), 400u);
}

TEST(Meta, DataAccessThrows) {
  Tensor x = empty({2, 3}, kOnMeta);
  EXPECT_THROW_MSG(x.data_ptr(), RuntimeError, "Cannot access data of a meta tensor");
  EXPECT_THROW_MSG(x.data_ptr<float>(), RuntimeError, "meta tensor");
  EXPECT_THROW_MSG(x.tolist<float>(), Error, "meta tensor");
  EXPECT_THROW_MSG(empty({}, kOnMeta).item(), RuntimeError,
                   "Tensor.item() cannot be called on meta tensors");
  EXPECT_THROW_MSG(empty({1}, kOnMeta).item<float>(), RuntimeError, "meta tensors");
  EXPECT_THROW(x.at({0, 0}), RuntimeError);
  EXPECT_EQ(x.impl()->data_unchecked(), nullptr);
}
