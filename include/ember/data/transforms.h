#pragma once
// Tensor transforms, as torchvision.transforms (the ones ember's datasets use).
#include <functional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::data {

// A transform applied to a dataset's image.
using Transform = std::function<Tensor(const Tensor&)>;

// transforms.Normalize(mean, std, inplace=False): (x - mean[c]) / std[c] for a
// float tensor image [..., C, H, W].
class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std, bool inplace = false);
  Tensor operator()(const Tensor& x) const;
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }
  bool inplace() const { return inplace_; }

 private:
  std::vector<double> mean_, std_;
  bool inplace_;
};

}  // namespace ember::data
