#pragma once
// Matrix products on strided CPU tensors: BLAS for float32/float64 (oneDNN's
// sgemm for float32 products from 32^3 on, OpenBLAS otherwise; float16/bfloat16
// are converted to float32 and rounded back), a blocked loop for the integer
// types. The ops layer (ops/linalg.cpp) checks the arguments.
#include "ember/core/tensor.h"

namespace ember::kernels {

// out[..., m, n] = beta * out + alpha * a[..., m, k] @ b[..., k, n].
// a, b and out have the same dtype (any but bool) and the same leading (batch)
// sizes; a and b may be broadcast views (stride 0) and have any strides: a
// matrix with unit stride in either dim goes to BLAS as it is (through the
// transpose flags), only one with neither is copied. out must not overlap a or b.
// beta == 0 ignores out's contents (NaN included), as PyTorch's addmm does.
// Batches of small products run in parallel over the batch; a large product
// lets OpenBLAS thread inside.
void addmm_kernel(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                  const Scalar& alpha);

// Row-major c[m, n] = alpha * op(a)[m, k] @ op(b)[k, n] + beta * c on raw
// buffers (op: transposed when ta / tb), through the same BLAS choice as
// addmm_kernel: for kernels that multiply their own buffers (rnn.cpp).
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
               int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

}  // namespace ember::kernels
