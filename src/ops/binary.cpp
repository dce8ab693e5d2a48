// add, sub, mul, div, remainder, fmod, floor_divide, pow, atan2, maximum,
// minimum, lerp and the bitwise ops: argument checks, type promotion, output
// allocation and the autograd formulas (PyTorch's node names). The loops are in
// kernels/cpu/binary.cpp.
#include <cmath>
#include <vector>

#include "autograd/record.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/binary.h"
#include "ops/elementwise_args.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::BinaryOp;
using kernels::scalar_type_name;
using kernels::TensorIter;
using ops::alloc_out;
using ops::Arg;
using ops::check_devices;
using ops::operand;

DType promote(const Arg& a, const Arg& b) { return ops::promote({&a, &b}); }

// out (out_dtype) = kernel over a and b converted to `compute` and broadcast.
template <typename Kernel>
Tensor run_binary(const char* name, const Arg& a, const Arg& b, DType compute, DType out_dtype,
                  const Kernel& kernel) {
  const Tensor ta = a.tensor(), tb = b.tensor();
  check_devices(name, {ta, tb});
  const DimVector shape = ops::broadcast_shapes({ta, tb});
  Tensor out = alloc_out(shape, out_dtype, {ta, tb});
  if (out.is_meta() || out.numel() == 0) return out;
  kernel(TensorIter(shape, {out, operand(a, compute, shape), operand(b, compute, shape)}));
  return out;
}

void check_inplace_dtype(DType result, const Tensor& self) {
  EMBER_CHECK(ops::can_cast(result, self.dtype()), RuntimeError, "result type ",
              scalar_type_name(result), " can't be cast to the desired output type ",
              scalar_type_name(self.dtype()));
}

// self = kernel(self, b) computed in `compute`. Everything is checked before
// anything is written; an input overlapping self other than elementwise is
// copied first.
template <typename Kernel>
Tensor& run_binary_(const char* name, Tensor& self, const Arg& b, DType compute,
                    const Kernel& kernel) {
  check_inplace_dtype(compute, self);
  const Tensor tb = b.tensor();
  check_devices(name, {self, tb});
  const DimVector shape = ops::broadcast_shapes({self, tb});
  EMBER_CHECK(IntArrayRef(shape) == self.sizes(), RuntimeError, "output with shape ", self.sizes(),
              " doesn't match the broadcast shape ", shape);
  if (self.is_meta()) return self;
  if (tb.defined()) ops::check_not_meta(name, tb);
  kernels::check_no_internal_overlap(self);
  if (self.numel() == 0) return self;
  if (compute != self.dtype()) {
    return ops::write_into(self, run_binary(name, Arg(self), b, compute, compute, kernel));
  }
  Tensor xb = b.is_scalar ? ops::scalar_to_tensor(b.s, compute) : b.t;
  if (!b.is_scalar && xb.dtype() == compute && kernels::may_overlap(self, xb) &&
      !kernels::same_elements(self, xb))
    xb = xb.clone(MemoryFormat::Contiguous);
  kernel(TensorIter(shape, {self, self, kernels::as_operand(xb, compute, shape)}));
  return self;
}

auto binary_fn(BinaryOp op, DType dtype, const Scalar& alpha = 1) {
  return [op, dtype, alpha](const TensorIter& it) { kernels::binary_kernel(op, it, dtype, alpha); };
}

bool is_one(const Scalar& s) {
  return s.is_floating_point() ? s.to_double() == 1.0 : s.to_long() == 1;
}
bool is_zero(const Scalar& s) {
  return s.is_floating_point() ? s.to_double() == 0.0 : s.to_long() == 0;
}

void check_not_bool(DType dt, const char* kernel_name) {
  EMBER_CHECK(dt != DType::Bool, TypeError, "\"", kernel_name, "\" not implemented for 'Bool'");
}
void check_not_floating(DType dt, const char* kernel_name) {
  EMBER_CHECK(!is_floating_point(dt), TypeError, "\"", kernel_name, "\" not implemented for '",
              scalar_type_name(dt), "'");
}

// ---- add / sub

void check_alpha(DType dt, const Scalar& alpha) {
  EMBER_CHECK(!alpha.is_bool() || dt == DType::Bool, RuntimeError,
              "Boolean alpha only supported for Boolean results.");
  EMBER_CHECK(is_floating_point(dt) || !alpha.is_floating_point(), RuntimeError,
              "For integral input tensors, argument alpha must not be a floating point number.");
}

void check_sub(const Arg& a, const Arg& b) {
  EMBER_CHECK(a.dtype() != DType::Bool || b.dtype() != DType::Bool, RuntimeError,
              "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
              "or `logical_xor()` operator instead.");
  EMBER_CHECK(a.dtype() != DType::Bool && b.dtype() != DType::Bool, RuntimeError,
              "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
              "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
}

Tensor add_impl(const Arg& a, const Arg& b, const Scalar& alpha) {
  const DType dt = promote(a, b);
  check_alpha(dt, alpha);
  return run_binary("add", a, b, dt, dt,
                    binary_fn(is_one(alpha) ? BinaryOp::Add : BinaryOp::AddAlpha, dt, alpha));
}

Tensor& add_inplace(Tensor& self, const Arg& b, const Scalar& alpha) {
  const DType dt = promote(Arg(self), b);
  check_alpha(dt, alpha);
  return run_binary_("add_", self, b, dt,
                     binary_fn(is_one(alpha) ? BinaryOp::Add : BinaryOp::AddAlpha, dt, alpha));
}

// a - alpha * b, as a + (-alpha) * b when alpha != 1 (exact: negation is exact).
Tensor sub_impl(const Arg& a, const Arg& b, const Scalar& alpha) {
  check_sub(a, b);
  const DType dt = promote(a, b);
  check_alpha(dt, alpha);
  return run_binary(
      "sub", a, b, dt, dt,
      is_one(alpha) ? binary_fn(BinaryOp::Sub, dt) : binary_fn(BinaryOp::AddAlpha, dt, -alpha));
}

Tensor& sub_inplace(Tensor& self, const Arg& b, const Scalar& alpha) {
  check_sub(Arg(self), b);
  const DType dt = promote(Arg(self), b);
  check_alpha(dt, alpha);
  return run_binary_(
      "sub_", self, b, dt,
      is_one(alpha) ? binary_fn(BinaryOp::Sub, dt) : binary_fn(BinaryOp::AddAlpha, dt, -alpha));
}

// ---- the division family

enum class Rounding { None, Trunc, Floor };

Rounding parse_rounding(const std::string& mode) {
  if (mode.empty()) return Rounding::None;
  if (mode == "trunc") return Rounding::Trunc;
  if (mode == "floor") return Rounding::Floor;
  throw RuntimeError(detail::str_cat(
      "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", mode, "'"));
}

bool scalar_is_zero_in(const Scalar& s, DType dt) {
  return EMBER_DISPATCH_ALL(dt, "div", [&]() -> bool {
    return static_cast<double>(static_cast<opmath_t<scalar_t>>(s.to<scalar_t>())) == 0.0;
  });
}

// Integer division by zero has no IEEE answer: PyTorch raises ZeroDivisionError.
void check_divisor(const Arg& b, DType dt) {
  if (!is_integral(dt, true)) return;
  const bool zero =
      b.is_scalar ? scalar_is_zero_in(b.s, dt) : (!b.t.is_meta() && kernels::any_zero(b.t));
  EMBER_CHECK(!zero, RuntimeError, "ZeroDivisionError");
}

struct DivPlan {
  DType dtype;
  BinaryOp op;
};

DivPlan plan_div(const Arg& a, const Arg& b, const std::string& mode) {
  const Rounding r = parse_rounding(mode);
  const DType common = promote(a, b);
  if (r == Rounding::None)
    return {is_floating_point(common) ? common : get_default_dtype(), BinaryOp::Div};
  check_not_bool(common, r == Rounding::Trunc ? "div_trunc_cpu" : "div_floor_cpu");
  check_divisor(b, common);
  return {common, r == Rounding::Trunc ? BinaryOp::DivTrunc : BinaryOp::DivFloor};
}

Tensor div_impl(const Arg& a, const Arg& b, const std::string& mode) {
  const DivPlan p = plan_div(a, b, mode);
  return run_binary("div", a, b, p.dtype, p.dtype, binary_fn(p.op, p.dtype));
}

Tensor& div_inplace(Tensor& self, const Arg& b, const std::string& mode) {
  const DivPlan p = plan_div(Arg(self), b, mode);
  return run_binary_("div_", self, b, p.dtype, binary_fn(p.op, p.dtype));
}

Tensor mod_impl(const Arg& a, const Arg& b, BinaryOp op) {
  const char* name = op == BinaryOp::Remainder ? "remainder_cpu" : "fmod_cpu";
  const DType dt = promote(a, b);
  check_not_bool(dt, name);
  check_divisor(b, dt);
  return run_binary(name, a, b, dt, dt, binary_fn(op, dt));
}

// ---- pow

Tensor pow_tensor_scalar(const Tensor& base, const Scalar& e, Tensor* inplace) {
  EMBER_CHECK(!(is_integral(base.dtype(), true) && !e.is_floating_point() && e.to_long() < 0),
              RuntimeError, "Integers to negative integer powers are not allowed.");
  const DType dt = promote(Arg(base), Arg(e));
  if (inplace) check_inplace_dtype(dt, base);
  if (base.is_meta()) return inplace ? base : alloc_out(base.sizes(), dt, {base});
  if (inplace) kernels::check_no_internal_overlap(base);
  // PyTorch's shortcuts: x ** 0 is 1 (even for NaN), x ** 1 is x.
  if (is_zero(e) || is_one(e)) {
    Tensor out = inplace ? base : alloc_out(base.sizes(), dt, {base});
    if (is_zero(e))
      out.fill_(1);
    else if (!inplace)
      out.copy_(base);
    return out;
  }
  check_not_bool(dt, "pow");
  if (base.numel() == 0) return inplace ? base : alloc_out(base.sizes(), dt, {base});
  if (inplace && dt == base.dtype()) {
    kernels::pow_scalar_kernel(TensorIter(base.sizes(), {base, base}), dt, e);
    return base;
  }
  Tensor out = alloc_out(base.sizes(), dt, {base});
  kernels::pow_scalar_kernel(
      TensorIter(base.sizes(), {out, kernels::as_operand(base, dt, base.sizes())}), dt, e);
  if (inplace) return ops::write_into(*inplace, out);
  return out;
}

}  // namespace

// ---- free functions

namespace {

using autograd::FormulaNodeBase;
using autograd::variable_list;

Tensor scaled(const Tensor& g, const Scalar& alpha) { return is_one(alpha) ? g : g * alpha; }

// a + alpha * b (sign = 1) or a - alpha * b (sign = -1); `name` is PyTorch's node name.
Tensor add_sub(const Arg& a, const Arg& b, const Scalar& alpha, int sign, const char* name) {
  auto impl = [&] { return sign > 0 ? add_impl(a, b, alpha) : sub_impl(a, b, alpha); };
  if (!autograd::grad_needed(a.t, b.t)) return impl();
  Tensor out = autograd::untracked(impl);
  const Scalar k = sign > 0 ? alpha : -alpha;
  auto node = autograd::make_node(
      name,
      [k](FormulaNodeBase& n, variable_list& g) {
        return variable_list{n.needs_input_grad(0) ? g[0] : Tensor(),
                             n.needs_input_grad(1) ? scaled(g[0], k) : Tensor()};
      },
      a.t, b.t);
  autograd::set_history(out, node);
  return out;
}

Tensor mul_rec(const Arg& a, const Arg& b) {
  auto impl = [&] {
    const DType dt = promote(a, b);
    return run_binary("mul", a, b, dt, dt, binary_fn(BinaryOp::Mul, dt));
  };
  if (!autograd::grad_needed(a.t, b.t)) return impl();
  Tensor out = autograd::untracked(impl);
  const Scalar sa = a.s, sb = b.s;
  const bool a_num = a.is_scalar, b_num = b.is_scalar;
  auto node = autograd::make_node(
      "MulBackward0",
      [sa, sb, a_num, b_num](FormulaNodeBase& n, variable_list& g) {
        Tensor ga, gb;
        // saved: [other operand for a's grad, other operand for b's grad]
        if (n.needs_input_grad(0)) ga = b_num ? g[0] * sb : g[0] * n.saved(0);
        if (n.needs_input_grad(1)) gb = a_num ? g[0] * sa : g[0] * n.saved(1);
        return variable_list{ga, gb};
      },
      a.t, b.t);
  // Save what the formula reads: b for a's grad, a for b's grad.
  node->save(autograd::requires_grad(a.t) && !b_num ? b.t : Tensor());
  node->save(autograd::requires_grad(b.t) && !a_num ? a.t : Tensor());
  autograd::set_history(out, node);
  return out;
}

DimVector shape_of(const Arg& a) { return a.is_scalar ? DimVector() : DimVector(a.t.sizes()); }
TensorOptions options_of(const Tensor& g) { return {.dtype = g.dtype(), .device = g.device()}; }

// A node whose gradients are zeros (division with a rounding mode).
auto zero_grad_node(const char* name, const Arg& a, const Arg& b) {
  return autograd::make_node(
      name,
      [sa = shape_of(a), sb = shape_of(b)](FormulaNodeBase& n, variable_list& g) {
        return variable_list{n.needs_input_grad(0) ? zeros(sa, options_of(g[0])) : Tensor(),
                             n.needs_input_grad(1) ? zeros(sb, options_of(g[0])) : Tensor()};
      },
      a.t, b.t);
}

// A node for an op PyTorch has no derivative for: backward raises.
auto not_implemented_node(const char* op, const Arg& a, const Arg& b) {
  return autograd::make_node(
      "torch::autograd::NotImplemented",
      [op](FormulaNodeBase&, variable_list&) -> variable_list {
        throw RuntimeError(detail::str_cat("derivative for aten::", op, " is not implemented"));
      },
      a.t, b.t);
}

// DivBackward0: d(a / b) = g / b, -g * (out / b). saved: [b, out].
auto div_node(const Arg& a, const Arg& b) {
  return autograd::make_node(
      "DivBackward0",
      [sb = b.s, b_num = b.is_scalar](FormulaNodeBase& n, variable_list& g) {
        Tensor ga, gb;
        if (n.needs_input_grad(0)) ga = b_num ? g[0] / sb : g[0] / n.saved(0);
        if (n.needs_input_grad(1)) gb = g[0] * (n.saved(1) / n.saved(0)) * -1;
        return variable_list{ga, gb};
      },
      a.t, b.t);
}

Tensor div_rec(const Arg& a, const Arg& b, const std::string& mode) {
  if (!autograd::grad_needed(a.t, b.t)) return div_impl(a, b, mode);
  Tensor out = autograd::untracked([&] { return div_impl(a, b, mode); });
  if (!mode.empty()) {
    autograd::set_history(out, zero_grad_node("DivBackward2", a, b));
    return out;
  }
  auto node = div_node(a, b);
  node->save(b.is_scalar ? Tensor() : b.t);
  autograd::set_history(out, node);
  node->save_output(autograd::requires_grad(b.t) ? out : Tensor());
  return out;
}

// remainder (rounding = "floor") and fmod ("trunc"): d(a mod b) = g, -g * div(a, b, rounding).
Tensor mod_rec(const Arg& a, const Arg& b, BinaryOp op) {
  if (!autograd::grad_needed(a.t, b.t)) return mod_impl(a, b, op);
  Tensor out = autograd::untracked([&] { return mod_impl(a, b, op); });
  const bool rem = op == BinaryOp::Remainder;
  if (a.is_scalar) {  // remainder(Scalar, Tensor): PyTorch has no formula
    autograd::set_history(out, not_implemented_node("remainder", a, b));
    return out;
  }
  const char* name = rem ? (b.is_scalar ? "RemainderBackward0" : "RemainderBackward1")
                         : (b.is_scalar ? "FmodBackward0" : "FmodBackward1");
  auto node = autograd::make_node(
      name,
      [rem](FormulaNodeBase& n, variable_list& g) {
        Tensor gb;
        if (n.needs_input_grad(1))
          gb = g[0] * n.saved(0).div(n.saved(1), rem ? "floor" : "trunc") * -1;
        return variable_list{n.needs_input_grad(0) ? g[0] : Tensor(), gb};
      },
      a.t, b.t);
  const bool want_b = autograd::requires_grad(b.t);
  node->save(want_b ? a.t : Tensor());
  node->save(want_b ? b.t : Tensor());
  autograd::set_history(out, node);
  return out;
}

Tensor floor_divide_rec(const Arg& a, const Arg& b) {
  if (!autograd::grad_needed(a.t, b.t)) return div_impl(a, b, "floor");
  Tensor out = autograd::untracked([&] { return div_impl(a, b, "floor"); });
  autograd::set_history(out, not_implemented_node("floor_divide", a, b));
  return out;
}

// ---- pow

// d(x ** e) / dx times g (PowBackward0): 0 for e == 0 (x is then not saved),
// else g * e * x ** (e - 1).
Tensor pow_scalar_grad(const Tensor& g, const Tensor& x, const Scalar& e) {
  if (is_zero(e)) return zeros_like(g);
  const double ed = e.to_double();
  return g * (x.pow(ed - 1) * ed);
}

// PowBackward1's gradients. x: the base as it was, out: the result.
Tensor pow_base_grad(const Tensor& g, const Tensor& x, const Tensor& e) {
  return where(e.eq(0), 0, g * (e * x.pow(e - 1)));
}
Tensor pow_exponent_grad(const Tensor& g, const Tensor& x, const Tensor& e, const Tensor& out) {
  const Tensor xo = x.dtype() == out.dtype() ? x : x.to(out.dtype());
  return g * where(x.eq(0).logical_and(e.ge(0)), 0, out * xo.log());
}

// saved: [the base as it was, exponent, out]
variable_list pow_tensor_formula(FormulaNodeBase& n, variable_list& g) {
  Tensor gx, ge;
  if (n.needs_input_grad(0)) gx = pow_base_grad(g[0], n.saved(0), n.saved(1));
  if (n.needs_input_grad(1)) ge = pow_exponent_grad(g[0], n.saved(0), n.saved(1), n.saved(2));
  return variable_list{gx, ge};
}

Tensor pow_ts_rec(const Tensor& base, const Scalar& e) {
  if (!autograd::grad_needed(base)) return pow_tensor_scalar(base, e, nullptr);
  Tensor out = autograd::untracked([&] { return pow_tensor_scalar(base, e, nullptr); });
  auto node = autograd::make_node(
      "PowBackward0",
      [e](FormulaNodeBase& n, variable_list& g) {
        return variable_list{pow_scalar_grad(g[0], n.saved(0), e)};
      },
      base);
  node->save(is_zero(e) ? Tensor() : base);
  autograd::set_history(out, node);
  return out;
}

Tensor pow_tt_impl(const Tensor& base, const Tensor& exponent) {
  const DType dt = promote(base, exponent);
  check_not_bool(dt, "pow");
  return run_binary("pow", base, exponent, dt, dt, binary_fn(BinaryOp::Pow, dt));
}

Tensor pow_tt_rec(const Tensor& base, const Tensor& exponent) {
  if (!autograd::grad_needed(base, exponent)) return pow_tt_impl(base, exponent);
  Tensor out = autograd::untracked([&] { return pow_tt_impl(base, exponent); });
  auto node = autograd::make_node("PowBackward1", pow_tensor_formula, base, exponent);
  node->save(base);
  node->save(exponent);
  autograd::set_history(out, node);
  node->save_output(autograd::requires_grad(exponent) ? out : Tensor());
  return out;
}

Tensor pow_st_impl(const Scalar& base, const Tensor& exponent) {
  const DType dt = promote(base, exponent);
  if (is_one(base)) {  // 1 ** x is 1, even for NaN x
    Tensor out = alloc_out(exponent.sizes(), dt, {exponent});
    if (!out.is_meta()) out.fill_(1);
    return out;
  }
  check_not_bool(dt, "pow");
  return run_binary("pow", base, exponent, dt, dt, binary_fn(BinaryOp::Pow, dt));
}

// PowBackward2: d(b ** e) / de = out * log(b), and 0 where b == 0 and e >= 0.
Tensor pow_st_rec(const Scalar& base, const Tensor& exponent) {
  if (!autograd::grad_needed(exponent)) return pow_st_impl(base, exponent);
  Tensor out = autograd::untracked([&] { return pow_st_impl(base, exponent); });
  const bool base_zero = is_zero(base);
  const double log_base = std::log(base.to_double());
  auto node = autograd::make_node(
      "PowBackward2",
      [base_zero, log_base](FormulaNodeBase& n, variable_list& g) {
        const Tensor out = n.saved(1);
        if (base_zero) return variable_list{g[0] * where(n.saved(0).ge(0), 0, out * log_base)};
        return variable_list{g[0] * (out * log_base)};
      },
      exponent);
  node->save(base_zero ? exponent : Tensor());
  autograd::set_history(out, node);
  node->save_output(out);
  return out;
}

// ---- atan2, maximum / minimum, lerp

Tensor atan2_impl(const Tensor& a, const Tensor& b) {
  const DType common = promote(a, b);
  const DType dt = is_floating_point(common) ? common : get_default_dtype();
  return run_binary("atan2", a, b, dt, dt, binary_fn(BinaryOp::Atan2, dt));
}

Tensor atan2_rec(const Tensor& a, const Tensor& b) {
  if (!autograd::grad_needed(a, b)) return atan2_impl(a, b);
  Tensor out = autograd::untracked([&] { return atan2_impl(a, b); });
  auto node = autograd::make_node(
      "Atan2Backward0",
      [](FormulaNodeBase& n, variable_list& g) {
        const Tensor x = n.saved(0), y = n.saved(1);
        const Tensor recip = 1 / (x * x + y * y);
        Tensor ga, gb;
        if (n.needs_input_grad(0)) ga = g[0] * y * recip;
        if (n.needs_input_grad(1)) gb = g[0] * x * recip * -1;
        return variable_list{ga, gb};
      },
      a, b);
  node->save(a);
  node->save(b);
  autograd::set_history(out, node);
  return out;
}

// maximum / minimum: the gradient goes to the larger (smaller) input, half to each on ties.
Tensor max_min_rec(bool is_max, const Tensor& a, const Tensor& b) {
  auto impl = [&] {
    const DType dt = promote(a, b);
    return run_binary(is_max ? "maximum" : "minimum", a, b, dt, dt,
                      binary_fn(is_max ? BinaryOp::Maximum : BinaryOp::Minimum, dt));
  };
  if (!autograd::grad_needed(a, b)) return impl();
  Tensor out = autograd::untracked(impl);
  auto node = autograd::make_node(
      is_max ? "MaximumBackward0" : "MinimumBackward0",
      [is_max](FormulaNodeBase& n, variable_list& g) {
        const Tensor x = n.saved(0), y = n.saved(1);
        const Tensor shared = where(x.eq(y), g[0] / 2, g[0]);
        Tensor ga, gb;
        if (n.needs_input_grad(0)) ga = where(is_max ? x.lt(y) : x.gt(y), 0, shared);
        if (n.needs_input_grad(1)) gb = where(is_max ? x.gt(y) : x.lt(y), 0, shared);
        return variable_list{ga, gb};
      },
      a, b);
  node->save(a);
  node->save(b);
  autograd::set_history(out, node);
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return add_sub(a, b, alpha, 1, "AddBackward0");
}
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  return add_sub(a, b, alpha, 1, "AddBackward0");
}
Tensor add(const Scalar& a, const Tensor& b, const Scalar& alpha) {
  return add_sub(a, b, alpha, 1, "AddBackward0");
}
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return add_sub(a, b, alpha, -1, "SubBackward0");
}
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  return add_sub(a, b, alpha, -1, "SubBackward0");
}
Tensor sub(const Scalar& a, const Tensor& b, const Scalar& alpha) {
  return add_sub(a, b, alpha, -1, "RsubBackward1");
}
Tensor rsub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return add_sub(b, a, alpha, -1, "RsubBackward0");
}
Tensor rsub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  return add_sub(b, a, alpha, -1, "RsubBackward1");
}

Tensor mul(const Tensor& a, const Tensor& b) { return mul_rec(a, b); }
Tensor mul(const Tensor& a, const Scalar& b) { return mul_rec(a, b); }
Tensor mul(const Scalar& a, const Tensor& b) { return mul(b, a); }

Tensor div(const Tensor& a, const Tensor& b, const std::string& m) { return div_rec(a, b, m); }
Tensor div(const Tensor& a, const Scalar& b, const std::string& m) { return div_rec(a, b, m); }
Tensor div(const Scalar& a, const Tensor& b, const std::string& m) { return div_rec(a, b, m); }
Tensor true_divide(const Tensor& a, const Tensor& b) { return div_rec(a, b, ""); }

Tensor remainder(const Tensor& a, const Tensor& b) { return mod_rec(a, b, BinaryOp::Remainder); }
Tensor remainder(const Tensor& a, const Scalar& b) { return mod_rec(a, b, BinaryOp::Remainder); }
Tensor remainder(const Scalar& a, const Tensor& b) { return mod_rec(a, b, BinaryOp::Remainder); }
Tensor fmod(const Tensor& a, const Tensor& b) { return mod_rec(a, b, BinaryOp::Fmod); }
Tensor fmod(const Tensor& a, const Scalar& b) { return mod_rec(a, b, BinaryOp::Fmod); }
Tensor floor_divide(const Tensor& a, const Tensor& b) { return floor_divide_rec(a, b); }
Tensor floor_divide(const Tensor& a, const Scalar& b) { return floor_divide_rec(a, b); }

Tensor pow(const Tensor& base, const Tensor& exponent) { return pow_tt_rec(base, exponent); }
Tensor pow(const Tensor& base, const Scalar& exponent) { return pow_ts_rec(base, exponent); }
Tensor pow(const Scalar& base, const Tensor& exponent) { return pow_st_rec(base, exponent); }
Tensor float_power(const Tensor& base, const Tensor& exponent) {
  return pow(base.to(kFloat64), exponent.to(kFloat64));
}
Tensor float_power(const Tensor& base, const Scalar& exponent) {
  return pow(base.to(kFloat64), Scalar(exponent.to_double()));
}

namespace {

// self (+|-)= alpha * other, recorded as AddBackward0 / SubBackward0.
Tensor& add_sub_(Tensor& self, const Arg& other, const Scalar& alpha, int sign) {
  autograd::check_inplace(self, other.t);
  auto kernel = [&]() -> Tensor& {
    return sign > 0 ? add_inplace(self, other, alpha) : sub_inplace(self, other, alpha);
  };
  if (!autograd::grad_needed(self, other.t)) {
    kernel();
    autograd::finish_inplace(self);
    return self;
  }
  const Scalar k = sign > 0 ? alpha : -alpha;
  auto node = autograd::make_node(
      sign > 0 ? "AddBackward0" : "SubBackward0",
      [k](FormulaNodeBase& n, variable_list& g) {
        return variable_list{n.needs_input_grad(0) ? g[0] : Tensor(),
                             n.needs_input_grad(1) ? scaled(g[0], k) : Tensor()};
      },
      self, other.t);
  autograd::untracked(kernel);
  autograd::finish_inplace(self, node);
  return self;
}

Tensor& mul_rec_(Tensor& self, const Arg& other) {
  autograd::check_inplace(self, other.t);
  auto kernel = [&]() -> Tensor& {
    const DType dt = promote(self, other);
    return run_binary_("mul_", self, other, dt, binary_fn(BinaryOp::Mul, dt));
  };
  if (!autograd::grad_needed(self, other.t)) {
    kernel();
    autograd::finish_inplace(self);
    return self;
  }
  const Scalar so = other.s;
  const bool o_num = other.is_scalar;
  auto node = autograd::make_node(
      "MulBackward0",
      [so, o_num](FormulaNodeBase& n, variable_list& g) {
        Tensor ga, gb;
        if (n.needs_input_grad(0)) ga = o_num ? g[0] * so : g[0] * n.saved(0);
        if (n.needs_input_grad(1)) gb = g[0] * n.saved(1);
        return variable_list{ga, gb};
      },
      self, other.t);
  node->save(!o_num ? other.t : Tensor());
  // The other operand's gradient needs self as it was before the write (the
  // clone is recorded, so that double backward reaches self's history).
  node->save(autograd::requires_grad(other.t) ? self.clone() : Tensor());
  autograd::untracked(kernel);
  autograd::finish_inplace(self, node);
  return self;
}

Tensor& div_rec_(Tensor& self, const Arg& other, const std::string& mode) {
  autograd::check_inplace(self, other.t);
  auto kernel = [&]() -> Tensor& { return div_inplace(self, other, mode); };
  if (!autograd::grad_needed(self, other.t)) {
    kernel();
    autograd::finish_inplace(self);
    return self;
  }
  if (!mode.empty()) {
    auto node = zero_grad_node("DivBackward2", self, other);
    autograd::untracked(kernel);
    autograd::finish_inplace(self, node);
    return self;
  }
  auto node = div_node(self, other);
  node->save(other.is_scalar ? Tensor() : other.t);
  autograd::untracked(kernel);
  autograd::finish_inplace(self, node);
  node->save_output(autograd::requires_grad(other.t) ? self : Tensor());
  return self;
}

Tensor& pow_ts_rec_(Tensor& self, const Scalar& e) {
  autograd::check_inplace(self);
  auto kernel = [&] { return pow_tensor_scalar(self, e, &self); };
  if (!autograd::grad_needed(self)) {
    kernel();
    autograd::finish_inplace(self);
    return self;
  }
  auto node = autograd::make_node(
      "PowBackward0",
      [e](FormulaNodeBase& n, variable_list& g) {
        return variable_list{pow_scalar_grad(g[0], n.saved(0), e)};
      },
      self);
  // The base as it was (a recorded clone: double backward reaches self's history).
  node->save(is_zero(e) ? Tensor() : self.clone());
  autograd::untracked(kernel);
  autograd::finish_inplace(self, node);
  return self;
}

Tensor& pow_tt_rec_(Tensor& self, const Tensor& exponent) {
  autograd::check_inplace(self, exponent);
  auto kernel = [&]() -> Tensor& {
    const DType dt = promote(self, exponent);
    check_not_bool(dt, "pow");
    return run_binary_("pow_", self, exponent, dt, binary_fn(BinaryOp::Pow, dt));
  };
  if (!autograd::grad_needed(self, exponent)) {
    kernel();
    autograd::finish_inplace(self);
    return self;
  }
  auto node = autograd::make_node("PowBackward1", pow_tensor_formula, self, exponent);
  node->save(self.clone());  // the base as it was
  node->save(exponent);
  autograd::untracked(kernel);
  autograd::finish_inplace(self, node);
  node->save_output(autograd::requires_grad(exponent) ? self : Tensor());
  return self;
}

}  // namespace

Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  return add_sub_(self, other, alpha, 1);
}
Tensor& add_(Tensor& self, const Scalar& other, const Scalar& alpha) {
  return add_sub_(self, other, alpha, 1);
}
Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  return add_sub_(self, other, alpha, -1);
}
Tensor& sub_(Tensor& self, const Scalar& other, const Scalar& alpha) {
  return add_sub_(self, other, alpha, -1);
}
Tensor& mul_(Tensor& self, const Tensor& other) { return mul_rec_(self, other); }
Tensor& mul_(Tensor& self, const Scalar& other) { return mul_rec_(self, other); }
Tensor& div_(Tensor& self, const Tensor& other, const std::string& m) {
  return div_rec_(self, other, m);
}
Tensor& div_(Tensor& self, const Scalar& other, const std::string& m) {
  return div_rec_(self, other, m);
}
Tensor& pow_(Tensor& self, const Scalar& exponent) { return pow_ts_rec_(self, exponent); }
Tensor& pow_(Tensor& self, const Tensor& exponent) { return pow_tt_rec_(self, exponent); }

Tensor atan2(const Tensor& a, const Tensor& b) { return atan2_rec(a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return max_min_rec(true, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min_rec(false, a, b); }

namespace {
void check_lerp_dtypes(const Tensor& start, const Tensor& other, const char* what,
                       const char* kernel_name) {
  EMBER_CHECK(start.dtype() == other.dtype(), RuntimeError, "expected dtype ",
              kernels::typemeta_name(start.dtype()), " for `", what, "` but got dtype ",
              kernels::typemeta_name(other.dtype()));
  EMBER_CHECK(is_floating_point(start.dtype()), TypeError, "\"", kernel_name,
              "\" not implemented for '", scalar_type_name(start.dtype()), "'");
}
}  // namespace

namespace {

Tensor lerp_scalar_impl(const Tensor& start, const Tensor& end, const Scalar& weight) {
  check_lerp_dtypes(start, end, "end", "lerp_kernel_scalar");
  const DType dt = start.dtype();
  return run_binary("lerp", start, end, dt, dt,
                    [&](const TensorIter& it) { kernels::lerp_scalar_kernel(it, dt, weight); });
}

Tensor lerp_tensor_impl(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_lerp_dtypes(start, end, "end", "lerp_kernel_tensor");
  check_lerp_dtypes(start, weight, "weight", "lerp_kernel_tensor");
  check_devices("lerp", {start, end, weight});
  const DType dt = start.dtype();
  const DimVector shape = ops::broadcast_shapes({start, end, weight});
  Tensor out = alloc_out(shape, dt, {start, end, weight});
  if (out.is_meta() || out.numel() == 0) return out;
  kernels::lerp_tensor_kernel(TensorIter(shape, {out, kernels::as_operand(start, dt, shape),
                                                 kernels::as_operand(end, dt, shape),
                                                 kernels::as_operand(weight, dt, shape)}),
                              dt);
  return out;
}

}  // namespace

// LerpBackward0: d lerp = g * (1 - w), g * w.
Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  if (!autograd::grad_needed(start, end)) return lerp_scalar_impl(start, end, weight);
  Tensor out = autograd::untracked([&] { return lerp_scalar_impl(start, end, weight); });
  auto node = autograd::make_node(
      "LerpBackward0",
      [weight](FormulaNodeBase& n, variable_list& g) {
        return variable_list{n.needs_input_grad(0) ? g[0] * (1 - weight.to_double()) : Tensor(),
                             n.needs_input_grad(1) ? g[0] * weight : Tensor()};
      },
      start, end);
  autograd::set_history(out, node);
  return out;
}

// LerpBackward1: d lerp = g * (1 - w), g * w, g * (end - start).
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  if (!autograd::grad_needed(start, end, weight)) return lerp_tensor_impl(start, end, weight);
  Tensor out = autograd::untracked([&] { return lerp_tensor_impl(start, end, weight); });
  auto node = autograd::make_node(
      "LerpBackward1",
      [](FormulaNodeBase& n, variable_list& g) {
        Tensor gs, ge, gw;
        // saved: [start, end, weight]
        if (n.needs_input_grad(0)) gs = g[0] * (1 - n.saved(2));
        if (n.needs_input_grad(1)) ge = g[0] * n.saved(2);
        if (n.needs_input_grad(2)) gw = g[0] * (n.saved(1) - n.saved(0));
        return variable_list{gs, ge, gw};
      },
      start, end, weight);
  const bool want_w = autograd::requires_grad(weight);
  node->save(want_w ? start : Tensor());
  node->save(want_w ? end : Tensor());
  node->save(autograd::requires_grad(start) || autograd::requires_grad(end) ? weight : Tensor());
  autograd::set_history(out, node);
  return out;
}

#define EMBER_BITWISE(NAME, OP)                                          \
  Tensor NAME(const Tensor& a, const Tensor& b) {                        \
    const DType dt = promote(a, b);                                      \
    check_not_floating(dt, #NAME "_cpu");                                \
    return run_binary(#NAME, a, b, dt, dt, binary_fn(BinaryOp::OP, dt)); \
  }                                                                      \
  Tensor NAME(const Tensor& a, const Scalar& b) {                        \
    const DType dt = promote(a, b);                                      \
    check_not_floating(dt, #NAME "_cpu");                                \
    return run_binary(#NAME, a, b, dt, dt, binary_fn(BinaryOp::OP, dt)); \
  }                                                                      \
  Tensor Tensor::NAME(const Tensor& other) const { return ember::NAME(*this, other); }
EMBER_BITWISE(bitwise_and, BitwiseAnd)
EMBER_BITWISE(bitwise_or, BitwiseOr)
EMBER_BITWISE(bitwise_xor, BitwiseXor)
#undef EMBER_BITWISE

// ---- Tensor methods

Tensor Tensor::add(const Tensor& o, const Scalar& alpha) const {
  return ember::add(*this, o, alpha);
}
Tensor Tensor::add(const Scalar& o, const Scalar& alpha) const {
  return ember::add(*this, o, alpha);
}
Tensor& Tensor::add_(const Tensor& o, const Scalar& alpha) { return ember::add_(*this, o, alpha); }
Tensor& Tensor::add_(const Scalar& o, const Scalar& alpha) { return ember::add_(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, const Scalar& alpha) const {
  return ember::sub(*this, o, alpha);
}
Tensor Tensor::sub(const Scalar& o, const Scalar& alpha) const {
  return ember::sub(*this, o, alpha);
}
Tensor& Tensor::sub_(const Tensor& o, const Scalar& alpha) { return ember::sub_(*this, o, alpha); }
Tensor& Tensor::sub_(const Scalar& o, const Scalar& alpha) { return ember::sub_(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return ember::mul(*this, o); }
Tensor Tensor::mul(const Scalar& o) const { return ember::mul(*this, o); }
Tensor& Tensor::mul_(const Tensor& o) { return ember::mul_(*this, o); }
Tensor& Tensor::mul_(const Scalar& o) { return ember::mul_(*this, o); }
Tensor Tensor::div(const Tensor& o, const std::string& m) const { return ember::div(*this, o, m); }
Tensor Tensor::div(const Scalar& o, const std::string& m) const { return ember::div(*this, o, m); }
Tensor& Tensor::div_(const Tensor& o, const std::string& m) { return ember::div_(*this, o, m); }
Tensor& Tensor::div_(const Scalar& o, const std::string& m) { return ember::div_(*this, o, m); }
Tensor Tensor::remainder(const Tensor& o) const { return ember::remainder(*this, o); }
Tensor Tensor::remainder(const Scalar& o) const { return ember::remainder(*this, o); }
Tensor Tensor::fmod(const Tensor& o) const { return ember::fmod(*this, o); }
Tensor Tensor::fmod(const Scalar& o) const { return ember::fmod(*this, o); }
Tensor Tensor::floor_divide(const Tensor& o) const { return ember::floor_divide(*this, o); }
Tensor Tensor::floor_divide(const Scalar& o) const { return ember::floor_divide(*this, o); }
Tensor Tensor::pow(const Tensor& e) const { return ember::pow(*this, e); }
Tensor Tensor::pow(const Scalar& e) const { return ember::pow(*this, e); }
Tensor& Tensor::pow_(const Scalar& e) { return ember::pow_(*this, e); }
Tensor Tensor::atan2(const Tensor& o) const { return ember::atan2(*this, o); }
Tensor Tensor::maximum(const Tensor& o) const { return ember::maximum(*this, o); }
Tensor Tensor::minimum(const Tensor& o) const { return ember::minimum(*this, o); }
Tensor Tensor::lerp(const Tensor& end, const Scalar& w) const { return ember::lerp(*this, end, w); }

}  // namespace ember
