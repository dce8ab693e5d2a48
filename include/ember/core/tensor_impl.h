#pragma once
// The object a Tensor handle points to: storage, offset, sizes, strides, dtype,
// and the autograd state (owned by the autograd layer).
#include <cstdint>
#include <memory>

#include "ember/core/array_ref.h"
#include "ember/core/dtype.h"
#include "ember/core/memory_format.h"
#include "ember/core/storage.h"

namespace ember {

struct AutogradMeta;  // defined by the autograd layer

class TensorImpl {
 public:
  TensorImpl(StoragePtr storage, DType dtype, IntArrayRef sizes, IntArrayRef strides,
             int64_t storage_offset);

  IntArrayRef sizes() const { return sizes_; }
  IntArrayRef strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  DType dtype() const { return dtype_; }
  size_t itemsize() const { return element_size(dtype_); }
  const Device& device() const { return storage_->device(); }
  const StoragePtr& storage() const { return storage_; }
  int64_t storage_offset() const { return storage_offset_; }

  // Pointer to element 0; throws for meta tensors.
  void* data() const;
  // Pointer to element 0 without the meta check (nullptr for meta).
  void* data_unchecked() const {
    return static_cast<char*>(storage_->data()) + storage_offset_ * int64_t(itemsize());
  }

  bool is_contiguous() const { return is_contiguous_; }
  bool is_contiguous(MemoryFormat f) const;
  bool is_non_overlapping_and_dense() const { return is_dense_; }

  void set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides);
  void set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset);
  void set_storage_offset(int64_t off) { storage_offset_ = off; }
  void set_storage(StoragePtr s) { storage_ = std::move(s); }
  void set_dtype(DType t) { dtype_ = t; }

  bool requires_grad() const { return requires_grad_; }
  void set_requires_grad(bool r) { requires_grad_ = r; }
  const std::shared_ptr<AutogradMeta>& autograd_meta() const { return autograd_meta_; }
  void set_autograd_meta(std::shared_ptr<AutogradMeta> m) { autograd_meta_ = std::move(m); }

 private:
  void refresh();

  StoragePtr storage_;
  int64_t storage_offset_;
  DimVector sizes_;
  DimVector strides_;
  int64_t numel_ = 1;
  DType dtype_;
  bool is_contiguous_ = true;
  bool is_channels_last_ = false;
  bool is_channels_last_3d_ = false;
  bool is_dense_ = true;
  bool requires_grad_ = false;
  std::shared_ptr<AutogradMeta> autograd_meta_;
};

using TensorImplPtr = std::shared_ptr<TensorImpl>;

}  // namespace ember
