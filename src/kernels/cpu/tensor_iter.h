#pragma once
// TensorIter: walks several same-shaped strided operands together. Dimensions
// are reordered so that dim 0 is the fastest-moving in memory for the first
// operand, then coalesced wherever every operand is contiguous across a pair of
// dims, so a contiguous, channels_last or transposed tensor all become one flat
// loop. The inner loop receives raw pointers and byte strides; parallelism is
// over the flattened index space with a grain size.
#include <algorithm>
#include <cstdint>

#include "ember/core/array_ref.h"
#include "ember/core/parallel.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/dim_order.h"

namespace ember::kernels {

inline constexpr int kMaxIterOperands = 8;

class TensorIter {
 public:
  // Operands must already have `shape` as their sizes (broadcast views are fine:
  // stride 0). Operand 0 decides the memory order.
  TensorIter(IntArrayRef shape, ArrayRef<Tensor> operands) {
    ntensors_ = static_cast<int>(operands.size());
    EMBER_CHECK(ntensors_ <= kMaxIterOperands, RuntimeError, "TensorIter: too many operands");
    const int64_t nd = static_cast<int64_t>(shape.size());
    numel_ = 1;
    for (auto s : shape) numel_ *= s;
    for (int t = 0; t < ntensors_; ++t) {
      const Tensor& op = operands[t];
      base_[t] = static_cast<char*>(op.numel() ? op.impl()->data() : op.impl()->data_unchecked());
      itemsize_[t] = static_cast<int64_t>(op.element_size());
    }
    const DimVector perm = fastest_first_order(
        shape, ntensors_, [&](int t, int64_t d) { return operands[t].strides()[d]; });
    shape_.clear();
    for (int t = 0; t < ntensors_; ++t) strides_[t].clear();
    for (int64_t i = 0; i < nd; ++i) {
      const int64_t d = perm[i];
      if (shape[d] == 1) continue;  // size-1 dims carry no iteration
      shape_.push_back(shape[d]);
      for (int t = 0; t < ntensors_; ++t)
        strides_[t].push_back(operands[t].strides()[d] * itemsize_[t]);
    }
    coalesce();
    if (shape_.empty()) {
      shape_.push_back(1);
      for (int t = 0; t < ntensors_; ++t) strides_[t].push_back(0);
    }
  }

  int ntensors() const { return ntensors_; }
  int64_t numel() const { return numel_; }
  int64_t ndim() const { return static_cast<int64_t>(shape_.size()); }
  IntArrayRef shape() const { return shape_; }
  IntArrayRef strides(int t) const { return strides_[t]; }
  char* data(int t) const { return base_[t]; }
  // Whether dim 0 of every operand is unit stride (a flat vectorisable loop).
  bool inner_contiguous(int t) const { return strides_[t][0] == itemsize_[t]; }

  // loop(char** data, const int64_t* inner_strides, int64_t n) over [begin, end)
  // of the flattened index space.
  template <typename Loop>
  void serial_for_each(const Loop& loop, int64_t begin, int64_t end) const {
    if (begin >= end) return;
    const int64_t nd = ndim();
    DimVector idx(static_cast<size_t>(nd), 0);
    int64_t rem = begin;
    for (int64_t d = 0; d < nd; ++d) {
      idx[d] = rem % shape_[d];
      rem /= shape_[d];
    }
    char* ptrs[kMaxIterOperands];
    int64_t inner[kMaxIterOperands];
    for (int t = 0; t < ntensors_; ++t) inner[t] = strides_[t][0];
    int64_t pos = begin;
    while (pos < end) {
      for (int t = 0; t < ntensors_; ++t) {
        char* p = base_[t];
        for (int64_t d = 0; d < nd; ++d) p += idx[d] * strides_[t][d];
        ptrs[t] = p;
      }
      const int64_t n = std::min(shape_[0] - idx[0], end - pos);
      loop(ptrs, inner, n);
      pos += n;
      idx[0] += n;
      for (int64_t d = 0; d < nd - 1 && idx[d] >= shape_[d]; ++d) {
        idx[d] = 0;
        ++idx[d + 1];
      }
    }
  }

  template <typename Loop>
  void for_each(const Loop& loop, int64_t grain = kGrainSize) const {
    if (numel_ == 0) return;
    parallel_for_t(0, numel_, grain, [&](int64_t b, int64_t e) { serial_for_each(loop, b, e); });
  }

 private:
  void coalesce() {
    const int64_t nd = static_cast<int64_t>(shape_.size());
    if (nd <= 1) return;
    int64_t prev = 0;
    for (int64_t d = 1; d < nd; ++d) {
      bool can = true;
      for (int t = 0; t < ntensors_ && can; ++t)
        can = strides_[t][prev] * shape_[prev] == strides_[t][d];
      if (can) {
        shape_[prev] *= shape_[d];
      } else {
        ++prev;
        if (prev != d) {
          shape_[prev] = shape_[d];
          for (int t = 0; t < ntensors_; ++t) strides_[t][prev] = strides_[t][d];
        }
      }
    }
    shape_.resize(prev + 1);
    for (int t = 0; t < ntensors_; ++t) strides_[t].resize(prev + 1);
  }

  int ntensors_ = 0;
  int64_t numel_ = 0;
  DimVector shape_;
  DimVector strides_[kMaxIterOperands];
  char* base_[kMaxIterOperands] = {};
  int64_t itemsize_[kMaxIterOperands] = {};
};

// Elementwise kernel: out = op(in...). Operand 0 is the output, of type out_t;
// inputs are of types In... . Contiguous and scalar (stride 0) inputs get
// tight loops the compiler vectorises.
template <typename out_t, typename... In, typename Op>
void cpu_kernel(const TensorIter& it, const Op& op, int64_t grain = kGrainSize) {
  constexpr int N = sizeof...(In);
  it.for_each(
      [&](char** data, const int64_t* strides, int64_t n) {
        // A local copy: stores through byte-sized outputs may alias anything, and
        // would otherwise force the captured values of `op` to be reloaded.
        const Op op_local = op;
        const Op& op = op_local;
        out_t* out = reinterpret_cast<out_t*>(data[0]);
        if constexpr (N == 0) {
          if (strides[0] == sizeof(out_t)) {
            for (int64_t i = 0; i < n; ++i) out[i] = op();
          } else {
            for (int64_t i = 0; i < n; ++i)
              *reinterpret_cast<out_t*>(data[0] + i * strides[0]) = op();
          }
        } else if constexpr (N == 1) {
          using A = std::tuple_element_t<0, std::tuple<In...>>;
          const A* a = reinterpret_cast<const A*>(data[1]);
          if (strides[0] == sizeof(out_t) && strides[1] == sizeof(A)) {
            for (int64_t i = 0; i < n; ++i) out[i] = op(a[i]);
          } else if (strides[0] == sizeof(out_t) && strides[1] == 0) {
            const out_t v = op(a[0]);
            for (int64_t i = 0; i < n; ++i) out[i] = v;
          } else {
            for (int64_t i = 0; i < n; ++i)
              *reinterpret_cast<out_t*>(data[0] + i * strides[0]) =
                  op(*reinterpret_cast<const A*>(data[1] + i * strides[1]));
          }
        } else if constexpr (N == 2) {
          using A = std::tuple_element_t<0, std::tuple<In...>>;
          using B = std::tuple_element_t<1, std::tuple<In...>>;
          const A* a = reinterpret_cast<const A*>(data[1]);
          const B* b = reinterpret_cast<const B*>(data[2]);
          if (strides[0] == sizeof(out_t)) {
            const bool ca = strides[1] == sizeof(A), cb = strides[2] == sizeof(B);
            if (ca && cb) {
              for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
              return;
            }
            if (ca && strides[2] == 0) {
              const B bv = b[0];
              for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], bv);
              return;
            }
            if (strides[1] == 0 && cb) {
              const A av = a[0];
              for (int64_t i = 0; i < n; ++i) out[i] = op(av, b[i]);
              return;
            }
          }
          for (int64_t i = 0; i < n; ++i)
            *reinterpret_cast<out_t*>(data[0] + i * strides[0]) =
                op(*reinterpret_cast<const A*>(data[1] + i * strides[1]),
                   *reinterpret_cast<const B*>(data[2] + i * strides[2]));
        } else {
          using Tup = std::tuple<In...>;
          [&]<size_t... I>(std::index_sequence<I...>) {
            for (int64_t i = 0; i < n; ++i)
              *reinterpret_cast<out_t*>(data[0] + i * strides[0]) =
                  op(*reinterpret_cast<const std::tuple_element_t<I, Tup>*>(data[I + 1] +
                                                                            i * strides[I + 1])...);
          }
          (std::make_index_sequence<N>{});
        }
      },
      grain);
}

}  // namespace ember::kernels
