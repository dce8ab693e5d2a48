#pragma once
// torch.nn.PixelShuffle and PixelUnshuffle (torch/nn/modules/pixelshuffle.py).
#include <cstdint>
#include <string>

#include "ember/nn/module.h"

namespace ember::nn {

class PixelShuffle : public Module {
 public:
  explicit PixelShuffle(int64_t upscale_factor);
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;  // "upscale_factor=2"
  int64_t upscale_factor;
};

class PixelUnshuffle : public Module {
 public:
  explicit PixelUnshuffle(int64_t downscale_factor);
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;  // "downscale_factor=2"
  int64_t downscale_factor;
};

}  // namespace ember::nn
