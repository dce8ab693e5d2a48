// Seeded random loss configurations against torch
// (tests/parity/gen_nn_loss_sweep.py): every loss of nn::functional with each
// reduction and its options; the loss and its inputs' gradients.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/nn/functional/loss.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

enum Kind : int64_t {
  kCe,
  kCeProb,
  kNll,
  kBce,
  kBceLogits,
  kKl,
  kSmoothL1,
  kHuber,
  kCosine,
  kMarginRanking,
  kTriplet,
  kMse,
  kL1
};
const char* const kReductions[] = {"none", "mean", "sum", "batchmean"};

// How many of a, b, c require grad.
int grads_of(int64_t kind) {
  switch (kind) {
    case kSmoothL1:
    case kHuber:
    case kCosine:
    case kMarginRanking:
    case kMse:
    case kL1:
      return 2;
    case kTriplet:
      return 3;
    default:
      return 1;
  }
}

// in: a, b, c, weight, pos_weight (empty: none), gy, (kind, reduction,
// ignore_index, swap, log_target), (label_smoothing, beta/delta/margin, p, eps).
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  const auto p = in[6].tolist<int64_t>();
  const auto f = in[7].tolist<double>();
  const int64_t kind = p[0];
  const std::string r = kReductions[p[1]];
  const int ng = grads_of(kind);
  std::vector<Tensor> x{in[0], in[1], in[2]};
  for (int i = 0; i < ng; ++i) x[i] = x[i].clone().requires_grad_();
  const Tensor weight = in[3].numel() ? in[3] : Tensor(),
               pos_weight = in[4].numel() ? in[4] : Tensor();
  Tensor y;
  switch (kind) {
    case kCe:
    case kCeProb:
      y = F::cross_entropy(x[0], x[1], weight, p[2], r, f[0]);
      break;
    case kNll:
      y = F::nll_loss(x[0], x[1], weight, p[2], r);
      break;
    case kBce:
      y = F::binary_cross_entropy(x[0], x[1], weight, r);
      break;
    case kBceLogits:
      y = F::binary_cross_entropy_with_logits(x[0], x[1], weight, r, pos_weight);
      break;
    case kKl:
      y = F::kl_div(x[0], x[1], r, p[4] != 0);
      break;
    case kSmoothL1:
      y = F::smooth_l1_loss(x[0], x[1], r, f[1]);
      break;
    case kHuber:
      y = F::huber_loss(x[0], x[1], r, f[1]);
      break;
    case kCosine:
      y = F::cosine_embedding_loss(x[0], x[1], x[2], f[1], r);
      break;
    case kMarginRanking:
      y = F::margin_ranking_loss(x[0], x[1], x[2], f[1], r);
      break;
    case kTriplet:
      y = F::triplet_margin_loss(x[0], x[1], x[2], f[1], f[2], f[3], p[3] != 0, r);
      break;
    case kMse:
      y = F::mse_loss(x[0], x[1], r);
      break;
    default:
      y = F::l1_loss(x[0], x[1], r);
  }
  y.backward(in[5]);
  std::vector<Tensor> outs{y.detach()};
  for (int i = 0; i < ng; ++i) outs.push_back(x[i].grad());
  return outs;
}

}  // namespace

TEST(NnLossSweepParity, Values) {
  std::map<std::string, Case> cases;
  for (const std::string& c : ParityFile("nn_loss_sweep").cases()) cases[c] = {sweep_case};
  ASSERT_GE(cases.size(), 130u);
  run_parity("nn_loss_sweep", cases);
}
