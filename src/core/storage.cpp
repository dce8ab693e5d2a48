#include "ember/core/storage.h"

#include <algorithm>
#include <cstring>

#include "ember/core/error.h"

namespace ember {

void Storage::resize(size_t nbytes) {
  EMBER_CHECK(resizable(), RuntimeError,
              "Trying to resize storage that is not resizable (it wraps external memory)");
  if (nbytes == nbytes_) return;
  DataPtr fresh = allocator_->allocate(nbytes);
  if (fresh.get() && data_.get()) std::memcpy(fresh.get(), data_.get(), std::min(nbytes, nbytes_));
  data_ = std::move(fresh);
  nbytes_ = nbytes;
}

void Storage::set_data_ptr(DataPtr data, size_t nbytes, Allocator* allocator) {
  data_ = std::move(data);
  nbytes_ = nbytes;
  allocator_ = allocator;
  if (allocator) device_ = allocator->device();
}

}  // namespace ember
