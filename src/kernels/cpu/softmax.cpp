#include "kernels/cpu/softmax.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "ember/core/parallel.h"
#include "kernels/cpu/convert.h"
#include "kernels/cpu/reduce.h"

namespace ember::kernels {

namespace {

// softmax computes in float for float/Half/BFloat16 and in double for double.
template <typename T>
using soft_acc_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename A>
inline A exp_a(A x) {
  if constexpr (std::is_same_v<A, float>)
    return exp_f32(x);
  else
    return std::exp(x);
}

// Loads n elements (byte stride s) as A into buf; stores them back.
template <typename T, typename A>
void load_row(const char* p, int64_t s, A* buf, int64_t n) {
  if (s == static_cast<int64_t>(sizeof(T))) {
    const T* q = reinterpret_cast<const T*>(p);
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      to_float(q, buf, n);
    } else {
      for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<A>(q[i]);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<A>(*reinterpret_cast<const T*>(p + i * s));
}
template <typename T, typename A>
void store_row(char* p, int64_t s, const A* buf, int64_t n) {
  if (s == static_cast<int64_t>(sizeof(T))) {
    T* q = reinterpret_cast<T*>(p);
    int64_t i = 0;
#if defined(__AVX2__) && defined(__F16C__)
    if constexpr (std::is_same_v<T, Half>)
      for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(buf + i), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; i < n; ++i) q[i] = T(buf[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p + i * s) = T(buf[i]);
}

// Row max (NaN wins) with vector accumulators.
template <typename A>
A row_max(const A* x, int64_t n) {
  using V = vec_t<A>;
  constexpr int N = kVecLanes<A>;
  A m = -std::numeric_limits<A>::infinity();
  int64_t i = 0;
  if (n >= 2 * N) {
    V a = V{} + m, b = a;
    for (; i + 2 * N <= n; i += 2 * N) {
      a = max_nan(a, load_vec<V>(x + i));
      b = max_nan(b, load_vec<V>(x + i + N));
    }
    a = max_nan(a, b);
    for (int j = 0; j < N; ++j) m = max_nan(m, static_cast<A>(a[j]));
  }
  for (; i < n; ++i) m = max_nan(m, x[i]);
  return m;
}

// sum(exp(x - m)); also stores the exps in y when given.
template <typename A>
A row_sum_exp(const A* x, int64_t n, A m, A* y) {
  A sum = 0;
  int64_t i = 0;
  if constexpr (std::is_same_v<A, float>) {
    using V = vec_t<float>;
    constexpr int N = kVecLanes<float>;
    if (n >= 2 * N) {
      V a = V{}, b = V{};
      for (; i + 2 * N <= n; i += 2 * N) {
        const V e0 = exp_vec(load_vec<V>(x + i) - m);
        const V e1 = exp_vec(load_vec<V>(x + i + N) - m);
        if (y) {
          std::memcpy(y + i, &e0, sizeof(V));
          std::memcpy(y + i + N, &e1, sizeof(V));
        }
        a += e0;
        b += e1;
      }
      a += b;
      for (int j = 0; j < N; ++j) sum += a[j];
    }
  }
  for (; i < n; ++i) {
    const A e = exp_a(x[i] - m);
    if (y) y[i] = e;
    sum += e;
  }
  return sum;
}

// Softmax of one contiguous row (y may alias x).
template <typename A>
void softmax_row(const A* x, A* y, int64_t n, bool log) {
  const A m = row_max(x, n);
  if (log) {
    const A ls = std::log(row_sum_exp<A>(x, n, m, nullptr));
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - m - ls;
  } else {
    const A inv = A(1) / row_sum_exp(x, n, m, y);
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

// The dim runs along the input's fastest dim: one row per output row.
template <typename T>
void softmax_inner(const ReducePlan& plan, const char* in, char* out, bool log) {
  using A = soft_acc_t<T>;
  const int64_t n = plan.numR, si = plan.r[0].stride[0], so = plan.r[0].stride[1];
  const bool direct = std::is_same_v<T, A> && si == sizeof(T) && so == sizeof(T);
  parallel_for_t(0, plan.numK, std::max<int64_t>(1, kGrainSize / n), [&](int64_t b, int64_t e) {
    std::vector<A> buf(direct ? 0 : n);
    Counter it(plan.k, b);
    for (int64_t k = b; k < e; ++k, it.next()) {
      const char* ip = in + it.off[0];
      char* op = out + it.off[1];
      if (direct) {
        softmax_row(reinterpret_cast<const A*>(ip), reinterpret_cast<A*>(op), n, log);
      } else {
        load_row<T>(ip, si, buf.data(), n);
        softmax_row(buf.data(), buf.data(), n, log);
        store_row<T>(op, so, buf.data(), n);
      }
    }
  });
}

// The fastest dim is not the softmax dim: vectorise across a block of columns
// of the fastest dim, walking the softmax dim as rows (three passes).
template <typename T>
void softmax_outer(const ReducePlan& plan, const char* in, char* out, bool log) {
  using A = soft_acc_t<T>;
  constexpr int64_t W = 64;
  const LoopDim& K0 = plan.k[0];
  const int64_t M = K0.size, nb = (M + W - 1) / W, n = plan.numR;
  const int64_t sr = plan.r[0].stride[0], sro = plan.r[0].stride[1];
  const int64_t s0 = K0.stride[0], so0 = K0.stride[1];
  const int64_t tasks = plan.numK / M * nb;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / (n * std::min(W, M)));
  parallel_for_t(0, tasks, grain, [&](int64_t b, int64_t e) {
    A x[W], m[W], s[W];
    for (int64_t t = b; t < e; ++t) {
      const int64_t ko = t / nb, c0 = (t % nb) * W, w = std::min(W, M - c0);
      int64_t off[2] = {c0 * s0, c0 * so0};
      int64_t rem = ko;
      for (size_t d = 1; d < plan.k.size(); ++d) {
        const int64_t i = rem % plan.k[d].size;
        rem /= plan.k[d].size;
        off[0] += i * plan.k[d].stride[0];
        off[1] += i * plan.k[d].stride[1];
      }
      const char* ip = in + off[0];
      char* op = out + off[1];
      for (int64_t j = 0; j < w; ++j) {
        m[j] = -std::numeric_limits<A>::infinity();
        s[j] = 0;
      }
      for (int64_t r = 0; r < n; ++r) {
        load_row<T>(ip + r * sr, s0, x, w);
        for (int64_t j = 0; j < w; ++j) m[j] = max_nan(m[j], x[j]);
      }
      for (int64_t r = 0; r < n; ++r) {
        load_row<T>(ip + r * sr, s0, x, w);
        for (int64_t j = 0; j < w; ++j) s[j] += exp_a(x[j] - m[j]);
      }
      if (log) {
        for (int64_t j = 0; j < w; ++j) s[j] = m[j] + std::log(s[j]);
        for (int64_t r = 0; r < n; ++r) {
          load_row<T>(ip + r * sr, s0, x, w);
          for (int64_t j = 0; j < w; ++j) x[j] = x[j] - s[j];
          store_row<T>(op + r * sro, so0, x, w);
        }
      } else {
        for (int64_t j = 0; j < w; ++j) s[j] = A(1) / s[j];
        for (int64_t r = 0; r < n; ++r) {
          load_row<T>(ip + r * sr, s0, x, w);
          for (int64_t j = 0; j < w; ++j) x[j] = exp_a(x[j] - m[j]) * s[j];
          store_row<T>(op + r * sro, so0, x, w);
        }
      }
    }
  });
}

template <typename In, typename Out, typename Acc>
void cumsum_impl(const ReducePlan& plan, const char* in, char* out) {
  const int64_t n = plan.numR, sr = plan.r[0].stride[0], sro = plan.r[0].stride[1];
  if (plan.inner()) {
    parallel_for_t(0, plan.numK, std::max<int64_t>(1, kGrainSize / n), [&](int64_t b, int64_t e) {
      Counter it(plan.k, b);
      for (int64_t k = b; k < e; ++k, it.next()) {
        const char* ip = in + it.off[0];
        char* op = out + it.off[1];
        Acc acc = 0;
        for (int64_t i = 0; i < n; ++i) {
          acc += static_cast<Acc>(*reinterpret_cast<const In*>(ip + i * sr));
          *reinterpret_cast<Out*>(op + i * sro) = convert<Out>(acc);
        }
      }
    });
    return;
  }
  constexpr int64_t W = 256;
  const LoopDim& K0 = plan.k[0];
  const int64_t M = K0.size, nb = (M + W - 1) / W;
  const int64_t s0 = K0.stride[0], so0 = K0.stride[1];
  const int64_t tasks = plan.numK / M * nb;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / (n * std::min(W, M)));
  parallel_for_t(0, tasks, grain, [&](int64_t b, int64_t e) {
    Acc acc[W];
    for (int64_t t = b; t < e; ++t) {
      const int64_t ko = t / nb, c0 = (t % nb) * W, w = std::min(W, M - c0);
      int64_t off[2] = {c0 * s0, c0 * so0};
      int64_t rem = ko;
      for (size_t d = 1; d < plan.k.size(); ++d) {
        const int64_t i = rem % plan.k[d].size;
        rem /= plan.k[d].size;
        off[0] += i * plan.k[d].stride[0];
        off[1] += i * plan.k[d].stride[1];
      }
      for (int64_t j = 0; j < w; ++j) acc[j] = 0;
      const bool contig = s0 == sizeof(In) && so0 == sizeof(Out);
      for (int64_t r = 0; r < n; ++r) {
        const char* ip = in + off[0] + r * sr;
        char* op = out + off[1] + r * sro;
        if (contig) {
          const In* x = reinterpret_cast<const In*>(ip);
          Out* y = reinterpret_cast<Out*>(op);
          for (int64_t j = 0; j < w; ++j) {
            acc[j] += static_cast<Acc>(x[j]);
            y[j] = convert<Out>(acc[j]);
          }
        } else {
          for (int64_t j = 0; j < w; ++j) {
            acc[j] += static_cast<Acc>(*reinterpret_cast<const In*>(ip + j * s0));
            *reinterpret_cast<Out*>(op + j * so0) = convert<Out>(acc[j]);
          }
        }
      }
    }
  });
}

}  // namespace

void softmax_kernel(const Tensor& out, const Tensor& in, int64_t dim, bool log) {
  if (in.numel() == 0) return;
  const uint64_t reduced = in.dim() ? uint64_t{1} << dim : 0;
  const ReducePlan plan = make_reduce_plan({in, out}, reduced);
  const char* ip = static_cast<const char*>(in.data_ptr());
  char* op = static_cast<char*>(out.data_ptr());
  EMBER_DISPATCH_FLOATING(in.dtype(), "softmax", [&] {
    if (plan.inner())
      softmax_inner<scalar_t>(plan, ip, op, log);
    else
      softmax_outer<scalar_t>(plan, ip, op, log);
  });
}

void cumsum_kernel(const Tensor& out, const Tensor& in, int64_t dim) {
  if (in.numel() == 0) return;
  const uint64_t reduced = in.dim() ? uint64_t{1} << dim : 0;
  const ReducePlan plan = make_reduce_plan({in, out}, reduced);
  const char* ip = static_cast<const char*>(in.data_ptr());
  char* op = static_cast<char*>(out.data_ptr());
  const DType dt = in.dtype();
  if (out.dtype() == kInt64 && dt != kInt64) {
    EMBER_DISPATCH_INTEGRAL(dt, "cumsum",
                            [&] { cumsum_impl<scalar_t, int64_t, int64_t>(plan, ip, op); });
    return;
  }
  EMBER_CHECK(out.dtype() == dt, RuntimeError, "cumsum: unsupported output dtype ", out.dtype(),
              " for input ", dt);
  switch (dt) {
    case kInt64:
      return cumsum_impl<int64_t, int64_t, int64_t>(plan, ip, op);
    case kFloat32:
      return cumsum_impl<float, float, double>(plan, ip, op);
    case kFloat64:
      return cumsum_impl<double, double, double>(plan, ip, op);
    case kFloat16:
      return cumsum_impl<Half, Half, float>(plan, ip, op);
    case kBFloat16:
      return cumsum_impl<BFloat16, BFloat16, float>(plan, ip, op);
    default:
      throw TypeError(detail::str_cat("\"cumsum\" not implemented for '", dtype_name(dt), "'"));
  }
}

}  // namespace ember::kernels
