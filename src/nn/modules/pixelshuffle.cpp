#include "ember/nn/modules/pixelshuffle.h"

#include "ember/ops/upsample.h"

namespace ember::nn {

PixelShuffle::PixelShuffle(int64_t r) : Module("PixelShuffle"), upscale_factor(r) {}
Tensor PixelShuffle::forward(const Tensor& input) { return pixel_shuffle(input, upscale_factor); }
std::string PixelShuffle::extra_repr() const {
  return "upscale_factor=" + std::to_string(upscale_factor);
}

PixelUnshuffle::PixelUnshuffle(int64_t r) : Module("PixelUnshuffle"), downscale_factor(r) {}
Tensor PixelUnshuffle::forward(const Tensor& input) {
  return pixel_unshuffle(input, downscale_factor);
}
std::string PixelUnshuffle::extra_repr() const {
  return "downscale_factor=" + std::to_string(downscale_factor);
}

}  // namespace ember::nn
