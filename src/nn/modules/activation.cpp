#include "ember/nn/modules/activation.h"

#include "ember/core/grad_mode.h"
#include "ember/nn/functional/activation.h"
#include "ember/ops/factory.h"
#include "nn/modules/py_format.h"

namespace ember::nn {

namespace F = functional;
using detail::py_float;

namespace {
std::string inplace_only(bool inplace) { return inplace ? "inplace=True" : ""; }
std::string inplace_suffix(bool inplace) { return inplace ? ", inplace=True" : ""; }
std::string opt_dim(const std::optional<int64_t>& d) {
  return "dim=" + (d ? std::to_string(*d) : std::string("None"));
}
}  // namespace

Tensor ReLU::forward(const Tensor& input) { return F::relu(input, inplace); }
std::string ReLU::extra_repr() const { return inplace_only(inplace); }

Hardtanh::Hardtanh(double min_val, double max_val, bool inplace)
    : Hardtanh("Hardtanh", min_val, max_val, inplace) {}
Hardtanh::Hardtanh(const char* name, double min_val_, double max_val_, bool inplace_)
    : Module(name), min_val(min_val_), max_val(max_val_), inplace(inplace_) {
  EMBER_CHECK(max_val > min_val, ValueError, "Hardtanh: max_val (", py_float(max_val),
              ") must be greater than min_val (", py_float(min_val), ")");
}
Tensor Hardtanh::forward(const Tensor& input) {
  return F::hardtanh(input, min_val, max_val, inplace);
}
std::string Hardtanh::extra_repr() const {
  return "min_val=" + py_float(min_val) + ", max_val=" + py_float(max_val) +
         inplace_suffix(inplace);
}
std::string ReLU6::extra_repr() const { return inplace_only(inplace); }

Tensor LeakyReLU::forward(const Tensor& input) {
  return F::leaky_relu(input, negative_slope, inplace);
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + py_float(negative_slope) + inplace_suffix(inplace);
}

PReLU::PReLU(int64_t num_parameters_, double init_, const TensorOptions& options)
    : Module("PReLU"), num_parameters(num_parameters_), init(init_) {
  TensorOptions o;
  o.dtype = options.dtype;
  o.device = options.device;
  register_parameter("weight", empty({num_parameters}, o), &weight);
  reset_parameters();
}
void PReLU::reset_parameters() {
  NoGradGuard g;
  weight.fill_(init);
}
Tensor PReLU::forward(const Tensor& input) { return F::prelu(input, weight); }
std::string PReLU::extra_repr() const { return "num_parameters=" + std::to_string(num_parameters); }

Tensor ELU::forward(const Tensor& input) { return F::elu(input, alpha, inplace); }
std::string ELU::extra_repr() const { return "alpha=" + py_float(alpha) + inplace_suffix(inplace); }
Tensor SELU::forward(const Tensor& input) { return F::selu(input, inplace); }
std::string SELU::extra_repr() const { return inplace_only(inplace); }
Tensor CELU::forward(const Tensor& input) { return F::celu(input, alpha, inplace); }
std::string CELU::extra_repr() const {
  return "alpha=" + py_float(alpha) + inplace_suffix(inplace);
}
Tensor GELU::forward(const Tensor& input) { return F::gelu(input, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }
Tensor SiLU::forward(const Tensor& input) { return F::silu(input, inplace); }
std::string SiLU::extra_repr() const { return inplace_only(inplace); }
Tensor Mish::forward(const Tensor& input) { return F::mish(input, inplace); }
std::string Mish::extra_repr() const { return inplace_only(inplace); }
Tensor Sigmoid::forward(const Tensor& input) { return ember::sigmoid(input); }
Tensor Tanh::forward(const Tensor& input) { return ember::tanh(input); }
Tensor Hardsigmoid::forward(const Tensor& input) { return F::hardsigmoid(input, inplace); }
Tensor Hardswish::forward(const Tensor& input) { return F::hardswish(input, inplace); }
Tensor Softplus::forward(const Tensor& input) { return F::softplus(input, beta, threshold); }
std::string Softplus::extra_repr() const {
  return "beta=" + detail::py_number(beta) + ", threshold=" + detail::py_number(threshold);
}
Tensor Softsign::forward(const Tensor& input) { return F::softsign(input); }
Tensor Threshold::forward(const Tensor& input) {
  return F::threshold(input, threshold, value, inplace);
}
std::string Threshold::extra_repr() const {
  return "threshold=" + py_float(threshold) + ", value=" + py_float(value) +
         inplace_suffix(inplace);
}
Tensor Softmax::forward(const Tensor& input) { return F::softmax(input, dim); }
std::string Softmax::extra_repr() const { return opt_dim(dim); }
Tensor LogSoftmax::forward(const Tensor& input) { return F::log_softmax(input, dim); }
std::string LogSoftmax::extra_repr() const { return opt_dim(dim); }
Tensor Softmin::forward(const Tensor& input) { return F::softmin(input, dim); }
std::string Softmin::extra_repr() const { return opt_dim(dim); }
Tensor Softmax2d::forward(const Tensor& input) {
  // torch's AssertionError, a ValueError here (same text)
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, ValueError,
              "Softmax2d requires a 3D or 4D tensor as input");
  return F::softmax(input, -3);
}
Tensor LogSigmoid::forward(const Tensor& input) { return F::logsigmoid(input); }
Tensor Tanhshrink::forward(const Tensor& input) { return F::tanhshrink(input); }
Tensor Softshrink::forward(const Tensor& input) { return F::softshrink(input, lambd); }
std::string Softshrink::extra_repr() const { return py_float(lambd); }
Tensor Hardshrink::forward(const Tensor& input) { return F::hardshrink(input, lambd); }
std::string Hardshrink::extra_repr() const { return py_float(lambd); }
Tensor GLU::forward(const Tensor& input) { return F::glu(input, dim); }
std::string GLU::extra_repr() const { return "dim=" + std::to_string(dim); }

}  // namespace ember::nn
