// Seeded random 2-D pooling configurations against torch
// (tests/parity/gen_nn_pool_sweep.py): max, average, adaptive average and
// adaptive max: values, input gradients and indices, with PyTorch's
// strides, from NCHW and channels_last inputs.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/ops/pool.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

enum Kind : int64_t { kMax, kAvg, kAdaptiveAvg, kAdaptiveMax };

// in: x, gy, (kind, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode,
// count_include_pad, divisor_override or 0, channels_last, oh, ow).
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in) {
  const Tensor pt = in[2].contiguous();
  const int64_t* p = pt.data_ptr<int64_t>();
  Tensor x = in[0].clone();
  if (p[12]) x = x.contiguous(kChannelsLast);
  x.requires_grad_();
  const DimVector k{p[1], p[2]}, s{p[3], p[4]}, pad{p[5], p[6]}, dil{p[7], p[8]}, out{p[13], p[14]};
  Tensor y, idx;
  switch (p[0]) {
    case kMax:
      std::tie(y, idx) = max_pool2d_with_indices(x, k, s, pad, dil, p[9] != 0);
      break;
    case kAvg:
      y = avg_pool2d(x, k, s, pad, p[9] != 0, p[10] != 0,
                     p[11] ? std::optional<int64_t>(p[11]) : std::nullopt);
      break;
    case kAdaptiveAvg:
      y = adaptive_avg_pool2d(x, out);
      break;
    default:
      std::tie(y, idx) = adaptive_max_pool2d(x, out);
  }
  y.backward(in[1]);
  std::vector<Tensor> outs{y.detach(), x.grad()};
  if (idx.defined()) outs.push_back(idx);
  return outs;
}

}  // namespace

TEST(NnPoolSweepParity, Values) {
  std::map<std::string, Case> cases;
  // The generator's seed picks the configurations; every case it wrote runs.
  for (const std::string& c : ParityFile("nn_pool_sweep").cases())
    cases[c] = {sweep_case, {.tol = std::nullopt, .check_strides = true}};
  ASSERT_GE(cases.size(), 80u);
  run_parity("nn_pool_sweep", cases);
}
