// Seeded random convolution configurations against torch
// (tests/parity/gen_nn_conv_sweep.py): conv1d/2d/3d and conv_transpose1d/2d/3d,
// values and all gradients, and the output's strides.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/ops/conv.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

MemoryFormat cl_of(int64_t nd) {
  return nd == 2 ? MemoryFormat::ChannelsLast : MemoryFormat::ChannelsLast3d;
}

// in: x, w, b (empty: none), gy, (nd, transposed, same, stride[3], padding[3],
// dilation[3], output_padding[3], groups, x_cl, w_cl).
std::vector<Tensor> sweep_case(const std::vector<Tensor>& in, bool grads) {
  const auto p = in[4].tolist<int64_t>();
  const int64_t nd = p[0];
  auto dims = [&](size_t at) { return DimVector(p.begin() + at, p.begin() + at + nd); };
  const DimVector stride = dims(3), padding = dims(6), dilation = dims(9), out_pad = dims(12);
  const int64_t groups = p[15];
  const bool transposed = p[1] != 0, same = p[2] != 0, has_bias = in[2].numel() > 0;
  Tensor x = in[0].clone(), w = in[1].clone(), b = in[2].clone();
  if (p[16]) x = x.contiguous(cl_of(nd));
  if (p[17]) w = w.contiguous(cl_of(nd));
  x.requires_grad_();
  w.requires_grad_();
  b.requires_grad_();
  const std::optional<Tensor> bias = has_bias ? std::optional<Tensor>(b) : std::nullopt;
  Tensor y;
  if (transposed) {
    y = nd == 1   ? conv_transpose1d(x, w, bias, stride, padding, out_pad, groups, dilation)
        : nd == 2 ? conv_transpose2d(x, w, bias, stride, padding, out_pad, groups, dilation)
                  : conv_transpose3d(x, w, bias, stride, padding, out_pad, groups, dilation);
  } else if (same) {
    y = nd == 1   ? conv1d(x, w, bias, stride, "same", dilation, groups)
        : nd == 2 ? conv2d(x, w, bias, stride, "same", dilation, groups)
                  : conv3d(x, w, bias, stride, "same", dilation, groups);
  } else {
    y = nd == 1   ? conv1d(x, w, bias, stride, padding, dilation, groups)
        : nd == 2 ? conv2d(x, w, bias, stride, padding, dilation, groups)
                  : conv3d(x, w, bias, stride, padding, dilation, groups);
  }
  if (!grads) return {y.detach()};
  y.backward(in[3]);
  std::vector<Tensor> outs{y.detach(), x.grad(), w.grad()};
  if (has_bias) outs.push_back(b.grad());
  return outs;
}

}  // namespace

TEST(NnConvSweepParity, Values) {
  std::map<std::string, Case> cases;
  // Winograd and direct kernels round differently from PyTorch's.
  const ember::testing::Tolerance tol{1e-4, 1e-4};
  for (const std::string& c : ParityFile("nn_conv_sweep").cases()) {
    const bool strides = c.ends_with("_strides");
    cases[c] = {[strides](const std::vector<Tensor>& in) { return sweep_case(in, !strides); },
                {.tol = tol, .check_strides = strides}};
  }
  ASSERT_GE(cases.size(), 240u);
  run_parity("nn_conv_sweep", cases);
}
