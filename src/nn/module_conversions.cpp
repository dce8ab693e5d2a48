// nn::Module's conversions (torch.nn.Module's _apply, to, cpu, cuda, type,
// float/double/half/bfloat16, to_empty, share_memory).
//
// Each public method first checks its arguments against every tensor of the
// tree (the errors PyTorch would raise part-way through _apply), so a bad call
// changes nothing, then converts tensor by tensor as PyTorch does (the old
// data of a tensor is freed as soon as it is replaced, not at the end).
#include <optional>
#include <vector>

#include "ember/core/grad_mode.h"
#include "ember/core/shared_memory.h"
#include "ember/nn/module.h"
#include "ember/ops/factory.h"

namespace ember::nn {

namespace {

constexpr const char* kNotFloatingData =
    "data set to a tensor that requires gradients must be floating point or complex dtype";

// t.data = value, keeping t's TensorImpl (its autograd identity, parameter flag
// and every handle to it). Tensor::set_data refuses a change of device type
// (cpu <-> meta); PyTorch's _apply then makes a new Parameter, ember keeps the
// TensorImpl there too, so that members stay bound to the module's tensors.
void assign_data(const Tensor& t, const Tensor& value) {
  if (value.is_same(t)) return;
  EMBER_CHECK(!t.requires_grad() || value.is_floating_point(), RuntimeError, kNotFloatingData);
  if (value.device().type == t.device().type) {
    t.set_data(value);
    return;
  }
  TensorImpl* i = t.impl();
  const TensorImpl* v = value.impl();
  i->set_storage(v->storage());
  i->set_dtype(v->dtype());
  i->set_sizes_and_strides(v->sizes(), v->strides(), v->storage_offset());
}

// Every tensor _apply will visit (each once): parameters, their grads, buffers.
std::vector<Tensor> all_tensors(Module& m) {
  std::vector<Tensor> out = m.parameters();
  const size_t n = out.size();
  for (size_t i = 0; i < n; ++i)
    if (out[i].grad().defined()) out.push_back(out[i].grad());
  for (auto& b : m.buffers()) out.push_back(b);
  return out;
}

bool channels_last_kind(MemoryFormat f) {
  return f == MemoryFormat::ChannelsLast || f == MemoryFormat::ChannelsLast3d;
}

// Checks what PyTorch's `to` would fail on, before anything changes.
void check_to(Module& m, const std::optional<Device>& device, std::optional<DType> dtype,
              std::optional<MemoryFormat> fmt) {
  if (dtype)
    EMBER_CHECK(is_floating_point(*dtype), TypeError,
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                "dtype=",
                to_string(*dtype));
  const std::vector<Tensor> tensors = all_tensors(m);
  if (tensors.empty()) return;  // nothing to convert: PyTorch raises nothing either
  if (device) check_device_available(*device);
  for (const auto& t : tensors) {
    // Copying out of a meta tensor: Tensor::to's own NotImplementedError, from
    // an empty meta tensor so that no memory is allocated for the check.
    if (device && t.is_meta() && !device->is_meta())
      (void)empty({0}, {.device = kMeta}).to(*device);
    // channels_last on a 5-D tensor (or channels_last_3d on a 4-D one): the
    // "required rank" RuntimeError of the conversion.
    if (fmt && channels_last_kind(*fmt) && !is_lazy(t) && (t.dim() == 4 || t.dim() == 5))
      (void)strides_for(t.sizes(), *fmt);
  }
}

// PyTorch's convert() inside Module.to: dtype only for floating-point tensors,
// memory format only for 4-D and 5-D ones.
std::function<Tensor(const Tensor&)> converter(std::optional<Device> device,
                                               std::optional<DType> dtype, bool non_blocking,
                                               std::optional<MemoryFormat> fmt) {
  return [=](const Tensor& t) {
    const Device dev = device ? *device : t.device();
    const std::optional<DType> dt = t.is_floating_point() ? dtype : std::nullopt;
    if (fmt && (t.dim() == 4 || t.dim() == 5)) return t.to(dev, dt, non_blocking, false, *fmt);
    return t.to(dev, dt, non_blocking);
  };
}

Tensor floating_to(const Tensor& t, DType dtype) { return t.is_floating_point() ? t.to(dtype) : t; }

// An uninitialised (lazy) tensor passes its empty data to fn (torch lets to,
// half, cpu ... through UninitializedTensorMixin) and stays lazy.
Tensor apply_input(const Tensor& t) { return is_lazy(t) ? t.data() : t; }

}  // namespace

Module& Module::_apply(const std::function<Tensor(const Tensor&)>& fn) {
  for (auto& c : children()) c->_apply(fn);
  NoGradGuard no_grad;
  for (const auto& [name, param] : parameters_) {
    if (!param.defined()) continue;
    assign_data(param, fn(apply_input(param)));
    const Tensor& g = param.grad();
    if (g.defined()) assign_data(g, fn(g));
  }
  for (const auto& [name, buf] : buffers_)
    if (buf.defined()) assign_data(buf, fn(apply_input(buf)));
  return *this;
}

Module& Module::to(const Device& device, std::optional<DType> dtype, bool non_blocking,
                   std::optional<MemoryFormat> memory_format) {
  check_to(*this, device, dtype, memory_format);
  return _apply(converter(device, dtype, non_blocking, memory_format));
}

Module& Module::to(DType dtype, bool non_blocking) {
  check_to(*this, std::nullopt, dtype, std::nullopt);
  return _apply(converter(std::nullopt, dtype, non_blocking, std::nullopt));
}

Module& Module::to(const Tensor& other, bool non_blocking) {
  return to(other.device(), other.dtype(), non_blocking);
}

Module& Module::to(MemoryFormat memory_format) {
  check_to(*this, std::nullopt, std::nullopt, memory_format);
  return _apply(converter(std::nullopt, std::nullopt, false, memory_format));
}

Module& Module::cpu() {
  check_to(*this, kCPU, std::nullopt, std::nullopt);
  return _apply([](const Tensor& t) { return t.cpu(); });
}

Module& Module::cuda(std::optional<int> device) {
  const Device dev(DeviceType::CUDA, device.value_or(-1));
  check_to(*this, dev, std::nullopt, std::nullopt);
  return _apply([dev](const Tensor& t) { return t.to(dev); });
}

namespace {
// ember has no IPU or XPU device type at all.
void no_backend(Module& m, const char* kind) {
  if (all_tensors(m).empty()) return;
  throw DeviceError(detail::str_cat("ember is not linked with support for ", kind,
                                    " devices (PyTorch is not linked with support for ", kind,
                                    " devices)"));
}
}  // namespace

Module& Module::ipu(std::optional<int>) {
  no_backend(*this, "ipu");
  return *this;
}

Module& Module::xpu(std::optional<int>) {
  no_backend(*this, "xpu");
  return *this;
}

Module& Module::type(DType dst_type) {
  // Integer data in a parameter that requires grad: PyTorch's `.data =` error.
  if (!is_floating_point(dst_type))
    for (const auto& p : parameters())
      EMBER_CHECK(!p.requires_grad(), RuntimeError, kNotFloatingData);
  return _apply([dst_type](const Tensor& t) { return t.to(dst_type); });
}

Module& Module::float_() {
  return _apply([](const Tensor& t) { return floating_to(t, kFloat32); });
}

Module& Module::double_() {
  return _apply([](const Tensor& t) { return floating_to(t, kFloat64); });
}

Module& Module::half() {
  return _apply([](const Tensor& t) { return floating_to(t, kFloat16); });
}

Module& Module::bfloat16() {
  return _apply([](const Tensor& t) { return floating_to(t, kBFloat16); });
}

Module& Module::to_empty(const Device& device) {
  if (!all_tensors(*this).empty()) check_device_available(device);
  return _apply([device](const Tensor& t) { return empty_like(t, {.device = device}); });
}

Module& Module::share_memory() {
  for (const auto& t : all_tensors(*this)) {
    EMBER_CHECK(!is_lazy(t), RuntimeError,
                "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                "initialize the parameters before calling `module.share_memory()`.");
    if (!t.is_cpu()) share_memory_(t);  // throws PyTorch's "only available on CPU"
  }
  return _apply([](const Tensor& t) { return share_memory_(t); });
}

}  // namespace ember::nn
