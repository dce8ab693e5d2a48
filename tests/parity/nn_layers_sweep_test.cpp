// Seeded random configurations of the padding ops and layers, the Conv1d/2d/3d
// modules' padding modes, PixelShuffle / PixelUnshuffle, Linear, Bilinear,
// Flatten, Unflatten and Identity against torch
// (tests/parity/gen_nn_layers_sweep.py): outputs with torch's strides, input
// and parameter gradients, on every memory layout.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ember/autograd/engine.h"
#include "ember/autograd/gradcheck.h"
#include "ember/ember.h"
#include "support/parity.h"
#include "support/state_dict_values.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::load_state_dict_values;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

enum Layout : int64_t { kContig, kChannelsLast, kTransposed, kStrided };

MemoryFormat cl_of(int64_t dim) {
  return dim == 4 ? MemoryFormat::ChannelsLast : MemoryFormat::ChannelsLast3d;
}

// The generator's make_input: a leaf requiring grad with that layout; for
// kStrided `x` is the wider tensor and the leaf every other element of it.
Tensor make_input(const Tensor& x, int64_t layout) {
  Tensor v;
  switch (layout) {
    case kChannelsLast:
      v = x.contiguous(cl_of(x.dim()));
      break;
    case kTransposed:
      v = x.transpose(-1, -2).contiguous().transpose(-1, -2);
      break;
    case kStrided:
      v = x.detach().slice(-1, std::nullopt, std::nullopt, 2);
      break;
    default:
      v = x.clone();
  }
  return v.requires_grad_();
}

void push_param_grads(nn::Module& m, std::vector<Tensor>& outs) {
  for (const auto& [name, param] : m.named_parameters())
    outs.push_back(param.grad().defined() ? param.grad() : zeros_like(param));
}

// in: x, gy, (mode, layout, has_value, pads...), (value).
std::vector<Tensor> pad_case(const std::vector<Tensor>& in) {
  static const char* modes[] = {"constant", "reflect", "replicate", "circular"};
  const auto p = in[2].tolist<int64_t>();
  const std::vector<int64_t> pads(p.begin() + 3, p.end());
  Tensor x = make_input(in[0], p[1]);
  const std::optional<double> value =
      p[2] ? std::optional<double>(in[3].item<double>()) : std::nullopt;
  Tensor y = pad(x, pads, modes[p[0]], value);
  y.backward(in[1]);
  return {y.detach(), x.grad()};
}

// in: x, gy, (class, layout, int value, n, padding...), (value).
std::vector<Tensor> layer_case(const std::vector<Tensor>& in) {
  const auto p = in[2].tolist<int64_t>();
  const std::vector<int64_t> pd(p.begin() + 4, p.end());
  EMBER_CHECK(static_cast<int64_t>(pd.size()) == p[3], RuntimeError, "padding size");
  const Scalar value =
      p[2] ? Scalar(static_cast<int64_t>(in[3].item<double>())) : Scalar(in[3].item<double>());
  std::shared_ptr<nn::Module> m;
  switch (p[0]) {
    case 0:
      m = nn::make<nn::ConstantPad1d>(pd, value);
      break;
    case 1:
      m = nn::make<nn::ConstantPad2d>(pd, value);
      break;
    case 2:
      m = nn::make<nn::ConstantPad3d>(pd, value);
      break;
    case 3:
      m = nn::make<nn::ZeroPad2d>(pd);
      break;
    case 4:
      m = nn::make<nn::ReflectionPad1d>(pd);
      break;
    case 5:
      m = nn::make<nn::ReflectionPad2d>(pd);
      break;
    case 6:
      m = nn::make<nn::ReflectionPad3d>(pd);
      break;
    case 7:
      m = nn::make<nn::ReplicationPad1d>(pd);
      break;
    case 8:
      m = nn::make<nn::ReplicationPad2d>(pd);
      break;
    default:
      m = nn::make<nn::ReplicationPad3d>(pd);
  }
  Tensor x = make_input(in[0], p[1]);
  Tensor y = m->call({x}).tensor();
  y.backward(in[1]);
  return {y.detach(), x.grad()};
}

// in: x, gy, (nd, padding_mode, pad_kind, scalar_kernel, kernel[3],
// stride[3], padding[3], dilation[3], groups, bias, in, out, layout,
// weight channels_last), (), state_dict values.
std::vector<Tensor> conv_case(const std::vector<Tensor>& in) {
  static const char* modes[] = {"zeros", "reflect", "replicate", "circular"};
  const auto p = in[2].tolist<int64_t>();
  const int64_t nd = p[0];
  auto dims = [&](size_t at) { return DimVector(p.begin() + at, p.begin() + at + nd); };
  const DimVector k = dims(4), stride = dims(7), pad = dims(10), dilation = dims(13);
  nn::ConvPadding padding = p[2] == 0   ? nn::ConvPadding(pad[0])
                            : p[2] == 1 ? nn::ConvPadding(nn::ConvSize(IntArrayRef(pad)))
                            : p[2] == 2 ? nn::ConvPadding("same")
                                        : nn::ConvPadding("valid");
  const nn::ConvOptions o{.stride = nn::ConvSize(IntArrayRef(stride)),
                          .padding = padding,
                          .dilation = nn::ConvSize(IntArrayRef(dilation)),
                          .groups = p[16],
                          .bias = p[17] != 0,
                          .padding_mode = modes[p[1]],
                          .dtype = in[0].dtype()};
  const nn::ConvSize ks = p[3] ? nn::ConvSize(k[0]) : nn::ConvSize(IntArrayRef(k));
  std::shared_ptr<nn::Module> m;
  if (nd == 1)
    m = nn::make<nn::Conv1d>(p[18], p[19], ks, o);
  else if (nd == 2)
    m = nn::make<nn::Conv2d>(p[18], p[19], ks, o);
  else
    m = nn::make<nn::Conv3d>(p[18], p[19], ks, o);
  load_state_dict_values(*m, in, 4);
  if (p[21]) m->to(cl_of(nd + 2));
  Tensor x = make_input(in[0], p[20]);
  Tensor y = m->call({x}).tensor();
  y.backward(in[1]);
  std::vector<Tensor> outs{y.detach(), x.grad()};
  push_param_grads(*m, outs);
  return outs;
}

// in: x, gy, (up, factor, layout).
std::vector<Tensor> shuffle_case(const std::vector<Tensor>& in) {
  const auto p = in[2].tolist<int64_t>();
  std::shared_ptr<nn::Module> m;
  if (p[0])
    m = nn::make<nn::PixelShuffle>(p[1]);
  else
    m = nn::make<nn::PixelUnshuffle>(p[1]);
  Tensor x = make_input(in[0], p[2]);
  Tensor y = m->call({x}).tensor();
  y.backward(in[1]);
  return {y.detach(), x.grad()};
}

// in: x, gy, (in, out, bias, layout), (), state_dict values.
std::vector<Tensor> linear_case(const std::vector<Tensor>& in) {
  const auto p = in[2].tolist<int64_t>();
  auto m = nn::make<nn::Linear>(p[0], p[1], p[2] != 0, TensorOptions{.dtype = in[0].dtype()});
  load_state_dict_values(*m, in, 4);
  Tensor x = make_input(in[0], p[3]);
  Tensor y = m->forward(x);
  y.backward(in[1]);
  std::vector<Tensor> outs{y.detach(), x.grad()};
  push_param_grads(*m, outs);
  return outs;
}

// in: x1, x2, gy, (in1, in2, out, bias, layout1, layout2), (), state_dict values.
std::vector<Tensor> bilinear_case(const std::vector<Tensor>& in) {
  const auto p = in[3].tolist<int64_t>();
  auto m =
      nn::make<nn::Bilinear>(p[0], p[1], p[2], p[3] != 0, TensorOptions{.dtype = in[0].dtype()});
  load_state_dict_values(*m, in, 5);
  Tensor x1 = make_input(in[0], p[4]), x2 = make_input(in[1], p[5]);
  Tensor y = m->forward(x1, x2);
  y.backward(in[2]);
  std::vector<Tensor> outs{y.detach(), x1.grad(), x2.grad()};
  push_param_grads(*m, outs);
  return outs;
}

// in: x, gy, (kind: 0 Flatten (start, end), 1 Unflatten (dim, sizes...),
// 2 Identity; layout, args...).
std::vector<Tensor> reshape_case(const std::vector<Tensor>& in) {
  const auto p = in[2].tolist<int64_t>();
  std::shared_ptr<nn::Module> m;
  if (p[0] == 0)
    m = nn::make<nn::Flatten>(p[2], p[3]);
  else if (p[0] == 1)
    m = nn::make<nn::Unflatten>(p[2], std::vector<int64_t>(p.begin() + 3, p.end()));
  else
    m = nn::make<nn::Identity>();
  Tensor x = make_input(in[0], p[1]);
  Tensor y = m->call({x}).tensor();
  y.backward(in[1]);
  return {y.detach(), x.grad()};
}

}  // namespace

TEST(NnLayersSweepParity, Values) {
  const std::vector<std::pair<std::string, ember::testing::CaseFn>> kinds = {
      {"pad", pad_case},         {"layer", layer_case},   {"conv", conv_case},
      {"shuffle", shuffle_case}, {"linear", linear_case}, {"bilinear", bilinear_case},
      {"reshape", reshape_case},
  };
  ParityFile f("nn_layers_sweep");
  std::map<std::string, Case> cases;
  std::map<std::string, size_t> per_kind;
  for (const std::string& c : f.cases()) {
    for (const auto& [prefix, fn] : kinds) {
      if (!c.starts_with(prefix) || !std::isdigit(static_cast<unsigned char>(c[prefix.size()])))
        continue;
      ++per_kind[prefix];
      // Matrix products and convolutions sum in another order than torch's.
      std::optional<ember::testing::Tolerance> tol;
      const bool sums = prefix == "conv" || prefix == "linear" || prefix == "bilinear";
      if (sums) {
        tol = f.get(c + "/in0").dtype() == kFloat32 ? ember::testing::Tolerance{1e-4, 1e-4}
                                                    : ember::testing::Tolerance{1e-7, 1e-9};
      }
      cases[c] = {fn, {.tol = tol, .check_strides = true}};
    }
  }
  ASSERT_GE(cases.size(), 170u);
  for (const auto& [prefix, fn] : kinds) EXPECT_GE(per_kind[prefix], 8u) << prefix;
  run_parity("nn_layers_sweep", cases);
}

// pad's own gradients (constant pad records ConstantPadNdBackward0, whose
// backward pads again) with cropping, on a channels_last input, twice.
TEST(NnLayersSweep, PadGradcheck) {
  Tensor x = randn({2, 3, 4, 5}, {.dtype = kFloat64})
                 .contiguous(MemoryFormat::ChannelsLast)
                 .requires_grad_();
  for (const char* mode : {"constant", "reflect", "replicate", "circular"}) {
    for (const std::vector<int64_t>& p :
         {std::vector<int64_t>{2, -1, -3, 1}, std::vector<int64_t>{-1, -2, 0, -1},
          std::vector<int64_t>{-4, 3, 1, 0}}) {
      if (std::string(mode) == "circular" && p[0] == -4) continue;  // wraps more than once
      auto f = [&](const std::vector<Tensor>& in) { return pad(in[0], p, mode); };
      EXPECT_TRUE(autograd::gradcheck(f, {x})) << mode << " " << IntArrayRef(p);
      EXPECT_TRUE(autograd::gradgradcheck(f, {x})) << mode << " " << IntArrayRef(p);
    }
  }
  EXPECT_EQ(pad(x, {1, 1}).grad_fn()->name(), "ConstantPadNdBackward0");
}
