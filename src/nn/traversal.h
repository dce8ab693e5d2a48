#pragma once
// Internal helpers of nn::Module's traversals and bulk copies (module.cpp,
// state_dict.cpp, utils/convert_parameters.cpp): a small identity set for
// deduplication, and a parallel copy of many byte ranges.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ember/core/parallel.h"

namespace ember::nn::internal {

// A set of pointers (modules, TensorImpls) by identity: open addressing, in
// place up to kInline / 2 members (a traversal of a few hundred makes no
// allocation at all), then in one heap array.
class PtrSet {
 public:
  PtrSet() { inline_.fill(nullptr); }
  PtrSet(const PtrSet&) = delete;
  PtrSet& operator=(const PtrSet&) = delete;
  // Adds p; false if it was there already.
  bool insert(const void* p) {
    if (2 * (size_ + 1) > capacity_) grow();
    const void** s = slot(slots_, capacity_, p);
    if (*s == p) return false;
    *s = p;
    ++size_;
    return true;
  }
  bool contains(const void* p) const { return *slot(slots_, capacity_, p) == p; }

 private:
  static constexpr size_t kInline = 512;
  static const void** slot(const void** slots, size_t capacity, const void* p) {
    const size_t mask = capacity - 1;
    size_t i =
        static_cast<size_t>((reinterpret_cast<uintptr_t>(p) >> 4) * 0x9E3779B97F4A7C15ull >> 32) &
        mask;
    while (slots[i] && slots[i] != p) i = (i + 1) & mask;
    return &slots[i];
  }
  void grow() {
    std::vector<const void*> bigger(capacity_ * 2, nullptr);
    for (size_t i = 0; i < capacity_; ++i)
      if (slots_[i]) *slot(bigger.data(), bigger.size(), slots_[i]) = slots_[i];
    heap_.swap(bigger);
    slots_ = heap_.data();
    capacity_ = heap_.size();
  }
  std::array<const void*, kInline> inline_;
  std::vector<const void*> heap_;
  const void** slots_ = inline_.data();
  size_t capacity_ = kInline;
  size_t size_ = 0;
};

// Calls f(b, e) over [0, total) cut into 1 MiB-sized ranges that the threads
// take in turn, so that a thread the machine holds back leaves its share to
// the others.
template <typename F>
void for_chunks(int64_t total, const F& f) {
  constexpr int64_t kChunk = int64_t{1} << 20;
  const int64_t chunks = (total + kChunk - 1) / kChunk;
  const int64_t threads = std::min<int64_t>(get_num_threads(), chunks);
  if (threads <= 1) {
    f(int64_t{0}, total);
    return;
  }
  std::atomic<int64_t> next{0};
  parallel_for_t(0, threads, 1, [&](int64_t, int64_t) {
    for (int64_t c = next.fetch_add(1, std::memory_order_relaxed); c < chunks;
         c = next.fetch_add(1, std::memory_order_relaxed))
      f(c * kChunk, std::min(total, (c + 1) * kChunk));
  });
}

// Piece i is bytes [offsets[i], offsets[i + 1]) of the whole; calls
// f(i, first byte within piece i, bytes) for every part of [b, e).
template <typename F>
void for_pieces_in(const std::vector<int64_t>& offsets, int64_t b, int64_t e, const F& f) {
  size_t i =
      static_cast<size_t>(std::upper_bound(offsets.begin(), offsets.end(), b) - offsets.begin()) -
      1;
  for (int64_t p = b; p < e; ++i) {
    const int64_t n = std::min(offsets[i + 1], e) - p;
    if (n > 0) f(i, p - offsets[i], n);
    p += std::max<int64_t>(n, 0);
  }
}

// Copies piece i, offsets[i + 1] - offsets[i] bytes, from src[i] to dst[i], for
// every i (offsets.back() is the total), in parallel over the bytes: one huge
// piece and many small ones both spread over the threads. The pieces must not
// overlap each other's destinations.
inline void copy_pieces(const std::vector<char*>& dst, const std::vector<const char*>& src,
                        const std::vector<int64_t>& offsets) {
  for_chunks(offsets.back(), [&](int64_t b, int64_t e) {
    for_pieces_in(offsets, b, e, [&](size_t i, int64_t at, int64_t n) {
      std::memcpy(dst[i] + at, src[i] + at, static_cast<size_t>(n));
    });
  });
}

// Sets the bytes of every piece to zero, in the same way.
inline void zero_pieces(const std::vector<char*>& dst, const std::vector<int64_t>& offsets) {
  for_chunks(offsets.back(), [&](int64_t b, int64_t e) {
    for_pieces_in(offsets, b, e, [&](size_t i, int64_t at, int64_t n) {
      std::memset(dst[i] + at, 0, static_cast<size_t>(n));
    });
  });
}

}  // namespace ember::nn::internal
