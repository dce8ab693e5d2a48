#include "ember/core/allocator.h"

#include <cstdlib>
#include <new>

#include "ember/core/error.h"

namespace ember {

namespace {

void free_aligned(void* p) { std::free(p); }

class CpuAllocator final : public Allocator {
 public:
  DataPtr allocate(size_t nbytes) override {
    if (nbytes == 0) return DataPtr();
    const size_t rounded = (nbytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    void* p = std::aligned_alloc(kCpuAlignment, rounded);
    EMBER_CHECK(p != nullptr, RuntimeError, "DefaultCPUAllocator: can't allocate memory: you tried to allocate ",
                nbytes, " bytes.");
    return DataPtr(p, p, &free_aligned);
  }
  Device device() const override { return Device(DeviceType::CPU); }
};

// Meta tensors have shapes and dtypes but no bytes.
class MetaAllocator final : public Allocator {
 public:
  DataPtr allocate(size_t) override { return DataPtr(); }
  Device device() const override { return Device(DeviceType::Meta); }
};

}  // namespace

Allocator* cpu_allocator() {
  static CpuAllocator a;
  return &a;
}
Allocator* meta_allocator() {
  static MetaAllocator a;
  return &a;
}

Allocator* allocator_for(const Device& d) {
  switch (d.type) {
    case DeviceType::CPU: return cpu_allocator();
    case DeviceType::Meta: return meta_allocator();
    case DeviceType::CUDA: check_device_available(d); break;
  }
  throw DeviceError("no allocator for device " + d.str());
}

}  // namespace ember
