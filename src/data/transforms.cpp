#include "ember/data/transforms.h"

#include "ember/core/error.h"
#include "ember/ops/factory.h"

namespace ember::data {

Normalize::Normalize(std::vector<double> mean, std::vector<double> std, bool inplace)
    : mean_(std::move(mean)), std_(std::move(std)), inplace_(inplace) {}

Tensor Normalize::operator()(const Tensor& x) const {
  EMBER_CHECK(is_floating_point(x.dtype()), TypeError,
              "Input tensor should be a float tensor. Got ", to_string(x.dtype()), ".");
  EMBER_CHECK(x.dim() >= 3, ValueError,
              "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
              "torch.Size(",
              x.sizes(), ")");
  Tensor mean = from_vector(mean_).to(x.dtype());
  Tensor std = from_vector(std_).to(x.dtype());
  for (double s : std.to(kFloat64).tolist<double>())
    EMBER_CHECK(s != 0, ValueError, "std evaluated to zero after conversion to ",
                to_string(x.dtype()), ", leading to division by zero.");
  mean = mean.view({-1, 1, 1});
  std = std.view({-1, 1, 1});
  Tensor out = inplace_ ? x : x.clone();
  out.sub_(mean).div_(std);
  return out;
}

}  // namespace ember::data
