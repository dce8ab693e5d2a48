// nn::Linear, nn::LazyLinear, nn::Identity.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

namespace {

double max_abs(const Tensor& t) { return t.detach().abs().max().item<double>(); }

std::string names(nn::Module& m) {
  std::string out;
  for (const auto& [k, v] : m.named_parameters()) out += (out.empty() ? "" : ",") + k;
  return out;
}

}  // namespace

TEST(Identity, ReturnsInput) {
  auto id_ptr = nn::make<nn::Identity>();
  auto& id = *id_ptr;
  Tensor x = ones({2, 3});
  EXPECT_TRUE(id.forward(x).is_same(x));
  EXPECT_EQ(id.str(), "Identity()");
  EXPECT_TRUE(id.parameters().empty());
}

TEST(Linear, ParametersAndInit) {
  auto m_ptr = nn::make<nn::Linear>(4, 2);
  auto& m = *m_ptr;
  EXPECT_EQ(m.name(), "Linear");
  EXPECT_EQ(names(m), "weight,bias");
  EXPECT_EQ(m.weight.sizes(), (IntArrayRef{2, 4}));
  EXPECT_EQ(m.bias.sizes(), (IntArrayRef{2}));
  EXPECT_TRUE(m.weight.is_same(m.get_parameter("weight")));
  EXPECT_TRUE(m.bias.is_same(m.get_parameter("bias")));
  EXPECT_TRUE(m.weight.requires_grad());
  EXPECT_TRUE(nn::is_parameter(m.weight));
  EXPECT_EQ(m.in_features, 4);
  EXPECT_EQ(m.out_features, 2);
  EXPECT_EQ(m.str(), "Linear(in_features=4, out_features=2, bias=True)");
  EXPECT_LE(max_abs(m.weight), 0.5);
  EXPECT_LE(max_abs(m.bias), 0.5);
  EXPECT_EQ(m.weight.grad_fn(), nullptr);

  auto big_ptr = nn::make<nn::Linear>(100, 300);
  auto& big = *big_ptr;
  const double bound = 1 / std::sqrt(100.0);
  EXPECT_LE(max_abs(big.weight), bound);
  EXPECT_GT(max_abs(big.weight), 0.95 * bound);
  EXPECT_NEAR(big.weight.std().item<double>(), bound / std::sqrt(3.0), 0.01 * bound);

  auto nb_ptr = nn::make<nn::Linear>(4, 2, false);
  auto& nb = *nb_ptr;
  EXPECT_EQ(names(nb), "weight");
  EXPECT_FALSE(nb.bias.defined());
  EXPECT_TRUE(nb.named_parameters_local().contains("bias"));  // registered as None
  EXPECT_EQ(nb.extra_repr(), "in_features=4, out_features=2, bias=False");

  auto d_ptr = nn::make<nn::Linear>(3, 2, true, TensorOptions{.dtype = kFloat64});
  auto& d = *d_ptr;
  EXPECT_EQ(d.weight.dtype(), kFloat64);
  EXPECT_EQ(d.bias.dtype(), kFloat64);

  auto empty_in_ptr = nn::make<nn::Linear>(0, 3);
  auto& empty_in = *empty_in_ptr;  // fan_in 0: bias bound 0, weight left alone
  EXPECT_EQ(max_abs(empty_in.bias), 0.0);
}

TEST(Linear, Forward) {
  auto m_ptr = nn::make<nn::Linear>(3, 2);
  auto& m = *m_ptr;
  Tensor x = randn({5, 3});
  Tensor want = matmul(x, m.weight.t()) + m.bias;
  EXPECT_TRUE(m.forward(x).allclose(want, 1e-5, 1e-6));
  Tensor x3 = randn({2, 4, 3});
  EXPECT_EQ(m.forward(x3).sizes(), (IntArrayRef{2, 4, 2}));
  EXPECT_EQ(m.forward(randn({3})).sizes(), (IntArrayRef{2}));
  m.forward(x).sum().backward();
  EXPECT_EQ(m.weight.grad().sizes(), (IntArrayRef{2, 3}));
  EXPECT_TRUE(m.bias.grad().allclose(full({2}, 5.0)));
}

TEST(Linear, BadInputs) {
  EXPECT_THROW_MSG(nn::Linear(-1, 2), RuntimeError,
                   "Trying to create tensor with negative dimension -1: [2, -1]");
  EXPECT_THROW_MSG(nn::Linear(2, -1), RuntimeError, "negative dimension -1: [-1, 2]");
  auto m_ptr = nn::make<nn::Linear>(4, 2);
  auto& m = *m_ptr;
  EXPECT_THROW_MSG(m.forward(ones({3, 5})), RuntimeError,
                   "mat1 and mat2 shapes cannot be multiplied (3x5 and 4x2)");
  EXPECT_THROW(m.forward(ones({3, 4}, TensorOptions{.dtype = kFloat64})), Error);
}

TEST(LazyLinear, Uninitialised) {
  auto m_ptr = nn::make<nn::LazyLinear>(3);
  auto& m = *m_ptr;
  EXPECT_EQ(m.name(), "LazyLinear");
  EXPECT_EQ(m.str(), "LazyLinear(in_features=0, out_features=3, bias=True)");
  EXPECT_TRUE(m.has_uninitialized_params());
  EXPECT_EQ(names(m), "weight,bias");
  EXPECT_TRUE(nn::is_lazy(m.weight));
  EXPECT_TRUE(nn::is_lazy(m.bias));
  EXPECT_TRUE(m.weight.requires_grad());
  EXPECT_EQ(m.weight.str(), "<UninitializedParameter>");
  auto nb_ptr = nn::make<nn::LazyLinear>(3, false);
  auto& nb = *nb_ptr;
  EXPECT_EQ(names(nb), "weight");
  EXPECT_FALSE(nb.bias.defined());
  EXPECT_EQ(nb.extra_repr(), "in_features=0, out_features=3, bias=False");
  m.reset_parameters();  // a no-op while uninitialised
  EXPECT_TRUE(m.has_uninitialized_params());
}

TEST(LazyLinear, FirstForwardMaterializes) {
  auto m_ptr = nn::make<nn::LazyLinear>(3);
  auto& m = *m_ptr;
  Tensor w = m.get_parameter("weight");  // a handle taken before: stays valid
  Tensor x = randn({2, 7});
  Tensor y = m.forward(x);
  EXPECT_EQ(y.sizes(), (IntArrayRef{2, 3}));
  EXPECT_FALSE(m.has_uninitialized_params());
  EXPECT_EQ(m.in_features, 7);
  EXPECT_EQ(m.extra_repr(), "in_features=7, out_features=3, bias=True");
  EXPECT_TRUE(w.is_same(m.weight));
  EXPECT_EQ(w.sizes(), (IntArrayRef{3, 7}));
  EXPECT_EQ(m.bias.sizes(), (IntArrayRef{3}));
  EXPECT_LE(max_abs(w), 1 / std::sqrt(7.0));
  EXPECT_GT(max_abs(w), 0.0);
  EXPECT_EQ(w.grad_fn(), nullptr);  // initialised under no_grad
  EXPECT_TRUE(y.allclose(matmul(x, w.t()) + m.bias, 1e-5, 1e-6));
  // from now on a Linear: the same weights, no re-initialisation
  Tensor before = w.clone();
  m.forward(randn({4, 7}));
  EXPECT_TRUE(w.equal(before));
  EXPECT_THROW_MSG(m.forward(ones({2, 5})), RuntimeError,
                   "mat1 and mat2 shapes cannot be multiplied");
  y.sum().backward();
  EXPECT_EQ(w.grad().sizes(), (IntArrayRef{3, 7}));
}

TEST(LazyLinear, ConvertedBeforeForward) {
  auto m_ptr = nn::make<nn::LazyLinear>(2);
  auto& m = *m_ptr;
  m.to(kFloat64);
  EXPECT_TRUE(m.has_uninitialized_params());
  EXPECT_EQ(m.weight.dtype(), kFloat64);
  Tensor y = m.forward(ones({1, 3}, TensorOptions{.dtype = kFloat64}));
  EXPECT_EQ(m.weight.dtype(), kFloat64);
  EXPECT_EQ(y.dtype(), kFloat64);
  auto d_ptr = nn::make<nn::LazyLinear>(2, true, TensorOptions{.dtype = kFloat64});
  auto& d = *d_ptr;
  EXPECT_EQ(d.weight.dtype(), kFloat64);
}

TEST(LazyLinear, BadFirstInputLeavesItLazy) {
  auto m_ptr = nn::make<nn::LazyLinear>(3);
  auto& m = *m_ptr;
  EXPECT_THROW_MSG(m.forward(scalar_tensor(1.0)), IndexError, "tuple index out of range");
  EXPECT_TRUE(m.has_uninitialized_params());
  EXPECT_EQ(m.in_features, 0);
  auto neg_ptr = nn::make<nn::LazyLinear>(-1);
  auto& neg = *neg_ptr;
  EXPECT_THROW_MSG(neg.forward(ones({2, 3})), RuntimeError,
                   "Trying to create tensor with negative dimension -1: [-1, 3]");
  EXPECT_TRUE(nn::is_lazy(neg.weight));
  EXPECT_TRUE(nn::is_lazy(neg.bias));
  EXPECT_EQ(neg.in_features, 0);
}

TEST(LazyLinear, LoadStateDictMaterializes) {
  auto src_ptr = nn::make<nn::Linear>(5, 3);
  auto& src = *src_ptr;
  auto m_ptr = nn::make<nn::LazyLinear>(3);
  auto& m = *m_ptr;
  Tensor w = m.weight;
  m.load_state_dict(src.state_dict());
  EXPECT_FALSE(m.has_uninitialized_params());
  EXPECT_TRUE(w.is_same(m.weight));
  EXPECT_TRUE(m.weight.equal(src.weight));
  EXPECT_TRUE(m.bias.equal(src.bias));
  EXPECT_EQ(m.in_features, 0);  // as torch: only forward sets it
  // forward keeps the loaded values
  Tensor x = randn({2, 5});
  EXPECT_TRUE(m.forward(x).allclose(src.forward(x)));
  EXPECT_TRUE(m.weight.equal(src.weight));

  // a lazy module's state_dict keys, and a load of an initialised module into
  // an initialised LazyLinear is a plain load
  auto other_ptr = nn::make<nn::LazyLinear>(3);
  auto& other = *other_ptr;
  EXPECT_EQ(other.state_dict().size(), 2u);
  other.forward(ones({1, 5}));
  other.load_state_dict(m.state_dict());
  EXPECT_TRUE(other.weight.equal(src.weight));
}

TEST(LazyLinear, LoadFailureShapeErrors) {
  // A lazy state_dict into a Linear: torch's "Can't access the shape" error, module unchanged.
  auto m_ptr = nn::make<nn::Linear>(4, 3);
  auto& m = *m_ptr;
  Tensor before = m.weight.clone();
  EXPECT_THROW_MSG(m.load_state_dict(nn::make<nn::LazyLinear>(3)->state_dict()), RuntimeError,
                   "Can't access the shape of an uninitialized parameter or buffer.");
  EXPECT_TRUE(m.weight.equal(before));
  // As torch, the pre-hook takes each shape from the state dict as it is: a
  // missing key leaves that parameter lazy (strict load then fails).
  auto lazy_ptr = nn::make<nn::LazyLinear>(3);
  auto& lazy = *lazy_ptr;
  nn::StateDict sd;
  sd.insert("weight", zeros({3, 5}));
  EXPECT_THROW_MSG(lazy.load_state_dict(sd), RuntimeError,
                   "Missing key(s) in state_dict: \"bias\"");
  EXPECT_FALSE(nn::is_lazy(lazy.weight));
  EXPECT_TRUE(nn::is_lazy(lazy.bias));
}
