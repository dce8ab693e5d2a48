// Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, var/std,
// norm, logsumexp, all/any. Argument checks, result dtypes and shapes and the
// autograd formulas here; the loops are in kernels/cpu/reduce.cpp.
#include "ember/ops/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/record.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/reduce.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using kernels::ReduceKind;

// The dims a reduction removes and the shapes it produces.
struct Reduction {
  uint64_t mask = 0;     // bit d: dim d is reduced
  DimVector keep_shape;  // the input's rank, 1 in each reduced dim
  DimVector out_shape;   // keep_shape, or without the reduced dims
  int64_t count = 1;     // elements reduced into each output
};

Reduction make_reduction(const Tensor& t, IntArrayRef dims, bool keepdim) {
  const DimVector wrapped = ops::wrap_dims(dims, t.dim());
  Reduction r;
  if (t.dim() > 0)
    for (int64_t d : wrapped) r.mask |= uint64_t{1} << d;
  for (int64_t d = 0; d < t.dim(); ++d) {
    const bool red = (r.mask >> d) & 1;
    const int64_t s = t.sizes()[d];
    if (red) r.count *= s;
    r.keep_shape.push_back(red ? 1 : s);
    if (!red || keepdim) r.out_shape.push_back(red ? 1 : s);
  }
  return r;
}

Reduction make_reduction(const Tensor& t, const std::optional<std::vector<int64_t>>& dims,
                         bool keepdim) {
  return make_reduction(t, dims ? IntArrayRef(*dims) : IntArrayRef(), keepdim);
}

Tensor alloc(const Reduction& r, DType dt, const Tensor& t) {
  return empty(r.out_shape, {.dtype = dt, .device = t.device()});
}

// The output seen with the input's rank, as the kernels want it.
Tensor keep_view(const Tensor& out, const Reduction& r) { return out.view(r.keep_shape); }

void check_cpu(const char* op, const Tensor& t) {
  EMBER_CHECK(t.is_cpu(), NotImplementedError, op, ": only CPU tensors are supported, got ",
              t.device());
}

// Sum or product (kind) with PyTorch's dtype rules. The kernels take (T, T) for
// floating and int64 and (integral, int64); other results go through int64
// and wrap, as integer arithmetic in that dtype would.
Tensor sum_prod(ReduceKind kind, const Tensor& t, IntArrayRef dims, bool keepdim,
                std::optional<DType> dtype) {
  const DType out_dt = dtype ? *dtype : (is_integral(t.dtype(), true) ? kInt64 : t.dtype());
  const Reduction r = make_reduction(t, dims, keepdim);
  Tensor out = alloc(r, out_dt, t);
  if (t.is_meta() || out.numel() == 0) return out;
  check_cpu(kind == ReduceKind::Sum ? "sum" : "prod", t);
  if (is_floating_point(out_dt) || out_dt == kInt64) {
    Tensor in = t;
    const bool direct = t.dtype() == out_dt || (kind == ReduceKind::Sum && out_dt == kInt64 &&
                                                is_integral(t.dtype(), true));
    if (!direct) in = t.to(out_dt);
    kernels::reduce_kernel(kind, keep_view(out, r), in, r.mask);
    return out;
  }
  Tensor in = t.dtype() == out_dt ? t : t.to(out_dt);
  if (kind == ReduceKind::Prod) in = in.to(kInt64);
  Tensor acc = empty(r.keep_shape, {.dtype = kInt64});
  kernels::reduce_kernel(kind, acc, in, r.mask);
  out.copy_(acc.view(r.out_shape));
  return out;
}

Tensor mean_impl(const Tensor& t, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  if (dtype) {
    EMBER_CHECK(is_floating_point(*dtype), TypeError,
                "mean(): could not infer output dtype. Optional dtype must be either a floating "
                "point or complex dtype. Got: ",
                scalar_type_name(*dtype));
  } else {
    EMBER_CHECK(t.is_floating_point(), TypeError,
                "mean(): could not infer output dtype. Input dtype must be either a floating point "
                "or complex dtype. Got: ",
                scalar_type_name(t.dtype()));
  }
  const DType out_dt = dtype ? *dtype : t.dtype();
  const Reduction r = make_reduction(t, dims, keepdim);
  Tensor out = alloc(r, out_dt, t);
  if (t.is_meta() || out.numel() == 0) return out;
  check_cpu("mean", t);
  kernels::reduce_kernel(ReduceKind::Mean, keep_view(out, r),
                         t.dtype() == out_dt ? t : t.to(out_dt), r.mask);
  return out;
}

// amax / amin (and max() / min() without a dim).
Tensor extreme(bool is_max, const char* name, const Tensor& t, IntArrayRef dims, bool keepdim) {
  const Reduction r = make_reduction(t, dims, keepdim);
  if (dims.empty()) {
    EMBER_CHECK(t.numel() != 0, RuntimeError, name,
                "(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                "reduction dim with the 'dim' argument.");
  } else if (t.dim() > 0) {
    for (int64_t d : dims)
      EMBER_CHECK(t.sizes()[wrap_dim(d, t.dim())] != 0, IndexError, name,
                  "(): Expected reduction dim ", d, " to have non-zero size.");
  }
  Tensor out = alloc(r, t.dtype(), t);
  if (t.is_meta() || out.numel() == 0) return out;
  check_cpu(name, t);
  kernels::reduce_kernel(is_max ? ReduceKind::Max : ReduceKind::Min, keep_view(out, r), t, r.mask);
  return out;
}

// max / min / argmax / argmin along one dim: (values, indices).
std::tuple<Tensor, Tensor> arg_reduce(bool is_max, const char* name, const Tensor& t, int64_t dim,
                                      bool keepdim) {
  const int64_t d = wrap_dim(dim, t.dim());
  if (t.dim() > 0)
    EMBER_CHECK(t.sizes()[d] != 0, IndexError, name, "(): Expected reduction dim ", d,
                " to have non-zero size.");
  const int64_t dims[1] = {d};
  const Reduction r = make_reduction(t, IntArrayRef(dims, 1), keepdim);
  Tensor values = alloc(r, t.dtype(), t);
  Tensor indices = alloc(r, kInt64, t);
  if (t.is_meta() || values.numel() == 0) return {values, indices};
  check_cpu(name, t);
  kernels::arg_reduce_kernel(is_max, keep_view(values, r), keep_view(indices, r), t, d);
  return {values, indices};
}

Tensor argmax_impl(bool is_max, const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  const char* name = is_max ? "argmax" : "argmin";
  EMBER_CHECK(t.dtype() != kBool, TypeError, "\"", name, "_cpu\" not implemented for 'Bool'");
  if (dim) return std::get<1>(arg_reduce(is_max, name, t, *dim, keepdim));
  EMBER_CHECK(t.numel() != 0, IndexError, name,
              "(): Expected reduction dim to be specified for input.numel() == 0.");
  Tensor flat = t.reshape({t.numel()});  // logical order: ties go to the first flat index
  Tensor idx = std::get<1>(arg_reduce(is_max, name, flat, 0, false));
  if (!keepdim) return idx;
  return idx.view(DimVector(static_cast<size_t>(t.dim()), 1));
}

// var / std / var_mean / std_mean.
std::tuple<Tensor, Tensor> var_impl(const char* name, const Tensor& t,
                                    const std::optional<std::vector<int64_t>>& dims,
                                    double correction, bool keepdim, bool take_sqrt,
                                    bool want_mean) {
  EMBER_CHECK(t.is_floating_point(), TypeError, name,
              " only support floating point and complex dtypes");
  const Reduction r = make_reduction(t, dims, keepdim);
  Tensor out = alloc(r, t.dtype(), t);
  Tensor mean_out = want_mean ? alloc(r, t.dtype(), t) : Tensor();
  if (t.is_meta() || out.numel() == 0) return {out, mean_out};
  check_cpu(name, t);
  // Half and BFloat16 compute in float and round once at the end.
  const DType cdt = t.dtype() == kFloat64 ? kFloat64 : kFloat32;
  Tensor in = t.dtype() == cdt ? t : t.to(cdt);
  Tensor mean = empty(r.keep_shape, {.dtype = cdt});
  kernels::reduce_kernel(ReduceKind::Mean, mean, in, r.mask);
  if (cdt == t.dtype()) {
    kernels::var_kernel(keep_view(out, r), in, mean, r.mask, correction, take_sqrt);
  } else {
    Tensor tmp = empty(r.keep_shape, {.dtype = cdt});
    kernels::var_kernel(tmp, in, mean, r.mask, correction, take_sqrt);
    out.copy_(tmp.view(r.out_shape));
  }
  if (want_mean) mean_out.copy_(mean.view(r.out_shape));
  return {out, mean_out};
}

Tensor all_any(bool is_all, const Tensor& t, IntArrayRef dims, bool keepdim) {
  const Reduction r = make_reduction(t, dims, keepdim);
  Tensor out = alloc(r, t.dtype() == kUInt8 ? kUInt8 : kBool, t);
  if (t.is_meta() || out.numel() == 0) return out;
  check_cpu(is_all ? "all" : "any", t);
  kernels::reduce_kernel(is_all ? ReduceKind::All : ReduceKind::Any, keep_view(out, r), t, r.mask);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- autograd
//
// Each differentiable reduction records PyTorch's node. The formulas use public
// ops only, so that under create_graph the backward is itself recorded.

namespace {

using autograd::FormulaNodeBase;
using autograd::variable_list;

// A reduced gradient (or result) seen with the input's rank again: size-1 dims
// put back where the reduction removed them (PyTorch's unsqueeze_multiple).
Tensor restore_dims(Tensor g, uint64_t mask, int64_t ndim, bool keepdim) {
  if (keepdim || !g.defined()) return g;
  for (int64_t d = 0; d < ndim; ++d)
    if ((mask >> d) & 1) g = g.unsqueeze(d);
  return g;
}

// The reduced dims as a list (for sum(dims, keepdim=true) over them).
DimVector mask_dims(uint64_t mask, int64_t ndim) {
  DimVector v;
  for (int64_t d = 0; d < ndim; ++d)
    if ((mask >> d) & 1) v.push_back(d);
  return v;
}

// Only floating results are differentiable (integer sums, int64 dtype= ...).
bool differentiable(const Tensor& out) { return out.is_floating_point(); }

bool item_true(const Tensor& b) {
  return autograd::untracked([&] { return b.any().item().to_bool(); });
}

// sum and mean: the gradient expanded back over the reduced dims (a view),
// divided by the count for mean.
Tensor sum_mean_rec(bool is_mean, const Tensor& t, IntArrayRef dims, bool keepdim,
                    std::optional<DType> dtype, bool whole) {
  auto impl = [&] {
    return is_mean ? mean_impl(t, dims, keepdim, dtype)
                   : sum_prod(ReduceKind::Sum, t, dims, keepdim, dtype);
  };
  if (!autograd::grad_needed(t)) return impl();
  Tensor out = autograd::untracked(impl);
  if (!differentiable(out)) return out;
  const DimVector sizes(t.sizes());
  const Reduction r = make_reduction(t, dims, keepdim);
  const uint64_t mask = r.mask;
  const int64_t ndim = t.dim(), count = r.count;
  const char* name = is_mean ? (whole ? "MeanBackward0" : "MeanBackward1")
                             : (whole ? "SumBackward0" : "SumBackward1");
  auto node = autograd::make_node(
      name,
      [sizes, mask, ndim, keepdim, count, is_mean](FormulaNodeBase&, variable_list& g) {
        Tensor gi = restore_dims(g[0], mask, ndim, keepdim).expand(sizes);
        return variable_list{is_mean ? gi / count : gi};
      },
      t);
  autograd::set_history(out, node);
  return out;
}

// d prod / d x. g and result have x's rank (size 1 in the reduced dims) or are
// 0-dim (the whole product); dim is the reduced dim, or none for all.
Tensor prod_grad(const Tensor& g, const Tensor& x, const Tensor& result,
                 std::optional<int64_t> dim) {
  if (x.dim() == 0) return g;
  const Tensor zero = x.eq(0);
  if (!item_true(zero)) return g * (result / x);
  // With zeros, x_i's gradient is the product of the others: P (the product
  // of the non-zeros) over x_i when no zero is in the slice, P at the only
  // zero, 0 elsewhere. S (the sum of the zeros: 0, but not as a constant) and
  // the two-zero term keep the second derivative right too.
  auto red_sum = [&](const Tensor& v) {
    return dim ? v.sum(IntArrayRef(&*dim, 1), true) : v.sum();
  };
  const Tensor xs = where(zero, 1, x);
  const Tensor p = dim ? xs.prod(*dim, true) : xs.prod();
  const Tensor count = red_sum(zero);
  const Tensor s = red_sum(x * zero);
  const Tensor others = p / xs;
  const Tensor at_zero = where(count.eq(1), p, where(count.eq(2), (s - x) * p, 0));
  const Tensor at_nonzero = where(count.eq(0), others, where(count.eq(1), s * others, 0));
  return g * where(zero, at_zero, at_nonzero);
}

Tensor prod_rec(const Tensor& t, std::optional<int64_t> dim, bool keepdim,
                std::optional<DType> dtype) {
  auto impl = [&] {
    if (!dim) return sum_prod(ReduceKind::Prod, t, {}, false, dtype);
    const int64_t dims[1] = {*dim};
    return sum_prod(ReduceKind::Prod, t, IntArrayRef(dims, 1), keepdim, dtype);
  };
  if (!autograd::grad_needed(t)) return impl();
  Tensor out = autograd::untracked(impl);
  if (!differentiable(out)) return out;
  const int64_t ndim = t.dim();
  const std::optional<int64_t> d =
      dim ? std::optional<int64_t>(wrap_dim(*dim, std::max<int64_t>(ndim, 1))) : std::nullopt;
  const uint64_t mask = (d && ndim > 0) ? uint64_t{1} << *d : 0;
  auto node = autograd::make_node(
      dim ? "ProdBackward1" : "ProdBackward0",
      [d, mask, ndim, keepdim](FormulaNodeBase& n, variable_list& g) {
        return variable_list{prod_grad(restore_dims(g[0], mask, ndim, keepdim), n.saved(0),
                                       restore_dims(n.saved(1), mask, ndim, keepdim), d)};
      },
      t);
  node->save(t);
  autograd::set_history(out, node);
  node->save_output(out);
  return out;
}

// max() / min(): the gradient shared evenly by the elements equal to the result.
Tensor extreme_all_rec(bool is_max, const Tensor& t) {
  auto impl = [&] { return extreme(is_max, is_max ? "max" : "min", t, {}, false); };
  if (!autograd::grad_needed(t)) return impl();
  Tensor out = autograd::untracked(impl);
  if (!differentiable(out)) return out;
  auto node = autograd::make_node(
      is_max ? "MaxBackward1" : "MinBackward1",
      [](FormulaNodeBase& n, variable_list& g) {
        const Tensor x = n.saved(0), value = n.saved(1);
        const Tensor mask = item_true(value.isnan()) ? x.isnan() : x.eq(value);
        return variable_list{where(mask, g[0] / mask.sum(), 0)};
      },
      t);
  node->save(t);
  autograd::set_history(out, node);
  node->save_output(out);
  return out;
}

// amax / amin: the gradient shared evenly by the maxima of each slice.
Tensor amax_rec(bool is_max, const Tensor& t, IntArrayRef dims, bool keepdim) {
  auto impl = [&] { return extreme(is_max, is_max ? "amax" : "amin", t, dims, keepdim); };
  if (!autograd::grad_needed(t)) return impl();
  Tensor out = autograd::untracked(impl);
  if (!differentiable(out)) return out;
  const uint64_t mask = make_reduction(t, dims, keepdim).mask;
  const int64_t ndim = t.dim();
  auto node = autograd::make_node(
      is_max ? "AmaxBackward0" : "AminBackward0",
      [mask, ndim, keepdim](FormulaNodeBase& n, variable_list& g) {
        const Tensor x = n.saved(0);
        const Tensor hit = restore_dims(n.saved(1), mask, ndim, keepdim).eq(x);
        const Tensor gr = restore_dims(g[0], mask, ndim, keepdim);
        return variable_list{gr / hit.sum(mask_dims(mask, ndim), true) * hit};
      },
      t);
  node->save(t);
  autograd::set_history(out, node);
  node->save_output(out);
  return out;
}

// max(dim) / min(dim): the gradient goes to the selected index.
std::tuple<Tensor, Tensor> arg_reduce_rec(bool is_max, const Tensor& t, int64_t dim, bool keepdim) {
  auto impl = [&] { return arg_reduce(is_max, is_max ? "max" : "min", t, dim, keepdim); };
  if (!autograd::grad_needed(t)) return impl();
  auto [values, indices] = autograd::untracked(impl);
  if (!differentiable(values)) return {values, indices};
  const DimVector sizes(t.sizes());
  const int64_t ndim = t.dim(), d = wrap_dim(dim, std::max<int64_t>(ndim, 1));
  auto node = autograd::make_node(
      is_max ? "MaxBackward0" : "MinBackward0",
      [sizes, ndim, d, keepdim](FormulaNodeBase& n, variable_list& g) {
        if (ndim == 0) return variable_list{g[0]};
        Tensor gi = g[0], idx = n.saved(0);
        if (!keepdim) {
          gi = gi.unsqueeze(d);
          idx = idx.unsqueeze(d);
        }
        return variable_list{
            zeros(sizes, {.dtype = gi.dtype(), .device = gi.device()}).scatter(d, idx, gi)};
      },
      t);
  node->save(indices);
  autograd::set_history(values, node);
  return {values, indices};
}

// What var / std / var_mean / std_mean's gradients need to know of the call.
struct VarSpec {
  uint64_t mask;
  int64_t ndim, count;
  bool keepdim;
  double correction;
  // d var / d x times g (g has the output's shape).
  Tensor var_grad(const Tensor& g, const Tensor& x) const {
    const Tensor gr = restore_dims(g, mask, ndim, keepdim);
    const Tensor centered = x - x.mean(mask_dims(mask, ndim), true);
    return (2.0 / (static_cast<double>(count) - correction)) * gr * centered;
  }
  // d std / d x times g: as var's, with g / (2 std) (0 where std is 0).
  Tensor std_grad(const Tensor& g, const Tensor& x, const Tensor& result) const {
    return var_grad(masked_fill(g / (result * 2), result.eq(0), 0), x);
  }
  Tensor mean_grad(const Tensor& g, IntArrayRef sizes) const {
    return restore_dims(g, mask, ndim, keepdim).expand(sizes) / count;
  }
};

std::tuple<Tensor, Tensor> var_rec(const char* name, const Tensor& t,
                                   const std::optional<std::vector<int64_t>>& dims,
                                   double correction, bool keepdim, bool take_sqrt,
                                   bool want_mean) {
  auto impl = [&] { return var_impl(name, t, dims, correction, keepdim, take_sqrt, want_mean); };
  if (!autograd::grad_needed(t)) return impl();
  auto [out, mean_out] = autograd::untracked(impl);
  if (!differentiable(out)) return {out, mean_out};
  const Reduction r = make_reduction(t, dims, keepdim);
  const VarSpec spec{r.mask, t.dim(), r.count, keepdim, correction};
  const DimVector sizes(t.sizes());
  const char* node_name = want_mean ? (take_sqrt ? "StdMeanBackward0" : "VarMeanBackward0")
                                    : (take_sqrt ? "StdBackward0" : "VarBackward0");
  auto node = autograd::make_node(
      node_name,
      [spec, sizes, take_sqrt, want_mean](FormulaNodeBase& n, variable_list& g) {
        Tensor gx;
        if (g[0].defined()) {
          const Tensor x = n.saved(0);
          gx = take_sqrt ? spec.std_grad(g[0], x, n.saved(1)) : spec.var_grad(g[0], x);
        }
        if (want_mean && g.size() > 1 && g[1].defined()) {
          const Tensor gm = spec.mean_grad(g[1], sizes);
          gx = gx.defined() ? gx + gm : gm;
        }
        return variable_list{gx};
      },
      t);
  node->save(t);
  autograd::set_history(out, node);
  if (want_mean) autograd::set_history(mean_out, node);
  node->save_output(take_sqrt ? out : Tensor());
  return {out, mean_out};
}

// d norm_p / d x times g, as PyTorch's norm_backward (subgradient 0 at 0).
Tensor norm_grad(Tensor g, const Tensor& x, double p, Tensor norm, uint64_t mask, int64_t ndim,
                 bool keepdim) {
  g = restore_dims(g, mask, ndim, keepdim);
  norm = restore_dims(norm, mask, ndim, keepdim);
  if (p == 0.0) return Tensor();
  if (p == 1.0) return x.sign() * g;
  if (p == 2.0) return g * masked_fill(x / norm, norm.eq(0), 0);
  if (std::isinf(p)) {
    const Tensor ax = x.abs();
    const Tensor hit = ax.eq(norm).logical_or(ax.isnan());
    return x.sign() * ((g / hit.sum(mask_dims(mask, ndim), true)) * hit);
  }
  if (p < 1.0) {
    const Tensor scaled = x.sign() * masked_fill(x.abs().pow(p - 1), x.eq(0), 0);
    return scaled * g * norm.pow(1 - p);
  }
  const Tensor scaled = p < 2.0 ? x.sign() * x.abs().pow(p - 1) : x * x.abs().pow(p - 2);
  return scaled * masked_fill(g / norm.pow(p - 1), norm.eq(0), 0);
}

}  // namespace

// ---------------------------------------------------------------- free functions

Tensor sum(const Tensor& t, std::optional<DType> dtype) {
  if (!autograd::grad_needed(t)) return sum_prod(ReduceKind::Sum, t, {}, false, dtype);
  return sum_mean_rec(false, t, {}, false, dtype, true);
}
Tensor sum(const Tensor& t, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  if (!autograd::grad_needed(t)) return sum_prod(ReduceKind::Sum, t, dims, keepdim, dtype);
  return sum_mean_rec(false, t, dims, keepdim, dtype, false);
}
Tensor mean(const Tensor& t, std::optional<DType> dtype) {
  return sum_mean_rec(true, t, {}, false, dtype, true);
}
Tensor mean(const Tensor& t, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  return sum_mean_rec(true, t, dims, keepdim, dtype, false);
}
Tensor prod(const Tensor& t, std::optional<DType> dtype) {
  return prod_rec(t, std::nullopt, false, dtype);
}
Tensor prod(const Tensor& t, int64_t dim, bool keepdim, std::optional<DType> dtype) {
  return prod_rec(t, dim, keepdim, dtype);
}

Tensor max(const Tensor& t) { return extreme_all_rec(true, t); }
Tensor min(const Tensor& t) { return extreme_all_rec(false, t); }
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) {
  return arg_reduce_rec(true, t, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) {
  return arg_reduce_rec(false, t, dim, keepdim);
}
Tensor amax(const Tensor& t, IntArrayRef dims, bool keepdim) {
  return amax_rec(true, t, dims, keepdim);
}
Tensor amin(const Tensor& t, IntArrayRef dims, bool keepdim) {
  return amax_rec(false, t, dims, keepdim);
}
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return argmax_impl(true, t, dim, keepdim);
}
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return argmax_impl(false, t, dim, keepdim);
}

Tensor var(const Tensor& t, std::optional<std::vector<int64_t>> dims, double correction,
           bool keepdim) {
  return std::get<0>(var_rec("std and var", t, dims, correction, keepdim, false, false));
}
Tensor std(const Tensor& t, std::optional<std::vector<int64_t>> dims, double correction,
           bool keepdim) {
  return std::get<0>(var_rec("std and var", t, dims, correction, keepdim, true, false));
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, std::optional<std::vector<int64_t>> dims,
                                    double correction, bool keepdim) {
  return var_rec("var_mean", t, dims, correction, keepdim, false, true);
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, std::optional<std::vector<int64_t>> dims,
                                    double correction, bool keepdim) {
  return var_rec("std_mean", t, dims, correction, keepdim, true, true);
}

namespace {

Tensor norm_impl(const Tensor& t, const Scalar& p, const std::optional<std::vector<int64_t>>& dims,
                 bool keepdim) {
  EMBER_CHECK(t.is_floating_point(), TypeError,
              "norm(): input dtype should be either floating point or complex. Got ",
              scalar_type_name(t.dtype()), " instead.");
  const Reduction r = make_reduction(t, dims, keepdim);
  Tensor out = alloc(r, t.dtype(), t);
  if (t.is_meta() || out.numel() == 0) return out;
  check_cpu("norm", t);
  if (r.count == 0) return out.zero_();  // every p gives 0 over nothing, as PyTorch 1.13
  const DType cdt = t.dtype() == kFloat64 ? kFloat64 : kFloat32;
  if (cdt == t.dtype()) {
    kernels::norm_kernel(keep_view(out, r), t, r.mask, p.to_double());
  } else {
    Tensor tmp = empty(r.keep_shape, {.dtype = cdt});
    kernels::norm_kernel(tmp, t.to(cdt), r.mask, p.to_double());
    out.copy_(tmp.view(r.out_shape));
  }
  return out;
}

Tensor logsumexp_impl(const Tensor& t, IntArrayRef dims, bool keepdim) {
  // Integers compute in the default dtype; Half and BFloat16 in float.
  const DType out_dt = is_integral(t.dtype(), true) ? get_default_dtype() : t.dtype();
  const Reduction r = make_reduction(t, dims, keepdim);
  Tensor out = alloc(r, out_dt, t);
  if (t.is_meta() || out.numel() == 0) return out;
  check_cpu("logsumexp", t);
  if (t.numel() == 0) return out.fill_(-std::numeric_limits<double>::infinity());
  const DType cdt = out_dt == kFloat64 ? kFloat64 : kFloat32;
  const Tensor in = t.dtype() == cdt ? t : t.to(cdt);
  // The shift: the max, with +-inf replaced by 0 so all -inf gives -inf and
  // any +inf gives +inf instead of nan.
  Tensor m = empty(r.keep_shape, {.dtype = cdt});
  kernels::reduce_kernel(ReduceKind::Max, m, in, r.mask);
  EMBER_DISPATCH_FLOATING(cdt, "logsumexp", [&] {
    scalar_t* p = m.data_ptr<scalar_t>();
    for (int64_t i = 0, n = m.numel(); i < n; ++i)
      if (std::isinf(p[i])) p[i] = 0;
  });
  if (cdt == out_dt) {
    kernels::logsumexp_kernel(keep_view(out, r), in, m, r.mask);
  } else {
    Tensor tmp = empty(r.keep_shape, {.dtype = cdt});
    kernels::logsumexp_kernel(tmp, in, m, r.mask);
    out.copy_(tmp.view(r.out_shape));
  }
  return out;
}

}  // namespace

Tensor norm(const Tensor& t, const Scalar& p, std::optional<std::vector<int64_t>> dims,
            bool keepdim) {
  if (!autograd::grad_needed(t)) return norm_impl(t, p, dims, keepdim);
  Tensor out = autograd::untracked([&] { return norm_impl(t, p, dims, keepdim); });
  if (!differentiable(out)) return out;
  const uint64_t mask = make_reduction(t, dims, keepdim).mask;
  const int64_t ndim = t.dim();
  const double pv = p.to_double();
  auto node = autograd::make_node(
      "NormBackward1",
      [pv, mask, ndim, keepdim](FormulaNodeBase& n, variable_list& g) {
        return variable_list{norm_grad(g[0], n.saved(0), pv, n.saved(1), mask, ndim, keepdim)};
      },
      t);
  node->save(t);
  autograd::set_history(out, node);
  node->save_output(out);
  return out;
}

Tensor logsumexp(const Tensor& t, IntArrayRef dims, bool keepdim) {
  if (!autograd::grad_needed(t)) return logsumexp_impl(t, dims, keepdim);
  Tensor out = autograd::untracked([&] { return logsumexp_impl(t, dims, keepdim); });
  if (!differentiable(out)) return out;
  const uint64_t mask = make_reduction(t, dims, keepdim).mask;
  const int64_t ndim = t.dim();
  auto node = autograd::make_node(
      "LogsumexpBackward0",
      [mask, ndim, keepdim](FormulaNodeBase& n, variable_list& g) {
        const Tensor x = n.saved(0), res = restore_dims(n.saved(1), mask, ndim, keepdim);
        return variable_list{restore_dims(g[0], mask, ndim, keepdim) * (x - res).exp()};
      },
      t);
  node->save(t);
  autograd::set_history(out, node);
  node->save_output(out);
  return out;
}

Tensor all(const Tensor& t) { return all_any(true, t, {}, false); }
Tensor any(const Tensor& t) { return all_any(false, t, {}, false); }
Tensor all(const Tensor& t, int64_t dim, bool keepdim) {
  const int64_t dims[1] = {dim};
  return all_any(true, t, IntArrayRef(dims, 1), keepdim);
}
Tensor any(const Tensor& t, int64_t dim, bool keepdim) {
  const int64_t dims[1] = {dim};
  return all_any(false, t, IntArrayRef(dims, 1), keepdim);
}

// ---------------------------------------------------------------- Tensor methods

Tensor Tensor::sum(std::optional<DType> dtype) const { return ember::sum(*this, dtype); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim, std::optional<DType> dtype) const {
  return ember::sum(*this, dims, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<DType> dtype) const { return ember::mean(*this, dtype); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim, std::optional<DType> dtype) const {
  return ember::mean(*this, dims, keepdim, dtype);
}
Tensor Tensor::prod(std::optional<DType> dtype) const { return ember::prod(*this, dtype); }
Tensor Tensor::prod(int64_t dim, bool keepdim, std::optional<DType> dtype) const {
  return ember::prod(*this, dim, keepdim, dtype);
}
Tensor Tensor::max() const { return ember::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return ember::max(*this, dim, keepdim);
}
Tensor Tensor::min() const { return ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return ember::min(*this, dim, keepdim);
}
Tensor Tensor::amax(IntArrayRef dims, bool keepdim) const {
  return ember::amax(*this, dims, keepdim);
}
Tensor Tensor::amin(IntArrayRef dims, bool keepdim) const {
  return ember::amin(*this, dims, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmax(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return ember::argmin(*this, dim, keepdim);
}
Tensor Tensor::var(std::optional<std::vector<int64_t>> dims, double correction,
                   bool keepdim) const {
  return ember::var(*this, std::move(dims), correction, keepdim);
}
Tensor Tensor::std(std::optional<std::vector<int64_t>> dims, double correction,
                   bool keepdim) const {
  return ember::std(*this, std::move(dims), correction, keepdim);
}
Tensor Tensor::norm(const Scalar& p, std::optional<std::vector<int64_t>> dims, bool keepdim) const {
  return ember::norm(*this, p, std::move(dims), keepdim);
}
Tensor Tensor::logsumexp(IntArrayRef dims, bool keepdim) const {
  return ember::logsumexp(*this, dims, keepdim);
}
Tensor Tensor::all() const { return ember::all(*this); }
Tensor Tensor::all(int64_t dim, bool keepdim) const { return ember::all(*this, dim, keepdim); }
Tensor Tensor::any() const { return ember::any(*this); }
Tensor Tensor::any(int64_t dim, bool keepdim) const { return ember::any(*this, dim, keepdim); }

}  // namespace ember
