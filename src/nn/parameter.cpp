#include "ember/nn/parameter.h"

#include "ember/ops/factory.h"

namespace ember::nn {

Parameter::Parameter(const Tensor& data, bool requires_grad)
    : Tensor(data.defined() ? data.detach() : Tensor()) {
  EMBER_CHECK(defined(), TypeError, "Parameter: data is an undefined tensor");
  requires_grad_(requires_grad);
  impl()->set_is_parameter(true);
}

namespace {
TensorOptions options_of(std::optional<Device> device, std::optional<DType> dtype) {
  TensorOptions o;
  o.dtype = dtype;
  if (device) o.device = *device;
  return o;
}
}  // namespace

UninitializedParameter::UninitializedParameter(bool requires_grad, std::optional<Device> device,
                                               std::optional<DType> dtype)
    : Parameter(empty({0}, options_of(device, dtype)), requires_grad) {
  impl()->set_uninitialized(TensorImpl::Uninitialized::Parameter);
}

UninitializedBuffer::UninitializedBuffer(bool requires_grad, std::optional<Device> device,
                                         std::optional<DType> dtype)
    : Tensor(empty({0}, options_of(device, dtype))) {
  requires_grad_(requires_grad);
  impl()->set_uninitialized(TensorImpl::Uninitialized::Buffer);
}

void materialize(const Tensor& t, IntArrayRef shape, std::optional<Device> device,
                 std::optional<DType> dtype) {
  EMBER_CHECK(t.defined(), RuntimeError, "materialize: undefined tensor");
  EMBER_CHECK(is_lazy(t), AttributeError, "'", is_parameter(t) ? "Parameter" : "Tensor",
              "' object has no attribute 'materialize'");
  // torch: self.data = torch.empty(shape, device=..., dtype=...) (the empty
  // throws for a bad shape before anything changes), then the class becomes
  // Parameter / Tensor.
  const Tensor data =
      empty(shape, {.dtype = dtype ? *dtype : t.dtype(), .device = device ? *device : t.device()});
  TensorImpl* i = t.impl();
  i->set_storage(data.impl()->storage());
  i->set_dtype(data.dtype());
  i->set_sizes_and_strides(data.sizes(), data.strides(), data.storage_offset());
  i->set_uninitialized(TensorImpl::Uninitialized::No);
}

}  // namespace ember::nn
