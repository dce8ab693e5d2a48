// Allocators, DataPtr, Storage and TensorImpl: alignment, ownership, resizing,
// sharing between views, and resize_ on tensors.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using I64 = std::vector<int64_t>;

namespace {
I64 vec(IntArrayRef a) { return a.vec(); }
std::vector<double> vals(const Tensor& t) { return t.tolist<double>(); }

int g_deletes = 0;
void count_delete(void* ctx) {
  ++g_deletes;
  delete static_cast<int*>(ctx);
}
}  // namespace

TEST(Storage, CpuAllocatorAlignment) {
  for (size_t n : {1u, 3u, 63u, 64u, 65u, 1000u, 1u << 20}) {
    DataPtr p = cpu_allocator()->allocate(n);
    ASSERT_NE(p.get(), nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.get()) % kCpuAlignment, 0u) << n;
    std::memset(p.get(), 0xAB, n);  // the whole block is writable
  }
  EXPECT_EQ(cpu_allocator()->allocate(0).get(), nullptr);
  EXPECT_EQ(meta_allocator()->allocate(1000).get(), nullptr);
  // Tensors' data is aligned too.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(empty({3, 5}).data_ptr()) % kCpuAlignment, 0u);
}

TEST(Storage, DataPtrOwnership) {
  g_deletes = 0;
  {
    DataPtr a(nullptr, new int(1), &count_delete);
    DataPtr b(std::move(a));
    EXPECT_EQ(a.deleter(), nullptr);
    EXPECT_NE(b.deleter(), nullptr);
    DataPtr c;
    c = std::move(b);
    EXPECT_EQ(g_deletes, 0);
    c = DataPtr(nullptr, new int(2), &count_delete);  // frees the first block
    EXPECT_EQ(g_deletes, 1);
  }
  EXPECT_EQ(g_deletes, 2);
  DataPtr empty_ptr;
  EXPECT_EQ(empty_ptr.get(), nullptr);
  EXPECT_EQ(empty_ptr.context(), nullptr);
}

TEST(Storage, ResizeKeepsContents) {
  Storage s(16, cpu_allocator());
  EXPECT_TRUE(s.resizable());
  EXPECT_EQ(s.nbytes(), 16u);
  EXPECT_EQ(s.device(), kCPU);
  EXPECT_EQ(s.allocator(), cpu_allocator());
  for (int i = 0; i < 16; ++i) static_cast<uint8_t*>(s.data())[i] = static_cast<uint8_t>(i);
  s.resize(100);
  EXPECT_EQ(s.nbytes(), 100u);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(static_cast<uint8_t*>(s.data())[i], i);
  s.resize(8);
  EXPECT_EQ(s.nbytes(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(static_cast<uint8_t*>(s.data())[i], i);
  s.resize(0);
  EXPECT_EQ(s.nbytes(), 0u);
  s.resize(4);
  EXPECT_EQ(s.nbytes(), 4u);
  // Meta storage tracks its size without bytes.
  Storage m(32, meta_allocator());
  EXPECT_EQ(m.device(), kMeta);
  m.resize(64);
  EXPECT_EQ(m.nbytes(), 64u);
  EXPECT_EQ(m.data(), nullptr);
  // Wrapped memory cannot be resized.
  char buf[8];
  Storage w(DataPtr(buf, nullptr, nullptr), sizeof buf, kCPU);
  EXPECT_FALSE(w.resizable());
  EXPECT_THROW_MSG(w.resize(16), RuntimeError, "Trying to resize storage that is not resizable");
  EXPECT_EQ(w.data(), static_cast<void*>(buf));
  // set_data_ptr swaps the block in.
  g_deletes = 0;
  w.set_data_ptr(DataPtr(buf, new int(0), &count_delete), 4, nullptr);
  EXPECT_EQ(w.nbytes(), 4u);
  w.set_data_ptr(cpu_allocator()->allocate(12), 12, cpu_allocator());
  EXPECT_EQ(g_deletes, 1);
  EXPECT_TRUE(w.resizable());
}

TEST(Storage, TensorImplFlagsRefresh) {
  auto st = std::make_shared<Storage>(24 * 4, cpu_allocator());
  TensorImpl impl(st, kFloat32, I64{2, 3, 4}, I64{12, 4, 1}, 0);
  EXPECT_EQ(impl.numel(), 24);
  EXPECT_EQ(impl.dim(), 3);
  EXPECT_EQ(impl.itemsize(), 4u);
  EXPECT_TRUE(impl.is_contiguous());
  EXPECT_TRUE(impl.is_non_overlapping_and_dense());
  impl.set_sizes_and_strides(I64{4, 3, 2}, I64{1, 4, 12});
  EXPECT_FALSE(impl.is_contiguous());
  EXPECT_TRUE(impl.is_non_overlapping_and_dense());
  impl.set_sizes_and_strides(I64{2, 3, 4, 1}, I64{12, 1, 3, 1}, 0);
  EXPECT_TRUE(impl.is_contiguous(kChannelsLast));
  EXPECT_FALSE(impl.is_contiguous(kContiguous));
  impl.set_sizes_and_strides(I64{3}, I64{2}, 5);
  EXPECT_EQ(impl.storage_offset(), 5);
  EXPECT_EQ(impl.numel(), 3);
  EXPECT_FALSE(impl.is_non_overlapping_and_dense());
  EXPECT_EQ(static_cast<char*>(impl.data()) - static_cast<char*>(st->data()), 20);
  impl.set_sizes_and_strides(I64{}, I64{}, 0);
  EXPECT_EQ(impl.numel(), 1);
  EXPECT_TRUE(impl.is_contiguous());
  impl.set_sizes_and_strides(I64{0, 7}, I64{1, 1}, 0);
  EXPECT_EQ(impl.numel(), 0);
  EXPECT_TRUE(impl.is_contiguous());
  EXPECT_EQ(impl.device(), kCPU);
  EXPECT_FALSE(impl.requires_grad());
}

TEST(Storage, ViewsShareOneStorage) {
  Tensor x = zeros({4, 4});
  const long before = x.storage().use_count();
  Tensor v = x.t();
  Tensor s = x.slice(0, 1);
  EXPECT_EQ(x.storage().get(), v.storage().get());
  EXPECT_EQ(x.storage().get(), s.storage().get());
  EXPECT_EQ(x.storage().use_count(), before + 2);
  // each view has its own TensorImpl and keeps x's as its _base
  EXPECT_EQ(x.use_count(), 3);
  EXPECT_TRUE(v._base().is_same(x));
  Tensor h = x;  // a handle copy shares the impl
  EXPECT_TRUE(h.is_same(x));
  EXPECT_EQ(x.use_count(), 4);
  s.fill_(2.0);
  EXPECT_EQ(v.at({0, 1}).to_double(), 2.0);
  EXPECT_EQ(static_cast<char*>(s.data_ptr()) - static_cast<char*>(x.data_ptr()), 16);
}

TEST(Storage, TensorResize) {
  Tensor x = arange(0, 6, 1, {.dtype = kFloat32});
  Tensor alias = x.view({2, 3});
  x.resize_({3, 4});
  EXPECT_EQ(vec(x.sizes()), (I64{3, 4}));
  EXPECT_EQ(vec(x.strides()), (I64{4, 1}));
  EXPECT_GE(x.storage()->nbytes(), 48u);
  EXPECT_EQ(vals(x.flatten().slice(0, 0, 6)), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  // The alias still views the same (grown) storage, so it sees the old values.
  EXPECT_EQ(alias.storage().get(), x.storage().get());
  EXPECT_EQ(vals(alias), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  x.fill_(1.0);
  EXPECT_EQ(vals(alias), std::vector<double>(6, 1.0));
  // Shrinking keeps the storage.
  const size_t bytes = x.storage()->nbytes();
  x.resize_({2});
  EXPECT_EQ(x.storage()->nbytes(), bytes);
  EXPECT_EQ(vec(x.sizes()), I64{2});
  // The storage offset counts toward the needed size.
  Tensor y = zeros({6}).slice(0, 2);
  y.resize_({10});
  EXPECT_EQ(y.storage_offset(), 2);
  EXPECT_EQ(y.storage()->nbytes(), 48u);
  y.resize_({0});
  EXPECT_EQ(y.numel(), 0);
  Tensor s = zeros({});
  s.resize_({2, 2});
  EXPECT_EQ(s.numel(), 4);
  s.resize_({});
  EXPECT_EQ(s.dim(), 0);
  EXPECT_THROW_MSG(x.resize_({-1, 2}), RuntimeError,
                   "Trying to create tensor with negative dimension -1: [-1, 2]");
  Tensor g = zeros({2});
  g.requires_grad_();
  EXPECT_THROW_MSG(g.resize_({3}), RuntimeError, "cannot resize variables that require grad");
  EXPECT_THROW(g.resize_({2}), RuntimeError);
  Tensor gd = g.detach();
  gd.resize_({3});
  EXPECT_EQ(vec(gd.sizes()), I64{3});
}

TEST(Storage, RequiresGradAndTypedAccess) {
  Tensor f = zeros({2});
  f.requires_grad_();
  EXPECT_TRUE(f.requires_grad());
  EXPECT_TRUE(f.view({2, 1}).requires_grad());  // views inherit the flag
  EXPECT_FALSE(f.detach().requires_grad());
  f.set_requires_grad(false);
  EXPECT_FALSE(f.requires_grad());
  Tensor d = zeros({2});
  d.requires_grad_(true);
  d.detach_();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_THROW_MSG(zeros({2}, {.dtype = kInt64}).requires_grad_(), RuntimeError,
                   "only Tensors of floating point dtype can require gradients");
  zeros({2}, {.dtype = kInt64}).requires_grad_(false);  // turning it off is always fine
  EXPECT_THROW_MSG(zeros({2}).data_ptr<double>(), TypeError,
                   "expected scalar type Double but found Float");
  EXPECT_NO_THROW(zeros({2}).const_data_ptr<float>());
  Tensor undefined;
  EXPECT_FALSE(undefined.defined());
  EXPECT_THROW_MSG(undefined.sizes(), RuntimeError, "operation on an undefined tensor");
  EXPECT_THROW(undefined.numel(), RuntimeError);
  EXPECT_THROW(undefined.dtype(), RuntimeError);
}

TEST(Storage, SizeAndStrideAccessors) {
  Tensor x = zeros({2, 3, 4});
  EXPECT_EQ(x.size(0), 2);
  EXPECT_EQ(x.size(-1), 4);
  EXPECT_EQ(x.stride(-3), 12);
  EXPECT_EQ(x.ndimension(), 3);
  EXPECT_EQ(vec(x.shape()), (I64{2, 3, 4}));
  EXPECT_THROW_MSG(x.size(3), IndexError,
                   "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  EXPECT_THROW_MSG(zeros({}).size(0), IndexError,
                   "Dimension specified as 0 but tensor has no dimensions");
  EXPECT_EQ(wrap_dim(-1, 3), 2);
  EXPECT_EQ(wrap_dim(0, 0), 0);
  EXPECT_EQ(wrap_dim(-1, 0), 0);
  EXPECT_THROW(wrap_dim(1, 0), IndexError);
  EXPECT_THROW(wrap_dim(0, 0, false), IndexError);
}

TEST(CpuCache, LargeBlocksAreReusedAndBounded) {
  const size_t old_limit = cpu_cache_limit();
  empty_cpu_cache();
  EXPECT_EQ(cpu_cache_bytes(), 0u);
  void* first = nullptr;
  {
    Tensor big = empty({1 << 20});  // 4 MiB: a large, cached block
    first = big.data_ptr();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % kCpuAlignment, 0u);
    big.fill_(1.5);
  }
  EXPECT_EQ(cpu_cache_bytes(), size_t(4) << 20);
  {
    Tensor again = empty({1 << 20});
    EXPECT_EQ(again.data_ptr(), first);  // the same pages, no fresh faults
    EXPECT_EQ(cpu_cache_bytes(), 0u);
    Tensor z = zeros({1 << 20});  // zeros still zeroes a reused block
    EXPECT_EQ(z.sum().item().to_double(), 0.0);
  }
  set_cpu_cache_limit(size_t(6) << 20);  // room for one 4 MiB block, not two
  EXPECT_LE(cpu_cache_bytes(), size_t(6) << 20);
  { Tensor a = empty({1 << 20}), b = empty({1 << 20}); }
  EXPECT_EQ(cpu_cache_bytes(), size_t(4) << 20);
  set_cpu_cache_limit(0);
  EXPECT_EQ(cpu_cache_bytes(), 0u);
  { Tensor c = empty({1 << 20}); }
  EXPECT_EQ(cpu_cache_bytes(), 0u);  // disabled: returned to the OS
  set_cpu_cache_limit(old_limit);
  empty_cpu_cache();
}
