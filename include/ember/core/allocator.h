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

Allocator* cpu_allocator();
Allocator* meta_allocator();
// The allocator for a device; throws DeviceError for a device this build lacks.
Allocator* allocator_for(const Device& d);

}  // namespace ember
