#pragma once
// CPU memory shared between processes (torch.Tensor.share_memory_ / is_shared).
// Shared blocks are MAP_SHARED | MAP_ANONYMOUS mappings: a process fork()ed
// after a tensor moved there sees the parent's writes and the parent its
// writes, as with PyTorch's shared tensors and torch.multiprocessing's fork
// start method. (Handing a block to an unrelated process, as PyTorch's file
// descriptor strategy does, is not supported.)
#include <cstddef>

#include "ember/core/allocator.h"
#include "ember/core/storage.h"
#include "ember/core/tensor.h"

namespace ember {

// Allocates shared CPU memory (page granular; 0 bytes gives an empty block
// that still counts as shared). Throws RuntimeError when the mapping fails.
Allocator* shared_memory_allocator();

// Whether the storage's block came from shared_memory_allocator().
bool is_shared(const Storage& storage);
// Tensor.is_shared(): whether t's storage is in shared memory (false for meta).
bool is_shared(const Tensor& t);

// Moves the storage's bytes into shared memory in place: the same Storage object
// keeps the (copied) bytes at a new address, so every tensor and view on it
// follows. A no-op when already shared. Like PyTorch's, the storage can no
// longer be resized. RuntimeError for meta storage.
void share_memory_(Storage& storage);
// Tensor.share_memory_(): moves t's storage to shared memory; returns t.
const Tensor& share_memory_(const Tensor& t);

}  // namespace ember
