// nn::Module conversions and nn::utils::convert_parameters against torch: the
// model of gen_nn_conversions.py (4-D weight, float parameters, an int64 and a
// float buffer, a child with a 2-D parameter) after each conversion, compared
// tensor by tensor with dtypes and strides; parameters_to_vector values; and
// the error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

#include "ember/ember.h"
#include "ember/nn/utils/convert_parameters.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

struct Sub : nn::Module {
  explicit Sub(const Tensor& w) { register_parameter("w", w.clone()); }
};

struct Net : nn::Module {
  explicit Net(const std::vector<Tensor>& in) {
    register_parameter("weight", in[0].clone());
    register_parameter("bias", in[1].clone());
    register_buffer("steps", in[2].clone());
    register_buffer("mean", in[3].clone());
    register_module("sub", nn::make<Sub>(in[4]));
  }
};

std::vector<Tensor> tensors(nn::Module& net) {
  std::vector<Tensor> out;
  for (auto& p : net.parameters()) out.push_back(p.detach());
  for (auto& b : net.buffers()) out.push_back(b);
  return out;
}

Case convert(std::function<void(nn::Module&)> fn) {
  return {[fn](const std::vector<Tensor>& in) {
            auto net = nn::make<Net>(in);
            fn(*net);
            return tensors(*net);
          },
          {.tol = std::nullopt, .check_strides = true}};
}

}  // namespace

TEST(NnConversionsParity, ConvertedTensorsMatchPyTorch) {
  run_parity(
      "nn_conversions",
      {
          {"to_float64", convert([](nn::Module& m) { m.to(kFloat64); })},
          {"to_device_dtype", convert([](nn::Module& m) { m.to(kCPU, kFloat16); })},
          {"to_tensor", convert([](nn::Module& m) { m.to(zeros({1}, {.dtype = kFloat64})); })},
          {"half", convert([](nn::Module& m) { m.half(); })},
          {"bfloat16", convert([](nn::Module& m) { m.bfloat16(); })},
          {"double_then_float", convert([](nn::Module& m) { m.double_().float_(); })},
          {"type_int32", convert([](nn::Module& m) { m.requires_grad_(false).type(kInt32); })},
          {"type_float64", convert([](nn::Module& m) { m.type(kFloat64); })},
          {"to_channels_last", convert([](nn::Module& m) { m.to(kChannelsLast); })},
          {"channels_last_then_contiguous",
           convert([](nn::Module& m) { m.to(kChannelsLast).to(kContiguous); })},
          {"to_float64_channels_last",
           convert([](nn::Module& m) { m.to(kCPU, kFloat64, false, kChannelsLast); })},
          {"parameters_to_vector", {[](const std::vector<Tensor>& in) {
             auto net = nn::make<Net>(in);
             return std::vector<Tensor>{nn::utils::parameters_to_vector(net->parameters())};
           }}},
          {"parameters_to_vector_double", {[](const std::vector<Tensor>& in) {
             auto net = nn::make<Net>(in);
             net->double_();
             return std::vector<Tensor>{nn::utils::parameters_to_vector(net->parameters())};
           }}},
          {"vector_to_parameters",
           {[](const std::vector<Tensor>& in) {
              auto net = nn::make<Net>(in);
              nn::utils::vector_to_parameters(in[5], net->parameters());
              return tensors(*net);
            },
            {.tol = std::nullopt, .check_strides = true}}},
      });
}

TEST(NnConversionsParity, ErrorsMatchPyTorch) {
  ParityFile f("nn_conversions");
  const auto in = f.inputs("to_float64");
  auto net = nn::make<Net>(in);
  std::map<std::string, std::string> got;
  got["err_to_int64"] = error_text([&] { net->to(kInt64); });
  got["err_to_bool"] = error_text([&] { net->to(kCPU, kBool); });
  got["err_to_int_tensor"] = error_text([&] { net->to(zeros({1}, {.dtype = kInt32})); });
  got["err_type_int32"] = error_text([&] { net->type(kInt32); });
  net->register_buffer("vol", zeros({1, 2, 1, 2, 2}));
  got["err_channels_last_5d"] = error_text([&] { net->to(kChannelsLast); });
  got["err_channels_last_3d_4d"] = error_text([&] { net->to(kChannelsLast3d); });
  std::vector<Tensor> meta_in;
  for (auto& t : in) meta_in.push_back(t.to(kMeta));
  auto meta = nn::make<Net>(meta_in);
  // ember's message adds a hint after PyTorch 1.13's text: compare the prefix.
  const std::string meta_err = error_text([&] { meta->to(kCPU); });
  got["err_meta_to_cpu"] = meta_err.substr(0, meta_err.find("no data!") + 8);
  got["err_p2v_empty"] = error_text([] { nn::utils::parameters_to_vector({}); });
  got["err_p2v_none"] = error_text([] { nn::utils::parameters_to_vector({ones({2}), Tensor()}); });
  got["err_p2v_channels_last"] = error_text([] {
    nn::utils::parameters_to_vector({ones({2, 3, 2, 2}).contiguous(kChannelsLast)});
  });
  auto params = nn::make<Net>(in)->parameters();
  got["err_v2p_none"] = error_text([&] { nn::utils::vector_to_parameters(Tensor(), params); });
  got["err_v2p_short"] = error_text([&] { nn::utils::vector_to_parameters(zeros({20}), params); });
  got["err_v2p_int"] = error_text([&] { nn::utils::vector_to_parameters(arange(40), params); });
  got["err_v2p_meta"] =
      error_text([&] { nn::utils::vector_to_parameters(zeros({40}, {.device = kMeta}), params); });

  std::map<std::string, std::string> want;
  for (const auto& [key, value] : f.metadata())
    if (key.rfind("err_", 0) == 0) want[key] = value;
  ember::testing::expect_texts(want, got);
}
