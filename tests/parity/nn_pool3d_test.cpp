// 3-D pooling against torch (tests/parity/gen_nn_pool3d.py): forward and
// backward on NCDHW and channels_last_3d inputs, int64 average pooling,
// indices, AdaptiveMaxPool1d, unbatched inputs, module reprs and errors.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/nn/modules/pooling.h"
#include "ember/ops/factory.h"
#include "ember/ops/pool.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;

namespace {

using PoolFn = std::function<Tensor(const Tensor&)>;

// in: x, gy, (cl).
Case pool_case(PoolFn f, bool strides) {
  return {[f, strides](const std::vector<Tensor>& in) {
            Tensor x = in[0].clone();
            if (in[2].item<int64_t>()) x = x.contiguous(kChannelsLast3d);
            x.requires_grad_();
            Tensor y = f(x);
            if (strides) return std::vector<Tensor>{y.detach()};
            y.backward(in[1]);
            return std::vector<Tensor>{y.detach(), x.grad()};
          },
          {.tol = std::nullopt, .check_strides = strides}};
}

}  // namespace

TEST(NnPool3dParity, Values) {
  std::map<std::string, Case> cases;
  const std::map<std::string, PoolFn> pools = {
      {"max",
       [](const Tensor& x) {
         return max_pool3d(x, {3, 2, 2}, {2, 1, 2}, {1, 1, 0}, {1, 2, 1});
       }},
      {"max_ceil", [](const Tensor& x) { return max_pool3d(x, 3, 2, 1, 1, true); }},
      {"avg",
       [](const Tensor& x) {
         return avg_pool3d(x, {3, 2, 2}, {2, 1, 2}, {1, 1, 0});
       }},
      {"avg_excl_ceil", [](const Tensor& x) { return avg_pool3d(x, 3, 2, 1, true, false); }},
      {"avg_divisor", [](const Tensor& x) { return avg_pool3d(x, 2, 1, 0, false, true, 3); }},
      {"adaptive_avg",
       [](const Tensor& x) {
         return adaptive_avg_pool3d(x, {3, 4, 2});
       }},
      {"adaptive_avg_1", [](const Tensor& x) { return adaptive_avg_pool3d(x, 1); }},
      {"adaptive_max",
       [](const Tensor& x) {
         return std::get<0>(adaptive_max_pool3d(x, {2, 3, 4}));
       }},
  };
  for (const auto& [name, f] : pools)
    for (const std::string sfx : {"", "_wide"})
      for (int cl : {0, 1}) {
        const std::string c = "pool3d_" + name + sfx + "_cl" + std::to_string(cl);
        cases[c] = pool_case(f, false);
        if (!cl) cases[c + "_strides"] = pool_case(f, true);
      }
  cases["max_indices"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{std::get<1>(max_pool3d_with_indices(in[0], 2))};
  }};
  cases["max_indices_dilated"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{
        std::get<1>(max_pool3d_with_indices(in[0], {2, 3, 2}, 1, 1, 2, true))};
  }};
  cases["adaptive_max_indices"] = {[](const std::vector<Tensor>& in) {
    auto [y, i] = adaptive_max_pool3d(in[0], {3, 2, 4});
    return std::vector<Tensor>{y, i};
  }};
  cases["adaptive_max1d"] = {[](const std::vector<Tensor>& in) {
    Tensor x = in[0].clone().requires_grad_();
    auto [y, i] = adaptive_max_pool1d(x, 4);
    y.backward(in[1]);
    return std::vector<Tensor>{y.detach(), i, x.grad()};
  }};
  cases["unbatched"] = {[](const std::vector<Tensor>& in) {
    Tensor x = in[0].clone().requires_grad_();
    Tensor y = max_pool3d(x, 2, 1) + avg_pool3d(x, 2, 1);
    y.backward(ones_like(y));
    return std::vector<Tensor>{y.detach(), x.grad()};
  }};
  cases["avg3d_int64"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{avg_pool3d(in[0], 2, 1, 1),
                               avg_pool3d(in[0], 3, 2, 1, false, false)};
  }};
  cases["avg2d_int64"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{avg_pool2d(in[0], 2, 1, 1), avg_pool2d(in[0], 3, 2, 1, true)};
  }};
  run_parity("nn_pool3d", cases);
}

TEST(NnPool3dParity, ReprsAndErrors) {
  ParityFile f("nn_pool3d");
  std::map<std::string, std::string> got;
  using namespace ember::nn;
  got["repr_max"] = make<MaxPool3d>(2)->str();
  got["repr_max_full"] =
      make<MaxPool3d>(ConvSize{2, 1, 3}, MaxPool3dOptions{.stride = ConvSize{1, 2, 1},
                                                          .padding = 1,
                                                          .dilation = 2,
                                                          .return_indices = true,
                                                          .ceil_mode = true})
          ->str();
  got["repr_avg"] = make<AvgPool3d>(2)->str();
  got["repr_avg_full"] =
      make<AvgPool3d>(ConvSize{2, 1, 2}, AvgPool3dOptions{.stride = 1,
                                                          .padding = 1,
                                                          .ceil_mode = true,
                                                          .count_include_pad = false,
                                                          .divisor_override = 3})
          ->str();
  got["repr_adaptive_avg"] = make<AdaptiveAvgPool3d>(ConvSize{1, 2, 3})->str();
  got["repr_adaptive_avg_int"] = make<AdaptiveAvgPool3d>(4)->str();
  got["repr_adaptive_max"] = make<AdaptiveMaxPool3d>(2)->str();
  got["repr_adaptive_max1d"] = make<AdaptiveMaxPool1d>(3, true)->str();

  const Tensor x = ones({1, 2, 4, 4, 4});
  got["err_max_kernel"] = error_text([&] { max_pool3d(x, {2, 2}); });
  got["err_max_stride"] = error_text([&] { max_pool3d(x, 2, {1, 1}); });
  got["err_max_rank"] = error_text([&] { max_pool3d(ones({2, 3, 4}), 2); });
  got["err_max_pad"] = error_text([&] { max_pool3d(x, 2, 1, 2); });
  got["err_max_small"] = error_text([&] { max_pool3d(ones({1, 2, 2, 2, 2}), 3); });
  got["err_max_stride0"] = error_text([&] { max_pool3d(x, 2, 0); });
  got["err_max_dilation0"] = error_text([&] { max_pool3d(x, 2, 1, 0, 0); });
  got["err_max_empty"] = error_text([&] { max_pool3d(ones({1, 0, 4, 4, 4}), 2); });
  got["err_avg_kernel"] = error_text([&] { avg_pool3d(x, {2, 2}); });
  got["err_avg_rank"] = error_text([&] { avg_pool3d(ones({2, 3, 4}), 2); });
  got["err_avg_divisor"] = error_text([&] { avg_pool3d(x, 2, {}, 0, false, true, 0); });
  got["err_avg_small"] = error_text([&] { avg_pool3d(ones({1, 2, 2, 2, 2}), 3); });
  got["err_avg_pad"] = error_text([&] { avg_pool3d(x, 2, 1, 2); });
  got["err_adaptive_avg_rank"] = error_text([&] { adaptive_avg_pool3d(ones({2, 3, 4}), 2); });
  got["err_adaptive_avg_size"] = error_text([&] { adaptive_avg_pool3d(x, {2, 2}); });
  got["err_adaptive_avg_empty"] = error_text([&] {
    adaptive_avg_pool3d(ones({1, 2, 0, 4, 4}), 2);
  });
  got["err_adaptive_avg_negative"] = error_text([&] { adaptive_avg_pool3d(x, -1); });
  got["err_adaptive_max_rank"] = error_text([&] { adaptive_max_pool3d(ones({2, 3, 4}), 2); });
  got["err_adaptive_max_size"] = error_text([&] { adaptive_max_pool3d(x, {2, 2}); });
  got["err_adaptive_max1d_rank"] = error_text([&] { adaptive_max_pool1d(ones({2, 3, 4, 5}), 2); });
  ember::testing::expect_texts(f.metadata(), got);
}
