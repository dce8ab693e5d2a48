#pragma once
// Counter-based random numbers (Philox-4x32-10). Element i of a random fill draws
// from counter (offset + i / 4), so results depend only on the seed and the
// sequence of calls, never on the thread count.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

namespace ember {

class Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ULL) : seed_(seed), offset_(0) {}
  Generator(const Generator& o) : seed_(o.seed_), offset_(o.offset_.load()) {}
  Generator& operator=(const Generator& o) {
    seed_ = o.seed_;
    offset_ = o.offset_.load();
    return *this;
  }

  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t initial_seed() const { return seed_; }
  uint64_t offset() const { return offset_.load(); }
  void set_offset(uint64_t off) { offset_ = off; }
  // Reserves n counters (4 32-bit numbers each) and returns the first.
  uint64_t reserve(uint64_t n) { return offset_.fetch_add(n); }

  // The four 32-bit words of block `counter` for this seed.
  std::array<uint32_t, 4> block(uint64_t counter, uint64_t subsequence = 0) const;

 private:
  uint64_t seed_;
  std::atomic<uint64_t> offset_;
};

// The process-wide default generator, and torch.manual_seed.
Generator& default_generator();
void manual_seed(uint64_t seed);

// Philox-4x32-10 on (counter, key).
std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> ctr, std::array<uint32_t, 2> key);

// Maps 32 random bits to [0, 1) with 24 (float) bits.
inline float uint32_to_unit_float(uint32_t x) { return (x >> 8) * (1.0f / 16777216.0f); }
// Maps 64 random bits to [0, 1) with 53 bits.
inline double uint64_to_unit_double(uint64_t x) { return (x >> 11) * (1.0 / 9007199254740992.0); }

}  // namespace ember
