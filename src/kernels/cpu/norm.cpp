#include "kernels/cpu/norm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/parallel.h"

namespace ember::kernels {

void Moments::merge(const Moments& o) {
  if (o.n == 0) return;
  if (n == 0) {
    *this = o;
    return;
  }
  // One division rather than two (batch_norm merges N partial moments per
  // channel one after the other: 8192 merges at 16x512x4x4, 46 -> 36 us).
  const double tot = n + o.n, r = o.n / tot, d = o.mean - mean;
  mean += d * r;
  m2 += o.m2 + d * d * n * r;
  n = tot;
}

namespace {

// A (N, C, S) view's sizes and strides.
struct View3 {
  int64_t n, c, s, sn, sc, ss;
  explicit View3(const Tensor& t)
      : n(t.size(0)),
        c(t.size(1)),
        s(t.size(2)),
        sn(t.stride(0)),
        sc(t.stride(1)),
        ss(t.stride(2)) {}
  // channels_last-like: channels innermost, rows of C over s.
  bool rows() const { return sc == 1 && s > 1; }
};

template <typename F>
void parallel(int64_t n, int64_t work_each, const F& f) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, work_each));
  parallel_for_t(0, n, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}

// Chunks of rows per n for the channels-last loops: enough items for every
// thread even when N is small, each at least a grain's worth of values.
int64_t row_chunks(int64_t n, int64_t s, int64_t c) {
  const int64_t want =
      (4 * static_cast<int64_t>(get_num_threads()) + n - 1) / std::max<int64_t>(1, n);
  const int64_t max_by_size = std::max<int64_t>(1, s * c / kGrainSize);
  return std::max<int64_t>(1, std::min({want, max_by_size, s}));
}

// ---- float32 channels-last rows
//
// Rows of C contiguous floats (channels_last, or batch_norm's 2-D inputs) go
// through blocks of 64 channels that walk a run of rows with their sums (or
// coefficients) in vector registers: four independent 16-float vectors per
// accumulator keep the adds off each other's latency, and each row's values
// are loaded once per pass. Sums run in float over at most kFloatRows rows of
// values shifted by the item's first row, then in double (the precision of
// the double loops within float rounding; deterministic for a thread count).

using F16 = float __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;
constexpr int64_t kFloatRows = 32;

inline F16 load16(const float* p) {
  F16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store16(float* p, const F16& v) { std::memcpy(p, &v, sizeof v); }

// d[j] += float sums a (V vectors), j < 16 * V.
template <int V>
inline void flush(double* d, const F16 (&a)[V]) {
  float t[V * kLanes];
  std::memcpy(t, a, sizeof t);
#pragma omp simd
  for (int64_t j = 0; j < V * kLanes; ++j) d[j] += static_cast<double>(t[j]);
}

// The (n, chunk of rows) items of a rows view: n * k items of `per` rows.
struct RowItems {
  int64_t k, per;
  RowItems(int64_t n, int64_t s, int64_t c) : k(row_chunks(n, s, c)), per((s + k - 1) / k) {}
};

// Folds per-(n, chunk of rows) partials (n x k x c) into per-n results
// (n x c), the chunks of each n in order.
void merge_chunks(std::vector<Moments>& m, const std::vector<Moments>& part, int64_t n, int64_t k,
                  int64_t c) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t q = 0; q < k; ++q)
      for (int64_t j = 0; j < c; ++j) m[i * c + j].merge(part[(i * k + q) * c + j]);
}
void add_chunks(std::vector<double>& sum, const std::vector<double>& part, int64_t n, int64_t k,
                int64_t c) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t q = 0; q < k; ++q)
      for (int64_t j = 0; j < c; ++j) sum[i * c + j] += part[(i * k + q) * c + j];
}

// Moments of rows r0..r1 of channels [0, 16 * V) (x, shift, sums offset to
// the block's first channel): s1 += sum(x - sh), s2 += sum((x - sh)^2).
template <int V>
void moments_block(const float* x, int64_t ss, int64_t r0, int64_t r1, const float* sh, double* s1,
                   double* s2) {
  F16 h[V], a[V] = {}, b[V] = {};
  for (int v = 0; v < V; ++v) h[v] = load16(sh + v * kLanes);
  for (int64_t r = r0; r < r1; ++r) {
    const float* row = x + r * ss;
    for (int v = 0; v < V; ++v) {
      const F16 d = load16(row + v * kLanes) - h[v];
      a[v] += d;
      b[v] += d * d;
    }
  }
  flush<V>(s1, a);
  flush<V>(s2, b);
}

// Moments of rows s0..s1e of one n (base: its first value) into out[0, C).
void moments_rows_f32(const float* base, int64_t C, int64_t ss, int64_t s0, int64_t s1e,
                      Moments* out) {
  std::vector<float> sh(base + s0 * ss, base + s0 * ss + C);
  std::vector<double> s1(C, 0.0), s2(C, 0.0);
  for (int64_t r0 = s0; r0 < s1e; r0 += kFloatRows) {
    const int64_t r1 = std::min(s1e, r0 + kFloatRows);
    int64_t c0 = 0;
    for (; c0 + 4 * kLanes <= C; c0 += 4 * kLanes)
      moments_block<4>(base + c0, ss, r0, r1, sh.data() + c0, s1.data() + c0, s2.data() + c0);
    for (; c0 + kLanes <= C; c0 += kLanes)
      moments_block<1>(base + c0, ss, r0, r1, sh.data() + c0, s1.data() + c0, s2.data() + c0);
    for (; c0 < C; ++c0) {
      float a = 0, b = 0;
      for (int64_t r = r0; r < r1; ++r) {
        const float d = base[r * ss + c0] - sh[c0];
        a += d;
        b += d * d;
      }
      s1[c0] += a;
      s2[c0] += b;
    }
  }
  const double cnt = static_cast<double>(s1e - s0);
  for (int64_t c = 0; c < C; ++c)
    out[c] = {cnt, static_cast<double>(sh[c]) + s1[c] / cnt,
              std::max(0.0, s2[c] - s1[c] * s1[c] / cnt)};
}

// Gradient sums of rows r0..r1 of channels [0, 16 * V): a += sum(dy),
// b += sum(dy * (x - sh)).
template <int V>
void grad_sums_block(const float* g, int64_t gs, const float* x, int64_t xs, int64_t r0, int64_t r1,
                     const float* sh, double* sa, double* sb) {
  F16 h[V], a[V] = {}, b[V] = {};
  for (int v = 0; v < V; ++v) h[v] = load16(sh + v * kLanes);
  for (int64_t r = r0; r < r1; ++r) {
    const float* rg = g + r * gs;
    const float* rx = x + r * xs;
    for (int v = 0; v < V; ++v) {
      const F16 d = load16(rg + v * kLanes);
      a[v] += d;
      b[v] += d * (load16(rx + v * kLanes) - h[v]);
    }
  }
  flush<V>(sa, a);
  flush<V>(sb, b);
}

// sum(dy) and sum(dy * x) of rows s0..s1e of one n into a[0, C), b[0, C).
// dy * x sums dy * (x - shift) and adds shift * sum(dy) in double, so that a
// large mean does not cost the float sums their precision.
void grad_sums_rows_f32(const float* g, int64_t gs, const float* x, int64_t xs, int64_t C,
                        int64_t s0, int64_t s1e, double* a, double* b) {
  std::vector<float> sh(x + s0 * xs, x + s0 * xs + C);
  std::fill(a, a + C, 0.0);
  std::fill(b, b + C, 0.0);
  for (int64_t r0 = s0; r0 < s1e; r0 += kFloatRows) {
    const int64_t r1 = std::min(s1e, r0 + kFloatRows);
    int64_t c0 = 0;
    for (; c0 + 4 * kLanes <= C; c0 += 4 * kLanes)
      grad_sums_block<4>(g + c0, gs, x + c0, xs, r0, r1, sh.data() + c0, a + c0, b + c0);
    for (; c0 + kLanes <= C; c0 += kLanes)
      grad_sums_block<1>(g + c0, gs, x + c0, xs, r0, r1, sh.data() + c0, a + c0, b + c0);
    for (; c0 < C; ++c0) {
      float p = 0, q = 0;
      for (int64_t r = r0; r < r1; ++r) {
        const float d = g[r * gs + c0];
        p += d;
        q += d * (x[r * xs + c0] - sh[c0]);
      }
      a[c0] += p;
      b[c0] += q;
    }
  }
  for (int64_t c = 0; c < C; ++c) b[c] += static_cast<double>(sh[c]) * a[c];
}

// out = a * A + (b * B) + K over rows r0..r1 of channels [0, 16 * V), the
// coefficients in registers across the rows.
template <int V, bool HasB>
void fma_block(float* o, int64_t os, const float* a, int64_t as, const float* b, int64_t bs,
               int64_t r0, int64_t r1, const float* A, const float* B, const float* K) {
  F16 ka[V], kb[V], k0[V];
  for (int v = 0; v < V; ++v) {
    ka[v] = load16(A + v * kLanes);
    k0[v] = load16(K + v * kLanes);
    if constexpr (HasB) kb[v] = load16(B + v * kLanes);
  }
  for (int64_t r = r0; r < r1; ++r) {
    float* ro = o + r * os;
    const float* ra = a + r * as;
    for (int v = 0; v < V; ++v) {
      if constexpr (HasB) {
        const float* rb = b + r * bs;
        store16(ro + v * kLanes,
                load16(ra + v * kLanes) * ka[v] + load16(rb + v * kLanes) * kb[v] + k0[v]);
      } else {
        store16(ro + v * kLanes, load16(ra + v * kLanes) * ka[v] + k0[v]);
      }
    }
  }
}

// The fma over rows s0..s1e of one n, in runs of rows whose values stay in L1
// while the channel blocks go across them.
template <bool HasB>
void fma_rows_f32(float* o, int64_t os, const float* a, int64_t as, const float* b, int64_t bs,
                  int64_t C, int64_t s0, int64_t s1e, const float* A, const float* B,
                  const float* K) {
  const int64_t run = std::max<int64_t>(1, 2048 / std::max<int64_t>(1, C));
  for (int64_t r0 = s0; r0 < s1e; r0 += run) {
    const int64_t r1 = std::min(s1e, r0 + run);
    int64_t c0 = 0;
    for (; c0 + 4 * kLanes <= C; c0 += 4 * kLanes)
      fma_block<4, HasB>(o + c0, os, a + c0, as, HasB ? b + c0 : b, bs, r0, r1, A + c0,
                         HasB ? B + c0 : B, K + c0);
    for (; c0 + kLanes <= C; c0 += kLanes)
      fma_block<1, HasB>(o + c0, os, a + c0, as, HasB ? b + c0 : b, bs, r0, r1, A + c0,
                         HasB ? B + c0 : B, K + c0);
    if (c0 == C) continue;
    for (int64_t r = r0; r < r1; ++r) {
      float* ro = o + r * os;
      const float* ra = a + r * as;
      if constexpr (HasB) {
        const float* rb = b + r * bs;
        for (int64_t c = c0; c < C; ++c) ro[c] = ra[c] * A[c] + rb[c] * B[c] + K[c];
      } else {
        for (int64_t c = c0; c < C; ++c) ro[c] = ra[c] * A[c] + K[c];
      }
    }
  }
}

template <typename T>
std::vector<Moments> moments_impl(const Tensor& x) {
  const View3 v(x);
  const T* p = static_cast<const T*>(x.data_ptr());
  std::vector<Moments> m(static_cast<size_t>(v.n * v.c));
  if (v.s == 0) return m;
  if constexpr (std::is_same_v<T, float>) {
    if (v.rows()) {
      // Per (n, chunk of rows) moments, merged over the chunks of each n.
      // One chunk per n (the usual case) writes the result directly: a
      // second vector of N * C moments costs page faults at every call.
      const RowItems it(v.n, v.s, v.c);
      std::vector<Moments> part(it.k > 1 ? static_cast<size_t>(v.n * it.k * v.c) : 0);
      Moments* dst = it.k > 1 ? part.data() : m.data();
      parallel(v.n * it.k, v.c * it.per, [&](int64_t item) {
        const int64_t n = item / it.k, s0 = (item % it.k) * it.per;
        const int64_t s1e = std::min(v.s, s0 + it.per);
        if (s0 < s1e) moments_rows_f32(p + n * v.sn, v.c, v.ss, s0, s1e, dst + item * v.c);
      });
      if (it.k > 1) merge_chunks(m, part, v.n, it.k, v.c);
      return m;
    }
  }
  if (v.rows()) {
    // float64 (float32 above). Per (n, chunk of rows): shifted sums per
    // channel over rows of C contiguous values; the chunks of one n are
    // merged afterwards.
    const int64_t k = row_chunks(v.n, v.s, v.c);
    const int64_t per = (v.s + k - 1) / k;
    std::vector<Moments> part(static_cast<size_t>(v.n * k * v.c));
    parallel(v.n * k, v.c * per, [&](int64_t item) {
      const int64_t n = item / k, s0 = (item % k) * per, s1e = std::min(v.s, s0 + per);
      if (s0 >= s1e) return;
      const T* base = p + n * v.sn;
      std::vector<double> shift(v.c), s1(v.c, 0.0), s2(v.c, 0.0);
      for (int64_t c = 0; c < v.c; ++c) shift[c] = static_cast<double>(base[s0 * v.ss + c]);
      // Blocks of kBlock channels down the rows: the block's sums stay in
      // registers (a whole row of C sums would go through memory per row).
      constexpr int64_t kBlock = 16;
      int64_t c0 = 0;
      for (; c0 + kBlock <= v.c; c0 += kBlock) {
        double a1[kBlock] = {}, a2[kBlock] = {}, sh[kBlock];
        for (int64_t j = 0; j < kBlock; ++j) sh[j] = shift[c0 + j];
        for (int64_t s = s0; s < s1e; ++s) {
          const T* row = base + s * v.ss + c0;
#pragma omp simd
          for (int64_t j = 0; j < kBlock; ++j) {
            const double d = static_cast<double>(row[j]) - sh[j];
            a1[j] += d;
            a2[j] += d * d;
          }
        }
        for (int64_t j = 0; j < kBlock; ++j) {
          s1[c0 + j] = a1[j];
          s2[c0 + j] = a2[j];
        }
      }
      for (int64_t s = s0; s < s1e && c0 < v.c; ++s) {
        const T* row = base + s * v.ss;
        for (int64_t c = c0; c < v.c; ++c) {
          const double d = static_cast<double>(row[c]) - shift[c];
          s1[c] += d;
          s2[c] += d * d;
        }
      }
      const double cnt = static_cast<double>(s1e - s0);
      for (int64_t c = 0; c < v.c; ++c)
        part[item * v.c + c] = {cnt, shift[c] + s1[c] / cnt,
                                std::max(0.0, s2[c] - s1[c] * s1[c] / cnt)};
    });
    merge_chunks(m, part, v.n, k, v.c);
    return m;
  }
  parallel(v.n * v.c, v.s, [&](int64_t i) {
    const int64_t n = i / v.c, c = i % v.c;
    const T* q = p + n * v.sn + c * v.sc;
    const double shift = static_cast<double>(q[0]);
    double s1 = 0, s2 = 0;
    if (v.ss == 1) {
#pragma omp simd reduction(+ : s1, s2)
      for (int64_t s = 0; s < v.s; ++s) {
        const double d = static_cast<double>(q[s]) - shift;
        s1 += d;
        s2 += d * d;
      }
    } else {
#pragma omp simd reduction(+ : s1, s2)
      for (int64_t s = 0; s < v.s; ++s) {
        const double d = static_cast<double>(q[s * v.ss]) - shift;
        s1 += d;
        s2 += d * d;
      }
    }
    const double cnt = static_cast<double>(v.s);
    m[i] = {cnt, shift + s1 / cnt, std::max(0.0, s2 - s1 * s1 / cnt)};
  });
  return m;
}

template <typename T>
void grad_sums_impl(const Tensor& dy, const Tensor& x, std::vector<double>& sdy,
                    std::vector<double>& sdyx) {
  const View3 v(x), g(dy);
  const T* px = static_cast<const T*>(x.data_ptr());
  const T* pg = static_cast<const T*>(dy.data_ptr());
  sdy.assign(static_cast<size_t>(v.n * v.c), 0.0);
  sdyx.assign(static_cast<size_t>(v.n * v.c), 0.0);
  if constexpr (std::is_same_v<T, float>) {
    if (v.rows() && g.sc == 1) {
      const RowItems it(v.n, v.s, v.c);
      const size_t np = it.k > 1 ? static_cast<size_t>(v.n * it.k * v.c) : 0;
      std::vector<double> pa(np, 0.0), pb(np, 0.0);
      double* da = it.k > 1 ? pa.data() : sdy.data();
      double* db = it.k > 1 ? pb.data() : sdyx.data();
      parallel(v.n * it.k, 2 * v.c * it.per, [&](int64_t item) {
        const int64_t n = item / it.k, s0 = (item % it.k) * it.per;
        const int64_t s1e = std::min(v.s, s0 + it.per);
        if (s0 < s1e)
          grad_sums_rows_f32(pg + n * g.sn, g.ss, px + n * v.sn, v.ss, v.c, s0, s1e,
                             da + item * v.c, db + item * v.c);
      });
      if (it.k > 1) {
        add_chunks(sdy, pa, v.n, it.k, v.c);
        add_chunks(sdyx, pb, v.n, it.k, v.c);
      }
      return;
    }
  }
  if (v.rows() && g.sc == 1) {  // float64 (float32 above)
    const int64_t k = row_chunks(v.n, v.s, v.c);
    const int64_t per = (v.s + k - 1) / k;
    std::vector<double> pa(static_cast<size_t>(v.n * k * v.c), 0.0), pb(pa.size(), 0.0);
    parallel(v.n * k, v.c * per, [&](int64_t item) {
      const int64_t n = item / k, s0 = (item % k) * per, s1e = std::min(v.s, s0 + per);
      double* a = pa.data() + item * v.c;
      double* b = pb.data() + item * v.c;
      // Blocks of channels down the rows, sums in registers (as moments_impl).
      constexpr int64_t kBlock = 16;
      int64_t c0 = 0;
      for (; c0 + kBlock <= v.c; c0 += kBlock) {
        double a1[kBlock] = {}, b1[kBlock] = {};
        for (int64_t s = s0; s < s1e; ++s) {
          const T* rx = px + n * v.sn + s * v.ss + c0;
          const T* rg = pg + n * g.sn + s * g.ss + c0;
#pragma omp simd
          for (int64_t j = 0; j < kBlock; ++j) {
            const double d = static_cast<double>(rg[j]);
            a1[j] += d;
            b1[j] += d * static_cast<double>(rx[j]);
          }
        }
        for (int64_t j = 0; j < kBlock; ++j) {
          a[c0 + j] = a1[j];
          b[c0 + j] = b1[j];
        }
      }
      for (int64_t s = s0; s < s1e && c0 < v.c; ++s) {
        const T* rx = px + n * v.sn + s * v.ss;
        const T* rg = pg + n * g.sn + s * g.ss;
        for (int64_t c = c0; c < v.c; ++c) {
          const double d = static_cast<double>(rg[c]);
          a[c] += d;
          b[c] += d * static_cast<double>(rx[c]);
        }
      }
    });
    add_chunks(sdy, pa, v.n, k, v.c);
    add_chunks(sdyx, pb, v.n, k, v.c);
    return;
  }
  parallel(v.n * v.c, v.s, [&](int64_t i) {
    const int64_t n = i / v.c, c = i % v.c;
    const T* qx = px + n * v.sn + c * v.sc;
    const T* qg = pg + n * g.sn + c * g.sc;
    double a = 0, b = 0;
    if (g.ss == 1 && v.ss == 1) {  // NCHW planes: unit stride, vectorised loads
#pragma omp simd reduction(+ : a, b)
      for (int64_t s = 0; s < v.s; ++s) {
        const double d = static_cast<double>(qg[s]);
        a += d;
        b += d * static_cast<double>(qx[s]);
      }
    } else {
#pragma omp simd reduction(+ : a, b)
      for (int64_t s = 0; s < v.s; ++s) {
        const double d = static_cast<double>(qg[s * g.ss]);
        a += d;
        b += d * static_cast<double>(qx[s * v.ss]);
      }
    }
    sdy[i] = a;
    sdyx[i] = b;
  });
}

template <typename T>
void fma_impl(const Tensor& out, const Tensor& a, const double* ka, const Tensor& b,
              const double* kb, const double* k0, bool per_n) {
  const View3 vo(out), va(a);
  const bool has_b = b.defined();
  const View3 vb = has_b ? View3(b) : va;
  T* po = static_cast<T*>(out.data_ptr());
  const T* pa = static_cast<const T*>(a.data_ptr());
  const T* pb = has_b ? static_cast<const T*>(b.data_ptr()) : nullptr;
  const int64_t C = vo.c;
  if (vo.rows() && va.sc == 1 && (!has_b || vb.sc == 1)) {
    // Channels-last rows: float data takes float coefficients (PyTorch's
    // opmath for float), so the row loop runs at full vector width without
    // conversions; other types keep double.
    using Acc = std::conditional_t<std::is_same_v<T, float>, float, double>;
    const size_t nk = static_cast<size_t>(per_n ? vo.n * C : C);
    const std::vector<Acc> ca(ka, ka + nk), c0(k0, k0 + nk);
    const std::vector<Acc> cb = has_b ? std::vector<Acc>(kb, kb + nk) : std::vector<Acc>();
    if constexpr (std::is_same_v<T, float>) {
      // Per (n, chunk of rows), the coefficients in registers (fma_rows_f32).
      const RowItems it(vo.n, vo.s, C);
      parallel(vo.n * it.k, C * it.per, [&](int64_t item) {
        const int64_t n = item / it.k, s0 = (item % it.k) * it.per;
        const int64_t s1e = std::min(vo.s, s0 + it.per);
        const int64_t k = per_n ? n * C : 0;
        float* ro = po + n * vo.sn;
        const float* ra = pa + n * va.sn;
        if (s0 >= s1e) return;
        if (has_b)
          fma_rows_f32<true>(ro, vo.ss, ra, va.ss, pb + n * vb.sn, vb.ss, C, s0, s1e, ca.data() + k,
                             cb.data() + k, c0.data() + k);
        else
          fma_rows_f32<false>(ro, vo.ss, ra, va.ss, nullptr, 0, C, s0, s1e, ca.data() + k, nullptr,
                              c0.data() + k);
      });
      return;
    }
    parallel(vo.n * vo.s, vo.c, [&](int64_t i) {
      const int64_t n = i / vo.s, s = i % vo.s;
      const int64_t k = per_n ? n * C : 0;
      T* ro = po + n * vo.sn + s * vo.ss;
      const T* ra = pa + n * va.sn + s * va.ss;
      const Acc* A = ca.data() + k;
      const Acc* K = c0.data() + k;
      // Two branch-free loops over the row of C channels, so both vectorise.
      if (has_b) {
        const T* rb = pb + n * vb.sn + s * vb.ss;
        const Acc* B = cb.data() + k;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c)
          ro[c] = static_cast<T>(static_cast<Acc>(ra[c]) * A[c] + static_cast<Acc>(rb[c]) * B[c] +
                                 K[c]);
      } else {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c)
          ro[c] = static_cast<T>(static_cast<Acc>(ra[c]) * A[c] + K[c]);
      }
    });
    return;
  }
  parallel(vo.n * C, vo.s, [&](int64_t i) {
    const int64_t n = i / C, c = i % C;
    const int64_t k = per_n ? i : c;
    T* qo = po + n * vo.sn + c * vo.sc;
    const T* qa = pa + n * va.sn + c * va.sc;
    const T* qb = has_b ? pb + n * vb.sn + c * vb.sc : nullptr;
    const double A = ka[k], B = has_b ? kb[k] : 0.0, K = k0[k];
    if (has_b && vo.ss == 1 && va.ss == 1 && vb.ss == 1) {
#pragma omp simd
      for (int64_t s = 0; s < vo.s; ++s)
        qo[s] = static_cast<T>(static_cast<double>(qa[s]) * A + static_cast<double>(qb[s]) * B + K);
    } else if (has_b) {
      for (int64_t s = 0; s < vo.s; ++s)
        qo[s * vo.ss] = static_cast<T>(static_cast<double>(qa[s * va.ss]) * A +
                                       static_cast<double>(qb[s * vb.ss]) * B + K);
    } else if (vo.ss == 1 && va.ss == 1) {
#pragma omp simd
      for (int64_t s = 0; s < vo.s; ++s) qo[s] = static_cast<T>(static_cast<double>(qa[s]) * A + K);
    } else {
      for (int64_t s = 0; s < vo.s; ++s)
        qo[s * vo.ss] = static_cast<T>(static_cast<double>(qa[s * va.ss]) * A + K);
    }
  });
}

template <typename T>
void layer_norm_impl(const Tensor& y, const Tensor& x, const double* w, const double* b, double eps,
                     std::vector<double>& mean, std::vector<double>& rstd) {
  const int64_t M = x.size(0), D = x.size(1);
  const T* px = static_cast<const T*>(x.data_ptr());
  T* py = static_cast<T*>(y.data_ptr());
  mean.assign(static_cast<size_t>(M), 0.0);
  rstd.assign(static_cast<size_t>(M), 0.0);
  parallel(M, 2 * D, [&](int64_t m) {
    const T* r = px + m * D;
    T* o = py + m * D;
    const double shift = D > 0 ? static_cast<double>(r[0]) : 0.0;
    double s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
    for (int64_t d = 0; d < D; ++d) {
      const double v = static_cast<double>(r[d]) - shift;
      s1 += v;
      s2 += v * v;
    }
    const double cnt = static_cast<double>(D);
    const double mu = shift + s1 / cnt, var = std::max(0.0, s2 - s1 * s1 / cnt) / cnt;
    const double rs = 1.0 / std::sqrt(var + eps);
    mean[m] = mu;
    rstd[m] = rs;
    if (w && b) {
#pragma omp simd
      for (int64_t d = 0; d < D; ++d)
        o[d] = static_cast<T>((static_cast<double>(r[d]) - mu) * rs * w[d] + b[d]);
    } else {
      for (int64_t d = 0; d < D; ++d) {
        double v = (static_cast<double>(r[d]) - mu) * rs;
        if (w) v *= w[d];
        if (b) v += b[d];
        o[d] = static_cast<T>(v);
      }
    }
  });
}

template <typename T>
void layer_norm_backward_impl(const Tensor& gx, double* gw, double* gb, const Tensor& dy,
                              const Tensor& x, const double* w, const std::vector<double>& mean,
                              const std::vector<double>& rstd) {
  const int64_t M = x.size(0), D = x.size(1);
  const T* px = static_cast<const T*>(x.data_ptr());
  const T* pg = static_cast<const T*>(dy.data_ptr());
  T* po = gx.defined() ? static_cast<T*>(gx.data_ptr()) : nullptr;
  const bool params = gw || gb;
  std::vector<double> ones_w;
  if (!w) ones_w.assign(static_cast<size_t>(D), 1.0);
  const double* wv = w ? w : ones_w.data();
  // One pass over the rows in chunks: gx per row, and per chunk partial sums
  // of dy * xhat and dy (reduced over the chunks afterwards).
  const int64_t chunks =
      params ? std::min<int64_t>(M, 4 * static_cast<int64_t>(get_num_threads())) : M;
  std::vector<double> pw(params ? static_cast<size_t>(chunks * D) : 0, 0.0);
  std::vector<double> pb(params ? static_cast<size_t>(chunks * D) : 0, 0.0);
  const int64_t per = chunks > 0 ? (M + chunks - 1) / chunks : 0;
  parallel(chunks, per * D * 3, [&](int64_t k) {
    double* aw = params ? pw.data() + k * D : nullptr;
    double* ab = params ? pb.data() + k * D : nullptr;
    for (int64_t m = k * per; m < std::min(M, (k + 1) * per); ++m) {
      const T* r = px + m * D;
      const T* g = pg + m * D;
      const double mu = mean[m], rs = rstd[m];
      double s1 = 0, s2 = 0;  // sum(dxhat), sum(dxhat * xhat)
      if (aw) {
#pragma omp simd reduction(+ : s1, s2)
        for (int64_t d = 0; d < D; ++d) {
          const double gd = static_cast<double>(g[d]);
          const double xh = (static_cast<double>(r[d]) - mu) * rs;
          const double dx = gd * wv[d];
          s1 += dx;
          s2 += dx * xh;
          aw[d] += gd * xh;
          ab[d] += gd;
        }
      } else {
#pragma omp simd reduction(+ : s1, s2)
        for (int64_t d = 0; d < D; ++d) {
          const double dx = static_cast<double>(g[d]) * wv[d];
          s1 += dx;
          s2 += dx * (static_cast<double>(r[d]) - mu) * rs;
        }
      }
      if (!po) continue;
      T* o = po + m * D;
      const double inv = 1.0 / static_cast<double>(D);
#pragma omp simd
      for (int64_t d = 0; d < D; ++d) {
        const double dx = static_cast<double>(g[d]) * wv[d];
        const double xh = (static_cast<double>(r[d]) - mu) * rs;
        o[d] = static_cast<T>(rs * (dx - s1 * inv - xh * s2 * inv));
      }
    }
  });
  if (!params) return;
  for (int64_t d = 0; d < D; ++d) {
    double a = 0, b = 0;
    for (int64_t k = 0; k < chunks; ++k) {
      a += pw[k * D + d];
      b += pb[k * D + d];
    }
    if (gw) gw[d] = a;
    if (gb) gb[d] = b;
  }
}

#define EMBER_NORM_DISPATCH(dt, name, ...)                                            \
  do {                                                                                \
    if ((dt) == kFloat32) {                                                           \
      name<float>(__VA_ARGS__);                                                       \
    } else if ((dt) == kFloat64) {                                                    \
      name<double>(__VA_ARGS__);                                                      \
    } else {                                                                          \
      EMBER_CHECK(false, NotImplementedError, "norm kernel: unsupported dtype ", dt); \
    }                                                                                 \
  } while (0)

}  // namespace

std::vector<Moments> plane_moments(const Tensor& x) {
  if (x.dtype() == kFloat64) return moments_impl<double>(x);
  EMBER_CHECK(x.dtype() == kFloat32, NotImplementedError, "norm kernel: unsupported dtype ",
              x.dtype());
  return moments_impl<float>(x);
}

void plane_grad_sums(const Tensor& dy, const Tensor& x, std::vector<double>& sum_dy,
                     std::vector<double>& sum_dy_x) {
  EMBER_NORM_DISPATCH(x.dtype(), grad_sums_impl, dy, x, sum_dy, sum_dy_x);
}

void channel_fma(const Tensor& out, const Tensor& a, const double* ka, const Tensor& b,
                 const double* kb, const double* k0, bool per_n) {
  EMBER_NORM_DISPATCH(out.dtype(), fma_impl, out, a, ka, b, kb, k0, per_n);
}

void layer_norm_kernel(const Tensor& y, const Tensor& x, const double* w, const double* b,
                       double eps, std::vector<double>& mean, std::vector<double>& rstd) {
  EMBER_NORM_DISPATCH(x.dtype(), layer_norm_impl, y, x, w, b, eps, mean, rstd);
}

void layer_norm_backward_kernel(const Tensor& gx, double* gw, double* gb, const Tensor& dy,
                                const Tensor& x, const double* w, const std::vector<double>& mean,
                                const std::vector<double>& rstd) {
  EMBER_NORM_DISPATCH(x.dtype(), layer_norm_backward_impl, gx, gw, gb, dy, x, w, mean, rstd);
}

}  // namespace ember::kernels
