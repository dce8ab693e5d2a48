#pragma once
// The object a Tensor handle points to: storage, offset, sizes, strides, dtype,
// and the autograd state (interpreted by the autograd layer).
#include <atomic>
#include <cstdint>
#include <memory>

#include "ember/core/array_ref.h"
#include "ember/core/dtype.h"
#include "ember/core/memory_format.h"
#include "ember/core/storage.h"

namespace ember {

namespace autograd {
class Node;
struct AutogradMeta;
}  // namespace autograd

// Counts in-place modifications. Shared by a tensor and all its views, so a
// change through any of them is seen by autograd's saved-tensor checks.
struct VersionCounter {
  std::atomic<uint32_t> version{0};
};

// How a view came to be; decides whether autograd allows modifying it in place.
enum class ViewCreationMeta : uint8_t {
  Default,
  MultipleViews,
  NoGradMode,
  InferenceMode,
  InCustomFunction
};

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

  // ---- autograd state. A leaf requires grad by its flag; any other tensor
  // because it has a grad_fn (its gradient flows to input output_nr of it).
  bool requires_grad() const { return requires_grad_ || grad_fn_ != nullptr; }
  bool leaf_requires_grad() const { return requires_grad_; }
  void set_requires_grad(bool r) { requires_grad_ = r; }
  const std::shared_ptr<autograd::Node>& raw_grad_fn() const { return grad_fn_; }
  uint32_t output_nr() const { return output_nr_; }
  void set_grad_fn(std::shared_ptr<autograd::Node> fn, uint32_t output_nr) {
    grad_fn_ = std::move(fn);
    output_nr_ = output_nr;
  }
  const std::shared_ptr<autograd::AutogradMeta>& autograd_meta() const { return autograd_meta_; }
  void set_autograd_meta(std::shared_ptr<autograd::AutogradMeta> m) {
    autograd_meta_ = std::move(m);
  }

  // Version counter, made on first need (first save, view or in-place change).
  uint32_t version() const { return version_ ? version_->version.load() : 0; }
  void bump_version() { version_counter()->version.fetch_add(1, std::memory_order_relaxed); }
  const std::shared_ptr<VersionCounter>& version_counter() {
    if (!version_) version_ = std::make_shared<VersionCounter>();
    return version_;
  }
  void set_version_counter(std::shared_ptr<VersionCounter> v) { version_ = std::move(v); }

  // Views: the tensor at the root of the view chain, and how the view was made.
  bool is_view() const { return view_base_ != nullptr; }
  const std::shared_ptr<TensorImpl>& view_base() const { return view_base_; }
  ViewCreationMeta view_creation_meta() const { return creation_meta_; }
  void set_view_creation_meta(ViewCreationMeta m) { creation_meta_ = m; }
  // Call after set_version_counter (the view starts at the shared version).
  void set_view_base(std::shared_ptr<TensorImpl> base, ViewCreationMeta m) {
    view_base_ = std::move(base);
    creation_meta_ = m;
    view_attr_version_ = version();
  }
  // The base's version when this view's grad_fn was last set; a newer base
  // version means the base was modified in place and grad_fn must be rebuilt.
  uint32_t view_attr_version() const { return view_attr_version_; }
  void set_view_attr_version(uint32_t v) { view_attr_version_ = v; }

  bool is_inference() const { return is_inference_; }
  // Marked by nn::Parameter (printing says "Parameter containing:").
  bool is_parameter() const { return is_parameter_; }
  void set_is_parameter(bool p) { is_parameter_ = p; }
  // nn::UninitializedParameter / UninitializedBuffer (a lazy module's tensor
  // before materialize): Tensor's shape and data accessors refuse it.
  enum class Uninitialized : uint8_t { No, Parameter, Buffer };
  bool is_uninitialized() const { return uninitialized_ != Uninitialized::No; }
  Uninitialized uninitialized() const { return uninitialized_; }
  void set_uninitialized(Uninitialized u) { uninitialized_ = u; }

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
  bool is_inference_ = false;
  bool is_parameter_ = false;
  Uninitialized uninitialized_ = Uninitialized::No;
  ViewCreationMeta creation_meta_ = ViewCreationMeta::Default;
  uint32_t output_nr_ = 0;
  uint32_t view_attr_version_ = 0;
  std::shared_ptr<autograd::Node> grad_fn_;
  std::shared_ptr<VersionCounter> version_;
  std::shared_ptr<TensorImpl> view_base_;
  std::shared_ptr<autograd::AutogradMeta> autograd_meta_;
};

using TensorImplPtr = std::shared_ptr<TensorImpl>;

}  // namespace ember
