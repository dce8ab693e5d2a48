#include "kernels/cpu/rnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/gemm.h"

// glibc's libmvec AVX2 exp / tanh (as kernels/cpu/activation.cpp): the gate
// activations of a row are evaluated 8 (float) or 4 (double) lanes at a time.
#if defined(__x86_64__) && defined(__AVX2__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define EMBER_RNN_LIBMVEC 1
#include <immintrin.h>
extern "C" {
__m256 _ZGVdN8v_expf(__m256);
__m256d _ZGVdN4v_exp(__m256d);
__m256 _ZGVdN8v_tanhf(__m256);
__m256d _ZGVdN4v_tanh(__m256d);
}
#endif

namespace ember::kernels {

namespace {

// v[0..m) = exp(v) or tanh(v), in place.
template <typename T>
void vmap(bool tanh, T* v, int64_t m) {
#if defined(EMBER_RNN_LIBMVEC)
  if constexpr (std::is_same_v<T, float>) {
    using Fn = __m256 (*)(__m256);
    const Fn fn = tanh ? Fn(&_ZGVdN8v_tanhf) : Fn(&_ZGVdN8v_expf);
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) _mm256_storeu_ps(v + i, fn(_mm256_loadu_ps(v + i)));
    if (i < m) {
      alignas(32) float buf[8] = {};
      for (int64_t k = 0; k < m - i; ++k) buf[k] = v[i + k];
      _mm256_store_ps(buf, fn(_mm256_load_ps(buf)));
      for (int64_t k = 0; k < m - i; ++k) v[i + k] = buf[k];
    }
    return;
  } else {
    using Fn = __m256d (*)(__m256d);
    const Fn fn = tanh ? Fn(&_ZGVdN4v_tanh) : Fn(&_ZGVdN4v_exp);
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) _mm256_storeu_pd(v + i, fn(_mm256_loadu_pd(v + i)));
    if (i < m) {
      alignas(32) double buf[4] = {};
      for (int64_t k = 0; k < m - i; ++k) buf[k] = v[i + k];
      _mm256_store_pd(buf, fn(_mm256_load_pd(buf)));
      for (int64_t k = 0; k < m - i; ++k) v[i + k] = buf[k];
    }
    return;
  }
#endif
  for (int64_t i = 0; i < m; ++i) v[i] = tanh ? std::tanh(v[i]) : std::exp(v[i]);
}

template <typename T>
void vtanh(T* v, int64_t m) {
  vmap(true, v, m);
}

// v = 1 / (1 + exp(-v)), in place.
template <typename T>
void vsigmoid(T* v, int64_t m) {
  for (int64_t i = 0; i < m; ++i) v[i] = -v[i];
  vmap(false, v, m);
  for (int64_t i = 0; i < m; ++i) v[i] = T(1) / (T(1) + v[i]);
}

// v = a + b (+ bias), the pre-activations of a row.
template <typename T>
void add_row(T* v, const T* a, const T* b, const T* bias, int64_t m) {
  if (bias)
    for (int64_t i = 0; i < m; ++i) v[i] = a[i] + b[i] + bias[i];
  else
    for (int64_t i = 0; i < m; ++i) v[i] = a[i] + b[i];
}

template <typename T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

// Rows of the batch per parallel chunk: about kGrainSize gate elements.
inline int64_t row_grain(int64_t row_work) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, row_work));
}

template <typename T>
void forward_impl(RnnMode mode, bool reverse, const Tensor& xw_t, const Tensor& h0_t,
                  const Tensor& c0_t, const Tensor& whh_t, const Tensor& bhh_t, const Tensor& whr_t,
                  const Tensor& out_t, const Tensor& hn_t, const Tensor& cn_t, RnnSaved& saved) {
  const int64_t T_ = xw_t.size(0), N = xw_t.size(1), G = rnn_gates(mode);
  const int64_t GH = xw_t.size(2), H = GH / G, P = h0_t.size(1);
  const int64_t sxT = xw_t.stride(0), sxN = xw_t.stride(1);
  const TensorOptions opts{.dtype = xw_t.dtype()};
  if (mode == RnnMode::LSTM || mode == RnnMode::GRU) saved.gates = empty({T_, N, GH}, opts);
  if (mode == RnnMode::LSTM) saved.cells = empty({T_, N, H}, opts);
  if (whr_t.defined()) saved.hraw = empty({T_, N, H}, opts);
  if (mode == RnnMode::GRU) saved.hng = empty({T_, N, H}, opts);
  const T* xw = xw_t.data_ptr<T>();
  // W_hh^T (and W_hr^T) laid out once for all steps: oneDNN's sgemm with a
  // transposed B packs it anew on every call, which for a batch of rows (32
  // x 512 @ 512 x 2048) ran at 100 GFLOP/s against 350 on a plain B.
  const Tensor whhT = whh_t.t().contiguous(),
               whrT = whr_t.defined() ? whr_t.t().contiguous() : whr_t;
  const T *h0 = ptr<T>(h0_t), *c0 = ptr<T>(c0_t), *whh = ptr<T>(whhT), *bhh = ptr<T>(bhh_t),
          *whr = ptr<T>(whrT);
  T *out = ptr<T>(out_t), *gates = ptr<T>(saved.gates), *cells = ptr<T>(saved.cells),
    *hraw = ptr<T>(saved.hraw), *hng = ptr<T>(saved.hng);
  Tensor hw_t = empty({N, GH}, opts);
  T* hw = hw_t.data_ptr<T>();

  int64_t tprev = -1;
  for (int64_t s = 0; s < T_; ++s) {
    const int64_t t = reverse ? T_ - 1 - s : s;
    const T* hp = tprev < 0 ? h0 : out + tprev * N * P;
    // hw = h_{t-1} @ W_hh^T
    blas_gemm(false, false, N, GH, P, T(1), hp, P, whh, GH, T(0), hw, GH);
    const T* x = xw + t * sxT;
    T* o = out + t * N * P;
    parallel_for_t(0, N, row_grain(GH), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        const T* xr = x + n * sxN;
        const T* hr = hw + n * GH;
        if (mode == RnnMode::Tanh || mode == RnnMode::Relu) {
          T* orow = o + n * P;
          add_row(orow, xr, hr, bhh, H);
          if (mode == RnnMode::Tanh)
            vtanh(orow, H);
          else
            for (int64_t j = 0; j < H; ++j) orow[j] = orow[j] > T(0) ? orow[j] : T(0);
        } else if (mode == RnnMode::LSTM) {
          T* g = gates + (t * N + n) * GH;
          T* c = cells + (t * N + n) * H;
          const T* cp = tprev < 0 ? c0 + n * H : cells + (tprev * N + n) * H;
          T* h = whr ? hraw + (t * N + n) * H : o + n * P;
          add_row(g, xr, hr, bhh, GH);
          vsigmoid(g, 2 * H);  // i, f
          vtanh(g + 2 * H, H);
          vsigmoid(g + 3 * H, H);
          for (int64_t j = 0; j < H; ++j) c[j] = h[j] = g[H + j] * cp[j] + g[j] * g[2 * H + j];
          vtanh(h, H);
          for (int64_t j = 0; j < H; ++j) h[j] *= g[3 * H + j];
        } else {  // GRU (P == H)
          T* g = gates + (t * N + n) * GH;
          T* hn = hng + (t * N + n) * H;
          const T* hpr = hp + n * P;
          T* orow = o + n * P;
          add_row(g, xr, hr, bhh, 2 * H);
          vsigmoid(g, 2 * H);  // r, z
          for (int64_t j = 0; j < H; ++j) {
            hn[j] = hr[2 * H + j] + (bhh ? bhh[2 * H + j] : T(0));
            g[2 * H + j] = xr[2 * H + j] + g[j] * hn[j];
          }
          vtanh(g + 2 * H, H);
          for (int64_t j = 0; j < H; ++j) {
            const T z = g[H + j], nv = g[2 * H + j];
            orow[j] = (T(1) - z) * nv + z * hpr[j];
          }
        }
      }
    });
    // Projection: h_t = (o * tanh(c_t)) @ W_hr^T.
    if (whr) blas_gemm(false, false, N, P, H, T(1), hraw + t * N * H, H, whr, P, T(0), o, P);
    tprev = t;
  }
  if (N > 0) {
    std::memcpy(ptr<T>(hn_t), out + tprev * N * P, sizeof(T) * N * P);
    if (mode == RnnMode::LSTM) std::memcpy(ptr<T>(cn_t), cells + tprev * N * H, sizeof(T) * N * H);
  }
}

template <typename T>
RnnGrads backward_impl(RnnMode mode, bool reverse, const Tensor& h0_t, const Tensor& c0_t,
                       const Tensor& whh_t, const Tensor& whr_t, bool has_bias, const Tensor& out_t,
                       const RnnSaved& saved, const Tensor& gout_t, const Tensor& ghn_t,
                       const Tensor& gcn_t) {
  const int64_t T_ = out_t.size(0), N = out_t.size(1), P = out_t.size(2), G = rnn_gates(mode);
  const int64_t GH = whh_t.size(0), H = GH / G;
  const TensorOptions opts{.dtype = out_t.dtype()};
  const bool lstm = mode == RnnMode::LSTM, gru = mode == RnnMode::GRU;
  RnnGrads r;
  r.dxw = empty({T_, N, GH}, opts);
  // The hidden-side gate gradients differ from the input-side ones only for
  // GRU's n gate (r * (W_hn h + b_hn)).
  Tensor dg_t = gru ? empty({T_, N, GH}, opts) : r.dxw;
  Tensor dhp_t = whr_t.defined() ? empty({T_, N, P}, opts) : Tensor();
  Tensor dh_t = ghn_t.defined() ? ghn_t.clone() : zeros({N, P}, opts);
  Tensor dh2_t = empty({N, P}, opts);
  Tensor dc_t;
  if (lstm) dc_t = gcn_t.defined() ? gcn_t.clone() : zeros({N, H}, opts);
  Tensor dhr_t = whr_t.defined() ? empty({N, H}, opts) : Tensor();

  const T *h0 = ptr<T>(h0_t), *c0 = ptr<T>(c0_t), *whh = ptr<T>(whh_t), *whr = ptr<T>(whr_t),
          *out = ptr<T>(out_t), *gout = ptr<T>(gout_t), *gates = ptr<T>(saved.gates),
          *cells = ptr<T>(saved.cells), *hraw = ptr<T>(saved.hraw), *hng = ptr<T>(saved.hng);
  T *dxw = ptr<T>(r.dxw), *dg = ptr<T>(dg_t), *dhp = ptr<T>(dhp_t), *dh = ptr<T>(dh_t),
    *dh2 = ptr<T>(dh2_t), *dc = ptr<T>(dc_t), *dhr = ptr<T>(dhr_t);

  for (int64_t s = T_ - 1; s >= 0; --s) {
    const int64_t t = reverse ? T_ - 1 - s : s;
    const int64_t tprev = s == 0 ? -1 : (reverse ? t + 1 : t - 1);
    const T* hp = tprev < 0 ? h0 : out + tprev * N * P;
    if (gout) {
      const T* go = gout + t * N * P;
      for (int64_t i = 0; i < N * P; ++i) dh[i] += go[i];
    }
    const T* dhh = dh;  // the gradient w.r.t. o * tanh(c_t) (LSTM) or h_t
    if (whr) {
      std::memcpy(dhp + t * N * P, dh, sizeof(T) * N * P);
      blas_gemm(false, false, N, H, P, T(1), dh, P, whr, H, T(0), dhr, H);
      dhh = dhr;
    }
    parallel_for_t(0, N, row_grain(GH), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        T* dx = dxw + (t * N + n) * GH;
        if (mode == RnnMode::Tanh || mode == RnnMode::Relu) {
          const T* h = out + (t * N + n) * P;
          const T* d = dhh + n * P;
          for (int64_t j = 0; j < H; ++j)
            dx[j] =
                mode == RnnMode::Tanh ? d[j] * (T(1) - h[j] * h[j]) : (h[j] > T(0) ? d[j] : T(0));
        } else if (lstm) {
          const T* g = gates + (t * N + n) * GH;
          const T* c = cells + (t * N + n) * H;
          const T* cp = tprev < 0 ? c0 + n * H : cells + (tprev * N + n) * H;
          const T* d = dhh + n * H;
          T* dcr = dc + n * H;
          thread_local std::vector<T> tcbuf;
          tcbuf.resize(H);
          T* tcr = tcbuf.data();
          std::copy(c, c + H, tcr);
          vtanh(tcr, H);
          for (int64_t j = 0; j < H; ++j) {
            const T ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
            const T tc = tcr[j];
            const T dcc = dcr[j] + d[j] * og * (T(1) - tc * tc);
            dx[j] = dcc * gg * ig * (T(1) - ig);
            dx[H + j] = dcc * cp[j] * fg * (T(1) - fg);
            dx[2 * H + j] = dcc * ig * (T(1) - gg * gg);
            dx[3 * H + j] = d[j] * tc * og * (T(1) - og);
            dcr[j] = dcc * fg;
          }
        } else {  // GRU
          const T* g = gates + (t * N + n) * GH;
          const T* hn = hng + (t * N + n) * H;
          const T* hpr = hp + n * P;
          const T* d = dhh + n * P;
          T* dgr = dg + (t * N + n) * GH;
          T* d2 = dh2 + n * P;
          for (int64_t j = 0; j < H; ++j) {
            const T rg = g[j], zg = g[H + j], ng = g[2 * H + j];
            const T dnp = d[j] * (T(1) - zg) * (T(1) - ng * ng);
            const T dr = dnp * hn[j] * rg * (T(1) - rg);
            const T dz = d[j] * (hpr[j] - ng) * zg * (T(1) - zg);
            dx[j] = dgr[j] = dr;
            dx[H + j] = dgr[H + j] = dz;
            dx[2 * H + j] = dnp;
            dgr[2 * H + j] = dnp * rg;
            d2[j] = d[j] * zg;
          }
        }
      }
    });
    // dh_{t-1} = dgates_h @ W_hh (+ the direct path z * dh for GRU)
    blas_gemm(false, false, N, P, GH, T(1), dg + t * N * GH, GH, whh, P, gru ? T(1) : T(0), dh2, P);
    std::swap(dh, dh2);
    std::swap(dh_t, dh2_t);
  }
  r.dh0 = dh_t;
  if (lstm) r.dc0 = dc_t;

  // dW_hh = sum_t dgates_h[t]^T @ h_{t-1}: the steps with t-1 inside the
  // sequence in one product, the first step (h0) in another.
  r.dwhh = empty({GH, P}, opts);
  T* dwhh = ptr<T>(r.dwhh);
  const int64_t first = reverse ? T_ - 1 : 0;
  const T* dg_rest = dg + (reverse ? 0 : N * GH);
  const T* h_rest = out + (reverse ? N * P : 0);
  blas_gemm(true, false, GH, P, N, T(1), dg + first * N * GH, GH, h0, P, T(0), dwhh, P);
  if (T_ > 1)
    blas_gemm(true, false, GH, P, (T_ - 1) * N, T(1), dg_rest, GH, h_rest, P, T(1), dwhh, P);
  if (N == 0) std::fill(dwhh, dwhh + GH * P, T(0));
  if (has_bias) {
    r.dbhh = zeros({GH}, opts);
    T* db = ptr<T>(r.dbhh);
    for (int64_t i = 0; i < T_ * N; ++i) {
      const T* row = dg + i * GH;
      for (int64_t j = 0; j < GH; ++j) db[j] += row[j];
    }
  }
  if (whr) {
    r.dwhr = empty({P, H}, opts);
    blas_gemm(true, false, P, H, T_ * N, T(1), dhp, P, hraw, H, T(0), ptr<T>(r.dwhr), H);
    if (N == 0) r.dwhr.zero_();
  }
  return r;
}

}  // namespace

void rnn_layer_forward(RnnMode mode, bool reverse, const Tensor& xw, const Tensor& h0,
                       const Tensor& c0, const Tensor& whh, const Tensor& bhh, const Tensor& whr,
                       const Tensor& out, const Tensor& hn, const Tensor& cn, RnnSaved& saved) {
  if (xw.dtype() == DType::Float64)
    forward_impl<double>(mode, reverse, xw, h0, c0, whh, bhh, whr, out, hn, cn, saved);
  else
    forward_impl<float>(mode, reverse, xw, h0, c0, whh, bhh, whr, out, hn, cn, saved);
}

RnnGrads rnn_layer_backward(RnnMode mode, bool reverse, const Tensor& h0, const Tensor& c0,
                            const Tensor& whh, const Tensor& whr, bool has_bias, const Tensor& out,
                            const RnnSaved& saved, const Tensor& gout, const Tensor& ghn,
                            const Tensor& gcn) {
  if (out.dtype() == DType::Float64)
    return backward_impl<double>(mode, reverse, h0, c0, whh, whr, has_bias, out, saved, gout, ghn,
                                 gcn);
  return backward_impl<float>(mode, reverse, h0, c0, whh, whr, has_bias, out, saved, gout, ghn,
                              gcn);
}

}  // namespace ember::kernels
