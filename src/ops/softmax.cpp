// Dim-wise ops: softmax, log_softmax, cumsum. Outputs are contiguous, as
// PyTorch's CPU kernels give; inputs are read in place whatever their strides.
#include "kernels/cpu/softmax.h"

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

Tensor softmax_impl(const Tensor& t, int64_t dim, std::optional<DType> dtype, bool log) {
  const int64_t d = wrap_dim(dim, t.dim());
  const DType dt = dtype ? *dtype : t.dtype();
  // PyTorch names its kernel in the message; Half is supported here too (as in
  // later PyTorch releases), not only BFloat16.
  const bool last = t.dim() == 0 || d == t.dim() - 1;
  EMBER_CHECK(is_floating_point(dt), TypeError, "\"",
              last ? (log ? "log_softmax_lastdim_kernel_impl" : "softmax_lastdim_kernel_impl")
                   : "softmax_kernel_impl",
              "\" not implemented for '", scalar_type_name(dt), "'");
  Tensor out = empty(t.sizes(), {.dtype = dt, .device = t.device()});
  if (t.is_meta() || t.numel() == 0) return out;
  EMBER_CHECK(t.is_cpu(), NotImplementedError, log ? "log_softmax" : "softmax",
              ": only CPU tensors are supported, got ", t.device());
  kernels::softmax_kernel(out, t.dtype() == dt ? t : t.to(dt), d, log);
  return out;
}

Tensor cumsum_impl(const Tensor& t, int64_t d, DType out_dt) {
  Tensor out = empty(t.sizes(), {.dtype = out_dt, .device = t.device()});
  if (t.is_meta() || t.numel() == 0) return out;
  EMBER_CHECK(t.is_cpu(), NotImplementedError, "cumsum: only CPU tensors are supported, got ",
              t.device());
  // The kernel takes (T, T) for floating and int64, and (integral, int64);
  // narrower integer results accumulate in int64 and wrap.
  if (is_floating_point(out_dt)) {
    kernels::cumsum_kernel(out, t.dtype() == out_dt ? t : t.to(out_dt), d);
  } else if (out_dt == kInt64) {
    kernels::cumsum_kernel(out, is_integral(t.dtype(), true) ? t : t.to(kInt64), d);
  } else {
    Tensor acc = empty(t.sizes(), {.dtype = kInt64});
    kernels::cumsum_kernel(acc, t.dtype() == out_dt ? t : t.to(out_dt), d);
    out.copy_(acc);
  }
  return out;
}

using autograd::FormulaNodeBase;
using autograd::variable_list;

// softmax / log_softmax, recorded. With a dtype other than t's, t is cast
// first by the (recorded) `to`, as PyTorch does (ToCopyBackward0 under it).
Tensor softmax_rec(const Tensor& t, int64_t dim, std::optional<DType> dtype, bool log) {
  if (!autograd::grad_needed(t)) return softmax_impl(t, dim, dtype, log);
  const Tensor in = dtype && *dtype != t.dtype() ? t.to(*dtype) : t;
  Tensor out = autograd::untracked([&] { return softmax_impl(in, dim, std::nullopt, log); });
  const int64_t d = wrap_dim(dim, t.dim());
  auto formula = [d, log](FormulaNodeBase& n, variable_list& g) {
    const Tensor y = n.saved(0);
    // log_softmax: g - exp(y) sum(g); softmax: y (g - sum(g y)).
    if (log) return variable_list{g[0] - y.exp() * g[0].sum({d}, true)};
    return variable_list{y * (g[0] - (g[0] * y).sum({d}, true))};
  };
  auto node = autograd::make_node(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", formula, in);
  autograd::set_history(out, node);
  node->save_output(out);
  return out;
}

// Sum from each position to the end of dim: cumsum of g reversed along dim.
Tensor reversed_cumsum(const Tensor& g, int64_t d) {
  const int64_t n = g.size(d);
  const Tensor rev = arange(n - 1, -1, -1, {.dtype = kInt64, .device = g.device()});
  return g.index_select(d, rev).cumsum(d).index_select(d, rev);
}

}  // namespace

Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_rec(t, dim, dtype, false);
}
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_rec(t, dim, dtype, true);
}

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  const int64_t d = wrap_dim(dim, t.dim());
  const DType out_dt = dtype ? *dtype : (is_integral(t.dtype(), true) ? kInt64 : t.dtype());
  EMBER_CHECK(out_dt != kBool, TypeError, "\"cumsum_out_cpu\" not implemented for 'Bool'");
  if (!autograd::grad_needed(t) || !is_floating_point(out_dt)) return cumsum_impl(t, d, out_dt);
  Tensor out = autograd::untracked([&] { return cumsum_impl(t, d, out_dt); });
  const DType in_dt = t.dtype();
  auto node = autograd::make_node(
      "CumsumBackward0",
      [d, in_dt](FormulaNodeBase&, variable_list& g) {
        // As PyTorch: back to the input's dtype first, then the reversed cumsum.
        const Tensor gi = g[0].dtype() == in_dt ? g[0] : g[0].to(in_dt);
        if (gi.numel() <= 1 || gi.size(d) == 1) return variable_list{gi};
        return variable_list{reversed_cumsum(gi, d)};
      },
      t);
  autograd::set_history(out, node);
  return out;
}

Tensor Tensor::softmax(int64_t dim, std::optional<DType> dtype) const {
  return ember::softmax(*this, dim, dtype);
}
Tensor Tensor::log_softmax(int64_t dim, std::optional<DType> dtype) const {
  return ember::log_softmax(*this, dim, dtype);
}
Tensor Tensor::cumsum(int64_t dim, std::optional<DType> dtype) const {
  return ember::cumsum(*this, dim, dtype);
}

}  // namespace ember
