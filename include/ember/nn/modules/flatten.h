#pragma once
// torch.nn.Flatten and Unflatten (torch/nn/modules/flatten.py).
#include <cstdint>
#include <string>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;  // "start_dim=1, end_dim=-1"
  int64_t start_dim, end_dim;
};

class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, std::vector<int64_t> unflattened_size)
      : Module("Unflatten"), dim(dim), unflattened_size(std::move(unflattened_size)) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;  // "dim=1, unflattened_size=(2, 5)"
  int64_t dim;
  std::vector<int64_t> unflattened_size;
};

}  // namespace ember::nn
