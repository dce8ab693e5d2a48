// Finite-difference checking of autograd's gradients (torch.autograd.gradcheck,
// slow mode): the full numerical and analytical Jacobians, compared elementwise.
#include "ember/autograd/gradcheck.h"

#include "ember/autograd/engine.h"
#include "ember/core/grad_mode.h"
#include "ember/ops/factory.h"
#include "ember/ops/random.h"

namespace ember::autograd {

namespace {

// Byte offset of logical (row-major) element k.
int64_t element_offset(const Tensor& t, int64_t k) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    const int64_t s = t.size(d);
    off += (k % s) * t.stride(d);
    k /= s;
  }
  return off * static_cast<int64_t>(t.element_size());
}

double get_elem(const Tensor& t, int64_t k) {
  const char* p = static_cast<const char*>(t.data_ptr()) + element_offset(t, k);
  return t.dtype() == kFloat64 ? *reinterpret_cast<const double*>(p)
                               : *reinterpret_cast<const float*>(p);
}

void set_elem(const Tensor& t, int64_t k, double v) {
  char* p = static_cast<char*>(t.data_ptr()) + element_offset(t, k);
  if (t.dtype() == kFloat64)
    *reinterpret_cast<double*>(p) = v;
  else
    *reinterpret_cast<float*>(p) = static_cast<float>(v);
}

bool differentiable(const Tensor& t) {
  return t.defined() && t.requires_grad() && (t.dtype() == kFloat64 || t.dtype() == kFloat32);
}

std::vector<Tensor> flat_outputs(const GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  NoGradGuard g;
  std::vector<Tensor> outs = fn(inputs);
  for (auto& o : outs)
    // A copy: an output may be a view of an input that is perturbed next.
    if (o.defined() && o.is_floating_point())
      o = o.to(kFloat64, false, /*copy=*/true).contiguous().view({-1});
  return outs;
}

bool fail(const GradcheckOptions& o, const std::string& msg) {
  if (o.raise_exception) throw GradcheckError(msg);
  return false;
}

}  // namespace

bool gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
               const GradcheckOptions& opt) {
  std::vector<size_t> diff;  // indices of inputs to differentiate
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!differentiable(inputs[i])) continue;
    EMBER_CHECK(!inputs[i].is_meta(), RuntimeError, "gradcheck: input ", i, " is a meta tensor");
    // Perturbing one storage element must change exactly one logical element.
    EMBER_CHECK(inputs[i].is_non_overlapping_and_dense() || inputs[i].numel() <= 1, RuntimeError,
                "gradcheck: input ", i, " (shape ", inputs[i].sizes(), ", strides ",
                inputs[i].strides(), ") has overlapping memory; pass a tensor without it");
    diff.push_back(i);
  }
  EMBER_CHECK(!diff.empty(), ValueError,
              "gradcheck expects at least one input tensor to require gradient, but none of the "
              "them have requires_grad=True.");

  std::vector<Tensor> outs;
  {
    EnableGradGuard g;
    outs = fn(inputs);
  }
  const std::vector<Tensor> base = flat_outputs(fn, inputs);

  // Numerical Jacobians: num[i][o] is (numel_in, numel_out).
  std::vector<std::vector<Tensor>> num(diff.size(), std::vector<Tensor>(outs.size()));
  for (size_t ii = 0; ii < diff.size(); ++ii) {
    const Tensor x = inputs[diff[ii]].data();
    for (size_t o = 0; o < outs.size(); ++o)
      if (base[o].defined() && base[o].is_floating_point())
        num[ii][o] = zeros({x.numel(), base[o].numel()}, {.dtype = kFloat64});
    for (int64_t k = 0; k < x.numel(); ++k) {
      const double orig = get_elem(x, k);
      set_elem(x, k, orig + opt.eps);
      auto plus = flat_outputs(fn, inputs);
      set_elem(x, k, orig - opt.eps);
      auto minus = flat_outputs(fn, inputs);
      set_elem(x, k, orig);
      for (size_t o = 0; o < outs.size(); ++o)
        if (num[ii][o].defined())
          num[ii][o].select(0, k).copy_((plus[o] - minus[o]) / (2 * opt.eps));
    }
  }

  std::vector<Tensor> diff_inputs;
  for (auto i : diff) diff_inputs.push_back(inputs[i]);
  for (size_t o = 0; o < outs.size(); ++o) {
    if (!base[o].defined() || !base[o].is_floating_point()) continue;
    const int64_t n_out = base[o].numel();
    std::vector<Tensor> ana(diff.size());
    for (size_t ii = 0; ii < diff.size(); ++ii)
      ana[ii] = zeros({inputs[diff[ii]].numel(), n_out}, {.dtype = kFloat64});
    if (outs[o].requires_grad()) {
      for (int64_t j = 0; j < n_out; ++j) {
        Tensor go = zeros({n_out}, {.dtype = outs[o].dtype()});
        set_elem(go, j, 1.0);
        go = go.view(outs[o].sizes());
        auto g1 = grad({outs[o]}, diff_inputs, {go}, true, false, true);
        auto g2 = grad({outs[o]}, diff_inputs, {go}, true, false, true);
        for (size_t ii = 0; ii < diff.size(); ++ii) {
          const Tensor& in = inputs[diff[ii]];
          if (!g1[ii].defined()) continue;
          if (g1[ii].sizes() != in.sizes())
            return fail(opt, detail::str_cat("Gradient has shape mismatch for input ", diff[ii],
                                             ": got ", g1[ii].sizes(), ", expected ", in.sizes()));
          if (g1[ii].dtype() != in.dtype())
            return fail(opt, detail::str_cat("Gradient has dtype mismatch for input ", diff[ii],
                                             ": got ", g1[ii].dtype(), ", expected ", in.dtype()));
          Tensor c1 = g1[ii].to(kFloat64).contiguous().view({-1});
          Tensor c2 = g2[ii].to(kFloat64).contiguous().view({-1});
          if (!c1.allclose(c2, 0, opt.nondet_tol))
            return fail(
                opt, detail::str_cat("Backward is not reentrant, i.e., running backward with same "
                                     "input and grad_output multiple times gives different values, "
                                     "although analytical gradient matches numerical gradient. The "
                                     "tolerance for nondeterminism was ",
                                     opt.nondet_tol, "."));
          ana[ii].select(1, j).copy_(c1);
        }
      }
    }
    for (size_t ii = 0; ii < diff.size(); ++ii) {
      if (!ana[ii].allclose(num[ii][o], opt.rtol, opt.atol))
        return fail(opt, detail::str_cat("Jacobian mismatch for output ", o,
                                         " with respect to input ", diff[ii], ",\nnumerical:",
                                         num[ii][o].str(), "\nanalytical:", ana[ii].str(), "\n"));
    }
  }
  return true;
}

bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
               const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  return gradcheck([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in)}; },
                   inputs, options);
}

bool gradgradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options) {
  std::vector<Tensor> outs;
  {
    EnableGradGuard g;
    outs = fn(inputs);
  }
  // Random cotangents for the differentiable outputs; they are inputs of the
  // first-order gradient function, so they are checked too.
  std::vector<Tensor> all = inputs;
  std::vector<size_t> diff_out;
  Generator gen(12345);
  for (size_t o = 0; o < outs.size(); ++o) {
    if (!outs[o].defined() || !outs[o].requires_grad()) continue;
    diff_out.push_back(o);
    all.push_back(randn(outs[o].sizes(), {.dtype = outs[o].dtype()}, &gen).requires_grad_());
  }
  const size_t n = inputs.size();
  auto first_order = [&](const std::vector<Tensor>& in) {
    EnableGradGuard enable;  // gradcheck evaluates without grad; this function needs it
    std::vector<Tensor> real(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Tensor> o = fn(real), os, gos, diff_in;
    for (size_t k = 0; k < diff_out.size(); ++k) {
      os.push_back(o[diff_out[k]]);
      gos.push_back(in[n + k]);
    }
    for (const auto& t : real)
      if (differentiable(t)) diff_in.push_back(t);
    auto gs = grad(os, diff_in, gos, true, true, true);
    for (size_t k = 0; k < gs.size(); ++k)
      if (!gs[k].defined()) gs[k] = zeros_like(diff_in[k]);
    return gs;
  };
  return gradcheck(first_order, all, options);
}

bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                   const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  return gradgradcheck([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in)}; },
                       inputs, options);
}

}  // namespace ember::autograd
