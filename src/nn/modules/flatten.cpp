#include "ember/nn/modules/flatten.h"

namespace ember::nn {

Tensor Flatten::forward(const Tensor& input) { return input.flatten(start_dim, end_dim); }
std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

Tensor Unflatten::forward(const Tensor& input) { return input.unflatten(dim, unflattened_size); }
std::string Unflatten::extra_repr() const {
  std::string s = "dim=" + std::to_string(dim) + ", unflattened_size=(";
  for (size_t i = 0; i < unflattened_size.size(); ++i)
    s += (i ? ", " : "") + std::to_string(unflattened_size[i]);
  if (unflattened_size.size() == 1) s += ",";
  return s + ")";
}

}  // namespace ember::nn
