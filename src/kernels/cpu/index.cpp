#include "kernels/cpu/index.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <type_traits>
#include <vector>

#include "kernels/cpu/tensor_iter.h"

namespace ember::kernels {

namespace {

template <typename I>
std::pair<int64_t, int64_t> min_max_loop(const TensorIter& it) {
  int64_t mn = std::numeric_limits<int64_t>::max(), mx = std::numeric_limits<int64_t>::min();
  std::mutex m;
  parallel_for_t(0, it.numel(), kGrainSize, [&](int64_t b, int64_t e) {
    I lmn = std::numeric_limits<I>::max(), lmx = std::numeric_limits<I>::min();
    it.serial_for_each(
        [&](char** d, const int64_t* s, int64_t n) {
          if (s[0] == sizeof(I)) {
            const I* p = reinterpret_cast<const I*>(d[0]);
            for (int64_t i = 0; i < n; ++i) {
              lmn = std::min(lmn, p[i]);
              lmx = std::max(lmx, p[i]);
            }
          } else {
            for (int64_t i = 0; i < n; ++i) {
              const I v = *reinterpret_cast<const I*>(d[0] + i * s[0]);
              lmn = std::min(lmn, v);
              lmx = std::max(lmx, v);
            }
          }
        },
        b, e);
    std::lock_guard<std::mutex> g(m);
    mn = std::min<int64_t>(mn, lmn);
    mx = std::max<int64_t>(mx, lmx);
  });
  return {mn, mx};
}

// The indexed ops only move bytes (except the adds), so they dispatch on width.
template <typename F>
void dispatch_width(size_t width, const F& f) {
  switch (width) {
    case 1:
      return f(uint8_t{});
    case 2:
      return f(uint16_t{});
    case 4:
      return f(uint32_t{});
    case 8:
      return f(uint64_t{});
  }
  throw RuntimeError("index kernel: unsupported element size");
}

template <typename F>
void dispatch_index(DType t, const F& f) {
  if (t == DType::Int64) return f(int64_t{});
  if (t == DType::Int32) return f(int32_t{});
  throw RuntimeError("index kernel: index must be int32 or int64");
}

// Work per outer position is K elements; keep chunks near kGrainSize elements.
int64_t walk_grain(int64_t K) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(K, 1)); }

DimVector walk_shape(const Tensor& t) { return DimVector(t.sizes()); }

// a + alpha * b in T with PyTorch's arithmetic: bool is logical or, integers
// wrap, reduced floats compute in float.
template <typename T>
struct AddOp {
  using A = std::conditional_t<std::is_floating_point_v<T>, T,
                               std::conditional_t<std::is_integral_v<T>, T, float>>;
  A alpha;
  explicit AddOp(const Scalar& a) : alpha(a.to<A>()) {}
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a || (b && alpha);
    } else if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(
          static_cast<U>(a) + static_cast<U>(static_cast<U>(b) * static_cast<U>(alpha))));
    } else if constexpr (std::is_floating_point_v<T>) {
      return a + b * alpha;
    } else {
      return T(static_cast<float>(a) + static_cast<float>(b) * alpha);
    }
  }
};

}  // namespace

std::pair<int64_t, int64_t> index_min_max(const Tensor& index) {
  TensorIter it(index.sizes(), {index});
  std::pair<int64_t, int64_t> r;
  dispatch_index(index.dtype(), [&](auto i) { r = min_max_loop<decltype(i)>(it); });
  return r;
}

void cat_contiguous_kernel(const Tensor& out, ArrayRef<Tensor> inputs, int64_t dim) {
  if (out.numel() == 0) return;
  const int64_t es = static_cast<int64_t>(out.element_size());
  int64_t outer = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= out.sizes()[d];
  // offs[i]: byte offset of input i inside one output row; rows[i]: its row bytes.
  std::vector<int64_t> offs(inputs.size() + 1, 0), rows(inputs.size());
  std::vector<const char*> src(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    rows[i] = inputs[i].numel() / outer * es;
    offs[i + 1] = offs[i] + rows[i];
    src[i] = rows[i] ? static_cast<const char*>(inputs[i].data_ptr()) : nullptr;
  }
  const int64_t row = offs.back();
  char* dst = static_cast<char*>(out.data_ptr());
  parallel_for_t(0, outer * row, int64_t{1} << 18, [&](int64_t b, int64_t e) {
    int64_t p = b;
    while (p < e) {
      const int64_t o = p / row, r = p % row;
      // last input starting at or before r (skips zero-width inputs)
      const size_t i =
          static_cast<size_t>(std::upper_bound(offs.begin(), offs.end(), r) - offs.begin()) - 1;
      const int64_t within = r - offs[i];
      const int64_t n = std::min(rows[i] - within, e - p);
      std::memcpy(dst + p, src[i] + o * rows[i] + within, static_cast<size_t>(n));
      p += n;
    }
  });
}

void gather_kernel(ArrayRef<Tensor> ops, const IndexWalk& w) {
  TensorIter it(walk_shape(ops[0]), ops);
  const int64_t K = w.K, sod = w.dim_strides[0], sid = w.dim_strides[1], scale = w.index_scale;
  dispatch_width(ops[0].element_size(), [&](auto tag) {
    using T = decltype(tag);
    const int64_t se = scale / static_cast<int64_t>(sizeof(T));  // index unit in elements
    dispatch_index(ops[1].dtype(), [&](auto itag) {
      using I = decltype(itag);
      it.for_each(
          [&](char** d, const int64_t* s, int64_t n) {
            char* out = d[0];
            const char* ix = d[1];
            const char* src = d[2];
            if (n == 1 || std::abs(sod) < std::abs(s[0])) {  // dim is the faster axis
              const bool dense = sod == sizeof(T) && sid == sizeof(I);
              for (int64_t i = 0; i < n; ++i) {
                char* oi = out + i * s[0];
                const char* xi = ix + i * s[1];
                const T* si = reinterpret_cast<const T*>(src + i * s[2]);
                if (dense) {
                  T* o = reinterpret_cast<T*>(oi);
                  const I* x = reinterpret_cast<const I*>(xi);
                  if (se == 1) {
                    for (int64_t k = 0; k < K; ++k) o[k] = si[x[k]];
                  } else {
                    for (int64_t k = 0; k < K; ++k) o[k] = si[static_cast<int64_t>(x[k]) * se];
                  }
                } else {
                  for (int64_t k = 0; k < K; ++k)
                    *reinterpret_cast<T*>(oi + k * sod) =
                        si[static_cast<int64_t>(*reinterpret_cast<const I*>(xi + k * sid)) * se];
                }
              }
              return;
            }
            for (int64_t k = 0; k < K; ++k) {
              char* ok = out + k * sod;
              const char* xk = ix + k * sid;
              if (s[1] == 0) {  // one index for the whole run (index_select): a row copy
                const char* sk =
                    src + static_cast<int64_t>(*reinterpret_cast<const I*>(xk)) * scale;
                if (s[0] == sizeof(T) && s[2] == sizeof(T)) {
                  std::memcpy(ok, sk, static_cast<size_t>(n) * sizeof(T));
                } else {
                  for (int64_t i = 0; i < n; ++i)
                    *reinterpret_cast<T*>(ok + i * s[0]) =
                        *reinterpret_cast<const T*>(sk + i * s[2]);
                }
              } else if (s[0] == sizeof(T) && s[1] == sizeof(I) && s[2] == sizeof(T)) {
                T* o = reinterpret_cast<T*>(ok);
                const I* x = reinterpret_cast<const I*>(xk);
                const T* sr = reinterpret_cast<const T*>(src);
                for (int64_t i = 0; i < n; ++i) o[i] = sr[i + static_cast<int64_t>(x[i]) * se];
              } else {
                for (int64_t i = 0; i < n; ++i)
                  *reinterpret_cast<T*>(ok + i * s[0]) = *reinterpret_cast<const T*>(
                      src + i * s[2] +
                      static_cast<int64_t>(*reinterpret_cast<const I*>(xk + i * s[1])) * scale);
              }
            }
          },
          walk_grain(K));
    });
  });
}

namespace {

// The shared loop of the scatters: for each (i, k), the element of self at
// index x and the source element k; op(self_element, k-source pointer).
// Dense runs get typed loops; the generic form uses byte strides.
template <typename T, typename I, bool has_src, typename Op>
void scatter_loop(const TensorIter& it, const IndexWalk& w, const Op& op) {
  const int64_t K = w.K, sid = w.dim_strides[1], ssd = w.dim_strides[2];
  const int64_t se = w.index_scale / static_cast<int64_t>(sizeof(T));
  it.for_each(
      [&](char** d, const int64_t* s, int64_t n) {
        const int64_t s2 = has_src ? s[2] : 0;
        const char* src = has_src ? d[2] : nullptr;
        // the sequential operand: the source when there is one, else the index
        const bool k_inner =
            n == 1 || (has_src ? std::abs(ssd) < std::abs(s2) : std::abs(sid) < std::abs(s[1]));
        if (k_inner) {
          const bool dense = sid == sizeof(I) && (!has_src || ssd == sizeof(T));
          for (int64_t i = 0; i < n; ++i) {
            T* self = reinterpret_cast<T*>(d[0] + i * s[0]);
            const char* xi = d[1] + i * s[1];
            const char* ri = has_src ? src + i * s2 : nullptr;
            if (dense) {
              const I* x = reinterpret_cast<const I*>(xi);
              const T* r = reinterpret_cast<const T*>(ri);
              for (int64_t k = 0; k < K; ++k)
                op(self[static_cast<int64_t>(x[k]) * se], has_src ? r + k : nullptr);
            } else {
              for (int64_t k = 0; k < K; ++k)
                op(self[static_cast<int64_t>(*reinterpret_cast<const I*>(xi + k * sid)) * se],
                   reinterpret_cast<const T*>(has_src ? ri + k * ssd : nullptr));
            }
          }
          return;
        }
        const bool dense = s[0] == sizeof(T) && s[1] == sizeof(I) && (!has_src || s2 == sizeof(T));
        for (int64_t k = 0; k < K; ++k) {
          const char* xk = d[1] + k * sid;
          const char* rk = has_src ? src + k * ssd : nullptr;
          if (s[1] == 0) {  // one index for the whole run (index_add): a row update
            T* self = reinterpret_cast<T*>(d[0]) +
                      static_cast<int64_t>(*reinterpret_cast<const I*>(xk)) * se;
            if (s[0] == sizeof(T) && (!has_src || s2 == sizeof(T))) {
              const T* r = reinterpret_cast<const T*>(rk);
              for (int64_t i = 0; i < n; ++i) op(self[i], has_src ? r + i : nullptr);
            } else {
              for (int64_t i = 0; i < n; ++i)
                op(*reinterpret_cast<T*>(reinterpret_cast<char*>(self) + i * s[0]),
                   reinterpret_cast<const T*>(has_src ? rk + i * s2 : nullptr));
            }
          } else if (dense) {
            T* self = reinterpret_cast<T*>(d[0]);
            const I* x = reinterpret_cast<const I*>(xk);
            const T* r = reinterpret_cast<const T*>(rk);
            for (int64_t i = 0; i < n; ++i)
              op(self[i + static_cast<int64_t>(x[i]) * se], has_src ? r + i : nullptr);
          } else {
            for (int64_t i = 0; i < n; ++i) {
              const int64_t x = *reinterpret_cast<const I*>(xk + i * s[1]);
              op(*reinterpret_cast<T*>(d[0] + i * s[0] + x * w.index_scale),
                 reinterpret_cast<const T*>(has_src ? rk + i * s2 : nullptr));
            }
          }
        }
      },
      walk_grain(K));
}

}  // namespace

void scatter_kernel(ArrayRef<Tensor> ops, const IndexWalk& w) {
  TensorIter it(walk_shape(ops[0]), ops);
  dispatch_width(ops[0].element_size(), [&](auto tag) {
    using T = decltype(tag);
    dispatch_index(ops[1].dtype(), [&](auto itag) {
      scatter_loop<T, decltype(itag), true>(it, w, [](T& o, const T* r) { o = *r; });
    });
  });
}

void scatter_fill_kernel(ArrayRef<Tensor> ops, const IndexWalk& w, const Scalar& value) {
  TensorIter it(walk_shape(ops[0]), ops);
  EMBER_DISPATCH_ALL(ops[0].dtype(), "scatter", [&] {
    const scalar_t v = value.to<scalar_t>();
    dispatch_index(ops[1].dtype(), [&](auto itag) {
      scatter_loop<scalar_t, decltype(itag), false>(it, w,
                                                    [v](scalar_t& o, const scalar_t*) { o = v; });
    });
  });
}

void scatter_add_kernel(ArrayRef<Tensor> ops, const IndexWalk& w, const Scalar& alpha) {
  TensorIter it(walk_shape(ops[0]), ops);
  EMBER_DISPATCH_ALL(ops[0].dtype(), "scatter_add", [&] {
    const AddOp<scalar_t> add(alpha);
    dispatch_index(ops[1].dtype(), [&](auto itag) {
      scatter_loop<scalar_t, decltype(itag), true>(
          it, w, [&add](scalar_t& o, const scalar_t* r) { o = add(o, *r); });
    });
  });
}

void one_hot_kernel(const Tensor& out, const Tensor& idx, int64_t num_classes) {
  int64_t* o = out.data_ptr<int64_t>();
  const int64_t* x = idx.data_ptr<int64_t>();
  parallel_for_t(0, idx.numel(), kGrainSize, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i * num_classes + x[i]] = 1;
  });
}

}  // namespace ember::kernels
