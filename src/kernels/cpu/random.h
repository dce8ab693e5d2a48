#pragma once
// CPU random fills. Every kernel takes a non-overlapping, dense tensor and
// writes it in memory order: element i (memory index) draws from Philox counter
// gen.offset + i / k, with k fixed per dtype and distribution, and the kernel
// reserves all its counters once. Results depend only on the seed and the call
// sequence, never on the thread count.
#include <cstdint>

#include "ember/core/generator.h"
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

}  // namespace ember::kernels
