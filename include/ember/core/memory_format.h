#pragma once
// Memory formats are stride orders over the same logical NCHW sizes.
#include <cstdint>
#include <ostream>

#include "ember/core/array_ref.h"

namespace ember {

enum class MemoryFormat : int8_t { Contiguous, ChannelsLast, ChannelsLast3d, Preserve };

inline constexpr MemoryFormat kContiguous = MemoryFormat::Contiguous;
inline constexpr MemoryFormat kChannelsLast = MemoryFormat::ChannelsLast;
inline constexpr MemoryFormat kChannelsLast3d = MemoryFormat::ChannelsLast3d;
inline constexpr MemoryFormat kPreserve = MemoryFormat::Preserve;

// "torch.channels_last"
const char* memory_format_name(MemoryFormat f);
std::ostream& operator<<(std::ostream& os, MemoryFormat f);

// Dense strides of `sizes` laid out in `fmt` (Contiguous, ChannelsLast for 4-D,
// ChannelsLast3d for 5-D). Throws RuntimeError for a format the rank does not allow.
DimVector strides_for(IntArrayRef sizes, MemoryFormat fmt);
DimVector contiguous_strides(IntArrayRef sizes);

// Layout predicates on raw sizes and strides, with PyTorch's rules (size-1 dims
// do not constrain their stride).
bool compute_is_contiguous(IntArrayRef sizes, IntArrayRef strides);
bool compute_is_channels_last(IntArrayRef sizes, IntArrayRef strides, bool three_d);
bool compute_is_non_overlapping_and_dense(IntArrayRef sizes, IntArrayRef strides);

}  // namespace ember
