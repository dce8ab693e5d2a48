#pragma once
// torch.nn.functional's interpolate (upsample, upsample_nearest,
// upsample_bilinear), pixel_shuffle and pixel_unshuffle.
//
//   F::interpolate(x, {.scale_factor = 2.0, .mode = "bilinear", .align_corners = false});
//   F::interpolate(x, {.size = {16, 24}});
//
// Modes: "nearest" and "nearest-exact" (3-D, 4-D, 5-D input), "linear"
// (3-D), "bilinear" and "bicubic" (4-D), "trilinear" (5-D) and "area"
// (adaptive average pooling); antialias=True throws NotImplementedError. Argument checks, their
// order and messages follow torch 1.13's Python function (ValueError for bad size / scale_factor /
// align_corners combinations).
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "ember/ops/upsample.h"

namespace ember::nn::functional {

// An output size given as one integer (every spatial dim) or one per dim;
// default-constructed: None. (Not std::optional<ConvSize>: an optional cannot
// be list-initialised from {7, 3}.)
struct InterpolateSize {
  std::vector<int64_t> v;  // empty: None
  bool scalar = true;      // given as one integer
  InterpolateSize() = default;
  InterpolateSize(int64_t x) : v{x} {}  // NOLINT(google-explicit-constructor)
  InterpolateSize(int x) : v{x} {}      // NOLINT(google-explicit-constructor)
  InterpolateSize(std::initializer_list<int64_t> l) : v(l), scalar(false) {}
  InterpolateSize(IntArrayRef l)  // NOLINT(google-explicit-constructor)
      : v(l.begin(), l.end()), scalar(false) {}
  explicit operator bool() const { return !v.empty(); }
};

// A scale factor given as one number or one per spatial dim; default: None.
struct ScaleFactor {
  std::vector<double> v;  // empty: None
  bool scalar = true;     // given as one number
  ScaleFactor() = default;
  ScaleFactor(double x) : v{x} {}  // NOLINT(google-explicit-constructor)
  ScaleFactor(std::initializer_list<double> l) : v(l), scalar(false) {}
  explicit operator bool() const { return !v.empty(); }
};

struct InterpolateOptions {
  InterpolateSize size = {};
  ScaleFactor scale_factor = {};
  std::string mode = "nearest";
  std::optional<bool> align_corners = std::nullopt;
  std::optional<bool> recompute_scale_factor = std::nullopt;
  bool antialias = false;
};

Tensor interpolate(const Tensor& input, const InterpolateOptions& options = {});

// Deprecated in torch; the same as interpolate.
inline Tensor upsample(const Tensor& input, const InterpolateOptions& options = {}) {
  return interpolate(input, options);
}
// interpolate(..., mode='nearest').
inline Tensor upsample_nearest(const Tensor& input, InterpolateSize size = {},
                               ScaleFactor scale_factor = {}) {
  return interpolate(input, {.size = std::move(size), .scale_factor = std::move(scale_factor)});
}
// interpolate(..., mode='bilinear', align_corners=True).
inline Tensor upsample_bilinear(const Tensor& input, InterpolateSize size = {},
                                ScaleFactor scale_factor = {}) {
  return interpolate(input, {.size = std::move(size),
                             .scale_factor = std::move(scale_factor),
                             .mode = "bilinear",
                             .align_corners = true});
}

using ember::pixel_shuffle;
using ember::pixel_unshuffle;

}  // namespace ember::nn::functional
