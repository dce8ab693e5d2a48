#pragma once
// Allocators hand out raw memory for a Storage. CPU memory is 64-byte aligned;
// the meta allocator hands out nothing; shared-memory and CUDA allocators plug in
// through the same interface.
#include <cstddef>
#include <utility>

#include "ember/core/device.h"

namespace ember {

// Owns a block: `deleter(ctx)` frees it. Move-only.
class DataPtr {
 public:
  using Deleter = void (*)(void* ctx);
  DataPtr() = default;
  DataPtr(void* data, void* ctx, Deleter deleter) : data_(data), ctx_(ctx), deleter_(deleter) {}
  DataPtr(const DataPtr&) = delete;
  DataPtr& operator=(const DataPtr&) = delete;
  DataPtr(DataPtr&& o) noexcept { swap(o); }
  DataPtr& operator=(DataPtr&& o) noexcept {
    DataPtr tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~DataPtr() {
    if (deleter_) deleter_(ctx_);
  }
  void* get() const { return data_; }
  void* context() const { return ctx_; }
  Deleter deleter() const { return deleter_; }
  void swap(DataPtr& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(ctx_, o.ctx_);
    std::swap(deleter_, o.deleter_);
  }

 private:
  void* data_ = nullptr;
  void* ctx_ = nullptr;
  Deleter deleter_ = nullptr;
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual DataPtr allocate(size_t nbytes) = 0;
  virtual Device device() const = 0;
};

inline constexpr size_t kCpuAlignment = 64;

// The CPU allocator: 64-byte aligned. Blocks of 1 MiB and more are rounded up to
// 2 MiB, backed by transparent huge pages where the kernel allows, and kept in a
// bounded cache when freed, so a training loop that allocates the same large
// tensors every step does not page-fault them in again each time.
Allocator* cpu_allocator();
// Bytes the CPU cache may hold (default 1 GiB, or EMBER_CPU_CACHE_MB); 0 disables it.
void set_cpu_cache_limit(size_t bytes);
size_t cpu_cache_limit();
// Bytes currently held in the cache (allocated from the OS but not in use).
size_t cpu_cache_bytes();
// Returns every cached block to the OS.
void empty_cpu_cache();
Allocator* meta_allocator();
// The allocator for a device; throws DeviceError for a device this build lacks.
Allocator* allocator_for(const Device& d);

}  // namespace ember
