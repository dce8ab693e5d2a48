// Activations, dropout nodes and Flatten against torch
// (tests/parity/gen_nn_activation.py): forward and input gradients (float32,
// contiguous and transposed inputs), float16/bfloat16 forwards, in-place
// forms, PReLU, node names, printed modules and error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

using Fn = std::function<Tensor(const Tensor&)>;

const std::map<std::string, Fn>& acts() {
  static const std::map<std::string, Fn> m = {
      {"relu", [](const Tensor& x) { return F::relu(x); }},
      {"relu6", [](const Tensor& x) { return F::relu6(x); }},
      {"leaky_relu", [](const Tensor& x) { return F::leaky_relu(x, 0.1); }},
      {"elu", [](const Tensor& x) { return F::elu(x, 0.7); }},
      {"selu", [](const Tensor& x) { return F::selu(x); }},
      {"celu", [](const Tensor& x) { return F::celu(x, 1.3); }},
      {"gelu", [](const Tensor& x) { return F::gelu(x); }},
      {"gelu_tanh", [](const Tensor& x) { return F::gelu(x, "tanh"); }},
      {"silu", [](const Tensor& x) { return F::silu(x); }},
      {"mish", [](const Tensor& x) { return F::mish(x); }},
      {"sigmoid", [](const Tensor& x) { return F::sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return F::tanh(x); }},
      {"hardtanh", [](const Tensor& x) { return F::hardtanh(x, -0.5, 1.5); }},
      {"hardsigmoid", [](const Tensor& x) { return F::hardsigmoid(x); }},
      {"hardswish", [](const Tensor& x) { return F::hardswish(x); }},
      {"softplus", [](const Tensor& x) { return F::softplus(x, 2.0, 3.0); }},
      {"softsign", [](const Tensor& x) { return F::softsign(x); }},
      {"threshold", [](const Tensor& x) { return F::threshold(x, 0.3, -2.0); }},
      {"logsigmoid", [](const Tensor& x) { return F::logsigmoid(x); }},
      {"softmax", [](const Tensor& x) { return F::softmax(x, 1); }},
      {"log_softmax", [](const Tensor& x) { return F::log_softmax(x, 0); }},
  };
  return m;
}

const std::map<std::string, Fn>& inplace_acts() {
  static const std::map<std::string, Fn> m = {
      {"relu_", [](const Tensor& x) { return F::relu(x, true); }},
      {"relu6_", [](const Tensor& x) { return F::relu6(x, true); }},
      {"leaky_relu_", [](const Tensor& x) { return F::leaky_relu(x, 0.2, true); }},
      {"elu_", [](const Tensor& x) { return F::elu(x, 0.7, true); }},
      {"selu_", [](const Tensor& x) { return F::selu(x, true); }},
      {"celu_", [](const Tensor& x) { return F::celu(x, 1.3, true); }},
      {"silu_", [](const Tensor& x) { return F::silu(x, true); }},
      {"mish_", [](const Tensor& x) { return F::mish(x, true); }},
      {"hardtanh_", [](const Tensor& x) { return F::hardtanh(x, -0.5, 1.5, true); }},
      {"hardsigmoid_", [](const Tensor& x) { return F::hardsigmoid(x, true); }},
      {"hardswish_", [](const Tensor& x) { return F::hardswish(x, true); }},
      {"threshold_", [](const Tensor& x) { return F::threshold(x, 0.3, -2.0, true); }},
  };
  return m;
}

// in: x, gy; out: y, x.grad. transpose: f applied to x.t().
std::vector<Tensor> fwd_bwd(const Fn& f, const std::vector<Tensor>& in, bool transpose,
                            bool inplace) {
  Tensor x = in[0].clone().requires_grad_(true);
  Tensor arg = transpose ? x.t() : x;
  if (inplace) arg = arg.clone();
  Tensor y = f(arg);
  y.backward(in[1]);
  return {y.detach(), x.grad()};
}

std::string node_name(const Fn& f, bool inplace) {
  Tensor x = randn({4, 6}).requires_grad_(true);
  Tensor y = f(inplace ? x.clone() : x);
  return y.grad_fn()->name();
}

std::vector<Tensor> prelu_case(const std::vector<Tensor>& in) {
  Tensor x = in[0].clone().requires_grad_(true);
  Tensor w = in[1].clone().requires_grad_(true);
  Tensor y = F::prelu(x, w);
  y.backward(in[2]);
  return {y.detach(), x.grad(), w.grad()};
}

}  // namespace

TEST(ParityNNActivation, Cases) {
  std::map<std::string, Case> cases;
  for (const auto& [name, f] : acts()) {
    cases[name] = {[f](const std::vector<Tensor>& in) { return fwd_bwd(f, in, false, false); }};
    cases[name + "_t"] = {
        [f](const std::vector<Tensor>& in) { return fwd_bwd(f, in, true, false); }};
    if (name != "softmax" && name != "log_softmax") {
      // float16 / bfloat16: computed in float, rounded once (within one ulp of torch's).
      cases[name + "_f16"] = {[f](const std::vector<Tensor>& in) { return std::vector{f(in[0])}; },
                              {.tol = ember::testing::Tolerance{1e-3, 1e-3}}};
      cases[name + "_bf16"] = {[f](const std::vector<Tensor>& in) { return std::vector{f(in[0])}; },
                               {.tol = ember::testing::Tolerance{1.6e-2, 1e-2}}};
    }
  }
  for (const auto& [name, f] : inplace_acts())
    cases[name] = {[f](const std::vector<Tensor>& in) { return fwd_bwd(f, in, false, true); }};
  cases["prelu_channels"] = {prelu_case};
  cases["prelu_single"] = {prelu_case};
  cases["prelu_2d"] = {prelu_case};
  cases["flatten"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{
        nn::make<nn::Flatten>()->forward(in[0]), nn::make<nn::Flatten>(0, 2)->forward(in[0]),
        nn::make<nn::Unflatten>(1, std::vector<int64_t>{3, 1})->forward(in[0])};
  }};
  cases["prelu_init"] = {[](const std::vector<Tensor>&) {
    return std::vector<Tensor>{nn::make<nn::PReLU>(3)->weight.detach()};
  }};
  run_parity("nn_activation", cases);
}

TEST(ParityNNActivation, Texts) {
  ParityFile f("nn_activation");
  std::map<std::string, std::string> got;
  for (const auto& [name, fn] : acts()) got["node_" + name] = node_name(fn, false);
  for (const auto& [name, fn] : inplace_acts()) got["node_" + name] = node_name(fn, true);
  got["node_prelu"] = F::prelu(randn({2, 3}).requires_grad_(true), rand({3})).grad_fn()->name();
  got["node_dropout"] = F::dropout(randn({3, 4}).requires_grad_(true)).grad_fn()->name();
  got["node_alpha_dropout"] =
      F::alpha_dropout(randn({3, 4}).requires_grad_(true), 0.5, true).grad_fn()->name();

  auto repr = [&](const std::string& k, const nn::ModulePtr& m) { got["repr_" + k] = m->str(); };
  repr("ReLU", nn::make<nn::ReLU>());
  repr("ReLU_inplace", nn::make<nn::ReLU>(true));
  repr("ReLU6", nn::make<nn::ReLU6>());
  repr("LeakyReLU", nn::make<nn::LeakyReLU>());
  repr("LeakyReLU_args", nn::make<nn::LeakyReLU>(0.2, true));
  repr("PReLU", nn::make<nn::PReLU>());
  repr("PReLU_3", nn::make<nn::PReLU>(3));
  repr("ELU", nn::make<nn::ELU>());
  repr("ELU_args", nn::make<nn::ELU>(0.5, true));
  repr("SELU", nn::make<nn::SELU>());
  repr("CELU", nn::make<nn::CELU>());
  repr("GELU", nn::make<nn::GELU>());
  repr("GELU_tanh", nn::make<nn::GELU>("tanh"));
  repr("SiLU", nn::make<nn::SiLU>());
  repr("Mish", nn::make<nn::Mish>());
  repr("Sigmoid", nn::make<nn::Sigmoid>());
  repr("Tanh", nn::make<nn::Tanh>());
  repr("Hardtanh", nn::make<nn::Hardtanh>());
  repr("Hardtanh_args", nn::make<nn::Hardtanh>(-2.0, 3.5));
  repr("Hardsigmoid", nn::make<nn::Hardsigmoid>());
  repr("Hardswish", nn::make<nn::Hardswish>());
  repr("Softplus", nn::make<nn::Softplus>());
  repr("Softplus_args", nn::make<nn::Softplus>(0.5, 10));
  repr("Softsign", nn::make<nn::Softsign>());
  repr("Softmax", nn::make<nn::Softmax>(1));
  repr("Softmax_none", nn::make<nn::Softmax>());
  repr("LogSoftmax", nn::make<nn::LogSoftmax>(-1));
  repr("Threshold", nn::make<nn::Threshold>(0.1, 20.0));
  repr("Dropout", nn::make<nn::Dropout>());
  repr("Dropout_args", nn::make<nn::Dropout>(0.25, true));
  repr("Dropout1d", nn::make<nn::Dropout1d>());
  repr("Dropout2d", nn::make<nn::Dropout2d>(0.1));
  repr("Dropout3d", nn::make<nn::Dropout3d>());
  repr("AlphaDropout", nn::make<nn::AlphaDropout>(0.2));
  repr("Flatten", nn::make<nn::Flatten>());
  repr("Unflatten", nn::make<nn::Unflatten>(1, std::vector<int64_t>{2, 5}));
  repr("Unflatten_1", nn::make<nn::Unflatten>(0, std::vector<int64_t>{4}));
  repr("Seq", nn::make<nn::Sequential>(nn::make<nn::Flatten>(), nn::make<nn::Linear>(4, 3),
                                       nn::make<nn::ReLU>(), nn::make<nn::Dropout>(0.1),
                                       nn::make<nn::Linear>(3, 2)));
  {
    std::string k;
    for (const auto& [key, v] : nn::make<nn::PReLU>(3)->state_dict())
      k += (k.empty() ? "" : ",") + key;
    got["prelu_keys"] = k;
  }

  got["err_dropout_p"] = error_text([] { nn::Dropout(1.5); });
  got["err_f_dropout_p"] = error_text([] { F::dropout(randn({3}), -0.1); });
  got["err_dropout1d_dim"] = error_text([] { F::dropout1d(randn({2, 3, 4, 5})); });
  got["err_feature_dim"] = error_text([] { F::dropout2d(randn({3})); });
  got["err_prelu_channels"] = error_text([] { F::prelu(randn({2, 4}), rand({3})); });
  got["err_gelu_approx"] = error_text([] { F::gelu(randn({2}), "fast"); });
  got["err_celu_zero"] = error_text([] { F::celu(randn({2}), 0.0); });
  got["err_leaky_inplace_neg"] = error_text(
      [] { F::leaky_relu(randn({2}).requires_grad_(true).clone(), -0.1, true).sum().backward(); });
  got["err_elu_inplace_neg"] = error_text(
      [] { F::elu(randn({2}).requires_grad_(true).clone(), -0.5, true).sum().backward(); });

  ember::testing::expect_texts(f.metadata(), got);
}
