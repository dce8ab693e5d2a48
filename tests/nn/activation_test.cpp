// Activation ops and modules: gradcheck (float64) of every op and in-place
// form, dtypes, in-place semantics (same tensor, version, leaf errors) and
// modules' forward; values against torch are in tests/parity/nn_activation_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;
namespace F = ember::nn::functional;

namespace {

Tensor input64(std::vector<int64_t> shape = {3, 5}) {
  // values away from the kinks (0, +-1, +-3, thresholds) of the piecewise functions
  Tensor x = randn(shape, {.dtype = kFloat64}) * 2.5;
  Tensor bad = (x.abs() - 0.0).abs() < 0.05;
  return where(bad, x + 0.2, x).detach();
}

void check_grad(const std::string& name, const std::function<Tensor(const Tensor&)>& f) {
  SCOPED_TRACE(name);
  Tensor x = input64().requires_grad_(true);
  try {
    EXPECT_TRUE(autograd::gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x}));
  } catch (const autograd::GradcheckError& e) {
    ADD_FAILURE() << name << ": " << std::string(e.what()).substr(0, 300);
  }
}

}  // namespace

TEST(Activation, Gradcheck) {
  manual_seed(1);
  check_grad("gelu", [](const Tensor& x) { return gelu(x); });
  check_grad("gelu_tanh", [](const Tensor& x) { return gelu(x, "tanh"); });
  check_grad("silu", [](const Tensor& x) { return silu(x); });
  check_grad("mish", [](const Tensor& x) { return mish(x); });
  check_grad("elu", [](const Tensor& x) { return elu(x, 0.7); });
  check_grad("elu_scaled", [](const Tensor& x) { return elu(x, 0.7, 1.3, 0.8); });
  check_grad("selu", [](const Tensor& x) { return selu(x); });
  check_grad("celu", [](const Tensor& x) { return celu(x, 1.7); });
  check_grad("leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.1); });
  check_grad("hardtanh", [](const Tensor& x) { return hardtanh(x, -0.9, 1.9); });
  check_grad("relu6", [](const Tensor& x) { return relu6(x + 3); });
  check_grad("hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); });
  check_grad("hardswish", [](const Tensor& x) { return hardswish(x); });
  check_grad("softplus", [](const Tensor& x) { return softplus(x, 2.0, 3.0); });
  check_grad("softsign", [](const Tensor& x) { return softsign(x); });
  check_grad("threshold", [](const Tensor& x) { return threshold(x, 0.33, -2.0); });
  check_grad("log_sigmoid", [](const Tensor& x) { return log_sigmoid(x); });
  check_grad("softshrink", [](const Tensor& x) { return softshrink(x, 0.7); });
  check_grad("hardshrink", [](const Tensor& x) { return hardshrink(x, 0.7); });
  check_grad("glu", [](const Tensor& x) { return glu(x.narrow(1, 0, 4), 1); });
  check_grad("glu_dim0", [](const Tensor& x) { return glu(x.narrow(0, 0, 2), 0); });
  // value above the threshold: the gradient reads the input, not the result
  check_grad("threshold_value_above", [](const Tensor& x) {
    Tensor y = x.clone();
    return threshold_(y, 0.33, 2.0);
  });
  // in-place forms on a non-leaf copy
  check_grad("silu_", [](const Tensor& x) {
    Tensor y = x.clone();
    return silu_(y);
  });
  check_grad("mish_", [](const Tensor& x) {
    Tensor y = x.clone();
    return mish_(y);
  });
  check_grad("elu_", [](const Tensor& x) {
    Tensor y = x.clone();
    return elu_(y, 0.7);
  });
  check_grad("selu_", [](const Tensor& x) {
    Tensor y = x.clone();
    return selu_(y);
  });
  check_grad("celu_", [](const Tensor& x) {
    Tensor y = x.clone();
    return celu_(y, 1.7);
  });
  check_grad("leaky_relu_", [](const Tensor& x) {
    Tensor y = x.clone();
    return leaky_relu_(y, 0.1);
  });
  check_grad("hardtanh_", [](const Tensor& x) {
    Tensor y = x.clone();
    return hardtanh_(y, -0.9, 1.9);
  });
  check_grad("hardsigmoid_", [](const Tensor& x) {
    Tensor y = x.clone();
    return hardsigmoid_(y);
  });
  check_grad("hardswish_", [](const Tensor& x) {
    Tensor y = x.clone();
    return hardswish_(y);
  });
  check_grad("threshold_", [](const Tensor& x) {
    Tensor y = x.clone();
    return threshold_(y, 0.33, -2.0);
  });
}

TEST(Activation, PreluGradcheck) {
  manual_seed(2);
  for (int64_t nw : {1, 4}) {
    Tensor x = input64({2, 4, 3}).requires_grad_(true);
    Tensor w = (rand({nw}, {.dtype = kFloat64}) + 0.1).requires_grad_(true);
    EXPECT_TRUE(autograd::gradcheck(
        [](const std::vector<Tensor>& in) { return prelu(in[0], in[1]); }, {x, w}));
  }
}

TEST(Activation, DtypesAndLayouts) {
  Tensor x = randn({4, 6});
  for (DType dt : {kFloat16, kBFloat16, kFloat64}) {
    Tensor y = gelu(x.to(dt));
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_TRUE(allclose(y.to(kFloat32), gelu(x), 2e-2, 2e-2));
  }
  // channels_last in, channels_last out
  Tensor xc = randn({2, 3, 4, 5}).contiguous(MemoryFormat::ChannelsLast);
  EXPECT_TRUE(silu(xc).is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_TRUE(allclose(silu(xc), silu(xc.contiguous())));
  // integer input: TypeError, as torch's "not implemented for 'Long'"
  EXPECT_THROW(gelu(zeros({3}, {.dtype = kInt64})), TypeError);
  Tensor xi = zeros({3}, {.dtype = kInt64});
  EXPECT_THROW(elu_(xi), TypeError);
}

TEST(Activation, InplaceSemantics) {
  Tensor x = randn({3, 4});
  Tensor y = x;
  const auto v = x._version();
  Tensor r = F::leaky_relu(x, 0.1, true);
  EXPECT_TRUE(r.is_same(y));
  EXPECT_GT(x._version(), v);
  // a leaf that requires grad may not be modified in place
  Tensor leaf = randn({3}).requires_grad_(true);
  EXPECT_THROW(elu_(leaf), RuntimeError);
  // hardtanh with min > max gives max everywhere (as torch's clamp)
  Tensor z = tensor({-2.0f, 0.0f, 2.0f});
  EXPECT_TRUE(equal(hardtanh(z, 1.0, 0.5), tensor({0.5f, 0.5f, 0.5f})));
}

TEST(Activation, Modules) {
  Tensor x = randn({2, 3, 4});
  EXPECT_TRUE(equal(nn::make<nn::ReLU>()->forward(x), relu(x)));
  EXPECT_TRUE(equal(nn::make<nn::Softmax>(1)(x), softmax(x, 1)));
  EXPECT_TRUE(equal(nn::make<nn::Softmax>()(x), softmax(x, 0)));  // 3-dim: implicit dim 0
  auto p = nn::make<nn::PReLU>(3);
  EXPECT_EQ(p->weight.sizes(), IntArrayRef({3}));
  EXPECT_TRUE(equal(p->weight, full({3}, 0.25)));
  Tensor y = p(x);
  EXPECT_TRUE(allclose(y, where(x > 0, x, x * 0.25)));
  EXPECT_THROW(nn::Hardtanh(1.0, -1.0), ValueError);
  Tensor a = randn({2, 5});
  auto fl = nn::make<nn::Unflatten>(1, std::vector<int64_t>{5, 1});
  EXPECT_EQ(fl->forward(a).sizes(), IntArrayRef({2, 5, 1}));
  EXPECT_EQ(nn::make<nn::Flatten>(0)->forward(a).sizes(), IntArrayRef({10}));
}

// Under create_graph the backward is composed of recorded ops, so the
// gradient can be differentiated again (gradient penalties, Hessian products).
TEST(Activation, Gradgradcheck) {
  manual_seed(3);
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> fns = {
      {"gelu", [](const Tensor& x) { return gelu(x); }},
      {"gelu_tanh", [](const Tensor& x) { return gelu(x, "tanh"); }},
      {"silu", [](const Tensor& x) { return silu(x); }},
      {"mish", [](const Tensor& x) { return mish(x); }},
      {"elu", [](const Tensor& x) { return elu(x, 0.7, 1.2, 0.9); }},
      {"celu", [](const Tensor& x) { return celu(x, 1.5); }},
      {"softplus", [](const Tensor& x) { return softplus(x, 2.0, 3.0); }},
      {"log_sigmoid", [](const Tensor& x) { return log_sigmoid(x); }},
      {"hardswish", [](const Tensor& x) { return hardswish(x); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.1); }},
      {"glu", [](const Tensor& x) { return glu(x.narrow(1, 0, 4), 1); }},
      {"silu_",
       [](const Tensor& x) {
         Tensor y = x * 1.0;
         return silu_(y);
       }},
      {"elu_",
       [](const Tensor& x) {
         Tensor y = x * 1.0;
         return elu_(y, 0.7);
       }},
  };
  for (const auto& [name, f] : fns) {
    SCOPED_TRACE(name);
    Tensor x = input64({2, 5}).requires_grad_(true);
    try {
      EXPECT_TRUE(
          autograd::gradgradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x}));
    } catch (const autograd::GradcheckError& e) {
      ADD_FAILURE() << name << ": " << std::string(e.what()).substr(0, 300);
    }
  }
}
