#include "kernels/cpu/compare.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/cpu/binary.h"
#include "kernels/cpu/convert.h"

namespace ember::kernels {

namespace {

template <typename T>
inline constexpr bool is_float_v = !std::is_integral_v<T>;

// An unsigned integer of the same size: where and masked_fill only move bits.
template <size_t N>
using bits_t = std::conditional_t<
    N == 1, uint8_t,
    std::conditional_t<N == 2, uint16_t, std::conditional_t<N == 4, uint32_t, uint64_t>>>;

template <typename T, typename Op>
void compare_typed(const TensorIter& it, const Op& op) {
  using A = opmath_t<T>;
  if constexpr (is_reduced_float_v<T>) {
    cpu_kernel<bool, T, T>(
        it, [op](T a, T b) -> bool { return op(static_cast<A>(a), static_cast<A>(b)); });
  } else {
    cpu_kernel<bool, T, T>(it, op);
  }
}

// out (bool) = op(a, b) over {out, a, b}. Unlike cpu_kernel, the loop calls a
// local copy of op: stores through the bool (character type) output could
// otherwise alias op's captured values, which then reload every iteration and
// keep the loop scalar.
template <typename T, typename Op>
void bool_kernel2(const TensorIter& it, const Op& op) {
  it.for_each([&](char** data, const int64_t* s, int64_t n) {
    const Op f = op;
    bool* out = reinterpret_cast<bool*>(data[0]);
    const T* a = reinterpret_cast<const T*>(data[1]);
    const T* b = reinterpret_cast<const T*>(data[2]);
    if (s[0] == 1 && s[1] == sizeof(T) && s[2] == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<bool*>(data[0] + i * s[0]) =
          f(*reinterpret_cast<const T*>(data[1] + i * s[1]),
            *reinterpret_cast<const T*>(data[2] + i * s[2]));
  });
}

template <typename T>
void isclose_float(const TensorIter& it, double rtol_d, double atol_d, bool equal_nan) {
  using A = opmath_t<T>;
  // Half and BFloat16 round each intermediate, as PyTorch's composite isclose does.
  auto r = [](A x) -> A { return static_cast<A>(T(x)); };
  const A rtol = r(static_cast<A>(rtol_d)), atol = r(static_cast<A>(atol_d));
  // Zero tolerances: only equality counts (an infinite rtol * b would otherwise).
  const bool tolerant = !(rtol_d == 0 && atol_d == 0);
  // Branch-free (& and |, not && and ||) so that the loop vectorises.
  bool_kernel2<T>(it, [=](T ta, T tb) -> bool {
    const A a = static_cast<A>(ta), b = static_cast<A>(tb);
    const A allowed = r(atol + r(std::abs(r(rtol * b))));
    const A actual = r(std::abs(r(a - b)));
    const bool close = tolerant & (actual <= allowed) & (actual != A(INFINITY));
    return (a == b) | (equal_nan & (a != a) & (b != b)) | close;
  });
}

// Integers: the difference is taken in the input dtype (wrapping, as PyTorch),
// the tolerance in the default floating dtype Acc.
template <typename T, typename Acc>
void isclose_int(const TensorIter& it, double rtol_d, double atol_d) {
  const Acc rtol = static_cast<Acc>(rtol_d), atol = static_cast<Acc>(atol_d);
  const bool tolerant = !(rtol_d == 0 && atol_d == 0);
  bool_kernel2<T>(it, [=](T a, T b) -> bool {
    Acc actual;
    if constexpr (std::is_same_v<T, bool>) {
      actual = std::abs(static_cast<Acc>(a) - static_cast<Acc>(b));
    } else {
      T d = wrapping_sub(a, b);
      if constexpr (std::is_signed_v<T>) d = d < 0 ? wrapping_neg(d) : d;
      actual = static_cast<Acc>(d);
    }
    const Acc allowed = atol + std::abs(rtol * static_cast<Acc>(b));
    return (a == b) | (tolerant & (actual <= allowed));
  });
}

}  // namespace

void compare_kernel(CompareOp op, const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_ALL(dtype, "compare_cpu", [&] {
    using T = std::conditional_t<std::is_same_v<scalar_t, bool>, uint8_t, scalar_t>;
    using A = opmath_t<T>;
    switch (op) {
      case CompareOp::Eq:
        return compare_typed<T>(it, [](A a, A b) -> bool { return a == b; });
      case CompareOp::Ne:
        return compare_typed<T>(it, [](A a, A b) -> bool { return a != b; });
      case CompareOp::Lt:
        return compare_typed<T>(it, [](A a, A b) -> bool { return a < b; });
      case CompareOp::Le:
        return compare_typed<T>(it, [](A a, A b) -> bool { return a <= b; });
      case CompareOp::Gt:
        return compare_typed<T>(it, [](A a, A b) -> bool { return a > b; });
      case CompareOp::Ge:
        return compare_typed<T>(it, [](A a, A b) -> bool { return a >= b; });
    }
  });
}

void logical_kernel(LogicalOp op, const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_ALL(dtype, "logical_cpu", [&] {
    // Bool read as uint8_t, and & | ^ rather than && ||: both keep the loops vectorisable.
    using T = std::conditional_t<std::is_same_v<scalar_t, bool>, uint8_t, scalar_t>;
    switch (op) {
      case LogicalOp::And:
        return cpu_kernel<bool, T, T>(
            it, [](T a, T b) -> bool { return convert<bool>(a) & convert<bool>(b); });
      case LogicalOp::Or:
        return cpu_kernel<bool, T, T>(
            it, [](T a, T b) -> bool { return convert<bool>(a) | convert<bool>(b); });
      case LogicalOp::Xor:
        return cpu_kernel<bool, T, T>(
            it, [](T a, T b) -> bool { return convert<bool>(a) ^ convert<bool>(b); });
    }
  });
}

void where_kernel(const TensorIter& it, DType dtype) {
  auto run = [&](auto tag) {
    using U = decltype(tag);
    // The condition is read as uint8_t (0 or 1): loops over bool loads do not vectorise.
    ternary_kernel<U, uint8_t, U, U>(it, [](uint8_t c, U a, U b) -> U { return c ? a : b; });
  };
  switch (element_size(dtype)) {
    case 1:
      return run(uint8_t{});
    case 2:
      return run(uint16_t{});
    case 4:
      return run(uint32_t{});
    default:
      return run(uint64_t{});
  }
}

void clamp_scalar_kernel(const TensorIter& it, DType dtype, const std::optional<Scalar>& lo,
                         const std::optional<Scalar>& hi) {
  EMBER_DISPATCH_NUMERIC(dtype, "clamp_scalar_cpu", [&] {
    using T = scalar_t;
    using A = opmath_t<T>;
    // Written as PyTorch's std::min(std::max(a, lo), hi): NaN in `a` propagates.
    auto run = [&](auto f) {
      if constexpr (is_reduced_float_v<T>) {
        cpu_kernel<T, T>(it, [f](T a) -> T { return T(f(static_cast<float>(a))); });
      } else {
        cpu_kernel<T, T>(it, f);
      }
    };
    if (lo && hi) {
      const A l = lo->to<A>(), h = hi->to<A>();
      return run([l, h](A a) -> A {
        const A m = a < l ? l : a;
        return h < m ? h : m;
      });
    }
    if (lo) {
      const A l = lo->to<A>();
      return run([l](A a) -> A { return a < l ? l : a; });
    }
    const A h = hi->to<A>();
    return run([h](A a) -> A { return h < a ? h : a; });
  });
}

void clamp_tensor_kernel(const TensorIter& it, DType dtype) {
  EMBER_DISPATCH_NUMERIC(dtype, "clamp_cpu", [&] {
    using T = scalar_t;
    using A = opmath_t<T>;
    ternary_kernel<T, T, T, T>(it, [](T ta, T tl, T th) -> T {
      const A a = static_cast<A>(ta), l = static_cast<A>(tl), h = static_cast<A>(th);
      if constexpr (is_float_v<T>) {
        if (l != l || h != h) return T(std::numeric_limits<A>::quiet_NaN());
      }
      const A m = a < l ? l : a;
      return T(h < m ? h : m);
    });
  });
}

void masked_fill_kernel(const TensorIter& it, DType dtype, const Scalar& value) {
  EMBER_DISPATCH_ALL(dtype, "masked_fill", [&] {
    using U = bits_t<sizeof(scalar_t)>;
    const scalar_t v = value.to<scalar_t>();
    U vb;
    std::memcpy(&vb, &v, sizeof(U));
    // Branch-free select (the mask is 0 or 1): GCC leaves `m ? vb : a` as a scalar loop here.
    cpu_kernel<U, U, uint8_t>(it, [vb](U a, uint8_t m) -> U {
      const U sel = static_cast<U>(U(0) - U(m));
      return static_cast<U>((vb & sel) | (a & static_cast<U>(~sel)));
    });
  });
}

void isclose_kernel(const TensorIter& it, DType dtype, double rtol, double atol, bool equal_nan) {
  const bool dbl = get_default_dtype() == DType::Float64;
  EMBER_DISPATCH_ALL(dtype, "isclose", [&] {
    using T = scalar_t;
    if constexpr (is_float_v<T>) {
      isclose_float<T>(it, rtol, atol, equal_nan);
    } else if (dbl) {
      isclose_int<T, double>(it, rtol, atol);
    } else {
      isclose_int<T, float>(it, rtol, atol);
    }
  });
}

}  // namespace ember::kernels
