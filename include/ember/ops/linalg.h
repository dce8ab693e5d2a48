#pragma once
// Matrix products, as torch.mm / bmm / matmul / addmm / baddbmm / mv / dot and
// torch.nn.functional.linear. float32/float64 run on OpenBLAS; float16 and
// bfloat16 are computed in float32 and rounded once; the integer dtypes use a
// blocked loop (wrapping on overflow, as PyTorch); bool is not supported.
// Operands are never promoted: both must have the same dtype, as in PyTorch.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// (n x m) @ (m x p) -> (n x p).
Tensor mm(const Tensor& self, const Tensor& mat2);
// (b x n x m) @ (b x m x p) -> (b x n x p).
Tensor bmm(const Tensor& self, const Tensor& mat2);
// torch.matmul: dot, mv, mm, or a broadcast batched product, by the operands' dims.
Tensor matmul(const Tensor& self, const Tensor& other);
// beta * self + alpha * (mat1 @ mat2); self broadcasts to the product's shape.
// beta == 0 ignores self (NaN in it does not propagate).
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
// beta * self + alpha * (batch1 @ batch2) for 3-D batches; self broadcasts to the result.
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2,
               const Scalar& beta = 1, const Scalar& alpha = 1);
// (n x m) @ (m) -> (n).
Tensor mv(const Tensor& self, const Tensor& vec);
// Inner product of two 1-D tensors -> 0-dim tensor.
Tensor dot(const Tensor& self, const Tensor& other);
// torch.nn.functional.linear: input @ weight^T + bias, input (*, in_features),
// weight (out_features, in_features), bias (out_features) or broadcastable.
// weight is used transposed in place (no copy).
Tensor linear(const Tensor& input, const Tensor& weight,
              const std::optional<Tensor>& bias = std::nullopt);

}  // namespace ember
