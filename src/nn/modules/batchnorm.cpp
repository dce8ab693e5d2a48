#include "ember/nn/modules/batchnorm.h"

#include "ember/core/grad_mode.h"
#include "ember/nn/functional/normalization.h"
#include "ember/nn/parameter.h"
#include "ember/ops/factory.h"
#include "nn/modules/module_helpers.h"
#include "py_format.h"

namespace ember::nn {

using detail::opt;

NormBase::NormBase(const std::string& name, int64_t num_features_, double eps_,
                   std::optional<double> momentum_, bool affine_, bool track_running_stats_,
                   const TensorOptions& options, bool lazy)
    : Module(name),
      num_features(num_features_),
      eps(eps_),
      momentum(momentum_),
      affine(affine_),
      track_running_stats(track_running_stats_) {
  const TensorOptions f = detail::factory_options(options);
  TensorOptions lo;
  lo.dtype = kInt64;
  lo.device = options.device;
  if (lazy) {
    num_features = 0;
    register_parameter("weight", detail::uninitialized_parameter(affine, options), &weight);
    register_parameter("bias", detail::uninitialized_parameter(affine, options), &bias);
    const bool t = track_running_stats;
    register_buffer("running_mean", detail::uninitialized_buffer(t, options), &running_mean);
    register_buffer("running_var", detail::uninitialized_buffer(t, options), &running_var);
    register_buffer("num_batches_tracked", t ? zeros({}, lo) : Tensor(), &num_batches_tracked);
    return;
  }
  // Every tensor first: a negative size throws before anything is registered.
  auto [w, b] = detail::affine_tensors(affine, {num_features}, options);
  Tensor rm = track_running_stats ? zeros({num_features}, f) : Tensor();
  Tensor rv = track_running_stats ? ones({num_features}, f) : Tensor();
  Tensor nbt = track_running_stats ? zeros({}, lo) : Tensor();
  register_parameter("weight", w, &weight);
  register_parameter("bias", b, &bias);
  register_buffer("running_mean", rm, &running_mean);
  register_buffer("running_var", rv, &running_var);
  register_buffer("num_batches_tracked", nbt, &num_batches_tracked);
  reset_parameters();
}

void NormBase::reset_running_stats() {
  if (!track_running_stats) return;
  NoGradGuard g;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void NormBase::reset_parameters() {
  reset_running_stats();
  detail::reset_affine(affine, weight, bias);
}

std::string NormBase::extra_repr() const {
  return detail::str_cat(num_features, ", eps=", detail::py_float(eps),
                         ", momentum=", momentum ? detail::py_float(*momentum) : "None",
                         ", affine=", detail::py_bool(affine),
                         ", track_running_stats=", detail::py_bool(track_running_stats));
}

Tensor BatchNormBase::forward(const Tensor& input) {
  check_input_dim(input);
  double factor = momentum.value_or(0.0);
  const bool count = is_training() && track_running_stats && num_batches_tracked.defined();
  if (count) {
    NoGradGuard g;
    num_batches_tracked.add_(1);
    if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  const bool bn_training = is_training() || (!running_mean.defined() && !running_var.defined());
  const bool use_stats = !is_training() || track_running_stats;
  try {
    return functional::batch_norm(input, use_stats ? opt(running_mean) : std::nullopt,
                                  use_stats ? opt(running_var) : std::nullopt, opt(weight),
                                  opt(bias), bn_training, factor, eps);
  } catch (...) {
    // Bad input leaves the module as it was (torch would keep the count).
    if (count) {
      NoGradGuard g;
      num_batches_tracked.sub_(1);
    }
    throw;
  }
}

void BatchNorm1d::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, ValueError, "expected 2D or 3D input (got ",
              input.dim(), "D input)");
}

void BatchNorm2d::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 4, ValueError, "expected 4D input (got ", input.dim(), "D input)");
}

void BatchNorm3d::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 5, ValueError, "expected 5D input (got ", input.dim(), "D input)");
}

namespace detail {

RemovableHandle make_norm_lazy(NormBase& m) {
  return m.register_load_state_dict_pre_hook(lazy_load_hook);
}

bool norm_has_uninitialized_params(const Module& m) { return has_uninitialized_params(m); }

void initialize_lazy_norm(NormBase& m, const Tensor& input) {
  NoGradGuard no_grad;
  // input.shape[1]: Python's IndexError for fewer than 2 dims.
  EMBER_CHECK(input.dim() >= 2, IndexError, "tuple index out of range");
  const int64_t c = input.size(1);
  if (m.weight.defined() && is_lazy(m.weight)) materialize(m.weight, {c});
  if (m.bias.defined() && is_lazy(m.bias)) materialize(m.bias, {c});
  if (m.running_mean.defined() && is_lazy(m.running_mean)) materialize(m.running_mean, {c});
  if (m.running_var.defined() && is_lazy(m.running_var)) materialize(m.running_var, {c});
  m.num_features = c;
  m.reset_parameters();
}

}  // namespace detail

}  // namespace ember::nn
