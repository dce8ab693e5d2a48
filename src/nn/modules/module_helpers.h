#pragma once
// Small pieces that several nn modules share (Linear, the norms, Embedding,
// the RNNs, the transformer layers): torch's factory kwargs, None for an
// undefined tensor, the affine weight and bias of a norm, and
// LazyModuleMixin's state_dict hook. Private to src/.
#include <optional>
#include <string>
#include <utility>

#include "ember/core/grad_mode.h"
#include "ember/core/tensor.h"
#include "ember/nn/init.h"
#include "ember/nn/module.h"
#include "ember/nn/parameter.h"
#include "ember/ops/factory.h"

namespace ember::nn::detail {

// torch's factory kwargs (dtype, device) as the options of a new tensor: no
// device is the CPU; requires_grad and memory_format stay at their defaults.
inline TensorOptions factory_options(std::optional<DType> dtype, std::optional<Device> device) {
  TensorOptions f;
  f.dtype = dtype;
  if (device) f.device = *device;
  return f;
}
inline TensorOptions factory_options(const TensorOptions& o) {
  return factory_options(o.dtype, o.device);
}

// An undefined tensor as torch's None for the functional calls.
inline std::optional<Tensor> opt(const Tensor& t) {
  return t.defined() ? std::optional<Tensor>(t) : std::nullopt;
}

// A lazy module's UninitializedParameter in options' dtype and device, or
// None (undefined) when !present.
inline Tensor uninitialized_parameter(bool present, const TensorOptions& options) {
  return present ? Tensor(UninitializedParameter(true, options.device, options.dtype)) : Tensor();
}
inline Tensor uninitialized_buffer(bool present, const TensorOptions& options) {
  return present ? Tensor(UninitializedBuffer(false, options.device, options.dtype)) : Tensor();
}

// A norm's affine weight and bias: two new tensors of `shape` (to be reset by
// reset_affine), or two undefined ones (None) when !affine. Both are made
// before the caller registers either, so a bad shape changes nothing.
inline std::pair<Tensor, Tensor> affine_tensors(bool affine, IntArrayRef shape,
                                                const TensorOptions& options) {
  if (!affine) return {};
  const TensorOptions f = factory_options(options);
  return {empty(shape, f), empty(shape, f)};
}

// Registers affine_tensors(...) as m's parameters "weight" and "bias" (None
// when !affine) and points the members at them.
inline void register_affine(Module& m, Tensor& weight, Tensor& bias, bool affine, IntArrayRef shape,
                            const TensorOptions& options) {
  auto [w, b] = affine_tensors(affine, shape, options);
  m.register_parameter("weight", w, &weight);
  m.register_parameter("bias", b, &bias);
}

// torch's reset_parameters of the norms' affine part: weight ones, bias zeros.
inline void reset_affine(bool affine, const Tensor& weight, const Tensor& bias) {
  if (!affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

// LazyModuleMixin._lazy_load_hook, as a load_state_dict pre-hook: an
// uninitialised parameter or buffer whose key holds an initialised tensor
// takes that tensor's shape (its dtype and device stay), so that the load
// then copies into it.
inline void lazy_load_hook(Module& module, StateDict& state_dict, const std::string& prefix,
                           LoadStateDictContext&) {
  NoGradGuard no_grad;
  for (const auto* members : {&module.named_parameters_local(), &module.named_buffers_local()})
    for (const auto& [name, t] : *members) {
      const Tensor* input = state_dict.find(prefix + name);
      if (input && t.defined() && is_lazy(t) && input->defined() && !is_lazy(*input))
        materialize(t, input->sizes());
    }
}

// LazyModuleMixin.has_uninitialized_params: whether a parameter or buffer of
// the module itself is still uninitialised.
inline bool has_uninitialized_params(const Module& m) {
  for (const auto* members : {&m.named_parameters_local(), &m.named_buffers_local()})
    for (const auto& [name, t] : *members)
      if (is_lazy(t)) return true;
  return false;
}

}  // namespace ember::nn::detail
