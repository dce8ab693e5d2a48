#include "kernels/cpu/binary.h"

#include <atomic>
#include <cmath>
#include <limits>

#include "kernels/cpu/convert.h"

namespace ember::kernels {

namespace {

template <typename T>
inline constexpr bool is_float_v = !std::is_integral_v<T>;  // Half, BFloat16, float, double

// out = f(a, b) with f evaluated in opmath_t (float for Half/BFloat16), rounded once on store.
template <typename T, typename F>
void run2(const TensorIter& it, const F& f) {
  if constexpr (std::is_same_v<T, Half>) {
    reduced_kernel2<T>(it, f);
  } else if constexpr (is_reduced_float_v<T>) {  // BFloat16 widens with integer ops: vectorises
                                                 // inline
    cpu_kernel<T, T, T>(
        it, [f](T a, T b) -> T { return T(f(static_cast<float>(a), static_cast<float>(b))); });
  } else {
    cpu_kernel<T, T, T>(it, f);
  }
}

template <typename T, typename F>
void run1(const TensorIter& it, const F& f) {
  if constexpr (std::is_same_v<T, Half>) {
    reduced_kernel1<T>(it, f);
  } else if constexpr (is_reduced_float_v<T>) {  // BFloat16 widens with integer ops: vectorises
                                                 // inline
    cpu_kernel<T, T>(it, [f](T a) -> T { return T(f(static_cast<float>(a))); });
  } else {
    cpu_kernel<T, T>(it, f);
  }
}

// ---- the division family (PyTorch's semantics, including its IEEE results for b == 0)

template <typename T>
T div_trunc_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return wrapping_neg(a);  // INT_MIN / -1 wraps instead of trapping
  }
  return static_cast<T>(a / b);
}

template <typename T>
T div_floor_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return wrapping_neg(a);
    T q = static_cast<T>(a / b);
    const T r = static_cast<T>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) --q;
    return q;
  } else {
    return static_cast<T>(a / b);
  }
}

template <typename T>
T remainder_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return 0;
    T r = static_cast<T>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    return static_cast<T>(a % b);
  }
}

template <typename T>
T fmod_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return 0;
  }
  return static_cast<T>(a % b);
}

// Floor division that agrees with Python's // on floats: computed from fmod so
// that a // b * b + a % b == a holds as closely as floating point allows.
template <typename A>
A div_floor_float(A a, A b) {
  if (b == 0) return a / b;
  const A mod = std::fmod(a, b);
  A div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= A(1);
  if (div == 0) return std::copysign(A(0), a / b);
  A fl = std::floor(div);
  if (div - fl > A(0.5)) fl += A(1);
  return fl;
}

template <typename A>
A remainder_float(A a, A b) {
  A mod = std::fmod(a, b);
  if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
  return mod;
}

// Integer power by squaring, wrapping on overflow; negative exponents give
// 1 / a**|b| truncated (so 0 unless a is 1 or -1), as PyTorch's powi.
template <typename T>
T powi(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) {
      if (a == 1) return 1;
      if (a == -1) return (b % 2) ? T(-1) : T(1);
      return 0;
    }
  }
  T result = 1;
  while (b) {
    if (b & 1) result = wrapping_mul(result, a);
    b = static_cast<T>(b / 2);
    a = wrapping_mul(a, a);
  }
  return result;
}

template <typename T>
T powi_u64(T a, uint64_t e) {
  T result = 1;
  while (e) {
    if (e & 1) result = wrapping_mul(result, a);
    e >>= 1;
    a = wrapping_mul(a, a);
  }
  return result;
}

template <typename A>
A nan_max(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    if (a != a || b != b) return std::numeric_limits<A>::quiet_NaN();
  }
  return a < b ? b : a;
}
template <typename A>
A nan_min(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    if (a != a || b != b) return std::numeric_limits<A>::quiet_NaN();
  }
  return b < a ? b : a;
}

const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "add_cpu";
    case BinaryOp::Sub:
      return "sub_cpu";
    case BinaryOp::AddAlpha:
      return "add_cpu";
    case BinaryOp::Mul:
      return "mul_cpu";
    case BinaryOp::Div:
      return "div_true_cpu";
    case BinaryOp::DivTrunc:
      return "div_trunc_cpu";
    case BinaryOp::DivFloor:
      return "div_floor_cpu";
    case BinaryOp::Remainder:
      return "remainder_cpu";
    case BinaryOp::Fmod:
      return "fmod_cpu";
    case BinaryOp::Pow:
      return "pow";
    case BinaryOp::Atan2:
      return "atan2_cpu";
    case BinaryOp::Maximum:
      return "maximum_cpu";
    case BinaryOp::Minimum:
      return "minimum_cpu";
    case BinaryOp::BitwiseAnd:
      return "bitwise_and_cpu";
    case BinaryOp::BitwiseOr:
      return "bitwise_or_cpu";
    case BinaryOp::BitwiseXor:
      return "bitwise_xor_cpu";
  }
  return "binary";
}

[[noreturn]] void binary_not_implemented(BinaryOp op, DType dtype) {
  throw TypeError(detail::str_cat("\"", binary_op_name(op), "\" not implemented for '",
                                  scalar_type_name(dtype), "'"));
}

// Bool tensors hold 0 or 1 in a byte; the loops read them as uint8_t, which the
// compiler vectorises (it does not vectorise loads of bool).
void binary_bool(BinaryOp op, const TensorIter& it, const Scalar& alpha) {
  using U = uint8_t;
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::BitwiseOr:
    case BinaryOp::Maximum:
      return cpu_kernel<U, U, U>(it, [](U a, U b) -> U { return a | b; });
    case BinaryOp::Mul:
    case BinaryOp::BitwiseAnd:
    case BinaryOp::Minimum:
      return cpu_kernel<U, U, U>(it, [](U a, U b) -> U { return a & b; });
    case BinaryOp::BitwiseXor:
      return cpu_kernel<U, U, U>(it, [](U a, U b) -> U { return a ^ b; });
    case BinaryOp::AddAlpha: {
      const U al = alpha.to<bool>();
      return cpu_kernel<U, U, U>(it, [al](U a, U b) -> U { return a | (al & b); });
    }
    default:
      binary_not_implemented(op, DType::Bool);
  }
}

template <typename T>
void binary_typed(BinaryOp op, const TensorIter& it, const Scalar& alpha) {
  using A = opmath_t<T>;
  constexpr bool fl = is_float_v<T>;
  constexpr bool integral = std::is_integral_v<T>;
  switch (op) {
    case BinaryOp::Add:
      return run2<T>(it, [](A a, A b) -> A { return wrapping_add(a, b); });
    case BinaryOp::Sub:
      return run2<T>(it, [](A a, A b) -> A { return wrapping_sub(a, b); });
    case BinaryOp::AddAlpha: {
      const A al = alpha.to<A>();
      return run2<T>(it, [al](A a, A b) -> A { return wrapping_add(a, wrapping_mul(al, b)); });
    }
    case BinaryOp::Mul:
      return run2<T>(it, [](A a, A b) -> A { return wrapping_mul(a, b); });
    case BinaryOp::Div:
      if constexpr (fl) return run2<T>(it, [](A a, A b) -> A { return a / b; });
      break;
    case BinaryOp::DivTrunc:
      if constexpr (fl)
        return run2<T>(it, [](A a, A b) -> A { return std::trunc(a / b); });
      else
        return run2<T>(it, [](T a, T b) -> T { return div_trunc_int(a, b); });
    case BinaryOp::DivFloor:
      if constexpr (fl)
        return run2<T>(it, [](A a, A b) -> A { return div_floor_float(a, b); });
      else
        return run2<T>(it, [](T a, T b) -> T { return div_floor_int(a, b); });
    case BinaryOp::Remainder:
      if constexpr (fl)
        return run2<T>(it, [](A a, A b) -> A { return remainder_float(a, b); });
      else
        return run2<T>(it, [](T a, T b) -> T { return remainder_int(a, b); });
    case BinaryOp::Fmod:
      if constexpr (fl)
        return run2<T>(it, [](A a, A b) -> A { return std::fmod(a, b); });
      else
        return run2<T>(it, [](T a, T b) -> T { return fmod_int(a, b); });
    case BinaryOp::Pow:
      if constexpr (fl)
        return run2<T>(it, [](A a, A b) -> A { return std::pow(a, b); });
      else
        return run2<T>(it, [](T a, T b) -> T { return powi(a, b); });
    case BinaryOp::Atan2:
      if constexpr (fl) return run2<T>(it, [](A a, A b) -> A { return std::atan2(a, b); });
      break;
    case BinaryOp::Maximum:
      return run2<T>(it, [](A a, A b) -> A { return nan_max(a, b); });
    case BinaryOp::Minimum:
      return run2<T>(it, [](A a, A b) -> A { return nan_min(a, b); });
    case BinaryOp::BitwiseAnd:
      if constexpr (integral) return run2<T>(it, [](T a, T b) -> T { return a & b; });
      break;
    case BinaryOp::BitwiseOr:
      if constexpr (integral) return run2<T>(it, [](T a, T b) -> T { return a | b; });
      break;
    case BinaryOp::BitwiseXor:
      if constexpr (integral) return run2<T>(it, [](T a, T b) -> T { return a ^ b; });
      break;
  }
  binary_not_implemented(op, dtype_of<T>);
}

template <typename A>
A lerp_value(A s, A e, A w) {
  return std::abs(w) < A(0.5) ? s + w * (e - s) : e - (e - s) * (A(1) - w);
}

}  // namespace

void binary_kernel(BinaryOp op, const TensorIter& it, DType dtype, const Scalar& alpha) {
  if (dtype == DType::Bool) return binary_bool(op, it, alpha);
  EMBER_DISPATCH_NUMERIC(dtype, binary_op_name(op), [&] { binary_typed<scalar_t>(op, it, alpha); });
}

void pow_scalar_kernel(const TensorIter& it, DType dtype, const Scalar& exponent) {
  EMBER_DISPATCH_NUMERIC(dtype, "pow", [&] {
    using T = scalar_t;
    using A = opmath_t<T>;
    if constexpr (is_float_v<T>) {
      const double e = exponent.to<double>();
      if (e == 0.5) return run1<T>(it, [](A a) -> A { return std::sqrt(a); });
      if (e == 2.0) return run1<T>(it, [](A a) -> A { return a * a; });
      if (e == 3.0) return run1<T>(it, [](A a) -> A { return a * a * a; });
      if (e == -0.5) return run1<T>(it, [](A a) -> A { return A(1) / std::sqrt(a); });
      if (e == -1.0) return run1<T>(it, [](A a) -> A { return A(1) / a; });
      if (e == -2.0) return run1<T>(it, [](A a) -> A { return A(1) / (a * a); });
      const A ea = static_cast<A>(e);
      return run1<T>(it, [ea](A a) -> A { return std::pow(a, ea); });
    } else {
      const int64_t e = exponent.to<int64_t>();
      EMBER_CHECK(e >= 0, RuntimeError, "Integers to negative integer powers are not allowed.");
      if (e == 2) return run1<T>(it, [](T a) -> T { return wrapping_mul(a, a); });
      if (e == 3) return run1<T>(it, [](T a) -> T { return wrapping_mul(wrapping_mul(a, a), a); });
      const uint64_t ue = static_cast<uint64_t>(e);
      return run1<T>(it, [ue](T a) -> T { return powi_u64(a, ue); });
    }
  });
}

void lerp_scalar_kernel(const TensorIter& it, DType dtype, const Scalar& weight) {
  EMBER_DISPATCH_FLOATING(dtype, "lerp_kernel_scalar", [&] {
    using A = opmath_t<scalar_t>;
    const A w = weight.to<A>();
    run2<scalar_t>(it, [w](A s, A e) -> A { return lerp_value(s, e, w); });
  });
}

void lerp_tensor_kernel(const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_FLOATING(dtype, "lerp_kernel_tensor", [&] {
    using T = scalar_t;
    using A = opmath_t<T>;
    ternary_kernel<T, T, T, T>(it, [](T s, T e, T w) -> T {
      return T(lerp_value<A>(static_cast<A>(s), static_cast<A>(e), static_cast<A>(w)));
    });
  });
}

bool any_zero(const Tensor& t) {
  if (t.numel() == 0) return false;
  TensorIter it(t.sizes(), {t});
  std::atomic<bool> found{false};
  EMBER_DISPATCH_INTEGRAL(t.dtype(), "any_zero", [&] {
    it.for_each([&](char** data, const int64_t* s, int64_t n) {
      bool z = false;
      for (int64_t i = 0; i < n; ++i)
        z |= *reinterpret_cast<const scalar_t*>(data[0] + i * s[0]) == scalar_t(0);
      if (z) found.store(true, std::memory_order_relaxed);
    });
  });
  return found.load();
}

// ---- shared helpers

namespace {
// Byte range [lo, hi) of storage that t can touch.
std::pair<int64_t, int64_t> byte_span(const Tensor& t) {
  int64_t lo = t.storage_offset(), hi = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t ext = (t.sizes()[d] - 1) * t.strides()[d];
    if (ext < 0)
      lo += ext;
    else
      hi += ext;
  }
  const int64_t es = static_cast<int64_t>(t.element_size());
  return {lo * es, (hi + 1) * es};
}
}  // namespace

bool may_overlap(const Tensor& a, const Tensor& b) {
  if (a.numel() == 0 || b.numel() == 0 || a.storage() != b.storage()) return false;
  auto [alo, ahi] = byte_span(a);
  auto [blo, bhi] = byte_span(b);
  return alo < bhi && blo < ahi;
}

bool same_elements(const Tensor& a, const Tensor& b) {
  return a.storage() == b.storage() && a.storage_offset() == b.storage_offset() &&
         a.dtype() == b.dtype() && a.sizes() == b.sizes() && a.strides() == b.strides();
}

void check_no_internal_overlap(const Tensor& t) {
  bool overlap = false;
  if (!t.is_non_overlapping_and_dense())
    for (int64_t d = 0; d < t.dim(); ++d)
      if (t.strides()[d] == 0 && t.sizes()[d] > 1) overlap = true;
  EMBER_CHECK(!overlap, RuntimeError,
              "unsupported operation: more than one element of the written-to tensor refers to a "
              "single memory location. Please clone() the tensor before performing the operation.");
}

Tensor as_operand(const Tensor& t, DType dtype, IntArrayRef shape) {
  Tensor c = t.dtype() == dtype ? t : t.to(dtype);
  return c.sizes() == shape ? c : c.expand(shape);
}

}  // namespace ember::kernels
