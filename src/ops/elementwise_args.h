#pragma once
// What the elementwise ops (binary.cpp, compare.cpp) share: an operand that is a
// tensor or a Python-style number, its promotion, device checks, and the output
// allocation that follows the inputs' layout.
#include <initializer_list>
#include <vector>

#include "ember/core/tensor.h"
#include "kernels/cpu/binary.h"
#include "ops/op_utils.h"

namespace ember::ops {

// An operand: a tensor, or a number (a Python scalar, lowest in type promotion).
struct Arg {
  Tensor t;
  Scalar s;
  bool is_scalar;
  Arg(const Tensor& x) : t(x), is_scalar(false) {}
  Arg(const Scalar& x) : s(x), is_scalar(true) {}
  // The dtype PyTorch's checks see: a number is wrapped in a tensor of its natural dtype.
  DType dtype() const { return is_scalar ? s.natural_dtype() : t.dtype(); }
  Tensor tensor() const { return is_scalar ? Tensor() : t; }
};

// result_type over the operands (no heap allocation: this is on every small op's path).
inline DType promote(std::initializer_list<const Arg*> args) {
  EMBER_CHECK(args.size() <= 4, RuntimeError, "promote: at most 4 operands");
  Tensor ts[4];
  Scalar ss[4];
  size_t nt = 0, ns = 0;
  for (const Arg* a : args) {
    if (a->is_scalar) {
      ss[ns++] = a->s;
    } else if (a->t.defined()) {
      ts[nt++] = a->t;
    }
  }
  return result_type(ArrayRef<Tensor>(ts, nt), ArrayRef<Scalar>(ss, ns));
}

// 0-dim CPU tensors mix with tensors on any device, as in PyTorch.
inline void check_devices(const char* name, std::initializer_list<Tensor> ts) {
  const Tensor* first = nullptr;
  bool same = true;
  for (const auto& t : ts) {
    if (!t.defined() || (t.dim() == 0 && t.is_cpu())) continue;
    if (!first)
      first = &t;
    else if (t.device() != first->device())
      same = false;
  }
  if (same) return;
  std::vector<Tensor> v;  // only to word the error
  for (const auto& t : ts)
    if (t.defined() && !(t.dim() == 0 && t.is_cpu())) v.push_back(t);
  check_same_device(name, v);
}

// The output: a meta tensor when an input is meta, else laid out like the inputs.
inline Tensor alloc_out(IntArrayRef shape, DType dtype, std::initializer_list<Tensor> inputs) {
  EMBER_CHECK(inputs.size() <= 4, RuntimeError, "alloc_out: at most 4 inputs");
  Tensor v[4];
  size_t n = 0;
  const bool meta = any_meta(ArrayRef<Tensor>(inputs.begin(), inputs.size()));
  for (const auto& t : inputs)
    if (t.defined() && (!meta || t.is_meta())) v[n++] = t;
  return empty_following(shape, dtype, ArrayRef<Tensor>(v, n));
}

// The operand as the kernel reads it: converted to `dtype`, broadcast to `shape`.
inline Tensor operand(const Arg& a, DType dtype, IntArrayRef shape) {
  return kernels::as_operand(a.is_scalar ? scalar_to_tensor(a.s, dtype) : a.t, dtype, shape);
}

}  // namespace ember::ops
