#pragma once
// Joining, indexing and sorting ops, as torch.cat / stack / index_select /
// gather / scatter / scatter_add / index_add / one_hot / topk / sort / argsort.
// The Tensor methods of the same names (tensor.h) call these.
#include <cstdint>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

// Concatenates along `dim`. The result dtype is the promotion of all inputs;
// 1-D empty tensors (shape [0]) are skipped, as PyTorch's legacy rule does.
// The result is channels_last when every input suggests channels_last.
Tensor cat(TensorList tensors, int64_t dim = 0);
inline Tensor concat(TensorList tensors, int64_t dim = 0) { return cat(tensors, dim); }
inline Tensor concatenate(TensorList tensors, int64_t dim = 0) { return cat(tensors, dim); }
// Joins equally sized tensors along a new dimension `dim` in [-(ndim+1), ndim].
Tensor stack(TensorList tensors, int64_t dim = 0);

// Entries of `self` along `dim` at the positions in `index` (0-D or 1-D, int32
// or int64, no negative values).
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
// out[i][j][k] = self[index[i][j][k]][j][k] (dim 0), etc.; index is int64 with
// the same number of dims as self.
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
// A copy of self with self[index[i][j]][j] = src[i][j] (dim 0), etc.
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
// As scatter, but duplicate indices accumulate: self[index[i][j]][j] += src[i][j].
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
// A copy of self with self.select(dim, index[i]) += alpha * source.select(dim, i).
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha = 1);

// int64 one-hot encoding with a trailing dim of num_classes (-1: max + 1).
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);

// (values, int64 indices) of the k largest (or smallest) entries along dim;
// NaN counts as larger than every number.
std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim = -1,
                                bool largest = true, bool sorted = true);
// (values, int64 indices) sorted along dim; NaN sorts above every number.
// ember's CPU sort is always stable (ties keep their original order), which is
// also a valid result for stable = false.
std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim = -1, bool descending = false,
                                bool stable = false);
Tensor argsort(const Tensor& self, int64_t dim = -1, bool descending = false, bool stable = false);

}  // namespace ember
