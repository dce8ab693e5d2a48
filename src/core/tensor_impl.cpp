#include "ember/core/tensor_impl.h"

#include "ember/core/error.h"
#include "ember/core/grad_mode.h"

namespace ember {

TensorImpl::TensorImpl(StoragePtr storage, DType dtype, IntArrayRef sizes, IntArrayRef strides,
                       int64_t storage_offset)
    : storage_(std::move(storage)),
      storage_offset_(storage_offset),
      sizes_(sizes),
      strides_(strides),
      dtype_(dtype),
      is_inference_(is_inference_mode_enabled()) {
  refresh();
}

void* TensorImpl::data() const {
  EMBER_CHECK(!storage_->device().is_meta(), RuntimeError,
              "Cannot access data of a meta tensor (it has shape ", sizes_, " and dtype ", dtype_,
              " but no storage)");
  return data_unchecked();
}

bool TensorImpl::is_contiguous(MemoryFormat f) const {
  switch (f) {
    case MemoryFormat::ChannelsLast:
      return is_channels_last_;
    case MemoryFormat::ChannelsLast3d:
      return is_channels_last_3d_;
    default:
      return is_contiguous_;
  }
}

void TensorImpl::set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides) {
  sizes_ = DimVector(sizes);
  strides_ = DimVector(strides);
  refresh();
}

void TensorImpl::set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides,
                                       int64_t storage_offset) {
  storage_offset_ = storage_offset;
  set_sizes_and_strides(sizes, strides);
}

void TensorImpl::refresh() {
  numel_ = 1;
  for (auto s : sizes_) numel_ *= s;
  is_contiguous_ = compute_is_contiguous(sizes_, strides_);
  is_channels_last_ = compute_is_channels_last(sizes_, strides_, false);
  is_channels_last_3d_ = compute_is_channels_last(sizes_, strides_, true);
  is_dense_ = is_contiguous_ || is_channels_last_ || is_channels_last_3d_ ||
              compute_is_non_overlapping_and_dense(sizes_, strides_);
}

}  // namespace ember
