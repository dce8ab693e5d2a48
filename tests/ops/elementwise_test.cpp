// Elementwise ops: hand-checked values, broadcasting, type promotion, in-place
// and aliasing, layouts of the output, every dtype for a representative set,
// and every error case.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

template <typename T>
std::vector<T> vals(const Tensor& t) {
  return t.tolist<T>();
}

std::vector<int64_t> ivals(const Tensor& t) { return t.tolist<int64_t>(); }
std::vector<bool> bvals(const Tensor& t) {
  auto v = t.to(kUInt8).tolist<uint8_t>();
  return std::vector<bool>(v.begin(), v.end());
}
std::vector<int64_t> strides_of(const Tensor& t) { return t.strides().vec(); }

// Values equal within tol (NaN matches NaN, infinities match exactly).
void expect_values(const Tensor& t, const std::vector<double>& want, double tol = 1e-6) {
  auto got = t.to(kFloat64).tolist<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << ": " << got[i];
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << "element " << i;
    }
  }
}

template <typename E, typename F>
void expect_error(F&& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "expected an exception with \"" << text << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

// A 0-dim tensor.
Tensor zd(const Scalar& v, DType dt) { return scalar_tensor(v, {.dtype = dt}); }
Tensor f32(std::initializer_list<float> v) { return tensor(v); }
Tensor f64(std::initializer_list<double> v) { return tensor(v); }
Tensor i64(std::initializer_list<int64_t> v) { return tensor(v); }
Tensor i32(std::initializer_list<int32_t> v) { return tensor(v); }
Tensor u8(std::initializer_list<uint8_t> v) { return tensor(v); }
Tensor b8(std::initializer_list<bool> v) { return tensor(v); }

const std::vector<DType> kAllDTypes = {kBool,  kUInt8,   kInt8,     kInt16,   kInt32,
                                       kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};

}  // namespace

// ---- arithmetic values

TEST(elementwise, AddSubMulDivValues) {
  Tensor a = f32({1, 2, 3, 4}), b = f32({0.5, -1, 2, 8});
  expect_values(add(a, b), {1.5, 1, 5, 12});
  expect_values(sub(a, b), {0.5, 3, 1, -4});
  expect_values(mul(a, b), {0.5, -2, 6, 32});
  expect_values(div(a, b), {2, -2, 1.5, 0.5});
  expect_values(add(a, b, 2), {2, 0, 7, 20});
  expect_values(sub(a, b, 0.5), {0.75, 2.5, 2, 0});
  expect_values(a.add(1.5), {2.5, 3.5, 4.5, 5.5});
  expect_values(rsub(a, 10), {9, 8, 7, 6});
  expect_values(sub(10, a), {9, 8, 7, 6});
  expect_values(div(1, a), {1, 0.5, 1.0 / 3, 0.25});
  EXPECT_EQ(add(a, b).dtype(), kFloat32);
}

TEST(elementwise, IntegerArithmeticWraps) {
  EXPECT_EQ(ivals(add(i64({1, -2}), i64({3, 4}), 3)), (std::vector<int64_t>{10, 10}));
  // int32 max + 1 wraps as two's complement.
  Tensor m = tensor({std::numeric_limits<int32_t>::max()});
  EXPECT_EQ(vals<int32_t>(m + 1), (std::vector<int32_t>{std::numeric_limits<int32_t>::min()}));
  EXPECT_EQ(vals<uint8_t>(u8({1, 2}) + 1000), (std::vector<uint8_t>{233, 234}));
  EXPECT_EQ(vals<uint8_t>(u8({1, 2}) + (-1)), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(vals<int8_t>(tensor({int8_t(100)}) * 3), (std::vector<int8_t>{44}));
  // int32 + 2**40: the scalar is cast to int32 (0).
  EXPECT_EQ(vals<int32_t>(add(i32({2}), int64_t(1) << 40)), (std::vector<int32_t>{2}));
  // neg / abs of the minimum wrap.
  Tensor mn = tensor({std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(ivals(neg(mn)), ivals(mn));
  EXPECT_EQ(ivals(abs(mn)), ivals(mn));
}

TEST(elementwise, BoolArithmetic) {
  Tensor a = b8({true, true, false, false}), b = b8({true, false, true, false});
  EXPECT_EQ(bvals(add(a, b)), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(bvals(mul(a, b)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(add(a, b).dtype(), kBool);
  EXPECT_EQ(bvals(add(a, b, true)), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(add(a, 1).dtype(), kInt64);
  EXPECT_EQ(ivals(add(a, 1)), (std::vector<int64_t>{2, 2, 1, 1}));
  expect_values(add(a, 2.5), {3.5, 3.5, 2.5, 2.5});
  EXPECT_EQ(add(a, 2.5).dtype(), kFloat32);
  EXPECT_EQ(bvals(maximum(a, b)), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(bvals(minimum(a, b)), (std::vector<bool>{true, false, false, false}));
}

TEST(elementwise, DivisionFamilyOnNegatives) {
  Tensor a = f32({-7, 7, -7, 7, 5.5, -0.0f}), b = f32({3, -3, -3, 3, 0, 2});
  expect_values(remainder(a, b), {2, -2, -1, 1, kNaN, 0});
  expect_values(fmod(a, b), {-1, 1, -1, 1, kNaN, 0});
  EXPECT_TRUE(std::signbit(remainder(a, b).tolist<float>()[5]));  // -0 % 2 is -0
  Tensor c = f32({-7, 7, -7, 7, 1, -1, 0}), d = f32({2, -2, -2, 2, 0, 0, 0});
  expect_values(div(c, d, "floor"), {-4, -4, 3, 3, kInf, -kInf, kNaN});
  expect_values(div(c, d, "trunc"), {-3, -3, 3, 3, kInf, -kInf, kNaN});
  expect_values(floor_divide(f32({-7, 7}), 2), {-4, 3});
  expect_values(div(f32({-7.5, 7.5}), 2.5, "floor"), {-3, 3});

  Tensor ia = i64({-7, 7, -7, 7}), ib = i64({3, -3, -3, 3});
  EXPECT_EQ(ivals(remainder(ia, ib)), (std::vector<int64_t>{2, -2, -1, 1}));
  EXPECT_EQ(ivals(fmod(ia, ib)), (std::vector<int64_t>{-1, 1, -1, 1}));
  EXPECT_EQ(ivals(div(ia, ib, "floor")), (std::vector<int64_t>{-3, -3, 2, 2}));
  EXPECT_EQ(ivals(div(ia, ib, "trunc")), (std::vector<int64_t>{-2, -2, 2, 2}));
  EXPECT_EQ(ivals(floor_divide(ia, 2)), (std::vector<int64_t>{-4, 3, -4, 3}));
  EXPECT_EQ(ivals(remainder(5, i64({3, -3}))), (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(div(ia, ib, "floor").dtype(), kInt64);
  // True division of integers gives the default float dtype.
  EXPECT_EQ(div(ia, ib).dtype(), kFloat32);
  expect_values(div(i64({2, 3}), 0), {kInf, kInf});
  expect_values(div(zd(2, kInt64), zd(4, kInt64)), {0.5});
  // Mixed int tensor and float scalar.
  expect_values(floor_divide(i64({-7, 7}), 2.5), {-3, 2});
  expect_values(remainder(i64({-7, 7}), 2.5), {0.5, 2});
  // INT_MIN // -1 and % -1 wrap instead of trapping.
  Tensor mn = tensor({std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(ivals(div(mn, -1, "floor")), ivals(mn));
  EXPECT_EQ(ivals(div(mn, -1, "trunc")), ivals(mn));
  EXPECT_EQ(ivals(remainder(mn, -1)), (std::vector<int64_t>{0}));
  EXPECT_EQ(ivals(fmod(mn, -1)), (std::vector<int64_t>{0}));
}

TEST(elementwise, IntegerDivisionByZeroThrows) {
  expect_error<RuntimeError>([] { div(i64({1, 2}), i64({0, 1}), "trunc"); }, "ZeroDivisionError");
  expect_error<RuntimeError>([] { div(i64({1, 2}), 0, "floor"); }, "ZeroDivisionError");
  expect_error<RuntimeError>([] { remainder(i64({1, 2}), i64({1, 0})); }, "ZeroDivisionError");
  expect_error<RuntimeError>([] { fmod(i64({1, 2}), 0); }, "ZeroDivisionError");
  expect_error<RuntimeError>(
      [] {
        floor_divide(i32({1, 2}), b8({true, false}));
      },
      "ZeroDivisionError");
  // 256 becomes 0 in uint8.
  expect_error<RuntimeError>([] { remainder(u8({1, 2}), 256); }, "ZeroDivisionError");
  // In place: nothing written.
  Tensor x = i64({5, 6});
  EXPECT_THROW(x.div_(i64({1, 0}), "floor"), RuntimeError);
  EXPECT_EQ(ivals(x), (std::vector<int64_t>{5, 6}));
}

TEST(elementwise, Pow) {
  expect_values(pow(f32({2, 0, -8, 4}), f32({0.5, -1, 1.0f / 3, 2})),
                {std::sqrt(2.0), kInf, kNaN, 16});
  EXPECT_EQ(ivals(pow(i64({2, 1, -1, -1, 0, 3}), i64({-1, -1, -1, -2, -1, 0}))),
            (std::vector<int64_t>{0, 1, -1, 1, 0, 1}));
  EXPECT_EQ(vals<int8_t>(pow(tensor({int8_t(2), int8_t(3)}), tensor({int8_t(7), int8_t(5)}))),
            (std::vector<int8_t>{-128, -13}));
  expect_values(pow(i64({2, 3}), 2.5), {std::pow(2, 2.5), std::pow(3, 2.5)});
  EXPECT_EQ(pow(i64({2, 3}), 2.5).dtype(), kFloat32);
  EXPECT_EQ(ivals(pow(2, i64({2, 3}))), (std::vector<int64_t>{4, 8}));
  expect_values(pow(2.5, i64({2, 3})), {6.25, 15.625});
  EXPECT_EQ(ivals(pow(b8({true, false}), 2)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(pow(u8({2, 3}), 0).dtype(), kUInt8);
  EXPECT_EQ(vals<uint8_t>(pow(u8({2, 3}), 0)), (std::vector<uint8_t>{1, 1}));
  expect_values(pow(f32({(float)kNaN}), 0), {1});
  expect_values(pow(1, f32({(float)kNaN, 2})), {1, 1});
  expect_values(pow(f32({4, -0.0f, 2}), 0.5), {2, 0, std::sqrt(2.0)});
  expect_values(pow(f32({4, 2}), -0.5), {0.5, 1 / std::sqrt(2.0)});
  expect_values(pow(f32({4, 2}), -1), {0.25, 0.5});
  expect_values(pow(f32({4, 2}), -2), {1.0 / 16, 0.25});
  expect_values(pow(f32({4, 2}), 3), {64, 8});
  expect_values(pow(f32({4, 2}), 1.5), {8, std::pow(2, 1.5)});
  EXPECT_EQ(ivals(pow(i64({3, -2}), 3)), (std::vector<int64_t>{27, -8}));
  EXPECT_EQ(ivals(pow(i64({3, -2}), 5)), (std::vector<int64_t>{243, -32}));
  EXPECT_EQ(ivals(square(i64({3, -2}))), (std::vector<int64_t>{9, 4}));
  EXPECT_EQ(square(b8({true})).dtype(), kInt64);
  Tensor x = f32({2, 3});
  x.pow_(2);
  expect_values(x, {4, 9});
  expect_error<RuntimeError>(
      [] {
        pow(i64({2, 3}), -1);
      },
      "Integers to negative integer powers are not allowed.");
  expect_error<TypeError>([] { pow(b8({true}), b8({true})); },
                          "\"pow\" not implemented for 'Bool'");
  Tensor xi = i64({1, 2});
  expect_error<RuntimeError>([&] { xi.pow_(2.5); },
                             "result type Float can't be cast to the desired output type Long");
  expect_values(float_power(i64({2}), 3), {8});
  EXPECT_EQ(float_power(i64({2}), 3).dtype(), kFloat64);
}

TEST(elementwise, Atan2MaxMinLerp) {
  expect_values(atan2(i64({1, 2}), i64({1, 0})), {M_PI / 4, M_PI / 2});
  EXPECT_EQ(atan2(i64({1}), i64({1})).dtype(), kFloat32);
  expect_values(maximum(f32({1, (float)kNaN, 3}), f32({(float)kNaN, 1, 2})), {kNaN, kNaN, 3});
  expect_values(minimum(f32({1, (float)kNaN, 3}), f32({(float)kNaN, 1, 2})), {kNaN, kNaN, 2});
  expect_values(maximum(i32({5, -5, 7}), f32({1.5})), {5, 1.5, 7});
  EXPECT_EQ(maximum(i32({5}), f32({1.5})).dtype(), kFloat32);
  expect_values(lerp(f32({1, 2}), f32({3, 5}), 0.5), {2, 3.5});
  expect_values(lerp(f32({1, 2}), f32({3, 5}), 2), {5, 8});
  expect_values(lerp(f32({1, 2}), f32({3, 5}), f32({0.5, 0.75})), {2, 4.25});
  expect_values(f32({1, 2}).lerp(f32({3, 5}), 0.75), {2.5, 4.25});
  expect_error<RuntimeError>([] { lerp(f32({1}), f64({1}), 0.5); },
                             "expected dtype float for `end` but got dtype double");
  expect_error<RuntimeError>([] { lerp(f32({1}), f32({1}), i64({1})); },
                             "expected dtype float for `weight` but got dtype long int");
  expect_error<TypeError>([] { lerp(i64({1}), i64({1}), 0.5); },
                          "\"lerp_kernel_scalar\" not implemented for 'Long'");
}

TEST(elementwise, BitwiseAndLogical) {
  Tensor a = i64({12, -1, 0}), b = i64({10, 5, 7});
  EXPECT_EQ(ivals(bitwise_and(a, b)), (std::vector<int64_t>{8, 5, 0}));
  EXPECT_EQ(ivals(bitwise_or(a, b)), (std::vector<int64_t>{14, -1, 7}));
  EXPECT_EQ(ivals(bitwise_xor(a, b)), (std::vector<int64_t>{6, -6, 7}));
  EXPECT_EQ(ivals(bitwise_not(a)), (std::vector<int64_t>{-13, 0, -1}));
  EXPECT_EQ(ivals(a & b), ivals(bitwise_and(a, b)));
  EXPECT_EQ(ivals(a | b), ivals(bitwise_or(a, b)));
  EXPECT_EQ(ivals(a ^ b), ivals(bitwise_xor(a, b)));
  EXPECT_EQ(ivals(~a), ivals(bitwise_not(a)));
  EXPECT_EQ(ivals(bitwise_and(i64({12}), 10)), (std::vector<int64_t>{8}));
  EXPECT_EQ(bitwise_and(i32({3}), true).dtype(), kInt32);
  Tensor t = b8({true, false}), f = b8({true, true});
  EXPECT_EQ(bvals(~t), (std::vector<bool>{false, true}));
  EXPECT_EQ(bvals(t ^ f), (std::vector<bool>{false, true}));
  EXPECT_EQ(ivals(b8({true, false}) | i64({2, 1})), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(bvals(logical_and(f32({1.5, 0}), i64({2, 2}))), (std::vector<bool>{true, false}));
  EXPECT_EQ(bvals(logical_or(f32({0, 0}), i64({0, 2}))), (std::vector<bool>{false, true}));
  EXPECT_EQ(bvals(logical_xor(f32({1, 0}), i64({2, 2}))), (std::vector<bool>{false, true}));
  EXPECT_EQ(bvals(logical_not(f32({1.5, 0}))), (std::vector<bool>{false, true}));
  EXPECT_EQ(logical_and(i64({1}), i64({1})).dtype(), kBool);
  expect_error<TypeError>([] { bitwise_and(i32({1}), 2.5); },
                          "\"bitwise_and_cpu\" not implemented for 'Float'");
  expect_error<TypeError>([] { f32({1.5}) | i64({1}); },
                          "\"bitwise_or_cpu\" not implemented for 'Float'");
  expect_error<TypeError>([] { ~f32({1}); }, "\"bitwise_not_cpu\" not implemented for 'Float'");
}

// ---- unary

TEST(elementwise, UnaryValues) {
  Tensor x = f64({0.25, 0.5, 0.75});
  auto each = [&](double (*f)(double)) {
    std::vector<double> r;
    for (double v : {0.25, 0.5, 0.75}) r.push_back(f(v));
    return r;
  };
  expect_values(sqrt(x), each([](double v) { return std::sqrt(v); }), 1e-14);
  expect_values(rsqrt(x), each([](double v) { return 1 / std::sqrt(v); }), 1e-14);
  expect_values(exp(x), each([](double v) { return std::exp(v); }), 1e-14);
  expect_values(exp2(x), each([](double v) { return std::exp2(v); }), 1e-14);
  expect_values(expm1(x), each([](double v) { return std::expm1(v); }), 1e-14);
  expect_values(log(x), each([](double v) { return std::log(v); }), 1e-14);
  expect_values(log2(x), {-2, -1, std::log2(0.75)}, 1e-14);
  expect_values(log10(x), each([](double v) { return std::log10(v); }), 1e-14);
  expect_values(log1p(x), each([](double v) { return std::log1p(v); }), 1e-14);
  expect_values(sin(x), each([](double v) { return std::sin(v); }), 1e-14);
  expect_values(cos(x), each([](double v) { return std::cos(v); }), 1e-14);
  expect_values(tan(x), each([](double v) { return std::tan(v); }), 1e-14);
  expect_values(asin(x), each([](double v) { return std::asin(v); }), 1e-14);
  expect_values(acos(x), each([](double v) { return std::acos(v); }), 1e-14);
  expect_values(atan(x), each([](double v) { return std::atan(v); }), 1e-14);
  expect_values(sinh(x), each([](double v) { return std::sinh(v); }), 1e-14);
  expect_values(cosh(x), each([](double v) { return std::cosh(v); }), 1e-14);
  expect_values(tanh(x), each([](double v) { return std::tanh(v); }), 1e-14);
  expect_values(asinh(x), each([](double v) { return std::asinh(v); }), 1e-14);
  expect_values(acosh(f64({1, 2})), {0, std::acosh(2.0)}, 1e-14);
  expect_values(atanh(x), each([](double v) { return std::atanh(v); }), 1e-14);
  expect_values(sigmoid(f64({0, 100, -100})), {0.5, 1, 1 / (1 + std::exp(100.0))}, 1e-14);
  expect_values(erf(x), each([](double v) { return std::erf(v); }), 1e-14);
  expect_values(erfc(x), each([](double v) { return std::erfc(v); }), 1e-14);
  // erfinv inverts erf, including close to +-1.
  Tensor y = f64({-0.999999, -0.5, 0, 0.3, 0.9, 0.999999999999});
  expect_values(erf(erfinv(y)), y.tolist<double>(), 1e-14);
  expect_values(erfinv(f64({-1, 1, 2, 0.5})), {-kInf, kInf, kNaN, 0.4769362762044699}, 1e-14);
  expect_values(erfinv(f32({0.5})), {0.4769362762044699}, 1e-6);
  expect_values(reciprocal(f64({4, -0.5})), {0.25, -2});
  expect_values(reciprocal(i64({0, 2})), {kInf, 0.5});
  expect_values(relu(f32({(float)kNaN, -1, 2})), {kNaN, 0, 2});
  EXPECT_EQ(ivals(relu(i64({-3, 4}))), (std::vector<int64_t>{0, 4}));
  expect_values(sign(f32({-2, 0, 3, (float)kNaN})), {-1, 0, 1, 0});
  EXPECT_EQ(ivals(sign(i64({-2, 0, 3}))), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(bvals(sign(b8({true, false}))), (std::vector<bool>{true, false}));
  expect_values(abs(f32({-2, 3})), {2, 3});
  EXPECT_EQ(ivals(abs(i64({-2, 3}))), (std::vector<int64_t>{2, 3}));
  expect_values(neg(f32({-2, 3})), {2, -3});
  EXPECT_TRUE(std::signbit(neg(f32({0})).tolist<float>()[0]));
  expect_values(-f32({1}), {-1});
}

TEST(elementwise, Rounding) {
  Tensor x = f32({0.5, 1.5, 2.5, -0.5, -1.5, -2.7, 2.7});
  expect_values(round(x), {0, 2, 2, -0.0, -2, -3, 3});
  expect_values(floor(x), {0, 1, 2, -1, -2, -3, 2});
  expect_values(ceil(x), {1, 2, 3, -0.0, -1, -2, 3});
  expect_values(trunc(x), {0, 1, 2, -0.0, -1, -2, 2});
  expect_values(frac(f32({-1.5, 2.25, (float)kInf})), {-0.5, 0.25, kNaN});
  // The identity on integers, returning a new tensor.
  Tensor i = i64({3, -4});
  Tensor fi = floor(i);
  EXPECT_EQ(ivals(fi), (std::vector<int64_t>{3, -4}));
  EXPECT_NE(fi.data_ptr(), i.data_ptr());
  EXPECT_EQ(ivals(round(i)), ivals(i));
  EXPECT_EQ(ceil(i).dtype(), kInt64);
  floor_(i);
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{3, -4}));
  Tensor y = f32({1.5, -1.5});
  round_(y);
  expect_values(y, {2, -2});
  expect_error<TypeError>([] { floor(b8({true})); },
                          "\"floor_vml_cpu\" not implemented for 'Bool'");
  expect_error<TypeError>([] { frac(i64({1})); }, "\"frac_cpu\" not implemented for 'Long'");
}

TEST(elementwise, Predicates) {
  Tensor x = f32({1, (float)kNaN, (float)kInf, -(float)kInf});
  EXPECT_EQ(bvals(isnan(x)), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(bvals(isinf(x)), (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(bvals(isfinite(x)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(bvals(isnan(i64({1, 2}))), (std::vector<bool>{false, false}));
  EXPECT_EQ(bvals(isfinite(i64({1, 2}))), (std::vector<bool>{true, true}));
  EXPECT_EQ(isinf(i64({1})).dtype(), kBool);
  Tensor h = f32({1, (float)kNaN}).half();
  EXPECT_EQ(bvals(isnan(h)), (std::vector<bool>{false, true}));
}

TEST(elementwise, UnaryDtypeRules) {
  // Integer and bool inputs to floating math give the default dtype.
  for (DType dt : {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64}) {
    Tensor x = ones({3}, {.dtype = dt});
    EXPECT_EQ(exp(x).dtype(), kFloat32) << dt;
    EXPECT_EQ(sigmoid(x).dtype(), kFloat32) << dt;
    expect_values(sqrt(x), {1, 1, 1});
  }
  set_default_dtype(kFloat64);
  EXPECT_EQ(sin(i64({1})).dtype(), kFloat64);
  EXPECT_EQ(div(i64({1}), 2).dtype(), kFloat64);
  set_default_dtype(kFloat32);
  for (DType dt : {kFloat16, kBFloat16, kFloat32, kFloat64}) {
    Tensor x = full({2}, 0.5, {.dtype = dt});
    EXPECT_EQ(exp(x).dtype(), dt);
    expect_values(exp(x), {std::exp(0.5), std::exp(0.5)}, dt == kBFloat16 ? 1e-2 : 1e-3);
  }
  expect_error<RuntimeError>([] { neg(b8({true})); },
                             "Negation, the `-` operator, on a bool tensor is not supported.");
  expect_error<TypeError>([] { abs(b8({true})); }, "\"abs_cpu\" not implemented for 'Bool'");
  expect_error<RuntimeError>([] { relu(b8({true})); }, "Boolean inputs not supported for relu");
}

TEST(elementwise, UnaryInPlace) {
  Tensor x = f32({4, 9});
  Tensor& r = x.sqrt_();
  EXPECT_TRUE(r.is_same(x));
  expect_values(x, {2, 3});
  x.exp_().log_();
  expect_values(x, {2, 3});
  x.neg_().abs_();
  expect_values(x, {2, 3});
  x.sub_(2.5).relu_();
  expect_values(x, {0, 0.5});
  x.tanh_();
  expect_values(x, {0, std::tanh(0.5)});
  x.sigmoid_();
  expect_values(x, {0.5, 1 / (1 + std::exp(-std::tanh(0.5)))});
  Tensor i = i64({1, -2});
  i.neg_();
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{-1, 2}));
  i.abs_();
  i.relu_();
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{1, 2}));
  expect_error<RuntimeError>([&] { i.sqrt_(); },
                             "result type Float can't be cast to the desired output type Long");
  expect_error<RuntimeError>([&] { i.sigmoid_(); },
                             "result type Float can't be cast to the desired output type Long");
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{1, 2}));
  Tensor b = b8({true});
  expect_error<RuntimeError>([&] { b.neg_(); }, "Negation");
  expect_error<TypeError>([&] { b.abs_(); }, "abs_cpu");
  // In place on a strided view writes through to the base.
  Tensor base = arange(0., 6.).view({2, 3});
  Tensor col = base.select(1, 1);
  col.neg_();
  expect_values(base, {0, -1, 2, 3, -4, 5});
  Tensor tb = base.t();
  tb.abs_();
  expect_values(base, {0, 1, 2, 3, 4, 5});
}

// ---- broadcasting, promotion, layouts

TEST(elementwise, Broadcasting) {
  Tensor a = arange(0., 15.).view({3, 1, 5});
  Tensor b = arange(0., 4.).view({4, 1}).mul(100);
  Tensor c = add(a, b);
  EXPECT_EQ(c.sizes().vec(), (std::vector<int64_t>{3, 4, 5}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t k = 0; k < 5; ++k) EXPECT_EQ(c.at({i, j, k}).to_double(), i * 5 + k + j * 100.0);
  EXPECT_EQ(add(full({2, 1}, 1.0), full({3}, 1.0)).sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(add(full({}, 1.0), full({}, 1.0)).dim(), 0);
  EXPECT_EQ(add(zeros({0, 3}), full({3}, 1.0)).sizes().vec(), (std::vector<int64_t>{0, 3}));
  expect_error<RuntimeError>([] { add(full({2}, 1.0), full({3}, 1.0)); },
                             "The size of tensor a (2) must match the size of tensor b (3) at "
                             "non-singleton dimension 0");
}

TEST(elementwise, TypePromotion) {
  EXPECT_EQ((i64({1}) + 2.5).dtype(), kFloat32);
  expect_values(i64({1}) + 2.5, {3.5});
  EXPECT_EQ((u8({1}) + tensor({int8_t(1)})).dtype(), kInt16);
  EXPECT_EQ((b8({true}) + i32({1})).dtype(), kInt32);
  EXPECT_EQ((f32({1}).half() + f32({1}).bfloat16()).dtype(), kFloat32);
  EXPECT_EQ((f32({1}) + zd(2.5, kFloat64)).dtype(), kFloat32);  // 0-dim float64 loses to dim>0
  EXPECT_EQ((i64({1}) + zd(2.5, kFloat64)).dtype(), kFloat64);  // but wins the category
  expect_values(i64({2}) + zd(3.5, kFloat64), {5.5});
  EXPECT_EQ((tensor({int8_t(2)}) + zd(300, kInt64)).dtype(), kInt8);
  EXPECT_EQ(vals<int8_t>(tensor({int8_t(2)}) + zd(300, kInt64)), (std::vector<int8_t>{46}));
  EXPECT_EQ((f32({1}).half() + 1e10).dtype(), kFloat16);
  expect_values(f32({2}).half() + 1e10, {kInf});
  EXPECT_EQ((f32({1}) * 2).dtype(), kFloat32);
  EXPECT_EQ((f32({1}) * f64({2})).dtype(), kFloat64);
  EXPECT_EQ((zd(1, kFloat32) + zd(2, kFloat64)).dtype(), kFloat64);  // both 0-dim
  EXPECT_EQ((u8({1}) + true).dtype(), kUInt8);
  EXPECT_EQ((b8({true}) * false).dtype(), kBool);
  expect_values(u8({200}) + i64({100}), {300});
  // comparisons promote too: int vs 5.5 compares in float
  EXPECT_EQ(bvals(i32({5, -5, 7}) < 5.5), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(bvals(i32({5}) == 5.5), (std::vector<bool>{false}));
  EXPECT_EQ(bvals(u8({255}) == -1), (std::vector<bool>{true}));
  EXPECT_EQ(bvals(i64({300}) == u8({44})), (std::vector<bool>{false}));
}

TEST(elementwise, HalfRoundsOnceFromFloat) {
  // 1 + 2^-11 is not representable in half; the float sum is rounded once.
  Tensor a = full({4}, 1.0, {.dtype = kFloat16});
  Tensor b = full({4}, std::ldexp(1.0, -11), {.dtype = kFloat16});
  expect_values(a + b, {1, 1, 1, 1}, 0);  // ties to even
  Tensor c = full({4}, 3 * std::ldexp(1.0, -11), {.dtype = kFloat16});
  expect_values(a + c,
                {1 + std::ldexp(1.0, -9), 1 + std::ldexp(1.0, -9), 1 + std::ldexp(1.0, -9),
                 1 + std::ldexp(1.0, -9)},
                0);
  Tensor bf = full({2}, 1.0, {.dtype = kBFloat16});
  expect_values(bf * 3 + 0.25, {3.25, 3.25}, 0);
  EXPECT_EQ((bf * 3).dtype(), kBFloat16);
  expect_values(sqrt(full({1}, 2.0, {.dtype = kBFloat16})), {1.4140625}, 0);
}

TEST(elementwise, OutputLayoutFollowsInputs) {
  Tensor x = arange(0., 120.).view({2, 3, 4, 5}).contiguous(kChannelsLast);
  std::vector<int64_t> cl{60, 1, 15, 3};
  EXPECT_EQ(strides_of(x + 1), cl);
  EXPECT_EQ(strides_of(x + x.contiguous()), cl);
  EXPECT_EQ(strides_of(x.contiguous() + x), (std::vector<int64_t>{60, 20, 5, 1}));
  EXPECT_EQ(strides_of(x + full({5}, 1.0)), cl);
  EXPECT_EQ(strides_of(full({3, 1, 1}, 1.0) + x), cl);
  EXPECT_EQ(strides_of(sin(x)), cl);
  EXPECT_EQ(strides_of(x > 5), cl);
  EXPECT_EQ(strides_of(where(x > 5, x, 0.)), cl);
  EXPECT_TRUE((x * 2).is_contiguous(kChannelsLast));
  // Values are right whatever the layout.
  EXPECT_TRUE(equal(x + 1, x.contiguous() + 1));
  EXPECT_TRUE(equal(x + x.contiguous(), x.contiguous() * 2));

  Tensor y = arange(0., 12.).view({4, 3}).t();
  EXPECT_EQ(strides_of(y + 1), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(strides_of(y + y), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(strides_of(y + full({3, 4}, 1.0)), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(strides_of(full({3, 4}, 1.0) + y), (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(strides_of(y.clamp(0, 1)), (std::vector<int64_t>{1, 3}));
  expect_values(y + 1, {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12});
  // Non-dense input (step slice) gives a contiguous output.
  Tensor z = arange(0., 24.).view({4, 6}).slice(1, 0, std::nullopt, 2);
  EXPECT_EQ(strides_of(z + 1), (std::vector<int64_t>{3, 1}));
  expect_values(z * 2, {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44});
  // masked_fill returns a contiguous tensor, as PyTorch's.
  EXPECT_EQ(strides_of(y.masked_fill(full({3, 4}, 1.0) > 0, 1)), (std::vector<int64_t>{4, 1}));
}

TEST(elementwise, StridedInputs) {
  Tensor a = arange(0., 24.).view({2, 3, 4}).permute({2, 0, 1});  // [4, 2, 3]
  Tensor b = arange(0., 24.).view({4, 2, 3});
  Tensor c = a + b;
  Tensor ref = a.contiguous() + b;
  EXPECT_TRUE(equal(c, ref));
  Tensor s = arange(0., 20.).slice(0, 1, std::nullopt, 3);  // 1, 4, 7, ... 19
  expect_values(s * s, {1, 16, 49, 100, 169, 256, 361});
  expect_values(s + s.slice(0, 0, 1), {2, 5, 8, 11, 14, 17, 20});
  // A zero-stride (expanded) input.
  Tensor e = f32({1, 2, 3}).view({3, 1}).expand({3, 4});
  expect_values(e * 2, {2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6, 6});
  // Large enough to run in parallel, with a transposed operand.
  Tensor big = arange(0., 512. * 300.).view({512, 300});
  Tensor bt = big.t().contiguous().t();  // same values, column-major
  EXPECT_TRUE(equal(big + bt, big * 2));
  EXPECT_TRUE(equal(sub(big, bt), zeros({512, 300})));
}

// ---- in place and aliasing

TEST(elementwise, InPlaceBinary) {
  Tensor x = f32({1, 2, 3});
  Tensor& r = x.add_(f32({1, 1, 1}));
  EXPECT_TRUE(r.is_same(x));
  expect_values(x, {2, 3, 4});
  x.sub_(1, 2);
  expect_values(x, {0, 1, 2});
  x.mul_(f32({2, 2, 2}));
  x.div_(4);
  expect_values(x, {0, 0.5, 1});
  x += 1;
  x *= 2;
  x -= f32({1, 1, 1});
  x /= f32({2, 2, 2});
  expect_values(x, {0.5, 1, 1.5});
  // Broadcast other into self.
  Tensor m = zeros({2, 3});
  m.add_(f32({1, 2, 3}));
  expect_values(m, {1, 2, 3, 1, 2, 3});
  // float32 self, float64 other: computed in float64, stored as float32.
  Tensor p = f32({1, 2});
  p.add_(f64({0.5, 0.25}));
  EXPECT_EQ(p.dtype(), kFloat32);
  expect_values(p, {1.5, 2.25});
  // int self, int8 other, bool other.
  Tensor q = i64({1, 2});
  q.add_(tensor({int8_t(3), int8_t(4)}));
  q.mul_(b8({true, false}));
  EXPECT_EQ(ivals(q), (std::vector<int64_t>{4, 0}));
  Tensor fi = i64({7, -7});
  fi.div_(2, "floor");
  EXPECT_EQ(ivals(fi), (std::vector<int64_t>{3, -4}));
  // x.add_(x) and friends: the same elements read and written.
  Tensor a = f32({1, 2, 3});
  a.add_(a);
  expect_values(a, {2, 4, 6});
  a.mul_(a);
  expect_values(a, {4, 16, 36});
  a += a;
  expect_values(a, {8, 32, 72});
}

TEST(elementwise, InPlacePartialOverlapReadsOldValues) {
  // other is a view of self that is not elementwise aligned: it is read as it was.
  Tensor x = f32({1, 2, 3, 4}).view({2, 2});
  x.add_(x.select(0, 0));  // adds the old first row to both rows
  expect_values(x, {2, 4, 4, 6});
  Tensor y = arange(0., 5.);
  y.slice(0, 1).add_(y.slice(0, 0, 4));  // y[1:] += y[:4]
  expect_values(y, {0, 1, 3, 5, 7});
  Tensor z = arange(0., 4.).view({2, 2});
  z.mul_(z.t());
  expect_values(z, {0, 2, 2, 9});
}

TEST(elementwise, InPlaceErrorsLeaveSelfUntouched) {
  Tensor x = full({3, 1}, 1.0);
  expect_error<RuntimeError>(
      [&] {
        x.add_(full({3, 4}, 1.0));
      },
      "output with shape [3, 1] doesn't match the broadcast shape [3, 4]");
  Tensor i = i64({1, 2, 3});
  expect_error<RuntimeError>([&] { i.add_(full({3}, 1.0)); },
                             "result type Float can't be cast to the desired output type Long");
  expect_error<RuntimeError>([&] { i.add_(1.5); },
                             "result type Float can't be cast to the desired output type Long");
  expect_error<RuntimeError>([&] { i.mul_(1.5); },
                             "result type Float can't be cast to the desired output type Long");
  expect_error<RuntimeError>([&] { i.div_(2); },
                             "result type Float can't be cast to the desired output type Long");
  expect_error<RuntimeError>([&] { i /= 2; }, "can't be cast");
  Tensor b = b8({true});
  expect_error<RuntimeError>([&] { b.add_(1); },
                             "result type Long can't be cast to the desired output type Bool");
  EXPECT_EQ(ivals(i), (std::vector<int64_t>{1, 2, 3}));
  expect_values(x, {1, 1, 1});
  Tensor e = full({2}, 1.0).expand({3, 2});
  expect_error<RuntimeError>([&] { e.add_(1); },
                             "unsupported operation: more than one element of the written-to "
                             "tensor refers to a single memory location");
  expect_error<RuntimeError>([&] { e.neg_(); }, "more than one element");
}

TEST(elementwise, ArgumentErrors) {
  expect_error<RuntimeError>([] { sub(b8({true}), b8({false})); },
                             "Subtraction, the `-` operator, with two bool tensors is not "
                             "supported. Use the `^` or `logical_xor()` operator instead.");
  expect_error<RuntimeError>([] { b8({true}) - true; }, "with two bool tensors");
  expect_error<RuntimeError>([] { b8({true}) - 1; },
                             "Subtraction, the `-` operator, with a bool tensor is not "
                             "supported. If you are trying to invert a mask, use the `~` or "
                             "`logical_not()` operator instead.");
  expect_error<RuntimeError>([] { i64({1}) - b8({true}); }, "with a bool tensor");
  expect_error<RuntimeError>([] { -b8({true}); }, "Negation");
  expect_error<RuntimeError>([] { add(i64({1}), i64({1}), 2.5); },
                             "For integral input tensors, argument alpha must not be a floating "
                             "point number.");
  expect_error<RuntimeError>([] { add(i64({1}), 1, true); },
                             "Boolean alpha only supported for Boolean results.");
  expect_error<RuntimeError>([] { div(f32({1}), f32({1}), "bad"); },
                             "div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                             "but found 'bad'");
  expect_error<TypeError>([] { div(b8({true}), b8({true}), "trunc"); },
                          "\"div_trunc_cpu\" not implemented for 'Bool'");
  expect_error<TypeError>([] { floor_divide(b8({true}), b8({true})); },
                          "\"div_floor_cpu\" not implemented for 'Bool'");
  expect_error<TypeError>([] { remainder(b8({true}), b8({true})); },
                          "\"remainder_cpu\" not implemented for 'Bool'");
  expect_error<TypeError>([] { fmod(b8({true}), b8({true})); },
                          "\"fmod_cpu\" not implemented for 'Bool'");
  EXPECT_THROW(add(Tensor(), full({1}, 1.0)), RuntimeError);
}

// ---- comparisons, where, clamp, masked_fill

TEST(elementwise, Comparisons) {
  Tensor a = f32({1, 2, 3, (float)kNaN}), b = f32({2, 2, 2, (float)kNaN});
  EXPECT_EQ(bvals(eq(a, b)), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(bvals(ne(a, b)), (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(bvals(lt(a, b)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(bvals(le(a, b)), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(bvals(gt(a, b)), (std::vector<bool>{false, false, true, false}));
  EXPECT_EQ(bvals(ge(a, b)), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(bvals(a == b), bvals(eq(a, b)));
  EXPECT_EQ(bvals(a != b), bvals(ne(a, b)));
  EXPECT_EQ(bvals(a < b), bvals(lt(a, b)));
  EXPECT_EQ(bvals(a <= b), bvals(le(a, b)));
  EXPECT_EQ(bvals(a > b), bvals(gt(a, b)));
  EXPECT_EQ(bvals(a >= b), bvals(ge(a, b)));
  EXPECT_EQ(bvals(a > 1.5), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(bvals(a.ge(2)), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(bvals(a.eq(b)), bvals(eq(a, b)));
  EXPECT_EQ((a == b).dtype(), kBool);
  EXPECT_EQ(bvals(i64({1, 2}).view({2, 1}) == i64({1, 2})),
            (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(bvals(b8({true, false}) == 1), (std::vector<bool>{true, false}));
  EXPECT_EQ(bvals(u8({1, 2}) < 256), (std::vector<bool>{false, false}));  // 256 -> uint8 0
}

TEST(elementwise, Where) {
  Tensor c = b8({true, false, true});
  expect_values(where(c, f32({1, 2, 3}), f32({-1, -2, -3})), {1, -2, 3});
  expect_values(where(c, i32({5, -5, 7}), 2.5), {5, 2.5, 7});
  EXPECT_EQ(where(c, i32({5, -5, 7}), 2.5).dtype(), kFloat32);
  EXPECT_EQ(ivals(where(c, 1, 2)), (std::vector<int64_t>{1, 2, 1}));
  EXPECT_EQ(where(c, 1, 2.5).dtype(), kFloat32);
  expect_values(where(c, 1.5, f64({0, 0, 0})), {1.5, 0, 1.5});
  EXPECT_EQ(where(c, u8({1, 2, 3}), tensor({int8_t(1), int8_t(2), int8_t(3)})).dtype(), kInt16);
  expect_values(f32({1, 2, 3}).where(c, f32({0})), {1, 0, 3});
  // Broadcasting condition against values.
  Tensor m = arange(0., 6.).view({2, 3});
  expect_values(where(m > 2, m, f32({-1, -2, -3})), {-1, -2, -3, 3, 4, 5});
  EXPECT_EQ(where(b8({true}).view({1, 1}), full({3}, 1.0), zeros({2, 1})).sizes().vec(),
            (std::vector<int64_t>{2, 3}));
  expect_values(where(u8({1, 0}), 1.0, 2.0), {1, 2});  // deprecated uint8 condition
  expect_error<RuntimeError>(
      [] {
        where(i64({1, 0}), 1, 2);
      },
      "where expected condition to be a boolean tensor, but got a tensor "
      "with dtype Long");
  expect_error<RuntimeError>(
      [] {
        where(full({2, 3}, 1.0) > 0, full({4}, 1.0), 2);
      },
      "The size of tensor a (3) must match the size of tensor b (4)");
}

TEST(elementwise, ClampScalar) {
  Tensor x = f32({1, 5, (float)kNaN, -2});
  expect_values(clamp(x, 2, 3), {2, 3, kNaN, 2});
  expect_values(clamp(x, 3, 2), {2, 2, kNaN, 2});  // min > max: max
  expect_values(clamp(x, 0), {1, 5, kNaN, 0});
  expect_values(clamp(x, std::nullopt, 0), {0, 0, kNaN, -2});
  expect_values(clamp_min(x, 0), {1, 5, kNaN, 0});
  expect_values(clamp_max(x, 0), {0, 0, kNaN, -2});
  expect_values(x.clamp(0, 1), {1, 1, kNaN, 0});
  expect_values(clamp(x, kNaN), {1, 5, kNaN, -2});             // NaN min alone is ignored
  expect_values(clamp(x, 2, kNaN), {kNaN, kNaN, kNaN, kNaN});  // both given, one NaN: NaN
  Tensor i = i32({5, -5, 7});
  expect_values(clamp(i, 0.5), {5, 0.5, 7});
  EXPECT_EQ(clamp(i, 0.5).dtype(), kFloat32);
  EXPECT_EQ(clamp(i, 0, 3.5).dtype(), kFloat32);
  EXPECT_EQ(vals<int32_t>(clamp(i, 0, 6)), (std::vector<int32_t>{5, 0, 6}));
  EXPECT_EQ(clamp(i, 0, 6).dtype(), kInt32);
  EXPECT_EQ(ivals(clamp(b8({true, false}), 0, 1)), (std::vector<int64_t>{1, 0}));
  Tensor u = u8({0, 100, 200});
  EXPECT_EQ(vals<uint8_t>(clamp(u, 50, 150)), (std::vector<uint8_t>{50, 100, 150}));
  EXPECT_EQ(vals<uint8_t>(clamp(u, 150, 50)), (std::vector<uint8_t>{50, 50, 50}));
  EXPECT_EQ(vals<uint8_t>(clamp(u, -1)), (std::vector<uint8_t>{255, 255, 255}));  // -1 wraps
  Tensor y = f32({-1, 0.5, 2});
  Tensor& r = y.clamp_(0, 1);
  EXPECT_TRUE(r.is_same(y));
  expect_values(y, {0, 0.5, 1});
  Tensor h = f32({-1, 0.5, 2}).half();
  expect_values(clamp(h, 0, 1), {0, 0.5, 1});
  expect_error<RuntimeError>([&] { clamp(x, std::nullopt, std::nullopt); },
                             "torch.clamp: At least one of 'min' or 'max' must not be None");
  expect_error<TypeError>([] { clamp(b8({true}), false, true); },
                          "\"clamp_scalar_cpu\" not implemented for 'Bool'");
  expect_error<RuntimeError>([&] { clamp(u, -1, 300); },
                             "value cannot be converted to type uint8_t without overflow");
  expect_error<RuntimeError>([] { clamp(tensor({int8_t(1)}), -1000); },
                             "value cannot be converted to type int8_t without overflow");
  expect_error<RuntimeError>([] { clamp(f32({1}).half(), 0.5, 1e6); },
                             "value cannot be converted to type at::Half without overflow");
  Tensor ii = i32({5, -5});
  expect_error<RuntimeError>([&] { ii.clamp_(0.5); },
                             "result type Float can't be cast to the desired output type int");
  EXPECT_EQ(vals<int32_t>(ii), (std::vector<int32_t>{5, -5}));
}

TEST(elementwise, ClampTensor) {
  Tensor x = f32({1, 5, 3});
  expect_values(clamp(x, f32({2, 2, 2}), f32({4, 4, 4})), {2, 4, 3});
  expect_values(clamp(x, f32({3, 6, 0}), f32({2, 4, 1})), {2, 4, 1});  // min > max: max
  expect_values(clamp(x, f32({(float)kNaN, 0, 0}), f32({2, 2, 2})), {kNaN, 2, 2});
  expect_values(clamp(x, f32({2}), Tensor()), {2, 5, 3});
  expect_values(clamp(x, Tensor(), f32({2})), {1, 2, 2});
  expect_values(clamp_min(x, f32({(float)kNaN, 0, 0})), {kNaN, 5, 3});  // maximum: NaN wins
  expect_values(clamp_max(x, f32({2})), {1, 2, 2});
  expect_values(clamp(i32({5, -5, 7}), i64({1, 2, 3}), f32({2.5})), {2.5, 2, 2.5});
  EXPECT_EQ(clamp(tensor({int8_t(1), int8_t(5)}), u8({3}), Tensor()).dtype(), kInt16);
  EXPECT_EQ(bvals(clamp(b8({true, false}), b8({true}), Tensor())), (std::vector<bool>{true, true}));
  Tensor y = f32({-1, 0.5, 2});
  clamp_(y, f32({0}), f32({1}));
  expect_values(y, {0, 0.5, 1});
  // A bound that is a view of self.
  Tensor z = f32({0, 5, 2, 3}).view({2, 2});
  clamp_(z, Tensor(), z.t());
  expect_values(z, {0, 2, 2, 3});
  Tensor zi = i64({1, 5});
  expect_error<RuntimeError>([&] { clamp_(zi, f32({3}), Tensor()); },
                             "result type Float can't be cast to the desired output type Long");
  expect_error<RuntimeError>(
      [&] {
        clamp_(zi, i64({1, 2, 3}).view({3, 1}), Tensor());
      },
      "output with shape [2] doesn't match the broadcast shape [3, 2]");
  expect_error<RuntimeError>([&] { clamp(x, Tensor(), Tensor()); },
                             "torch.clamp: At least one of 'min' or 'max' must not be None");
  expect_error<TypeError>([] { clamp(b8({true}), b8({true}), b8({true})); },
                          "\"clamp_cpu\" not implemented for 'Bool'");
}

TEST(elementwise, MaskedFill) {
  Tensor i = i32({5, -5, 7});
  Tensor mask = b8({true, false, true});
  EXPECT_EQ(vals<int32_t>(i.masked_fill(mask, 2.7)), (std::vector<int32_t>{2, -5, 2}));
  EXPECT_EQ(vals<int32_t>(i), (std::vector<int32_t>{5, -5, 7}));
  EXPECT_EQ(i.masked_fill(mask, 2.7).dtype(), kInt32);
  expect_values(full({2, 3}, 1.0).masked_fill(b8({true, false}).view({2, 1}), 2),
                {2, 2, 2, 1, 1, 1});
  expect_values(full({2, 1}, 1.0).masked_fill(b8({true, false}).view({1, 2}), 2), {2, 1, 2, 1});
  expect_values(full({3}, 1.0).masked_fill(full({2, 3}, 1.0) > 0, 2), {2, 2, 2, 2, 2, 2});
  Tensor f = full({3}, 1.0);
  Tensor& r = f.masked_fill_(mask, kNaN);
  EXPECT_TRUE(r.is_same(f));
  expect_values(f, {kNaN, 1, kNaN});
  EXPECT_EQ(bvals(b8({true, false}).masked_fill(b8({false, true}), 5)),
            (std::vector<bool>{true, true}));
  EXPECT_EQ(vals<uint8_t>(ones({2}, {.dtype = kUInt8}).masked_fill(b8({true, false}), -1)),
            (std::vector<uint8_t>{255, 1}));
  expect_values(masked_fill(full({2}, 1.0).half(), b8({true, false}), kInf), {kInf, 1});
  expect_values(masked_fill(full({2}, 1.0), b8({true, false}), zd(2.5, kFloat64)), {2.5, 1});
  expect_values(masked_fill(full({2}, 1.0), u8({1, 0}), 3), {3, 1});  // deprecated uint8 mask
  // Strided self.
  Tensor m = zeros({3, 2}).t();
  m.masked_fill_(b8({true, false, true}), 4);
  expect_values(m, {4, 0, 4, 4, 0, 4});
  expect_error<RuntimeError>([&] { masked_fill(i, mask, tensor({2})); },
                             "masked_fill_ only supports a 0-dimensional value tensor, but got "
                             "tensor with 1 dimension(s).");
  expect_error<RuntimeError>(
      [] {
        full({3}, 1.0).masked_fill_(full({2, 3}, 1.0) > 0, 2);
      },
      "output with shape [3] doesn't match the broadcast shape [2, 3]");
  expect_error<RuntimeError>([] { full({3}, 1.0).masked_fill(full({2}, 1.0) > 0, 2); },
                             "The size of tensor a (3) must match the size of tensor b (2)");
  expect_error<RuntimeError>([] { full({3}, 1.0).half().masked_fill(full({3}, 1.0) > 0, 1e5); },
                             "value cannot be converted to type at::Half without overflow");
  expect_error<RuntimeError>(
      [] { ones({3}, {.dtype = kUInt8}).masked_fill(full({3}, 1.0) > 0, -256); },
      "value cannot be converted to type uint8_t without overflow");
  expect_error<RuntimeError>(
      [] { ones({3}, {.dtype = kInt8}).masked_fill(full({3}, 1.0) > 0, 200); },
      "value cannot be converted to type int8_t without overflow");
  expect_error<RuntimeError>(
      [] { ones({3}, {.dtype = kInt64}).masked_fill(full({3}, 1.0) > 0, kNaN); },
      "value cannot be converted to type int64_t without overflow");
  expect_error<RuntimeError>(
      [] {
        full({3}, 1.0).masked_fill(i64({1, 0, 1}), 2);
      },
      "masked_fill_ only supports boolean masks");
  expect_error<RuntimeError>(
      [] { ones({1}, {.dtype = kInt64}).masked_fill(b8({true}), 9223372036854775808.0); },
      "value cannot be converted to type int64_t without overflow");
  expect_error<RuntimeError>([] { ones({1}, {.dtype = kInt8}).masked_fill(b8({true}), 127.5); },
                             "value cannot be converted to type int8_t without overflow");
  EXPECT_THROW(ones({1}, {.dtype = kInt8}).masked_fill(b8({true}), -128.5), RuntimeError);
  EXPECT_EQ(vals<int8_t>(ones({1}, {.dtype = kInt8}).masked_fill(b8({true}), -127.5)),
            (std::vector<int8_t>{-127}));  // in range: truncated toward zero
  Tensor e = full({1}, 1.0).expand({3});
  expect_error<RuntimeError>([&] { e.masked_fill_(mask, 0); }, "more than one element");
}

TEST(elementwise, IsCloseAllCloseEqual) {
  Tensor a = f32({1, (float)kNaN, (float)kInf, 1, 100});
  Tensor b = f32({1, (float)kNaN, (float)kInf, 1.1f, 100.0005f});
  EXPECT_EQ(bvals(isclose(a, b)), (std::vector<bool>{true, false, true, false, true}));
  EXPECT_EQ(bvals(isclose(a, b, 1e-5, 1e-8, true)),
            (std::vector<bool>{true, true, true, false, true}));
  EXPECT_EQ(bvals(isclose(a, b, 0.2, 0)), (std::vector<bool>{true, false, true, true, true}));
  EXPECT_EQ(bvals(isclose(a, b, 0, 0)), (std::vector<bool>{true, false, true, false, false}));
  EXPECT_EQ(bvals(isclose(f32({(float)kInf}), f32({-(float)kInf}))), (std::vector<bool>{false}));
  EXPECT_EQ(bvals(isclose(i64({1, 2}), i64({1, 3}))), (std::vector<bool>{true, false}));
  EXPECT_EQ(bvals(isclose(i64({1, 2}), i64({1, 3}), 0.5, 0)), (std::vector<bool>{true, true}));
  EXPECT_EQ(bvals(isclose(b8({true, false}), b8({true, true}))), (std::vector<bool>{true, false}));
  EXPECT_EQ(bvals(a.isclose(b)), bvals(isclose(a, b)));
  EXPECT_TRUE(allclose(f32({1, 2}), f32({1, 2.000001f})));
  EXPECT_FALSE(allclose(f32({1, 2}), f32({1, 2.1f})));
  EXPECT_TRUE(allclose(full({2}, 1.0), full({2, 1}, 1.0)));  // broadcasts
  EXPECT_FALSE(allclose(f32({(float)kNaN}), f32({(float)kNaN})));
  EXPECT_TRUE(f32({(float)kNaN}).allclose(f32({(float)kNaN}), 1e-5, 1e-8, true));
  EXPECT_TRUE(equal(f32({1, 2}), f32({1, 2})));
  EXPECT_FALSE(equal(f32({1, 2}), f32({1, 3})));
  EXPECT_FALSE(equal(full({2}, 1.0), full({2, 1}, 1.0)));
  EXPECT_TRUE(equal(full({2}, 1.0), ones({2}, {.dtype = kInt64})));
  EXPECT_FALSE(equal(f32({(float)kNaN}), f32({(float)kNaN})));
  EXPECT_TRUE(full({2, 3}, 1.0).t().equal(full({3, 2}, 1.0)));
  expect_error<RuntimeError>([] { isclose(full({2}, 1.0), ones({2}, {.dtype = kFloat64})); },
                             "Float did not match Double");
  expect_error<RuntimeError>([] { isclose(full({2}, 1.0), full({2}, 1.0), -1); },
                             "rtol must be greater than or equal to zero, but got -1");
  expect_error<RuntimeError>([] { isclose(full({2}, 1.0), full({2}, 1.0), 0, -1); },
                             "atol must be greater than or equal to zero, but got -1");
  expect_error<RuntimeError>([] { allclose(full({2}, 1.0), full({3}, 1.0)); },
                             "The size of tensor a (2) must match the size of tensor b (3)");
}

// ---- every dtype for a representative set

TEST(elementwise, AllDTypes) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(to_string(dt));
    Tensor a = tensor({1, 0, 1, 1}, {.dtype = dt});
    Tensor b = tensor({1, 1, 0, 1}, {.dtype = dt});
    const bool is_bool = dt == kBool;
    Tensor s = add(a, b);
    EXPECT_EQ(s.dtype(), dt);
    expect_values(s, is_bool ? std::vector<double>{1, 1, 1, 1} : std::vector<double>{2, 1, 1, 2});
    Tensor p = mul(a, b);
    EXPECT_EQ(p.dtype(), dt);
    expect_values(p, {1, 0, 0, 1});
    expect_values(maximum(a, b), {1, 1, 1, 1});
    expect_values(minimum(a, b), {1, 0, 0, 1});
    EXPECT_EQ(bvals(eq(a, b)), (std::vector<bool>{true, false, false, true}));
    EXPECT_EQ(bvals(lt(a, b)), (std::vector<bool>{false, true, false, false}));
    EXPECT_EQ(bvals(logical_xor(a, b)), (std::vector<bool>{false, true, true, false}));
    Tensor w = where(b8({true, false, true, false}), a, b);
    EXPECT_EQ(w.dtype(), dt);
    expect_values(w, {1, 1, 1, 1});
    expect_values(sign(a), {1, 0, 1, 1});
    EXPECT_EQ(bvals(isfinite(a)), (std::vector<bool>{true, true, true, true}));
    expect_values(a.masked_fill(b8({false, true, false, false}), 1), {1, 1, 1, 1});
    EXPECT_TRUE(equal(a, a.clone()));
    if (!is_bool) {
      Tensor d = sub(a, b);
      expect_values(
          d, dt == kUInt8 ? std::vector<double>{0, 255, 1, 0} : std::vector<double>{0, -1, 1, 0});
      expect_values(abs(a), {1, 0, 1, 1});
      expect_values(relu(a), {1, 0, 1, 1});
      expect_values(clamp(a, 0, 0), {0, 0, 0, 0});
      expect_values(pow(a + 1, 2), {4, 1, 4, 4});
      expect_values(remainder(a + 2, b + 1), {1, 0, 0, 1});
      Tensor x = a.clone();
      x.add_(b);
      x.mul_(2);
      expect_values(x, {4, 2, 2, 4});
    }
    if (is_floating_point(dt)) {
      expect_values(sqrt(a * 4), {2, 0, 2, 2});
      expect_values(div(a, 4), {0.25, 0, 0.25, 0.25});
      expect_values(exp(b - 1), {1, 1, std::exp(-1.0), 1}, dt == kBFloat16 ? 1e-2 : 1e-3);
      expect_values(lerp(a, b, 0.5), {1, 0.5, 0.5, 1});
      EXPECT_EQ(bvals(isclose(a, b)), (std::vector<bool>{true, false, false, true}));
    } else {
      EXPECT_EQ(div(a, 4).dtype(), kFloat32);
      expect_values(div(a, 4), {0.25, 0, 0.25, 0.25});
      expect_values(bitwise_and(a, b), {1, 0, 0, 1});
      expect_values(bitwise_or(a, b), {1, 1, 1, 1});
      expect_values(bitwise_xor(a, b), {0, 1, 1, 0});
    }
    if (is_integral(dt)) {
      expect_values(div(a + 4, b + 1, "floor"), {2, 2, 5, 2});
      expect_values(floor(a), {1, 0, 1, 1});
    }
  }
}

// ---- meta tensors: shapes and dtypes only

TEST(elementwise, MetaTensors) {
  Tensor m = empty({3, 1}, {.device = kMeta});
  Tensor n = empty({4}, {.dtype = kInt64, .device = kMeta});
  Tensor r = add(m, n);
  EXPECT_TRUE(r.is_meta());
  EXPECT_EQ(r.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TRUE((m + zd(1, kFloat64)).is_meta());  // a 0-dim CPU tensor mixes with meta
  EXPECT_EQ(div(n, 2).dtype(), kFloat32);
  EXPECT_TRUE(div(n, n, "floor").is_meta());
  EXPECT_EQ(sin(n).dtype(), kFloat32);
  EXPECT_EQ(eq(m, n).dtype(), kBool);
  EXPECT_EQ(where(eq(m, n), m, 2.0).sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(clamp(m, 0, 1).is_meta());
  EXPECT_TRUE(masked_fill(m, eq(m, n), 1).is_meta());
  EXPECT_TRUE(isnan(n).is_meta());
  EXPECT_TRUE(pow(m, 2.5).is_meta());
  EXPECT_TRUE(isclose(m, m).is_meta());
  EXPECT_TRUE(floor(n).is_meta());
  Tensor& s = m.add_(1);
  EXPECT_TRUE(s.is_same(m));
  m.sqrt_();
  EXPECT_THROW(m.add_(ones({3, 4}, {.device = kMeta})), RuntimeError);
  EXPECT_THROW(n.sqrt_(), RuntimeError);
  EXPECT_THROW(add(m, full({3, 1}, 1.0)), DeviceError);
  EXPECT_THROW(equal(full({1}, 1.0), empty({1}, {.device = kMeta})), RuntimeError);
}

// ---- operators

TEST(elementwise, Operators) {
  Tensor a = f32({6, -4}), b = f32({4, 3});
  expect_values(a + b, {10, -1});
  expect_values(a - b, {2, -7});
  expect_values(a * b, {24, -12});
  expect_values(a / b, {1.5, -4.0 / 3});
  expect_values(a % b, {2, 2});
  expect_values(a + 1, {7, -3});
  expect_values(1 + a, {7, -3});
  expect_values(a - 1, {5, -5});
  expect_values(1 - a, {-5, 5});
  expect_values(a * 2, {12, -8});
  expect_values(2 * a, {12, -8});
  expect_values(a / 2, {3, -2});
  expect_values(12 / a, {2, -3});
  expect_values(a % 4, {2, 0});
  expect_values(-a, {-6, 4});
  Tensor c = a.clone();
  c += b;
  c -= 1;
  c *= b;
  c /= 2;
  expect_values(c, {18, -3});
  EXPECT_EQ(ivals(i64({7}) % -3), (std::vector<int64_t>{-2}));
}

// The vectorised math paths (8 or 4 lanes) also handle tails and strided
// elements: every size and layout gives the same value per element.
TEST(elementwise, VectorisedPathsAgreeAcrossSizesAndLayouts) {
  using UFn = Tensor (*)(const Tensor&);
  const std::vector<std::pair<const char*, UFn>> ops = {
      {"exp", [](const Tensor& x) { return exp(x); }},
      {"log1p", [](const Tensor& x) { return log1p(x.abs()); }},
      {"sin", [](const Tensor& x) { return sin(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"sqrt", [](const Tensor& x) { return sqrt(x.abs()); }},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x.abs()); }},
      {"floor", [](const Tensor& x) { return floor(x); }},
      {"round", [](const Tensor& x) { return round(x); }},
      {"frac", [](const Tensor& x) { return frac(x); }},
      {"erf", [](const Tensor& x) { return erf(x); }},
  };
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    Tensor base = arange(-3.3, 3.3, 0.137, {.dtype = kFloat64}).to(dt);  // 49 elements
    for (const auto& [name, fn] : ops) {
      SCOPED_TRACE(std::string(name) + " " + to_string(dt));
      const std::vector<double> full_res = fn(base).to(kFloat64).tolist<double>();
      // Prefixes of every length (tails of 1..W-1 elements).
      for (int64_t n : {1, 2, 3, 5, 7, 8, 9, 13, 17}) {
        auto part = fn(base.slice(0, 0, n)).to(kFloat64).tolist<double>();
        for (int64_t i = 0; i < n; ++i) EXPECT_EQ(part[i], full_res[i]) << "n " << n << " i " << i;
      }
      // Strided (every third element) and transposed inputs.
      auto strided = fn(base.slice(0, 1, std::nullopt, 3)).to(kFloat64).tolist<double>();
      for (size_t i = 0; i < strided.size(); ++i) EXPECT_EQ(strided[i], full_res[1 + 3 * i]);
      Tensor m = base.slice(0, 0, 48).view({6, 8});
      Tensor mt = fn(m.t()).t().contiguous().to(kFloat64);
      auto mtv = mt.tolist<double>();
      for (size_t i = 0; i < mtv.size(); ++i) EXPECT_EQ(mtv[i], full_res[i]);
    }
  }
  // Against double-precision references.
  Tensor x = arange(-3.3, 3.3, 0.137, {.dtype = kFloat32});
  auto xs = x.to(kFloat64).tolist<double>();
  auto e = exp(x).to(kFloat64).tolist<double>();
  auto sg = sigmoid(x).to(kFloat64).tolist<double>();
  auto th = tanh(x).to(kFloat64).tolist<double>();
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(e[i], std::exp(xs[i]), 2e-7 * std::exp(xs[i]));
    EXPECT_NEAR(sg[i], 1 / (1 + std::exp(-xs[i])), 2e-7);
    EXPECT_NEAR(th[i], std::tanh(xs[i]), 2e-7);
  }
  // BFloat16 results are the float results rounded to nearest even.
  Tensor b = x.bfloat16();
  EXPECT_TRUE(equal(exp(b), exp(b.to(kFloat32)).bfloat16()));
  EXPECT_TRUE(equal(exp(x.half()), exp(x.half().to(kFloat32)).half()));
}

TEST(elementwise, HalfLoopsAcrossLayouts) {
  Tensor x = arange(-5.0, 5.0, 0.01, {.dtype = kFloat16});  // 1000 elements: blocks and tail
  Tensor y = arange(0.0, 10.0, 0.01, {.dtype = kFloat16});
  Tensor ref = (x.to(kFloat32) + y.to(kFloat32)).half();
  EXPECT_TRUE(equal(x + y, ref));
  EXPECT_TRUE(equal(x.slice(0, 0, std::nullopt, 2) + y.slice(0, 0, std::nullopt, 2),
                    ref.slice(0, 0, std::nullopt, 2)));
  EXPECT_TRUE(equal(x + 1.5, (x.to(kFloat32) + 1.5).half()));
  EXPECT_TRUE(equal(neg(x), (-x.to(kFloat32)).half()));
  EXPECT_TRUE(equal(x.view({10, 100}).t() * 2, (x.to(kFloat32) * 2).half().view({10, 100}).t()));
}

// ReLU's backward is torch's threshold_backward(grad, result, 0): one pass, and
// a NaN result passes its gradient (values from torch 1.13).
TEST(Relu, BackwardIsThresholdBackward) {
  Tensor x = from_vector(std::vector<float>{-1, 0, 2, std::nanf("")}).requires_grad_(true);
  x.relu().backward(from_vector(std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(x.grad().tolist<float>(), (std::vector<float>{0, 0, 3, 4}));
  Tensor g = threshold_backward(from_vector(std::vector<float>{1, 2, 3}),
                                from_vector(std::vector<float>{0.5, 1, 1.5}), 1.0);
  EXPECT_EQ(g.tolist<float>(), (std::vector<float>{0, 0, 3}));
}
