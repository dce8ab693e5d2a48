#include "ember/core/memory_format.h"

#include <algorithm>
#include <numeric>

#include "ember/core/error.h"

namespace ember {

const char* memory_format_name(MemoryFormat f) {
  switch (f) {
    case MemoryFormat::Contiguous:
      return "torch.contiguous_format";
    case MemoryFormat::ChannelsLast:
      return "torch.channels_last";
    case MemoryFormat::ChannelsLast3d:
      return "torch.channels_last_3d";
    case MemoryFormat::Preserve:
      return "torch.preserve_format";
  }
  return "unknown";
}
std::ostream& operator<<(std::ostream& os, MemoryFormat f) { return os << memory_format_name(f); }

DimVector contiguous_strides(IntArrayRef sizes) {
  DimVector st(sizes.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<int64_t>(sizes[i], 1);
  }
  return st;
}

DimVector strides_for(IntArrayRef sizes, MemoryFormat fmt) {
  switch (fmt) {
    case MemoryFormat::Contiguous:
    case MemoryFormat::Preserve:
      return contiguous_strides(sizes);
    // Channels-last strides multiply the raw sizes (no clamping of 0 to 1), as PyTorch's
    // get_channels_last_strides_2d/3d: torch.empty(2, 0, 4, 5, memory_format=channels_last)
    // has strides (0, 1, 0, 0).
    case MemoryFormat::ChannelsLast: {
      EMBER_CHECK(sizes.size() == 4, RuntimeError,
                  "required rank 4 tensor to use channels_last format");
      DimVector st(4);
      st[1] = 1;
      st[3] = sizes[1];
      st[2] = st[3] * sizes[3];
      st[0] = st[2] * sizes[2];
      return st;
    }
    case MemoryFormat::ChannelsLast3d: {
      EMBER_CHECK(sizes.size() == 5, RuntimeError,
                  "required rank 5 tensor to use channels_last_3d format");
      DimVector st(5);
      st[1] = 1;
      st[4] = sizes[1];
      st[3] = st[4] * sizes[4];
      st[2] = st[3] * sizes[3];
      st[0] = st[2] * sizes[2];
      return st;
    }
  }
  return contiguous_strides(sizes);
}

bool compute_is_contiguous(IntArrayRef sizes, IntArrayRef strides) {
  int64_t expected = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    if (sizes[i] == 0) return true;
  }
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    if (sizes[i] != 1) {
      if (strides[i] != expected) return false;
      expected *= sizes[i];
    }
  }
  return true;
}

bool compute_is_channels_last(IntArrayRef sizes, IntArrayRef strides, bool three_d) {
  const size_t want = three_d ? 5 : 4;
  // No shortcut for empty tensors: PyTorch's channels-last contiguity only skips
  // size-1 dims (torch.empty(0, 3, 4, 5) is not channels_last contiguous).
  if (sizes.size() != want) return false;
  static const int order2d[] = {1, 3, 2, 0};
  static const int order3d[] = {1, 4, 3, 2, 0};
  const int* order = three_d ? order3d : order2d;
  int64_t expected = 1;
  for (size_t k = 0; k < want; ++k) {
    int d = order[k];
    if (sizes[d] != 1) {
      if (strides[d] != expected) return false;
      expected *= sizes[d];
    }
  }
  return true;
}

bool compute_is_non_overlapping_and_dense(IntArrayRef sizes, IntArrayRef strides) {
  const size_t n = sizes.size();
  if (n == 1) return sizes[0] < 2 || strides[0] == 1;
  SmallVector<int64_t, 6> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    const bool sa = sizes[a] < 2, sb = sizes[b] < 2;
    if (sa != sb) return sb;  // size<2 dims go last
    if (sa) return false;
    return strides[a] < strides[b];
  });
  int64_t require = 1;
  for (size_t i = 0; i < n; ++i) {
    const int64_t size = sizes[perm[i]];
    if (size < 2) return true;
    if (strides[perm[i]] != require) return false;
    require *= size;
  }
  return true;
}

}  // namespace ember
