// Convolution and pooling against torch (tests/parity/gen_nn_conv.py):
// conv1d/2d/3d forward and input/weight/bias gradients in float32 (conv2d in
// bfloat16 too) with NCHW and channels_last inputs and weights, output strides, pooling forward and
// backward in both memory formats, indices, and error messages.
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

MemoryFormat cl_of(int64_t dim) {
  return dim == 5 ? MemoryFormat::ChannelsLast3d : MemoryFormat::ChannelsLast;
}

// in: x, w, b, gy, (strides, paddings, dilations, groups, x_cl, w_cl).
std::vector<Tensor> run_conv(const std::vector<Tensor>& in, bool grads) {
  const auto p = in[4].tolist<int64_t>();
  const size_t nd = in[1].dim() - 2;
  const DimVector stride(p.begin(), p.begin() + nd), padding(p.begin() + nd, p.begin() + 2 * nd),
      dilation(p.begin() + 2 * nd, p.begin() + 3 * nd);
  const int64_t groups = p[3 * nd];
  Tensor x = in[0].clone(), w = in[1].clone(), b = in[2].clone().requires_grad_();
  if (p[3 * nd + 1]) x = x.clone(cl_of(x.dim()));
  if (p[3 * nd + 2]) w = w.clone(cl_of(w.dim()));
  x.requires_grad_();
  w.requires_grad_();
  Tensor y = nd == 1   ? conv1d(x, w, b, stride, padding, dilation, groups)
             : nd == 2 ? conv2d(x, w, b, stride, padding, dilation, groups)
                       : conv3d(x, w, b, stride, padding, dilation, groups);
  if (!grads) return {y.detach()};
  y.backward(in[3]);
  return {y.detach(), x.grad(), w.grad(), b.grad()};
}

using PoolFn = std::function<Tensor(const Tensor&)>;

// in: x, gy, (cl).
Case pool_case(PoolFn f, bool strides, bool check_strides) {
  return {[f, strides](const std::vector<Tensor>& in) {
            Tensor x = in[0].clone();
            if (in[2].item<int64_t>()) x = x.contiguous(kChannelsLast);
            x.requires_grad_();
            Tensor y = f(x);
            if (strides) return std::vector<Tensor>{y.detach()};
            y.backward(in[1]);
            return std::vector<Tensor>{y.detach(), x.grad()};
          },
          {.tol = std::nullopt, .check_strides = check_strides}};
}

}  // namespace

TEST(NnConvParity, Values) {
  std::map<std::string, Case> cases;
  const ember::testing::Tolerance tol{1e-4, 1e-4};
  std::vector<std::string> convs = {"conv1d", "conv3d", "conv3d_cl"};
  for (const char* base : {"conv2d_basic", "conv2d_groups", "conv2d_depthwise", "conv2d_1x1"})
    for (const char* sfx : {"_x0w0", "_x0w1", "_x1w0", "_x1w1"})
      convs.push_back(std::string(base) + sfx);
  for (const auto& c : convs) {
    cases[c] = {[](const std::vector<Tensor>& in) { return run_conv(in, true); }, {.tol = tol}};
    cases[c + "_strides"] = {[](const std::vector<Tensor>& in) { return run_conv(in, false); },
                             {.tol = tol, .check_strides = true}};
  }
  // bfloat16 inputs and results, to bfloat16's tolerance (one or two units in
  // the last place of these sums).
  for (const char* c :
       {"conv2d_bf16_s2_cl0", "conv2d_bf16_s2_cl1", "conv2d_bf16_s1_cl0", "conv2d_bf16_s1_cl1"}) {
    cases[c] = {[](const std::vector<Tensor>& in) { return run_conv(in, true); }};
    cases[std::string(c) + "_strides"] = {
        [](const std::vector<Tensor>& in) { return run_conv(in, false); },
        {.tol = std::nullopt, .check_strides = true}};
  }
  cases["conv2d_same"] = {
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{conv2d(in[0], in[1], std::nullopt, 1, "same", 2)};
      },
      {.tol = tol}};
  cases["conv2d_valid"] = {
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{conv2d(in[0], in[1], std::nullopt, 1, "valid")};
      },
      {.tol = tol}};
  const std::map<std::string, PoolFn> pools = {
      {"max",
       [](const Tensor& x) {
         return max_pool2d(x, {3, 2}, {2, 1}, {1, 1}, {1, 2});
       }},
      {"max_ceil", [](const Tensor& x) { return max_pool2d(x, 3, 2, 1, 1, true); }},
      {"avg",
       [](const Tensor& x) {
         return avg_pool2d(x, {3, 2}, {2, 1}, {1, 1});
       }},
      {"avg_excl_ceil", [](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, true, false); }},
      {"avg_divisor", [](const Tensor& x) { return avg_pool2d(x, 2, 1, 0, false, true, 3); }},
      {"adaptive_avg",
       [](const Tensor& x) {
         return adaptive_avg_pool2d(x, {3, 4});
       }},
      {"adaptive_avg_1", [](const Tensor& x) { return adaptive_avg_pool2d(x, 1); }},
      {"adaptive_max",
       [](const Tensor& x) {
         return std::get<0>(adaptive_max_pool2d(x, {2, 3}));
       }},
  };
  for (const auto& [name, f] : pools)
    for (int cl : {0, 1}) {
      const std::string c = "pool_" + name + "_cl" + std::to_string(cl);
      cases[c] = pool_case(f, false, false);
      // A 1x1 mean's strides differ from PyTorch's restrided (3, 1, 3, 3) in
      // size-1 dims only; values and layout are the same.
      cases[c + "_strides"] = pool_case(f, true, name != "adaptive_avg_1");
    }
  cases["pool_max_indices"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{std::get<1>(max_pool2d_with_indices(in[0], 2))};
  }};
  run_parity("nn_conv", cases);
}

TEST(NnConvParity, Errors) {
  ParityFile f("nn_conv");
  std::map<std::string, std::string> got;
  Tensor w = ones({64, 3, 3, 3});
  got["err_channels"] = error_text([&] { conv2d(ones({1, 1, 32, 32}), w); });
  got["err_rank"] = error_text([&] { conv2d(ones({2, 3}), w); });
  got["err_kernel_big"] = error_text([&] { conv2d(ones({1, 3, 2, 2}), w); });
  got["err_bias"] = error_text([&] { conv2d(ones({1, 3, 8, 8}), w, ones({3})); });
  got["err_stride0"] = error_text([&] { conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 0); });
  got["err_padding_neg"] = error_text([&] { conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 1, -1); });
  got["err_dilation0"] = error_text([&] { conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 1, 0, 0); });
  got["err_groups0"] = error_text([&] { conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 1, 0, 1, 0); });
  got["err_groups_channels"] = error_text([&] {
    conv2d(ones({1, 6, 8, 8}), w, std::nullopt, 1, 0, 1, 4);
  });
  got["err_groups_weight"] = error_text([&] {
    conv2d(ones({1, 6, 8, 8}), ones({2, 3, 3, 3}), std::nullopt, 1, 0, 1, 4);
  });
  got["err_groups_divisible"] = error_text([&] {
    conv2d(ones({1, 6, 8, 8}), ones({6, 3, 3, 3}), std::nullopt, 1, 0, 1, 4);
  });
  got["err_stride_len"] = error_text([&] {
    conv2d(ones({1, 3, 8, 8}), w, std::nullopt, {1, 1, 1});
  });
  got["err_same_strided"] = error_text([&] {
    conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 2, "same");
  });
  got["err_padding_string"] = error_text([&] {
    conv2d(ones({1, 3, 8, 8}), w, std::nullopt, 1, "foo");
  });
  got["err_dtype"] = error_text([&] { conv2d(ones({1, 3, 8, 8}, {.dtype = kFloat64}), w); });
  got["err_bias_dtype"] = error_text([&] {
    conv2d(ones({1, 3, 8, 8}), w, ones({64}, {.dtype = kFloat64}));
  });
  got["err_conv1d_rank"] = error_text([&] { conv1d(ones({1, 3, 8, 8}), w); });
  got["err_bias_2d"] = error_text([&] { conv2d(ones({1, 3, 8, 8}), w, ones({64, 1})); });
  got["err_pool_kernel"] = error_text([] { max_pool2d(ones({1, 3, 8, 8}), {3, 3, 3}); });
  got["err_pool_pad"] = error_text([] { max_pool2d(ones({1, 3, 8, 8}), 3, 1, 2); });
  got["err_pool_small"] = error_text([] { max_pool2d(ones({1, 3, 2, 2}), 3); });
  got["err_pool_rank"] = error_text([] { max_pool2d(ones({2, 3}), 3); });
  got["err_pool_dilation"] = error_text([] { max_pool2d(ones({1, 3, 8, 8}), 3, 1, 1, 0); });
  got["err_avg_divisor"] = error_text([] {
    avg_pool2d(ones({1, 3, 8, 8}), 3, {}, 0, false, true, 0);
  });
  got["err_avg_rank"] = error_text([] { avg_pool2d(ones({2, 3}), 3); });
  got["err_adaptive_rank"] = error_text([] { adaptive_avg_pool2d(ones({2, 3}), 3); });
  got["err_adaptive_max_rank"] = error_text([] { adaptive_max_pool2d(ones({2, 3}), 3); });
  ember::testing::expect_texts(f.metadata(), got);
}
