// Parity with PyTorch for the elementwise ops. The case names are built from
// the same tables as tests/parity/gen_elementwise.py, so every reference has
// exactly one function here and vice versa (run_parity checks both ways).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::CaseOptions;
using ember::testing::run_parity;

namespace {

using Fn1 = std::function<Tensor(const Tensor&)>;
using Fn2 = std::function<Tensor(const Tensor&, const Tensor&)>;
using Ins = std::vector<Tensor>;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<DType> kAll = {kBool,  kUInt8,   kInt8,     kInt16,   kInt32,
                                 kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};
const std::vector<DType> kInts = {kUInt8, kInt8, kInt16, kInt32, kInt64};
const std::vector<DType> kHalves = {kFloat16, kBFloat16};

// "float32": a reference into a table (appending to a temporary string trips GCC 12's -Wrestrict).
const std::string& dn(DType t) {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int i = 0; i < kNumDTypes; ++i) v.push_back(dtype_name(static_cast<DType>(i)));
    return v;
  }();
  return names[static_cast<size_t>(t)];
}

class Cases {
 public:
  void add(const std::string& name, ember::testing::CaseFn fn, CaseOptions opt = {}) {
    EXPECT_FALSE(map_.count(name)) << "duplicate case " << name;
    map_[name] = Case{std::move(fn), opt};
  }
  void add1(const std::string& name, Fn1 f, CaseOptions opt = {}) {
    add(
        name, [f](const Ins& in) -> Ins { return {f(in[0])}; }, opt);
  }
  void add2(const std::string& name, Fn2 f, CaseOptions opt = {}) {
    add(
        name, [f](const Ins& in) -> Ins { return {f(in[0], in[1])}; }, opt);
  }
  const std::map<std::string, Case>& map() const { return map_; }

 private:
  std::map<std::string, Case> map_;
};

#define EMBER_U(name)                                     \
  {                                                       \
#name, [](const Tensor& x) { return ember::name(x); } \
  }

const std::map<std::string, Fn1> kUnary = {
    EMBER_U(neg),         EMBER_U(abs),   EMBER_U(sqrt),   EMBER_U(rsqrt),    EMBER_U(exp),
    EMBER_U(exp2),        EMBER_U(expm1), EMBER_U(log),    EMBER_U(log2),     EMBER_U(log10),
    EMBER_U(log1p),       EMBER_U(sin),   EMBER_U(cos),    EMBER_U(tan),      EMBER_U(asin),
    EMBER_U(acos),        EMBER_U(atan),  EMBER_U(sinh),   EMBER_U(cosh),     EMBER_U(tanh),
    EMBER_U(asinh),       EMBER_U(acosh), EMBER_U(atanh),  EMBER_U(sigmoid),  EMBER_U(relu),
    EMBER_U(erf),         EMBER_U(erfc),  EMBER_U(erfinv), EMBER_U(floor),    EMBER_U(ceil),
    EMBER_U(round),       EMBER_U(trunc), EMBER_U(frac),   EMBER_U(sign),     EMBER_U(reciprocal),
    EMBER_U(square),      EMBER_U(isnan), EMBER_U(isinf),  EMBER_U(isfinite), EMBER_U(logical_not),
    EMBER_U(bitwise_not),
};
#undef EMBER_U

// The ops of gen_elementwise.py's UNARY_DOMAINS (every unary on float32/float64).
const std::vector<std::string> kUnaryFloat = {
    "neg",  "abs",   "sqrt",       "rsqrt",  "exp",   "exp2",  "expm1",    "log",
    "log2", "log10", "log1p",      "sin",    "cos",   "tan",   "asin",     "acos",
    "atan", "sinh",  "cosh",       "tanh",   "asinh", "acosh", "atanh",    "sigmoid",
    "relu", "erf",   "erfc",       "erfinv", "floor", "ceil",  "round",    "trunc",
    "frac", "sign",  "reciprocal", "square", "isnan", "isinf", "isfinite", "logical_not"};
const std::vector<std::string> kUnaryHalf = {
    "neg",  "abs", "sqrt",  "exp",   "log",        "sin",    "cos",  "tanh", "sigmoid",
    "relu", "erf", "floor", "round", "reciprocal", "square", "sign", "isnan"};
const std::vector<std::string> kUnaryInt = {
    "neg",         "abs",   "sign",     "relu", "floor", "round",   "square",    "bitwise_not",
    "logical_not", "isnan", "isfinite", "exp",  "sqrt",  "sigmoid", "reciprocal"};
const std::vector<std::string> kUnaryBool = {"sign", "bitwise_not", "logical_not", "isnan",
                                             "exp",  "sqrt",        "square"};

Scalar alpha_for(const Tensor& a) { return a.is_floating_point() ? Scalar(2.5) : Scalar(3); }

const std::map<std::string, Fn2> kBinary = {
    {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
    {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
    {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
    {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
    {"div_trunc", [](const Tensor& a, const Tensor& b) { return div(a, b, "trunc"); }},
    {"div_floor", [](const Tensor& a, const Tensor& b) { return div(a, b, "floor"); }},
    {"remainder", [](const Tensor& a, const Tensor& b) { return remainder(a, b); }},
    {"fmod", [](const Tensor& a, const Tensor& b) { return fmod(a, b); }},
    {"floor_divide", [](const Tensor& a, const Tensor& b) { return floor_divide(a, b); }},
    {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }},
    {"atan2", [](const Tensor& a, const Tensor& b) { return atan2(a, b); }},
    {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
    {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }},
    {"add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, alpha_for(a)); }},
    {"sub_alpha", [](const Tensor& a, const Tensor& b) { return sub(a, b, alpha_for(a)); }},
};
const std::vector<DType> kBinaryDTypes = {kFloat32, kFloat64, kInt64, kInt32,
                                          kInt16,   kInt8,    kUInt8};
const std::vector<std::string> kBinaryHalf = {"add",     "sub",     "mul",       "div",
                                              "maximum", "minimum", "remainder", "div_floor",
                                              "pow",     "atan2",   "add_alpha"};

const std::vector<std::pair<std::string, Scalar>> kScalars = {
    {"int", 3}, {"float", 2.5}, {"bool", true}, {"neg", -2}, {"big", 1000}};

void add_unary(Cases& c) {
  for (const auto& op : kUnaryFloat)
    for (DType dt : {kFloat32, kFloat64}) c.add1("unary_" + op + "_" + dn(dt), kUnary.at(op));
  for (const auto& op : kUnaryHalf)
    for (DType dt : kHalves) c.add1("unary_" + op + "_" + dn(dt), kUnary.at(op));
  for (const auto& op : kUnaryInt)
    for (DType dt : kInts) c.add1("unary_" + op + "_" + dn(dt), kUnary.at(op));
  for (const auto& op : kUnaryBool) c.add1("unary_" + op + "_bool", kUnary.at(op));
}

void add_binary(Cases& c) {
  for (const auto& [op, fn] : kBinary)
    for (DType dt : kBinaryDTypes) c.add2("binary_" + op + "_" + dn(dt), fn);
  for (const auto& op : kBinaryHalf)
    for (DType dt : kHalves) c.add2("binary_" + op + "_" + dn(dt), kBinary.at(op));
  for (const char* op : {"div", "div_trunc", "div_floor", "remainder", "fmod", "floor_divide"})
    for (DType dt : {kFloat32, kFloat64, kInt64, kInt32, kInt8})
      c.add2(std::string("divmode_") + op + "_" + dn(dt), kBinary.at(op));
}

void add_promotion(Cases& c) {
  for (DType d1 : kAll)
    for (DType d2 : kAll)
      c.add2("promote_add_" + dn(d1) + "_" + dn(d2),
             [](const Tensor& a, const Tensor& b) { return a + b; });
  for (DType d : kAll) {
    for (const auto& [sname, s] : kScalars) {
      const std::string tail = "_" + dn(d) + "_" + sname;
      const Scalar v = s;
      c.add1("scalar_add" + tail, [v](const Tensor& x) { return x + v; });
      c.add1("scalar_mul" + tail, [v](const Tensor& x) { return x * v; });
      c.add1("scalar_div" + tail, [v](const Tensor& x) { return x / v; });
      c.add1("scalar_rdiv" + tail, [v](const Tensor& x) { return v / x; });
      if (d != kBool && sname != "bool")
        c.add1("scalar_rsub" + tail, [v](const Tensor& x) { return v - x; });
    }
  }
  const std::vector<std::pair<DType, DType>> pairs = {
      {kFloat32, kFloat64}, {kInt64, kFloat64},   {kInt8, kInt64},    {kUInt8, kInt8},
      {kFloat16, kFloat32}, {kBool, kInt64},      {kInt32, kFloat16}, {kBFloat16, kFloat64},
      {kBool, kFloat64},    {kFloat16, kBFloat16}};
  auto plus = [](const Tensor& a, const Tensor& b) { return a + b; };
  for (const auto& [d1, d2] : pairs) {
    c.add2("zerodim_add_" + dn(d1) + "_" + dn(d2), plus);
    c.add2("zerodim_mul_" + dn(d2) + "_" + dn(d1),
           [](const Tensor& a, const Tensor& b) { return a * b; });
    c.add2("zerodim_both_" + dn(d1) + "_" + dn(d2), plus);
  }
}

void add_compare(Cases& c) {
  const std::map<std::string, Fn2> cmp = {
      {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); }},
      {"ne", [](const Tensor& a, const Tensor& b) { return ne(a, b); }},
      {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }},
      {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); }},
      {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); }},
      {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }},
  };
  using FnS = std::function<Tensor(const Tensor&, const Scalar&)>;
  const std::map<std::string, FnS> cmps = {
      {"eq", [](const Tensor& a, const Scalar& b) { return a == b; }},
      {"ne", [](const Tensor& a, const Scalar& b) { return a != b; }},
      {"lt", [](const Tensor& a, const Scalar& b) { return a < b; }},
      {"le", [](const Tensor& a, const Scalar& b) { return a <= b; }},
      {"gt", [](const Tensor& a, const Scalar& b) { return a > b; }},
      {"ge", [](const Tensor& a, const Scalar& b) { return a >= b; }},
  };
  for (const auto& [op, fn] : cmp) {
    for (DType dt : {kFloat32, kFloat64, kInt64, kInt32, kUInt8, kInt8, kBool, kFloat16, kBFloat16})
      c.add2("cmp_" + op + "_" + dn(dt), fn);
    for (DType dt : {kInt64, kUInt8, kFloat32, kInt8}) {
      const FnS f = cmps.at(op);
      const std::string base = "cmpscalar_" + op + "_" + dn(dt);
      c.add1(base + "_float", [f](const Tensor& x) { return f(x, 2.5); });
      c.add1(base + "_int", [f](const Tensor& x) { return f(x, 2); });
      c.add1(base + "_neg", [f](const Tensor& x) { return f(x, -1); });
    }
  }
  const std::map<std::string, Fn2> logical = {
      {"logical_and", [](const Tensor& a, const Tensor& b) { return logical_and(a, b); }},
      {"logical_or", [](const Tensor& a, const Tensor& b) { return logical_or(a, b); }},
      {"logical_xor", [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); }},
  };
  for (const auto& [op, fn] : logical) {
    for (DType dt : {kBool, kFloat32, kInt64, kUInt8, kFloat16})
      c.add2("logical_" + op + "_" + dn(dt), fn);
    c.add2("logical_" + op + "_mixed", fn);
  }
  const std::map<std::string, Fn2> bitwise = {
      {"bitwise_and", [](const Tensor& a, const Tensor& b) { return a & b; }},
      {"bitwise_or", [](const Tensor& a, const Tensor& b) { return a | b; }},
      {"bitwise_xor", [](const Tensor& a, const Tensor& b) { return a ^ b; }},
  };
  const std::map<std::string, Fn1> bitwise_scalar = {
      {"bitwise_and", [](const Tensor& a) { return bitwise_and(a, 6); }},
      {"bitwise_or", [](const Tensor& a) { return bitwise_or(a, 6); }},
      {"bitwise_xor", [](const Tensor& a) { return bitwise_xor(a, 6); }},
  };
  for (const auto& [op, fn] : bitwise) {
    for (DType dt : {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64})
      c.add2("bitwise_" + op + "_" + dn(dt), fn);
    c.add1("bitwise_" + op + "_int32_scalar", bitwise_scalar.at(op));
  }
  for (DType dt : {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64})
    c.add1("bitwise_not_" + dn(dt), [](const Tensor& x) { return ~x; });
}

struct CloseConfig {
  double rtol, atol;
  bool equal_nan;
};
const std::vector<CloseConfig> kCloseConfigs = {{1e-5, 1e-8, false}, {1e-5, 1e-8, true},
                                                {0.1, 0.0, false},   {0.0, 0.5, false},
                                                {0.0, 0.0, false},   {1e-3, 1e-3, true}};

void add_close(Cases& c) {
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kBool})
    for (size_t k = 0; k < kCloseConfigs.size(); ++k) {
      const CloseConfig cc = kCloseConfigs[k];
      c.add2("isclose_" + dn(dt) + "_" + std::to_string(k), [cc](const Tensor& a, const Tensor& b) {
        return isclose(a, b, cc.rtol, cc.atol, cc.equal_nan);
      });
    }
  for (size_t k = 0; k < kCloseConfigs.size(); ++k) {
    const CloseConfig cc = kCloseConfigs[k];
    c.add2("allclose_" + std::to_string(k), [cc](const Tensor& a, const Tensor& b) {
      return scalar_tensor(allclose(a, b, cc.rtol, cc.atol, cc.equal_nan), {.dtype = kBool});
    });
  }
  for (const char* name : {"same", "differ", "nan", "shape", "dtype", "int"})
    c.add2(std::string("equal_") + name, [](const Tensor& a, const Tensor& b) {
      return scalar_tensor(equal(a, b), {.dtype = kBool});
    });
}

void add_select(Cases& c) {
  for (DType dt : kAll)
    c.add("where_" + dn(dt), [](const Ins& in) -> Ins { return {where(in[0], in[1], in[2])}; });
  c.add2("where_mixed_int32_float",
         [](const Tensor& m, const Tensor& x) { return where(m, x, 2.5); });
  c.add2("where_mixed_float_int32",
         [](const Tensor& m, const Tensor& x) { return where(m, 2.5, x); });
  c.add1("where_scalars_int_float", [](const Tensor& m) { return where(m, 1, 2.5); });
  c.add1("where_scalars_int_int", [](const Tensor& m) { return where(m, 1, 2); });
  c.add("where_u8_i8", [](const Ins& in) -> Ins { return {where(in[0], in[1], in[2])}; });
  c.add("where_f32_f64zerodim", [](const Ins& in) -> Ins { return {where(in[0], in[1], in[2])}; });

  for (DType dt :
       {kFloat32, kFloat64, kInt64, kInt32, kInt16, kUInt8, kInt8, kFloat16, kBFloat16}) {
    c.add1("clamp_both_" + dn(dt), [](const Tensor& x) { return clamp(x, 2, 5); });
    c.add1("clamp_min_" + dn(dt), [](const Tensor& x) { return clamp(x, 2); });
    c.add1("clamp_max_" + dn(dt), [](const Tensor& x) { return clamp(x, std::nullopt, 5); });
    c.add1("clamp_inv_" + dn(dt), [](const Tensor& x) { return clamp(x, 5, 2); });
    c.add("clamp_tensor_" + dn(dt),
          [](const Ins& in) -> Ins { return {clamp(in[0], in[1], in[2])}; });
  }
  c.add1("clamp_nan_float32", [](const Tensor& x) { return clamp(x, 0, 2); });
  c.add1("clamp_nanmin_float32", [](const Tensor& x) { return clamp(x, kNaN); });
  c.add1("clamp_nanboth_float32", [](const Tensor& x) { return clamp(x, 0, kNaN); });
  c.add2("clamp_tensor_nanbound_float32",
         [](const Tensor& x, const Tensor& lo) { return clamp(x, lo, full({6}, 2.0)); });
  c.add2("clamp_tensor_minonly_float32",
         [](const Tensor& x, const Tensor& lo) { return clamp(x, lo, Tensor()); });
  c.add1("clamp_floatbounds_int64", [](const Tensor& x) { return clamp(x, 0.5, 3.5); });
  c.add1("clamp_min_float_int32", [](const Tensor& x) { return clamp_min(x, 0.5); });
  c.add1("clamp_max_float_int32", [](const Tensor& x) { return x.clamp_max(2.5); });
  c.add1("clamp_bool_intbounds", [](const Tensor& x) { return clamp(x, 0, 1); });
  c.add1("clamp_uint8_wrapmin", [](const Tensor& x) { return x.clamp(-1); });

  for (DType dt : kAll) {
    const Scalar v = dt == kBool ? Scalar(true) : Scalar(1);
    c.add2("masked_fill_" + dn(dt),
           [v](const Tensor& x, const Tensor& m) { return x.masked_fill(m, v); });
  }
  c.add2("masked_fill_bcast",
         [](const Tensor& x, const Tensor& m) { return x.masked_fill(m, -3.5); });
  c.add2("masked_fill_float_into_int",
         [](const Tensor& x, const Tensor& m) { return x.masked_fill(m, 2.7); });
  c.add2("masked_fill_nan",
         [](const Tensor& x, const Tensor& m) { return x.masked_fill(m, kNaN); });
  c.add2("masked_fill_neg_uint8",
         [](const Tensor& x, const Tensor& m) { return x.masked_fill(m, -1); });
  c.add("masked_fill_tensorvalue",
        [](const Ins& in) -> Ins { return {masked_fill(in[0], in[1], in[2])}; });
}

const std::vector<Scalar> kLerpWeights = {0.3, 0.7, 2, -0.5};
const std::vector<Scalar> kPowExponents = {0, 1, 0.5, 2, 3, -0.5, -1, -2, 1.7, -3.3};
const std::vector<Scalar> kPowIntExponents = {0, 1, 2, 3, 5};

void add_misc(Cases& c) {
  for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
    for (size_t k = 0; k < kLerpWeights.size(); ++k) {
      const Scalar w = kLerpWeights[k];
      c.add2("lerp_scalar_" + dn(dt) + "_" + std::to_string(k),
             [w](const Tensor& a, const Tensor& b) { return lerp(a, b, w); });
    }
    c.add("lerp_tensor_" + dn(dt),
          [](const Ins& in) -> Ins { return {lerp(in[0], in[1], in[2])}; });
  }
  for (DType dt : {kFloat32, kFloat64})
    for (size_t k = 0; k < kPowExponents.size(); ++k) {
      const Scalar e = kPowExponents[k];
      c.add1("pow_scalar_" + dn(dt) + "_" + std::to_string(k),
             [e](const Tensor& x) { return pow(x, e); });
    }
  for (DType dt : {kInt64, kInt32, kUInt8, kInt8}) {
    for (size_t k = 0; k < kPowIntExponents.size(); ++k) {
      const Scalar e = kPowIntExponents[k];
      c.add1("pow_scalar_" + dn(dt) + "_" + std::to_string(k),
             [e](const Tensor& x) { return x.pow(e); });
    }
    c.add1("pow_scalarfloat_" + dn(dt), [](const Tensor& x) { return pow(x, 1.5); });
    c.add1("rpow_int_" + dn(dt), [](const Tensor& x) { return pow(2, x); });
  }
  c.add1("rpow_float_float32", [](const Tensor& x) { return pow(2.5, x); });
  c.add1("rpow_one_float32", [](const Tensor& x) { return pow(1, x); });
  c.add1("rpow_float_int64", [](const Tensor& x) { return pow(2.5, x); });
}

Tensor clf(const Tensor& x) { return x.contiguous(kChannelsLast); }
Tensor step2(const Tensor& x) { return x.slice(1, 0, std::nullopt, 2); }

void add_layout(Cases& c) {
  const CaseOptions strides{.tol = std::nullopt, .check_strides = true};
  auto L = [&](const std::string& name, ember::testing::CaseFn fn) {
    c.add("layout_" + name, std::move(fn), strides);
  };
  L("add_t", [](const Ins& in) -> Ins { return {in[0].t() + in[1]}; });
  L("add_tt", [](const Ins& in) -> Ins { return {in[0].t() + in[1].t()}; });
  L("add_t_rhs", [](const Ins& in) -> Ins { return {in[0] + in[1].t()}; });
  L("mul_step", [](const Ins& in) -> Ins { return {step2(in[0]) * in[1]}; });
  L("exp_step", [](const Ins& in) -> Ins { return {step2(in[0]).exp()}; });
  L("sin_t", [](const Ins& in) -> Ins { return {in[0].t().sin()}; });
  L("add_cl", [](const Ins& in) -> Ins { return {clf(in[0]) + in[1]}; });
  L("add_cl_rhs", [](const Ins& in) -> Ins { return {in[0] + clf(in[1])}; });
  L("add_cl_cl", [](const Ins& in) -> Ins { return {clf(in[0]) + clf(in[1])}; });
  L("add_cl_bias", [](const Ins& in) -> Ins { return {clf(in[0]) + in[1]}; });
  L("div_cl_scalar", [](const Ins& in) -> Ins { return {clf(in[0]) / 2}; });
  L("sin_cl", [](const Ins& in) -> Ins { return {clf(in[0]).sin()}; });
  L("sigmoid_cl", [](const Ins& in) -> Ins { return {clf(in[0]).sigmoid()}; });
  L("gt_cl", [](const Ins& in) -> Ins { return {clf(in[0]) > 0}; });
  L("clamp_cl", [](const Ins& in) -> Ins { return {clf(in[0]).clamp(-1, 1)}; });
  L("where_t", [](const Ins& in) -> Ins { return {where(in[0].t(), in[1].t(), in[2])}; });
  L("where_cl", [](const Ins& in) -> Ins { return {where(clf(in[0]) > 0, clf(in[0]), in[1])}; });
  L("masked_fill_t", [](const Ins& in) -> Ins { return {in[0].t().masked_fill(in[1].t(), 0.5)}; });
  L("lerp_cl", [](const Ins& in) -> Ins { return {lerp(clf(in[0]), clf(in[1]), 0.25)}; });
  L("neg_expand", [](const Ins& in) -> Ins { return {in[0].expand({3, 4}).neg()}; });
  L("add_expand", [](const Ins& in) -> Ins { return {in[0].expand({3, 4}) + in[1]}; });
  L("inplace_add_t", [](const Ins& in) -> Ins {
    Tensor x = in[0].t().clone();
    x.add_(in[1]);
    return {x};
  });
  L("inplace_mul_cl", [](const Ins& in) -> Ins {
    Tensor x = clf(in[0]);
    x.mul_(in[1]);
    return {x};
  });
  L("inplace_sqrt_t", [](const Ins& in) -> Ins {
    Tensor x = in[0].t().abs();
    x.sqrt_();
    return {x};
  });
}

void add_inplace(Cases& c) {
  using Op = std::function<void(Tensor&, const Tensor&)>;
  const std::map<std::string, Op> ops = {
      {"add_", [](Tensor& a, const Tensor& b) { a.add_(b); }},
      {"sub_", [](Tensor& a, const Tensor& b) { a.sub_(b, 2); }},
      {"mul_", [](Tensor& a, const Tensor& b) { a.mul_(b); }},
      {"div_", [](Tensor& a, const Tensor& b) { a.div_(b); }},
      {"div_floor_", [](Tensor& a, const Tensor& b) { a.div_(b, "floor"); }},
      {"pow_",
       [](Tensor& a, const Tensor&) {
         a = a.abs();
         a.pow_(2.5);
       }},
      {"clamp_", [](Tensor& a, const Tensor&) { a.clamp_(-1, 1); }},
      {"masked_fill_", [](Tensor& a, const Tensor& b) { a.masked_fill_(b > 1, 9); }},
      {"sqrt_",
       [](Tensor& a, const Tensor&) {
         a = a.abs();
         a.sqrt_();
       }},
      {"neg_", [](Tensor& a, const Tensor&) { a.neg_(); }},
      {"relu_", [](Tensor& a, const Tensor&) { a.relu_(); }},
      {"sigmoid_", [](Tensor& a, const Tensor&) { a.sigmoid_(); }},
      {"tanh_", [](Tensor& a, const Tensor&) { a.tanh_(); }},
      {"exp_", [](Tensor& a, const Tensor&) { a.exp_(); }},
      {"abs_", [](Tensor& a, const Tensor&) { a.abs_(); }},
  };
  for (const auto& [name, op] : ops)
    c.add("inplace_" + name, [op](const Ins& in) -> Ins {
      Tensor x = in[0].clone();
      op(x, in[1]);
      return {x};
    });
  auto add_into_clone = [](const Ins& in) -> Ins {
    Tensor x = in[0].clone();
    x += in[1];
    return {x};
  };
  c.add("inplace_add_f32_f64", add_into_clone);
  c.add("inplace_add_i64_i8", add_into_clone);
  c.add("inplace_alias_add", [](const Ins& in) -> Ins {
    Tensor x = in[0].clone();
    x.add_(x);
    return {x};
  });
  c.add("inplace_alias_mul", [](const Ins& in) -> Ins {
    Tensor x = in[0].clone();
    x *= x;
    return {x};
  });
  c.add("inplace_int_div_floor", [](const Ins& in) -> Ins {
    Tensor x = in[0].clone();
    x.div_(4, "floor");
    return {x};
  });
}

}  // namespace

TEST(elementwise, AgainstPyTorch) {
  Cases c;
  add_unary(c);
  add_binary(c);
  add_promotion(c);
  add_compare(c);
  add_close(c);
  add_select(c);
  add_misc(c);
  add_layout(c);
  add_inplace(c);
  EXPECT_GT(c.map().size(), 1000u);
  run_parity("elementwise", c.map());
}
