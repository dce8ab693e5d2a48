// add, sub, mul, div, remainder, fmod, floor_divide, pow, atan2, maximum,
// minimum, lerp and the bitwise ops: argument checks, type promotion and output
// allocation. The loops are in kernels/cpu/binary.cpp.
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
    self.copy_(run_binary(name, Arg(self), b, compute, compute, kernel));
    return self;
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
  if (inplace) return inplace->copy_(out);
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

Tensor div(const Tensor& a, const Tensor& b, const std::string& m) { return div_impl(a, b, m); }
Tensor div(const Tensor& a, const Scalar& b, const std::string& m) { return div_impl(a, b, m); }
Tensor div(const Scalar& a, const Tensor& b, const std::string& m) { return div_impl(a, b, m); }
Tensor true_divide(const Tensor& a, const Tensor& b) { return div_impl(a, b, ""); }

Tensor remainder(const Tensor& a, const Tensor& b) { return mod_impl(a, b, BinaryOp::Remainder); }
Tensor remainder(const Tensor& a, const Scalar& b) { return mod_impl(a, b, BinaryOp::Remainder); }
Tensor remainder(const Scalar& a, const Tensor& b) { return mod_impl(a, b, BinaryOp::Remainder); }
Tensor fmod(const Tensor& a, const Tensor& b) { return mod_impl(a, b, BinaryOp::Fmod); }
Tensor fmod(const Tensor& a, const Scalar& b) { return mod_impl(a, b, BinaryOp::Fmod); }
Tensor floor_divide(const Tensor& a, const Tensor& b) { return div_impl(a, b, "floor"); }
Tensor floor_divide(const Tensor& a, const Scalar& b) { return div_impl(a, b, "floor"); }

Tensor pow(const Tensor& base, const Tensor& exponent) {
  const DType dt = promote(base, exponent);
  check_not_bool(dt, "pow");
  return run_binary("pow", base, exponent, dt, dt, binary_fn(BinaryOp::Pow, dt));
}
Tensor pow(const Tensor& base, const Scalar& exponent) {
  return pow_tensor_scalar(base, exponent, nullptr);
}
Tensor pow(const Scalar& base, const Tensor& exponent) {
  const DType dt = promote(base, exponent);
  if (is_one(base)) {  // 1 ** x is 1, even for NaN x
    Tensor out = alloc_out(exponent.sizes(), dt, {exponent});
    if (!out.is_meta()) out.fill_(1);
    return out;
  }
  check_not_bool(dt, "pow");
  return run_binary("pow", base, exponent, dt, dt, binary_fn(BinaryOp::Pow, dt));
}
Tensor float_power(const Tensor& base, const Tensor& exponent) {
  return pow(base.to(kFloat64), exponent.to(kFloat64));
}
Tensor float_power(const Tensor& base, const Scalar& exponent) {
  return pow(base.to(kFloat64), Scalar(exponent.to_double()));
}

namespace {

// self (+|-)= alpha * other, recorded as AddBackward0 / SubBackward0.
Tensor& add_sub_(Tensor& self, const Arg& other, const Scalar& alpha, int sign) {
  autograd::check_inplace(self);
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
  autograd::check_inplace(self);
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
  // The other operand's gradient needs self as it was before the write.
  node->save(autograd::requires_grad(other.t) ? autograd::untracked([&] { return self.clone(); })
                                              : Tensor());
  autograd::untracked(kernel);
  autograd::finish_inplace(self, node);
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
  return div_inplace(self, other, m);
}
Tensor& div_(Tensor& self, const Scalar& other, const std::string& m) {
  return div_inplace(self, other, m);
}
Tensor& pow_(Tensor& self, const Scalar& exponent) {
  pow_tensor_scalar(self, exponent, &self);
  return self;
}
Tensor& pow_(Tensor& self, const Tensor& exponent) {
  const DType dt = promote(self, exponent);
  check_not_bool(dt, "pow");
  return run_binary_("pow_", self, exponent, dt, binary_fn(BinaryOp::Pow, dt));
}

Tensor atan2(const Tensor& a, const Tensor& b) {
  const DType common = promote(a, b);
  const DType dt = is_floating_point(common) ? common : get_default_dtype();
  return run_binary("atan2", a, b, dt, dt, binary_fn(BinaryOp::Atan2, dt));
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  const DType dt = promote(a, b);
  return run_binary("maximum", a, b, dt, dt, binary_fn(BinaryOp::Maximum, dt));
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  const DType dt = promote(a, b);
  return run_binary("minimum", a, b, dt, dt, binary_fn(BinaryOp::Minimum, dt));
}

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

Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  check_lerp_dtypes(start, end, "end", "lerp_kernel_scalar");
  const DType dt = start.dtype();
  return run_binary("lerp", start, end, dt, dt,
                    [&](const TensorIter& it) { kernels::lerp_scalar_kernel(it, dt, weight); });
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
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
