// Comparisons, logical ops, where, clamp, masked_fill, isclose / allclose /
// equal: argument checks, type promotion and output allocation. The loops are
// in kernels/cpu/compare.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/record.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "kernels/cpu/binary.h"
#include "kernels/cpu/compare.h"
#include "ops/elementwise_args.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::CompareOp;
using kernels::LogicalOp;
using kernels::scalar_type_name;
using kernels::TensorIter;
using ops::alloc_out;
using ops::Arg;
using ops::check_devices;
using ops::operand;
using ops::promote;

// out (bool) = kernel over a and b converted to their common dtype.
template <typename Kernel>
Tensor run_to_bool(const char* name, const Arg& a, const Arg& b, const Kernel& kernel) {
  const DType dt = promote({&a, &b});
  const Tensor ta = a.tensor(), tb = b.tensor();
  check_devices(name, {ta, tb});
  const DimVector shape = ops::broadcast_shapes({ta, tb});
  Tensor out = alloc_out(shape, DType::Bool, {ta, tb});
  if (out.is_meta() || out.numel() == 0) return out;
  kernel(TensorIter(shape, {out, operand(a, dt, shape), operand(b, dt, shape)}), dt);
  return out;
}

Tensor compare(CompareOp op, const char* name, const Arg& a, const Arg& b) {
  return run_to_bool(name, a, b,
                     [op](const TensorIter& it, DType dt) { kernels::compare_kernel(op, it, dt); });
}

Tensor logical(LogicalOp op, const char* name, const Tensor& a, const Tensor& b) {
  return run_to_bool(name, a, b,
                     [op](const TensorIter& it, DType dt) { kernels::logical_kernel(op, it, dt); });
}

// Whether every element of the (bool) tensor is true.
bool all_true(const Tensor& t) {
  const Tensor c = t.contiguous();
  const bool* p = c.data_ptr<bool>();
  for (int64_t i = 0, n = c.numel(); i < n; ++i)
    if (!p[i]) return false;
  return true;
}

// ---- Scalar -> element conversion with PyTorch's overflow check

const char* overflow_type_name(DType t) {
  switch (t) {
    case DType::Bool:
      return "bool";
    case DType::UInt8:
      return "uint8_t";
    case DType::Int8:
      return "int8_t";
    case DType::Int16:
      return "int16_t";
    case DType::Int32:
      return "int";
    case DType::Int64:
      return "int64_t";
    case DType::Float16:
      return "at::Half";
    case DType::BFloat16:
      return "at::BFloat16";
    case DType::Float32:
      return "float";
    case DType::Float64:
      return "double";
  }
  return "unknown";
}

// c10's overflow rule: integers out of range (negatives may wrap into unsigned
// types), finite floating values beyond the type's range.
void check_scalar_fits(const Scalar& s, DType t) {
  if (t == DType::Bool || t == DType::Float64) return;
  bool overflow = false;
  if (s.is_floating_point()) {
    const double v = s.to_double();
    if (is_floating_point(t)) {
      const double mx = t == DType::Float16    ? 65504.0
                        : t == DType::BFloat16 ? 3.3895313892515355e38
                                               : std::numeric_limits<float>::max();
      overflow = std::isfinite(v) && (v > mx || v < -mx);
    } else {
      overflow = EMBER_DISPATCH_INTEGRAL(t, "fill", [&]() -> bool {
        using L = std::numeric_limits<scalar_t>;
        // int64's max rounds up to 2^63 as a double: cap at the largest double below it.
        const double hi = std::min(static_cast<double>(L::max()), 9223372036854774784.0);
        return !(v >= static_cast<double>(L::lowest()) && v <= hi);
      });
    }
  } else if (!is_floating_point(t)) {
    const int64_t v = s.to_long();
    overflow = EMBER_DISPATCH_INTEGRAL(t, "fill", [&]() -> bool {
      using L = std::numeric_limits<scalar_t>;
      if constexpr (!L::is_signed) {
        if (v < 0) return static_cast<uint64_t>(-(v + 1)) + 1 > static_cast<uint64_t>(L::max());
        return static_cast<uint64_t>(v) > static_cast<uint64_t>(L::max());
      } else {
        return v < static_cast<int64_t>(L::lowest()) || v > static_cast<int64_t>(L::max());
      }
    });
  }
  EMBER_CHECK(!overflow, RuntimeError, "value cannot be converted to type ", overflow_type_name(t),
              " without overflow");
}

// ---- clamp

struct ClampPlan {
  DType dtype;
  bool fill_nan;  // both bounds given and one is NaN: PyTorch fills the result with NaN
};

ClampPlan plan_clamp(const Tensor& x, const std::optional<Scalar>& lo,
                     const std::optional<Scalar>& hi) {
  EMBER_CHECK(lo || hi, RuntimeError,
              "torch.clamp: At least one of 'min' or 'max' must not be None");
  DType dt = x.dtype();
  if (!is_floating_point(dt)) {
    std::vector<Scalar> ss;
    if (lo) ss.push_back(*lo);
    if (hi) ss.push_back(*hi);
    dt = ops::result_type(ArrayRef<Tensor>(x), ss);
  }
  EMBER_CHECK(dt != DType::Bool, TypeError, "\"clamp_scalar_cpu\" not implemented for 'Bool'");
  const auto is_nan = [](const std::optional<Scalar>& s) {
    return s && s->is_floating_point() && std::isnan(s->to_double());
  };
  const bool fill_nan = lo && hi && (is_nan(lo) || is_nan(hi));
  if (!fill_nan) {
    if (lo) check_scalar_fits(*lo, dt);
    if (hi) check_scalar_fits(*hi, dt);
  }
  return {dt, fill_nan};
}

Tensor clamp_tensor_impl(const Tensor& x, const Tensor& lo, const Tensor& hi, Tensor* inplace) {
  EMBER_CHECK(lo.defined() || hi.defined(), RuntimeError,
              "torch.clamp: At least one of 'min' or 'max' must not be None");
  std::vector<Tensor> ts{x};
  if (lo.defined()) ts.push_back(lo);
  if (hi.defined()) ts.push_back(hi);
  const DType dt = ops::result_type(ts);
  const bool both = lo.defined() && hi.defined();
  EMBER_CHECK(!(both && dt == DType::Bool), TypeError, "\"clamp_cpu\" not implemented for 'Bool'");
  check_devices("clamp", {x, lo, hi});
  const DimVector shape = ops::broadcast_shapes(ts);
  if (inplace) {
    EMBER_CHECK(ops::can_cast(dt, x.dtype()), RuntimeError, "result type ", scalar_type_name(dt),
                " can't be cast to the desired output type ", scalar_type_name(x.dtype()));
    EMBER_CHECK(IntArrayRef(shape) == x.sizes(), RuntimeError, "output with shape ", x.sizes(),
                " doesn't match the broadcast shape ", shape);
    if (x.is_meta()) return x;
    kernels::check_no_internal_overlap(x);
  }
  Tensor out = alloc_out(shape, dt, {x, lo, hi});
  if (out.is_meta() || out.numel() == 0) return inplace ? x : out;
  // The result goes to a fresh tensor (copied into x for clamp_), so aliasing is harmless.
  auto op = [&](const Tensor& t) { return kernels::as_operand(t, dt, shape); };
  // One bound: NaN-propagating maximum / minimum, as PyTorch's clamp_min/clamp_max.
  if (!both) {
    const bool has_lo = lo.defined();
    kernels::binary_kernel(has_lo ? kernels::BinaryOp::Maximum : kernels::BinaryOp::Minimum,
                           TensorIter(shape, {out, op(x), op(has_lo ? lo : hi)}), dt);
  } else {
    kernels::clamp_tensor_kernel(TensorIter(shape, {out, op(x), op(lo), op(hi)}), dt);
  }
  if (inplace) return ops::write_into(*inplace, out);
  return out;
}

// ---- masked_fill

Tensor mask_operand(const Tensor& mask) {
  EMBER_CHECK(mask.dtype() == DType::Bool || mask.dtype() == DType::UInt8, RuntimeError,
              "masked_fill_ only supports boolean masks, but got mask with dtype ",
              kernels::typemeta_name(mask.dtype()));
  return mask.dtype() == DType::Bool ? mask : mask.to(DType::Bool);
}

Tensor where_impl(const Tensor& condition, const Arg& a, const Arg& b) {
  EMBER_CHECK(condition.dtype() == DType::Bool || condition.dtype() == DType::UInt8, RuntimeError,
              "where expected condition to be a boolean tensor, but got a tensor with dtype ",
              scalar_type_name(condition.dtype()));
  const DType dt = promote({&a, &b});
  const Tensor ta = a.tensor(), tb = b.tensor();
  check_devices("where", {condition, ta, tb});
  const DimVector shape = ops::broadcast_shapes({condition, ta, tb});
  Tensor out = alloc_out(shape, dt, {condition, ta, tb});
  if (out.is_meta() || out.numel() == 0) return out;
  kernels::where_kernel(TensorIter(shape, {out, kernels::as_operand(condition, DType::Bool, shape),
                                           operand(a, dt, shape), operand(b, dt, shape)}),
                        dt);
  return out;
}

Scalar value_of(const Tensor& value) {
  EMBER_CHECK(value.dim() == 0, RuntimeError,
              "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
              value.dim(), " dimension(s).");
  return value.item();
}

}  // namespace

// ---- comparisons

#define EMBER_COMPARE(NAME, OP)                                                                 \
  Tensor NAME(const Tensor& a, const Tensor& b) { return compare(CompareOp::OP, #NAME, a, b); } \
  Tensor NAME(const Tensor& a, const Scalar& b) { return compare(CompareOp::OP, #NAME, a, b); } \
  Tensor Tensor::NAME(const Tensor& other) const { return ember::NAME(*this, other); }          \
  Tensor Tensor::NAME(const Scalar& other) const { return ember::NAME(*this, other); }
EMBER_COMPARE(eq, Eq)
EMBER_COMPARE(ne, Ne)
EMBER_COMPARE(lt, Lt)
EMBER_COMPARE(le, Le)
EMBER_COMPARE(gt, Gt)
EMBER_COMPARE(ge, Ge)
#undef EMBER_COMPARE

Tensor logical_and(const Tensor& a, const Tensor& b) {
  return logical(LogicalOp::And, "logical_and", a, b);
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return logical(LogicalOp::Or, "logical_or", a, b);
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  return logical(LogicalOp::Xor, "logical_xor", a, b);
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  EMBER_CHECK(a.dtype() == b.dtype(), RuntimeError, scalar_type_name(a.dtype()), " did not match ",
              scalar_type_name(b.dtype()));
  EMBER_CHECK(rtol >= 0, RuntimeError, "rtol must be greater than or equal to zero, but got ",
              rtol);
  EMBER_CHECK(atol >= 0, RuntimeError, "atol must be greater than or equal to zero, but got ",
              atol);
  return run_to_bool("isclose", a, b, [=](const TensorIter& it, DType dt) {
    kernels::isclose_kernel(it, dt, rtol, atol, equal_nan);
  });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  ops::check_not_meta("allclose", a);
  ops::check_not_meta("allclose", b);
  return all_true(isclose(a, b, rtol, atol, equal_nan));
}

bool equal(const Tensor& a, const Tensor& b) {
  check_devices("equal", {a, b});
  ops::check_not_meta("equal", a);
  ops::check_not_meta("equal", b);
  if (!(a.sizes() == b.sizes())) return false;
  return all_true(eq(a, b));
}

// ---- autograd

namespace {

using autograd::FormulaNodeBase;
using autograd::variable_list;

// g where `keep` is true, 0 elsewhere.
Tensor grad_where(const Tensor& keep, const Tensor& g) { return where(keep, g, 0); }

Tensor where_rec(const Tensor& condition, const Arg& a, const Arg& b) {
  if (!autograd::grad_needed(a.t, b.t)) return where_impl(condition, a, b);
  Tensor out = autograd::untracked([&] { return where_impl(condition, a, b); });
  // The condition is not differentiable: edges go to a and b only.
  auto node = autograd::make_node(
      "WhereBackward0",
      [](FormulaNodeBase& n, variable_list& g) {
        const Tensor c = n.saved(0);
        return variable_list{n.needs_input_grad(0) ? where(c, g[0], 0) : Tensor(),
                             n.needs_input_grad(1) ? where(c, 0, g[0]) : Tensor()};
      },
      a.t, b.t);
  node->save(condition);
  autograd::set_history(out, node);
  return out;
}

// ---- clamp with number bounds

Tensor clamp_scalar_impl(const Tensor& x, const std::optional<Scalar>& lo,
                         const std::optional<Scalar>& hi) {
  const ClampPlan p = plan_clamp(x, lo, hi);
  Tensor out = alloc_out(x.sizes(), p.dtype, {x});
  if (out.is_meta() || out.numel() == 0) return out;
  if (p.fill_nan) return out.fill_(std::numeric_limits<double>::quiet_NaN());
  kernels::clamp_scalar_kernel(
      TensorIter(x.sizes(), {out, kernels::as_operand(x, p.dtype, x.sizes())}), p.dtype, lo, hi);
  return out;
}

// The node of clamp(x, lo, hi) with number bounds: g where lo <= x <= hi
// (x is the node's saved tensor 0).
auto clamp_scalar_node(const char* name, const Tensor& x, const std::optional<Scalar>& lo,
                       const std::optional<Scalar>& hi) {
  return autograd::make_node(
      name,
      [lo, hi](FormulaNodeBase& n, variable_list& g) {
        const Tensor s = n.saved(0);
        const Tensor keep = lo && hi ? logical_and(s >= *lo, s <= *hi) : lo ? s >= *lo : s <= *hi;
        return variable_list{grad_where(keep, g[0])};
      },
      x);
}

// clamp with number bounds, recorded as `name` (ClampBackward1, ClampMinBackward0, ...).
Tensor clamp_scalar_rec(const char* name, const Tensor& x, const std::optional<Scalar>& lo,
                        const std::optional<Scalar>& hi) {
  if (!autograd::grad_needed(x)) return clamp_scalar_impl(x, lo, hi);
  Tensor out = autograd::untracked([&] { return clamp_scalar_impl(x, lo, hi); });
  auto node = clamp_scalar_node(name, x, lo, hi);
  node->save(x);
  autograd::set_history(out, node);
  return out;
}

// ---- clamp with tensor bounds

// Gradients of clamp(x, lo, hi) with tensor bounds (one may be undefined): to
// x where it is inside, to lo where x is below it (and lo < hi), to hi where x
// is above it (or hi < lo, where hi wins). Saved: x, lo, hi.
struct ClampWanted {
  bool x, lo, hi;
};
variable_list clamp_tensor_grads(FormulaNodeBase& n, const Tensor& g, ClampWanted want) {
  const Tensor x = n.saved(0), lo = n.saved(1), hi = n.saved(2);
  Tensor gx, glo, ghi;
  if (lo.defined() && hi.defined()) {
    if (want.x) gx = grad_where(logical_and(x >= lo, x <= hi), g);
    if (want.lo) glo = grad_where(logical_and(x < lo, lo < hi), g);
    if (want.hi) ghi = grad_where(logical_or(x > hi, hi < lo), g);
  } else if (lo.defined()) {
    if (want.x) gx = grad_where(x >= lo, g);
    if (want.lo) glo = grad_where(x < lo, g);
  } else {
    if (want.x) gx = grad_where(x <= hi, g);
    if (want.hi) ghi = grad_where(x > hi, g);
  }
  return {gx, glo, ghi};
}

// clamp(x, lo, hi) with tensor bounds: ClampBackward0, edges (x, lo, hi).
std::shared_ptr<FormulaNodeBase> clamp_tensor_node(const Tensor& x, const Tensor& lo,
                                                   const Tensor& hi) {
  return autograd::make_node(
      "ClampBackward0",
      [](FormulaNodeBase& n, variable_list& g) {
        return clamp_tensor_grads(
            n, g[0], {n.needs_input_grad(0), n.needs_input_grad(1), n.needs_input_grad(2)});
      },
      x, lo, hi);
}

// clamp_min / clamp_max with a tensor bound: ClampMinBackward1 /
// ClampMaxBackward1, edges (x, bound).
std::shared_ptr<FormulaNodeBase> clamp_bound_node(const Tensor& x, const Tensor& bound,
                                                  bool is_min) {
  return autograd::make_node(
      is_min ? "ClampMinBackward1" : "ClampMaxBackward1",
      [is_min](FormulaNodeBase& n, variable_list& g) {
        const bool wx = n.needs_input_grad(0), wb = n.needs_input_grad(1);
        variable_list r = clamp_tensor_grads(n, g[0], {wx, is_min && wb, !is_min && wb});
        return variable_list{r[0], is_min ? r[1] : r[2]};
      },
      x, bound);
}

std::shared_ptr<FormulaNodeBase> clamp_any_node(const Tensor& x, const Tensor& lo, const Tensor& hi,
                                                bool one_bound) {
  if (!one_bound) return clamp_tensor_node(x, lo, hi);
  return clamp_bound_node(x, lo.defined() ? lo : hi, lo.defined());
}

// one_bound: clamp_min / clamp_max (their own node names and edges).
Tensor clamp_tensor_rec(const Tensor& x, const Tensor& lo, const Tensor& hi, bool one_bound) {
  if (!autograd::grad_needed(x, lo, hi)) return clamp_tensor_impl(x, lo, hi, nullptr);
  Tensor out = autograd::untracked([&] { return clamp_tensor_impl(x, lo, hi, nullptr); });
  auto node = clamp_any_node(x, lo, hi, one_bound);
  node->save(x);
  node->save(lo);
  node->save(hi);
  autograd::set_history(out, node);
  return out;
}

// ---- masked_fill

// The raw write (no autograd): x[mask] = value.
Tensor& masked_fill_raw(Tensor& x, const Tensor& mask, const Scalar& value) {
  Tensor m = mask_operand(mask);
  check_devices("masked_fill_", {x, m});
  const DimVector shape = ops::broadcast_shapes(x.sizes(), m.sizes());
  EMBER_CHECK(IntArrayRef(shape) == x.sizes(), RuntimeError, "output with shape ", x.sizes(),
              " doesn't match the broadcast shape ", shape);
  check_scalar_fits(value, x.dtype());
  if (x.is_meta()) return x;
  ops::check_not_meta("masked_fill_", m);
  kernels::check_no_internal_overlap(x);
  if (x.numel() == 0) return x;
  if (kernels::may_overlap(x, m)) m = m.clone(MemoryFormat::Contiguous);
  kernels::masked_fill_kernel(TensorIter(x.sizes(), {x, x, ops::expand_to(m, x.sizes())}),
                              x.dtype(), value);
  return x;
}

// A contiguous copy of x broadcast with the mask, then filled (PyTorch's masked_fill).
Tensor masked_fill_impl(const Tensor& x, const Tensor& mask, const Scalar& value) {
  const Tensor m = mask_operand(mask);
  check_devices("masked_fill", {x, m});
  const DimVector shape = ops::broadcast_shapes(x.sizes(), m.sizes());
  check_scalar_fits(value, x.dtype());
  const bool meta = x.is_meta() || m.is_meta();
  Tensor out = empty(shape, {.dtype = x.dtype(), .device = meta ? kMeta : x.device()});
  if (meta) return out;
  out.copy_(x);
  return masked_fill_raw(out, m, value);
}

// masked_fill's node: MaskedFillBackward0 (a number value: edge x) or
// MaskedFillBackward1 (a 0-dim tensor value: edges x, value). Saved: the mask.
std::shared_ptr<FormulaNodeBase> masked_fill_node(const Tensor& x, const Tensor& mask,
                                                  const Tensor* value) {
  auto formula = [](FormulaNodeBase& n, variable_list& g) {
    const Tensor m = n.saved(0);
    variable_list r{n.needs_input_grad(0) ? g[0].masked_fill(m, 0) : Tensor()};
    if (n.num_outputs() > 1)
      r.push_back(n.needs_input_grad(1) ? where(m, g[0], 0).sum() : Tensor());
    return r;
  };
  std::shared_ptr<FormulaNodeBase> node;
  if (value)
    node = autograd::make_node("MaskedFillBackward1", formula, x, *value);
  else
    node = autograd::make_node("MaskedFillBackward0", formula, x);
  node->save(mask_operand(mask));
  return node;
}

Tensor masked_fill_rec(const Tensor& x, const Tensor& mask, const Scalar& value,
                       const Tensor* value_t) {
  // Only floating results get history (an integer x filled from a value that requires grad).
  if (!x.is_floating_point() || !autograd::grad_needed(x, value_t ? *value_t : Tensor()))
    return masked_fill_impl(x, mask, value);
  Tensor out = autograd::untracked([&] { return masked_fill_impl(x, mask, value); });
  auto node = masked_fill_node(x, mask, value_t);
  autograd::set_history(out, node);
  return out;
}

Tensor& masked_fill_rec_(Tensor& x, const Tensor& mask, const Scalar& value,
                         const Tensor* value_t) {
  autograd::check_inplace(x, value_t ? *value_t : Tensor());
  if (!x.is_floating_point() || !autograd::grad_needed(x, value_t ? *value_t : Tensor())) {
    masked_fill_raw(x, mask, value);
    autograd::finish_inplace(x);
    return x;
  }
  auto node = masked_fill_node(x, mask, value_t);
  autograd::untracked([&] { return masked_fill_raw(x, mask, value); });
  autograd::finish_inplace(x, node);
  return x;
}

}  // namespace

// ---- where (a number operand has no edge; two numbers: nothing to record)

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  return where_rec(condition, Arg(a), Arg(b));
}
Tensor where(const Tensor& condition, const Tensor& a, const Scalar& b) {
  return where_rec(condition, Arg(a), Arg(b));
}
Tensor where(const Tensor& condition, const Scalar& a, const Tensor& b) {
  return where_rec(condition, Arg(a), Arg(b));
}
Tensor where(const Tensor& condition, const Scalar& a, const Scalar& b) {
  return where_impl(condition, Arg(a), Arg(b));
}

// ---- clamp

Tensor clamp(const Tensor& x, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  return clamp_scalar_rec("ClampBackward1", x, lo, hi);
}

Tensor& clamp_(Tensor& x, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  autograd::check_inplace(x);
  const ClampPlan p = plan_clamp(x, lo, hi);
  // PyTorch's clamp_ allows no promotion at all (its message names the C++ type).
  EMBER_CHECK(p.dtype == x.dtype(), RuntimeError, "result type ", scalar_type_name(p.dtype),
              " can't be cast to the desired output type ", kernels::typemeta_name(x.dtype()));
  auto write = [&] {
    if (x.is_meta()) return;
    kernels::check_no_internal_overlap(x);
    if (x.numel() == 0) return;
    if (p.fill_nan)
      x.fill_(std::numeric_limits<double>::quiet_NaN());
    else
      kernels::clamp_scalar_kernel(TensorIter(x.sizes(), {x, x}), p.dtype, lo, hi);
  };
  if (!autograd::grad_needed(x)) {
    write();
    autograd::finish_inplace(x);
    return x;
  }
  auto node = clamp_scalar_node("ClampBackward1", x, lo, hi);
  node->save(autograd::untracked([&] { return x.clone(); }));
  autograd::untracked(write);
  autograd::finish_inplace(x, node);
  return x;
}

Tensor clamp(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  return clamp_tensor_rec(x, lo, hi, false);
}
Tensor& clamp_(Tensor& x, const Tensor& lo, const Tensor& hi) {
  autograd::check_inplace(x, lo, hi);
  if (!autograd::grad_needed(x, lo, hi)) {
    clamp_tensor_impl(x, lo, hi, &x);
    autograd::finish_inplace(x);
    return x;
  }
  auto node = clamp_tensor_node(x, lo, hi);
  node->save(autograd::untracked([&] { return x.clone(); }));
  node->save(lo);
  node->save(hi);
  autograd::untracked([&] { return clamp_tensor_impl(x, lo, hi, &x); });
  autograd::finish_inplace(x, node);
  return x;
}
Tensor clamp_min(const Tensor& x, const Scalar& lo) {
  return clamp_scalar_rec("ClampMinBackward0", x, lo, std::nullopt);
}
Tensor clamp_min(const Tensor& x, const Tensor& lo) {
  return clamp_tensor_rec(x, lo, Tensor(), true);
}
Tensor clamp_max(const Tensor& x, const Scalar& hi) {
  return clamp_scalar_rec("ClampMaxBackward0", x, std::nullopt, hi);
}
Tensor clamp_max(const Tensor& x, const Tensor& hi) {
  return clamp_tensor_rec(x, Tensor(), hi, true);
}
Tensor clip(const Tensor& x, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  return clamp(x, lo, hi);
}

// ---- masked_fill

Tensor& masked_fill_(Tensor& x, const Tensor& mask, const Scalar& value) {
  return masked_fill_rec_(x, mask, value, nullptr);
}
Tensor& masked_fill_(Tensor& x, const Tensor& mask, const Tensor& value) {
  return masked_fill_rec_(x, mask, value_of(value), &value);
}
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value) {
  return masked_fill_rec(x, mask, value, nullptr);
}
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  return masked_fill_rec(x, mask, value_of(value), &value);
}

// ---- Tensor methods

Tensor Tensor::logical_and(const Tensor& o) const { return ember::logical_and(*this, o); }
Tensor Tensor::logical_or(const Tensor& o) const { return ember::logical_or(*this, o); }
Tensor Tensor::logical_xor(const Tensor& o) const { return ember::logical_xor(*this, o); }
bool Tensor::equal(const Tensor& o) const { return ember::equal(*this, o); }
bool Tensor::allclose(const Tensor& o, double rtol, double atol, bool equal_nan) const {
  return ember::allclose(*this, o, rtol, atol, equal_nan);
}
Tensor Tensor::isclose(const Tensor& o, double rtol, double atol, bool equal_nan) const {
  return ember::isclose(*this, o, rtol, atol, equal_nan);
}
Tensor Tensor::clamp(std::optional<Scalar> lo, std::optional<Scalar> hi) const {
  return ember::clamp(*this, lo, hi);
}
Tensor Tensor::clamp(const Tensor& lo, const Tensor& hi) const {
  return ember::clamp(*this, lo, hi);
}
Tensor& Tensor::clamp_(std::optional<Scalar> lo, std::optional<Scalar> hi) {
  return ember::clamp_(*this, lo, hi);
}
Tensor Tensor::clamp_min(const Scalar& lo) const { return ember::clamp_min(*this, lo); }
Tensor Tensor::clamp_max(const Scalar& hi) const { return ember::clamp_max(*this, hi); }
Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& value) const {
  return ember::masked_fill(*this, mask, value);
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) {
  return ember::masked_fill_(*this, mask, value);
}
Tensor Tensor::where(const Tensor& condition, const Tensor& other) const {
  return ember::where(condition, *this, other);
}

}  // namespace ember
