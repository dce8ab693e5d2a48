#include "ember/core/allocator.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "ember/core/error.h"

namespace ember {

namespace {

constexpr size_t kLargeBlock = size_t(1) << 20;  // from here on: huge pages
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kPage = size_t(4) << 10;

void free_heap(void* p) { std::free(p); }
void* heap_alloc(size_t rounded, size_t nbytes) {
  void* p = std::aligned_alloc(kCpuAlignment, rounded);
  EMBER_CHECK(p != nullptr, RuntimeError,
              "DefaultCPUAllocator: can't allocate memory: you tried to allocate ", nbytes,
              " bytes.");
  return p;
}

// Blocks above the small classes: mmap'd (from 1 MiB on in whole huge pages,
// advised to use them; below in whole pages), cached by exact (rounded) size.
class LargeBlockCache {
 public:
  static LargeBlockCache& get() {
    static LargeBlockCache* c = new LargeBlockCache();  // never destroyed: frees may come late
    return *c;
  }

  void* take(size_t size) {
    {
      std::lock_guard<std::mutex> g(mu_);
      // The block of this size freed last: its lines are likeliest still in cache
      // (a multimap keeps equal keys in insertion order).
      auto it = free_.upper_bound(size);
      if (it != free_.begin() && (--it)->first == size) {
        void* p = it->second;
        free_.erase(it);
        cached_ -= size;
        return p;
      }
    }
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      empty();  // give the cache back and try once more
      p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      EMBER_CHECK(p != MAP_FAILED, RuntimeError,
                  "DefaultCPUAllocator: can't allocate memory: you tried to allocate ", size,
                  " bytes.");
    }
#ifdef MADV_HUGEPAGE
    if (size >= kHugePage) ::madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
  }

  void give(void* p, size_t size) {
    {
      std::lock_guard<std::mutex> g(mu_);
      if (cached_ + size <= limit_) {
        free_.emplace(size, p);
        cached_ += size;
        return;
      }
      // Make room by dropping other blocks, largest first, if that lets this one in.
      while (!free_.empty() && cached_ + size > limit_) {
        auto last = std::prev(free_.end());
        ::munmap(last->second, last->first);
        cached_ -= last->first;
        free_.erase(last);
      }
      if (size <= limit_) {
        free_.emplace(size, p);
        cached_ += size;
        return;
      }
    }
    ::munmap(p, size);
  }

  void empty() {
    std::lock_guard<std::mutex> g(mu_);
    for (auto& [size, p] : free_) ::munmap(p, size);
    free_.clear();
    cached_ = 0;
  }

  void set_limit(size_t bytes) {
    std::lock_guard<std::mutex> g(mu_);
    limit_ = bytes;
    while (!free_.empty() && cached_ > limit_) {
      auto last = std::prev(free_.end());
      ::munmap(last->second, last->first);
      cached_ -= last->first;
      free_.erase(last);
    }
  }
  size_t limit() {
    std::lock_guard<std::mutex> g(mu_);
    return limit_;
  }
  size_t cached() {
    std::lock_guard<std::mutex> g(mu_);
    return cached_;
  }

 private:
  LargeBlockCache() {
    if (const char* env = std::getenv("EMBER_CPU_CACHE_MB"))
      limit_ = std::strtoull(env, nullptr, 10) << 20;
  }
  std::mutex mu_;
  std::multimap<size_t, void*> free_;
  size_t cached_ = 0;
  size_t limit_ = size_t(1) << 30;
};

struct LargeCtx {
  void* p;
  size_t size;
};
void free_large(void* ctx) {
  auto* c = static_cast<LargeCtx*>(ctx);
  LargeBlockCache::get().give(c->p, c->size);
  delete c;
}

// Small blocks (the tensors of a per-element autograd chain, scalars, shapes)
// come back often: a per-thread free list per 64-byte size class spares
// aligned_alloc's slow path. The class rides in the low bits of the deleter
// context (blocks are 64-byte aligned). A block freed on another thread joins
// that thread's list; each list is bounded, and emptied when its thread ends.
constexpr size_t kSmallMax = 1024;
constexpr size_t kSmallClasses = kSmallMax / kCpuAlignment;
constexpr size_t kSmallPerClass = 64;

// Trivial thread-locals (usable until the thread's very end); the reaper frees
// the cached blocks when the thread exits, after which frees go to std::free.
thread_local void* tls_small_free[kSmallClasses][kSmallPerClass];
thread_local uint8_t tls_small_count[kSmallClasses];
thread_local bool tls_small_dead = false;
struct SmallCacheReaper {
  ~SmallCacheReaper() {
    tls_small_dead = true;
    for (size_t c = 0; c < kSmallClasses; ++c) {
      for (size_t i = 0; i < tls_small_count[c]; ++i) std::free(tls_small_free[c][i]);
      tls_small_count[c] = 0;
    }
  }
};
thread_local SmallCacheReaper tls_reaper;

void* take_small(size_t cls) {
  if (tls_small_dead) return nullptr;
  (void)&tls_reaper;  // registers the reaper for this thread
  uint8_t& n = tls_small_count[cls];
  return n ? tls_small_free[cls][--n] : nullptr;
}

void free_small(void* ctx) {
  const auto bits = reinterpret_cast<uintptr_t>(ctx);
  const size_t cls = bits & (kCpuAlignment - 1);
  void* p = reinterpret_cast<void*>(bits - cls);
  if (!tls_small_dead) {
    (void)&tls_reaper;
    uint8_t& n = tls_small_count[cls];
    if (n < kSmallPerClass) {
      tls_small_free[cls][n++] = p;
      return;
    }
  }
  std::free(p);
}

class CpuAllocator final : public Allocator {
 public:
  DataPtr allocate(size_t nbytes) override {
    if (nbytes == 0) return DataPtr();
    const size_t rounded = (nbytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    if (rounded > kSmallMax) {
      // Cached by size as well: from glibc's heap, blocks of this size were
      // handed back to the kernel at every free that left the heap's top
      // free (brk shrinks), and faulted in anew next time (5% of a
      // ResNet-18 training step, oneDNN's reorder buffers among them).
      const bool large = nbytes >= kLargeBlock;
      const size_t unit = large ? kHugePage : kPage;
      const size_t size = (nbytes + unit - 1) / unit * unit;
      try {
        void* p = LargeBlockCache::get().take(size);
        return DataPtr(p, new LargeCtx{p, size}, &free_large);
      } catch (const RuntimeError&) {
        if (large) throw;
        // Out of mappings (vm.max_map_count) with very many live blocks: the heap.
        void* p = heap_alloc(rounded, nbytes);
        return DataPtr(p, p, &free_heap);
      }
    }
    const size_t cls = rounded / kCpuAlignment - 1;
    void* p = take_small(cls);
    if (!p) p = heap_alloc(rounded, nbytes);
    return DataPtr(p, static_cast<char*>(p) + cls, &free_small);
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

void set_cpu_cache_limit(size_t bytes) { LargeBlockCache::get().set_limit(bytes); }
size_t cpu_cache_limit() { return LargeBlockCache::get().limit(); }
size_t cpu_cache_bytes() { return LargeBlockCache::get().cached(); }
void empty_cpu_cache() { LargeBlockCache::get().empty(); }

Allocator* allocator_for(const Device& d) {
  switch (d.type) {
    case DeviceType::CPU:
      return cpu_allocator();
    case DeviceType::Meta:
      return meta_allocator();
    case DeviceType::CUDA:
      check_device_available(d);
      break;
  }
  throw DeviceError("no allocator for device " + d.str());
}

}  // namespace ember
