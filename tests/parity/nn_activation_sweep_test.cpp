// Seeded random activation configurations against torch
// (tests/parity/gen_nn_activation_sweep.py): every activation of
// nn::functional and its module, with random parameters, shapes (0-D..4-D,
// empty), layouts (permuted, channels_last, strided), kink / large / non-finite
// values, float32/float64/float16/bfloat16 and in-place forms; outputs (with
// their strides), the written input, input and PReLU weight gradients and the
// double backward. Texts: the reprs and errors of the modules the sweep adds.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;
using ember::testing::Tolerance;
namespace F = ember::nn::functional;

namespace {

enum Op : int64_t {
  kRelu,
  kRelu6,
  kLeaky,
  kPrelu,
  kElu,
  kSelu,
  kCelu,
  kGelu,
  kGeluTanh,
  kSilu,
  kMish,
  kSigmoid,
  kTanh,
  kHardtanh,
  kHardsigmoid,
  kHardswish,
  kSoftplus,
  kSoftsign,
  kThreshold,
  kLogSigmoid,
  kSoftmax,
  kLogSoftmax,
  kSoftmin,
  kSoftmax2d,
  kTanhshrink,
  kSoftshrink,
  kHardshrink,
  kGlu,
};
constexpr int64_t kNoDim = -100;
const DType kDTypes[] = {kFloat32, kFloat64, kFloat16, kBFloat16};

// t with its dims stored in `perm` order (the innermost of them stepped by 2
// when step): the same values, other strides; differentiable. A view (of a
// permuted copy) when view, else a tensor of its own (a copy into empty_strided).
Tensor layout(const Tensor& t, const std::vector<int64_t>& perm, bool step, bool view) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int64_t(i);
  if (t.dim() == 0 || (identity && !step && !view)) return t;
  if (!view) {
    std::vector<int64_t> strides(perm.size());
    int64_t acc = 1;
    for (size_t i = 0; i < perm.size(); ++i) {
      const int64_t d = perm[perm.size() - 1 - i], k = step && i == 0 ? 2 : 1;
      strides[static_cast<size_t>(d)] = acc * k;
      acc *= t.size(d) * k;
    }
    Tensor out = empty_strided(t.sizes(), strides, {.dtype = t.dtype()});
    out.copy_(t);
    return out;
  }
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = int64_t(i);
  Tensor p = t.permute(perm);
  if (step)
    p = stack({p, zeros_like(p)}, -1).flatten(-2).slice(-1, std::nullopt, std::nullopt, 2);
  else
    p = p.contiguous();
  return p.permute(inv);
}

struct Config {
  int64_t op, form, inplace, second, dim, nparam;
  std::optional<DType> dtype;
  double a, b;
};

template <typename M, typename... A>
Tensor fwd(const Tensor& x, A&&... args) {
  return nn::make<M>(std::forward<A>(args)...)->forward(x);
}

// op on x; the second result is the PReLU module's weight.
std::pair<Tensor, Tensor> run(const Config& c, const Tensor& x, const Tensor& w) {
  const bool m = c.form != 0, ip = c.inplace != 0;
  const double a = c.a, b = c.b;
  const std::optional<int64_t> dim = c.dim == kNoDim ? std::nullopt : std::optional<int64_t>(c.dim);
  switch (c.op) {
    case kRelu:
      return {m ? fwd<nn::ReLU>(x, ip) : F::relu(x, ip), {}};
    case kRelu6:
      return {m ? fwd<nn::ReLU6>(x, ip) : F::relu6(x, ip), {}};
    case kLeaky:
      return {m ? fwd<nn::LeakyReLU>(x, a, ip) : F::leaky_relu(x, a, ip), {}};
    case kPrelu:
      if (m) {
        auto mod = nn::make<nn::PReLU>(c.nparam, a, TensorOptions{.dtype = x.dtype()});
        return {mod->forward(x), mod->weight};
      }
      return {F::prelu(x, w), {}};
    case kElu:
      return {m ? fwd<nn::ELU>(x, a, ip) : F::elu(x, a, ip), {}};
    case kSelu:
      return {m ? fwd<nn::SELU>(x, ip) : F::selu(x, ip), {}};
    case kCelu:
      return {m ? fwd<nn::CELU>(x, a, ip) : F::celu(x, a, ip), {}};
    case kGelu:
    case kGeluTanh: {
      const std::string ap = c.op == kGeluTanh ? "tanh" : "none";
      return {m ? fwd<nn::GELU>(x, ap) : F::gelu(x, ap), {}};
    }
    case kSilu:
      return {m ? fwd<nn::SiLU>(x, ip) : F::silu(x, ip), {}};
    case kMish:
      return {m ? fwd<nn::Mish>(x, ip) : F::mish(x, ip), {}};
    case kSigmoid:
      return {m ? fwd<nn::Sigmoid>(x) : F::sigmoid(x), {}};
    case kTanh:
      return {m ? fwd<nn::Tanh>(x) : F::tanh(x), {}};
    case kHardtanh:
      return {m ? fwd<nn::Hardtanh>(x, a, b, ip) : F::hardtanh(x, a, b, ip), {}};
    case kHardsigmoid:
      return {m ? fwd<nn::Hardsigmoid>(x, ip) : F::hardsigmoid(x, ip), {}};
    case kHardswish:
      return {m ? fwd<nn::Hardswish>(x, ip) : F::hardswish(x, ip), {}};
    case kSoftplus:
      return {m ? fwd<nn::Softplus>(x, a, b) : F::softplus(x, a, b), {}};
    case kSoftsign:
      return {m ? fwd<nn::Softsign>(x) : F::softsign(x), {}};
    case kThreshold:
      return {m ? fwd<nn::Threshold>(x, a, b, ip) : F::threshold(x, a, b, ip), {}};
    case kLogSigmoid:
      return {m ? fwd<nn::LogSigmoid>(x) : F::logsigmoid(x), {}};
    case kSoftmax:
      return {m ? fwd<nn::Softmax>(x, dim) : F::softmax(x, dim, c.dtype), {}};
    case kLogSoftmax:
      return {m ? fwd<nn::LogSoftmax>(x, dim) : F::log_softmax(x, dim, c.dtype), {}};
    case kSoftmin:
      return {m ? fwd<nn::Softmin>(x, dim) : F::softmin(x, dim, c.dtype), {}};
    case kSoftmax2d:
      return {fwd<nn::Softmax2d>(x), {}};
    case kTanhshrink:
      return {m ? fwd<nn::Tanhshrink>(x) : F::tanhshrink(x), {}};
    case kSoftshrink:
      return {m ? fwd<nn::Softshrink>(x, a) : F::softshrink(x, a), {}};
    case kHardshrink:
      return {m ? fwd<nn::Hardshrink>(x, a) : F::hardshrink(x, a), {}};
    case kGlu:
      return {m ? fwd<nn::GLU>(x, c.dim) : F::glu(x, c.dim), {}};
    default:
      throw std::runtime_error("unknown op " + std::to_string(c.op));
  }
}

Tensor or_zeros(const Tensor& g, const Tensor& like) {
  return g.defined() ? g.detach() : zeros_like(like);
}

// in: x, grad_y, v (empty: no double backward), PReLU weight (empty: none),
// (op, form, inplace, second, dim, dtype code, perm[4], step, nparam, view,
// float32 reference), (a, b).
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  const auto p = in[4].tolist<int64_t>();
  const auto f = in[5].tolist<double>();
  const Config c{.op = p[0],
                 .form = p[1],
                 .inplace = p[2],
                 .second = p[3],
                 .dim = p[4],
                 .nparam = p[11],
                 .dtype = p[5] < 0 ? std::nullopt : std::optional<DType>(kDTypes[p[5]]),
                 .a = f[0],
                 .b = f[1]};
  std::vector<int64_t> perm;
  for (int i = 6; i < 10; ++i)
    if (p[i] >= 0) perm.push_back(p[i]);
  const bool second = c.second != 0;

  Tensor xl = in[0].clone().requires_grad_(true);
  Tensor wl = in[3].numel() ? in[3].clone().requires_grad_(true) : Tensor();
  Tensor arg = layout(c.inplace ? xl.clone() : xl, perm, p[10] != 0, p[12] != 0);
  auto [y, mw] = run(c, arg, wl);
  if (mw.defined()) wl = mw;
  if (c.inplace && y.data_ptr() != arg.data_ptr())
    throw std::runtime_error("the in-place result does not share the input's storage");
  std::vector<Tensor> wrt{xl};
  if (wl.defined()) wrt.push_back(wl);
  const Tensor gy = in[1].clone().requires_grad_(second);
  const auto gs = autograd::grad({y}, wrt, {gy}, std::nullopt, second, true);
  std::vector<Tensor> outs{y.detach()};
  if (c.inplace) outs.push_back(arg.detach());
  for (size_t i = 0; i < gs.size(); ++i) outs.push_back(or_zeros(gs[i], wrt[i]));
  if (second) {
    const Tensor s = (gs[0] * in[2]).sum();
    std::vector<Tensor> ins{xl, gy};
    if (wl.defined()) ins.push_back(wl);
    std::vector<Tensor> gg(ins.size());
    if (s.requires_grad()) gg = autograd::grad({s}, ins, {}, std::nullopt, false, true);
    for (size_t i = 0; i < ins.size(); ++i) outs.push_back(or_zeros(gg[i], ins[i]));
  }
  return outs;
}

}  // namespace

TEST(NnActivationSweepParity, Values) {
  ParityFile file("nn_activation_sweep");
  std::map<std::string, Case> cases;
  for (const std::string& name : file.cases()) {
    const DType dt = file.get(name + "/in0").dtype();
    const bool fallback = file.get(name + "/in4").tolist<int64_t>()[13] != 0;
    std::optional<Tolerance> tol;
    // float16 / bfloat16: computed in float32 and rounded once by both (or
    // torch's float32 result rounded): within an ulp or two; gradients from a
    // saved half result against float32's: within a few ulps of 1 times grad.
    if (dt == kFloat16) tol = Tolerance{2e-3, fallback ? 5e-3 : 1e-3};
    if (dt == kBFloat16) tol = Tolerance{1.6e-2, 1e-2};
    cases[name] = {sweep_case, {.tol = tol, .check_strides = true}};
  }
  ASSERT_GE(cases.size(), 196u);
  run_parity("nn_activation_sweep", cases);
}

TEST(NnActivationSweepParity, Texts) {
  ParityFile f("nn_activation_sweep");
  std::map<std::string, std::string> got;
  auto repr = [&](const std::string& k, const nn::ModulePtr& m) { got["repr_" + k] = m->str(); };
  repr("Softmin", nn::make<nn::Softmin>(1));
  repr("Softmin_none", nn::make<nn::Softmin>());
  repr("Softmax2d", nn::make<nn::Softmax2d>());
  repr("LogSigmoid", nn::make<nn::LogSigmoid>());
  repr("Tanhshrink", nn::make<nn::Tanhshrink>());
  repr("Softshrink", nn::make<nn::Softshrink>());
  repr("Softshrink_args", nn::make<nn::Softshrink>(1.5));
  repr("Hardshrink", nn::make<nn::Hardshrink>());
  repr("Hardshrink_args", nn::make<nn::Hardshrink>(2.0));
  repr("GLU", nn::make<nn::GLU>());
  repr("GLU_args", nn::make<nn::GLU>(1));
  got["err_softshrink_neg"] = error_text([] { F::softshrink(randn({2}), -1.0); });
  got["err_softshrink_neg_half"] = error_text([] { F::softshrink(randn({2}), -0.5); });
  got["err_glu_scalar"] = error_text([] { F::glu(randn({})); });
  got["err_glu_odd"] = error_text([] { F::glu(randn({2, 3}), 1); });
  got["err_glu_odd_neg"] = error_text([] { F::glu(randn({5, 2}), -2); });
  got["err_softmax2d_dim"] = error_text([] { nn::make<nn::Softmax2d>()->forward(randn({2, 3})); });
  ASSERT_EQ(f.metadata().size(), got.size());
  ember::testing::expect_texts(f.metadata(), got);
}
