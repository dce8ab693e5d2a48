// Normalisation ops: PyTorch's checks and messages, statistics and the
// per-channel affine maps in float64, the O(numel) loops in kernels/cpu/norm.
#include "ember/ops/norm.h"

#include <cmath>
#include <memory>
#include <vector>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/norm.h"

namespace ember {

namespace {

using Vec = std::vector<double>;

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

bool low_precision(DType t) { return t == kFloat16 || t == kBFloat16; }

void check_input(const Tensor& input, const char* name) {
  EMBER_CHECK(is_floating_point(input.dtype()), NotImplementedError, "\"", name,
              "\" not implemented for '", scalar_type_name(input.dtype()), "'");
  EMBER_CHECK(input.is_cpu(), NotImplementedError, name, ": only CPU tensors are supported, got ",
              input.device());
}

// The values of an optional 1-D tensor as doubles (empty when undefined).
Vec doubles(const Tensor& t) {
  if (!t.defined()) return {};
  return autograd::untracked([&] { return t.detach().reshape({-1}).tolist<double>(); });
}

MemoryFormat norm_format(const Tensor& input) {
  return input.dim() == 4 || input.dim() == 5 ? kernels::torch_suggest_memory_format(input)
                                              : MemoryFormat::Contiguous;
}

// input in the compute dtype and format, viewed as (N, C, S).
Tensor as3(const Tensor& input, DType compute, MemoryFormat fmt) {
  Tensor x = input.dtype() == compute ? input : input.to(compute);
  if (!x.is_contiguous(fmt)) x = x.contiguous(fmt);
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t s = n * c == 0 ? 0 : x.numel() / (n * c);
  return x.view({n, c, s});
}

// batch_norm's (N, C, 1) views (2-D inputs) as (1, C, N): the statistics per
// channel then run over rows of C contiguous values.
Tensor bn3(const Tensor& t3) {
  return t3.size(2) == 1 && t3.size(0) > 1 ? t3.permute({2, 1, 0}) : t3;
}

DType compute_dtype(DType dt) { return low_precision(dt) ? kFloat32 : dt; }

Tensor new_like(const Tensor& input, DType dt, MemoryFormat fmt) {
  return empty(input.sizes(), {.dtype = dt, .device = input.device(), .memory_format = fmt});
}

// Writes a (compute-dtype) result into a tensor of the input's dtype.
Tensor finish(const Tensor& r, DType dt) { return r.dtype() == dt ? r : r.to(dt); }

Tensor vec_tensor(const Vec& v, IntArrayRef shape, DType dt) {
  return from_vector(v, shape, compute_dtype(dt)).to(dt);
}

// ---- batch_norm

void check_features(const char* name, int64_t num_features, const Tensor& t) {
  EMBER_CHECK(t.numel() == num_features, RuntimeError, name, " should contain ", num_features,
              " elements not ", t.numel());
}

struct BnStats {
  Vec mean, invstd;
};

Tensor bn_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum, double eps, BnStats& st) {
  const MemoryFormat fmt = norm_format(input);
  const DType cdt = compute_dtype(input.dtype());
  const Tensor x3 = bn3(as3(input, cdt, fmt));
  const int64_t C = x3.size(1);
  Tensor out = new_like(input, cdt, fmt);
  st.mean.assign(C, 0.0);
  st.invstd.assign(C, 0.0);
  if (training && x3.numel() == 0) {
    // Nothing to normalise: the running stats stay (as PyTorch's empty-input path).
  } else if (training) {
    const std::vector<kernels::Moments> pm = kernels::plane_moments(x3);
    const int64_t N = x3.size(0);
    Vec unbiased(C);
    for (int64_t c = 0; c < C; ++c) {
      kernels::Moments m;
      for (int64_t n = 0; n < N; ++n) m.merge(pm[n * C + c]);
      st.mean[c] = m.mean;
      st.invstd[c] = 1.0 / std::sqrt((m.n > 0 ? m.m2 / m.n : 0.0) + eps);
      unbiased[c] = m.n > 1 ? m.m2 / (m.n - 1) : NAN;
    }
    NoGradGuard g;
    if (running_mean.defined()) {
      Tensor bm = from_vector(st.mean, {C}, kFloat64).to(running_mean.dtype());
      Tensor(running_mean).mul_(1 - momentum).add_(bm.view(running_mean.sizes()), momentum);
    }
    if (running_var.defined()) {
      Tensor bv = from_vector(unbiased, {C}, kFloat64).to(running_var.dtype());
      Tensor(running_var).mul_(1 - momentum).add_(bv.view(running_var.sizes()), momentum);
    }
  } else {
    st.mean = doubles(running_mean);
    const Vec rv = doubles(running_var);
    for (int64_t c = 0; c < C; ++c) st.invstd[c] = 1.0 / std::sqrt(rv[c] + eps);
  }
  const Vec w = doubles(weight), b = doubles(bias);
  Vec ka(C), k0(C);
  for (int64_t c = 0; c < C; ++c) {
    ka[c] = st.invstd[c] * (w.empty() ? 1.0 : w[c]);
    k0[c] = (b.empty() ? 0.0 : b[c]) - st.mean[c] * ka[c];
  }
  if (x3.numel() > 0)
    kernels::channel_fma(bn3(as3(out, cdt, fmt)), x3, ka.data(), Tensor(), nullptr, k0.data(),
                         false);
  return finish(out, input.dtype());
}

}  // namespace

Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight_,
                  const std::optional<Tensor>& bias_, const std::optional<Tensor>& running_mean_,
                  const std::optional<Tensor>& running_var_, bool training, double momentum,
                  double eps) {
  const Tensor weight = opt(weight_), bias = opt(bias_), rm = opt(running_mean_),
               rv = opt(running_var_);
  EMBER_CHECK(input.dim() >= 2, RuntimeError,
              "batch_norm: expected input with at least 2 dimensions, but got ", input.dim());
  check_input(input, "batch_norm");
  const int64_t C = input.size(1);
  if (rm.defined())
    check_features("running_mean", C, rm);
  else
    EMBER_CHECK(training, RuntimeError, "running_mean must be defined in evaluation mode");
  if (rv.defined())
    check_features("running_var", C, rv);
  else
    EMBER_CHECK(training, RuntimeError, "running_var must be defined in evaluation mode");
  if (weight.defined()) check_features("weight", C, weight);
  if (bias.defined()) check_features("bias", C, bias);

  auto st = std::make_shared<BnStats>();
  if (!autograd::grad_needed(input, weight, bias))
    return bn_forward(input, weight, bias, rm, rv, training, momentum, eps, *st);
  Tensor out = autograd::untracked(
      [&] { return bn_forward(input, weight, bias, rm, rv, training, momentum, eps, *st); });
  const bool has_w = weight.defined();
  auto node = autograd::make_node(
      "NativeBatchNormBackward0",
      [st, training, has_w](autograd::FormulaNodeBase& n, autograd::variable_list& g) {
        autograd::variable_list res(3);
        if (!g[0].defined()) return res;
        const Tensor x = n.saved(0), w = has_w ? n.saved(1) : Tensor();
        const MemoryFormat fmt = norm_format(x);
        const DType cdt = compute_dtype(x.dtype());
        const Tensor x3 = bn3(as3(x, cdt, fmt)), g3 = bn3(as3(g[0], cdt, fmt));
        const int64_t N = x3.size(0), C = x3.size(1);
        const double M = static_cast<double>(x3.numel() / std::max<int64_t>(1, C));
        Vec sdy_p, sdyx_p;
        kernels::plane_grad_sums(g3, x3, sdy_p, sdyx_p);
        Vec sdy(C, 0.0), sdxh(C, 0.0);
        for (int64_t c = 0; c < C; ++c) {
          double a = 0, b = 0;
          for (int64_t i = 0; i < N; ++i) {
            a += sdy_p[i * C + c];
            b += sdyx_p[i * C + c];
          }
          sdy[c] = a;
          sdxh[c] = (b - st->mean[c] * a) * st->invstd[c];
        }
        if (n.needs_input_grad(0)) {
          const Vec wv = doubles(w);
          Vec A(C), B(C), K(C);
          for (int64_t c = 0; c < C; ++c) {
            const double wi = (wv.empty() ? 1.0 : wv[c]) * st->invstd[c];
            A[c] = wi;
            if (training) {
              B[c] = -wi * st->invstd[c] * sdxh[c] / M;
              K[c] = -wi * sdy[c] / M + wi * st->invstd[c] * sdxh[c] * st->mean[c] / M;
            } else {
              B[c] = 0;
              K[c] = 0;
            }
          }
          Tensor gi = new_like(x, cdt, fmt);
          if (x3.numel() > 0)
            kernels::channel_fma(bn3(as3(gi, cdt, fmt)), g3, A.data(), training ? x3 : Tensor(),
                                 B.data(), K.data(), false);
          res[0] = finish(gi, x.dtype());
        }
        if (n.needs_input_grad(1)) res[1] = vec_tensor(sdxh, {C}, x.dtype());
        if (n.needs_input_grad(2)) res[2] = vec_tensor(sdy, {C}, x.dtype());
        return res;
      },
      input, weight, bias);
  node->save(input);
  if (has_w) node->save(weight);
  autograd::set_history(out, node);
  return out;
}

// ---- group_norm

namespace {

struct GnStats {
  Vec mean, rstd;  // N * G
};

Tensor gn_forward(const Tensor& input, int64_t G, const Tensor& weight, const Tensor& bias,
                  double eps, GnStats& st) {
  const MemoryFormat fmt = norm_format(input);
  const DType cdt = compute_dtype(input.dtype());
  const Tensor x3 = as3(input, cdt, fmt);
  const int64_t N = x3.size(0), C = x3.size(1), D = C / G;
  Tensor out = new_like(input, cdt, fmt);
  const std::vector<kernels::Moments> pm = kernels::plane_moments(x3);
  st.mean.assign(N * G, 0.0);
  st.rstd.assign(N * G, 0.0);
  const Vec w = doubles(weight), b = doubles(bias);
  Vec ka(N * C), k0(N * C);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < G; ++g) {
      kernels::Moments m;
      for (int64_t c = g * D; c < (g + 1) * D; ++c) m.merge(pm[n * C + c]);
      const double r = 1.0 / std::sqrt((m.n > 0 ? m.m2 / m.n : 0.0) + eps);
      st.mean[n * G + g] = m.mean;
      st.rstd[n * G + g] = r;
      for (int64_t c = g * D; c < (g + 1) * D; ++c) {
        ka[n * C + c] = r * (w.empty() ? 1.0 : w[c]);
        k0[n * C + c] = (b.empty() ? 0.0 : b[c]) - m.mean * ka[n * C + c];
      }
    }
  if (x3.numel() > 0)
    kernels::channel_fma(out.view(x3.sizes()), x3, ka.data(), Tensor(), nullptr, k0.data(), true);
  return finish(out, input.dtype());
}

}  // namespace

Tensor group_norm(const Tensor& input, int64_t G, const std::optional<Tensor>& weight_,
                  const std::optional<Tensor>& bias_, double eps) {
  const Tensor weight = opt(weight_), bias = opt(bias_);
  EMBER_CHECK(input.dim() >= 2, RuntimeError,
              "Expected at least 2 dimensions for input tensor but received ", input.dim());
  const int64_t C = input.size(1);
  EMBER_CHECK(G > 0 && C % G == 0, RuntimeError,
              "Expected number of channels in input to be divisible by num_groups, but got input "
              "of shape ",
              input.sizes(), " and num_groups=", G);
  EMBER_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == C), RuntimeError,
              "Expected weight to be a vector of size equal to the number of channels in input, "
              "but got weight of shape ",
              weight.sizes(), " and input of shape ", input.sizes());
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.numel() == C), RuntimeError,
              "Expected bias to be a vector of size equal to the number of channels in input, "
              "but got bias of shape ",
              bias.sizes(), " and input of shape ", input.sizes());
  check_input(input, "group_norm");
  auto st = std::make_shared<GnStats>();
  if (!autograd::grad_needed(input, weight, bias))
    return gn_forward(input, G, weight, bias, eps, *st);
  Tensor out = autograd::untracked([&] { return gn_forward(input, G, weight, bias, eps, *st); });
  const bool has_w = weight.defined();
  auto node = autograd::make_node(
      "NativeGroupNormBackward0",
      [st, G, has_w](autograd::FormulaNodeBase& n, autograd::variable_list& g) {
        autograd::variable_list res(3);
        if (!g[0].defined()) return res;
        const Tensor x = n.saved(0), w = has_w ? n.saved(1) : Tensor();
        const MemoryFormat fmt = norm_format(x);
        const DType cdt = compute_dtype(x.dtype());
        const Tensor x3 = as3(x, cdt, fmt), g3 = as3(g[0], cdt, fmt);
        const int64_t N = x3.size(0), C = x3.size(1), D = C / G;
        const double K = static_cast<double>(D * x3.size(2));
        Vec sdy, sdyx;
        kernels::plane_grad_sums(g3, x3, sdy, sdyx);
        const Vec wv = doubles(w);
        if (n.needs_input_grad(0)) {
          Vec A(N * C), B(N * C), K0(N * C);
          for (int64_t i = 0; i < N; ++i)
            for (int64_t j = 0; j < G; ++j) {
              const double mu = st->mean[i * G + j], r = st->rstd[i * G + j];
              double s1 = 0, s2 = 0;
              for (int64_t c = j * D; c < (j + 1) * D; ++c) {
                const double wc = wv.empty() ? 1.0 : wv[c];
                s1 += wc * sdy[i * C + c];
                s2 += wc * (sdyx[i * C + c] - mu * sdy[i * C + c]) * r;
              }
              for (int64_t c = j * D; c < (j + 1) * D; ++c) {
                A[i * C + c] = r * (wv.empty() ? 1.0 : wv[c]);
                B[i * C + c] = -r * r * s2 / K;
                K0[i * C + c] = -r * s1 / K + r * r * s2 * mu / K;
              }
            }
          Tensor gi = new_like(x, cdt, fmt);
          if (x3.numel() > 0)
            kernels::channel_fma(gi.view(x3.sizes()), g3, A.data(), x3, B.data(), K0.data(), true);
          res[0] = finish(gi, x.dtype());
        }
        if (n.needs_input_grad(1) || n.needs_input_grad(2)) {
          Vec gw(C, 0.0), gb(C, 0.0);
          for (int64_t i = 0; i < N; ++i)
            for (int64_t c = 0; c < C; ++c) {
              const int64_t k = i * G + c / D;
              gw[c] += (sdyx[i * C + c] - st->mean[k] * sdy[i * C + c]) * st->rstd[k];
              gb[c] += sdy[i * C + c];
            }
          if (n.needs_input_grad(1)) res[1] = vec_tensor(gw, {C}, x.dtype());
          if (n.needs_input_grad(2)) res[2] = vec_tensor(gb, {C}, x.dtype());
        }
        return res;
      },
      input, weight, bias);
  node->save(input);
  if (has_w) node->save(weight);
  autograd::set_history(out, node);
  return out;
}

// ---- layer_norm

namespace {

struct LnStats {
  Vec mean, rstd;
};

Tensor ln_forward(const Tensor& input, int64_t M, int64_t D, const Tensor& weight,
                  const Tensor& bias, double eps, LnStats& st) {
  const DType cdt = compute_dtype(input.dtype());
  Tensor x = input.dtype() == cdt ? input : input.to(cdt);
  x = x.contiguous();
  Tensor out = empty(input.sizes(), {.dtype = cdt, .device = input.device()});
  const Vec w = doubles(weight), b = doubles(bias);
  kernels::layer_norm_kernel(out.view({M, D}), x.view({M, D}), w.empty() ? nullptr : w.data(),
                             b.empty() ? nullptr : b.data(), eps, st.mean, st.rstd);
  return finish(out, input.dtype());
}

}  // namespace

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                  const std::optional<Tensor>& weight_, const std::optional<Tensor>& bias_,
                  double eps) {
  const Tensor weight = opt(weight_), bias = opt(bias_);
  const int64_t nd = static_cast<int64_t>(normalized_shape.size());
  EMBER_CHECK(nd >= 1, RuntimeError,
              "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
              "one element, but got normalized_shape = ",
              normalized_shape);
  EMBER_CHECK(!weight.defined() || weight.sizes() == normalized_shape, RuntimeError,
              "Expected weight to be of same shape as normalized_shape, but got weight of shape ",
              weight.sizes(), " and normalized_shape = ", normalized_shape);
  EMBER_CHECK(!bias.defined() || bias.sizes() == normalized_shape, RuntimeError,
              "Expected bias to be of same shape as normalized_shape, but got bias of shape ",
              bias.sizes(), " and normalized_shape = ", normalized_shape);
  const IntArrayRef is = input.sizes();
  const int64_t id = input.dim();
  bool ok = id >= nd;
  for (int64_t i = 0; ok && i < nd; ++i) ok = is[id - nd + i] == normalized_shape[i];
  if (!ok) {
    std::string s = "Given normalized_shape=" + detail::str_cat(normalized_shape) +
                    ", expected input with shape [*";
    for (int64_t v : normalized_shape) s += ", " + std::to_string(v);
    s += "], but got input of size" + detail::str_cat(is);
    throw RuntimeError(s);
  }
  check_input(input, "layer_norm");
  int64_t D = 1;
  for (int64_t v : normalized_shape) D *= v;
  const int64_t M = D == 0 ? 0 : input.numel() / D;
  auto st = std::make_shared<LnStats>();
  if (!autograd::grad_needed(input, weight, bias))
    return ln_forward(input, M, D, weight, bias, eps, *st);
  Tensor out = autograd::untracked([&] { return ln_forward(input, M, D, weight, bias, eps, *st); });
  const bool has_w = weight.defined();
  const DimVector ns(normalized_shape);
  auto node = autograd::make_node(
      "NativeLayerNormBackward0",
      [st, M, D, has_w, ns](autograd::FormulaNodeBase& n, autograd::variable_list& g) {
        autograd::variable_list res(3);
        if (!g[0].defined()) return res;
        const Tensor x0 = n.saved(0), w = has_w ? n.saved(1) : Tensor();
        const DType cdt = compute_dtype(x0.dtype());
        const Tensor x = (x0.dtype() == cdt ? x0 : x0.to(cdt)).contiguous();
        const Tensor gy = (g[0].dtype() == cdt ? g[0] : g[0].to(cdt)).contiguous();
        const Vec wv = doubles(w);
        Tensor gi;
        if (n.needs_input_grad(0)) gi = empty(x0.sizes(), {.dtype = cdt, .device = x0.device()});
        const bool ngw = n.needs_input_grad(1), ngb = n.needs_input_grad(2);
        Vec gw(ngw ? D : 0), gb(ngb ? D : 0);
        kernels::layer_norm_backward_kernel(gi.defined() ? gi.view({M, D}) : Tensor(),
                                            ngw ? gw.data() : nullptr, ngb ? gb.data() : nullptr,
                                            gy.view({M, D}), x.view({M, D}),
                                            wv.empty() ? nullptr : wv.data(), st->mean, st->rstd);
        if (gi.defined()) res[0] = finish(gi, x0.dtype());
        if (ngw) res[1] = vec_tensor(gw, ns, x0.dtype());
        if (ngb) res[2] = vec_tensor(gb, ns, x0.dtype());
        return res;
      },
      input, weight, bias);
  node->save(input);
  if (has_w) node->save(weight);
  autograd::set_history(out, node);
  return out;
}

// ---- instance_norm

Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& weight,
                     const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                     const std::optional<Tensor>& running_var, bool use_input_stats,
                     double momentum, double eps) {
  EMBER_CHECK(input.dim() >= 2, RuntimeError,
              "instance_norm: expected input with at least 2 dimensions, but got ", input.dim());
  const int64_t b = input.size(0), c = input.size(1);
  DimVector shape(input.sizes());
  shape[0] = 1;
  shape[1] = b * c;
  auto rep = [&](const std::optional<Tensor>& t) -> std::optional<Tensor> {
    if (!t) return std::nullopt;
    return t->reshape({1, -1}).expand({b, t->numel()}).reshape({-1});
  };
  std::optional<Tensor> rm = running_mean, rv = running_var;
  if (rm) rm = autograd::untracked([&] { return rep(running_mean)->contiguous(); });
  if (rv) rv = autograd::untracked([&] { return rep(running_var)->contiguous(); });
  const Tensor x = input.contiguous().view(shape);
  Tensor out = batch_norm(x, rep(weight), rep(bias), rm, rv, use_input_stats, momentum, eps);
  Tensor result = out.view(input.sizes());
  NoGradGuard g;
  if (running_mean) Tensor(*running_mean).copy_(rm->view({b, c}).mean({0}, false));
  if (running_var) Tensor(*running_var).copy_(rv->view({b, c}).mean({0}, false));
  return result;
}

}  // namespace ember
