// Upsampling and pixel shuffle against torch (tests/parity/gen_nn_vision.py):
// F::interpolate in every supported mode (nearest, nearest-exact, linear,
// bilinear, trilinear, bicubic, area) with size or scale_factor, forward
// and backward on contiguous and channels_last inputs, output strides, node
// names, uint8 / bfloat16 nearest, pixel_shuffle / pixel_unshuffle, module
// reprs and error messages.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/functional/vision.h"
#include "ember/nn/modules/pixelshuffle.h"
#include "ember/nn/modules/upsampling.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::ParityFile;
using ember::testing::run_parity;
namespace F = ember::nn::functional;

namespace {

using Fn = std::function<Tensor(const Tensor&)>;

const std::map<std::string, Fn>& fns() {
  static const std::map<std::string, Fn> m = {
      {"nearest1d_size", [](const Tensor& x) { return F::interpolate(x, {.size = 8}); }},
      {"nearest1d_scale", [](const Tensor& x) { return F::interpolate(x, {.scale_factor = 1.7}); }},
      {"nearest1d_down", [](const Tensor& x) { return F::interpolate(x, {.scale_factor = 0.45}); }},
      {"nearest2d_scale2", [](const Tensor& x) { return F::interpolate(x, {.scale_factor = 2}); }},
      {"nearest2d_size",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {7, 3}});
       }},
      {"nearest2d_scales",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = {1.5, 2.3}});
       }},
      {"nearest2d_recompute",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = 1.7, .recompute_scale_factor = true});
       }},
      {"nearest2d_wide",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {6, 7}});
       }},
      {"nearest3d_scale", [](const Tensor& x) { return F::interpolate(x, {.scale_factor = 2}); }},
      {"nearest3d_size",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {5, 3, 7}});
       }},
      {"linear_size",
       [](const Tensor& x) { return F::interpolate(x, {.size = 8, .mode = "linear"}); }},
      {"linear_scale_ac",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = 1.7, .mode = "linear", .align_corners = true});
       }},
      {"linear_down",
       [](const Tensor& x) { return F::interpolate(x, {.scale_factor = 0.6, .mode = "linear"}); }},
      {"exact1d",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = 1.7, .mode = "nearest-exact"});
       }},
      {"exact2d",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {7, 3}, .mode = "nearest-exact"});
       }},
      {"exact3d",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = {1.5, 2, 0.8}, .mode = "nearest-exact"});
       }},
      {"trilinear_size",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {5, 3, 7}, .mode = "trilinear"});
       }},
      {"trilinear_scale_ac",
       [](const Tensor& x) {
         return F::interpolate(
             x, {.scale_factor = {1.5, 2, 0.8}, .mode = "trilinear", .align_corners = true});
       }},
      {"trilinear_wide",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {3, 4, 3}, .mode = "trilinear"});
       }},
      {"bicubic_size",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {7, 9}, .mode = "bicubic"});
       }},
      {"bicubic_scale_ac",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = 1.5, .mode = "bicubic", .align_corners = true});
       }},
      {"bicubic_down",
       [](const Tensor& x) { return F::interpolate(x, {.scale_factor = 0.6, .mode = "bicubic"}); }},
      {"bicubic_wide",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {6, 7}, .mode = "bicubic"});
       }},
      {"bilinear_size",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {7, 9}, .mode = "bilinear"});
       }},
      {"bilinear_size_ac",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {7, 9}, .mode = "bilinear", .align_corners = true});
       }},
      {"bilinear_scale",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = 1.5, .mode = "bilinear"});
       }},
      {"bilinear_down",
       [](const Tensor& x) {
         return F::interpolate(x, {.scale_factor = 0.6, .mode = "bilinear"});
       }},
      {"bilinear_down_ac",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {4, 1}, .mode = "bilinear", .align_corners = true});
       }},
      {"bilinear_same",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {5, 6}, .mode = "bilinear"});
       }},
      {"bilinear_wide",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {6, 7}, .mode = "bilinear"});
       }},
      {"upsample_bilinear", [](const Tensor& x) { return F::upsample_bilinear(x, {}, 2); }},
      {"area",
       [](const Tensor& x) {
         return F::interpolate(x, {.size = {3, 4}, .mode = "area"});
       }},
      {"area_scale",
       [](const Tensor& x) { return F::interpolate(x, {.scale_factor = 0.5, .mode = "area"}); }},
      {"pixel_shuffle", [](const Tensor& x) { return F::pixel_shuffle(x, 2); }},
      {"pixel_shuffle_5d", [](const Tensor& x) { return F::pixel_shuffle(x, 3); }},
      {"pixel_unshuffle", [](const Tensor& x) { return F::pixel_unshuffle(x, 2); }},
      {"pixel_unshuffle_3d", [](const Tensor& x) { return F::pixel_unshuffle(x, 3); }},
  };
  return m;
}

// in: x, gy, (cl).
Case vision_case(const Fn& f, bool strides) {
  return {[f, strides](const std::vector<Tensor>& in) {
            Tensor x = in[0].clone();
            if (in[2].item<int64_t>())
              x = x.contiguous(x.dim() == 5 ? kChannelsLast3d : kChannelsLast);
            x.requires_grad_();
            Tensor y = f(x);
            if (strides) return std::vector<Tensor>{y.detach()};
            y.backward(in[1]);
            return std::vector<Tensor>{y.detach(), x.grad()};
          },
          {.tol = std::nullopt, .check_strides = strides}};
}

// The node name of a case's output (on a float64 input of the case's rank).
std::string node_of(const Fn& f, const std::vector<int64_t>& shape) {
  Tensor x = randn(shape).requires_grad_();
  return f(x).grad_fn()->name();
}

}  // namespace

TEST(NnVisionParity, Values) {
  std::map<std::string, Case> cases;
  ParityFile file("nn_vision");
  const auto meta = file.metadata();
  for (const auto& [name, f] : fns())
    for (const std::string sfx : {"", "_cl"}) {
      const std::string c = name + sfx;
      if (!meta.count(c + "_node")) continue;  // the generator's case list decides
      cases[c] = vision_case(f, false);
      cases[c + "_strides"] = vision_case(f, true);
    }
  cases["nearest_uint8"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{F::interpolate(in[0], {.scale_factor = 1.5})};
  }};
  cases["nearest_bfloat16"] = {[](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{F::interpolate(in[0], {.size = {7, 6}})};
  }};
  run_parity("nn_vision", cases);
}

TEST(NnVisionParity, NodesReprsAndErrors) {
  ParityFile file("nn_vision");
  std::map<std::string, std::string> got;
  const std::map<std::string, std::vector<int64_t>> shapes = {
      {"nearest1d", {2, 3, 5}},        {"nearest2d", {2, 3, 5, 4}},  {"nearest3d", {1, 2, 3, 4, 5}},
      {"bilinear", {2, 3, 9, 8}},      {"upsample", {2, 3, 5, 4}},   {"area", {2, 3, 7, 6}},
      {"pixel_shuffle", {2, 8, 3, 4}}, {"linear", {2, 3, 5}},        {"exact1d", {2, 3, 5}},
      {"exact2d", {2, 3, 5, 4}},       {"exact3d", {1, 2, 3, 4, 5}}, {"trilinear", {1, 2, 3, 4, 5}},
      {"bicubic", {2, 3, 9, 8}},
  };
  for (const auto& [k, v] : file.metadata()) {
    const auto pos = k.find("_node");
    if (pos == std::string::npos) continue;
    std::string name = k.substr(0, pos);
    if (name.size() > 3 && name.substr(name.size() - 3) == "_cl") name.resize(name.size() - 3);
    std::vector<int64_t> shape;
    for (const auto& [prefix, s] : shapes)
      if (name.rfind(prefix, 0) == 0) shape = s;
    if (name == "pixel_shuffle_5d") shape = {2, 3, 9, 2, 3};
    if (name == "pixel_unshuffle") shape = {2, 2, 4, 6};
    if (name == "pixel_unshuffle_3d") shape = {2, 6, 9};
    if (name == "bilinear_wide" || name == "nearest2d_wide" || name == "bicubic_wide")
      shape = {1, 37, 4, 3};
    ASSERT_FALSE(shape.empty()) << name;
    got[k] = node_of(fns().at(name), shape);
  }
  using namespace ember::nn;
  got["repr_scale"] = make<Upsample>(UpsampleOptions{.scale_factor = 2})->str();
  got["repr_scales"] = make<Upsample>(UpsampleOptions{.scale_factor = {2, 3}})->str();
  got["repr_size"] = make<Upsample>(UpsampleOptions{.size = {3, 4}, .mode = "bilinear"})->str();
  got["repr_size_int"] =
      make<Upsample>(UpsampleOptions{.size = 4, .mode = "bilinear", .align_corners = true})->str();
  got["repr_scale_float"] = make<Upsample>(UpsampleOptions{.scale_factor = 1.5})->str();
  got["repr_nearest2d"] = make<UpsamplingNearest2d>(InterpolateSize{}, 2)->str();
  got["repr_bilinear2d"] = make<UpsamplingBilinear2d>(5)->str();
  got["repr_pixel_shuffle"] = make<PixelShuffle>(2)->str();
  got["repr_pixel_unshuffle"] = make<PixelUnshuffle>(3)->str();

  const Tensor x = ones({1, 2, 3, 4});
  got["err_scale_small"] = error_text([&] { F::interpolate(x, {.scale_factor = 0.1}); });
  got["err_bilinear_small"] =
      error_text([&] { F::interpolate(x, {.scale_factor = 0.1, .mode = "bilinear"}); });
  got["err_input_empty"] = error_text([&] {
    F::interpolate(ones({1, 2, 0, 4}), {.scale_factor = 2});
  });
  got["err_channels_empty"] = error_text([&] {
    F::interpolate(ones({1, 0, 3, 4}), {.scale_factor = 2});
  });
  got["err_1d_small"] = error_text([&] { F::interpolate(ones({1, 2, 3}), {.scale_factor = 0.1}); });
  got["err_3d_small"] = error_text([&] {
    F::interpolate(ones({1, 2, 3, 3, 3}), {.scale_factor = 0.1});
  });
  got["err_size_zero"] = error_text([&] { F::interpolate(x, {.size = {0, 2}}); });
  got["err_size_len"] = error_text([&] { F::interpolate(x, {.size = {3}}); });
  got["err_scale_len"] = error_text([&] { F::interpolate(x, {.scale_factor = {3.0, 2.0, 1.0}}); });
  got["err_both"] = error_text([&] { F::interpolate(x, {.size = 3, .scale_factor = 2}); });
  got["err_neither"] = error_text([&] { F::interpolate(x); });
  got["err_align_nearest"] =
      error_text([&] { F::interpolate(x, {.size = 3, .align_corners = true}); });
  got["err_recompute_size"] =
      error_text([&] { F::interpolate(x, {.size = 3, .recompute_scale_factor = true}); });
  got["err_bilinear_3d"] = error_text([&] {
    F::interpolate(ones({1, 2, 3}), {.size = 3, .mode = "bilinear"});
  });
  got["err_bilinear_5d"] = error_text([&] {
    F::interpolate(ones({1, 2, 3, 4, 5}), {.size = 3, .mode = "bilinear"});
  });
  got["err_mode"] = error_text([&] { F::interpolate(x, {.size = 3, .mode = "foo"}); });
  got["err_rank"] = error_text([&] { F::interpolate(ones({2, 3}), {.size = 3}); });
  got["err_antialias"] = error_text([&] { F::interpolate(x, {.size = 3, .antialias = true}); });
  got["err_shuffle_channels"] = error_text([&] { F::pixel_shuffle(ones({1, 5, 3, 4}), 2); });
  got["err_shuffle_rank"] = error_text([&] { F::pixel_shuffle(ones({5, 3}), 2); });
  got["err_shuffle_factor"] = error_text([&] { F::pixel_shuffle(ones({1, 4, 3, 4}), 0); });
  got["err_unshuffle_height"] = error_text([&] { F::pixel_unshuffle(ones({1, 4, 3, 4}), 2); });
  got["err_unshuffle_width"] = error_text([&] { F::pixel_unshuffle(ones({1, 4, 4, 3}), 2); });
  got["err_unshuffle_rank"] = error_text([&] { F::pixel_unshuffle(ones({4, 3}), 2); });
  got["err_unshuffle_factor"] = error_text([&] { F::pixel_unshuffle(ones({1, 4, 4, 4}), -1); });
  ember::testing::expect_texts(file.metadata(), got);
}
