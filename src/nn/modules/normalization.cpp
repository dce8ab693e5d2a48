#include "ember/nn/modules/normalization.h"

#include "ember/nn/functional/normalization.h"
#include "ember/nn/init.h"
#include "ember/ops/factory.h"
#include "py_format.h"

namespace ember::nn {

namespace {
TensorOptions factory_options(const TensorOptions& o) {
  TensorOptions f;
  f.dtype = o.dtype;
  f.device = o.device;
  return f;
}
std::optional<Tensor> opt(const Tensor& t) {
  return t.defined() ? std::optional<Tensor>(t) : std::nullopt;
}
}  // namespace

LayerNorm::LayerNorm(IntArrayRef shape, double eps_, bool affine, const TensorOptions& options)
    : Module("LayerNorm"), normalized_shape(shape), eps(eps_), elementwise_affine(affine) {
  Tensor w = affine ? empty(shape, factory_options(options)) : Tensor();
  Tensor b = affine ? empty(shape, factory_options(options)) : Tensor();
  weight = register_parameter("weight", w);
  bias = register_parameter("bias", b);
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (elementwise_affine) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

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
  Tensor w = affine ? empty({channels}, factory_options(options)) : Tensor();
  Tensor b = affine ? empty({channels}, factory_options(options)) : Tensor();
  weight = register_parameter("weight", w);
  bias = register_parameter("bias", b);
  reset_parameters();
}

void GroupNorm::reset_parameters() {
  if (affine) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor GroupNorm::forward(const Tensor& input) {
  return functional::group_norm(input, num_groups, opt(weight), opt(bias), eps);
}

std::string GroupNorm::extra_repr() const {
  return detail::str_cat(num_groups, ", ", num_channels, ", eps=", detail::py_float(eps),
                         ", affine=", detail::py_bool(affine));
}

}  // namespace ember::nn
