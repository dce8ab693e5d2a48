#include "ember/ops/factory.h"

#include <cmath>
#include <cstring>

#include "kernels/cpu/convert.h"
#include "kernels/cpu/dim_order.h"
#include "kernels/cpu/tensor_iter.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

void check_sizes(IntArrayRef sizes) {
  for (auto s : sizes)
    EMBER_CHECK(s >= 0, RuntimeError, "Trying to create tensor with negative dimension ", s, ": ",
                sizes);
}

int64_t storage_bytes(IntArrayRef sizes, IntArrayRef strides, DType dtype) {
  int64_t max_off = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return 0;
    max_off += (sizes[i] - 1) * strides[i];
  }
  return (max_off + 1) * static_cast<int64_t>(element_size(dtype));
}

// PyTorch's infer_dense_strides: dense strides that keep the stride order of a
// non-dense tensor (dims ordered as TensorIterator orders them; stride-0 dims keep
// their place), so empty_like / clone / to of a sliced channels_last tensor stay
// channels_last.
DimVector infer_dense_strides(IntArrayRef sizes, IntArrayRef strides) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  DimVector out(nd);
  if (nd == 0) return out;
  const DimVector perm =
      kernels::fastest_first_order(sizes, 1, [&](int, int64_t d) { return strides[d]; });
  int64_t acc = 1;
  for (int64_t i = 0; i < nd; ++i) {
    out[perm[i]] = acc;
    if (sizes[perm[i]] > 1) acc *= sizes[perm[i]];
  }
  return out;
}

Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad) t.requires_grad_(true);
  return t;
}

}  // namespace

Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, const TensorOptions& o) {
  check_sizes(sizes);
  EMBER_CHECK(sizes.size() == strides.size(), RuntimeError, "dimensionality of sizes (",
              sizes.size(), ") must match dimensionality of strides (", strides.size(), ")");
  check_device_available(o.device);
  const DType dtype = o.dtype_or_default();
  auto storage = std::make_shared<Storage>(
      static_cast<size_t>(storage_bytes(sizes, strides, dtype)), allocator_for(o.device));
  return finish(Tensor(std::make_shared<TensorImpl>(std::move(storage), dtype, sizes, strides, 0)),
                o);
}

Tensor empty(IntArrayRef sizes, const TensorOptions& o) {
  check_sizes(sizes);
  EMBER_CHECK(o.memory_format != MemoryFormat::Preserve, RuntimeError,
              "unsupported memory format Preserve");
  DimVector strides = strides_for(sizes, o.memory_format);
  return empty_strided(sizes, strides, o);
}

Tensor zeros(IntArrayRef sizes, const TensorOptions& o) {
  Tensor t = empty(sizes, o);
  if (!t.is_meta() && t.numel()) std::memset(t.data_ptr(), 0, t.storage()->nbytes());
  return t;
}

Tensor ones(IntArrayRef sizes, const TensorOptions& o) {
  // Unlike full, ones does not infer int64 from its fill value: default dtype.
  TensorOptions opt = o;
  opt.dtype = o.dtype_or_default();
  return full(sizes, 1, opt);
}

Tensor full(IntArrayRef sizes, const Scalar& value, const TensorOptions& o) {
  TensorOptions opt = o;
  if (!opt.dtype) {
    // torch.full infers the dtype from the fill value.
    opt.dtype = value.is_floating_point() ? get_default_dtype() : value.natural_dtype();
  }
  Tensor t =
      empty(sizes, {.dtype = opt.dtype, .device = opt.device, .memory_format = opt.memory_format});
  t.fill_(value);
  return finish(t, opt);
}

Tensor empty_like(const Tensor& t, const LikeOptions& o) {
  TensorOptions opt{.dtype = o.dtype ? *o.dtype : t.dtype(),
                    .device = o.device ? *o.device : t.device(),
                    .requires_grad = o.requires_grad};
  if (o.memory_format == MemoryFormat::Preserve) {
    if (t.is_non_overlapping_and_dense()) return empty_strided(t.sizes(), t.strides(), opt);
    return empty_strided(t.sizes(), infer_dense_strides(t.sizes(), t.strides()), opt);
  }
  opt.memory_format = o.memory_format;
  return empty(t.sizes(), opt);
}

Tensor zeros_like(const Tensor& t, const LikeOptions& o) {
  Tensor r = empty_like(t, o);
  if (!r.is_meta() && r.numel()) std::memset(r.data_ptr(), 0, r.storage()->nbytes());
  return r;
}

Tensor ones_like(const Tensor& t, const LikeOptions& o) { return full_like(t, 1, o); }

Tensor full_like(const Tensor& t, const Scalar& value, const LikeOptions& o) {
  LikeOptions plain = o;
  plain.requires_grad = false;
  Tensor r = empty_like(t, plain);
  r.fill_(value);
  if (o.requires_grad) r.requires_grad_(true);
  return r;
}

Tensor scalar_tensor(const Scalar& value, const TensorOptions& o) { return full({}, value, o); }

Tensor arange(const Scalar& end, const TensorOptions& o) { return arange(0, end, 1, o); }

namespace {
// The type PyTorch's arange computes in: int64 for integers, float for the 16-bit
// floats, double otherwise. start/end/step are converted to it first, so
// arange(0.5, 5, 1.5, dtype=int32) counts 0, 1, 2.
template <typename T>
using arange_acc_t =
    std::conditional_t<std::is_integral_v<T>, int64_t,
                       std::conditional_t<kernels::is_reduced_float_v<T>, float, double>>;

// Arithmetic as c10::Half / c10::BFloat16 do it: every intermediate result is rounded
// to T, and an int64 operand is first converted to T. linspace uses it for the
// reduced floats so its values match PyTorch's bit for bit.
template <typename T>
T rsub(T a, T b) {
  if constexpr (kernels::is_reduced_float_v<T>)
    return T(static_cast<float>(a) - static_cast<float>(b));
  else
    return a - b;
}
template <typename T>
T radd(T a, T b) {
  if constexpr (kernels::is_reduced_float_v<T>)
    return T(static_cast<float>(a) + static_cast<float>(b));
  else
    return a + b;
}
template <typename T>
T rmul(T a, int64_t b) {
  if constexpr (kernels::is_reduced_float_v<T>)
    return T(static_cast<float>(a) * static_cast<float>(T(static_cast<float>(b))));
  else
    return a * static_cast<T>(b);
}
template <typename T>
T rdiv(T a, int64_t b) {
  if constexpr (kernels::is_reduced_float_v<T>)
    return T(static_cast<float>(a) / static_cast<float>(T(static_cast<float>(b))));
  else
    return a / static_cast<T>(b);
}
}  // namespace

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, const TensorOptions& o) {
  const bool all_int =
      !start.is_floating_point() && !end.is_floating_point() && !step.is_floating_point();
  const DType dtype = o.dtype ? *o.dtype : (all_int ? DType::Int64 : get_default_dtype());
  const double sd = start.to_double(), ed = end.to_double(), std_ = step.to_double();
  EMBER_CHECK(std::isfinite(sd) && std::isfinite(ed), RuntimeError, "unsupported range: ", sd,
              " -> ", ed);
  int64_t n = 0;
  EMBER_DISPATCH_NUMERIC(dtype, "arange_cpu", [&] {
    using acc = arange_acc_t<scalar_t>;
    const acc xs = start.to<acc>(), xe = end.to<acc>(), xst = step.to<acc>();
    EMBER_CHECK(xst > 0 || xst < 0, RuntimeError, "step must be nonzero");
    EMBER_CHECK((xst > 0 && xe >= xs) || (xst < 0 && xe <= xs), RuntimeError,
                "upper bound and larger bound inconsistent with step sign");
    double size_d;
    if constexpr (std::is_same_v<scalar_t, int64_t>) {
      const int64_t sgn = (xst > 0) - (xst < 0);
      size_d = static_cast<double>((xe - xs + xst - sgn) / xst);
    } else {
      size_d = std::ceil((ed - sd) / std_);
    }
    EMBER_CHECK(size_d >= 0 && size_d <= 9.2e18, RuntimeError, "invalid size, possible overflow?");
    n = static_cast<int64_t>(size_d);
  });
  Tensor t = empty({n}, {.dtype = dtype, .device = o.device});
  if (!t.is_meta() && n > 0) {
    EMBER_DISPATCH_NUMERIC(dtype, "arange_cpu", [&] {
      using acc = arange_acc_t<scalar_t>;
      const acc xs = start.to<acc>(), xst = step.to<acc>();
      scalar_t* p = t.data_ptr<scalar_t>();
      parallel_for_t(0, n, kGrainSize, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          p[i] = static_cast<scalar_t>(xs + xst * static_cast<acc>(i));
      });
    });
  }
  return finish(t, o);
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, const TensorOptions& o) {
  EMBER_CHECK(steps >= 0, RuntimeError, "number of steps must be non-negative");
  const DType dtype = o.dtype_or_default();
  Tensor t = empty({steps}, {.dtype = dtype, .device = o.device});
  // PyTorch's algorithm: start and end are converted to the output dtype first; the step is
  // computed in that dtype (in double for integers); the first half counts up from start and
  // the second half down from end, so both ends are exact.
  EMBER_DISPATCH_NUMERIC(dtype, "linspace_cpu", [&] {
    if (t.is_meta() || steps == 0) return;
    scalar_t* p = t.data_ptr<scalar_t>();
    const scalar_t s = start.to<scalar_t>(), e = end.to<scalar_t>();
    if (steps == 1) {
      p[0] = s;
      return;
    }
    if constexpr (std::is_integral_v<scalar_t>) {
      const double step =
          (static_cast<double>(e) - static_cast<double>(s)) / static_cast<double>(steps - 1);
      const int64_t half = steps / 2;
      parallel_for_t(0, steps, kGrainSize, [&](int64_t b, int64_t en) {
        for (int64_t i = b; i < en; ++i)
          p[i] = static_cast<scalar_t>(i < half ? s + step * static_cast<double>(i)
                                                : e - step * static_cast<double>(steps - i - 1));
      });
    } else {
      const scalar_t step = rdiv(rsub(e, s), steps - 1);
      const int64_t half = steps / 2;
      parallel_for_t(0, steps, kGrainSize, [&](int64_t b, int64_t en) {
        for (int64_t i = b; i < en; ++i)
          p[i] = i < half ? radd(s, rmul(step, i)) : rsub(e, rmul(step, steps - i - 1));
      });
    }
  });
  return finish(t, o);
}

Tensor eye(int64_t n, std::optional<int64_t> m_opt, const TensorOptions& o) {
  const int64_t m = m_opt ? *m_opt : n;
  EMBER_CHECK(n >= 0, RuntimeError, "n must be greater or equal to 0, got ", n);
  EMBER_CHECK(m >= 0, RuntimeError, "m must be greater or equal to 0, got ", m);
  TensorOptions plain = o;
  plain.requires_grad = false;
  Tensor t = zeros({n, m}, plain);
  if (!t.is_meta()) {
    EMBER_DISPATCH_ALL(t.dtype(), "eye", [&] {
      scalar_t* p = t.data_ptr<scalar_t>();
      for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = kernels::convert<scalar_t>(1);
    });
  }
  return finish(t, o);
}

namespace detail {
Tensor from_raw_copy(const void* data, DType dtype, IntArrayRef sizes) {
  Tensor t = empty(sizes, {.dtype = dtype});
  if (t.numel()) std::memcpy(t.data_ptr(), data, t.nbytes());
  return t;
}
}  // namespace detail

namespace {
struct BlobContext {
  std::function<void(void*)> deleter;
  void* data;
};
void blob_delete(void* ctx) {
  auto* c = static_cast<BlobContext*>(ctx);
  if (c->deleter) c->deleter(c->data);
  delete c;
}
}  // namespace

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& o,
                 std::function<void(void*)> deleter) {
  check_sizes(sizes);
  EMBER_CHECK(o.device.is_cpu(), DeviceError, "from_blob: only cpu memory can be wrapped, got ",
              o.device);
  const DType dtype = o.dtype_or_default();
  const int64_t nbytes = storage_bytes(sizes, strides, dtype);
  auto* ctx = new BlobContext{std::move(deleter), data};
  auto storage = std::make_shared<Storage>(DataPtr(data, ctx, &blob_delete),
                                           static_cast<size_t>(nbytes), kCPU, nullptr);
  return finish(Tensor(std::make_shared<TensorImpl>(std::move(storage), dtype, sizes, strides, 0)),
                o);
}

Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& o) {
  DimVector st = contiguous_strides(sizes);
  return from_blob(data, sizes, st, o, nullptr);
}

}  // namespace ember
