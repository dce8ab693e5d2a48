#include "kernels/cpu/sort.h"

#include <algorithm>
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

template <typename T, typename Order>
void sort_rows(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t dim) {
  using K = key_t<T>;
  const int64_t n = self.sizes()[dim];
  const int64_t si = self.strides()[dim], sv = values.strides()[dim], sx = indices.strides()[dim];
  const T* in = self.data_ptr<T>();
  T* vout = values.data_ptr<T>();
  int64_t* xout = indices.data_ptr<int64_t>();
  RowWalker walk({self, values, indices}, dim);
  parallel_for_t(0, walk.rows(), row_grain(n), [&](int64_t b, int64_t e) {
    std::vector<std::pair<K, int64_t>> buf(static_cast<size_t>(n));
    walk.for_rows(b, e, [&](const int64_t* off) {
      const T* row = in + off[0];
      for (int64_t j = 0; j < n; ++j) buf[j] = {static_cast<K>(row[j * si]), j};
      std::sort(buf.begin(), buf.end(), Order());
      T* vr = vout + off[1];
      int64_t* xr = xout + off[2];
      for (int64_t j = 0; j < n; ++j) {
        vr[j * sv] = static_cast<T>(buf[j].first);
        xr[j * sx] = buf[j].second;
      }
    });
  });
}

template <typename T, typename Order>
void topk_rows(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t k,
               int64_t dim, bool sorted) {
  using K = key_t<T>;
  const int64_t n = self.sizes()[dim];
  const int64_t si = self.strides()[dim], sv = values.strides()[dim], sx = indices.strides()[dim];
  const T* in = self.data_ptr<T>();
  T* vout = values.data_ptr<T>();
  int64_t* xout = indices.data_ptr<int64_t>();
  RowWalker walk({self, values, indices}, dim);
  parallel_for_t(0, walk.rows(), row_grain(n), [&](int64_t b, int64_t e) {
    std::vector<std::pair<K, int64_t>> buf(static_cast<size_t>(n));
    walk.for_rows(b, e, [&](const int64_t* off) {
      const T* row = in + off[0];
      for (int64_t j = 0; j < n; ++j) buf[j] = {static_cast<K>(row[j * si]), j};
      // Small k: a heap of k (O(n log k)); otherwise select then sort the k.
      if (k * 64 <= n) {
        std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), Order());
      } else {
        std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), Order());
        if (sorted) std::sort(buf.begin(), buf.begin() + (k - 1), Order());
      }
      T* vr = vout + off[1];
      int64_t* xr = xout + off[2];
      for (int64_t j = 0; j < k; ++j) {
        vr[j * sv] = static_cast<T>(buf[j].first);
        xr[j * sx] = buf[j].second;
      }
    });
  });
}

}  // namespace

void sort_kernel(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t dim,
                 bool descending) {
  EMBER_DISPATCH_ALL(self.dtype(), "sort", [&] {
    using K = key_t<scalar_t>;
    if (descending)
      sort_rows<scalar_t, Descending<K>>(self, values, indices, dim);
    else
      sort_rows<scalar_t, Ascending<K>>(self, values, indices, dim);
  });
}

void topk_kernel(const Tensor& self, const Tensor& values, const Tensor& indices, int64_t k,
                 int64_t dim, bool largest, bool sorted) {
  EMBER_DISPATCH_NUMERIC(self.dtype(), "topk", [&] {
    using K = key_t<scalar_t>;
    if (largest)
      topk_rows<scalar_t, Descending<K>>(self, values, indices, k, dim, sorted);
    else
      topk_rows<scalar_t, Ascending<K>>(self, values, indices, k, dim, sorted);
  });
}

}  // namespace ember::kernels
