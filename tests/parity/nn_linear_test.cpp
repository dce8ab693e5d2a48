// nn::Linear / LazyLinear / Identity, nn::init and UninitializedParameter
// against torch (tests/parity/gen_nn_linear.py): forward and backward with
// torch's weights, default-init statistics, gains and fans, printed forms,
// state_dict keys and error messages.
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

namespace {

std::string keys(const nn::StateDict& sd) {
  std::string out;
  for (const auto& [k, v] : sd) out += (out.empty() ? "" : ",") + k;
  return out;
}

// in: x, grad_y, weight[, bias]; out: y, x.grad, weight.grad[, bias.grad].
template <typename M>
std::vector<Tensor> run_layer(M& m, const std::vector<Tensor>& in) {
  nn::StateDict sd;
  sd.insert("weight", in[2]);
  if (in.size() > 3) sd.insert("bias", in[3]);
  m.load_state_dict(sd);
  Tensor x = in[0].clone().requires_grad_(true);
  Tensor y = m.forward(x);
  y.backward(in[1]);
  std::vector<Tensor> out = {y.detach(), x.grad(), m.weight.grad()};
  if (m.bias.defined()) out.push_back(m.bias.grad());
  return out;
}

Case forward_case(bool bias, DType dtype = kFloat32) {
  return {[=](const std::vector<Tensor>& in) {
    auto m_ptr =
        nn::make<nn::Linear>(in[2].size(1), in[2].size(0), bias, TensorOptions{.dtype = dtype});
    auto& m = *m_ptr;
    return run_layer(m, in);
  }};
}

// As gen_nn_linear.py's stats: the extremes only for uniform draws.
Tensor stats(const Tensor& t, bool bounds = true) {
  const Tensor d = t.detach().to(kFloat64);
  return bounds ? stack({d.mean(), d.std(), d.min(), d.max()}) : stack({d.mean(), d.std()});
}

// Statistics of ember's own draws against torch's (enough samples that the
// means, standard deviations and uniform bounds agree to 2% or 0.004).
Case stats_case(std::function<Tensor(IntArrayRef)> make, bool bounds = true) {
  return {[make, bounds](const std::vector<Tensor>& in) {
            const auto s = in[0].tolist<int64_t>();
            return std::vector<Tensor>{stats(make(s), bounds)};
          },
          {.tol = ember::testing::Tolerance{0.02, 0.004}}};
}

Case init_case(std::function<void(Tensor)> fn, bool bounds = true) {
  return stats_case(
      [fn](IntArrayRef s) {
        Tensor t = empty(s);
        fn(t);
        return t;
      },
      bounds);
}

}  // namespace

TEST(NnLinearParity, Values) {
  std::map<std::string, Case> cases = {
      {"fwd_2d", forward_case(true)},
      {"fwd_3d", forward_case(true)},
      {"fwd_1d", forward_case(true)},
      {"fwd_4d", forward_case(true)},
      {"fwd_nobias", forward_case(false)},
      {"fwd_float64", forward_case(true, kFloat64)},
      {"fwd_lazy", {[](const std::vector<Tensor>& in) {
         auto m_ptr = nn::make<nn::LazyLinear>(in[2].size(0));
         auto& m = *m_ptr;
         m.forward(zeros({1, in[2].size(1)}));  // materialize, then load torch's weights
         return run_layer(m, in);
       }}},
      {"init_linear_weight",
       stats_case([](IntArrayRef s) { return nn::make<nn::Linear>(s[0], s[1])->weight; })},
      {"init_linear_bias",
       stats_case([](IntArrayRef s) { return nn::make<nn::Linear>(s[0], s[1])->bias; })},
      {"init_lazy_weight", stats_case([](IntArrayRef s) {
         auto m_ptr = nn::make<nn::LazyLinear>(s[1]);
         auto& m = *m_ptr;
         m.forward(zeros({1, s[0]}));
         return m.weight;
       })},
      {"init_kaiming_uniform", init_case([](Tensor t) { nn::init::kaiming_uniform_(t); })},
      {"init_kaiming_uniform_relu_fan_out",
       init_case([](Tensor t) { nn::init::kaiming_uniform_(t, 0, "fan_out", "relu"); })},
      {"init_kaiming_normal", init_case([](Tensor t) { nn::init::kaiming_normal_(t); }, false)},
      {"init_kaiming_normal_a",
       init_case([](Tensor t) { nn::init::kaiming_normal_(t, 0.2, "fan_out"); }, false)},
      {"init_xavier_uniform", init_case([](Tensor t) { nn::init::xavier_uniform_(t); })},
      {"init_xavier_uniform_gain", init_case([](Tensor t) { nn::init::xavier_uniform_(t, 2.0); })},
      {"init_xavier_normal", init_case([](Tensor t) { nn::init::xavier_normal_(t); }, false)},
      {"init_uniform", init_case([](Tensor t) { nn::init::uniform_(t, -2.0, 3.0); })},
      {"init_normal", init_case([](Tensor t) { nn::init::normal_(t, 1.5, 0.5); }, false)},
      {"init_constant", {[](const std::vector<Tensor>&) {
         Tensor t = empty({2, 3});
         std::vector<Tensor> out;
         out.push_back(nn::init::constant_(t, 0.25).clone());
         out.push_back(nn::init::ones_(t).clone());
         out.push_back(nn::init::zeros_(t).clone());
         return out;
       }}},
      {"gain", {[](const std::vector<Tensor>&) {
         std::vector<double> g;
         for (const char* n :
              {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"})
           g.push_back(nn::init::calculate_gain(n));
         return std::vector<Tensor>{from_vector(g)};
       }}},
      {"gain_leaky", {[](const std::vector<Tensor>&) {
         return std::vector<Tensor>{from_vector(
             std::vector<double>{nn::init::calculate_gain("leaky_relu", 0.2),
                                 nn::init::calculate_gain("leaky_relu", std::sqrt(5.0))})};
       }}},
      {"fans", {[](const std::vector<Tensor>&) {
         std::vector<int64_t> v;
         for (auto s : std::vector<std::vector<int64_t>>{{3, 4}, {3, 4, 5}, {6, 2, 3, 4}, {2, 0}}) {
           const auto [in, out] = nn::init::calculate_fan_in_and_fan_out(ember::empty(s));
           v.push_back(in);
           v.push_back(out);
         }
         return std::vector<Tensor>{from_vector(v, {4, 2})};
       }}},
  };
  run_parity("nn_linear", cases);
}

TEST(NnLinearParity, Texts) {
  ParityFile f("nn_linear");
  std::map<std::string, std::string> got;
  auto lazy_ptr = nn::make<nn::LazyLinear>(3);
  auto& lazy = *lazy_ptr;
  got["repr_linear"] = nn::make<nn::Linear>(4, 2)->str();
  got["repr_linear_nobias"] = nn::make<nn::Linear>(4, 2, false)->str();
  got["repr_identity"] = nn::make<nn::Identity>()->str();
  got["repr_lazy"] = lazy.str();
  got["repr_lazy_nobias"] = nn::make<nn::LazyLinear>(3, false)->str();
  got["repr_uninit_param"] = lazy.weight.str();
  got["repr_uninit_buffer"] = nn::UninitializedBuffer().str();
  got["keys_lazy"] = keys(lazy.state_dict());
  got["keys_lazy_nobias"] = keys(nn::make<nn::LazyLinear>(3, false)->state_dict());
  lazy.forward(ones({2, 5}));
  got["extra_repr_lazy_after"] = lazy.extra_repr();
  got["repr_lazy_after"] = lazy.str();
  got["keys_lazy_after"] = keys(lazy.state_dict());
  got["keys_linear"] = keys(nn::make<nn::Linear>(4, 2)->state_dict());
  got["keys_linear_nobias"] = keys(nn::make<nn::Linear>(4, 2, false)->state_dict());
  auto loaded_ptr = nn::make<nn::LazyLinear>(3);
  auto& loaded = *loaded_ptr;
  loaded.load_state_dict(nn::make<nn::Linear>(7, 3)->state_dict());
  got["extra_repr_lazy_loaded"] = loaded.extra_repr();
  got["shape_lazy_loaded"] =
      detail::str_cat("(", loaded.weight.size(0), ", ", loaded.weight.size(1), ")");

  nn::UninitializedParameter p;
  got["err_shape"] = error_text([&] { (void)p.sizes(); });
  got["err_dim"] = error_text([&] { (void)p.dim(); });
  got["err_share_memory"] = error_text([] { nn::make<nn::LazyLinear>(3)->share_memory(); });
  nn::UninitializedParameter q;
  q.materialize({2, 3});
  got["err_materialize_twice"] = error_text([&] { q.materialize({2, 3}); });
  nn::UninitializedBuffer b;
  b.materialize({2});
  got["err_materialize_twice_buffer"] = error_text([&] { b.materialize({2}); });
  got["err_materialize_negative"] = error_text([] {
    nn::UninitializedParameter().materialize({2, -1});
  });
  got["err_linear_shape"] = error_text([] { nn::make<nn::Linear>(4, 2)->forward(ones({3, 5})); });
  got["err_linear_negative_in"] = error_text([] { nn::Linear(-1, 2); });
  got["err_linear_negative_out"] = error_text([] { nn::Linear(2, -1); });
  got["err_lazy_negative_out"] = error_text([] {
    nn::make<nn::LazyLinear>(-1)->forward(ones({2, 3}));
  });
  got["err_gain"] = error_text([] { nn::init::calculate_gain("softmax"); });
  got["err_fan"] = error_text([] { nn::init::calculate_fan_in_and_fan_out(empty({3})); });
  got["err_kaiming_mode"] = error_text([] {
    nn::init::kaiming_uniform_(empty({3, 4}), 0, "Fan_Avg");
  });
  got["err_xavier_1d"] = error_text([] { nn::init::xavier_uniform_(empty({3})); });
  got["err_load_uninit_into_init"] = error_text([] {
    nn::make<nn::Linear>(4, 3)->load_state_dict(nn::make<nn::LazyLinear>(3)->state_dict());
  });

  ember::testing::expect_texts(f.metadata(), got);
}
