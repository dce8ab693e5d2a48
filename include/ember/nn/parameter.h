#pragma once
// nn::Parameter: a tensor that a module owns as a learnable parameter
// (torch.nn.Parameter). It shares data with the tensor it is made from, is a
// leaf, requires grad by default and prints as "Parameter containing:".
//
// nn::UninitializedParameter / nn::UninitializedBuffer (torch.nn.parameter's
// UninitializedTensorMixin): the tensors of a lazy module before its first
// forward. They hold an empty tensor of their dtype and device, which
// Module::to and friends convert; reading their shape or data throws torch's
// errors (see Tensor::initialized in core/tensor.h), and they print as
// "<UninitializedParameter>". materialize(shape) gives them storage in place:
// the TensorImpl stays, so a module's slot and every handle to it see the
// ordinary parameter (or buffer) it becomes.
#include <optional>

#include "ember/core/tensor.h"

namespace ember::nn {

class Parameter : public Tensor {
 public:
  Parameter() = default;
  // torch.nn.Parameter(data, requires_grad): a leaf alias of data's storage.
  explicit Parameter(const Tensor& data, bool requires_grad = true);
};

// Whether t was made a parameter (by Parameter or Module::register_parameter).
inline bool is_parameter(const Tensor& t) { return t.defined() && t.impl()->is_parameter(); }

// torch.nn.parameter.is_lazy: t is an UninitializedParameter or UninitializedBuffer
// that has not been materialized.
inline bool is_lazy(const Tensor& t) { return t.defined() && t.impl()->is_uninitialized(); }

// UninitializedTensorMixin.materialize for any tensor handle (a module's slot):
// t gets uninitialised memory (torch.empty) of `shape`, on `device` and of
// `dtype` (default: its own), in place, and stops being lazy. A tensor that is
// not lazy has no materialize: AttributeError as in Python ("'Parameter' object
// has no attribute 'materialize'"). Bad shapes throw before t changes.
void materialize(const Tensor& t, IntArrayRef shape, std::optional<Device> device = std::nullopt,
                 std::optional<DType> dtype = std::nullopt);

class UninitializedParameter : public Parameter {
 public:
  explicit UninitializedParameter(bool requires_grad = true,
                                  std::optional<Device> device = std::nullopt,
                                  std::optional<DType> dtype = std::nullopt);
  void materialize(IntArrayRef shape, std::optional<Device> device = std::nullopt,
                   std::optional<DType> dtype = std::nullopt) const {
    nn::materialize(*this, shape, device, dtype);
  }
};

class UninitializedBuffer : public Tensor {
 public:
  explicit UninitializedBuffer(bool requires_grad = false,
                               std::optional<Device> device = std::nullopt,
                               std::optional<DType> dtype = std::nullopt);
  void materialize(IntArrayRef shape, std::optional<Device> device = std::nullopt,
                   std::optional<DType> dtype = std::nullopt) const {
    nn::materialize(*this, shape, device, dtype);
  }
};

}  // namespace ember::nn
