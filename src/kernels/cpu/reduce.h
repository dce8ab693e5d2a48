#pragma once
// CPU reduction kernels. The ops layer checks arguments and allocates outputs;
// these loops only read and write memory.
//
// Every kernel sees the input with its own strides (contiguous, channels_last,
// transposed, sliced, expanded) and an output viewed with the input's rank
// ("keepdim" shape: size 1 in each reduced dim). A ReducePlan orders the dims
// by the input's memory order and coalesces them, so the loops walk memory
// sequentially whatever the layout.
#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>
#endif

#include "ember/core/tensor.h"

namespace ember::kernels {

// Up to three operands share a plan: 0 is the input, then outputs or
// per-output side inputs (a mean, a max). Strides are in bytes.
inline constexpr int kPlanOperands = 3;
inline constexpr int kPlanMaxDims = 32;

struct LoopDim {
  int64_t size;
  int64_t stride[kPlanOperands];
};
using LoopDims = SmallVector<LoopDim, 6>;

struct ReducePlan {
  LoopDims k;  // kept dims, fastest-moving (in the input) first; never empty
  LoopDims r;  // reduced dims, fastest first; never empty (size 1 if none)
  int64_t numK = 1, numR = 1;
  // True when the reduction runs along the input's fastest dim (each output
  // reduces "rows"), false when the fastest dim is kept (outputs accumulate
  // whole rows of the input at once, vectorised along the kept dim).
  bool inner() const;
};

// Builds the plan for reducing the dims set in `reduced` (bit d = dim d) of
// `ops[0]` (the input). The other operands have the input's rank; their size-1
// dims get stride 0. Size-1 dims are dropped, adjacent dims coalesced.
ReducePlan make_reduce_plan(ArrayRef<Tensor> ops, uint64_t reduced);

// ------------------------------------------------ helpers shared by the loops

// Walks a multi-index over `dims` (first fastest) tracking byte offsets for
// every operand.
struct Counter {
  const LoopDims& dims;
  int64_t idx[kPlanMaxDims];
  int64_t off[kPlanOperands];

  Counter(const LoopDims& d, int64_t flat) : dims(d) { seek(flat); }
  void seek(int64_t flat) {
    for (int t = 0; t < kPlanOperands; ++t) off[t] = 0;
    for (size_t i = 0; i < dims.size(); ++i) {
      idx[i] = flat % dims[i].size;
      flat /= dims[i].size;
      for (int t = 0; t < kPlanOperands; ++t) off[t] += idx[i] * dims[i].stride[t];
    }
  }
  void next() {
    for (size_t i = 0; i < dims.size(); ++i) {
      for (int t = 0; t < kPlanOperands; ++t) off[t] += dims[i].stride[t];
      if (++idx[i] < dims[i].size) return;
      for (int t = 0; t < kPlanOperands; ++t) off[t] -= dims[i].size * dims[i].stride[t];
      idx[i] = 0;
    }
  }
};

// ------------------------------------------------------------- element types

// The type an element is compared or combined in: float for the 16-bit floats.
template <typename T>
using val_t = opmath_t<T>;

// Converts n 16-bit floats to float (vectorised); reductions then run on floats.
inline void to_float(const Half* p, float* out, int64_t n) {
  int64_t i = 0;
#if defined(__AVX2__) && defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i))));
#endif
  for (; i < n; ++i) out[i] = static_cast<float>(p[i]);
}
inline void to_float(const BFloat16* p, float* out, int64_t n) {
  const uint16_t* b = reinterpret_cast<const uint16_t*>(p);
  for (int64_t i = 0; i < n; ++i) out[i] = std::bit_cast<float>(static_cast<uint32_t>(b[i]) << 16);
}

// One 64-byte SIMD vector of T (GCC/Clang vector extensions; lowered to two
// 32-byte ops without AVX-512). The reduction loops keep a few of these as
// accumulators, so they stay in registers whatever the compiler's vectoriser
// decides about plain loops.
template <typename T>
struct VecOf {
  typedef T type __attribute__((vector_size(64)));
};
template <typename T>
using vec_t = typename VecOf<T>::type;
template <typename T>
inline constexpr int kVecLanes = 64 / static_cast<int>(sizeof(T));

template <typename V>
inline V load_vec(const void* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

// Max / min where a NaN wins, for scalars and vectors alike (the masks are
// combined with | so vector comparisons work too).
template <typename A>
inline A max_nan(A a, A b) {
  return ((a >= b) | (a != a)) ? a : b;
}
template <typename A>
inline A min_nan(A a, A b) {
  return ((a <= b) | (a != a)) ? a : b;
}

enum class ReduceKind { Sum, Mean, Prod, Max, Min, All, Any };

// out = reduce(in) over `reduced`. out has the input's rank (size 1 in the
// reduced dims). Sum/Prod: out dtype == in dtype, or int64 for integral/bool
// input. Mean: floating, same dtype. Max/Min: same dtype. All/Any: out is bool
// or uint8.
void reduce_kernel(ReduceKind kind, const Tensor& out, const Tensor& in, uint64_t reduced);

// Vector p-norm (p = 0, 1, 2, inf, -inf or any other value) for float32/float64
// input; out has the input's dtype.
void norm_kernel(const Tensor& out, const Tensor& in, uint64_t reduced, double p);

// Variance (or its square root) with a correction, two-pass: `mean` is the
// per-output mean (keepdim shape, the input's dtype). float32/float64.
void var_kernel(const Tensor& out, const Tensor& in, const Tensor& mean, uint64_t reduced,
                double correction, bool take_sqrt);

// log(sum(exp(in - m))) + m, where m is the per-output max (keepdim shape, the
// input's dtype) with infinities replaced by 0. float32/float64.
void logsumexp_kernel(const Tensor& out, const Tensor& in, const Tensor& max, uint64_t reduced);

// Max or min along `dim` with the index of the first occurrence (a NaN wins).
// values (in's dtype) and indices (int64) have the input's rank, size 1 at dim.
void arg_reduce_kernel(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in,
                       int64_t dim);

}  // namespace ember::kernels
