#pragma once
// torch.nn.Upsample, UpsamplingNearest2d and UpsamplingBilinear2d
// (torch/nn/modules/upsampling.py), on nn::functional::interpolate.
//   auto up = nn::make<nn::Upsample>(nn::UpsampleOptions{.scale_factor = 2.0, .mode = "bilinear"});
// extra_repr as torch: "scale_factor=2.0, mode=bilinear" or "size=(3, 4), mode=nearest".
#include <optional>
#include <string>

#include "ember/nn/functional/vision.h"
#include "ember/nn/module.h"

namespace ember::nn {

using functional::InterpolateSize;
using functional::ScaleFactor;

struct UpsampleOptions {
  InterpolateSize size = {};
  ScaleFactor scale_factor = {};
  std::string mode = "nearest";
  std::optional<bool> align_corners = std::nullopt;
  std::optional<bool> recompute_scale_factor = std::nullopt;
};

class Upsample : public Module {
 public:
  explicit Upsample(const UpsampleOptions& options = {});
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  InterpolateSize size;
  ScaleFactor scale_factor;  // as torch: a zero scale factor is None
  std::string mode;
  std::optional<bool> align_corners, recompute_scale_factor;

 protected:
  Upsample(const char* name, const UpsampleOptions& options);
};

// Upsample(size, scale_factor, mode='nearest').
class UpsamplingNearest2d : public Upsample {
 public:
  explicit UpsamplingNearest2d(InterpolateSize size = {}, ScaleFactor scale_factor = {});
};

// Upsample(size, scale_factor, mode='bilinear', align_corners=True).
class UpsamplingBilinear2d : public Upsample {
 public:
  explicit UpsamplingBilinear2d(InterpolateSize size = {}, ScaleFactor scale_factor = {});
};

}  // namespace ember::nn
