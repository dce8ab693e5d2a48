#pragma once
// oneDNN reorders from a plain layout whose channel dim (dim 1) has unit
// stride (NHWC activations, OHWI weights: channels_last) into oneDNN's
// 16-channel blocked layouts (nChw16c; OIhw16i16o and OIhw16o16i), done here
// as 64-byte row copies and 16x16 transposes. oneDNN 2.6 runs these with its
// generic jit:uni reorder: OHWI -> OIhw16i16o of a 512x512x3x3 weight took
// 0.84 ms against 0.51 ms here, OIHW's (jit:blk) 0.52 ms; a channels_last
// training step paid that on every weight. The reverse direction stays with
// oneDNN (as fast as this code, or faster).
#include <oneapi/dnnl/dnnl.hpp>

namespace ember::kernels {

// Copies `from` (plain) into `to` (blocked) when the pair is one of those
// layouts (float32, 4-D, channels in whole blocks, no padding) and returns
// true; else returns false and touches nothing. `parallel`: over the thread
// pool, else on the calling thread.
bool channel_block_reorder(const dnnl::memory& from, const dnnl::memory& to, bool parallel = true);

}  // namespace ember::kernels
