#pragma once
// nn::Parameter: a tensor that a module owns as a learnable parameter
// (torch.nn.Parameter). It shares data with the tensor it is made from, is a
// leaf, requires grad by default and prints as "Parameter containing:".
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

}  // namespace ember::nn
