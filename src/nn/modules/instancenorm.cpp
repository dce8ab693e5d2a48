#include "ember/nn/modules/instancenorm.h"

#include "ember/nn/functional/normalization.h"

namespace ember::nn {

namespace {
std::optional<Tensor> opt(const Tensor& t) {
  return t.defined() ? std::optional<Tensor>(t) : std::nullopt;
}
}  // namespace

Tensor InstanceNormBase::apply(const Tensor& input) {
  return functional::instance_norm(input, opt(running_mean), opt(running_var), opt(weight),
                                   opt(bias), is_training() || !track_running_stats,
                                   momentum.value_or(0.1), eps);
}

Tensor InstanceNormBase::forward(const Tensor& input) {
  check_input_dim(input);
  if (input.dim() == no_batch_dim()) return apply(input.unsqueeze(0)).squeeze(0);
  return apply(input);
}

void InstanceNorm1d::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, ValueError, "expected 2D or 3D input (got ",
              input.dim(), "D input)");
}

void InstanceNorm2d::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, ValueError, "expected 3D or 4D input (got ",
              input.dim(), "D input)");
}

}  // namespace ember::nn
