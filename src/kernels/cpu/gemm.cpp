#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <type_traits>
#include <vector>

#include "ember/core/allocator.h"
#include "ember/core/parallel.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/tensor_iter.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#include "kernels/cpu/transpose16.h"
#endif

namespace ember::kernels {

namespace {

// How row-major BLAS sees one rows x cols matrix with element strides (rs, cs):
// trans = false: row-major with leading dimension ld (cs == 1);
// trans = true: column-major (rs == 1), i.e. the transpose of a row-major
// cols x rows matrix with leading dimension ld.
struct BlasMat {
  bool trans;
  int64_t ld;
};

// A size-1 dim's stride is never used, so it never disqualifies a layout.
std::optional<BlasMat> blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if ((cols <= 1 || cs == 1) && (rows <= 1 || rs >= std::max<int64_t>(1, cols))) {
    const int64_t ld = rows <= 1 ? std::max<int64_t>(1, cols) : rs;
    if (ld <= INT_MAX) return BlasMat{false, ld};
  }
  if ((rows <= 1 || rs == 1) && (cols <= 1 || cs >= std::max<int64_t>(1, rows))) {
    const int64_t ld = cols <= 1 ? std::max<int64_t>(1, rows) : cs;
    if (ld <= INT_MAX) return BlasMat{true, ld};
  }
  return std::nullopt;
}

std::optional<BlasMat> blas_layout(const Tensor& t) {
  const int64_t d = t.dim();
  return blas_layout(t.size(d - 2), t.size(d - 1), t.stride(d - 2), t.stride(d - 1));
}

// t with its broadcast (stride-0) batch dims squeezed to size 1: the data that
// is really there, so a copy or a conversion does not materialise the broadcast.
Tensor compact_batch(const Tensor& t) {
  DimVector sizes(t.sizes());
  bool changed = false;
  for (int64_t d = 0; d + 2 < t.dim(); ++d)
    if (t.stride(d) == 0 && sizes[d] > 1) {
      sizes[d] = 1;
      changed = true;
    }
  return changed ? t.as_strided(sizes, t.strides(), t.storage_offset()) : t;
}

// A BLAS-compatible version of the operand: t itself when one matrix dim has
// unit stride, else a contiguous copy of its real (unbroadcast) data.
Tensor blas_operand(const Tensor& t) {
  if (blas_layout(t)) return t;
  return compact_batch(t).contiguous().expand(t.sizes());
}

// Integer products wrap around as in PyTorch; computing in an unsigned type of
// at least the element's width gives the same bits without signed overflow.
template <typename T>
using acc_t = std::conditional_t<std::is_integral_v<T>,
                                 std::conditional_t<(sizeof(T) > 4), uint64_t, uint32_t>, T>;

// Walks the batch dims of the three operands: offset (in elements) of batch i.
struct BatchWalk {
  int64_t nd = 0;
  int64_t count = 1;
  DimVector sizes, sa, sb, sc;
  BatchWalk(const Tensor& out, const Tensor& a, const Tensor& b) {
    nd = out.dim() - 2;
    for (int64_t d = 0; d < nd; ++d) {
      sizes.push_back(out.size(d));
      sa.push_back(a.stride(d));
      sb.push_back(b.stride(d));
      sc.push_back(out.stride(d));
      count *= out.size(d);
    }
  }
  void offsets(int64_t i, int64_t& oa, int64_t& ob, int64_t& oc) const {
    oa = ob = oc = 0;
    for (int64_t d = nd - 1; d >= 0 && i > 0; --d) {
      const int64_t idx = i % sizes[d];
      i /= sizes[d];
      oa += idx * sa[d];
      ob += idx * sb[d];
      oc += idx * sc[d];
    }
  }
};

// ---- the loop used for integers (and for float products too large for BLAS's int sizes)

template <typename T>
struct LoopGemm {
  using A = acc_t<T>;
  static constexpr int64_t kMB = 16, kNB = 256, kKB = 128;

  // C[i0:i1, j0:j1] of one product; the B block (kKB x kNB) stays in cache
  // across the kMB rows.
  static void block(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t k, A alpha, const T* a,
                    int64_t ars, int64_t acs, const T* b, int64_t brs, int64_t bcs, A beta, T* c,
                    int64_t crs, int64_t ccs) {
    A acc[kMB * kNB];
    const int64_t nj = j1 - j0;
    for (int64_t r = 0; r < (i1 - i0) * kNB; ++r) acc[r] = A(0);
    for (int64_t p0 = 0; p0 < k; p0 += kKB) {
      const int64_t p1 = std::min(k, p0 + kKB);
      for (int64_t i = i0; i < i1; ++i) {
        A* row = acc + (i - i0) * kNB;
        for (int64_t p = p0; p < p1; ++p) {
          const A av = static_cast<A>(a[i * ars + p * acs]);
          const T* brow = b + p * brs + j0 * bcs;
          if (bcs == 1) {
            for (int64_t j = 0; j < nj; ++j) row[j] += av * static_cast<A>(brow[j]);
          } else {
            for (int64_t j = 0; j < nj; ++j) row[j] += av * static_cast<A>(brow[j * bcs]);
          }
        }
      }
    }
    for (int64_t i = i0; i < i1; ++i) {
      const A* row = acc + (i - i0) * kNB;
      T* crow = c + i * crs + j0 * ccs;
      if (beta == A(0)) {
        for (int64_t j = 0; j < nj; ++j) crow[j * ccs] = static_cast<T>(alpha * row[j]);
      } else {
        for (int64_t j = 0; j < nj; ++j)
          crow[j * ccs] = static_cast<T>(beta * static_cast<A>(crow[j * ccs]) + alpha * row[j]);
      }
    }
  }

  static void run(const Tensor& out, const Tensor& a, const Tensor& b, A beta, A alpha) {
    const int64_t nd = out.dim();
    const int64_t m = out.size(nd - 2), n = out.size(nd - 1), k = a.size(nd - 1);
    // A unit column stride in B is what lets the inner loop vectorise.
    Tensor bb =
        (b.stride(nd - 1) == 1 || n <= 1) ? b : compact_batch(b).contiguous().expand(b.sizes());
    const BatchWalk walk(out, a, bb);
    const T* pa = a.data_ptr<T>();
    const T* pb = bb.data_ptr<T>();
    T* pc = out.data_ptr<T>();
    const int64_t ars = a.stride(nd - 2), acs = a.stride(nd - 1);
    const int64_t brs = bb.stride(nd - 2), bcs = n <= 1 ? 1 : bb.stride(nd - 1);
    const int64_t crs = out.stride(nd - 2), ccs = out.stride(nd - 1);
    const int64_t mblocks = (m + kMB - 1) / kMB, nblocks = (n + kNB - 1) / kNB;
    const int64_t jobs = walk.count * mblocks * nblocks;
    const int64_t work_per_job = std::max<int64_t>(1, std::min(m, kMB) * std::min(n, kNB) * k);
    parallel_for_t(
        0, jobs, std::max<int64_t>(1, kGrainSize / work_per_job), [&](int64_t begin, int64_t end) {
          for (int64_t job = begin; job < end; ++job) {
            const int64_t jb = job % nblocks;
            const int64_t ib = (job / nblocks) % mblocks;
            const int64_t batch = job / (nblocks * mblocks);
            int64_t oa, ob, oc;
            walk.offsets(batch, oa, ob, oc);
            block(ib * kMB, std::min(m, (ib + 1) * kMB), jb * kNB, std::min(n, (jb + 1) * kNB), k,
                  alpha, pa + oa, ars, acs, pb + ob, brs, bcs, beta, pc + oc, crs, ccs);
          }
        });
  }
};

// ---- BLAS (float32, float64)

// c (m x n, leading dimension ldc) = beta * c + t^T, t (n x m) dense; beta 0
// ignores c's contents. 16 x 16 blocks turned in registers where the build
// has AVX-512.
void add_transposed(int64_t m, int64_t n, const float* t, float beta, float* c, int64_t ldc) {
  auto put = [&](int64_t i, int64_t j, float v) {
    float& d = c[i * ldc + j];
    d = beta == 0.f ? v : beta * d + v;
  };
  const int64_t jb = (n + 15) / 16;
  auto blocks = [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t j0 = b * 16, nj = std::min<int64_t>(16, n - j0);
      int64_t i0 = 0;
#if defined(__AVX512F__)
      if (nj == 16)
        for (; i0 + 16 <= m; i0 += 16) {
          __m512 r[16];
          for (int q = 0; q < 16; ++q) r[q] = _mm512_loadu_ps(t + (j0 + q) * m + i0);
          transpose16(r);  // r[q]: row i0 + q of c, columns j0..j0+15
          for (int q = 0; q < 16; ++q) {
            float* d = c + (i0 + q) * ldc + j0;
            _mm512_storeu_ps(
                d, beta == 0.f ? r[q]
                               : _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_loadu_ps(d), r[q]));
          }
        }
#endif
      for (int64_t i = i0; i < m; ++i)
        for (int64_t j = j0; j < j0 + nj; ++j) put(i, j, t[j * m + i]);
    }
  };
  if (m * n >= (int64_t(1) << 16) && !in_parallel_region())
    parallel_for_t(0, jb, 1, blocks);
  else
    blocks(0, jb);
}

// oneDNN's sgemm packs a transposed B anew on every call, which dominates a
// product whose A has few rows: a Linear layer's x @ W^T on a small batch,
// 32 x 512 @ (2048 x 512)^T, ran at 100 GFLOP/s against 350 on a plain B.
// With many columns C^T = B op(A)^T (op(A)^T the small operand it packs),
// computed into a buffer and turned into C, is 1.3x-6x faster from 16 to 128
// rows (measured at 512 and 2048 columns, 512 and 2048 terms); below and
// above it loses. Returns false, doing nothing, outside that range.
bool sgemm_few_rows(CBLAS_TRANSPOSE ta, int m, int n, int k, float alpha, const float* a, int lda,
                    const float* b, int ldb, float beta, float* c, int ldc) {
  if (m < 16 || m > 128 || n < 512 || k < 256) return false;
  const DataPtr buf = cpu_allocator()->allocate(size_t(m) * size_t(n) * sizeof(float));
  float* t = static_cast<float*>(buf.get());
  if (dnnl_sgemm('N', ta == CblasTrans ? 'N' : 'T', n, m, k, alpha, b, ldb, a, lda, 0.f, t, m) !=
      dnnl_success)
    return false;
  add_transposed(m, n, t, beta, c, ldc);
  return true;
}

template <typename T>
struct Blas;
template <>
struct Blas<float> {
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
                   const float* a, int lda, const float* b, int ldb, float beta, float* c,
                   int ldc) {
    // oneDNN's sgemm is about twice OpenBLAS's speed on AVX-512 machines from
    // 32^3 on; tiny products stay with OpenBLAS (less call overhead). Both
    // thread on the same OpenMP pool; inside a parallel region both run serially.
    if (int64_t(m) * n * k >= kDnnlMinWork) {
      if (tb == CblasTrans && sgemm_few_rows(ta, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return;
      const dnnl_status_t st =
          dnnl_sgemm(ta == CblasTrans ? 'T' : 'N', tb == CblasTrans ? 'T' : 'N', m, n, k, alpha, a,
                     lda, b, ldb, beta, c, ldc);
      if (st == dnnl_success) return;
    }
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  static constexpr int64_t kDnnlMinWork = 32 * 32 * 32;
  static void gemv(CBLAS_TRANSPOSE t, int m, int n, float alpha, const float* a, int lda,
                   const float* x, int incx, float beta, float* y, int incy) {
    cblas_sgemv(CblasRowMajor, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
  }
  static float dot(int n, const float* x, int incx, const float* y, int incy) {
    return cblas_sdot(n, x, incx, y, incy);
  }
};
template <>
struct Blas<double> {
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha,
                   const double* a, int lda, const double* b, int ldb, double beta, double* c,
                   int ldc) {
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  static void gemv(CBLAS_TRANSPOSE t, int m, int n, double alpha, const double* a, int lda,
                   const double* x, int incx, double beta, double* y, int incy) {
    cblas_dgemv(CblasRowMajor, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
  }
  static double dot(int n, const double* x, int incx, const double* y, int incy) {
    return cblas_ddot(n, x, incx, y, incy);
  }
};

inline CBLAS_TRANSPOSE flag(bool trans) { return trans ? CblasTrans : CblasNoTrans; }
inline int as_int(int64_t v) { return static_cast<int>(v); }

template <typename T>
struct BlasGemm {
  int64_t m, n, k;
  T alpha, beta;
  BlasMat la, lb, lc;
  int64_t ars, acs, brs, bcs, crs, ccs;

  // One product; pointers already at the batch's matrices.
  void one(const T* a, const T* b, T* c) const {
    if (m == 1 && n == 1) {
      // A row . B column: a dot product.
      const T d = Blas<T>::dot(as_int(k), a, as_int(k <= 1 ? 1 : acs), b, as_int(k <= 1 ? 1 : brs));
      *c = beta == T(0) ? alpha * d : beta * *c + alpha * d;
      return;
    }
    if (n == 1) {
      // C column = op(A) x, x = B's column. y is zeroed first when beta is 0 so
      // NaN in it cannot leak through BLAS's scaling.
      const int incx = as_int(k <= 1 ? 1 : brs), incy = as_int(m <= 1 ? 1 : crs);
      if (beta == T(0))
        for (int64_t i = 0; i < m; ++i) c[i * incy] = T(0);
      if (!la.trans)
        Blas<T>::gemv(CblasNoTrans, as_int(m), as_int(k), alpha, a, as_int(la.ld), b, incx, beta, c,
                      incy);
      else
        Blas<T>::gemv(CblasTrans, as_int(k), as_int(m), alpha, a, as_int(la.ld), b, incx, beta, c,
                      incy);
      return;
    }
    if (m == 1) {
      // C row = x^T op(B), x = A's row.
      const int incx = as_int(k <= 1 ? 1 : acs), incy = as_int(n <= 1 ? 1 : ccs);
      if (beta == T(0))
        for (int64_t j = 0; j < n; ++j) c[j * incy] = T(0);
      if (!lb.trans)
        Blas<T>::gemv(CblasTrans, as_int(k), as_int(n), alpha, b, as_int(lb.ld), a, incx, beta, c,
                      incy);
      else
        Blas<T>::gemv(CblasNoTrans, as_int(n), as_int(k), alpha, b, as_int(lb.ld), a, incx, beta, c,
                      incy);
      return;
    }
    if (split_k(a, b, c)) return;
    gemm(a, b, k, beta, c, lc.ld);
  }

  // C (or a buffer laid out as C, with leading dimension ldc) = beta * C +
  // alpha * A[:, :kk] B[:kk, :], a and b at the contraction's first index.
  void gemm(const T* a, const T* b, int64_t kk, T bt, T* c, int64_t ldc) const {
    if (!lc.trans) {
      Blas<T>::gemm(flag(la.trans), flag(lb.trans), as_int(m), as_int(n), as_int(kk), alpha, a,
                    as_int(la.ld), b, as_int(lb.ld), bt, c, as_int(ldc));
    } else {
      // Column-major C: compute C^T = op(B)^T op(A)^T into it as row-major.
      Blas<T>::gemm(flag(!lb.trans), flag(!la.trans), as_int(n), as_int(m), as_int(kk), alpha, b,
                    as_int(lb.ld), a, as_int(la.ld), bt, c, as_int(ldc));
    }
  }

  // A long contraction into a small C (a linear layer's forward: 64 x 128
  // from 9216 terms) leaves BLAS too few output blocks to share between
  // threads, so it ran on one. Each thread then takes a slice of k into its
  // own partial C, and the partials are added. Returns false when not worth it.
  bool split_k(const T* a, const T* b, T* c) const {
    const int threads = get_num_threads();
    if (threads < 2 || in_parallel_region()) return false;
    if (k < 16 * std::max(m, n) || double(m) * double(n) * double(k) < double(1 << 22))
      return false;
    const int64_t parts = std::min<int64_t>(threads, k / 1024);
    if (parts < 2) return false;
    const int64_t mn = m * n;
    const int64_t ldt = lc.trans ? m : n;  // partials laid out as C, densely
    std::vector<T> partial(static_cast<size_t>((parts - 1) * mn));
    const int64_t per = (k + parts - 1) / parts;
    parallel_for_t(0, parts, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t k0 = p * per, kk = std::min(k, k0 + per) - k0;
        if (p == 0)
          gemm(a, b, kk, beta, c, lc.ld);
        else
          gemm(a + k0 * acs, b + k0 * brs, kk, T(0), partial.data() + (p - 1) * mn, ldt);
      }
    });
    const int64_t rows = lc.trans ? n : m, cols = lc.trans ? m : n;
    for (int64_t p = 1; p < parts; ++p) {
      const T* t = partial.data() + (p - 1) * mn;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) c[i * lc.ld + j] += t[i * ldt + j];
    }
    return true;
  }

  static void run(const Tensor& out, const Tensor& a0, const Tensor& b0, T beta, T alpha) {
    const int64_t nd = out.dim();
    Tensor a = blas_operand(a0), b = blas_operand(b0);
    BlasGemm g;
    g.m = out.size(nd - 2);
    g.n = out.size(nd - 1);
    g.k = a.size(nd - 1);
    g.alpha = alpha;
    g.beta = beta;
    g.la = *blas_layout(a);
    g.lb = *blas_layout(b);
    g.lc = *blas_layout(out);
    g.ars = a.stride(nd - 2);
    g.acs = a.stride(nd - 1);
    g.brs = b.stride(nd - 2);
    g.bcs = b.stride(nd - 1);
    g.crs = out.stride(nd - 2);
    g.ccs = out.stride(nd - 1);
    const BatchWalk walk(out, a, b);
    const T* pa = a.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    T* pc = out.data_ptr<T>();
    auto range = [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t oa, ob, oc;
        walk.offsets(i, oa, ob, oc);
        g.one(pa + oa, pb + ob, pc + oc);
      }
    };
    // Small products: one per thread, OpenBLAS runs single-threaded inside the
    // parallel region. Large ones: a serial loop and OpenBLAS threads each.
    const double work =
        static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
    if (walk.count > 1 && work < double(1 << 21)) {
      const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, int64_t(work)));
      parallel_for_t(0, walk.count, grain, range);
    } else {
      range(0, walk.count);
    }
  }
};

// out = beta * out (0 when beta is 0, ignoring NaN): the product of a k = 0 contraction.
template <typename T>
void scale_out(const Tensor& out, T beta) {
  if (beta == T(0)) {
    fill_kernel(out, 0);
    return;
  }
  if (beta == T(1)) return;
  using A = acc_t<T>;
  TensorIter it(out.sizes(), {out, out});
  cpu_kernel<T, T>(it, [beta](T v) { return static_cast<T>(A(beta) * static_cast<A>(v)); });
}

bool fits_blas(int64_t m, int64_t n, int64_t k) {
  return m <= INT_MAX && n <= INT_MAX && k <= INT_MAX;
}

}  // namespace

void addmm_kernel(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                  const Scalar& alpha) {
  if (out.numel() == 0) return;
  const DType dt = out.dtype();
  const int64_t nd = out.dim();
  const int64_t m = out.size(nd - 2), n = out.size(nd - 1), k = a.size(nd - 1);

  if (dt == DType::Float16 || dt == DType::BFloat16) {
    // Computed in float32 and rounded once at the end (PyTorch's opmath).
    // Dense operands keep their layout (BLAS takes it as it is); others become contiguous.
    auto widen = [](const Tensor& t) {
      const Tensor c = compact_batch(t);
      const MemoryFormat fmt =
          c.is_non_overlapping_and_dense() ? MemoryFormat::Preserve : MemoryFormat::Contiguous;
      return c.to(DType::Float32, false, false, fmt).expand(t.sizes());
    };
    Tensor outf = empty(out.sizes(), {.dtype = DType::Float32});
    const bool keep = beta.to<float>() != 0.f;
    if (keep) copy_kernel(outf, out);
    addmm_kernel(outf, widen(a), widen(b), beta, alpha);
    copy_kernel(out, outf);
    return;
  }
  if (dt != DType::Float32 && dt != DType::Float64 && !is_integral(dt)) {
    throw TypeError(
        detail::str_cat("\"addmm_impl_cpu_\" not implemented for '", dtype_name(dt), "'"));
  }
  // An output BLAS cannot write (no unit stride in either dim) goes through a temporary.
  if ((dt == DType::Float32 || dt == DType::Float64) && !blas_layout(out)) {
    Tensor tmp = empty(out.sizes(), {.dtype = dt});
    if (beta.to_double() != 0.0) copy_kernel(tmp, out);
    addmm_kernel(tmp, a, b, beta, alpha);
    copy_kernel(out, tmp);
    return;
  }

  EMBER_DISPATCH_NUMERIC(dt, "addmm_impl_cpu_", [&] {
    if constexpr (std::is_same_v<scalar_t, Half> || std::is_same_v<scalar_t, BFloat16>) {
      return;  // handled above
    } else {
      const scalar_t be = beta.to<scalar_t>(), al = alpha.to<scalar_t>();
      if (k == 0) {
        scale_out<scalar_t>(out, be);
      } else if constexpr (std::is_floating_point_v<scalar_t>) {
        if (fits_blas(m, n, k))
          BlasGemm<scalar_t>::run(out, a, b, be, al);
        else
          LoopGemm<scalar_t>::run(out, a, b, be, al);
      } else {
        LoopGemm<scalar_t>::run(out, a, b, static_cast<acc_t<scalar_t>>(be),
                                static_cast<acc_t<scalar_t>>(al));
      }
    }
  });
}

namespace {
template <typename T>
void raw_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
              const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  Blas<T>::gemm(flag(ta), flag(tb), as_int(m), as_int(n), as_int(k), alpha, a, as_int(lda), b,
                as_int(ldb), beta, c, as_int(ldc));
}
}  // namespace

void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  raw_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
               int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  raw_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace ember::kernels
