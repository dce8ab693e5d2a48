#pragma once
// A reference-counted block of bytes. Views share one Storage.
#include <cstddef>
#include <memory>

#include "ember/core/allocator.h"

namespace ember {

class Storage {
 public:
  Storage(size_t nbytes, Allocator* allocator)
      : data_(allocator->allocate(nbytes)),
        nbytes_(nbytes),
        allocator_(allocator),
        device_(allocator->device()) {}
  // Wraps memory someone else owns (the deleter may be null).
  Storage(DataPtr data, size_t nbytes, Device device, Allocator* allocator = nullptr)
      : data_(std::move(data)), nbytes_(nbytes), allocator_(allocator), device_(device) {}

  void* data() const { return data_.get(); }
  size_t nbytes() const { return nbytes_; }
  const Device& device() const { return device_; }
  Allocator* allocator() const { return allocator_; }
  bool resizable() const { return allocator_ != nullptr; }
  const DataPtr& data_ptr() const { return data_; }

  // Grows (or replaces) the block, keeping the first min(old, new) bytes.
  void resize(size_t nbytes);
  // Swaps in another block (used by share_memory and to_empty).
  void set_data_ptr(DataPtr data, size_t nbytes, Allocator* allocator);

 private:
  DataPtr data_;
  size_t nbytes_;
  Allocator* allocator_;
  Device device_;
};

using StoragePtr = std::shared_ptr<Storage>;

}  // namespace ember
