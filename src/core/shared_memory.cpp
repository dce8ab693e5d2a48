#include "ember/core/shared_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ember/core/error.h"

namespace ember {

namespace {

struct SharedBlock {
  void* p;
  size_t size;  // mapped bytes (whole pages)
};

// The deleter that marks a block as shared (is_shared compares against it).
// A null context is the empty block.
void free_shared(void* ctx) {
  if (!ctx) return;
  auto* b = static_cast<SharedBlock*>(ctx);
  ::munmap(b->p, b->size);
  delete b;
}

DataPtr allocate_shared(size_t nbytes) {
  if (nbytes == 0) return DataPtr(nullptr, nullptr, &free_shared);
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t size = (nbytes + page - 1) / page * page;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  EMBER_CHECK(p != MAP_FAILED, RuntimeError, "unable to allocate shared memory of ", nbytes,
              " bytes: ", std::strerror(errno));
  return DataPtr(p, new SharedBlock{p, size}, &free_shared);
}

class SharedMemoryAllocator final : public Allocator {
 public:
  DataPtr allocate(size_t nbytes) override { return allocate_shared(nbytes); }
  Device device() const override { return Device(DeviceType::CPU); }
};

}  // namespace

Allocator* shared_memory_allocator() {
  static SharedMemoryAllocator a;
  return &a;
}

bool is_shared(const Storage& storage) { return storage.data_ptr().deleter() == &free_shared; }

bool is_shared(const Tensor& t) { return is_shared(*t.storage()); }

void share_memory_(Storage& storage) {
  // PyTorch's CPU strategy names itself in this error.
  EMBER_CHECK(storage.device().is_cpu(), RuntimeError, "_share_fd_: only available on CPU");
  if (is_shared(storage)) return;
  const size_t nbytes = storage.nbytes();
  DataPtr block = allocate_shared(nbytes);
  if (nbytes) std::memcpy(block.get(), storage.data(), nbytes);
  // No allocator: shared storage is not resizable (a resize would leave the
  // shared block behind).
  storage.set_data_ptr(std::move(block), nbytes, nullptr);
}

const Tensor& share_memory_(const Tensor& t) {
  share_memory_(*t.storage());
  return t;
}

}  // namespace ember
