#include "kernels/cpu/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/parallel.h"
#include "kernels/cpu/convert.h"
#include "kernels/cpu/softmax.h"

namespace ember::kernels {

// ---------------------------------------------------------------- the plan

namespace {
int64_t order_key(int64_t stride) {
  // Stride-0 (expanded) dims cost nothing to loop over: put them outermost.
  return stride == 0 ? std::numeric_limits<int64_t>::max() : stride;
}
}  // namespace

bool ReducePlan::inner() const {
  if (numR <= 1) return false;
  if (numK <= 1) return true;
  return order_key(r[0].stride[0]) < order_key(k[0].stride[0]);
}

ReducePlan make_reduce_plan(ArrayRef<Tensor> ops, uint64_t reduced) {
  const Tensor& in = ops[0];
  const int64_t nd = in.dim();
  const int nops = static_cast<int>(ops.size());
  EMBER_CHECK(nops <= kPlanOperands, RuntimeError, "reduce: too many operands");
  EMBER_CHECK(nd <= kPlanMaxDims, RuntimeError, "reductions support tensors of at most ",
              kPlanMaxDims, " dims, got ", nd);
  struct D {
    LoopDim d;
    bool red;
  };
  SmallVector<D, 8> dims;
  ReducePlan plan;
  plan.numK = plan.numR = 1;
  for (int64_t i = nd - 1; i >= 0; --i) {
    const int64_t size = in.sizes()[i];
    const bool red = (reduced >> i) & 1;
    (red ? plan.numR : plan.numK) *= size;
    if (size == 1) continue;
    D x{};
    x.d.size = size;
    x.red = red;
    for (int t = 0; t < nops; ++t) {
      const Tensor& o = ops[t];
      x.d.stride[t] =
          o.sizes()[i] == 1 ? 0 : o.strides()[i] * static_cast<int64_t>(o.element_size());
    }
    dims.push_back(x);
  }
  std::stable_sort(dims.begin(), dims.end(), [](const D& a, const D& b) {
    return order_key(a.d.stride[0]) < order_key(b.d.stride[0]);
  });
  auto push = [&](LoopDims& list, const LoopDim& d) {
    if (!list.empty()) {
      LoopDim& last = list.back();
      bool can = true;
      for (int t = 0; t < nops && can; ++t) can = last.stride[t] * last.size == d.stride[t];
      if (can) {
        last.size *= d.size;
        return;
      }
    }
    list.push_back(d);
  };
  for (const D& x : dims) push(x.red ? plan.r : plan.k, x.d);
  const LoopDim unit{1, {0, 0, 0}};
  if (plan.k.empty()) plan.k.push_back(unit);
  if (plan.r.empty()) plan.r.push_back(unit);
  return plan;
}

namespace {

struct NoCtx {};

// bool is stored as one byte holding 0 or 1: sums, max and min treat it as
// uint8 (max is "or", min is "and"), which vectorises where bool does not.
template <typename T>
using byte_bool_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// Integer sums and products wrap on overflow (as PyTorch's do in practice),
// computed unsigned so that it is defined behaviour; for vectors too.
template <typename A>
inline A wrap_op(A a, A b, bool mul) {
  if constexpr (std::is_floating_point_v<A>) {
    return mul ? a * b : a + b;
  } else if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    return static_cast<A>(mul ? U(U(a) * U(b)) : U(U(a) + U(b)));
  } else {
    using E = std::remove_cvref_t<decltype(a[0])>;
    if constexpr (std::is_integral_v<E>) {
      using U = vec_t<std::make_unsigned_t<E>>;
      return reinterpret_cast<A>(mul ? reinterpret_cast<U>(a) * reinterpret_cast<U>(b)
                                     : reinterpret_cast<U>(a) + reinterpret_cast<U>(b));
    } else {
      return mul ? a * b : a + b;
    }
  }
}
template <typename A>
inline A add_(A a, A b) {
  return wrap_op(a, b, false);
}
template <typename A>
inline A mul_(A a, A b) {
  return wrap_op(a, b, true);
}

// |x| for floats by clearing the sign bit (so |-0.0| is +0.0), scalar or vector.
template <typename A>
inline A abs_(A x) {
  if constexpr (std::is_floating_point_v<A>) {
    return std::abs(x);
  } else {
    using E = std::remove_cvref_t<decltype(x[0])>;
    using UE = std::conditional_t<sizeof(E) == 4, uint32_t, uint64_t>;
    using U = vec_t<UE>;
    const U mask = U{} + (~UE{0} >> 1);
    return reinterpret_cast<A>(reinterpret_cast<U>(x) & mask);
  }
}

inline float exp_(float x) { return exp_f32(x); }
inline vec_t<float> exp_(vec_t<float> x) { return exp_vec(x); }
inline double exp_(double x) { return std::exp(x); }

// ------------------------------------------------------------------ reducers
// A reducer says how to fold one element into an accumulator (reduce), how to
// join two accumulators (merge; the engine evaluates in any grouping), and how
// to turn the final accumulator into the output element (project). Elements
// reach reduce() converted to vin_t; reduce() and merge() also take 64-byte
// vectors of acc_t when kVector. kCascade asks for pairwise-accurate
// summation (floating sums).

template <typename In, typename Acc, typename Out>
struct SumRed {
  using in_t = In;
  using acc_t = Acc;
  using vin_t = Acc;
  using out_t = Out;
  using ctx_t = NoCtx;
  static constexpr bool kCascade = std::is_floating_point_v<Acc>;
  static constexpr bool kVector = true;
  int64_t mean_count = -1;  // >= 0: mean (sum / count, as PyTorch: rounded sum divided)
  Acc identity() const { return Acc(0); }
  template <typename A>
  A reduce(A a, A v, NoCtx) const {
    return add_(a, v);
  }
  template <typename A>
  A merge(A a, A b) const {
    return add_(a, b);
  }
  Out project(Acc a, NoCtx) const {
    const Out s = convert<Out>(a);
    if constexpr (std::is_floating_point_v<opmath_t<Out>>) {
      using O = opmath_t<Out>;
      if (mean_count >= 0) return Out(static_cast<O>(s) / static_cast<O>(mean_count));
    }
    return s;
  }
};

template <typename In, typename Acc, typename Out>
struct ProdRed {
  using in_t = In;
  using acc_t = Acc;
  using vin_t = Acc;
  using out_t = Out;
  using ctx_t = NoCtx;
  static constexpr bool kCascade = false;
  static constexpr bool kVector = true;
  Acc identity() const { return Acc(1); }
  template <typename A>
  A reduce(A a, A v, NoCtx) const {
    return mul_(a, v);
  }
  template <typename A>
  A merge(A a, A b) const {
    return mul_(a, b);
  }
  Out project(Acc a, NoCtx) const { return convert<Out>(a); }
};

template <typename T, bool IsMax>
struct MaxRed {
  using in_t = T;
  using acc_t = val_t<T>;
  using vin_t = acc_t;
  using out_t = T;
  using ctx_t = NoCtx;
  static constexpr bool kCascade = false;
  static constexpr bool kVector = true;
  acc_t identity() const {
    if constexpr (std::is_floating_point_v<acc_t>)
      return IsMax ? -std::numeric_limits<acc_t>::infinity()
                   : std::numeric_limits<acc_t>::infinity();
    else
      return IsMax ? std::numeric_limits<acc_t>::lowest() : std::numeric_limits<acc_t>::max();
  }
  template <typename A>
  A reduce(A a, A v, NoCtx) const {
    return merge(a, v);
  }
  template <typename A>
  A merge(A a, A b) const {
    if constexpr (IsMax)
      return max_nan(a, b);
    else
      return min_nan(a, b);
  }
  T project(acc_t a, NoCtx) const { return T(a); }
};

// all / any on the raw bits: an element is "true" when (bits & mask) != 0,
// which also gives -0.0 == 0 and NaN != 0 for the floating types. The
// accumulator (signed, the input's width, so vectors line up) is non-zero once
// a false (all) or a true (any) element was seen.
template <typename U, bool IsAll>
struct BoolRed {
  using in_t = U;
  using acc_t = std::make_signed_t<U>;
  using vin_t = U;
  using out_t = uint8_t;
  using ctx_t = NoCtx;
  static constexpr bool kCascade = false;
  static constexpr bool kVector = true;
  U mask;
  acc_t identity() const { return 0; }
  template <typename A, typename V>
  A reduce(A a, V v, NoCtx) const {
    if constexpr (IsAll)
      return a | (A)((v & mask) == 0);
    else
      return a | (A)(v & mask);
  }
  template <typename A>
  A merge(A a, A b) const {
    return a | b;
  }
  uint8_t project(acc_t a, NoCtx) const { return IsAll ? a == 0 : a != 0; }
};

enum class NormKind { Zero, One, Two, Inf, NegInf, P };

template <typename T, NormKind K>
struct NormRed {
  using in_t = T;
  using acc_t = T;
  using vin_t = T;
  using out_t = T;
  using ctx_t = NoCtx;
  static constexpr bool kCascade = K == NormKind::One || K == NormKind::Two || K == NormKind::P;
  static constexpr bool kVector = K != NormKind::P;  // pow has no vector form here
  T p = 2;
  T identity() const { return K == NormKind::NegInf ? std::numeric_limits<T>::infinity() : T(0); }
  template <typename A>
  A reduce(A a, A v, NoCtx) const {
    if constexpr (K == NormKind::Zero) return a + ((v != 0) ? A{} + T(1) : A{});
    if constexpr (K == NormKind::One) return a + abs_(v);
    if constexpr (K == NormKind::Two) return a + v * v;
    if constexpr (K == NormKind::Inf) return max_nan(a, abs_(v));
    if constexpr (K == NormKind::NegInf) return min_nan(a, abs_(v));
    if constexpr (K == NormKind::P) return a + std::pow(abs_(v), p);
    return a;
  }
  template <typename A>
  A merge(A a, A b) const {
    if constexpr (K == NormKind::Inf) return max_nan(a, b);
    if constexpr (K == NormKind::NegInf) return min_nan(a, b);
    return a + b;
  }
  T project(T a, NoCtx) const {
    if constexpr (K == NormKind::Two) return std::sqrt(a);
    if constexpr (K == NormKind::P) return std::pow(a, T(1) / p);
    return a;
  }
};

// Sum of squared deviations from the per-output mean (the ctx).
template <typename T>
struct SqDevRed {
  using in_t = T;
  using acc_t = T;
  using vin_t = T;
  using out_t = T;
  using ctx_t = T;
  static constexpr bool kCascade = true;
  static constexpr bool kVector = true;
  T divisor = 1;
  bool take_sqrt = false;
  T identity() const { return T(0); }
  template <typename A>
  A reduce(A a, A v, T mean) const {
    const A d = v - mean;
    return a + d * d;
  }
  template <typename A>
  A merge(A a, A b) const {
    return a + b;
  }
  T project(T a, T) const {
    const T v = a / divisor;
    return take_sqrt ? std::sqrt(v) : v;
  }
};

// sum(exp(x - m)) with the per-output shift m (the ctx); projects log(s) + m.
template <typename T>
struct SumExpRed {
  using in_t = T;
  using acc_t = T;
  using vin_t = T;
  using out_t = T;
  using ctx_t = T;
  static constexpr bool kCascade = true;
  static constexpr bool kVector = std::is_same_v<T, float>;
  T identity() const { return T(0); }
  template <typename A>
  A reduce(A a, A v, T m) const {
    return a + exp_(v - m);
  }
  template <typename A>
  A merge(A a, A b) const {
    return a + b;
  }
  T project(T a, T m) const { return std::log(a) + m; }
};

// ------------------------------------------------------------------ the engine

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// One element as the reducer's input type.
template <class Red>
inline typename Red::vin_t load_elem(const char* p) {
  using in_t = typename Red::in_t;
  return static_cast<typename Red::vin_t>(
      static_cast<val_t<in_t>>(*reinterpret_cast<const in_t*>(p)));
}

// The next 64-byte vector of vin_t from p (byte stride s; contiguous when
// s is the element size).
template <class Red>
inline vec_t<typename Red::vin_t> load_chunk(const char* p, int64_t s) {
  using in_t = typename Red::in_t;
  using vin_t = typename Red::vin_t;
  using V = vec_t<vin_t>;
  constexpr int N = kVecLanes<vin_t>;
  if (s == static_cast<int64_t>(sizeof(in_t))) {
    if constexpr (std::is_same_v<in_t, vin_t>) {
      return load_vec<V>(p);
    } else if constexpr (is_half_v<in_t>) {
      float buf[N];
      to_float(reinterpret_cast<const in_t*>(p), buf, N);
      return load_vec<V>(buf);
    } else {
      typedef in_t VI __attribute__((vector_size(N * sizeof(in_t))));
      return __builtin_convertvector(load_vec<VI>(p), V);
    }
  }
  vin_t buf[N];
  for (int j = 0; j < N; ++j) buf[j] = load_elem<Red>(p + j * s);
  return load_vec<V>(buf);
}

// acc[j] op= v[j] for j < n: a plain loop over arrays, which the compiler
// vectorises (the outer reductions' inner loop).
template <class Red, typename V>
inline void fold(const Red& red, typename Red::acc_t* acc, const V* v, int64_t n,
                 typename Red::ctx_t c) {
  for (int64_t j = 0; j < n; ++j)
    acc[j] = red.reduce(acc[j], static_cast<typename Red::vin_t>(v[j]), c);
}
template <class Red>
inline void join(const Red& red, typename Red::acc_t* acc, typename Red::acc_t* from, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    acc[j] = red.merge(acc[j], from[j]);
    from[j] = red.identity();
  }
}

// Reduces n elements (byte stride s) into one accumulator. Vector reducers
// keep K vector accumulators in registers; float sums (kCascade) move them up
// a ladder of level accumulators every 16 blocks, so each partial sum adds a
// bounded number of terms: pairwise accuracy at the speed of a plain sum.
template <class Red, bool Contig>
typename Red::acc_t lanes_impl(const Red& red, const char* p, int64_t n, int64_t s_,
                               typename Red::ctx_t c) {
  // A compile-time stride for contiguous rows gives the tight loop.
  const int64_t s = Contig ? static_cast<int64_t>(sizeof(typename Red::in_t)) : s_;
  using acc_t = typename Red::acc_t;
  using vin_t = typename Red::vin_t;
  constexpr int N = kVecLanes<acc_t>;
  constexpr int K = 4;
  constexpr int64_t C = N * K;
  if (!Red::kVector || n < C) {
    if (Red::kCascade && n > 4096) {
      const int64_t h = n / 2;
      return red.merge(lanes_impl<Red, Contig>(red, p, h, s, c),
                       lanes_impl<Red, Contig>(red, p + h * s, n - h, s, c));
    }
    acc_t a = red.identity();
    for (int64_t i = 0; i < n; ++i) a = red.reduce(a, load_elem<Red>(p + i * s), c);
    return a;
  }
  if constexpr (Red::kVector) {
    static_assert(kVecLanes<vin_t> == N,
                  "reduce() inputs and accumulators must pair up lane by lane");
    using V = vec_t<acc_t>;
    const V id = V{} + red.identity();
    constexpr int L = 5;  // ladder depth: 16^5 blocks before the top level grows linearly
    V acc[K];
    for (int k = 0; k < K; ++k) acc[k] = id;
    const int64_t nfull = n / C;
    if (!Red::kCascade || nfull <= 16) {
      // Short rows (the common inner reduction): at most 16 terms per lane, the
      // same as the ladder's first level, without its set-up and merges.
      for (int64_t ch = 0; ch < nfull; ++ch) {
        const char* q = p + ch * C * s;
        for (int k = 0; k < K; ++k)
          acc[k] = red.reduce(acc[k], load_chunk<Red>(q + k * N * s, s), c);
      }
    } else {
      V level[L][K];
      int count[L] = {};
      for (int k = 0; k < K; ++k)
        for (int l = 0; l < L; ++l) level[l][k] = id;
      for (int64_t ch = 0; ch < nfull;) {
        const int64_t ce = Red::kCascade ? std::min(nfull, ch + 16) : nfull;
        for (; ch < ce; ++ch) {
          const char* q = p + ch * C * s;
          for (int k = 0; k < K; ++k)
            acc[k] = red.reduce(acc[k], load_chunk<Red>(q + k * N * s, s), c);
        }
        if constexpr (Red::kCascade) {
          for (int k = 0; k < K; ++k) {
            level[0][k] = red.merge(level[0][k], acc[k]);
            acc[k] = id;
          }
          for (int l = 0; l + 1 < L && ++count[l] == 16; ++l) {
            count[l] = 0;
            for (int k = 0; k < K; ++k) {
              level[l + 1][k] = red.merge(level[l + 1][k], level[l][k]);
              level[l][k] = id;
            }
          }
        }
      }
      for (int k = 0; k < K; ++k)
        for (int l = 0; l < L; ++l) acc[k] = red.merge(acc[k], level[l][k]);
    }
    const V v = red.merge(red.merge(acc[0], acc[1]), red.merge(acc[2], acc[3]));
    acc_t lanes[N];
    std::memcpy(lanes, &v, sizeof(V));
    for (int64_t i = nfull * C, j = 0; i < n; ++i, j = (j + 1) % N)
      lanes[j] = red.reduce(lanes[j], load_elem<Red>(p + i * s), c);
    for (int w = N / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) lanes[j] = red.merge(lanes[j], lanes[j + w]);
    return lanes[0];
  }
  return red.identity();  // not reached
}

template <class Red>
typename Red::acc_t lanes_reduce(const Red& red, const char* p, int64_t n, int64_t s,
                                 typename Red::ctx_t c) {
  if (s == static_cast<int64_t>(sizeof(typename Red::in_t)))
    return lanes_impl<Red, true>(red, p, n, s, c);
  return lanes_impl<Red, false>(red, p, n, s, c);
}

template <class Red>
class ReduceEngine {
  using in_t = typename Red::in_t;
  using acc_t = typename Red::acc_t;
  using out_t = typename Red::out_t;
  using ctx_t = typename Red::ctx_t;
  static constexpr bool kHasCtx = !std::is_same_v<ctx_t, NoCtx>;
  static constexpr int64_t kLeaf = 2048;  // elements per pairwise leaf over many short rows
  // Most columns per block (outer): 16 KB of accumulators, so that a block
  // reads long contiguous runs of each row while its accumulators stay in L1.
  static constexpr int64_t W = 16384 / sizeof(acc_t);
  static constexpr int kLevels = Red::kCascade ? 6 : 0;  // 16^6 rows before linear growth

  // Per-thread buffers of the outer path for blocks of up to w columns (too
  // big for the stack).
  struct Scratch {
    explicit Scratch(int64_t w)
        : width(w),
          acc(new acc_t[w]),
          level(new acc_t[kLevels * w + 1]),
          cv(new ctx_t[kHasCtx ? w : 1]),
          buf(new val_t<in_t>[is_half_v<in_t> ? w : 1]) {}
    int64_t width;
    std::unique_ptr<acc_t[]> acc;
    std::unique_ptr<acc_t[]> level;
    std::unique_ptr<ctx_t[]> cv;
    std::unique_ptr<val_t<in_t>[]> buf;
  };

 public:
  ReduceEngine(const Red& red, const ReducePlan& plan, const char* in, char* out, const char* ctx)
      : red_(red), plan_(plan), in_(in), out_(out), ctx_(ctx) {}

  void run() const {
    const int64_t numK = plan_.numK, numR = plan_.numR;
    if (numK == 0) return;
    const int64_t total = numK * std::max<int64_t>(numR, 1);
    const int64_t threads = get_num_threads();
    const bool inner = plan_.inner();
    const int64_t tasks = inner ? numK : num_tasks();
    // Enough independent outputs (or blocks of them) to balance the threads,
    // or too little work to split: parallel over outputs only.
    if (tasks >= 4 * threads || total <= 2 * kGrainSize || threads == 1 || numR < 2 * threads) {
      if (inner)
        run_inner(numR);
      else
        run_outer(numR);
      return;
    }
    // Few outputs, much to reduce: split the reduced range across threads
    // (each chunk covers every output), then join the per-chunk partials in
    // order, so the result does not depend on scheduling.
    const int64_t chunks = std::min<int64_t>(threads, std::max<int64_t>(1, total / kGrainSize));
    std::unique_ptr<acc_t[]> part(new acc_t[chunks * numK]);
    parallel_for_t(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const int64_t rb = numR * c / chunks, re = numR * (c + 1) / chunks;
        partial(part.get() + c * numK, rb, re);
      }
    });
    Counter it(plan_.k, 0);
    for (int64_t k = 0; k < numK; ++k, it.next()) {
      acc_t a = part[k];
      for (int64_t c = 1; c < chunks; ++c) a = red_.merge(a, part[c * numK + k]);
      write(it.off, a);
    }
  }

 private:
  ctx_t ctx_at(int64_t off) const {
    if constexpr (kHasCtx)
      return *reinterpret_cast<const ctx_t*>(ctx_ + off);
    else
      return ctx_t{};
  }
  static ctx_t ctx_of(const ctx_t* cv, int64_t j) {
    if constexpr (kHasCtx)
      return cv[j];
    else
      return ctx_t{};
  }
  void write(const int64_t* off, acc_t a) const {
    *reinterpret_cast<out_t*>(out_ + off[1]) = red_.project(a, ctx_at(off[2]));
  }

  // ---- inner: each output reduces rows that run along the fastest dim

  // Reduces the flat range [rb, re) of the reduced index space. One reduced
  // dim is one lane-reduced segment; with several, pairwise above a leaf of a
  // few rows keeps float sums accurate.
  acc_t range(const char* base, int64_t rb, int64_t re, ctx_t c) const {
    if (rb >= re) return red_.identity();
    const LoopDims& R = plan_.r;
    const size_t nr = R.size();
    const int64_t s0 = R[0].stride[0];
    if (nr == 1) return lanes_reduce(red_, base + rb * s0, re - rb, s0, c);
    if constexpr (Red::kCascade) {
      if (re - rb > std::max(kLeaf, 16 * R[0].size)) {
        const int64_t mid = rb + (re - rb) / 2;
        return red_.merge(range(base, rb, mid, c), range(base, mid, re, c));
      }
    }
    int64_t idx[kPlanMaxDims];
    const char* p = base;
    int64_t rem = rb;
    for (size_t d = 0; d < nr; ++d) {
      idx[d] = rem % R[d].size;
      rem /= R[d].size;
      p += idx[d] * R[d].stride[0];
    }
    acc_t acc = red_.identity();
    for (int64_t pos = rb; pos < re;) {
      const int64_t n = std::min(R[0].size - idx[0], re - pos);
      acc = red_.merge(acc, lanes_reduce(red_, p, n, s0, c));
      pos += n;
      p += n * s0;
      idx[0] += n;
      for (size_t d = 0; d + 1 < nr && idx[d] == R[d].size; ++d) {
        p += R[d + 1].stride[0] - R[d].size * R[d].stride[0];
        idx[d] = 0;
        ++idx[d + 1];
      }
    }
    return acc;
  }

  void run_inner(int64_t numR) const {
    const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(numR, 1));
    parallel_for_t(0, plan_.numK, grain, [&](int64_t b, int64_t e) {
      if (plan_.k.size() == 1 && plan_.r.size() == 1) {
        // One kept and one reduced dim: plain strides, no index bookkeeping
        // (this matters for many short rows).
        const LoopDim& K0 = plan_.k[0];
        const int64_t sr = plan_.r[0].stride[0];
        for (int64_t k = b; k < e; ++k) {
          const int64_t off[kPlanOperands] = {k * K0.stride[0], k * K0.stride[1], k * K0.stride[2]};
          write(off, lanes_reduce(red_, in_ + off[0], numR, sr, ctx_at(off[2])));
        }
        return;
      }
      Counter it(plan_.k, b);
      for (int64_t k = b; k < e; ++k, it.next())
        write(it.off, range(in_ + it.off[0], 0, numR, ctx_at(it.off[2])));
    });
  }

  // ---- outer: the fastest dim is kept; accumulate whole rows of it

  // Blocks split the fastest kept dim (size M) into equal widths of at most W.
  int64_t num_blocks() const { return (plan_.k[0].size + W - 1) / W; }
  int64_t block_width() const {
    const int64_t nb = num_blocks();
    return (plan_.k[0].size + nb - 1) / nb;
  }
  int64_t num_tasks() const { return plan_.numK / plan_.k[0].size * num_blocks(); }

  // acc[0, w) op= rows [rb, re) of the reduced index space, starting at base.
  // Float sums climb a ladder of level accumulators every 16 rows (pairwise
  // accuracy, as in lanes_reduce).
  void rows(acc_t* acc, const char* base, const ctx_t* cv, int64_t w, int64_t rb, int64_t re,
            Scratch& sc) const {
    if (rb >= re) return;
    if constexpr (Red::kVector && !kHasCtx && kVecLanes<typename Red::vin_t> == kVecLanes<acc_t>) {
      // Narrow blocks (channels_last with few channels, say): accumulators in
      // registers, instead of a store and reload of each one per row.
      constexpr int64_t N = kVecLanes<acc_t>;
      if (plan_.k[0].stride[0] == static_cast<int64_t>(sizeof(in_t)) && w % N == 0 && w <= 4 * N) {
        switch (w / N) {
          case 1:
            return rows_reg<1>(acc, base, rb, re);
          case 2:
            return rows_reg<2>(acc, base, rb, re);
          case 3:
            return rows_reg<3>(acc, base, rb, re);
          default:
            return rows_reg<4>(acc, base, rb, re);
        }
      }
    }
    acc_t* level[kLevels ? kLevels : 1];
    for (int l = 0; l < kLevels; ++l) level[l] = sc.level.get() + l * sc.width;
    int count[kLevels ? kLevels : 1] = {};
    bool used[kLevels ? kLevels : 1] = {};
    // acc -> level l: a copy the first time (no identity fill), then a merge.
    auto carry = [&](int l, acc_t* from) {
      if (used[l]) {
        join(red_, level[l], from, w);
      } else {
        for (int64_t j = 0; j < w; ++j) {
          level[l][j] = from[j];
          from[j] = red_.identity();
        }
        used[l] = true;
      }
    };
    const int64_t s = plan_.k[0].stride[0];
    const bool contig = s == static_cast<int64_t>(sizeof(in_t));
    val_t<in_t>* buf = sc.buf.get();
    Counter it(plan_.r, rb);
    for (int64_t r = rb; r < re; ++r, it.next()) {
      const char* p = base + it.off[0];
      if constexpr (is_half_v<in_t>) {
        if (contig) {
          to_float(reinterpret_cast<const in_t*>(p), buf, w);
        } else {
          for (int64_t j = 0; j < w; ++j)
            buf[j] = static_cast<float>(*reinterpret_cast<const in_t*>(p + j * s));
        }
        fold_ctx(acc, buf, cv, w);
      } else if (contig) {
        fold_ctx(acc, reinterpret_cast<const in_t*>(p), cv, w);
      } else {
        for (int64_t j = 0; j < w; ++j)
          acc[j] = red_.reduce(acc[j], load_elem<Red>(p + j * s), ctx_of(cv, j));
      }
      if constexpr (kLevels > 0) {
        if (++count[0] == 16) {
          count[0] = 0;
          carry(0, acc);
          for (int l = 0; l + 1 < kLevels && ++count[l + 1] == 16; ++l) {
            carry(l + 1, level[l]);
            count[l + 1] = 0;
          }
        }
      }
    }
    for (int l = 0; l < kLevels; ++l)
      if (used[l]) join(red_, acc, level[l], w);
  }

  // rows() for G contiguous vectors of columns held in registers.
  template <int G>
  void rows_reg(acc_t* acc, const char* base, int64_t rb, int64_t re) const {
    using V = vec_t<acc_t>;
    constexpr int64_t N = kVecLanes<acc_t>;
    constexpr int LV = kLevels ? kLevels : 1;
    constexpr int64_t step = N * sizeof(in_t);
    V a[G], level[LV][G];
    bool used[LV] = {};
    int count[LV] = {};
    for (int g = 0; g < G; ++g) a[g] = load_vec<V>(acc + g * N);
    const V id = V{} + red_.identity();
    auto carry = [&](int l, V* from) {
      for (int g = 0; g < G; ++g) {
        level[l][g] = used[l] ? red_.merge(level[l][g], from[g]) : from[g];
        from[g] = id;
      }
      used[l] = true;
    };
    Counter it(plan_.r, rb);
    for (int64_t r = rb; r < re; ++r, it.next()) {
      const char* p = base + it.off[0];
      for (int g = 0; g < G; ++g)
        a[g] = red_.reduce(a[g], load_chunk<Red>(p + g * step, sizeof(in_t)), NoCtx{});
      if constexpr (kLevels > 0) {
        if (++count[0] == 16) {
          count[0] = 0;
          carry(0, a);
          for (int l = 0; l + 1 < kLevels && ++count[l + 1] == 16; ++l) {
            carry(l + 1, level[l]);
            count[l + 1] = 0;
          }
        }
      }
    }
    for (int l = 0; l < kLevels; ++l)
      if (used[l])
        for (int g = 0; g < G; ++g) a[g] = red_.merge(a[g], level[l][g]);
    for (int g = 0; g < G; ++g) std::memcpy(acc + g * N, &a[g], sizeof(V));
  }

  template <typename V>
  void fold_ctx(acc_t* acc, const V* v, const ctx_t* cv, int64_t w) const {
    if constexpr (kHasCtx) {
      for (int64_t j = 0; j < w; ++j)
        acc[j] = red_.reduce(acc[j], static_cast<typename Red::vin_t>(v[j]), cv[j]);
    } else {
      fold(red_, acc, v, w, ctx_t{});
    }
  }

  // Runs block `t` (an outer kept index and a block of columns) over rows
  // [rb, re); calls sink(acc, w, offsets of column 0, kept flat index).
  template <typename Sink>
  void block(int64_t t, int64_t rb, int64_t re, Scratch& sc, const Sink& sink) const {
    const LoopDim& K0 = plan_.k[0];
    const int64_t M = K0.size, nb = num_blocks(), bw = block_width();
    const int64_t ko = t / nb, c0 = (t % nb) * bw, w = std::min(bw, M - c0);
    int64_t off[kPlanOperands];
    {
      int64_t rem = ko;
      for (int t2 = 0; t2 < kPlanOperands; ++t2) off[t2] = c0 * K0.stride[t2];
      for (size_t d = 1; d < plan_.k.size(); ++d) {
        const int64_t i = rem % plan_.k[d].size;
        rem /= plan_.k[d].size;
        for (int t2 = 0; t2 < kPlanOperands; ++t2) off[t2] += i * plan_.k[d].stride[t2];
      }
    }
    acc_t* acc = sc.acc.get();
    ctx_t* cv = sc.cv.get();
    for (int64_t j = 0; j < w; ++j) {
      acc[j] = red_.identity();
      if constexpr (kHasCtx) cv[j] = ctx_at(off[2] + j * K0.stride[2]);
    }
    rows(acc, in_ + off[0], cv, w, rb, re, sc);
    sink(acc, cv, w, off, ko * M + c0);
  }

  void run_outer(int64_t numR) const {
    const int64_t tasks = num_tasks();
    const int64_t per_task = std::max<int64_t>(1, numR) * block_width();
    const int64_t grain = std::max<int64_t>(1, kGrainSize / per_task);
    const int64_t so = plan_.k[0].stride[1];
    parallel_for_t(0, tasks, grain, [&](int64_t b, int64_t e) {
      Scratch sc(block_width());
      for (int64_t t = b; t < e; ++t)
        block(t, 0, numR, sc,
              [&](const acc_t* acc, const ctx_t* cv, int64_t w, const int64_t* off, int64_t) {
                char* o = out_ + off[1];
                for (int64_t j = 0; j < w; ++j)
                  *reinterpret_cast<out_t*>(o + j * so) = red_.project(acc[j], ctx_of(cv, j));
              });
    });
  }

  // Accumulators for every output (kept flat order) over reduced range [rb, re).
  void partial(acc_t* dst, int64_t rb, int64_t re) const {
    if (plan_.inner()) {
      Counter it(plan_.k, 0);
      for (int64_t k = 0; k < plan_.numK; ++k, it.next())
        dst[k] = range(in_ + it.off[0], rb, re, ctx_at(it.off[2]));
      return;
    }
    const int64_t tasks = num_tasks();
    Scratch sc(block_width());
    for (int64_t t = 0; t < tasks; ++t)
      block(t, rb, re, sc,
            [&](const acc_t* acc, const ctx_t*, int64_t w, const int64_t*, int64_t k0) {
              for (int64_t j = 0; j < w; ++j) dst[k0 + j] = acc[j];
            });
  }

  const Red& red_;
  const ReducePlan& plan_;
  const char* in_;
  char* out_;
  const char* ctx_;
};

template <class Red>
void run_reduce(const Red& red, const ReducePlan& plan, const Tensor& out, const Tensor& in,
                const Tensor* ctx = nullptr) {
  const char* cp = ctx && ctx->numel() ? static_cast<const char*>(ctx->data_ptr()) : nullptr;
  ReduceEngine<Red>(red, plan, in.numel() ? static_cast<const char*>(in.data_ptr()) : nullptr,
                    static_cast<char*>(out.data_ptr()), cp)
      .run();
}

// --------------------------------------------------------- arg reductions

template <typename T, bool IsMax>
class ArgEngine {
  using V = val_t<T>;
  static constexpr int64_t W = 1024;

 public:
  ArgEngine(const ReducePlan& plan, const char* in, char* vals, char* idxs)
      : plan_(plan), in_(in), vals_(vals), idxs_(idxs) {}

  // x replaces best when strictly better, or when x is the first NaN.
  // Branch-free so the column loop vectorises.
  static bool better(V x, V best) {
    const bool b = IsMax ? x > best : x < best;
    if constexpr (std::is_floating_point_v<V>)
      return b | ((x != x) & (best == best));
    else
      return b;
  }

  void run() const {
    const int64_t numK = plan_.numK, numR = plan_.numR;
    if (numK == 0) return;
    const int64_t total = numK * numR;
    const int64_t threads = get_num_threads();
    const bool inner = plan_.inner();
    if (inner && numK < threads && total > 2 * kGrainSize && threads > 1) {
      // Few long rows: split each row across threads, join in index order.
      const int64_t chunks = std::min<int64_t>(threads, total / kGrainSize);
      Counter it(plan_.k, 0);
      for (int64_t k = 0; k < numK; ++k, it.next()) {
        std::vector<std::pair<V, int64_t>> part(static_cast<size_t>(chunks));
        parallel_for_t(0, chunks, 1, [&](int64_t b, int64_t e) {
          for (int64_t c = b; c < e; ++c)
            part[c] = row(in_ + it.off[0], numR * c / chunks, numR * (c + 1) / chunks);
        });
        auto best = part[0];
        for (int64_t c = 1; c < chunks; ++c)
          if (better(part[c].first, best.first)) best = part[c];
        store(it.off, best.first, best.second);
      }
      return;
    }
    if (inner) {
      const int64_t grain = std::max<int64_t>(1, kGrainSize / numR);
      parallel_for_t(0, numK, grain, [&](int64_t b, int64_t e) {
        Counter it(plan_.k, b);
        for (int64_t k = b; k < e; ++k, it.next()) {
          auto [v, i] = row(in_ + it.off[0], 0, numR);
          store(it.off, v, i);
        }
      });
      return;
    }
    const int64_t M = plan_.k[0].size, nb = (M + W - 1) / W;
    const int64_t tasks = numK / M * nb;
    if (tasks < threads && total > 2 * kGrainSize && threads > 1 && numR >= 2 * threads) {
      // Few column blocks, many rows: split the rows across threads, then join
      // the per-chunk bests in row order (an earlier chunk wins ties).
      const int64_t chunks = std::min<int64_t>(threads, total / kGrainSize);
      std::unique_ptr<V[]> pv(new V[chunks * numK]);
      std::unique_ptr<int64_t[]> pi(new int64_t[chunks * numK]);
      parallel_for_t(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c)
          for (int64_t t = 0; t < tasks; ++t) {
            int64_t off[kPlanOperands], w, k0;
            task(t, off, w, k0);
            columns(off, w, numR * c / chunks, numR * (c + 1) / chunks, pv.get() + c * numK + k0,
                    pi.get() + c * numK + k0);
          }
      });
      Counter it(plan_.k, 0);
      for (int64_t k = 0; k < numK; ++k, it.next()) {
        int64_t bc = 0;
        for (int64_t c = 1; c < chunks; ++c)
          if (better(pv[c * numK + k], pv[bc * numK + k])) bc = c;
        store(it.off, pv[bc * numK + k], pi[bc * numK + k]);
      }
      return;
    }
    const int64_t grain = std::max<int64_t>(1, kGrainSize / (numR * std::min(W, M)));
    const int64_t sv = plan_.k[0].stride[1], si = plan_.k[0].stride[2];
    parallel_for_t(0, tasks, grain, [&](int64_t b, int64_t e) {
      V best[W];
      int64_t bi[W];
      for (int64_t t = b; t < e; ++t) {
        int64_t off[kPlanOperands], w, k0;
        task(t, off, w, k0);
        columns(off, w, 0, numR, best, bi);
        for (int64_t j = 0; j < w; ++j) {
          *reinterpret_cast<T*>(vals_ + off[1] + j * sv) = T(best[j]);
          *reinterpret_cast<int64_t*>(idxs_ + off[2] + j * si) = bi[j];
        }
      }
    });
  }

 private:
  V load(const char* p) const { return static_cast<V>(*reinterpret_cast<const T*>(p)); }

  void store(const int64_t* off, V v, int64_t i) const {
    *reinterpret_cast<T*>(vals_ + off[1]) = T(v);
    *reinterpret_cast<int64_t*>(idxs_ + off[2]) = i;
  }

  // Block t of the outer pattern: operand offsets of its first column, its
  // width, and the kept flat index of its first column.
  void task(int64_t t, int64_t* off, int64_t& w, int64_t& k0) const {
    const LoopDim& K0 = plan_.k[0];
    const int64_t M = K0.size, nb = (M + W - 1) / W;
    const int64_t ko = t / nb, c0 = (t % nb) * W;
    w = std::min(W, M - c0);
    k0 = ko * M + c0;
    int64_t rem = ko;
    for (int q = 0; q < kPlanOperands; ++q) off[q] = c0 * K0.stride[q];
    for (size_t d = 1; d < plan_.k.size(); ++d) {
      const int64_t i = rem % plan_.k[d].size;
      rem /= plan_.k[d].size;
      for (int q = 0; q < kPlanOperands; ++q) off[q] += i * plan_.k[d].stride[q];
    }
  }

  // Best value and its index over positions [rb, re) of the reduced dim.
  std::pair<V, int64_t> row(const char* base, int64_t rb, int64_t re) const {
    const int64_t s = plan_.r[0].stride[0];
    const char* p = base + rb * s;
    const int64_t n = re - rb;
    if (s == static_cast<int64_t>(sizeof(T)) && n >= 64) {
      // Two passes over a row in cache: a vectorised max, then its first position.
      const V m = lanes_reduce(MaxRed<T, IsMax>{}, p, n, s, NoCtx{});
      for (int64_t i = 0; i < n; ++i) {
        const V x = load(p + i * s);
        bool hit = x == m;
        if constexpr (std::is_floating_point_v<V>) hit = hit || (m != m && x != x);
        if (hit) return {m, rb + i};
      }
      return {m, rb};  // not reached
    }
    V best = load(p);
    int64_t bi = 0;
    for (int64_t i = 1; i < n; ++i) {
      const V x = load(p + i * s);
      if (better(x, best)) {
        best = x;
        bi = i;
      }
    }
    return {best, rb + bi};
  }

  // Best values and indices of columns [0, w) of the kept fastest dim at
  // `off` over rows [rb, re) of the reduced dim, scanned in order so the first
  // best index wins.
  void columns(const int64_t* off, int64_t w, int64_t rb, int64_t re, V* best, int64_t* bi) const {
    const int64_t s = plan_.k[0].stride[0], sr = plan_.r[0].stride[0];
    const char* p = in_ + off[0];
    for (int64_t j = 0; j < w; ++j) {
      best[j] = load(p + rb * sr + j * s);
      bi[j] = rb;
    }
    const bool contig = s == static_cast<int64_t>(sizeof(T));
    for (int64_t r = rb + 1; r < re; ++r) {
      const char* q = p + r * sr;
      if (contig) {
        const T* x = reinterpret_cast<const T*>(q);
        for (int64_t j = 0; j < w; ++j) {
          const V v = static_cast<V>(x[j]);
          const bool t = better(v, best[j]);
          best[j] = t ? v : best[j];
          bi[j] = t ? r : bi[j];
        }
      } else {
        for (int64_t j = 0; j < w; ++j) {
          const V v = load(q + j * s);
          const bool t = better(v, best[j]);
          best[j] = t ? v : best[j];
          bi[j] = t ? r : bi[j];
        }
      }
    }
  }

  const ReducePlan& plan_;
  const char* in_;
  char* vals_;
  char* idxs_;
};

}  // namespace

// ----------------------------------------------------------------- entry points

void reduce_kernel(ReduceKind kind, const Tensor& out, const Tensor& in, uint64_t reduced) {
  const ReducePlan plan = make_reduce_plan({in, out}, reduced);
  if (plan.numK == 0) return;
  const DType dt = in.dtype();
  switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean: {
      const int64_t count = kind == ReduceKind::Mean ? plan.numR : -1;
      if (out.dtype() == kInt64 && dt != kInt64) {
        EMBER_DISPATCH_INTEGRAL(dt, "sum", [&] {
          SumRed<byte_bool_t<scalar_t>, int64_t, int64_t> red;
          run_reduce(red, plan, out, in);
        });
        return;
      }
      EMBER_CHECK(out.dtype() == dt, RuntimeError, "sum: unsupported output dtype ", out.dtype(),
                  " for input ", dt);
      auto go = [&]<typename T, typename Acc>(T, Acc) {
        SumRed<T, Acc, T> red;
        red.mean_count = count;
        run_reduce(red, plan, out, in);
      };
      switch (dt) {
        case kInt64:
          return go(int64_t{}, int64_t{});
        case kFloat32:
          return go(float{}, float{});
        case kFloat64:
          return go(double{}, double{});
        case kFloat16:
          return go(Half{}, float{});
        case kBFloat16:
          return go(BFloat16{}, float{});
        default:
          throw TypeError(detail::str_cat("\"sum\" not implemented for '", dtype_name(dt), "'"));
      }
    }
    case ReduceKind::Prod: {
      EMBER_CHECK(out.dtype() == dt, RuntimeError, "prod: unsupported output dtype ", out.dtype(),
                  " for input ", dt);
      switch (dt) {
        case kInt64:
          return run_reduce(ProdRed<int64_t, int64_t, int64_t>{}, plan, out, in);
        case kFloat32:
          return run_reduce(ProdRed<float, float, float>{}, plan, out, in);
        case kFloat64:
          return run_reduce(ProdRed<double, double, double>{}, plan, out, in);
        case kFloat16:
          return run_reduce(ProdRed<Half, float, Half>{}, plan, out, in);
        case kBFloat16:
          return run_reduce(ProdRed<BFloat16, float, BFloat16>{}, plan, out, in);
        default:
          throw TypeError(detail::str_cat("\"prod\" not implemented for '", dtype_name(dt), "'"));
      }
    }
    case ReduceKind::Max:
      EMBER_DISPATCH_ALL(dt, "max",
                         [&] { run_reduce(MaxRed<byte_bool_t<scalar_t>, true>{}, plan, out, in); });
      return;
    case ReduceKind::Min:
      EMBER_DISPATCH_ALL(
          dt, "min", [&] { run_reduce(MaxRed<byte_bool_t<scalar_t>, false>{}, plan, out, in); });
      return;
    case ReduceKind::All:
    case ReduceKind::Any: {
      const bool all = kind == ReduceKind::All;
      auto go = [&](auto zero, uint64_t mask) {
        using U = decltype(zero);
        if (all)
          run_reduce(BoolRed<U, true>{static_cast<U>(mask)}, plan, out, in);
        else
          run_reduce(BoolRed<U, false>{static_cast<U>(mask)}, plan, out, in);
      };
      switch (dt) {
        case kBool:
        case kUInt8:
        case kInt8:
          return go(uint8_t{}, 0xffu);
        case kInt16:
          return go(uint16_t{}, 0xffffu);
        case kFloat16:
        case kBFloat16:
          return go(uint16_t{}, 0x7fffu);
        case kInt32:
          return go(uint32_t{}, 0xffffffffu);
        case kFloat32:
          return go(uint32_t{}, 0x7fffffffu);
        case kInt64:
          return go(uint64_t{}, ~uint64_t{0});
        case kFloat64:
          return go(uint64_t{}, ~uint64_t{0} >> 1);
      }
      return;
    }
  }
}

void norm_kernel(const Tensor& out, const Tensor& in, uint64_t reduced, double p) {
  const ReducePlan plan = make_reduce_plan({in, out}, reduced);
  if (plan.numK == 0) return;
  auto go = [&]<typename T>(T) {
    const double inf = std::numeric_limits<double>::infinity();
    if (p == 0) return run_reduce(NormRed<T, NormKind::Zero>{}, plan, out, in);
    if (p == 1) return run_reduce(NormRed<T, NormKind::One>{}, plan, out, in);
    if (p == 2) return run_reduce(NormRed<T, NormKind::Two>{}, plan, out, in);
    if (p == inf) return run_reduce(NormRed<T, NormKind::Inf>{}, plan, out, in);
    if (p == -inf) return run_reduce(NormRed<T, NormKind::NegInf>{}, plan, out, in);
    NormRed<T, NormKind::P> red;
    red.p = static_cast<T>(p);
    run_reduce(red, plan, out, in);
  };
  if (in.dtype() == kFloat32)
    go(float{});
  else if (in.dtype() == kFloat64)
    go(double{});
  else
    throw TypeError(detail::str_cat("\"norm\" not implemented for '", dtype_name(in.dtype()), "'"));
}

void var_kernel(const Tensor& out, const Tensor& in, const Tensor& mean, uint64_t reduced,
                double correction, bool take_sqrt) {
  const ReducePlan plan = make_reduce_plan({in, out, mean}, reduced);
  if (plan.numK == 0) return;
  const double divisor = std::max(0.0, static_cast<double>(plan.numR) - correction);
  auto go = [&]<typename T>(T) {
    SqDevRed<T> red;
    red.divisor = static_cast<T>(divisor);
    red.take_sqrt = take_sqrt;
    run_reduce(red, plan, out, in, &mean);
  };
  if (in.dtype() == kFloat32)
    go(float{});
  else if (in.dtype() == kFloat64)
    go(double{});
  else
    throw TypeError(detail::str_cat("\"var\" not implemented for '", dtype_name(in.dtype()), "'"));
}

void logsumexp_kernel(const Tensor& out, const Tensor& in, const Tensor& max, uint64_t reduced) {
  const ReducePlan plan = make_reduce_plan({in, out, max}, reduced);
  if (plan.numK == 0) return;
  if (in.dtype() == kFloat32)
    run_reduce(SumExpRed<float>{}, plan, out, in, &max);
  else if (in.dtype() == kFloat64)
    run_reduce(SumExpRed<double>{}, plan, out, in, &max);
  else
    throw TypeError(
        detail::str_cat("\"logsumexp\" not implemented for '", dtype_name(in.dtype()), "'"));
}

void arg_reduce_kernel(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in,
                       int64_t dim) {
  const uint64_t reduced = in.dim() ? uint64_t{1} << dim : 0;
  const ReducePlan plan = make_reduce_plan({in, values, indices}, reduced);
  if (plan.numK == 0) return;
  const char* ip = static_cast<const char*>(in.data_ptr());
  char* vp = static_cast<char*>(values.data_ptr());
  char* xp = static_cast<char*>(indices.data_ptr());
  EMBER_DISPATCH_ALL(in.dtype(), is_max ? "max" : "min", [&] {
    using T = byte_bool_t<scalar_t>;
    if (is_max)
      ArgEngine<T, true>(plan, ip, vp, xp).run();
    else
      ArgEngine<T, false>(plan, ip, vp, xp).run();
  });
}

}  // namespace ember::kernels
