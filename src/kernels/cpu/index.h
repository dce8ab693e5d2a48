#pragma once
// CPU loops for cat, index_select, gather, scatter, scatter_add, index_add and
// one_hot. The ops layer has checked shapes, dtypes and index bounds; these
// only move data.
#include <cstdint>
#include <utility>

#include "ember/core/tensor.h"

namespace ember::kernels {

// Smallest and largest value of an int32 or int64 tensor (numel > 0), any strides.
std::pair<int64_t, int64_t> index_min_max(const Tensor& index);

// out (contiguous) = the inputs (contiguous, all of out's dtype) joined along dim.
void cat_contiguous_kernel(const Tensor& out, ArrayRef<Tensor> inputs, int64_t dim);

// The shared walk of the indexed ops. Every operand is a view whose sizes are
// the iteration shape with `dim` set to 1; the loop over `dim` (K steps) is done
// inside the kernel with each operand's byte stride along dim (`dim_strides`),
// so two threads never touch the same output element.
struct IndexWalk {
  int64_t K;               // steps along dim
  int64_t dim_strides[3];  // byte strides along dim: written operand, index, source
  int64_t index_scale;     // bytes per index unit in the indexed operand (its stride along dim)
};

// out[.., k, ..] = src[.., index[.., k, ..], ..]   operands: {out, index, src}
void gather_kernel(ArrayRef<Tensor> ops, const IndexWalk& w);
// self[.., index[.., k, ..], ..] = src[.., k, ..]  operands: {self, index, src}
void scatter_kernel(ArrayRef<Tensor> ops, const IndexWalk& w);
// self[.., index[.., k, ..], ..] = value           operands: {self, index}
void scatter_fill_kernel(ArrayRef<Tensor> ops, const IndexWalk& w, const Scalar& value);
// self[.., index[.., k, ..], ..] += alpha * src[.., k, ..]   operands: {self, index, src}
void scatter_add_kernel(ArrayRef<Tensor> ops, const IndexWalk& w, const Scalar& alpha);

// out (contiguous, zeroed, trailing dim C) gets a 1 at each index of idx (contiguous int64).
void one_hot_kernel(const Tensor& out, const Tensor& idx, int64_t num_classes);

}  // namespace ember::kernels
