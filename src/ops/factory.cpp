#include "ember/ops/factory.h"

#include <cmath>
#include <cstring>

#include "kernels/cpu/convert.h"
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

Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad) t.requires_grad_(true);
  return t;
}

}  // namespace

Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, const TensorOptions& o) {
  check_sizes(sizes);
  EMBER_CHECK(sizes.size() == strides.size(), RuntimeError, "mismatch in length of strides (",
              strides.size(), ") and shape (", sizes.size(), ")");
  check_device_available(o.device);
  const DType dtype = o.dtype_or_default();
  auto storage = std::make_shared<Storage>(
      static_cast<size_t>(storage_bytes(sizes, strides, dtype)), allocator_for(o.device));
  return finish(Tensor(std::make_shared<TensorImpl>(std::move(storage), dtype, sizes, strides, 0)), o);
}

Tensor empty(IntArrayRef sizes, const TensorOptions& o) {
  check_sizes(sizes);
  DimVector strides = strides_for(sizes, o.memory_format);
  return empty_strided(sizes, strides, o);
}

Tensor zeros(IntArrayRef sizes, const TensorOptions& o) {
  Tensor t = empty(sizes, o);
  if (!t.is_meta() && t.numel()) std::memset(t.data_ptr(), 0, t.storage()->nbytes());
  return t;
}

Tensor ones(IntArrayRef sizes, const TensorOptions& o) {
  TensorOptions opt = o;
  opt.dtype = o.dtype_or_default();  // unlike full, ones does not infer int64 from the 1
  return full(sizes, 1, opt);
}

Tensor full(IntArrayRef sizes, const Scalar& value, const TensorOptions& o) {
  TensorOptions opt = o;
  if (!opt.dtype) {
    // torch.full infers the dtype from the fill value.
    opt.dtype = value.is_floating_point() ? get_default_dtype() : value.natural_dtype();
  }
  Tensor t = empty(sizes, {.dtype = opt.dtype, .device = opt.device, .memory_format = opt.memory_format});
  t.fill_(value);
  return finish(t, opt);
}

Tensor empty_like(const Tensor& t, const LikeOptions& o) {
  TensorOptions opt{.dtype = o.dtype ? *o.dtype : t.dtype(),
                    .device = o.device ? *o.device : t.device(),
                    .requires_grad = o.requires_grad};
  if (o.memory_format == MemoryFormat::Preserve) {
    if (t.is_non_overlapping_and_dense()) {
      return empty_strided(t.sizes(), t.strides(), opt);
    }
    opt.memory_format = t.suggest_memory_format();
    return empty(t.sizes(), opt);
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

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, const TensorOptions& o) {
  const bool all_int = !start.is_floating_point() && !end.is_floating_point() &&
                       !step.is_floating_point();
  const DType dtype = o.dtype ? *o.dtype : (all_int ? DType::Int64 : get_default_dtype());
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(st != 0, RuntimeError, "step must be nonzero");
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), RuntimeError, "unsupported range: ", s, " -> ", e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), RuntimeError,
              "upper bound and larger bound inconsistent with step sign");
  int64_t n;
  if (all_int) {
    const int64_t si = start.to_long(), ei = end.to_long(), sti = step.to_long();
    n = sti > 0 ? (ei - si + sti - 1) / sti : (si - ei - sti - 1) / (-sti);
  } else {
    n = static_cast<int64_t>(std::ceil((e - s) / st));
  }
  Tensor t = empty({n}, {.dtype = dtype, .device = o.device});
  if (!t.is_meta()) {
    EMBER_DISPATCH_NUMERIC(dtype, "arange", [&] {
      scalar_t* p = t.data_ptr<scalar_t>();
      if (all_int && is_integral(dtype)) {
        const int64_t si = start.to_long(), sti = step.to_long();
        for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(si + i * sti);
      } else {
        for (int64_t i = 0; i < n; ++i) p[i] = kernels::convert<scalar_t>(s + static_cast<double>(i) * st);
      }
    });
  }
  return finish(t, o);
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, const TensorOptions& o) {
  EMBER_CHECK(steps >= 0, RuntimeError, "number of steps must be non-negative");
  const DType dtype = o.dtype_or_default();
  Tensor t = empty({steps}, {.dtype = dtype, .device = o.device});
  if (!t.is_meta() && steps > 0) {
    const double s = start.to_double(), e = end.to_double();
    EMBER_DISPATCH_NUMERIC(dtype, "linspace", [&] {
      scalar_t* p = t.data_ptr<scalar_t>();
      if (steps == 1) {
        p[0] = kernels::convert<scalar_t>(s);
        return;
      }
      if (is_integral(dtype)) {
        // PyTorch steps integer linspace in floating point and truncates.
        const double step = (e - s) / static_cast<double>(steps - 1);
        for (int64_t i = 0; i < steps; ++i) p[i] = kernels::convert<scalar_t>(s + step * i);
        return;
      }
      using acc = opmath_t<scalar_t>;
      const acc step = static_cast<acc>((e - s) / static_cast<double>(steps - 1));
      const int64_t half = steps / 2;
      for (int64_t i = 0; i < steps; ++i) {
        acc v = i < half ? static_cast<acc>(s) + step * static_cast<acc>(i)
                         : static_cast<acc>(e) - step * static_cast<acc>(steps - i - 1);
        p[i] = static_cast<scalar_t>(v);
      }
    });
  }
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
  return finish(Tensor(std::make_shared<TensorImpl>(std::move(storage), dtype, sizes, strides, 0)), o);
}

Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& o) {
  DimVector st = contiguous_strides(sizes);
  return from_blob(data, sizes, st, o, nullptr);
}

}  // namespace ember
