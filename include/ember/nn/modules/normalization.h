#pragma once
// torch.nn.LayerNorm and GroupNorm (torch/nn/modules/normalization.py).
#include <cstdint>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

// Normalises over the trailing normalized_shape dims. Parameters "weight"
// (ones) and "bias" (zeros) of normalized_shape when elementwise_affine.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(IntArrayRef normalized_shape, double eps = 1e-5,
                     bool elementwise_affine = true, const TensorOptions& options = {});
  Tensor forward(const Tensor& input);
  void reset_parameters();
  // "(10,), eps=1e-05, elementwise_affine=True"
  std::string extra_repr() const override;

  DimVector normalized_shape;
  double eps = 1e-5;
  bool elementwise_affine = true;
  Tensor weight, bias;
};

// Normalises each of num_groups channel groups per sample. ValueError
// "num_channels must be divisible by num_groups" otherwise. Parameters
// "weight" (ones) and "bias" (zeros) of [num_channels] when affine.
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true,
            const TensorOptions& options = {});
  Tensor forward(const Tensor& input);
  void reset_parameters();
  // "2, 4, eps=1e-05, affine=True"
  std::string extra_repr() const override;

  int64_t num_groups = 0, num_channels = 0;
  double eps = 1e-5;
  bool affine = true;
  Tensor weight, bias;
};

}  // namespace ember::nn
