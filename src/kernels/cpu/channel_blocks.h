#pragma once
// Parallel loops over (sample, block of channels) for the pooling and
// upsampling kernels: channels_last operands are worked on 32 channels at a
// time (the inner loops run over contiguous channels and vectorise), others
// one channel (plane) at a time.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "ember/core/parallel.h"
#include "ember/core/tensor.h"

namespace ember::kernels {

// Channels per block where every operand has unit channel stride.
constexpr int64_t kChannelBlock = 32;

inline int64_t channel_block(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->stride(1) != 1) return 1;
  return kChannelBlock;
}

// Calls f(n, c0, count) for blocks of `cb` channels of each sample, in
// parallel. With one channel per block, count is the constant 1 (so the
// per-channel loops and accumulator arrays of f compile to scalars).
template <typename F>
void for_blocks(int64_t n, int64_t c, int64_t cb, int64_t work_per_channel, F f) {
  const int64_t nb = (c + cb - 1) / cb;
  const int64_t grain =
      std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_per_channel * cb));
  parallel_for_t(0, n * nb, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t c0 = (i % nb) * cb;
      if (cb == 1)
        f(i / nb, c0, std::integral_constant<int64_t, 1>{});
      else
        f(i / nb, c0, std::min(cb, c - c0));
    }
  });
}

// The first element of sample n, channel c.
template <typename T>
T* channel_base(const Tensor& t, int64_t n, int64_t c) {
  return static_cast<T*>(t.data_ptr()) + n * t.stride(0) + c * t.stride(1);
}

}  // namespace ember::kernels
