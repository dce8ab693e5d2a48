// Losses. nll_loss has its own loop (forward and backward, over input viewed as
// (N, C, S)); mse / smooth_l1 / huber / binary cross entropy compute with
// ordinary ops and record PyTorch's single node; the rest are composed of
// recorded ops exactly as aten composes them.
#include "ember/ops/loss.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "autograd/record.h"
#include "ember/ops/activation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "kernels/cpu/convert.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using autograd::FormulaNodeBase;
using autograd::variable_list;

enum class Red { None, Mean, Sum };

Red parse_reduction(const std::string& r) {
  if (r == "none") return Red::None;
  if (r == "mean") return Red::Mean;
  if (r == "sum") return Red::Sum;
  throw ValueError(r + " is not a valid value for reduction");
}

Tensor apply_reduction(const Tensor& l, Red red) {
  if (red == Red::Mean) return l.mean();
  if (red == Red::Sum) return l.sum();
  return l;
}

// "torch.Size([3, 4])" as Python prints sizes.
std::string torch_size(IntArrayRef s) {
  std::ostringstream os;
  os << "torch.Size([";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "])";
  return os.str();
}

// ---- nll_loss

struct NllShape {
  int64_t n, c, s;  // input viewed as (n, c, s)
};

NllShape check_nll(const Tensor& input, const Tensor& target, const Tensor& weight) {
  EMBER_CHECK(input.dim() >= 1, ValueError, "Expected 1 or more dimensions (got ", input.dim(),
              ")");
  if (input.dim() != 1) {
    EMBER_CHECK(target.dim() >= 1 && input.size(0) == target.size(0), ValueError,
                "Expected input batch_size (", input.size(0), ") to match target batch_size (",
                target.dim() >= 1 ? target.size(0) : 1, ").");
  }
  EMBER_CHECK(target.dtype() == DType::Int64, RuntimeError, "expected scalar type Long but found ",
              scalar_type_name(target.dtype()));
  EMBER_CHECK(input.is_floating_point(), RuntimeError,
              "\"nll_loss_out_frame\" not implemented for '", scalar_type_name(input.dtype()), "'");
  if (input.dim() <= 2) {
    EMBER_CHECK(target.dim() <= 1, RuntimeError,
                "0D or 1D target tensor expected, multi-target not supported");
    const bool no_batch = input.dim() == 1 && target.dim() == 0;
    EMBER_CHECK(no_batch || input.size(0) == target.size(0), RuntimeError,
                "size mismatch (got input: ", input.sizes(), ", target: ", target.sizes(), ")");
  } else {
    DimVector expect;
    expect.push_back(input.size(0));
    for (int64_t d = 2; d < input.dim(); ++d) expect.push_back(input.size(d));
    EMBER_CHECK(IntArrayRef(expect) == target.sizes(), RuntimeError, "Expected target size ",
                expect, ", got ", target.sizes());
  }
  const int64_t cdim = input.dim() == 1 ? 0 : 1;
  const int64_t c = input.size(cdim);
  EMBER_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == c), RuntimeError,
              "weight tensor should be defined either for all ", c,
              " classes or no classes but got weight tensor of shape: ", weight.sizes());
  NllShape sh{input.dim() == 1 ? 1 : input.size(0), c, 1};
  for (int64_t d = 2; d < input.dim(); ++d) sh.s *= input.size(d);
  return sh;
}

// Validates every target (before anything is computed).
void check_targets(const Tensor& t, int64_t c, int64_t ignore_index) {
  const int64_t* tp = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int64_t v = tp[i];
    EMBER_CHECK(v == ignore_index || (v >= 0 && v < c), IndexError, "Target ", v,
                " is out of bounds.");
  }
}

// Returns (output, total_weight).
std::pair<Tensor, double> nll_forward(const Tensor& input, const Tensor& target,
                                      const Tensor& weight, int64_t ignore_index, Red red,
                                      const NllShape& sh) {
  const Tensor x = input.contiguous();
  const Tensor t = target.contiguous();
  check_targets(t, sh.c, ignore_index);
  const Tensor w = weight.defined() ? weight.to(DType::Float64).contiguous() : Tensor();
  const double* wp = w.defined() ? w.data_ptr<double>() : nullptr;
  const int64_t* tp = t.data_ptr<int64_t>();
  Tensor out = red == Red::None ? empty(target.sizes(), {.dtype = input.dtype()})
                                : empty({}, {.dtype = input.dtype()});
  double total = 0, total_weight = 0;
  EMBER_DISPATCH_FLOATING(input.dtype(), "nll_loss_out_frame", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    for (int64_t i = 0; i < sh.n; ++i)
      for (int64_t k = 0; k < sh.s; ++k) {
        const int64_t j = i * sh.s + k;
        const int64_t cls = tp[j];
        double v = 0;
        if (cls != ignore_index) {
          const double wt = wp ? wp[cls] : 1.0;
          v = -wt * kernels::convert<double>(xp[(i * sh.c + cls) * sh.s + k]);
          total_weight += wt;
        }
        if (red == Red::None)
          op[j] = kernels::convert<scalar_t>(v);
        else
          total += v;
      }
    if (red == Red::Sum) op[0] = kernels::convert<scalar_t>(total);
    if (red == Red::Mean) op[0] = kernels::convert<scalar_t>(total / total_weight);
  });
  return {out, total_weight};
}

// The gradient composed of recorded ops (a one-hot mask times -w g): what
// backward computes under create_graph, differentiable in grad.
Tensor nll_backward_composite(const Tensor& grad, const Tensor& input, const Tensor& target,
                              const Tensor& weight, int64_t ignore_index, Red red,
                              double total_weight) {
  const int64_t cdim = input.dim() == 1 ? 0 : 1;
  const int64_t c = input.size(cdim);
  DimVector cshape(static_cast<size_t>(input.dim()), 1);
  cshape[cdim] = c;
  const Tensor classes = arange(c, {.dtype = kInt64}).view(cshape);
  const Tensor t = input.dim() == 1 ? target : target.unsqueeze(1);
  Tensor coef = ((classes == t) & (t != ignore_index)).to(input.dtype());
  if (weight.defined()) coef = coef * weight.to(input.dtype()).view(cshape);
  Tensor g = grad;
  if (red == Red::None) {
    if (input.dim() > 1) g = g.unsqueeze(1);
  } else if (red == Red::Mean) {
    g = g / total_weight;
  }
  return -(coef * g);
}

Tensor nll_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                    const Tensor& weight, int64_t ignore_index, Red red, const NllShape& sh,
                    double total_weight) {
  if (is_grad_enabled() && autograd::requires_grad(grad))
    return nll_backward_composite(grad, input, target, weight, ignore_index, red, total_weight);
  Tensor gin = zeros(input.sizes(), {.dtype = input.dtype()});
  const Tensor t = target.contiguous();
  const Tensor w = weight.defined() ? weight.to(DType::Float64).contiguous() : Tensor();
  const double* wp = w.defined() ? w.data_ptr<double>() : nullptr;
  const int64_t* tp = t.data_ptr<int64_t>();
  const Tensor g = grad.to(DType::Float64).contiguous();
  const double* gp = g.data_ptr<double>();
  double scale = red == Red::Mean ? 1.0 / total_weight : 1.0;
  EMBER_DISPATCH_FLOATING(input.dtype(), "nll_loss_backward_out_frame", [&] {
    scalar_t* ip = gin.data_ptr<scalar_t>();
    for (int64_t i = 0; i < sh.n; ++i)
      for (int64_t k = 0; k < sh.s; ++k) {
        const int64_t j = i * sh.s + k;
        const int64_t cls = tp[j];
        if (cls == ignore_index) continue;
        const double gv = red == Red::None ? gp[j] : gp[0];
        ip[(i * sh.c + cls) * sh.s + k] =
            kernels::convert<scalar_t>(-(wp ? wp[cls] : 1.0) * gv * scale);
      }
  });
  return gin;
}

// ---- losses computed with ops and recorded as one node

// loss = reduce(f(x, t)); the node applies g * dfdx and g * dfdt (summed to
// the inputs' shapes where they broadcast).
template <typename F, typename DX, typename DT>
Tensor pointwise_loss(const char* name, const Tensor& x, const Tensor& t, Red red, const F& f,
                      DX dfdx, DT dfdt) {
  auto impl = [&] { return apply_reduction(f(x, t), red); };
  if (!autograd::grad_needed(x, t)) return autograd::untracked(impl);
  Tensor out = autograd::untracked(impl);
  const bool rx = autograd::requires_grad(x), rt = autograd::requires_grad(t);
  auto n = autograd::make_node(
      name,
      [red, rx, rt, dfdx, dfdt](FormulaNodeBase& n, variable_list& g) {
        const Tensor x = n.saved(0), t = n.saved(1);
        Tensor gf = g[0];
        if (red == Red::Mean) {
          int64_t numel = 1;
          for (auto s : ops::broadcast_shapes(x.sizes(), t.sizes())) numel *= s;
          gf = gf / static_cast<double>(numel);
        }
        Tensor gx, gt;
        if (rx) gx = autograd::sum_to(gf * dfdx(x, t), x.sizes());
        if (rt) gt = autograd::sum_to(gf * dfdt(x, t), t.sizes());
        return variable_list{gx, gt};
      },
      x, t);
  n->save(x);
  n->save(t);
  autograd::set_history(out, n);
  return out;
}

Tensor softplus_neg(const Tensor& x) {  // log(1 + exp(-x)), stable
  return (-x).clamp_min(0) + (-x.abs()).exp().log1p();
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                int64_t ignore_index, const std::string& reduction) {
  const Red red = parse_reduction(reduction);
  const NllShape sh = check_nll(input, target, weight);
  if (input.dim() == 3 || input.dim() > 4) {
    // aten's nll_loss_nd: through nll_loss2d on (N, C, 1, -1) views.
    const int64_t n = input.size(0), c = input.size(1);
    const Tensor x4 = input.numel() > 0 ? input.contiguous().view({n, c, 1, -1})
                                        : input.contiguous().view({n, c, 0, 0});
    const Tensor t3 = target.numel() > 0 ? target.contiguous().view({n, 1, -1})
                                         : target.contiguous().view({n, 0, 0});
    Tensor out = nll_loss(x4, t3, weight, ignore_index, reduction);
    return red == Red::None ? out.view(target.sizes()) : out;
  }
  if (!autograd::grad_needed(input))
    return autograd::untracked(
        [&] { return nll_forward(input, target, weight, ignore_index, red, sh).first; });
  auto [out, total_weight] = autograd::untracked(
      [&] { return nll_forward(input, target, weight, ignore_index, red, sh); });
  const Tensor w = weight.defined() ? weight.detach() : Tensor();
  auto n = autograd::make_node(
      input.dim() <= 2 ? "NllLossBackward0" : "NllLoss2DBackward0",
      [w, ignore_index, red, sh, tw = total_weight](FormulaNodeBase& n, variable_list& g) {
        return variable_list{
            nll_backward(g[0], n.saved(0), n.saved(1), w, ignore_index, red, sh, tw)};
      },
      input);
  n->save(input);
  n->save(target);
  autograd::set_history(out, n);
  return out;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, const std::string& reduction, double label_smoothing) {
  const Red red = parse_reduction(reduction);
  EMBER_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, RuntimeError,
              "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  EMBER_CHECK(input.dim() >= 1, ValueError, "Expected 1 or more dimensions (got ", input.dim(),
              ")");
  const int64_t cdim = input.dim() == 1 ? 0 : 1;
  const int64_t c = input.size(cdim);
  DimVector wshape(static_cast<size_t>(input.dim()), 1);
  wshape[cdim] = c;
  if (input.sizes() == target.sizes()) {
    // class probabilities
    EMBER_CHECK(target.is_floating_point(), RuntimeError,
                "Expected floating point type for target with class probabilities, got ",
                scalar_type_name(target.dtype()));
    EMBER_CHECK(ignore_index < 0, RuntimeError,
                "ignore_index is not supported for floating point target");
    EMBER_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == c), RuntimeError,
                "weight tensor should be defined either for all ", c,
                " classes or no classes but got weight tensor of shape: ", weight.sizes());
    const Tensor logp = input.log_softmax(cdim);
    Tensor t = target;
    if (label_smoothing > 0.0) t = target * (1 - label_smoothing) + (label_smoothing / c);
    Tensor prod = logp * t;
    if (weight.defined()) prod = prod * weight.view(wshape);
    switch (red) {
      case Red::Mean:
        if (input.numel() == 0) return -prod.sum() / 0.0;
        return -prod.sum() / static_cast<double>(input.numel() / c);
      case Red::Sum:
        return -prod.sum();
      default:
        return -prod.sum({cdim});
    }
  }
  const Tensor logp = input.log_softmax(cdim);
  if (label_smoothing <= 0.0) return nll_loss(logp, target, weight, ignore_index, reduction);
  const Tensor nll = nll_loss(logp, target, weight, ignore_index, reduction);
  const Tensor ignore_mask = target == ignore_index;
  Tensor smooth = weight.defined() ? -(logp * weight.view(wshape)).sum({cdim}) : -logp.sum({cdim});
  smooth = smooth.masked_fill(ignore_mask, 0.0);
  Tensor ret;
  switch (red) {
    case Red::Mean:
      if (weight.defined()) {
        const Tensor safe = where(ignore_mask, 0, target).flatten();
        const Tensor wsel = where(ignore_mask.flatten(), 0, weight.gather(0, safe));
        ret = smooth.sum() / wsel.sum();
      } else {
        ret = smooth.sum() / (~ignore_mask).sum();
      }
      break;
    case Red::Sum:
      ret = smooth.sum();
      break;
    default:
      ret = smooth;
  }
  return (1 - label_smoothing) * nll + ret * (label_smoothing / c);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  return pointwise_loss(
      "MseLossBackward0", input, target, parse_reduction(reduction),
      [](const Tensor& x, const Tensor& t) {
        const Tensor d = x - t;
        return d * d;
      },
      [](const Tensor& x, const Tensor& t) { return (x - t) * 2.0; },
      [](const Tensor& x, const Tensor& t) { return (x - t) * -2.0; });
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  return apply_reduction((input - target).abs(), parse_reduction(reduction));
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction,
                      double beta) {
  const Red red = parse_reduction(reduction);
  EMBER_CHECK(beta >= 0, RuntimeError, "smooth_l1_loss does not support negative values for beta.");
  // beta == 0: |x - t| (still recorded as SmoothL1LossBackward0, as torch's).
  auto f = [beta](const Tensor& x, const Tensor& t) {
    const Tensor d = x - t, ad = d.abs();
    if (beta == 0.0) return ad;
    return where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta);
  };
  auto dx = [beta](const Tensor& x, const Tensor& t) {
    const Tensor d = x - t;
    if (beta == 0.0) return d.sign();
    return where(d.abs() < beta, d / beta, d.sign());
  };
  auto dt = [dx](const Tensor& x, const Tensor& t) { return -dx(x, t); };
  return pointwise_loss("SmoothL1LossBackward0", input, target, red, f, dx, dt);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction,
                  double delta) {
  const Red red = parse_reduction(reduction);
  EMBER_CHECK(delta > 0, RuntimeError,
              "huber_loss does not support non-positive values for delta.");
  auto f = [delta](const Tensor& x, const Tensor& t) {
    const Tensor d = x - t, ad = d.abs();
    return where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta);
  };
  auto dx = [delta](const Tensor& x, const Tensor& t) { return (x - t).clamp(-delta, delta); };
  auto dt = [dx](const Tensor& x, const Tensor& t) { return -dx(x, t); };
  return pointwise_loss("HuberLossBackward0", input, target, red, f, dx, dt);
}

// torch multiplies its loss by weight (and pos_weight's factor) in place:
// they broadcast to the input's shape, never past it ("a" names the operand
// as torch's messages do: pos_weight's factor is computed first, the loss's
// shape is "a" of the in-place product).
namespace {
void check_fits(const Tensor& input, const Tensor& t, bool operand_first) {
  const DimVector s = operand_first ? ops::broadcast_shapes(t.sizes(), input.sizes())
                                    : ops::broadcast_shapes(input.sizes(), t.sizes());
  EMBER_CHECK(IntArrayRef(s) == input.sizes(), RuntimeError, "output with shape ", input.sizes(),
              " doesn't match the broadcast shape ", s);
}
}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            const std::string& reduction) {
  const Red red = parse_reduction(reduction);
  EMBER_CHECK(target.sizes() == input.sizes(), ValueError, "Using a target size (",
              torch_size(target.sizes()), ") that is different to the input size (",
              torch_size(input.sizes()), ") is deprecated. Please ensure they have the same size.");
  Tensor w;
  if (weight.defined()) {
    check_fits(target, weight, false);
    w = weight.detach();
  }
  {
    NoGradGuard ng;
    EMBER_CHECK(input.numel() == 0 || ((input >= 0) & (input <= 1)).all().item<bool>(),
                RuntimeError, "all elements of input should be between 0 and 1");
  }
  auto f = [w](const Tensor& x, const Tensor& t) {
    const Tensor l = -(t * x.log().clamp_min(-100) + (1 - t) * (1 - x).log().clamp_min(-100));
    return w.defined() ? l * w : l;
  };
  auto dx = [w](const Tensor& x, const Tensor& t) {
    const Tensor d = (x - t) / ((1 - x) * x).clamp_min(1e-12);
    return w.defined() ? d * w : d;
  };
  auto dt = [w](const Tensor& x, const Tensor&) {
    const Tensor d = (1 - x).log().clamp_min(-100) - x.log().clamp_min(-100);
    return w.defined() ? d * w : d;
  };
  return pointwise_loss("BinaryCrossEntropyBackward0", input, target, red, f, dx, dt);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const std::string& reduction,
                                        const Tensor& pos_weight) {
  const Red red = parse_reduction(reduction);
  EMBER_CHECK(target.sizes() == input.sizes(), ValueError, "Target size (",
              torch_size(target.sizes()), ") must be the same as input size (",
              torch_size(input.sizes()), ")");
  const Tensor w = weight.defined() ? weight.detach() : Tensor();
  const Tensor pw = pos_weight.defined() ? pos_weight.detach() : Tensor();
  if (pw.defined()) check_fits(input, pw, true);
  if (w.defined()) check_fits(input, w, false);
  auto f = [w, pw](const Tensor& x, const Tensor& t) {
    const Tensor lw = pw.defined() ? (pw - 1) * t + 1 : Tensor();
    Tensor l = pw.defined() ? (1 - t) * x + lw * softplus_neg(x) : (1 - t) * x + softplus_neg(x);
    return w.defined() ? l * w : l;
  };
  auto dx = [w, pw](const Tensor& x, const Tensor& t) {
    Tensor d = pw.defined() ? (pw * t + 1 - t) * x.sigmoid() - pw * t : x.sigmoid() - t;
    return w.defined() ? d * w : d;
  };
  auto dt = [w, pw](const Tensor& x, const Tensor&) {
    Tensor d = pw.defined() ? (pw - 1) * softplus_neg(x) - x : -x;
    return w.defined() ? d * w : d;
  };
  return pointwise_loss("BinaryCrossEntropyWithLogitsBackward0", input, target, red, f, dx, dt);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction,
              bool log_target) {
  const bool batchmean = reduction == "batchmean";
  const Red red = batchmean ? Red::Sum : parse_reduction(reduction);
  Tensor out;
  if (log_target) {
    out = target.exp() * (target - input);
  } else {
    const Tensor xlogy = where(target == 0, 0, target * target.log());
    out = xlogy - target * input;
  }
  Tensor r = apply_reduction(out, red);
  if (batchmean && input.dim() != 0) r = r / static_cast<double>(input.size(0));
  return r;
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin, const std::string& reduction) {
  const Red red = parse_reduction(reduction);
  const int64_t targ_dim = target.dim();
  EMBER_CHECK(targ_dim == 1 || targ_dim == 0, RuntimeError,
              "0D or 1D target tensor expected, multi-target not supported");
  if (targ_dim == 1) {
    EMBER_CHECK(input1.dim() == 2 && input2.dim() == 2, RuntimeError,
                "1D target tensor expects 2D input tensors, but found inputs with sizes ",
                input1.sizes(), " and ", input2.sizes(), ".");
  } else {
    EMBER_CHECK(input1.dim() == 1 && input2.dim() == 1, RuntimeError,
                "0D target tensor expects 1D input tensors, but found inputs with sizes ",
                input1.sizes(), " and ", input2.sizes(), ".");
  }
  const int64_t d = targ_dim;  // the feature dim
  const double kEps = 1e-12;
  const Tensor prod_sum = (input1 * input2).sum({d});
  const Tensor mag1 = (input1 * input1).sum({d}) + kEps;
  const Tensor mag2 = (input2 * input2).sum({d}) + kEps;
  const Tensor denom = (mag1 * mag2).sqrt();
  const Tensor cos = prod_sum / denom;
  const Tensor zeros = zeros_like(cos);
  const Tensor pos = 1 - cos;
  const Tensor neg = (cos - margin).clamp_min(0);
  const Tensor out = where(target == 1, pos, zeros) + where(target == -1, neg, zeros);
  return apply_reduction(out, red);
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin, const std::string& reduction) {
  const Red red = parse_reduction(reduction);
  EMBER_CHECK(input1.dim() == input2.dim() && input1.dim() == target.dim(), RuntimeError,
              "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
              "input1: ",
              torch_size(input1.sizes()), ", input2: ", torch_size(input2.sizes()),
              ", target: ", torch_size(target.sizes()), " ");
  return apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), red);
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  const int64_t d = std::max(x1.dim(), x2.dim());
  const int64_t last = d == 0 ? 0 : d - 1;
  if (d == 0) return norm(x1 - x2 + eps, p, std::nullopt, keepdim);
  return norm(x1 - x2 + eps, p, std::vector<int64_t>{last}, keepdim);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin, double p, double eps, bool swap,
                           const std::string& reduction) {
  const Red red = parse_reduction(reduction);
  const int64_t ad = anchor.dim(), pd = positive.dim(), nd = negative.dim();
  EMBER_CHECK(ad == pd && pd == nd, RuntimeError, "All inputs should have same dimension but got ",
              ad, "D, ", pd, "D and ", nd, "D inputs.");
  const Tensor dist_pos = pairwise_distance(anchor, positive, p, eps);
  Tensor dist_neg = pairwise_distance(anchor, negative, p, eps);
  if (swap) dist_neg = minimum(dist_neg, pairwise_distance(positive, negative, p, eps));
  return apply_reduction((margin + dist_pos - dist_neg).clamp_min(0), red);
}

}  // namespace ember
