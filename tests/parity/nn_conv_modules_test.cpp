// Conv / pooling modules and pad against torch (tests/parity/gen_nn_conv_modules.py):
// printed modules, state_dict keys and shapes, forward and gradients with
// torch's weights for every padding_mode, F.pad, and constructor errors.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

std::string error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const RuntimeError& e) {
    return std::string("RuntimeError: ") + e.what();
  } catch (const ValueError& e) {
    return std::string("ValueError: ") + e.what();
  } catch (const NotImplementedError& e) {
    return std::string("NotImplementedError: ") + e.what();
  } catch (const Error& e) {
    return std::string("Error: ") + e.what();
  }
  return "no error";
}

// The modules of gen_nn_conv_modules.py's MODULES.
std::map<std::string, nn::ModulePtr> modules() {
  using namespace nn;
  std::map<std::string, ModulePtr> m;
  m["conv2d_basic"] = make<Conv2d>(3, 8, 3);
  m["conv2d_full"] = make<Conv2d>(
      4, 6, ConvSize{3, 5},
      Conv2dOptions{
          .stride = {2, 1}, .padding = {4, 2}, .dilation = {3, 1}, .groups = 2, .bias = false});
  m["conv1d_same"] =
      make<Conv1d>(4, 4, 4, Conv1dOptions{.padding = "same", .padding_mode = "reflect"});
  m["conv1d_valid"] = make<Conv1d>(2, 3, 3, Conv1dOptions{.padding = "valid"});
  m["conv3d"] =
      make<Conv3d>(2, 4, 3, Conv3dOptions{.stride = 2, .padding = 1, .padding_mode = "replicate"});
  m["conv2d_circular"] =
      make<Conv2d>(3, 5, 3, Conv2dOptions{.padding = {1, 2}, .padding_mode = "circular"});
  m["conv2d_reflect"] = make<Conv2d>(
      2, 4, ConvSize{3, 2}, Conv2dOptions{.stride = 2, .padding = 1, .padding_mode = "reflect"});
  m["conv2d_same_dil"] = make<Conv2d>(2, 2, 4, Conv2dOptions{.padding = "same", .dilation = 2});
  m["convT2d"] = make<ConvTranspose2d>(4, 6, 3,
                                       ConvTranspose2dOptions{.stride = 2,
                                                              .padding = 1,
                                                              .output_padding = 1,
                                                              .groups = 2,
                                                              .bias = false,
                                                              .dilation = 2});
  m["convT2d_basic"] =
      make<ConvTranspose2d>(3, 5, ConvSize{3, 2}, ConvTranspose2dOptions{.stride = {2, 1}});
  m["convT1d"] = make<ConvTranspose1d>(
      2, 3, 4, ConvTranspose1dOptions{.stride = 3, .padding = 2, .output_padding = 2});
  m["convT3d"] = make<ConvTranspose3d>(
      2, 2, 2, ConvTranspose3dOptions{.stride = 2, .output_padding = {1, 0, 1}});
  m["convT2d_dil_outpad"] = make<ConvTranspose2d>(
      3, 4, 3, ConvTranspose2dOptions{.padding = {0, 2}, .output_padding = 1, .dilation = 2});
  m["convT1d_dil_outpad"] = make<ConvTranspose1d>(
      2, 3, 2, ConvTranspose1dOptions{.padding = 1, .output_padding = 2, .dilation = 3});
  m["maxpool2d"] = make<MaxPool2d>(3);
  m["maxpool2d_full"] = make<MaxPool2d>(
      ConvSize{3, 2},
      MaxPool2dOptions{
          .stride = ConvSize{2, 1}, .padding = 1, .dilation = {1, 2}, .ceil_mode = true});
  m["maxpool1d"] = make<MaxPool1d>(3, MaxPool1dOptions{.stride = 2, .padding = 1});
  m["avgpool2d"] =
      make<AvgPool2d>(3, AvgPool2dOptions{.stride = 2, .padding = 1, .count_include_pad = false});
  m["avgpool2d_tuple"] =
      make<AvgPool2d>(ConvSize{2, 3}, AvgPool2dOptions{.ceil_mode = true, .divisor_override = 2});
  m["avgpool1d"] = make<AvgPool1d>(3, AvgPool1dOptions{.stride = 2});
  m["adaptiveavg2d"] = make<AdaptiveAvgPool2d>(ConvSize{3, 2});
  m["adaptiveavg2d_int"] = make<AdaptiveAvgPool2d>(3);
  m["adaptiveavg1d"] = make<AdaptiveAvgPool1d>(3);
  m["adaptivemax2d"] = make<AdaptiveMaxPool2d>(ConvSize{2, 3});
  return m;
}

Tensor call_typed(nn::Module& m, const Tensor& x) {
  using namespace nn;
  if (auto* c = dynamic_cast<ConvTranspose1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<ConvTranspose2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<ConvTranspose3d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<Conv1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<Conv2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<Conv3d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<MaxPool1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<MaxPool2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<AvgPool1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<AvgPool2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<AdaptiveAvgPool1d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<AdaptiveAvgPool2d*>(&m)) return c->forward(x);
  if (auto* c = dynamic_cast<AdaptiveMaxPool2d*>(&m)) return c->forward(x);
  throw std::logic_error("unknown module");
}

// PyTorch's (name, args) printed as "key:[shape];...".
std::string keys(nn::Module& m) {
  std::ostringstream os;
  bool first = true;
  for (const auto& [k, v] : m.state_dict()) {
    os << (first ? "" : ";") << k << ":" << v.sizes();
    first = false;
  }
  return os.str();
}

// (torch's pad, mode, value) of gen_nn_conv_modules.py's PADS.
struct PadSpec {
  std::vector<int64_t> pad;
  std::string mode;
  std::optional<double> value;
};
std::map<std::string, PadSpec> pads() {
  return {
      {"pad_constant", {{1, 2}, "constant", std::nullopt}},
      {"pad_constant_value", {{1, 0, 2, 1}, "constant", 1.5}},
      {"pad_constant_neg", {{-1, 2, 0, -2}, "constant", std::nullopt}},
      {"pad_constant_3", {{1, 1, 1, 1, 1, 1}, "constant", std::nullopt}},
      {"pad_reflect1d", {{2, 3}, "reflect", std::nullopt}},
      {"pad_reflect2d", {{1, 2, 3, 1}, "reflect", std::nullopt}},
      {"pad_replicate2d", {{2, 0, 1, 3}, "replicate", std::nullopt}},
      {"pad_replicate3d", {{1, 1, 2, 0, 1, 2}, "replicate", std::nullopt}},
      {"pad_circular2d", {{2, 1, 1, 3}, "circular", std::nullopt}},
      {"pad_circular1d", {{1, 2}, "circular", std::nullopt}},
  };
}

}  // namespace

TEST(NnConvModulesParity, Values) {
  std::map<std::string, Case> cases;
  for (const auto& [name, mod] : modules()) {
    nn::ModulePtr m = mod;
    const bool is_conv = dynamic_cast<nn::ConvNd*>(m.get()) != nullptr;
    cases[name] = {[m, is_conv](const std::vector<Tensor>& in) {
      Tensor x = in[0].clone().requires_grad_();
      if (is_conv) {
        auto* c = dynamic_cast<nn::ConvNd*>(m.get());
        NoGradGuard g;
        c->weight.copy_(in[1]);
        if (c->bias.defined()) c->bias.copy_(in[2]);
      }
      Tensor y = call_typed(*m, x);
      y.backward(in[is_conv ? 3 : 1]);
      if (!is_conv) return std::vector<Tensor>{y.detach(), x.grad()};
      auto* c = dynamic_cast<nn::ConvNd*>(m.get());
      Tensor gb = c->bias.defined() ? c->bias.grad() : zeros({0});
      return std::vector<Tensor>{y.detach(), x.grad(), c->weight.grad(), gb};
    }};
  }
  for (const auto& [name, spec] : pads()) {
    cases[name] = {[spec](const std::vector<Tensor>& in) {
      Tensor x = in[0].clone().requires_grad_();
      Tensor y = pad(x, spec.pad, spec.mode, spec.value);
      y.backward(in[1]);
      return std::vector<Tensor>{y.detach(), x.grad()};
    }};
  }
  auto convt = [](const std::vector<Tensor>& in, bool grads) {
    Tensor x = in[0].clone(kChannelsLast).requires_grad_();
    Tensor w = in[1].clone().requires_grad_(), b = in[2].clone().requires_grad_();
    Tensor y = conv_transpose2d(x, w, b, 2, 1, 1);
    if (!grads) return std::vector<Tensor>{y.detach()};
    y.backward(in[3]);
    return std::vector<Tensor>{y.detach(), x.grad(), w.grad(), b.grad()};
  };
  cases["convT_fn_cl"] = {[convt](const std::vector<Tensor>& in) { return convt(in, true); }};
  cases["convT_fn_cl_strides"] = {
      [convt](const std::vector<Tensor>& in) { return convt(in, false); },
      {.tol = std::nullopt, .check_strides = true}};
  run_parity("nn_conv_modules", cases);
}

TEST(NnConvModulesParity, Texts) {
  ParityFile f("nn_conv_modules");
  std::map<std::string, std::string> got;
  for (const auto& [name, m] : modules()) {
    std::ostringstream os;
    os << *m;
    got["repr_" + name] = os.str();
    got["keys_" + name] = keys(*m);
  }
  using nn::Conv2d;
  using nn::Conv2dOptions;
  got["err_groups0"] = error([] { nn::make<Conv2d>(2, 2, 3, Conv2dOptions{.groups = 0}); });
  got["err_in_groups"] = error([] { nn::make<Conv2d>(3, 4, 3, Conv2dOptions{.groups = 2}); });
  got["err_out_groups"] = error([] { nn::make<Conv2d>(4, 3, 3, Conv2dOptions{.groups = 2}); });
  got["err_same_strided"] =
      error([] { nn::make<Conv2d>(4, 4, 3, Conv2dOptions{.stride = 2, .padding = "same"}); });
  Tensor wt = ones({4, 2, 3, 3});
  got["err_convT_channels"] = error([&] { conv_transpose2d(ones({1, 3, 5, 5}), wt); });
  got["err_convT_bias"] = error([&] { conv_transpose2d(ones({1, 4, 5, 5}), wt, ones({3})); });
  got["err_convT_outpad"] = error([&] {
    conv_transpose2d(ones({1, 4, 5, 5}), wt, std::nullopt, 2, 1, 2);
  });
  got["err_convT_mode"] = error([] {
    nn::make<nn::ConvTranspose2d>(2, 2, 3, nn::ConvTranspose2dOptions{.padding_mode = "reflect"});
  });
  got["err_pad_odd"] = error([] { pad(ones({2, 3}), {1}); });
  got["err_pad_long"] = error([] { pad(ones({2, 3}), {1, 1, 1, 1, 1, 1}); });
  got["err_pad_mode"] = error([] { pad(ones({2, 3, 4}), {1, 1}, "foo"); });
  got["err_pad_dims"] = error([] { pad(ones({2, 3, 4}), {1, 1, 1, 1, 1, 1}, "reflect"); });
  const auto& want = f.metadata();
  for (const auto& [key, value] : want) {
    ASSERT_TRUE(got.count(key)) << "case only PyTorch has: " << key;
    EXPECT_EQ(got.at(key), value) << key;
  }
  for (const auto& [key, value] : got)
    EXPECT_TRUE(want.count(key)) << "case only ember has: " << key;
}
