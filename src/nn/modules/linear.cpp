#include "ember/nn/modules/linear.h"

#include <cmath>

#include "ember/core/grad_mode.h"
#include "ember/nn/functional/linear.h"
#include "ember/nn/init.h"
#include "ember/nn/parameter.h"
#include "ember/ops/factory.h"
#include "ember/ops/linalg.h"
#include "nn/modules/module_helpers.h"

namespace ember::nn {

Linear::Linear(int64_t in_features_, int64_t out_features_, bool bias_,
               const TensorOptions& options)
    : Module("Linear"), in_features(in_features_), out_features(out_features_) {
  // Both tensors first: a negative size throws before anything is registered.
  Tensor w = empty({out_features, in_features}, detail::factory_options(options));
  Tensor b = bias_ ? empty({out_features}, detail::factory_options(options)) : Tensor();
  register_parameter("weight", w, &weight);
  register_parameter("bias", b, &bias);
  reset_parameters();
}

Linear::Linear(Lazy, int64_t out_features_, bool bias_, const TensorOptions& options)
    : Module("LazyLinear"), in_features(0), out_features(out_features_) {
  register_parameter("weight", detail::uninitialized_parameter(true, options), &weight);
  register_parameter("bias", detail::uninitialized_parameter(bias_, options), &bias);
}

void Linear::reset_parameters() {
  // a = sqrt(5) makes the weight U(-1/sqrt(in_features), 1/sqrt(in_features))
  // (pytorch/pytorch#57109).
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) { return linear(input, weight, detail::opt(bias)); }

std::string Linear::extra_repr() const {
  return detail::str_cat("in_features=", in_features, ", out_features=", out_features,
                         ", bias=", bias.defined() ? "True" : "False");
}

LazyLinear::LazyLinear(int64_t out_features_, bool bias_, const TensorOptions& options)
    : Linear(Lazy{}, out_features_, bias_, options) {
  load_hook_ = register_load_state_dict_pre_hook(detail::lazy_load_hook);
}

void LazyLinear::reset_parameters() {
  if (!has_uninitialized_params() && in_features != 0) Linear::reset_parameters();
}

bool LazyLinear::has_uninitialized_params() const {
  return detail::has_uninitialized_params(*this);
}

void LazyLinear::initialize_parameters(const Tensor& input) {
  if (!has_uninitialized_params()) return;
  NoGradGuard no_grad;
  // input.shape[-1]: Python's IndexError for a 0-dim input.
  EMBER_CHECK(input.dim() >= 1, IndexError, "tuple index out of range");
  const int64_t in = input.size(-1);
  // Shapes are checked by materialize's empty before the weight changes; the
  // bias (out_features) cannot fail once the weight did not.
  materialize(weight, {out_features, in});
  if (bias.defined()) materialize(bias, {out_features});
  in_features = in;
  reset_parameters();
}

Tensor LazyLinear::forward(const Tensor& input) {
  if (!initialized_) {
    initialize_parameters(input);
    EMBER_CHECK(!has_uninitialized_params(), RuntimeError, "module ", name(),
                " has not been fully initialized");
    load_hook_.remove();
    initialized_ = true;
    // torch's cls_to_become: from now on it is a Linear. A LazyLinear that got
    // its weight from a state_dict or clone() learns in_features here.
    if (in_features == 0) in_features = weight.size(1);
    set_name("Linear");
  }
  return Linear::forward(input);
}

}  // namespace ember::nn

namespace ember::nn {

Bilinear::Bilinear(int64_t in1_features_, int64_t in2_features_, int64_t out_features_, bool bias_,
                   const TensorOptions& options)
    : Module("Bilinear"),
      in1_features(in1_features_),
      in2_features(in2_features_),
      out_features(out_features_) {
  // Both tensors first: a negative size throws before anything is registered.
  Tensor w = empty({out_features, in1_features, in2_features}, detail::factory_options(options));
  Tensor b = bias_ ? empty({out_features}, detail::factory_options(options)) : Tensor();
  register_parameter("weight", w, &weight);
  register_parameter("bias", b, &bias);
  reset_parameters();
}

void Bilinear::reset_parameters() {
  const double bound = 1 / std::sqrt(static_cast<double>(weight.size(1)));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor Bilinear::forward(const Tensor& input1, const Tensor& input2) {
  return functional::bilinear(input1, input2, weight, detail::opt(bias));
}

std::string Bilinear::extra_repr() const {
  return detail::str_cat("in1_features=", in1_features, ", in2_features=", in2_features,
                         ", out_features=", out_features,
                         ", bias=", bias.defined() ? "True" : "False");
}

}  // namespace ember::nn
