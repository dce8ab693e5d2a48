#include "ember/nn/modules/upsampling.h"

#include "nn/modules/py_format.h"

namespace ember::nn {

namespace {

// Upsample.__init__ keeps float(scale_factor) if scale_factor else None.
ScaleFactor kept_scale(const ScaleFactor& s) {
  if (s && s.scalar && s.v[0] == 0) return {};
  return s;
}

}  // namespace

Upsample::Upsample(const UpsampleOptions& o) : Upsample("Upsample", o) {}

Upsample::Upsample(const char* name, const UpsampleOptions& o)
    : Module(name),
      size(o.size),
      scale_factor(kept_scale(o.scale_factor)),
      mode(o.mode),
      align_corners(o.align_corners),
      recompute_scale_factor(o.recompute_scale_factor) {}

Tensor Upsample::forward(const Tensor& input) {
  return functional::interpolate(input, {.size = size,
                                         .scale_factor = scale_factor,
                                         .mode = mode,
                                         .align_corners = align_corners,
                                         .recompute_scale_factor = recompute_scale_factor});
}

std::string Upsample::extra_repr() const {
  std::string info;
  if (scale_factor) {
    const auto& v = scale_factor.v;
    if (scale_factor.scalar) {
      info = "scale_factor=" + detail::py_float(v[0]);
    } else {
      info = "scale_factor=(";
      for (size_t i = 0; i < v.size(); ++i) info += (i ? ", " : "") + detail::py_float(v[i]);
      info += v.size() == 1 ? ",)" : ")";
    }
  } else if (size) {
    const auto& v = size.v;
    if (size.scalar) {
      info = "size=" + std::to_string(v[0]);
    } else {
      info = "size=(";
      for (size_t i = 0; i < v.size(); ++i) info += (i ? ", " : "") + std::to_string(v[i]);
      info += v.size() == 1 ? ",)" : ")";
    }
  } else {
    info = "size=None";
  }
  return info + ", mode=" + mode;
}

UpsamplingNearest2d::UpsamplingNearest2d(InterpolateSize size, ScaleFactor scale_factor)
    : Upsample(
          "UpsamplingNearest2d",
          {.size = std::move(size), .scale_factor = std::move(scale_factor), .mode = "nearest"}) {}

UpsamplingBilinear2d::UpsamplingBilinear2d(InterpolateSize size, ScaleFactor scale_factor)
    : Upsample("UpsamplingBilinear2d", {.size = std::move(size),
                                        .scale_factor = std::move(scale_factor),
                                        .mode = "bilinear",
                                        .align_corners = true}) {}

}  // namespace ember::nn
