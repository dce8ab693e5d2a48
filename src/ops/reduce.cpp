// Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, var/std,
// norm, logsumexp, all/any. Argument checks, result dtypes and shapes here;
// the loops are in kernels/cpu/reduce.cpp.
#include "ember/ops/reduce.h"

#include <cmath>
#include <limits>

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

// ---------------------------------------------------------------- free functions

Tensor sum(const Tensor& t, std::optional<DType> dtype) {
  return sum_prod(ReduceKind::Sum, t, {}, false, dtype);
}
Tensor sum(const Tensor& t, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  return sum_prod(ReduceKind::Sum, t, dims, keepdim, dtype);
}
Tensor mean(const Tensor& t, std::optional<DType> dtype) { return mean_impl(t, {}, false, dtype); }
Tensor mean(const Tensor& t, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  return mean_impl(t, dims, keepdim, dtype);
}
Tensor prod(const Tensor& t, std::optional<DType> dtype) {
  return sum_prod(ReduceKind::Prod, t, {}, false, dtype);
}
Tensor prod(const Tensor& t, int64_t dim, bool keepdim, std::optional<DType> dtype) {
  const int64_t dims[1] = {dim};
  return sum_prod(ReduceKind::Prod, t, IntArrayRef(dims, 1), keepdim, dtype);
}

Tensor max(const Tensor& t) { return extreme(true, "max", t, {}, false); }
Tensor min(const Tensor& t) { return extreme(false, "min", t, {}, false); }
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) {
  return arg_reduce(true, "max", t, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) {
  return arg_reduce(false, "min", t, dim, keepdim);
}
Tensor amax(const Tensor& t, IntArrayRef dims, bool keepdim) {
  return extreme(true, "amax", t, dims, keepdim);
}
Tensor amin(const Tensor& t, IntArrayRef dims, bool keepdim) {
  return extreme(false, "amin", t, dims, keepdim);
}
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return argmax_impl(true, t, dim, keepdim);
}
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return argmax_impl(false, t, dim, keepdim);
}

Tensor var(const Tensor& t, std::optional<std::vector<int64_t>> dims, double correction,
           bool keepdim) {
  return std::get<0>(var_impl("std and var", t, dims, correction, keepdim, false, false));
}
Tensor std(const Tensor& t, std::optional<std::vector<int64_t>> dims, double correction,
           bool keepdim) {
  return std::get<0>(var_impl("std and var", t, dims, correction, keepdim, true, false));
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, std::optional<std::vector<int64_t>> dims,
                                    double correction, bool keepdim) {
  return var_impl("var_mean", t, dims, correction, keepdim, false, true);
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, std::optional<std::vector<int64_t>> dims,
                                    double correction, bool keepdim) {
  return var_impl("std_mean", t, dims, correction, keepdim, true, true);
}

Tensor norm(const Tensor& t, const Scalar& p, std::optional<std::vector<int64_t>> dims,
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

Tensor logsumexp(const Tensor& t, IntArrayRef dims, bool keepdim) {
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
