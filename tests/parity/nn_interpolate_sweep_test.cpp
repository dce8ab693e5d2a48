// Seeded random F.interpolate configurations against torch
// (tests/parity/gen_nn_interpolate_sweep.py): every mode, sizes and scale
// factors, align_corners, recompute_scale_factor, both formats; values,
// gradients and the output's strides.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/nn/functional/vision.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

const char* const kModes[] = {"nearest", "nearest-exact", "linear", "bilinear",
                              "bicubic", "trilinear",     "area"};

// in: x, gy, (mode, by_size, size[3], align_corners, recompute_scale_factor,
// channels_last, scalar), scales (float64[3]).
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in, bool grads) {
  const auto p = in[2].tolist<int64_t>();
  const auto scales = in[3].tolist<double>();
  const int64_t nd = in[0].dim() - 2;
  F::InterpolateOptions o;
  o.mode = kModes[p[0]];
  const bool scalar = p[8] != 0;
  if (p[1]) {
    o.size = scalar ? F::InterpolateSize(p[2]) : F::InterpolateSize(IntArrayRef(&p[2], nd));
  } else {
    o.scale_factor.v.assign(scales.begin(), scales.begin() + (scalar ? 1 : nd));
    o.scale_factor.scalar = scalar;
    if (p[6] >= 0) o.recompute_scale_factor = p[6] != 0;
  }
  if (p[5] >= 0) o.align_corners = p[5] != 0;
  Tensor x = in[0].clone();
  if (p[7]) x = x.contiguous(nd == 2 ? MemoryFormat::ChannelsLast : MemoryFormat::ChannelsLast3d);
  x.requires_grad_();
  Tensor y = F::interpolate(x, o);
  if (!grads) return {y.detach()};
  y.backward(in[1]);
  return {y.detach(), x.grad()};
}

}  // namespace

TEST(NnInterpolateSweepParity, Values) {
  std::map<std::string, Case> cases;
  for (const std::string& c : ParityFile("nn_interpolate_sweep").cases()) {
    const bool strides = c.ends_with("_strides");
    cases[c] = {[strides](const std::vector<Tensor>& in) { return sweep_case(in, !strides); },
                {.tol = std::nullopt, .check_strides = strides}};
  }
  ASSERT_GE(cases.size(), 190u);
  run_parity("nn_interpolate_sweep", cases);
}
