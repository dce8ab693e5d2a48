#pragma once
// torch.nn.utils.convert_parameters: a model's parameters as one flat vector
// and back.
#include <vector>

#include "ember/core/tensor.h"

namespace ember::nn::utils {

// The parameters, each flattened with view(-1), concatenated (torch.cat: one
// allocation, dtypes promoted, history recorded when a parameter requires grad).
// Errors as PyTorch's: parameters on different devices (TypeError "Found two
// parameters on different devices, this is currently not supported."), a
// parameter that cannot be viewed flat (a transposed or channels_last one:
// view's RuntimeError), an empty list (torch.cat's RuntimeError), an undefined
// parameter (AttributeError, as Python's None.is_cuda).
Tensor parameters_to_vector(const std::vector<Tensor>& parameters);

// Points the parameters at consecutive slices of vec, as PyTorch's
// `param.data = vec[pointer:pointer + n].view_as(param).data`: afterwards each
// parameter ALIASES vec's storage (no copy; writes to vec show in the
// parameters and the other way round) and takes vec's dtype, keeping its own
// TensorImpl, requires_grad and grad. Nothing changes when any parameter fails
// (vec undefined: TypeError "expected torch.Tensor, but got: NoneType"; too
// short: view's "shape '[2, 3]' is invalid for input of size 5"; different
// devices; a non-floating vec for a parameter that requires grad).
void vector_to_parameters(const Tensor& vec, const std::vector<Tensor>& parameters);

}  // namespace ember::nn::utils
