#pragma once
// Helpers shared by the ops: argument checks, broadcasting, type promotion and
// output allocation that follows the inputs' memory layout.
#include <optional>
#include <string>

#include "ember/core/tensor.h"

namespace ember::ops {

// Broadcast shape of a and b, or RuntimeError as PyTorch words it.
DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b);
DimVector broadcast_shapes(ArrayRef<Tensor> tensors);

// PyTorch's result_type: tensors of dim > 0 outrank 0-dim tensors, which outrank
// Python scalars; a higher category (bool < integral < floating) still wins.
DType result_type(ArrayRef<Tensor> tensors, ArrayRef<Scalar> scalars = {});
inline DType result_type(const Tensor& a, const Tensor& b) { return result_type({a, b}); }
inline DType result_type(const Tensor& a, const Scalar& b) {
  return result_type(ArrayRef<Tensor>(a), ArrayRef<Scalar>(b));
}

// A 0-dim CPU tensor holding `s` converted to `dtype`.
Tensor scalar_to_tensor(const Scalar& s, DType dtype);

// Allocates an uninitialised tensor of `shape` whose stride order follows the
// inputs (channels_last in gives channels_last out, as PyTorch's TensorIterator).
// Device is that of the first input (or cpu).
Tensor empty_following(IntArrayRef shape, DType dtype, ArrayRef<Tensor> inputs);

// Throws unless every tensor is on the same device; names the op.
void check_same_device(const char* op, ArrayRef<Tensor> tensors);
// Throws for tensors whose data is read (meta tensors take the shape path instead).
void check_not_meta(const char* op, const Tensor& t);
// True if any operand is a meta tensor: ops then only compute the output shape.
bool any_meta(ArrayRef<Tensor> tensors);

// Can `from` be cast to `to` in place (PyTorch's can_cast)?
bool can_cast(DType from, DType to);

// The view of t expanded to shape (no copy).
Tensor expand_to(const Tensor& t, IntArrayRef shape);

// True when two elements of t share memory (a stride-0 dim of size > 1): writing
// into t is then an error, as in PyTorch.
bool has_internal_overlap(const Tensor& t);
// Byte range [lo, hi) of its storage that t can touch ({0, 0} when empty).
std::pair<int64_t, int64_t> byte_span(const Tensor& t);
// True when a and b may share bytes (same storage, intersecting byte ranges).
bool may_overlap(const Tensor& a, const Tensor& b);

// Wraps a list of dims (dedup check, range check); empty means all dims.
DimVector wrap_dims(IntArrayRef dims, int64_t ndim, bool empty_means_all = true);

// PyTorch's Type::toString(): "torch.FloatTensor", or "CPUBoolType" where no legacy name exists.
std::string legacy_type_name(DType t, const Device& d);

// Writes src (same shape) into dst with no autograd or version bookkeeping: for
// in-place ops whose result was computed elsewhere (they do the bookkeeping once).
Tensor& write_into(Tensor& dst, const Tensor& src);

}  // namespace ember::ops
