#include "ember/nn/modules/normalization.h"

#include "ember/nn/functional/normalization.h"
#include "nn/modules/module_helpers.h"
#include "py_format.h"

namespace ember::nn {

using detail::opt;

LayerNorm::LayerNorm(IntArrayRef shape, double eps_, bool affine, const TensorOptions& options)
    : Module("LayerNorm"), normalized_shape(shape), eps(eps_), elementwise_affine(affine) {
  detail::register_affine(*this, weight, bias, affine, shape, options);
  reset_parameters();
}

void LayerNorm::reset_parameters() { detail::reset_affine(elementwise_affine, weight, bias); }

Tensor LayerNorm::forward(const Tensor& input) {
  return functional::layer_norm(input, normalized_shape, opt(weight), opt(bias), eps);
}

std::string LayerNorm::extra_repr() const {
  std::string s = "(";
  for (size_t i = 0; i < normalized_shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(normalized_shape[i]);
  s += normalized_shape.size() == 1 ? ",)" : ")";
  return detail::str_cat(s, ", eps=", detail::py_float(eps),
                         ", elementwise_affine=", detail::py_bool(elementwise_affine));
}

GroupNorm::GroupNorm(int64_t groups, int64_t channels, double eps_, bool affine_,
                     const TensorOptions& options)
    : Module("GroupNorm"), num_groups(groups), num_channels(channels), eps(eps_), affine(affine_) {
  EMBER_CHECK(num_groups != 0 && num_channels % num_groups == 0, ValueError,
              "num_channels must be divisible by num_groups");
  detail::register_affine(*this, weight, bias, affine, {channels}, options);
  reset_parameters();
}

void GroupNorm::reset_parameters() { detail::reset_affine(affine, weight, bias); }

Tensor GroupNorm::forward(const Tensor& input) {
  return functional::group_norm(input, num_groups, opt(weight), opt(bias), eps);
}

std::string GroupNorm::extra_repr() const {
  return detail::str_cat(num_groups, ", ", num_channels, ", eps=", detail::py_float(eps),
                         ", affine=", detail::py_bool(affine));
}

}  // namespace ember::nn
