// Parity with PyTorch for gradients: unary ops, where / clamp / masked_fill,
// softmax / log_softmax / cumsum, and the matrix products (references written
// by gen_autograd_unary.py). Each case's last input is the grad_output; its
// outputs are the op's output, then the gradients of the inputs that require
// grad. ".t" / ".tr01" cases view a base that way and detach it (a
// non-contiguous leaf), as the Python side does.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "support/parity.h"

using namespace ember;
using namespace ember::testing;

namespace {

using In = std::vector<Tensor>;
using Out = std::vector<Tensor>;
using View = std::function<Tensor(const Tensor&)>;
using OpFn = std::function<Tensor(const In&)>;

Tensor t_view(const Tensor& x) { return x.t(); }
Tensor tr01_view(const Tensor& x) { return x.transpose(0, 1); }

Case grad_case(OpFn fn, std::vector<size_t> diff, std::map<size_t, View> views = {},
               std::optional<Tolerance> tol = std::nullopt) {
  return {[=](const In& in) {
            In xs;
            for (size_t i = 0; i + 1 < in.size(); ++i) {
              Tensor x = views.contains(i) ? views.at(i)(in[i]) : in[i];
              x = x.detach();
              if (std::find(diff.begin(), diff.end(), i) != diff.end()) x.requires_grad_();
              xs.push_back(x);
            }
            Tensor out = fn(xs);
            In wrt;
            for (size_t i : diff) wrt.push_back(xs[i]);
            auto grads = autograd::grad({out}, wrt, {in.back()}, std::nullopt, false, true);
            Out r{out.detach()};
            for (size_t k = 0; k < grads.size(); ++k)
              r.push_back(grads[k].defined() ? grads[k] : zeros_like(wrt[k]));
            return r;
          },
          {.tol = tol}};
}

using UnaryFn = Tensor (*)(const Tensor&);
using InplaceFn = Tensor& (*)(Tensor&);

void add_unary(std::map<std::string, Case>& cases) {
  const std::vector<std::pair<std::string, UnaryFn>> ops = {
      {"neg", neg},     {"abs", abs},       {"relu", relu},     {"sign", sign},
      {"floor", floor}, {"ceil", ceil},     {"round", round},   {"trunc", trunc},
      {"frac", frac},   {"square", square}, {"sqrt", sqrt},     {"rsqrt", rsqrt},
      {"exp", exp},     {"exp2", exp2},     {"expm1", expm1},   {"log", log},
      {"log2", log2},   {"log10", log10},   {"log1p", log1p},   {"sin", sin},
      {"cos", cos},     {"tan", tan},       {"asin", asin},     {"acos", acos},
      {"atan", atan},   {"sinh", sinh},     {"cosh", cosh},     {"tanh", tanh},
      {"asinh", asinh}, {"acosh", acosh},   {"atanh", atanh},   {"sigmoid", sigmoid},
      {"erf", erf},     {"erfc", erfc},     {"erfinv", erfinv}, {"reciprocal", reciprocal}};
  for (const auto& [name, f] : ops) {
    OpFn fn = [f](const In& x) { return f(x[0]); };
    cases[name] = grad_case(fn, {0});
    cases[name + ".t"] = grad_case(fn, {0}, {{0, t_view}});
  }
  const std::vector<std::pair<std::string, InplaceFn>> inplace = {
      {"neg_", neg_},     {"abs_", abs_},   {"relu_", relu_},       {"sqrt_", sqrt_},
      {"rsqrt_", rsqrt_}, {"exp_", exp_},   {"log_", log_},         {"sin_", sin_},
      {"cos_", cos_},     {"tanh_", tanh_}, {"sigmoid_", sigmoid_}, {"reciprocal_", reciprocal_},
      {"floor_", floor_}, {"ceil_", ceil_}, {"round_", round_},     {"trunc_", trunc_}};
  for (const auto& [name, f] : inplace) {
    cases[name] = grad_case(
        [f](const In& x) {
          Tensor y = x[0] * 1.0;
          return f(y);
        },
        {0});
  }
}

void add_compare(std::map<std::string, Case>& cases) {
  OpFn where3 = [](const In& x) { return where(x[0], x[1], x[2]); };
  cases["where"] = grad_case(where3, {1, 2});
  cases["where.bcast"] = grad_case(where3, {1, 2});
  cases["where.t"] = grad_case(where3, {1, 2}, {{1, t_view}});
  cases["where.scalar_other"] = grad_case([](const In& x) { return where(x[0], x[1], 2.5); }, {1});
  cases["where.scalar_self"] = grad_case([](const In& x) { return where(x[0], -1.5, x[1]); }, {1});

  cases["clamp"] = grad_case([](const In& x) { return clamp(x[0], -0.5, 0.5); }, {0});
  cases["clamp.min"] = grad_case([](const In& x) { return clamp(x[0], -0.3); }, {0});
  cases["clamp.max"] = grad_case([](const In& x) { return clamp(x[0], std::nullopt, 0.4); }, {0});
  cases["clamp.t"] =
      grad_case([](const In& x) { return clamp(x[0], -0.5, 0.5); }, {0}, {{0, t_view}});
  cases["clamp_min"] = grad_case([](const In& x) { return clamp_min(x[0], 0.1); }, {0});
  cases["clamp_max"] = grad_case([](const In& x) { return clamp_max(x[0], 0.1); }, {0});
  cases["clip"] = grad_case([](const In& x) { return clip(x[0], -0.5, 0.5); }, {0});
  cases["clamp_"] = grad_case(
      [](const In& x) {
        Tensor y = x[0] * 1.0;
        return y.clamp_(-0.5, 0.5);
      },
      {0});
  cases["clamp.tensor"] = grad_case([](const In& x) { return clamp(x[0], x[1], x[2]); }, {0, 1, 2});
  cases["clamp.tensor_min"] =
      grad_case([](const In& x) { return clamp(x[0], x[1], Tensor()); }, {0, 1});
  cases["clamp.tensor_max"] =
      grad_case([](const In& x) { return clamp(x[0], Tensor(), x[1]); }, {0, 1});
  cases["clamp_min.tensor"] = grad_case([](const In& x) { return clamp_min(x[0], x[1]); }, {0, 1});
  cases["clamp_max.tensor"] = grad_case([](const In& x) { return clamp_max(x[0], x[1]); }, {0, 1});
  cases["clamp_.tensor"] = grad_case(
      [](const In& x) {
        Tensor y = x[0] * 1.0;
        return clamp_(y, x[1], x[2]);
      },
      {0, 1, 2});

  OpFn fill = [](const In& x) { return x[0].masked_fill(x[1], 0.5); };
  cases["masked_fill"] = grad_case([](const In& x) { return x[0].masked_fill(x[1], -2.0); }, {0});
  cases["masked_fill.bcast_mask"] = grad_case(fill, {0});
  cases["masked_fill.bcast_self"] = grad_case(fill, {0});
  cases["masked_fill.tensor"] =
      grad_case([](const In& x) { return masked_fill(x[0], x[1], x[2]); }, {0, 2});
  cases["masked_fill_"] = grad_case(
      [](const In& x) {
        Tensor y = x[0] * 1.0;
        return y.masked_fill_(x[1], 3.0);
      },
      {0});
  cases["masked_fill_.tensor"] = grad_case(
      [](const In& x) {
        Tensor y = x[0] * 1.0;
        return masked_fill_(y, x[1], x[2]);
      },
      {0, 2});
}

void add_softmax(std::map<std::string, Case>& cases) {
  using DimOp = Tensor (*)(const Tensor&, int64_t, std::optional<DType>);
  const std::vector<std::pair<std::string, DimOp>> ops = {
      {"softmax", softmax}, {"log_softmax", log_softmax}, {"cumsum", cumsum}};
  for (const auto& [name, f] : ops) {
    for (const auto& [dname, dim] :
         std::vector<std::pair<std::string, int64_t>>{{"d0", 0}, {"d1", 1}, {"dm1", -1}}) {
      cases[name + "." + dname] =
          grad_case([f, dim](const In& x) { return f(x[0], dim, std::nullopt); }, {0});
    }
    OpFn along1 = [f](const In& x) { return f(x[0], 1, std::nullopt); };
    cases[name + ".3d"] = grad_case(along1, {0});
    cases[name + ".t"] = grad_case(along1, {0}, {{0, t_view}});
    cases[name + ".dtype"] = grad_case([f](const In& x) { return f(x[0], 1, kFloat64); }, {0});
  }
  cases["log_softmax.batch"] = grad_case([](const In& x) { return log_softmax(x[0], 1); }, {0});
}

// float32 sums of k products (BLAS blocking orders round differently).
Tolerance f32(int64_t k) { return {1.3e-6, 1e-5 + 2e-7 * static_cast<double>(k)}; }

void add_linalg(std::map<std::string, Case>& cases) {
  const Tolerance tol = f32(16);
  OpFn mm2 = [](const In& x) { return mm(x[0], x[1]); };
  cases["mm"] = grad_case(mm2, {0, 1}, {}, tol);
  cases["mm.t"] = grad_case(mm2, {0, 1}, {{0, t_view}, {1, t_view}}, tol);
  cases["mm.const_other"] = grad_case(mm2, {0}, {}, tol);
  cases["mm.const_self"] = grad_case(mm2, {1}, {}, tol);
  OpFn addmm3 = [](const In& x) { return addmm(x[0], x[1], x[2]); };
  cases["addmm"] = grad_case(addmm3, {0, 1, 2}, {}, tol);
  cases["addmm.full_bias"] = grad_case(addmm3, {0, 1, 2}, {}, tol);
  cases["addmm.scaled"] = grad_case([](const In& x) { return addmm(x[0], x[1], x[2], 0.5, -2.0); },
                                    {0, 1, 2}, {{2, t_view}}, tol);
  cases["bmm"] = grad_case([](const In& x) { return bmm(x[0], x[1]); }, {0, 1}, {}, tol);
  cases["baddbmm"] = grad_case([](const In& x) { return baddbmm(x[0], x[1], x[2], 0.5, 2.0); },
                               {0, 1, 2}, {}, tol);
  OpFn mv2 = [](const In& x) { return mv(x[0], x[1]); };
  cases["mv"] = grad_case(mv2, {0, 1}, {}, tol);
  cases["mv.t"] = grad_case(mv2, {0, 1}, {{0, t_view}}, tol);
  cases["dot"] = grad_case([](const In& x) { return dot(x[0], x[1]); }, {0, 1}, {}, tol);

  OpFn mat = [](const In& x) { return matmul(x[0], x[1]); };
  for (const char* name :
       {"1d1d", "2d1d", "1d2d", "2d2d", "3d1d", "3d2d", "1d3d", "2d3d", "3d3d", "bcast"})
    cases[std::string("matmul.") + name] = grad_case(mat, {0, 1}, {}, tol);
  cases["matmul.tr01"] = grad_case(mat, {0, 1}, {{0, tr01_view}}, tol);

  OpFn lin2 = [](const In& x) { return linear(x[0], x[1]); };
  OpFn lin3 = [](const In& x) { return linear(x[0], x[1], x[2]); };
  cases["linear"] = grad_case(lin2, {0, 1}, {}, tol);
  cases["linear.bias"] = grad_case(lin3, {0, 1, 2}, {}, tol);
  cases["linear.3d_bias"] = grad_case(lin3, {0, 1, 2}, {}, tol);
  cases["linear.3d_tr01_bias"] = grad_case(lin3, {0, 1, 2}, {{0, tr01_view}}, tol);
  cases["linear.1d_bias"] = grad_case(lin3, {0, 1, 2}, {}, tol);
  cases["linear.weights_only"] = grad_case(lin3, {1, 2}, {}, tol);
  cases["mlp"] = grad_case(
      [](const In& x) {
        return log_softmax(linear(relu(linear(x[0], x[1], x[2])), x[3], x[4]), 1);
      },
      {1, 2, 3, 4}, {}, f32(32));
}

}  // namespace

TEST(autogradUnaryParity, AgainstPyTorch) {
  std::map<std::string, Case> cases;
  add_unary(cases);
  add_compare(cases);
  add_softmax(cases);
  add_linalg(cases);
  run_parity("autograd_unary", cases);
}
