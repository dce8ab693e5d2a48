#include "ember/nn/modules/dropout.h"

#include "ember/nn/functional/dropout.h"
#include "nn/modules/py_format.h"

namespace ember::nn {

namespace F = functional;

DropoutBase::DropoutBase(const char* name, double p_, bool inplace_)
    : Module(name), p(p_), inplace(inplace_) {
  EMBER_CHECK(p >= 0 && p <= 1, ValueError,
              "dropout probability has to be between 0 and 1, but got ", detail::py_float(p));
}
std::string DropoutBase::extra_repr() const {
  return "p=" + detail::py_float(p) + ", inplace=" + detail::py_bool(inplace);
}

Tensor Dropout::forward(const Tensor& input) {
  return F::dropout(input, p, is_training(), inplace, generator);
}
Tensor Dropout1d::forward(const Tensor& input) {
  return F::dropout1d(input, p, is_training(), inplace, generator);
}
Tensor Dropout2d::forward(const Tensor& input) {
  return F::dropout2d(input, p, is_training(), inplace, generator);
}
Tensor Dropout3d::forward(const Tensor& input) {
  return F::dropout3d(input, p, is_training(), inplace, generator);
}
Tensor AlphaDropout::forward(const Tensor& input) {
  return F::alpha_dropout(input, p, is_training(), false, generator);
}
Tensor FeatureAlphaDropout::forward(const Tensor& input) {
  return F::feature_alpha_dropout(input, p, is_training(), false, generator);
}

}  // namespace ember::nn
