// ResNet-18 (CIFAR form, examples/models/resnet18.h) against PyTorch
// (tests/parity/gen_nn_resnet.py): torchvision's state_dict keys and printed
// tree, a strict load of PyTorch's checkpoint, then for NCHW and channels_last
// the eval logits, the train-mode cross-entropy loss, the gradients of the
// input and of every parameter, and the running stats after the step.
#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "../../examples/models/resnet18.h"
#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::compare;
using ember::testing::ParityFile;
using ember::testing::Tolerance;

namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string l; std::getline(is, l);) out.push_back(l);
  return out;
}

nn::StateDict torch_state(const ParityFile& f) {
  nn::StateDict sd;
  for (const auto& k : lines(f.metadata().at("keys"))) sd.insert(k, f.get("state/" + k));
  return sd;
}

// Gradients deep in a float32 network carry rounding noise that grows with
// depth: compare against the tensor's own scale.
constexpr double kF32GradTol = 2e-2;  // observed 7.5e-3 (one flipped mask)

Tolerance scaled(const Tensor& want, double rel) {
  const double m = want.abs().max().item<double>();
  return {rel, rel * m};
}

void expect_close(const std::string& what, const Tensor& got, const Tensor& want, Tolerance tol) {
  const std::string msg = compare(got.contiguous(), want, tol);
  EXPECT_TRUE(msg.empty()) << what << ": " << msg;
}

TEST(ResNet18Parity, KeysAndRepr) {
  ParityFile f("nn_resnet");
  auto net = nn::make<models::ResNet18>(10);
  const nn::StateDict sd = net->state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd.items()) keys.push_back(k);
  EXPECT_EQ(keys, lines(f.metadata().at("keys")));
  for (const auto& [k, v] : sd.items()) EXPECT_EQ(v.sizes(), f.get("state/" + k).sizes()) << k;
  EXPECT_EQ(net->str(), f.metadata().at("repr"));
  EXPECT_EQ(net->layer2->size(), 2u);
  EXPECT_EQ(net->named_parameters().size(), 62u);
}

TEST(ResNet18Parity, StrictLoadErrors) {
  ParityFile f("nn_resnet");
  auto net = nn::make<models::ResNet18>(10);
  nn::StateDict missing = torch_state(f);
  missing.erase("fc.bias");
  try {
    net->load_state_dict(missing);
    ADD_FAILURE() << "a state_dict without fc.bias loaded strictly";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("Missing key(s) in state_dict: \"fc.bias\""),
              std::string::npos)
        << e.what();
  }
  nn::StateDict wrong = torch_state(f);
  wrong.insert("layer1.0.conv1.weight", zeros({64, 64, 1, 1}));
  try {
    net->load_state_dict(wrong);
    ADD_FAILURE() << "a wrongly shaped layer1.0.conv1.weight loaded";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("size mismatch for layer1.0.conv1.weight"),
              std::string::npos)
        << e.what();
  }
  // Nothing was copied: the model keeps its own initialisation.
  EXPECT_FALSE(net->state_dict().at("bn1.running_var").equal(f.get("state/bn1.running_var")));
}

// ||got - want|| / ||want|| over all elements.
double rel_l2(const Tensor& got, const Tensor& want) {
  const Tensor w = want.to(kFloat64);
  return (got.to(kFloat64) - w).norm().item<double>() / w.norm().item<double>();
}

struct Run {
  DType dtype;
  bool channels_last;
};

void PrintTo(const Run& r, std::ostream* os) {
  *os << (r.dtype == kFloat64 ? "float64" : "float32")
      << (r.channels_last ? " channels_last" : " NCHW");
}

class ResNet18Step : public ::testing::TestWithParam<Run> {};

TEST_P(ResNet18Step, EvalAndTrainStep) {
  const auto [dt, cl] = GetParam();
  const bool f64 = dt == kFloat64;
  const std::string key = std::string(f64 ? "f64/" : "f32/") + (cl ? "channels_last" : "nchw");
  ParityFile f("nn_resnet");
  auto net = nn::make<models::ResNet18>(10);
  const nn::IncompatibleKeys res = net->load_state_dict(torch_state(f), true);
  EXPECT_TRUE(res.empty()) << res;
  net->to(dt);
  Tensor x = f.get("x").to(dt);
  if (cl) {
    net->to(kChannelsLast);
    x = x.contiguous(kChannelsLast);
    EXPECT_TRUE(
        net->layer2->operator[](0)->named_parameters()[0].second.is_contiguous(kChannelsLast));
  }
  // float64 must agree to rounding; float32 to the brief's 1e-4 on the logits.
  const Tolerance exact{1e-7, 1e-9}, fwd = f64 ? exact : Tolerance{1e-4, 1e-4};

  net->eval();
  {
    NoGradGuard g;
    const Tensor logits = net(x);
    expect_close("eval logits", logits, f.get(key + "/logits"), fwd);
  }

  net->train();
  Tensor xg = x.detach().clone(cl ? kChannelsLast : kContiguous);
  xg.requires_grad_(true);
  Tensor loss = cross_entropy(net(xg), f.get("target"));
  expect_close("train loss", loss, f.get(key + "/loss"), f64 ? exact : Tolerance{1e-5, 1e-5});
  loss.backward();

  // Running stats after the step (float32: batch statistics to rounding).
  int stats = 0;
  const nn::StateDict after = net->state_dict();
  for (const auto& [k, b] : after.items()) {
    if (k.find("running") == std::string::npos && k.find("num_batches") == std::string::npos)
      continue;
    expect_close("buffer " + k, b, f.get(key + "/stats/" + k), f64 ? exact : Tolerance{1e-4, 1e-5});
    ++stats;
  }
  EXPECT_EQ(stats, 3 * 20);

  // Gradients: float64 elementwise against PyTorch's float64 (stored rounded
  // to float32); float32 in norm, as a ReLU mask flipped by rounding moves a
  // channel's gradients (see gen_nn_resnet.py).
  const Tensor want_gx = f.get(key + "/grad_input");
  std::vector<std::pair<std::string, Tensor>> grads{{"input", xg.grad()}};
  for (const auto& [k, p] : net->named_parameters()) grads.push_back({k, p.grad()});
  EXPECT_EQ(grads.size(), 63u);
  double worst = 0;
  std::string worst_name;
  for (const auto& [k, g] : grads) {
    ASSERT_TRUE(g.defined()) << k;
    EXPECT_EQ(g.dtype(), dt) << k;
    const Tensor want = k == "input" ? want_gx : f.get("grad/" + k);
    if (f64) {
      expect_close("grad of " + k, g.to(kFloat32), want.to(kFloat32), scaled(want, 1e-5));
    } else {
      const double r = rel_l2(g, want);
      if (r > worst) {
        worst = r;
        worst_name = k;
      }
      EXPECT_LT(r, kF32GradTol) << "grad of " << k;
    }
  }
  if (!f64)
    std::printf("float32 gradients: largest relative L2 error %.2e (%s)\n", worst,
                worst_name.c_str());
}

INSTANTIATE_TEST_SUITE_P(Runs, ResNet18Step,
                         ::testing::Values(Run{kFloat64, false}, Run{kFloat64, true},
                                           Run{kFloat32, false}, Run{kFloat32, true}),
                         [](const auto& info) {
                           return std::string(info.param.dtype == kFloat64 ? "Float64"
                                                                           : "Float32") +
                                  (info.param.channels_last ? "ChannelsLast" : "NCHW");
                         });

}  // namespace
