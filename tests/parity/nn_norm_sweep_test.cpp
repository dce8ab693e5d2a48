// Seeded random normalisation configurations against torch
// (tests/parity/gen_nn_norm_sweep.py): batch_norm (training and eval),
// group_norm, layer_norm and instance_norm; values, gradients and running
// statistics.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/nn/functional/normalization.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

enum Kind : int64_t { kBatchTrain, kBatchEval, kGroup, kLayer, kInstance };

// in: x, gy, weight, bias, running_mean, running_var, (kind, affine, running,
// channels_last, groups, normalized dims), (momentum, eps).
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  const auto p = in[6].tolist<int64_t>();
  const auto f = in[7].tolist<double>();
  const int64_t kind = p[0], affine = p[1];
  const bool running = p[2] != 0;
  Tensor x = in[0].clone();
  if (p[3])
    x = x.contiguous(x.dim() == 4 ? MemoryFormat::ChannelsLast : MemoryFormat::ChannelsLast3d);
  x.requires_grad_();
  Tensor w = in[2].clone().requires_grad_(), b = in[3].clone().requires_grad_();
  Tensor rm = in[4].clone(), rv = in[5].clone();
  const std::optional<Tensor> wo = affine >= 1 ? std::optional<Tensor>(w) : std::nullopt;
  const std::optional<Tensor> bo = affine == 2 ? std::optional<Tensor>(b) : std::nullopt;
  const std::optional<Tensor> rmo = running ? std::optional<Tensor>(rm) : std::nullopt;
  const std::optional<Tensor> rvo = running ? std::optional<Tensor>(rv) : std::nullopt;
  Tensor y;
  switch (kind) {
    case kBatchTrain:
    case kBatchEval:
      y = F::batch_norm(x, rmo, rvo, wo, bo, kind == kBatchTrain, f[0], f[1]);
      break;
    case kGroup:
      y = F::group_norm(x, p[4], wo, bo, f[1]);
      break;
    case kLayer: {
      const DimVector shape(x.sizes().end() - p[5], x.sizes().end());
      y = F::layer_norm(x, shape, wo, bo, f[1]);
      break;
    }
    default:
      y = F::instance_norm(x, rmo, rvo, wo, bo, true, f[0], f[1]);
  }
  y.backward(in[1]);
  std::vector<Tensor> outs{y.detach(), x.grad()};
  if (affine >= 1) outs.push_back(w.grad());
  if (affine == 2) outs.push_back(b.grad());
  if (running) {
    outs.push_back(rm);
    outs.push_back(rv);
  }
  return outs;
}

}  // namespace

TEST(NnNormSweepParity, Values) {
  std::map<std::string, Case> cases;
  // Sums of squares over up to 864 values, in another order than PyTorch's.
  const ember::testing::Tolerance tol{1e-4, 1e-4};
  for (const std::string& c : ParityFile("nn_norm_sweep").cases())
    cases[c] = {sweep_case, {.tol = tol}};
  ASSERT_GE(cases.size(), 100u);
  run_parity("nn_norm_sweep", cases);
}
