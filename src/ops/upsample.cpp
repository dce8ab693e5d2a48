// Upsampling and pixel shuffle ops: PyTorch's argument checks (UpSample.h's
// upsample_*_common_check, PixelShuffle.cpp), outputs in the input's memory
// format, autograd.
#include "ember/ops/upsample.h"

#include <string>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/upsample.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

bool low_precision(DType t) { return t == kFloat16 || t == kBFloat16; }

MemoryFormat upsample_format(const Tensor& input) {
  return input.dim() >= 4 ? kernels::torch_suggest_memory_format(input) : MemoryFormat::Contiguous;
}

// The checks of upsample_{1,2,3}d_common_check and the meta functions, for
// nd spatial dims.
void check_upsample(const Tensor& input, IntArrayRef output_size, int64_t nd) {
  EMBER_CHECK(static_cast<int64_t>(output_size.size()) == nd, RuntimeError,
              "It is expected output_size equals to ", nd, ", but got size ", output_size.size());
  EMBER_CHECK(input.dim() == nd + 2, RuntimeError, "It is expected input_size equals to ", nd + 2,
              ", but got size ", input.dim());
  bool positive = true;
  for (int64_t i = 0; i < nd; ++i)
    positive = positive && input.size(2 + i) > 0 && output_size[i] > 0;
  if (nd == 1) {
    EMBER_CHECK(positive, RuntimeError,
                "Input and output sizes should be greater than 0, but got input (W: ",
                input.size(2), ") and output (W: ", output_size[0], ")");
  } else if (nd == 2) {
    EMBER_CHECK(
        positive, RuntimeError,
        "Input and output sizes should be greater than 0, but got input (H: ", input.size(2),
        ", W: ", input.size(3), ") output (H: ", output_size[0], ", W: ", output_size[1], ")");
  } else {
    EMBER_CHECK(
        positive, RuntimeError,
        "Input and output sizes should be greater than 0, but got input (D: ", input.size(2),
        ", H: ", input.size(3), ", W: ", input.size(4), ") output (D: ", output_size[0],
        ", H: ", output_size[1], ", W: ", output_size[2], ")");
  }
  int64_t rest = 1;
  for (int64_t i = 1; i < input.dim(); ++i) rest *= input.size(i);
  EMBER_CHECK(input.numel() != 0 || rest != 0, RuntimeError, "Non-empty ", nd + 2,
              "D data tensor expected but got a tensor with sizes ", input.sizes());
  EMBER_CHECK(input.is_cpu() || input.is_meta(), NotImplementedError,
              "upsample: only CPU tensors are supported, got ", input.device());
}

void check_dtype(const Tensor& input, bool allow_byte, const char* name) {
  const DType t = input.dtype();
  EMBER_CHECK(is_floating_point(t) || (allow_byte && t == kUInt8), NotImplementedError, "\"", name,
              "\" not implemented for '", scalar_type_name(t), "'");
}

DimVector out_shape(const Tensor& input, IntArrayRef output_size) {
  DimVector s(input.sizes());
  for (size_t i = 0; i < output_size.size(); ++i) s[2 + i] = output_size[i];
  return s;
}

// A 5-D view (unit dims before the spatial ones) for the nearest kernels.
Tensor as5d(const Tensor& t) {
  Tensor r = t;
  while (r.dim() < 5) r = r.unsqueeze(2);
  return r;
}

struct Scales {
  std::optional<double> s[3];
};

// Nearest for nd spatial dims; scales aligned with the 5-D view.
Tensor nearest(const Tensor& input, IntArrayRef output_size, const Scales& sc, int64_t nd,
               const char* node_name, bool exact = false) {
  check_upsample(input, output_size, nd);
  check_dtype(input, true, "compute_indices_weights_nearest");
  const DimVector shape = out_shape(input, output_size);
  const MemoryFormat fmt = upsample_format(input);
  auto impl = [&] {
    Tensor out =
        empty(shape, {.dtype = input.dtype(), .device = input.device(), .memory_format = fmt});
    if (!input.is_meta()) kernels::upsample_nearest3d_kernel(as5d(out), as5d(input), sc.s, exact);
    return out;
  };
  if (!autograd::grad_needed(input)) return impl();
  Tensor out = autograd::untracked(impl);
  const DimVector in_shape(input.sizes());
  auto node = autograd::make_node(
      node_name,
      [in_shape, fmt, sc, exact](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        Tensor gi = empty(in_shape, {.dtype = g[0].dtype(), .memory_format = fmt});
        const bool low = low_precision(g[0].dtype());
        const Tensor gi32 = low ? empty_like(gi, {.dtype = kFloat32}) : gi;
        const Tensor go = (low ? g[0].to(kFloat32) : g[0]).contiguous(fmt);
        kernels::upsample_nearest3d_backward_kernel(as5d(gi32), as5d(go), sc.s, exact);
        if (low) gi.copy_(gi32);
        return autograd::variable_list{gi};
      },
      input);
  autograd::set_history(out, node);
  return out;
}

}  // namespace

Tensor upsample_nearest1d(const Tensor& input, IntArrayRef output_size,
                          std::optional<double> scales) {
  return nearest(input, output_size, Scales{{std::nullopt, std::nullopt, scales}}, 1,
                 "UpsampleNearest1DBackward1");
}

Tensor upsample_nearest2d(const Tensor& input, IntArrayRef output_size,
                          std::optional<double> scales_h, std::optional<double> scales_w) {
  return nearest(input, output_size, Scales{{std::nullopt, scales_h, scales_w}}, 2,
                 "UpsampleNearest2DBackward1");
}

Tensor upsample_nearest3d(const Tensor& input, IntArrayRef output_size,
                          std::optional<double> scales_d, std::optional<double> scales_h,
                          std::optional<double> scales_w) {
  return nearest(input, output_size, Scales{{scales_d, scales_h, scales_w}}, 3,
                 "UpsampleNearest3DBackward1");
}

namespace {

// Linear (nd = 1, on a unit-height 4-D view), bilinear (2) or trilinear (3);
// bicubic (nd = 2, cubic).
Tensor linear(const Tensor& input, IntArrayRef output_size, bool align_corners, const Scales& sc,
              int64_t nd, const char* node_name, bool cubic = false) {
  check_upsample(input, output_size, nd);
  check_dtype(input, false, "compute_indices_weights_linear");
  const DimVector shape = out_shape(input, output_size);
  // PyTorch 1.13's bicubic returns a contiguous output for any input layout.
  const MemoryFormat fmt = cubic ? MemoryFormat::Contiguous : upsample_format(input);
  auto as4d = [nd](const Tensor& t) { return nd == 1 ? t.unsqueeze(2) : t; };
  auto impl = [&] {
    Tensor out =
        empty(shape, {.dtype = input.dtype(), .device = input.device(), .memory_format = fmt});
    if (input.is_meta()) return out;
    const bool low = low_precision(input.dtype());
    const Tensor x = low ? input.to(kFloat32) : input;
    const Tensor y = low ? empty_like(out, {.dtype = kFloat32}) : out;
    if (nd == 3)
      kernels::upsample_trilinear3d_kernel(y, x, align_corners, sc.s);
    else if (cubic)
      kernels::upsample_bicubic2d_kernel(y, x, align_corners, sc.s);
    else
      kernels::upsample_bilinear2d_kernel(as4d(y), as4d(x), align_corners, sc.s);
    if (low) out.copy_(y);
    return out;
  };
  if (!autograd::grad_needed(input)) return impl();
  Tensor out = autograd::untracked(impl);
  const DimVector in_shape(input.sizes());
  auto node = autograd::make_node(
      node_name,
      [in_shape, fmt, sc, align_corners, as4d, nd, cubic](autograd::FormulaNodeBase&,
                                                          autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        Tensor gi = empty(in_shape, {.dtype = g[0].dtype(), .memory_format = fmt});
        const bool low = low_precision(g[0].dtype());
        const Tensor gi32 = low ? empty_like(gi, {.dtype = kFloat32}) : gi;
        const Tensor go = (low ? g[0].to(kFloat32) : g[0]).contiguous(fmt);
        if (nd == 3)
          kernels::upsample_trilinear3d_backward_kernel(gi32, go, align_corners, sc.s);
        else if (cubic)
          kernels::upsample_bicubic2d_backward_kernel(gi32, go, align_corners, sc.s);
        else
          kernels::upsample_bilinear2d_backward_kernel(as4d(gi32), as4d(go), align_corners, sc.s);
        if (low) gi.copy_(gi32);
        return autograd::variable_list{gi};
      },
      input);
  autograd::set_history(out, node);
  return out;
}

}  // namespace

Tensor upsample_nearest_exact1d(const Tensor& input, IntArrayRef output_size,
                                std::optional<double> scales) {
  return nearest(input, output_size, Scales{{std::nullopt, std::nullopt, scales}}, 1,
                 "UpsampleNearestExact1DBackward1", true);
}

Tensor upsample_nearest_exact2d(const Tensor& input, IntArrayRef output_size,
                                std::optional<double> scales_h, std::optional<double> scales_w) {
  return nearest(input, output_size, Scales{{std::nullopt, scales_h, scales_w}}, 2,
                 "UpsampleNearestExact2DBackward1", true);
}

Tensor upsample_nearest_exact3d(const Tensor& input, IntArrayRef output_size,
                                std::optional<double> scales_d, std::optional<double> scales_h,
                                std::optional<double> scales_w) {
  return nearest(input, output_size, Scales{{scales_d, scales_h, scales_w}}, 3,
                 "UpsampleNearestExact3DBackward1", true);
}

Tensor upsample_linear1d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales) {
  // The kernel's H dim is the unit one (identity weights), W the real one.
  return linear(input, output_size, align_corners, Scales{{std::nullopt, scales, std::nullopt}}, 1,
                "UpsampleLinear1DBackward1");
}

Tensor upsample_trilinear3d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                            std::optional<double> scales_d, std::optional<double> scales_h,
                            std::optional<double> scales_w) {
  return linear(input, output_size, align_corners, Scales{{scales_d, scales_h, scales_w}}, 3,
                "UpsampleTrilinear3DBackward1");
}

Tensor upsample_bicubic2d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                          std::optional<double> scales_h, std::optional<double> scales_w) {
  return linear(input, output_size, align_corners, Scales{{scales_h, scales_w, std::nullopt}}, 2,
                "UpsampleBicubic2DBackward1", true);
}

Tensor upsample_bilinear2d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h, std::optional<double> scales_w) {
  return linear(input, output_size, align_corners, Scales{{scales_h, scales_w, std::nullopt}}, 2,
                "UpsampleBilinear2DBackward1");
}

// ---- pixel shuffle

namespace {

// out[..., c, h * r + i, w * r + j] = in[..., (c * r + i) * r + j, h, w] when
// `up`, the reverse otherwise: one strided copy between two 6-D (+ batch)
// views, into an output allocated in the input's memory format.
Tensor shuffle_impl(const Tensor& input, int64_t r, bool up) {
  const int64_t nd = input.dim();
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  DimVector shape(input.sizes());
  if (up) {
    shape[nd - 3] = c / (r * r);
    shape[nd - 2] = h * r;
    shape[nd - 1] = w * r;
  } else {
    shape[nd - 3] = c * r * r;
    shape[nd - 2] = h / r;
    shape[nd - 1] = w / r;
  }
  const MemoryFormat fmt =
      nd == 4 ? kernels::torch_suggest_memory_format(input) : MemoryFormat::Contiguous;
  Tensor out =
      empty(shape, {.dtype = input.dtype(), .device = input.device(), .memory_format = fmt});
  if (input.is_meta() || out.numel() == 0) return out;
  // The big side (C * r * r channels) split as (C, r, r); the small-channel
  // side's H and W split as (H, r) and (W, r).
  const Tensor& big = up ? input : out;
  const Tensor& small = up ? out : input;
  const int64_t sc = small.size(-3), sh = small.size(-2) / r, sw = small.size(-1) / r;
  DimVector bs(big.sizes().begin(), big.sizes().end() - 3),
      bst(big.strides().begin(), big.strides().end() - 3);
  DimVector ss = bs, sst(small.strides().begin(), small.strides().end() - 3);
  const int64_t b1 = big.stride(-3), b2 = big.stride(-2), b3 = big.stride(-1);
  const int64_t s1 = small.stride(-3), s2 = small.stride(-2), s3 = small.stride(-1);
  // Both as (..., C, H, r, W, r).
  for (int64_t v : {sc, sh, r, sw, r}) {
    bs.push_back(v);
    ss.push_back(v);
  }
  for (int64_t v : {b1 * r * r, b2, b1 * r, b3, b1}) bst.push_back(v);
  for (int64_t v : {s1, s2 * r, s2, s3 * r, s3}) sst.push_back(v);
  Tensor bv = big.as_strided(bs, bst, big.storage_offset());
  Tensor sv = small.as_strided(ss, sst, small.storage_offset());
  if (up)
    sv.copy_(bv);
  else
    bv.copy_(sv);
  return out;
}

Tensor shuffle(const Tensor& input, int64_t r, bool up) {
  if (!autograd::grad_needed(input)) return shuffle_impl(input, r, up);
  Tensor out = autograd::untracked([&] { return shuffle_impl(input, r, up); });
  auto node = autograd::make_node(
      up ? "PixelShuffleBackward0" : "PixelUnshuffleBackward0",
      [r, up](autograd::FormulaNodeBase&, autograd::variable_list& g) {
        if (!g[0].defined()) return autograd::variable_list{Tensor()};
        return autograd::variable_list{up ? pixel_unshuffle(g[0], r) : pixel_shuffle(g[0], r)};
      },
      input);
  autograd::set_history(out, node);
  return out;
}

}  // namespace

Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor) {
  EMBER_CHECK(input.dim() >= 3, RuntimeError,
              "pixel_shuffle expects input to have at least 3 dimensions, but got input with ",
              input.dim(), " dimension(s)");
  EMBER_CHECK(upscale_factor > 0, RuntimeError,
              "pixel_shuffle expects a positive upscale_factor, but got ", upscale_factor);
  const int64_t c = input.size(-3), sq = upscale_factor * upscale_factor;
  EMBER_CHECK(c % sq == 0, RuntimeError,
              "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
              "of upscale_factor, but input.size(-3)=",
              c, " is not divisible by ", sq);
  return shuffle(input, upscale_factor, true);
}

Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor) {
  EMBER_CHECK(input.dim() >= 3, RuntimeError,
              "pixel_unshuffle expects input to have at least 3 dimensions, but got input with ",
              input.dim(), " dimension(s)");
  EMBER_CHECK(downscale_factor > 0, RuntimeError,
              "pixel_unshuffle expects a positive downscale_factor, but got ", downscale_factor);
  const int64_t h = input.size(-2), w = input.size(-1);
  EMBER_CHECK(h % downscale_factor == 0, RuntimeError,
              "pixel_unshuffle expects height to be divisible by downscale_factor, but "
              "input.size(-2)=",
              h, " is not divisible by ", downscale_factor);
  EMBER_CHECK(w % downscale_factor == 0, RuntimeError,
              "pixel_unshuffle expects width to be divisible by downscale_factor, but "
              "input.size(-1)=",
              w, " is not divisible by ", downscale_factor);
  return shuffle(input, downscale_factor, false);
}

}  // namespace ember
