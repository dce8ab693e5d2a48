#pragma once
// Running the backward graph: torch.autograd.backward and torch.autograd.grad.
#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

using variable_list = std::vector<Tensor>;

// Accumulates d(sum of tensors[i] * grad_tensors[i]) / d(leaf) into each
// leaf's .grad. A grad_tensors entry may be undefined for a one-element tensor
// (taken as 1). retain_graph defaults to create_graph. With `inputs`, only
// those tensors' .grad are accumulated (and only the graph leading to them runs).
void backward(const variable_list& tensors, const variable_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const variable_list& inputs = {});

// Returns d(sum of outputs[i] * grad_outputs[i]) / d(inputs[j]) without
// touching any .grad. An input that the outputs do not depend on is an error
// unless allow_unused, when its gradient is undefined.
variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs = {},
                   std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                   bool allow_unused = false);

}  // namespace ember::autograd
