#include "ember/ops/pad.h"

#include <algorithm>
#include <vector>

#include "ember/ops/factory.h"
#include "ember/ops/index.h"

namespace ember {

namespace {

// Pads (or, for negative amounts, crops) one dim with `value`.
Tensor constant_pad_dim(const Tensor& x, int64_t dim, int64_t l, int64_t r, double value) {
  Tensor y = x;
  if (l < 0) y = y.narrow(dim, -l, y.size(dim) + l);
  if (r < 0) y = y.narrow(dim, 0, y.size(dim) + r);
  if (l <= 0 && r <= 0) return y;
  std::vector<Tensor> parts;
  auto piece = [&](int64_t n) {
    DimVector s(y.sizes());
    s[dim] = n;
    return full(s, value, {.dtype = y.dtype(), .device = y.device()});
  };
  if (l > 0) parts.push_back(piece(l));
  parts.push_back(y);
  if (r > 0) parts.push_back(piece(r));
  return cat(parts, dim);
}

// Pads one dim by gathering positions of the input (reflect / replicate / circular).
Tensor index_pad_dim(const Tensor& x, int64_t dim, int64_t l, int64_t r, const std::string& mode) {
  const int64_t n = x.size(dim);
  if (mode == "reflect")
    EMBER_CHECK(l < n && r < n, RuntimeError,
                "Argument #4: Padding size should be less than the corresponding input "
                "dimension, but got: padding (",
                l, ", ", r, ") at dimension ", dim, " of input ", x.sizes());
  if (mode == "circular")
    EMBER_CHECK(l <= n && r <= n, RuntimeError,
                "Padding value causes wrapping around more than once.");
  if (mode == "replicate")
    EMBER_CHECK(n > 0 || (l <= 0 && r <= 0), RuntimeError,
                "input tensor must not be empty along the padded dimension");
  std::vector<int64_t> idx;
  for (int64_t i = -l; i < n + r; ++i) {
    int64_t j = i;
    if (mode == "reflect") {
      if (j < 0) j = -j;
      if (j >= n) j = 2 * (n - 1) - j;
    } else if (mode == "replicate") {
      j = j < 0 ? 0 : j >= n ? n - 1 : j;
    } else {
      j = ((j % n) + n) % n;
    }
    idx.push_back(j);
  }
  return index_select(x, dim, from_vector(idx));
}

}  // namespace

Tensor pad(const Tensor& input, IntArrayRef p, const std::string& mode,
           std::optional<double> value) {
  EMBER_CHECK(p.size() % 2 == 0, RuntimeError, "Padding length must be divisible by 2");
  EMBER_CHECK(static_cast<int64_t>(p.size() / 2) <= input.dim(), RuntimeError,
              "Padding length too large");
  const int64_t nd = static_cast<int64_t>(p.size() / 2);
  if (mode == "constant") {
    Tensor y = input;
    for (int64_t i = 0; i < nd; ++i)
      y = constant_pad_dim(y, input.dim() - 1 - i, p[2 * i], p[2 * i + 1], value.value_or(0.0));
    return nd == 0 ? input.clone() : y;
  }
  EMBER_CHECK(mode == "reflect" || mode == "replicate" || mode == "circular", NotImplementedError,
              "Unrecognised padding mode ", mode);
  EMBER_CHECK(!value || *value == 0.0, ValueError,  // torch: an AssertionError
              "Padding mode \"", mode, "\"\" doesn't take in value argument");
  const int64_t d = input.dim();
  EMBER_CHECK((nd == 1 && (d == 2 || d == 3)) || (nd == 2 && (d == 3 || d == 4)) ||
                  (nd == 3 && (d == 4 || d == 5)),
              NotImplementedError,
              "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  Tensor y = input;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t l = p[2 * i], r = p[2 * i + 1];
    if (l == 0 && r == 0) continue;
    if (l < 0 || r < 0) {  // negative: crop (replicate/circular in torch; reflect too)
      y = constant_pad_dim(y, d - 1 - i, std::min<int64_t>(l, 0), std::min<int64_t>(r, 0), 0);
      y = index_pad_dim(y, d - 1 - i, std::max<int64_t>(l, 0), std::max<int64_t>(r, 0), mode);
    } else {
      y = index_pad_dim(y, d - 1 - i, l, r, mode);
    }
  }
  return y;
}

}  // namespace ember
