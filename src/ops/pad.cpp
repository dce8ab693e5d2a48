#include "ember/ops/pad.h"

#include <algorithm>
#include <vector>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"

namespace ember {

namespace {

// torch's constant_pad_nd: negative pads crop; with no positive pad the
// cropped input is cloned (keeping its layout, as clone does), otherwise a
// new tensor in the input's suggested memory format (channels_last stays
// channels_last) is filled with `value` and the cropped input copied in.
Tensor constant_pad_impl(const Tensor& input, IntArrayRef p, double value) {
  const int64_t d = input.dim(), nd = static_cast<int64_t>(p.size() / 2);
  DimVector shape(input.sizes());
  // torch's error for the i-th padded dim (from the last) being cut below 0.
  auto check_size = [&](int64_t i, bool ok) {
    const int64_t dim = d - 1 - i;
    EMBER_CHECK(ok, RuntimeError, "The input size ", input.size(dim), ", plus negative padding ",
                p[2 * i], " and ", p[2 * i + 1],
                " resulted in a negative output size, which is invalid. Check dimension ", dim,
                " of your input.");
  };
  Tensor c = input;
  bool any_positive = false;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t dim = d - 1 - i, l = p[2 * i], r = p[2 * i + 1], n = input.size(dim);
    shape[dim] = n + l + r;
    check_size(i, n + std::min<int64_t>(l, 0) + std::min<int64_t>(r, 0) >= 0);
    if (l < 0) c = c.narrow(dim, -l, c.size(dim) + l);
    if (r < 0) c = c.narrow(dim, 0, c.size(dim) + r);
    any_positive = any_positive || l > 0 || r > 0;
  }
  if (!any_positive) return c.clone();
  for (int64_t i = 0; i < nd; ++i) check_size(i, shape[d - 1 - i] > 0);  // empty only if unpadded
  Tensor out = empty(shape, {.dtype = input.dtype(),
                             .device = input.device(),
                             .memory_format = input.suggest_memory_format()});
  if (input.is_meta() || out.numel() == 0) return out;
  out.fill_(value);
  Tensor inner = out;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t dim = d - 1 - i;
    inner = inner.narrow(dim, std::max<int64_t>(p[2 * i], 0), c.size(dim));
  }
  inner.copy_(c);
  return out;
}

Tensor constant_pad(const Tensor& input, IntArrayRef p, double value) {
  if (!autograd::grad_needed(input)) return constant_pad_impl(input, p, value);
  Tensor out = autograd::untracked([&] { return constant_pad_impl(input, p, value); });
  // The gradient crops what was padded and pads (with zeros) what was cropped.
  DimVector neg;
  for (int64_t v : p) neg.push_back(-v);
  auto node = autograd::make_node(
      "ConstantPadNdBackward0",
      [neg](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        return autograd::variable_list{pad(g[0], neg)};
      },
      input);
  autograd::set_history(out, node);
  return out;
}

// Pads one dim by gathering positions of the input. reflect and replicate
// map each output position j to the input position j - l reflected or
// clamped into [0, n) of the whole input, as torch's kernels do (a negative
// pad crops, yet the other side may still reflect past the cropped part);
// circular crops first and wraps around what is left, as torch's
// _pad_circular does.
Tensor index_pad_dim(const Tensor& x, int64_t dim, int64_t l, int64_t r, const std::string& mode) {
  const int64_t n = x.size(dim);
  if (mode == "reflect")
    EMBER_CHECK(l < n && r < n, RuntimeError,
                "Argument #4: Padding size should be less than the corresponding input "
                "dimension, but got: padding (",
                l, ", ", r, ") at dimension ", dim, " of input ", x.sizes());
  if (mode == "replicate")
    EMBER_CHECK(n > 0 || (l <= 0 && r <= 0), RuntimeError,
                "input tensor must not be empty along the padded dimension");
  if (mode != "circular")
    EMBER_CHECK(n + l + r >= 1, RuntimeError, "input (size ", n, " at dimension ", dim,
                ") is too small. Calculated output size: ", n + l + r);
  Tensor y = x;
  int64_t m = n;
  if (mode == "circular") {
    // torch checks the pads against the whole dim, then wraps around the
    // cropped one (more than once where a pad is longer than it).
    EMBER_CHECK(l <= n && r <= n, RuntimeError,
                "Padding value causes wrapping around more than once.");
    EMBER_CHECK(n + std::min<int64_t>(l, 0) + std::min<int64_t>(r, 0) >= 0, RuntimeError,
                "Negative padding value is resulting in an empty dimension.");
    if (l < 0) y = y.narrow(dim, -l, y.size(dim) + l);
    if (r < 0) y = y.narrow(dim, 0, y.size(dim) + r);
    m = y.size(dim);
    l = std::max<int64_t>(l, 0);
    r = std::max<int64_t>(r, 0);
    EMBER_CHECK(m > 0 || l + r == 0, RuntimeError,
                "Padding value causes wrapping around an "
                "empty dimension (size ",
                n, " at dimension ", dim, " cropped to 0).");
  }
  std::vector<int64_t> idx;
  for (int64_t i = -l; i < m + r; ++i) {
    int64_t j = i;
    if (mode == "reflect") {
      if (j < 0) j = -j;
      if (j >= m) j = 2 * (m - 1) - j;
    } else if (mode == "replicate") {
      j = j < 0 ? 0 : j >= m ? m - 1 : j;
    } else {
      j = ((j % m) + m) % m;
    }
    idx.push_back(j);
  }
  return index_select(y, dim, from_vector(idx));
}

}  // namespace

Tensor pad(const Tensor& input, IntArrayRef p, const std::string& mode,
           std::optional<double> value) {
  EMBER_CHECK(p.size() % 2 == 0, RuntimeError, "Padding length must be divisible by 2");
  EMBER_CHECK(static_cast<int64_t>(p.size() / 2) <= input.dim(), RuntimeError,
              "Padding length too large");
  const int64_t nd = static_cast<int64_t>(p.size() / 2);
  if (mode == "constant") return constant_pad(input, p, value.value_or(0.0));
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
  bool padded = false;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t l = p[2 * i], r = p[2 * i + 1];
    if (l == 0 && r == 0) continue;
    y = index_pad_dim(y, d - 1 - i, l, r, mode);
    padded = true;
  }
  // torch's pad kernels write a new contiguous tensor.
  if (!padded) return input.clone(MemoryFormat::Contiguous);
  return y.is_contiguous() ? y : y.contiguous();
}

}  // namespace ember
