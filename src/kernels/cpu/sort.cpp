#include "kernels/cpu/sort.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/parallel.h"
#include "kernels/cpu/convert.h"

namespace ember::kernels {

namespace {

// Walks the rows along `dim` of up to three same-rank tensors (sizes may differ
// only along dim): row r's element offsets, in elements, for each tensor.
class RowWalker {
 public:
  RowWalker(ArrayRef<Tensor> ts, int64_t dim) : nt_(static_cast<int>(ts.size())) {
    const Tensor& t0 = ts[0];
    for (int64_t d = 0; d < t0.dim(); ++d) {
      if (d == dim) continue;
      sizes_.push_back(t0.sizes()[d]);
      for (int t = 0; t < nt_; ++t) strides_[t].push_back(ts[t].strides()[d]);
    }
    rows_ = 1;
    for (auto s : sizes_) rows_ *= s;
  }
  int64_t rows() const { return rows_; }

  // f(offsets) for rows [b, e) in row-major order of the other dims.
  template <typename F>
  void for_rows(int64_t b, int64_t e, const F& f) const {
    const int64_t nd = static_cast<int64_t>(sizes_.size());
    DimVector idx(nd, 0);
    int64_t rem = b;
    for (int64_t d = nd - 1; d >= 0; --d) {
      idx[d] = rem % sizes_[d];
      rem /= sizes_[d];
    }
    int64_t off[3] = {0, 0, 0};
    for (int t = 0; t < nt_; ++t)
      for (int64_t d = 0; d < nd; ++d) off[t] += idx[d] * strides_[t][d];
    for (int64_t r = b; r < e; ++r) {
      f(off);
      for (int64_t d = nd - 1; d >= 0; --d) {  // increment with carry
        ++idx[d];
        for (int t = 0; t < nt_; ++t) off[t] += strides_[t][d];
        if (idx[d] < sizes_[d]) break;
        for (int t = 0; t < nt_; ++t) off[t] -= idx[d] * strides_[t][d];
        idx[d] = 0;
      }
    }
  }

 private:
  int nt_;
  DimVector sizes_;
  DimVector strides_[3];
  int64_t rows_ = 1;
};

// Sort keys: the reduced floats compare as float.
template <typename T>
using key_t = std::conditional_t<is_reduced_float_v<T>, float, T>;

template <typename K>
bool is_nan(K v) {
  if constexpr (std::is_floating_point_v<K>) {
    return v != v;
  } else {
    (void)v;
    return false;
  }
}

// "a before b" orders: NaN is the largest value; equal keys keep index order.
template <typename K>
struct Ascending {
  bool operator()(const std::pair<K, int64_t>& a, const std::pair<K, int64_t>& b) const {
    if constexpr (std::is_floating_point_v<K>) {
      const bool na = is_nan(a.first), nb = is_nan(b.first);
      if (na || nb) return na == nb ? a.second < b.second : nb;
    }
    return a.first < b.first || (a.first == b.first && a.second < b.second);
  }
};
template <typename K>
struct Descending {
  bool operator()(const std::pair<K, int64_t>& a, const std::pair<K, int64_t>& b) const {
    if constexpr (std::is_floating_point_v<K>) {
      const bool na = is_nan(a.first), nb = is_nan(b.first);
      if (na || nb) return na == nb ? a.second < b.second : na;
    }
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  }
};

int64_t row_grain(int64_t n) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)); }

// Element types of at most 32 bits sort as packed uint64 words (order-preserving
// key << 32 | index): one integer compare per step, and ties fall back to index
// order for free.
template <typename T>
inline constexpr bool packable_v = sizeof(key_t<T>) <= 4;

template <typename T>
uint32_t order_key(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v;
  } else if constexpr (is_reduced_float_v<T>) {
    return order_key(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, float>) {
    if (v != v) return 0xFFFFFFFFu;  // every NaN above +inf (0xFF800000)
    if (v == 0.0f) v = 0.0f;         // -0 and +0 tie, as PyTorch compares them
    uint32_t u;
    std::memcpy(&u, &v, sizeof(u));
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<uint32_t>(static_cast<int32_t>(v)) ^ 0x80000000u;
  } else {
    return static_cast<uint32_t>(v);
  }
}

// Fills buf with row's packed keys (inverted for descending order).
template <typename T>
void pack_row(std::vector<uint64_t>& buf, const T* row, int64_t si, int64_t n, bool descending) {
  const uint32_t flip = descending ? 0xFFFFFFFFu : 0u;
  for (int64_t j = 0; j < n; ++j)
    buf[j] =
        (static_cast<uint64_t>(order_key(row[j * si]) ^ flip) << 32) | static_cast<uint64_t>(j);
}

// Row geometry shared by sort and topk.
template <typename T>
struct Rows {
  int64_t n, si, sv, sx;
  const T* in;
  T* vout;
  int64_t* xout;
  RowWalker walk;
  Rows(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t dim)
      : n(self.sizes()[dim]),
        si(self.strides()[dim]),
        sv(values.strides()[dim]),
        sx(indices.strides()[dim]),
        in(self.data_ptr<T>()),
        vout(values.data_ptr<T>()),
        xout(indices.data_ptr<int64_t>()),
        walk({self, values, indices}, dim) {}
  // Writes the first m entries of an ordered index list (the values are read
  // back from the input, so they are the original elements).
  template <typename GetIndex>
  void write(const int64_t* off, int64_t m, const GetIndex& index_at) const {
    const T* row = in + off[0];
    T* vr = vout + off[1];
    int64_t* xr = xout + off[2];
    for (int64_t j = 0; j < m; ++j) {
      const int64_t i = index_at(j);
      vr[j * sv] = row[i * si];
      xr[j * sx] = i;
    }
  }
};

// Orders the first k of buf (all of it for a sort): a heap for small k
// (O(n log k)), else a selection then a sort of the k.
template <typename It, typename Cmp>
void order_prefix(It begin, It end, int64_t k, bool sorted, const Cmp& cmp) {
  const int64_t n = end - begin;
  if (k == n) {
    std::sort(begin, end, cmp);
  } else if (k * 64 <= n) {
    std::partial_sort(begin, begin + k, end, cmp);
  } else {
    std::nth_element(begin, begin + (k - 1), end, cmp);
    if (sorted) std::sort(begin, begin + (k - 1), cmp);
  }
}

// Sorts (k == n) or selects the top k of every row.
template <typename T>
void order_rows(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t dim,
                int64_t k, bool descending, bool sorted) {
  const Rows<T> r(self, values, indices, dim);
  const int64_t n = r.n;
  if constexpr (packable_v<T>) {
    if (n <= int64_t{0xFFFFFFFF}) {
      parallel_for_t(0, r.walk.rows(), row_grain(n), [&](int64_t b, int64_t e) {
        std::vector<uint64_t> buf(static_cast<size_t>(n));
        r.walk.for_rows(b, e, [&](const int64_t* off) {
          pack_row(buf, r.in + off[0], r.si, n, descending);
          order_prefix(buf.begin(), buf.end(), k, sorted, std::less<uint64_t>());
          r.write(off, k, [&](int64_t j) { return static_cast<int64_t>(buf[j] & 0xFFFFFFFFu); });
        });
      });
      return;
    }
  }
  using K = key_t<T>;
  parallel_for_t(0, r.walk.rows(), row_grain(n), [&](int64_t b, int64_t e) {
    std::vector<std::pair<K, int64_t>> buf(static_cast<size_t>(n));
    r.walk.for_rows(b, e, [&](const int64_t* off) {
      const T* row = r.in + off[0];
      for (int64_t j = 0; j < n; ++j) buf[j] = {static_cast<K>(row[j * r.si]), j};
      if (descending)
        order_prefix(buf.begin(), buf.end(), k, sorted, Descending<K>());
      else
        order_prefix(buf.begin(), buf.end(), k, sorted, Ascending<K>());
      r.write(off, k, [&](int64_t j) { return buf[j].second; });
    });
  });
}

}  // namespace

void sort_kernel(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t dim,
                 bool descending) {
  const int64_t n = self.sizes()[dim];
  EMBER_DISPATCH_ALL(self.dtype(), "sort", [&] {
    order_rows<scalar_t>(self, values, indices, dim, n, descending, true);
  });
}

void topk_kernel(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t k,
                 int64_t dim, bool largest, bool sorted) {
  EMBER_DISPATCH_NUMERIC(self.dtype(), "topk", [&] {
    order_rows<scalar_t>(self, values, indices, dim, k, largest, sorted);
  });
}

}  // namespace ember::kernels
