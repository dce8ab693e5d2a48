// F.interpolate as torch 1.13's Python function: the same checks in the same
// order, then the ATen op for the mode and rank.
#include "ember/nn/functional/vision.h"

#include <cmath>
#include <utility>

#include "ember/nn/functional/pooling.h"
#include "ember/ops/pool.h"
#include "nn/modules/py_format.h"

namespace ember::nn::functional {

namespace {

// Python's str() of a list of ints ("[3, 4]") and of a tuple ("(3,)", "(3, 4)").
std::string py_list(IntArrayRef v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string py_tuple(const std::vector<std::string>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + (v.size() == 1 ? ",)" : ")");
}

}  // namespace

Tensor interpolate(const Tensor& input, const InterpolateOptions& o) {
  const std::string& mode = o.mode;
  std::optional<bool> align_corners = o.align_corners;
  if (mode == "nearest" || mode == "area" || mode == "nearest-exact") {
    EMBER_CHECK(!align_corners, ValueError,
                "align_corners option can only be set with the interpolating modes: linear | "
                "bilinear | bicubic | trilinear");
  } else if (!align_corners) {
    align_corners = false;
  }
  const int64_t dim = input.dim() - 2;  // spatial dims
  const DimVector spatial(input.sizes().begin() + std::min<int64_t>(2, input.dim()),
                          input.sizes().end());
  std::optional<DimVector> output_size;
  std::optional<std::vector<double>> scales;
  EMBER_CHECK(!(o.size && o.scale_factor), ValueError,
              "only one of size or scale_factor should be defined");
  if (o.size) {
    if (!o.size.scalar) {
      std::vector<std::string> items;
      for (int64_t v : o.size.v) items.push_back(std::to_string(v));
      EMBER_CHECK(static_cast<int64_t>(o.size.v.size()) == dim, ValueError,
                  "Input and output must have the same number of spatial dimensions, but got "
                  "input with spatial dimensions of ",
                  py_list(spatial), " and output size of ", py_tuple(items),
                  ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                  "size in (o1, o2, ...,oK) format.");
      output_size = DimVector(IntArrayRef(o.size.v));
    } else {
      output_size = DimVector();
      for (int64_t i = 0; i < dim; ++i) output_size->push_back(o.size.v[0]);
    }
  } else if (o.scale_factor) {
    if (!o.scale_factor.scalar) {
      std::vector<std::string> items;
      for (double v : o.scale_factor.v) items.push_back(nn::detail::py_float(v));
      EMBER_CHECK(static_cast<int64_t>(o.scale_factor.v.size()) == dim, ValueError,
                  "Input and scale_factor must have the same number of spatial dimensions, but "
                  "got input with spatial dimensions of ",
                  py_list(spatial), " and scale_factor of shape ", py_tuple(items),
                  ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                  "scale_factor in (s1, s2, ...,sK) format.");
      scales = o.scale_factor.v;
    } else {
      scales = std::vector<double>(std::max<int64_t>(dim, 0), o.scale_factor.v[0]);
    }
  } else {
    throw ValueError("either size or scale_factor should be defined");
  }
  bool recompute = o.recompute_scale_factor.value_or(false);
  EMBER_CHECK(!(recompute && o.size), ValueError,
              "recompute_scale_factor is not meaningful with an explicit size.");
  if (mode == "area" && !output_size) recompute = true;
  if (recompute) {
    // As torch: the output size from the scale, then the scale is dropped.
    DimVector s;
    for (int64_t i = 0; i < dim; ++i)
      s.push_back(
          static_cast<int64_t>(std::floor(static_cast<double>(input.size(i + 2)) * (*scales)[i])));
    output_size = s;
    scales.reset();
  }
  EMBER_CHECK(!o.antialias || ((mode == "bilinear" || mode == "bicubic") && input.dim() == 4),
              ValueError, "Anti-alias option is only supported for bilinear and bicubic modes");
  // ATen's compute_output_size: the scale's product, truncated.
  if (!output_size) {
    DimVector s;
    for (int64_t i = 0; i < dim; ++i)
      s.push_back(static_cast<int64_t>(static_cast<double>(input.size(i + 2)) * (*scales)[i]));
    output_size = s;
  }
  auto scale = [&](int64_t i) -> std::optional<double> {
    return scales ? std::optional<double>((*scales)[i]) : std::nullopt;
  };
  const int64_t nd = input.dim();
  if (nd == 3 && mode == "nearest") return upsample_nearest1d(input, *output_size, scale(0));
  if (nd == 4 && mode == "nearest")
    return upsample_nearest2d(input, *output_size, scale(0), scale(1));
  if (nd == 5 && mode == "nearest")
    return upsample_nearest3d(input, *output_size, scale(0), scale(1), scale(2));
  if (nd == 3 && mode == "nearest-exact")
    return upsample_nearest_exact1d(input, *output_size, scale(0));
  if (nd == 4 && mode == "nearest-exact")
    return upsample_nearest_exact2d(input, *output_size, scale(0), scale(1));
  if (nd == 5 && mode == "nearest-exact")
    return upsample_nearest_exact3d(input, *output_size, scale(0), scale(1), scale(2));
  if (nd == 3 && mode == "area") return adaptive_avg_pool1d(input, (*output_size)[0]);
  if (nd == 4 && mode == "area") return adaptive_avg_pool2d(input, *output_size);
  if (nd == 5 && mode == "area") return adaptive_avg_pool3d(input, *output_size);
  if (nd == 3 && mode == "linear")
    return upsample_linear1d(input, *output_size, *align_corners, scale(0));
  if (nd == 4 && mode == "bilinear") {
    EMBER_CHECK(!o.antialias, NotImplementedError,
                "interpolate: antialias=True is not implemented in ember");
    return upsample_bilinear2d(input, *output_size, *align_corners, scale(0), scale(1));
  }
  if (nd == 5 && mode == "trilinear")
    return upsample_trilinear3d(input, *output_size, *align_corners, scale(0), scale(1), scale(2));
  if (nd == 4 && mode == "bicubic") {
    EMBER_CHECK(!o.antialias, NotImplementedError,
                "interpolate: antialias=True is not implemented in ember");
    return upsample_bicubic2d(input, *output_size, *align_corners, scale(0), scale(1));
  }
  const std::pair<const char*, int64_t> needs[] = {
      {"bilinear", 4}, {"trilinear", 5}, {"linear", 3}};
  for (const auto& [m, want] : needs)
    EMBER_CHECK(!(mode == m && nd >= 3 && nd <= 5 && nd != want), NotImplementedError, "Got ", nd,
                "D input, but ", m, " mode needs ", want, "D input");
  throw NotImplementedError(ember::detail::str_cat(
      "Input Error: Only 3D, 4D and 5D input Tensors supported (got ", nd,
      "D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
      "nearest-exact (got ",
      mode, ")"));
}

}  // namespace ember::nn::functional
