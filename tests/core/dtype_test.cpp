// dtypes: properties, names, parsing, PyTorch's promotion table and result_type
// categories, Scalar kinds, the dispatch macros and the 16-bit float types.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ops/op_utils.h"
#include "support/expect.h"

using namespace ember;

namespace {
const DType kAll[] = {kBool,  kUInt8,   kInt8,     kInt16,   kInt32,
                      kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};

// Restores the default dtype a test changed.
struct DefaultDtypeGuard {
  DType saved = get_default_dtype();
  ~DefaultDtypeGuard() { set_default_dtype(saved); }
};
}  // namespace

TEST(DType, Properties) {
  const size_t sizes[] = {1, 1, 1, 2, 4, 8, 2, 2, 4, 8};
  const bool floating[] = {false, false, false, false, false, false, true, true, true, true};
  const bool integral[] = {false, true, true, true, true, true, false, false, false, false};
  const bool is_signed_[] = {false, false, true, true, true, true, true, true, true, true};
  const char* names[] = {"bool",  "uint8",   "int8",     "int16",   "int32",
                         "int64", "float16", "bfloat16", "float32", "float64"};
  for (int i = 0; i < kNumDTypes; ++i) {
    const DType t = kAll[i];
    EXPECT_EQ(static_cast<int>(t), i);
    EXPECT_EQ(element_size(t), sizes[i]) << names[i];
    EXPECT_EQ(is_floating_point(t), floating[i]) << names[i];
    EXPECT_EQ(is_integral(t), integral[i]) << names[i];
    EXPECT_EQ(is_integral(t, true), integral[i] || t == kBool) << names[i];
    EXPECT_EQ(is_signed(t), is_signed_[i]) << names[i];
    EXPECT_STREQ(dtype_name(t), names[i]);
    EXPECT_EQ(to_string(t), std::string("torch.") + names[i]);
    std::ostringstream os;
    os << t;
    EXPECT_EQ(os.str(), std::string("torch.") + names[i]);
    EXPECT_EQ(parse_dtype(names[i]), t);
    EXPECT_EQ(parse_dtype(std::string("torch.") + names[i]), t);
    Tensor z = zeros({2}, {.dtype = t});
    EXPECT_EQ(z.is_floating_point(), floating[i]);
    EXPECT_EQ(z.is_signed(), is_signed_[i]);
    EXPECT_EQ(z.element_size(), sizes[i]);
    EXPECT_EQ(z.itemsize(), sizes[i]);
  }
  EXPECT_EQ(kHalf, kFloat16);
  EXPECT_EQ(kFloat, kFloat32);
  EXPECT_EQ(kDouble, kFloat64);
  EXPECT_EQ(kLong, kInt64);
  EXPECT_EQ(kInt, kInt32);
  EXPECT_EQ(dtype_of<float>, kFloat32);
  EXPECT_EQ(dtype_of<Half>, kFloat16);
  EXPECT_EQ(dtype_of<BFloat16>, kBFloat16);
  EXPECT_EQ(dtype_of<bool>, kBool);
  EXPECT_EQ(dtype_of<uint8_t>, kUInt8);
  EXPECT_EQ(dtype_of<int64_t>, kInt64);
  EXPECT_TRUE((std::is_same_v<opmath_t<Half>, float>));
  EXPECT_TRUE((std::is_same_v<opmath_t<BFloat16>, float>));
  EXPECT_TRUE((std::is_same_v<opmath_t<double>, double>));
}

TEST(DType, ParseAliasesAndErrors) {
  EXPECT_EQ(parse_dtype("half"), kFloat16);
  EXPECT_EQ(parse_dtype("torch.float"), kFloat32);
  EXPECT_EQ(parse_dtype("double"), kFloat64);
  EXPECT_EQ(parse_dtype("long"), kInt64);
  EXPECT_EQ(parse_dtype("int"), kInt32);
  EXPECT_EQ(parse_dtype("short"), kInt16);
  EXPECT_EQ(parse_dtype("torch.bool"), kBool);
  EXPECT_THROW_MSG(parse_dtype("complex64"), ValueError, "unknown dtype 'complex64'");
  EXPECT_THROW(parse_dtype(""), ValueError);
  EXPECT_THROW(parse_dtype("Float32"), ValueError);
  EXPECT_THROW(parse_dtype("torch."), ValueError);
}

TEST(DType, PromoteTypesKeyPairs) {
  EXPECT_EQ(promote_types(kUInt8, kInt8), kInt16);
  EXPECT_EQ(promote_types(kInt8, kUInt8), kInt16);
  EXPECT_EQ(promote_types(kUInt8, kInt16), kInt16);
  EXPECT_EQ(promote_types(kUInt8, kInt64), kInt64);
  EXPECT_EQ(promote_types(kBool, kUInt8), kUInt8);
  EXPECT_EQ(promote_types(kBool, kFloat16), kFloat16);
  EXPECT_EQ(promote_types(kInt8, kInt32), kInt32);
  EXPECT_EQ(promote_types(kInt64, kFloat16), kFloat16);
  EXPECT_EQ(promote_types(kUInt8, kBFloat16), kBFloat16);
  EXPECT_EQ(promote_types(kFloat16, kBFloat16), kFloat32);
  EXPECT_EQ(promote_types(kBFloat16, kFloat16), kFloat32);
  EXPECT_EQ(promote_types(kFloat16, kFloat32), kFloat32);
  EXPECT_EQ(promote_types(kBFloat16, kFloat64), kFloat64);
  EXPECT_EQ(promote_types(kInt64, kFloat32), kFloat32);
  for (DType a : kAll) {
    EXPECT_EQ(promote_types(a, a), a);
    EXPECT_EQ(promote_types(a, kBool), a);
    for (DType b : kAll) {
      const DType r = promote_types(a, b);
      EXPECT_EQ(r, promote_types(b, a)) << a << " " << b;
      // The result holds both: never smaller, floating if either is.
      if (is_floating_point(a) || is_floating_point(b)) {
        EXPECT_TRUE(is_floating_point(r));
      }
      EXPECT_GE(element_size(r), std::min(element_size(a), element_size(b)));
    }
  }
}

TEST(DType, ResultTypeCategories) {
  DefaultDtypeGuard guard;
  const Tensor i32 = zeros({2}, {.dtype = kInt32});
  const Tensor u8 = zeros({2}, {.dtype = kUInt8});
  const Tensor f16 = zeros({2}, {.dtype = kFloat16});
  const Tensor b = zeros({2}, {.dtype = kBool});
  const Tensor f64_0d = zeros({}, {.dtype = kFloat64});
  const Tensor i64_0d = zeros({}, {.dtype = kInt64});
  const Tensor i8_0d = zeros({}, {.dtype = kInt8});
  const Tensor b_0d = zeros({}, {.dtype = kBool});
  // Same category: the dim > 0 tensor decides.
  EXPECT_EQ(ops::result_type(i32, i64_0d), kInt32);
  EXPECT_EQ(ops::result_type(u8, i8_0d), kUInt8);
  EXPECT_EQ(ops::result_type(f16, f64_0d), kFloat16);
  // A higher category in the 0-dim tensor wins, promoted with the dim tensor's type.
  EXPECT_EQ(ops::result_type(i32, f64_0d), kFloat64);
  EXPECT_EQ(ops::result_type(b, i8_0d), kInt8);
  EXPECT_EQ(ops::result_type(b, b_0d), kBool);
  // Two 0-dim tensors promote normally.
  EXPECT_EQ(ops::result_type(i8_0d, f64_0d), kFloat64);
  EXPECT_EQ(ops::result_type(i64_0d, b_0d), kInt64);
  // Python scalars: int -> int64, float -> the default dtype, bool -> bool.
  EXPECT_EQ(ops::result_type(i32, Scalar(1)), kInt32);
  EXPECT_EQ(ops::result_type(i32, Scalar(1.5)), kFloat32);
  EXPECT_EQ(ops::result_type(u8, Scalar(true)), kUInt8);
  EXPECT_EQ(ops::result_type(b, Scalar(1)), kInt64);
  EXPECT_EQ(ops::result_type(b, Scalar(2.5)), kFloat32);
  EXPECT_EQ(ops::result_type(f16, Scalar(2.5)), kFloat16);
  EXPECT_EQ(ops::result_type(i64_0d, Scalar(2.5)), kFloat32);
  EXPECT_EQ(ops::result_type(f64_0d, Scalar(2.5)), kFloat64);
  EXPECT_EQ(ops::result_type(b_0d, Scalar(3)), kInt64);
  EXPECT_EQ(ops::result_type({}, std::vector<Scalar>{Scalar(1), Scalar(2.0)}), kFloat32);
  EXPECT_EQ(ops::result_type({}, std::vector<Scalar>{Scalar(true), Scalar(2)}), kInt64);
  EXPECT_EQ(
      ops::result_type(std::vector<Tensor>{i32, f64_0d, u8}, std::vector<Scalar>{Scalar(1.0)}),
      kFloat64);
  EXPECT_EQ(ops::result_type(std::vector<Tensor>{u8, i8_0d, Tensor()}), kUInt8);
  set_default_dtype(kFloat64);
  EXPECT_EQ(ops::result_type(i32, Scalar(1.5)), kFloat64);
  EXPECT_EQ(ops::result_type(f16, Scalar(1.5)), kFloat16);
}

TEST(DType, DefaultDtype) {
  DefaultDtypeGuard guard;
  EXPECT_EQ(get_default_dtype(), kFloat32);
  EXPECT_EQ(TensorOptions{}.dtype_or_default(), kFloat32);
  set_default_dtype(kFloat64);
  EXPECT_EQ(get_default_dtype(), kFloat64);
  EXPECT_EQ(empty({1}).dtype(), kFloat64);
  set_default_dtype(kBFloat16);
  EXPECT_EQ(ones({1}).dtype(), kBFloat16);
  EXPECT_THROW_MSG(set_default_dtype(kInt64), TypeError,
                   "only floating-point types are supported as the default type, got torch.int64");
  EXPECT_THROW(set_default_dtype(kBool), TypeError);
  EXPECT_EQ(get_default_dtype(), kBFloat16);
}

TEST(DType, ScalarKinds) {
  Scalar i(3), f(2.5), b(true), h(Half(1.5f)), n(int8_t{-4}), d;
  EXPECT_TRUE(i.is_integral());
  EXPECT_EQ(i.natural_dtype(), kInt64);
  EXPECT_TRUE(f.is_floating_point());
  EXPECT_EQ(f.natural_dtype(), kFloat64);
  EXPECT_TRUE(b.is_bool());
  EXPECT_EQ(b.natural_dtype(), kBool);
  EXPECT_TRUE(h.is_floating_point());
  EXPECT_EQ(h.to_double(), 1.5);
  EXPECT_EQ(n.to_long(), -4);
  EXPECT_EQ(d.to_long(), 0);
  EXPECT_EQ(f.to<int>(), 2);
  EXPECT_EQ(Scalar(-2.7).to<int64_t>(), -2);
  EXPECT_EQ(f.to<bool>(), true);
  EXPECT_EQ(Scalar(0.0).to<bool>(), false);
  EXPECT_EQ(static_cast<float>(Scalar(0.1).to<Half>()), static_cast<float>(Half(0.1f)));
  EXPECT_EQ((-i).to_long(), -3);
  EXPECT_EQ((-f).to_double(), -2.5);
  EXPECT_EQ(i.str(), "3");
  EXPECT_EQ(b.str(), "True");
  EXPECT_EQ(Scalar(false).str(), "False");
  EXPECT_EQ(f.str(), "2.5");
}

TEST(DType, DispatchMacros) {
  auto size_of = [](DType t) {
    return EMBER_DISPATCH_ALL(t, "size_of", [&] { return sizeof(scalar_t); });
  };
  for (DType t : kAll) EXPECT_EQ(size_of(t), element_size(t));
  auto numeric = [](DType t) {
    return EMBER_DISPATCH_NUMERIC(t, "my_op", [&] { return static_cast<int>(dtype_of<scalar_t>); });
  };
  EXPECT_EQ(numeric(kInt16), static_cast<int>(kInt16));
  EXPECT_THROW_MSG(numeric(kBool), TypeError, "\"my_op\" not implemented for '");
  auto floating = [](DType t) {
    return EMBER_DISPATCH_FLOATING(t, "float_op",
                                   [&] { return std::is_floating_point_v<opmath_t<scalar_t>>; });
  };
  EXPECT_TRUE(floating(kBFloat16));
  EXPECT_TRUE(floating(kFloat64));
  EXPECT_THROW_MSG(floating(kInt32), TypeError, "\"float_op\" not implemented for 'Int'");
  auto integral = [](DType t) {
    return EMBER_DISPATCH_INTEGRAL(t, "bit_op", [&] { return std::is_integral_v<scalar_t>; });
  };
  EXPECT_TRUE(integral(kBool));
  EXPECT_TRUE(integral(kUInt8));
  EXPECT_THROW(integral(kFloat16), TypeError);
}

TEST(DType, HalfAndBFloat16Bits) {
  EXPECT_EQ(Half(0.1f).x, 0x2E66);
  EXPECT_EQ(Half(1.0f).x, 0x3C00);
  EXPECT_EQ(Half(-2.0f).x, 0xC000);
  EXPECT_EQ(Half(65504.f).x, 0x7BFF);
  EXPECT_EQ(Half(65520.f).x, 0x7C00);  // rounds to inf
  EXPECT_EQ(Half(5.9604645e-8f).x, 0x0001);
  EXPECT_EQ(Half(2.9e-8f).x, 0x0000);
  EXPECT_EQ(Half(-0.0f).x, 0x8000);
  EXPECT_EQ(Half(std::numeric_limits<float>::infinity()).x, 0x7C00);
  EXPECT_TRUE(std::isnan(static_cast<float>(Half(std::nanf("")))));
  EXPECT_EQ(static_cast<float>(Half::from_bits(0x3555)), 0.333251953125f);
  EXPECT_EQ(static_cast<float>(Half::from_bits(0x0400)), 6.103515625e-05f);  // smallest normal
  EXPECT_EQ(static_cast<float>(Half::from_bits(0x03FF)), 6.097555160522461e-05f);
  EXPECT_EQ(Half(2049.f).x, Half(2048.f).x);  // ties to even
  EXPECT_EQ(Half(2051.f).x, Half(2052.f).x);
  // bfloat16 keeps float's exponent range, rounding to nearest even.
  EXPECT_EQ(BFloat16(0.1f).x, 0x3DCD);
  EXPECT_EQ(BFloat16(1.0f).x, 0x3F80);
  EXPECT_EQ(BFloat16(3.4e38f).x, 0x7F80);
  EXPECT_EQ(BFloat16(std::nanf("")).x, 0x7FC0);
  EXPECT_EQ(BFloat16(-std::numeric_limits<float>::infinity()).x, 0xFF80);
  EXPECT_EQ(BFloat16(257.f).x, BFloat16(256.f).x);
  EXPECT_EQ(BFloat16(259.f).x, BFloat16(260.f).x);
  EXPECT_EQ(static_cast<float>(BFloat16::from_bits(0x3F81)), 1.0078125f);
  EXPECT_EQ(static_cast<float>(BFloat16(1e-8f)), 1.0011717677116394e-08f);
}

TEST(Scalar, CheckedConversionMatchesPyTorch) {
  EXPECT_THROW_MSG(full({2}, 300, {.dtype = kUInt8}), RuntimeError,
                   "value cannot be converted to type uint8_t without overflow");
  EXPECT_EQ(full({1}, -1, {.dtype = kUInt8}).item().to_long(), 255);  // wraps, as in PyTorch
  EXPECT_THROW(full({1}, -256, {.dtype = kUInt8}), RuntimeError);
  EXPECT_THROW(full({1}, 255.5, {.dtype = kUInt8}), RuntimeError);
  EXPECT_THROW_MSG(full({1}, 40000, {.dtype = kInt16}), RuntimeError, "int16_t");
  EXPECT_THROW_MSG(zeros({2}, {.dtype = kInt8}).fill_(200), RuntimeError, "int8_t");
  EXPECT_THROW_MSG(full({1}, 1e300, {.dtype = kFloat32}), RuntimeError,
                   "value cannot be converted to type float without overflow");
  EXPECT_THROW_MSG(full({1}, 65519.0, {.dtype = kFloat16}), RuntimeError, "at::Half");
  EXPECT_THROW_MSG(full({1}, 1e39, {.dtype = kBFloat16}), RuntimeError, "at::BFloat16");
  EXPECT_TRUE(std::isinf(full({1}, INFINITY, {.dtype = kFloat16}).item().to_double()));
  EXPECT_EQ(full({1}, 2.7, {.dtype = kInt64}).item().to_long(), 2);
  Tensor t = zeros({3}, {.dtype = kInt8});
  EXPECT_THROW(t.fill_(1000), RuntimeError);
  EXPECT_EQ(t.tolist<int64_t>(), std::vector<int64_t>({0, 0, 0}));  // untouched
}

TEST(Factory, FromVectorChecksSize) {
  EXPECT_THROW_MSG(from_vector(std::vector<float>{1, 2, 3}, {2, 2}), RuntimeError,
                   "shape '[2, 2]' is invalid for input of size 3");
  EXPECT_TRUE(tensor({1.f, 2.f}, {.device = kMeta}).is_meta());
}
