// Activation ops: argument checks, output allocation and autograd recording.
// The loops are in kernels/cpu/activation.cpp.
#include "ember/ops/activation.h"

#include <cmath>
#include <numbers>

#include "autograd/record.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/binary.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using autograd::FormulaNodeBase;
using autograd::variable_list;
using kernels::ActOp;
using kernels::ActParams;
using kernels::TensorIter;

Tensor act_out(ActOp op, const ActParams& p, const Tensor& x, const char* name) {
  // log_sigmoid's output is contiguous whatever x's strides (PyTorch 1.13's
  // log_sigmoid_forward_cpu); the others follow x's layout.
  Tensor out = op == ActOp::LogSigmoid
                   ? empty(x.sizes(), {.dtype = x.dtype(), .device = x.device()})
                   : ops::empty_following(x.sizes(), x.dtype(), {x});
  if (out.is_meta() || out.numel() == 0) {
    if (!is_floating_point(x.dtype()))
      kernels::activation_kernel(op, p, TensorIter(x.sizes(), {out, out}), x.dtype(), name);
    return out;
  }
  kernels::activation_kernel(op, p, TensorIter(x.sizes(), {out, x}), x.dtype(), name);
  return out;
}

void act_inplace(ActOp op, const ActParams& p, Tensor& x, const char* name) {
  if (x.is_meta()) return;
  kernels::check_no_internal_overlap(x);
  kernels::activation_kernel(op, p, TensorIter(x.sizes(), {x, x}), x.dtype(), name);
}

// grad_in = f'(g, s) composed of recorded ops: what backward computes under
// create_graph, so that the gradient itself can be differentiated again.
Tensor act_backward_composite(ActOp op, const ActParams& p, bool from_result, const Tensor& g,
                              const Tensor& s) {
  const double a = p.a, b = p.b, c = p.c;
  const Tensor& x = s;
  switch (op) {
    case ActOp::Gelu:
      return g * ((1 + (x * (std::numbers::sqrt2 / 2)).erf()) * 0.5 +
                  x * (x * x * -0.5).exp() * (std::numbers::sqrt2 * std::numbers::inv_sqrtpi / 2));
    case ActOp::GeluTanh: {
      const double kBeta = std::numbers::sqrt2 * std::numbers::inv_sqrtpi, kKappa = 0.044715;
      const Tensor t = ((x + x * x * x * kKappa) * kBeta).tanh();
      return g * ((1 + t) * 0.5 + x * 0.5 * (1 - t * t) * kBeta * (1 + x * x * (3 * kKappa)));
    }
    case ActOp::Silu: {
      const Tensor sg = x.sigmoid();
      return g * sg * (1 + x * (1 - sg));
    }
    case ActOp::Mish: {
      const Tensor t = softplus(x).tanh();
      return g * (t + x * x.sigmoid() * (1 - t * t));
    }
    case ActOp::Elu:
      // The fused kernel's values (the negative branch at 0 and for NaN);
      // differentiated again, 0 at 0 (PyTorch's elu_double_backward masks with < 0).
      if (from_result)
        return where(s > 0, g * b, where(s == 0, g * (c * a * b), g * c * (s + a * b)));
      return where(x > 0, g * b, where(x == 0, g * (c * a * b), g * (c * a * b) * (x * c).exp()));
    case ActOp::LeakyRelu:
      return where(s > 0, g, g * a);
    case ActOp::Hardtanh:
      return where((s > a) & (s < b), g, zeros_like(g));
    case ActOp::Hardsigmoid:
      return where((x > -3) & (x < 3), g / 6, zeros_like(g));
    case ActOp::Hardswish:
      // the fused kernel's values; d/dx as PyTorch's: g / 3 on (-3, 3) only
      return where(x < -3, zeros_like(g),
                   where(x >= 3, g, where(x == -3, g * -0.5, g * (x / 3 + 0.5))));
    case ActOp::Softplus: {
      // differentiated again, 0 where x * beta == threshold (as PyTorch's
      // softplus_double_backward, which masks with <)
      const Tensor xb = x * a;
      return where(xb > b, g, where(xb == b, g * (1 / (1 + std::exp(-b))), g * xb.sigmoid()));
    }
    case ActOp::Threshold:
      return where(s <= a, zeros_like(g), g);
    case ActOp::LogSigmoid:
      return g * (-x).sigmoid();
    case ActOp::Softshrink:
    case ActOp::Hardshrink:
      return where((x >= -a) & (x <= a), zeros_like(g), g);
  }
  return Tensor();
}

// grad_in = f'(g, s) in one pass (or composed when the graph is kept).
Tensor act_backward(ActOp op, const ActParams& p, bool from_result, const Tensor& g,
                    const Tensor& s) {
  // As PyTorch, the in-place forms with a negative slope fail when backward runs.
  EMBER_CHECK(!(from_result && op == ActOp::LeakyRelu && p.a < 0), RuntimeError,
              "In-place leakyReLu backward calculation is triggered with a negative slope which is "
              "not supported. This is caused by calling in-place forward function with a negative "
              "slope, please call out-of-place version instead. File an issue at "
              "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
              "backward calculation with negative slope");
  EMBER_CHECK(!(from_result && op == ActOp::Elu && p.a < 0), RuntimeError,
              "In-place elu backward calculation is triggered with a negative slope which is not "
              "supported. This is caused by calling in-place forward function with a negative "
              "slope, please call out-of-place version instead.");
  if (is_grad_enabled() && (autograd::requires_grad(g) || autograd::requires_grad(s)))
    return act_backward_composite(op, p, from_result, g, s);
  // The incoming gradient is written over when nothing else holds it (the
  // engine hands a node its gradient buffers): no new buffer to stream
  // through the cache. Any other holder (the caller, a hook, another edge, a
  // view) keeps it intact.
  const bool reuse = g.use_count() == 1 && g.storage() && g.storage().use_count() == 1 &&
                     g.dtype() == s.dtype() && g.device() == s.device() && g.sizes() == s.sizes() &&
                     g.strides() == s.strides() && g.is_non_overlapping_and_dense();
  Tensor out = reuse ? g : ops::empty_following(s.sizes(), s.dtype(), {s});
  if (out.numel() == 0) return out;
  kernels::activation_backward_kernel(
      op, p, from_result,
      TensorIter(s.sizes(), {out, kernels::as_operand(g, s.dtype(), s.sizes()), s}), s.dtype());
  return out;
}

void check_floating(const Tensor& x, const char* name) {
  EMBER_CHECK(x.is_floating_point(), TypeError, "\"", name, "\" not implemented for '",
              scalar_type_name(x.dtype()), "'");
}

// out = op(x), recorded as `node` (saving the input).
Tensor activation(const char* node, ActOp op, const ActParams& p, const Tensor& x,
                  const char* name) {
  check_floating(x, name);
  if (!autograd::grad_needed(x)) return act_out(op, p, x, name);
  Tensor out = autograd::untracked([&] { return act_out(op, p, x, name); });
  auto n = autograd::make_node(
      node,
      [op, p](FormulaNodeBase& n, variable_list& g) {
        return variable_list{act_backward(op, p, false, g[0], n.saved(0))};
      },
      x);
  n->save(x);
  autograd::set_history(out, n);
  return out;
}

// x = op(x) in place, recorded as `node`; the formula reads the result when
// from_result, else a copy of the input taken before the write.
Tensor& activation_(const char* node, ActOp op, const ActParams& p, Tensor& x, bool from_result,
                    const char* name) {
  check_floating(x, name);
  autograd::check_inplace(x);
  if (!autograd::grad_needed(x)) {
    act_inplace(op, p, x, name);
    autograd::finish_inplace(x);
    return x;
  }
  auto n = autograd::make_node(
      node,
      [op, p, from_result](FormulaNodeBase& n, variable_list& g) {
        return variable_list{act_backward(op, p, from_result, g[0], n.saved(0))};
      },
      x);
  // The input, copied before the write; the copy is recorded (CloneBackward0
  // from x's history) so that the gradient can be differentiated again.
  if (!from_result) n->save(x.clone());
  autograd::untracked([&] { act_inplace(op, p, x, name); });
  autograd::finish_inplace(x, n);
  if (from_result) n->save_output(x);
  return x;
}

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

void check_celu(double alpha) {
  EMBER_CHECK(alpha != 0.0, RuntimeError, "ZeroDivisionError: alpha cannot be 0 for CELU");
}

}  // namespace

Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold) {
  return act_backward(ActOp::Threshold, {threshold, 0.0}, false, grad_output, self);
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh", RuntimeError,
              "approximate argument must be either none or tanh.");
  return activation("GeluBackward0", approximate == "tanh" ? ActOp::GeluTanh : ActOp::Gelu, {}, x,
                    "GeluKernelImpl");
}
Tensor silu(const Tensor& x) { return activation("SiluBackward0", ActOp::Silu, {}, x, "silu"); }
Tensor& silu_(Tensor& x) { return activation_("SiluBackward0", ActOp::Silu, {}, x, false, "silu"); }
Tensor mish(const Tensor& x) { return activation("MishBackward0", ActOp::Mish, {}, x, "mish"); }
Tensor& mish_(Tensor& x) { return activation_("MishBackward0", ActOp::Mish, {}, x, false, "mish"); }
Tensor elu(const Tensor& x, double alpha, double scale, double input_scale) {
  return activation("EluBackward0", ActOp::Elu, {alpha, scale, input_scale}, x, "elu");
}
Tensor& elu_(Tensor& x, double alpha, double scale, double input_scale) {
  return activation_("EluBackward1", ActOp::Elu, {alpha, scale, input_scale}, x, true, "elu");
}
Tensor selu(const Tensor& x) {
  return activation("EluBackward0", ActOp::Elu, {kSeluAlpha, kSeluScale, 1.0}, x, "elu");
}
Tensor& selu_(Tensor& x) {
  return activation_("EluBackward1", ActOp::Elu, {kSeluAlpha, kSeluScale, 1.0}, x, true, "elu");
}
Tensor celu(const Tensor& x, double alpha) {
  check_celu(alpha);
  return activation("CeluBackward0", ActOp::Elu, {alpha, 1.0, 1.0 / alpha}, x, "elu");
}
Tensor& celu_(Tensor& x, double alpha) {
  check_celu(alpha);
  return activation_("CeluBackward1", ActOp::Elu, {alpha, 1.0, 1.0 / alpha}, x, true, "elu");
}
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return activation("LeakyReluBackward0", ActOp::LeakyRelu, {negative_slope}, x, "leaky_relu");
}
Tensor& leaky_relu_(Tensor& x, double negative_slope) {
  return activation_("LeakyReluBackward1", ActOp::LeakyRelu, {negative_slope}, x, true,
                     "leaky_relu");
}
Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  return activation("HardtanhBackward0", ActOp::Hardtanh, {min_val, max_val}, x, "hardtanh");
}
Tensor& hardtanh_(Tensor& x, double min_val, double max_val) {
  return activation_("HardtanhBackward0", ActOp::Hardtanh, {min_val, max_val}, x, true, "hardtanh");
}
Tensor relu6(const Tensor& x) { return hardtanh(x, 0.0, 6.0); }
Tensor& relu6_(Tensor& x) { return hardtanh_(x, 0.0, 6.0); }
Tensor hardsigmoid(const Tensor& x) {
  return activation("HardsigmoidBackward0", ActOp::Hardsigmoid, {}, x, "hardsigmoid");
}
Tensor& hardsigmoid_(Tensor& x) {
  return activation_("HardsigmoidBackward0", ActOp::Hardsigmoid, {}, x, false, "hardsigmoid");
}
Tensor hardswish(const Tensor& x) {
  return activation("HardswishBackward0", ActOp::Hardswish, {}, x, "hardswish");
}
Tensor& hardswish_(Tensor& x) {
  return activation_("HardswishBackward0", ActOp::Hardswish, {}, x, false, "hardswish");
}
Tensor softplus(const Tensor& x, double beta, double threshold) {
  return activation("SoftplusBackward0", ActOp::Softplus, {beta, threshold}, x, "softplus");
}
Tensor softsign(const Tensor& x) { return x / (x.abs() + 1); }
Tensor threshold(const Tensor& x, double threshold, double value) {
  return activation("ThresholdBackward0", ActOp::Threshold, {threshold, value}, x, "threshold");
}
// The formula reads the input (as PyTorch's ThresholdBackward1): the result
// cannot tell a replaced element when value > threshold.
Tensor& threshold_(Tensor& x, double threshold, double value) {
  return activation_("ThresholdBackward1", ActOp::Threshold, {threshold, value}, x, false,
                     "threshold");
}
Tensor log_sigmoid(const Tensor& x) {
  return activation("LogSigmoidBackward0", ActOp::LogSigmoid, {}, x, "log_sigmoid_forward");
}

Tensor softshrink(const Tensor& x, double lambd) {
  EMBER_CHECK(lambd >= 0, RuntimeError, "lambda must be greater or equal to 0, but found to be ",
              lambd, ".");
  return activation("SoftshrinkBackward0", ActOp::Softshrink, {lambd}, x, "softshrink_cpu");
}
Tensor hardshrink(const Tensor& x, double lambd) {
  return activation("HardshrinkBackward0", ActOp::Hardshrink, {lambd}, x, "hardshrink_cpu");
}

Tensor glu(const Tensor& x, int64_t dim) {
  EMBER_CHECK(x.dim() > 0, RuntimeError,
              "glu does not support scalars because halving size must be even");
  const int64_t d = wrap_dim(dim, x.dim());
  EMBER_CHECK(x.size(d) % 2 == 0, RuntimeError, "Halving dimension must be even, but dimension ", d,
              " is size ", x.size(d));
  check_floating(x, "glu");
  const int64_t h = x.size(d) / 2;
  auto impl = [&] {
    // Half and BFloat16 in float, rounded once (as PyTorch's kernel).
    const bool reduced = x.dtype() == kFloat16 || x.dtype() == kBFloat16;
    const Tensor xf = reduced ? x.to(kFloat32) : x;
    const Tensor y = xf.narrow(d, 0, h) * xf.narrow(d, h, h).sigmoid();
    return reduced ? y.to(x.dtype()) : y;
  };
  if (!autograd::grad_needed(x)) return autograd::untracked(impl);
  Tensor out = autograd::untracked(impl);
  auto n = autograd::make_node(
      "GluBackward0",
      [d, h](FormulaNodeBase& n, variable_list& g) {
        // d/da = sigmoid(b), d/db = a sigmoid(b) (1 - sigmoid(b)); composed of
        // recorded ops, so that it is differentiable again.
        const Tensor x = n.saved(0);
        const Tensor a = x.narrow(d, 0, h), sb = x.narrow(d, h, h).sigmoid();
        const Tensor ga = g[0] * sb;
        return variable_list{cat({ga, ga * a * (1 - sb)}, d)};
      },
      x);
  n->save(x);
  autograd::set_history(out, n);
  return out;
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  EMBER_CHECK(x.is_floating_point() && weight.dtype() == x.dtype(), RuntimeError,
              "prelu: expected input and weight of one floating dtype, got ",
              scalar_type_name(x.dtype()), " and ", scalar_type_name(weight.dtype()));
  const int64_t nw = weight.numel();
  const int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  EMBER_CHECK(
      weight.dim() <= 1, RuntimeError,
      "prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = ", weight.dim());
  EMBER_CHECK(nw == 1 || nw == channels, RuntimeError,
              "Mismatch of parameter numbers and input channel size. Found parameter numbers = ",
              nw, " and channel size = ", channels, ".");
  // weight viewed as [1, C, 1, ...] (or one value broadcast everywhere).
  auto weight_view = [](const Tensor& w, const Tensor& in) {
    if (w.numel() == 1 || in.dim() < 2) return w.reshape({});
    DimVector shape(static_cast<size_t>(in.dim()), 1);
    shape[1] = w.numel();
    return w.reshape(shape);
  };
  auto impl = [&] {
    // Contiguous, or channels_last when x suggests it, whatever x's strides
    // (PyTorch's empty_like(self, self.suggest_memory_format())).
    const Tensor xc = x.contiguous(x.suggest_memory_format());
    const Tensor w = weight_view(weight, xc);
    return where(xc > 0, xc, xc * w);
  };
  if (!autograd::grad_needed(x, weight)) return autograd::untracked(impl);
  Tensor out = autograd::untracked(impl);
  auto n = autograd::make_node(
      "PreluBackward0",
      [weight_view](FormulaNodeBase& n, variable_list& g) {
        const Tensor x = n.saved(0), w = n.saved(1);
        const Tensor pos = x > 0;
        const Tensor gx = where(pos, g[0], g[0] * weight_view(w, x));
        Tensor gw = where(pos, zeros_like(x), g[0] * x);
        if (w.numel() == 1 || x.dim() < 2) {
          gw = gw.sum().reshape(w.sizes());
        } else {
          DimVector dims;
          for (int64_t d = 0; d < x.dim(); ++d)
            if (d != 1) dims.push_back(d);
          gw = gw.sum(dims).reshape(w.sizes());
        }
        return variable_list{gx, gw};
      },
      x, weight);
  n->save(x);
  n->save(weight);
  autograd::set_history(out, n);
  return out;
}

}  // namespace ember
