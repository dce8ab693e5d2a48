#pragma once
// CPU random fills. Every kernel takes a non-overlapping, dense tensor and
// writes it in memory order: element i (memory index) draws from Philox counter
// gen.offset + i / k, with k fixed per dtype and distribution, and the kernel
// reserves all its counters once. Results depend only on the seed and the call
// sequence, never on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ember/core/generator.h"
#include "ember/core/parallel.h"
#include "ember/core/tensor.h"

namespace ember::kernels {

// Floating dtypes: from + u * (to - from), u with 24 (float, half, bfloat16) or
// 53 (double) random bits; values are kept below `to` after rounding.
void uniform_kernel(const Tensor& t, double from, double to, Generator& gen);
// Floating dtypes: mean + std * z, z from Box-Muller on all four Philox lanes.
void normal_kernel(const Tensor& t, double mean, double std, Generator& gen);
// Any dtype: 1 with probability p, else 0.
void bernoulli_scalar_kernel(const Tensor& t, double p, Generator& gen);
// out[i] = 1 with probability p[i]; out and p have the same dtype (floating)
// and the same dense strides. p must already be checked to lie in [0, 1].
void bernoulli_tensor_kernel(const Tensor& out, const Tensor& p, Generator& gen);
// Whether every element of the dense floating tensor p lies in [0, 1] (NaN does not).
bool all_probabilities(const Tensor& p);
// Any dtype: integers in [from, from + range), range >= 1.
void random_from_to_kernel(const Tensor& t, int64_t from, uint64_t range, Generator& gen);
// A contiguous 1-D tensor of n elements receives a random permutation of 0..n-1.
void randperm_kernel(const Tensor& out, Generator& gen);

// Philox-4x32-10 for kPhiloxBatch consecutive counters at once (counter0 + c,
// subsequence 0), written as words[c * 4 + lane]. Same numbers as
// Generator::block, in a form the compiler vectorises.
inline constexpr int kPhiloxBatch = 64;
void philox_batch(uint64_t seed, uint64_t counter0, uint32_t* words);

// A uniform 32-bit word w is below ceil(p * 2^32) with probability
// ceil(p * 2^32) / 2^32: a Bernoulli(p) draw (every word is, past 2^32 - 1).
inline uint64_t bernoulli_threshold(double p) {
  return static_cast<uint64_t>(std::ceil(p * 4294967296.0));
}

// Calls batch(words, e0, cnt) for consecutive runs of elements: elements
// [e0, e0 + cnt) use words[0 ..) of the Philox blocks of counters
// base + e0 / K ..., K elements per counter (K = 4: one 32-bit word each; K = 2:
// two words each). All counters are reserved up front; the split over threads
// is by counter, so the numbers do not depend on the thread count.
template <int K, typename Batch>
void for_each_philox_batch(int64_t n, Generator& gen, const Batch& batch) {
  static_assert(K == 2 || K == 4);
  if (n <= 0) return;
  const int64_t nctr = (n + K - 1) / K;
  const uint64_t base = gen.reserve(static_cast<uint64_t>(nctr));
  const uint64_t seed = gen.initial_seed();
  parallel_for_t(0, nctr, std::max<int64_t>(1, kGrainSize / K), [&](int64_t b, int64_t e) {
    alignas(64) uint32_t words[kPhiloxBatch * 4];
    for (int64_t c = b; c < e; c += kPhiloxBatch) {
      philox_batch(seed, base + static_cast<uint64_t>(c), words);
      const int64_t e0 = c * K;
      const int64_t cnt = std::min(std::min<int64_t>(e - c, kPhiloxBatch) * K, n - e0);
      batch(static_cast<const uint32_t*>(words), e0, cnt);
    }
  });
}

}  // namespace ember::kernels
