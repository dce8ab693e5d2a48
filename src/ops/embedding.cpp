// embedding, embedding_renorm_, embedding_bag: argument checks with PyTorch's
// messages, the CPU loops and the backward nodes (EmbeddingBackward0,
// EmbeddingBagBackward0).
//
// The lookup copies whole rows (dtype-agnostic: rows move as 1/2/4/8-byte
// words). Gradients are accumulated by row ownership: each thread scans all
// indices and adds only into the rows of its own range of the weight, so no
// two threads write the same row and the sum order per row is the index order
// (deterministic). float16/bfloat16 gradients are accumulated in float32.
#include "ember/ops/embedding.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "autograd/record.h"
#include "ember/core/parallel.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/index.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

using autograd::FormulaNodeBase;
using autograd::variable_list;

// checkScalarTypes(..., {kLong, kInt}).
void check_index_dtype(const Tensor& t, const char* arg, const char* fn, const Device& dev) {
  EMBER_CHECK(
      t.dtype() == kInt64 || t.dtype() == kInt32, RuntimeError, "Expected tensor for argument ",
      arg, " to have one of the following scalar types: Long, Int; but got ",
      ops::legacy_type_name(t.dtype(), dev), " instead (while checking arguments for ", fn, ")");
}

// The indices as a contiguous int64 vector (read once; any strides, int32 or int64).
std::vector<int64_t> to_vector(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  if (v.empty()) return v;
  const Tensor c = t.to(kInt64).contiguous();
  std::memcpy(v.data(), c.data_ptr(), v.size() * sizeof(int64_t));
  return v;
}

// ---- forward gather: out[i, :] = weight[idx[i], :]

template <typename E, typename I>
void gather_rows(E* out, const E* w, int64_t s0, int64_t s1, const I* idx, int64_t n, int64_t D) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(D, 1));
  parallel_for_t(0, n, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const E* src = w + static_cast<int64_t>(idx[i]) * s0;
      E* dst = out + i * D;
      if (s1 == 1) {
        std::memcpy(dst, src, static_cast<size_t>(D) * sizeof(E));
      } else {
        for (int64_t d = 0; d < D; ++d) dst[d] = src[d * s1];
      }
    }
  });
}

template <typename I>
void gather_rows_es(const Tensor& out, const Tensor& w, const I* idx, int64_t n) {
  const int64_t D = w.size(1), s0 = w.stride(0), s1 = w.stride(1);
  switch (w.element_size()) {
    case 1:
      return gather_rows(static_cast<uint8_t*>(out.data_ptr()),
                         static_cast<const uint8_t*>(w.data_ptr()), s0, s1, idx, n, D);
    case 2:
      return gather_rows(static_cast<uint16_t*>(out.data_ptr()),
                         static_cast<const uint16_t*>(w.data_ptr()), s0, s1, idx, n, D);
    case 4:
      return gather_rows(static_cast<uint32_t*>(out.data_ptr()),
                         static_cast<const uint32_t*>(w.data_ptr()), s0, s1, idx, n, D);
    default:
      return gather_rows(static_cast<uint64_t*>(out.data_ptr()),
                         static_cast<const uint64_t*>(w.data_ptr()), s0, s1, idx, n, D);
  }
}

void check_embedding_args(const Tensor& weight, const Tensor& indices, bool sparse) {
  ops::check_same_device("embedding()", {weight, indices});
  EMBER_CHECK(weight.dim() == 2, RuntimeError, "'weight' must be 2-D");
  check_index_dtype(indices, "#1 'indices'", "embedding", indices.device());
  EMBER_CHECK(!sparse, NotImplementedError,
              "embedding(): sparse=True (sparse gradients) is not supported by ember; use "
              "sparse=False");
}

Tensor embedding_impl(const Tensor& weight, const Tensor& indices) {
  DimVector shape(indices.sizes());
  shape.push_back(weight.size(1));
  Tensor out = empty(shape, {.dtype = weight.dtype(), .device = weight.device()});
  if (ops::any_meta({weight, indices})) return out;
  const int64_t n = indices.numel();
  if (n > 0) {
    const auto [mn, mx] = kernels::index_min_max(indices);
    EMBER_CHECK(mn >= 0 && mx < weight.size(0), IndexError, "index out of range in self");
  }
  if (out.numel() == 0) return out;
  const Tensor idx = indices.contiguous();
  if (idx.dtype() == kInt64)
    gather_rows_es(out, weight, idx.data_ptr<int64_t>(), n);
  else
    gather_rows_es(out, weight, idx.data_ptr<int32_t>(), n);
  return out;
}

// ---- backward: gw[idx[i], :] += scale[i] * g[bag[i], :]

// Rows are owned by threads (see the file comment). bag == nullptr: entry i
// reads row i of g (bag[i] < 0: in no bag); scale == nullptr: 1.
template <typename T>
void accumulate_rows(T* gw, int64_t V, int64_t D, const int64_t* idx, int64_t n, const T* g,
                     const int64_t* bag, const T* scale, int64_t padding_idx) {
  parallel_for_t(0, V, n * D > kGrainSize ? 1 : V, [&](int64_t lo, int64_t hi) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = idx[i];
      if (r < lo || r >= hi || r == padding_idx || (bag && bag[i] < 0)) continue;
      const T* src = g + (bag ? bag[i] : i) * D;
      T* dst = gw + r * D;
      if (scale) {
        const T s = scale[i];
        for (int64_t d = 0; d < D; ++d) dst[d] += s * src[d];
      } else {
        for (int64_t d = 0; d < D; ++d) dst[d] += src[d];
      }
    }
  });
}

// How often each row occurs in idx (scale_grad_by_freq).
std::vector<int64_t> row_counts(const std::vector<int64_t>& idx, int64_t V) {
  std::vector<int64_t> counts(static_cast<size_t>(V), 0);
  for (int64_t r : idx) ++counts[static_cast<size_t>(r)];
  return counts;
}

// The gradient's compute dtype: float64 stays, everything else in float32.
DType acc_dtype(DType t) { return t == kFloat64 ? kFloat64 : kFloat32; }

// dense_backward with differentiable ops (index_select, mul, index_add), for
// a backward that is itself recorded (create_graph: double backward).
Tensor dense_backward_recorded(const Tensor& grad, const std::vector<int64_t>& idx,
                               const std::vector<int64_t>& bag, std::vector<double> scale,
                               int64_t V, int64_t D, int64_t padding_idx, bool scale_grad_by_freq) {
  const size_t n = idx.size();
  if (scale.empty()) scale.assign(n, 1.0);
  std::vector<int64_t> counts;
  if (scale_grad_by_freq) counts = row_counts(idx, V);
  std::vector<int64_t> src_row(n);
  for (size_t i = 0; i < n; ++i) {
    src_row[i] = bag.empty() ? static_cast<int64_t>(i) : std::max<int64_t>(bag[i], 0);
    if (idx[i] == padding_idx || (!bag.empty() && bag[i] < 0)) scale[i] = 0;
    if (scale_grad_by_freq) scale[i] /= static_cast<double>(counts[static_cast<size_t>(idx[i])]);
  }
  const auto N = static_cast<int64_t>(n);
  // bag empty: entry i reads row i, unless there are no entries (an
  // embedding_bag of no indices, whose grad still has a row per bag)
  Tensor src = bag.empty() && N > 0 ? grad : grad.index_select(0, from_vector(src_row));
  src = src * from_vector(scale, {N, 1}).to(grad.dtype());
  return zeros({V, D}, grad.options()).index_add(0, from_vector(idx), src);
}

// Rows of grad accumulated into a [V, D] gradient of grad's dtype: entry i
// adds scale[i] (empty: 1) times row bag[i] of grad (bag empty: row i; -1: no
// row) into row idx[i], except into padding_idx; scale_grad_by_freq divides
// by the occurrences of idx[i]. Recorded when grad needs a graph.
Tensor dense_backward(const Tensor& grad, const std::vector<int64_t>& idx,
                      const std::vector<int64_t>& bag, std::vector<double> scale, int64_t V,
                      int64_t D, int64_t padding_idx, bool scale_grad_by_freq) {
  if (autograd::grad_needed(grad))
    return dense_backward_recorded(grad, idx, bag, std::move(scale), V, D, padding_idx,
                                   scale_grad_by_freq);
  const DType out_dtype = grad.dtype();
  const DType acc = acc_dtype(out_dtype);
  const Tensor g = grad.to(acc).contiguous();
  Tensor gw = zeros({V, D}, {.dtype = acc, .device = grad.device()});
  const int64_t n = static_cast<int64_t>(idx.size());
  if (scale_grad_by_freq) {
    const auto counts = row_counts(idx, V);
    if (scale.empty()) scale.assign(idx.size(), 1.0);
    for (size_t i = 0; i < idx.size(); ++i)
      scale[i] /= static_cast<double>(counts[static_cast<size_t>(idx[i])]);
  }
  if (n > 0 && D > 0) {
    const int64_t* b = bag.empty() ? nullptr : bag.data();
    if (acc == kFloat64) {
      accumulate_rows(gw.data_ptr<double>(), V, D, idx.data(), n, g.data_ptr<double>(), b,
                      scale.empty() ? nullptr : scale.data(), padding_idx);
    } else {
      std::vector<float> s(scale.begin(), scale.end());
      accumulate_rows(gw.data_ptr<float>(), V, D, idx.data(), n, g.data_ptr<float>(), b,
                      s.empty() ? nullptr : s.data(), padding_idx);
    }
  }
  return out_dtype == acc ? gw : gw.to(out_dtype);
}

// ---- embedding_renorm_

template <typename T>
double row_norm(const T* row, int64_t D, int64_t s1, double p) {
  double acc = 0;
  if (std::isinf(p)) {
    acc = p > 0 ? 0 : std::numeric_limits<double>::infinity();
    for (int64_t d = 0; d < D; ++d) {
      const double a = std::abs(static_cast<double>(static_cast<opmath_t<T>>(row[d * s1])));
      acc = p > 0 ? std::max(acc, a) : std::min(acc, a);
    }
    return acc;
  }
  for (int64_t d = 0; d < D; ++d) {
    const double a = std::abs(static_cast<double>(static_cast<opmath_t<T>>(row[d * s1])));
    if (p == 0)
      acc += a != 0;
    else if (p == 1)
      acc += a;
    else if (p == 2)
      acc += a * a;
    else
      acc += std::pow(a, p);
  }
  if (p == 0 || p == 1) return acc;
  return p == 2 ? std::sqrt(acc) : std::pow(acc, 1 / p);
}

// ---- embedding_bag

struct Bags {
  std::vector<int64_t> idx;     // the indices (int64)
  std::vector<int64_t> starts;  // B + 1 bounds: bag b is [starts[b], starts[b + 1])
  int64_t B = 0;
};

// Bag bounds from offsets (checked as torch: offsets[0] == 0, offsets[-1] <= N;
// ember also refuses decreasing offsets, which torch's kernels read out of bounds).
Bags make_bags(const Tensor& indices, const Tensor& offsets, bool include_last_offset) {
  Bags r;
  r.idx = to_vector(indices);
  const std::vector<int64_t> off = to_vector(offsets);
  const int64_t N = static_cast<int64_t>(r.idx.size());
  const int64_t nb = static_cast<int64_t>(off.size());
  EMBER_CHECK(!include_last_offset || nb >= 1, RuntimeError,
              "include_last_offset: number of offset should be at least 1");
  if (nb > 0) {
    EMBER_CHECK(off[0] == 0, RuntimeError,
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                "from position 0. However, got ",
                off[0]);
    EMBER_CHECK(off[nb - 1] <= N, RuntimeError,
                "offsets[-1] can not be greater than input's length ", N,
                " but got offsets[-1] of ", off[nb - 1]);
    for (int64_t b = 1; b < nb; ++b)
      EMBER_CHECK(off[b] >= off[b - 1], RuntimeError,
                  "embedding_bag: offsets have to be non-decreasing, but got offsets[", b - 1,
                  "] = ", off[b - 1], " > offsets[", b, "] = ", off[b]);
  }
  r.B = include_last_offset ? nb - 1 : nb;
  r.starts.assign(off.begin(), off.begin() + r.B);
  r.starts.push_back(include_last_offset ? off[nb - 1] : N);
  return r;
}

// kUnit: rows are contiguous (stride 1 known at compile time: vectorised loops).
template <typename T, bool kUnit>
void bag_forward(const Tensor& out, const Tensor& weight, const Bags& bags, int64_t mode,
                 const T* psw, int64_t padding_idx, int64_t* max_idx) {
  using acc_t = opmath_t<T>;
  const int64_t D = weight.size(1), s0 = weight.stride(0);
  const int64_t s1 = kUnit ? 1 : weight.stride(1);
  const T* w = weight.data_ptr<T>();
  T* o = out.data_ptr<T>();
  const int64_t n = static_cast<int64_t>(bags.idx.size());
  const int64_t grain = std::max<int64_t>(
      1, kGrainSize / std::max<int64_t>(1, D * (n / std::max<int64_t>(bags.B, 1) + 1)));
  parallel_for_t(0, bags.B, grain, [&](int64_t b0, int64_t b1) {
    std::vector<acc_t> acc(static_cast<size_t>(D));
    for (int64_t b = b0; b < b1; ++b) {
      std::fill(acc.begin(), acc.end(), acc_t(0));
      int64_t count = 0;
      int64_t* mi = max_idx ? max_idx + b * D : nullptr;
      if (mi) std::fill(mi, mi + D, int64_t{-1});
      for (int64_t i = bags.starts[b]; i < bags.starts[b + 1]; ++i) {
        const int64_t r = bags.idx[i];
        if (r == padding_idx) continue;
        const T* row = w + r * s0;
        if (mode == 2) {
          for (int64_t d = 0; d < D; ++d) {
            const acc_t v = static_cast<acc_t>(row[d * s1]);
            if (count == 0 || v > acc[d]) {
              acc[d] = v;
              mi[d] = r;
            }
          }
        } else if (psw) {
          const acc_t s = static_cast<acc_t>(psw[i]);
          for (int64_t d = 0; d < D; ++d) acc[d] += s * static_cast<acc_t>(row[d * s1]);
        } else {
          for (int64_t d = 0; d < D; ++d) acc[d] += static_cast<acc_t>(row[d * s1]);
        }
        ++count;
      }
      if (mode == 1 && count > 0)
        for (int64_t d = 0; d < D; ++d) acc[d] /= static_cast<acc_t>(count);
      for (int64_t d = 0; d < D; ++d) o[b * D + d] = static_cast<T>(acc[d]);
    }
  });
}

// d out[b] / d psw[i] = grad[b] . weight[idx[i]] (0 for padding entries).
template <typename T>
Tensor psw_backward(const Tensor& grad, const Tensor& weight, const Bags& bags, int64_t padding_idx,
                    DType psw_dtype) {
  const int64_t n = static_cast<int64_t>(bags.idx.size());
  const int64_t D = weight.size(1);
  const Tensor g = grad.to(acc_dtype(grad.dtype())).contiguous();
  const Tensor w = weight.to(g.dtype()).contiguous();
  Tensor r = zeros({n}, {.dtype = g.dtype(), .device = grad.device()});
  const T* gp = g.data_ptr<T>();
  const T* wp = w.data_ptr<T>();
  T* rp = r.data_ptr<T>();
  parallel_for_t(0, bags.B, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t i = bags.starts[b]; i < bags.starts[b + 1]; ++i) {
        const int64_t row = bags.idx[i];
        if (row == padding_idx) continue;
        T s = 0;
        for (int64_t d = 0; d < D; ++d) s += gp[b * D + d] * wp[row * D + d];
        rp[i] = s;
      }
  });
  return r.to(psw_dtype);
}

// max mode: gw[max_idx[b, d], d] += grad[b, d].
template <typename T>
void max_backward(T* gw, const T* g, const int64_t* mi, int64_t B, int64_t V, int64_t D) {
  parallel_for_t(0, V, B * D > kGrainSize ? 1 : V, [&](int64_t lo, int64_t hi) {
    for (int64_t j = 0; j < B * D; ++j) {
      const int64_t r = mi[j];
      if (r < lo || r >= hi) continue;
      gw[r * D + j % D] += g[j];
    }
  });
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx,
                 bool scale_grad_by_freq, bool sparse) {
  check_embedding_args(weight, indices, sparse);
  if (!autograd::grad_needed(weight)) return embedding_impl(weight, indices);
  Tensor out = autograd::untracked([&] { return embedding_impl(weight, indices); });
  const int64_t V = weight.size(0), D = weight.size(1);
  auto node = autograd::make_node(
      "EmbeddingBackward0",
      [V, D, padding_idx, scale_grad_by_freq](FormulaNodeBase& n, variable_list& g) {
        const std::vector<int64_t> idx = to_vector(n.saved(0));
        const Tensor g2 = g[0].reshape({static_cast<int64_t>(idx.size()), D});
        return variable_list{
            dense_backward(g2, idx, {}, {}, V, D, padding_idx, scale_grad_by_freq)};
      },
      weight);
  node->save(indices);
  autograd::set_history(out, node);
  return out;
}

Tensor& embedding_renorm_(Tensor& self, const Tensor& indices, double max_norm, double norm_type) {
  ops::check_same_device("embedding_renorm_()", {self, indices});
  EMBER_CHECK(self.dim() == 2, RuntimeError, "Expected 2-dimensional tensor, but got ", self.dim(),
              "-dimensional tensor for argument #1 'self' (while checking arguments "
              "for embedding_renorm_)");
  check_index_dtype(indices, "#2 'indices'", "embedding_renorm_", indices.device());
  EMBER_CHECK(self.is_floating_point(), RuntimeError,
              "norm(): input dtype should be either floating point or complex. Got ",
              scalar_type_name(self.dtype()), " instead.");
  autograd::check_inplace(self);
  if (ops::any_meta({self, indices})) return self;
  std::vector<int64_t> rows = to_vector(indices);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const int64_t V = self.size(0), D = self.size(1);
  for (int64_t r : rows)  // every index checked before any row changes
    EMBER_CHECK(r >= -V && r < V, IndexError, "select(): index ", r,
                " out of range for tensor of size ", self.sizes(), " at dimension 0");
  const int64_t s0 = self.stride(0), s1 = self.stride(1);
  EMBER_DISPATCH_FLOATING(self.dtype(), "embedding_renorm_", [&] {
    scalar_t* base = self.data_ptr<scalar_t>();
    for (int64_t r : rows) {
      scalar_t* row = base + (r < 0 ? r + V : r) * s0;
      const double norm = row_norm(row, D, s1, norm_type);
      if (norm > max_norm) {
        // torch: row *= scale, a double Scalar used in the row's op math type.
        const auto scale = static_cast<opmath_t<scalar_t>>(max_norm / (norm + 1e-7));
        for (int64_t d = 0; d < D; ++d)
          row[d * s1] = static_cast<scalar_t>(static_cast<opmath_t<scalar_t>>(row[d * s1]) * scale);
      }
    }
  });
  autograd::finish_inplace(self);
  return self;
}

Tensor embedding_bag(const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                     bool scale_grad_by_freq, int64_t mode, bool sparse,
                     const std::optional<Tensor>& per_sample_weights, bool include_last_offset,
                     std::optional<int64_t> padding_idx_opt) {
  ops::check_same_device("embedding_bag()", {weight, indices, offsets});
  check_index_dtype(indices, "#1 'indices'", "embedding_bag", indices.device());
  // torch promotes indices and offsets to one type, then checks it again.
  check_index_dtype(offsets, "#1 'indices'", "embedding_bag", offsets.device());
  EMBER_CHECK(
      weight.dtype() == kFloat16 || weight.dtype() == kFloat32 || weight.dtype() == kFloat64,
      RuntimeError,
      "Expected tensor for argument #1 'weight' to have one of the following scalar "
      "types: Half, Float, Double; but got ",
      ops::legacy_type_name(weight.dtype(), weight.device()),
      " instead (while checking arguments for embedding_bag)");
  EMBER_CHECK(weight.dim() == 2, RuntimeError, "'weight' must be 2-D");
  EMBER_CHECK(indices.dim() == 1, RuntimeError,
              "embedding_bag: input has to be a 1-D tensor (with offsets), but got a tensor of "
              "dimension ",
              indices.dim());
  EMBER_CHECK(offsets.dim() == 1, RuntimeError, "offsets has to be a 1D Tensor");
  EMBER_CHECK(mode >= 0 && mode <= 2, RuntimeError,
              "embedding_bag: mode has to be 0 (sum), 1 (mean) or 2 (max), but got ", mode);
  const int64_t V = weight.size(0), D = weight.size(1);
  int64_t padding_idx = -1;  // none
  if (padding_idx_opt) {
    padding_idx = *padding_idx_opt;
    EMBER_CHECK(padding_idx >= -V && padding_idx < V, RuntimeError,
                "padding_idx must be within the number of embeddings, ", -V, " through ", V - 1,
                ", but got ", padding_idx);
    if (padding_idx < 0) padding_idx += V;
  }
  EMBER_CHECK(!sparse, NotImplementedError,
              "embedding_bag(): sparse=True (sparse gradients) is not supported by ember; use "
              "sparse=False");
  Tensor psw = per_sample_weights.value_or(Tensor());
  if (psw.defined()) {
    ops::check_same_device("embedding_bag()", {weight, psw});
    EMBER_CHECK(mode == 0, RuntimeError,
                "embedding_bag: per_sample_weights only supported with mode='sum'");
    EMBER_CHECK(psw.dtype() == weight.dtype(), RuntimeError,
                "Expected tensor for argument #1 'weight' to have the same type as tensor for "
                "argument #1 'per_sample_weights'; but type ",
                ops::legacy_type_name(weight.dtype(), weight.device()), " does not equal ",
                ops::legacy_type_name(psw.dtype(), psw.device()),
                " (while checking arguments for embedding_bag)");
    EMBER_CHECK(psw.dim() == 1, RuntimeError,
                "Expected per_sample_weights.value().dim() == 1 to be true, but got false.");
    EMBER_CHECK(psw.numel() == indices.numel(), RuntimeError,
                "Expected per_sample_weights.value().numel() == indices.numel() to be true, but "
                "got false.");
  }
  if (ops::any_meta({weight, indices, offsets}) || (psw.defined() && psw.is_meta())) {
    const int64_t B =
        include_last_offset ? std::max<int64_t>(offsets.size(0) - 1, 0) : offsets.size(0);
    return empty({B, D}, {.dtype = weight.dtype(), .device = weight.device()});
  }
  auto bags = std::make_shared<Bags>(make_bags(indices, offsets, include_last_offset));
  for (int64_t r : bags->idx)
    EMBER_CHECK(r >= 0 && r < V, RuntimeError,
                "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be ", r);

  Tensor out = empty({bags->B, D}, {.dtype = weight.dtype(), .device = weight.device()});
  Tensor max_idx;
  if (mode == 2) max_idx = empty({bags->B, D}, {.dtype = kInt64});
  const Tensor psw_c = psw.defined() ? psw.contiguous() : Tensor();
  if (out.numel() > 0) {
    EMBER_DISPATCH_FLOATING(weight.dtype(), "embedding_bag", [&] {
      const scalar_t* p = psw_c.defined() ? psw_c.data_ptr<scalar_t>() : nullptr;
      int64_t* mi = max_idx.defined() ? max_idx.data_ptr<int64_t>() : nullptr;
      if (weight.stride(1) == 1)
        bag_forward<scalar_t, true>(out, weight, *bags, mode, p, padding_idx, mi);
      else
        bag_forward<scalar_t, false>(out, weight, *bags, mode, p, padding_idx, mi);
    });
  }
  if (!autograd::grad_needed(weight, psw)) return out;

  // Mean: each entry's share is 1 / (non-padding entries of its bag).
  auto node = autograd::make_node(
      "EmbeddingBagBackward0",
      [bags, V, D, mode, padding_idx, scale_grad_by_freq, max_idx, has_psw = psw.defined()](
          FormulaNodeBase& n, variable_list& g) {
        Tensor gw, gpsw;
        const Tensor grad = g[0];
        if (n.needs_input_grad(0)) {
          if (mode == 2 && autograd::grad_needed(grad)) {
            // recorded (double backward): gw.flat[max_idx * D + d] += grad.flat[b * D + d]
            const int64_t* mi = max_idx.data_ptr<int64_t>();
            std::vector<int64_t> pos, src;
            for (int64_t j = 0; j < bags->B * D; ++j)
              if (mi[j] >= 0) {
                pos.push_back(mi[j] * D + j % D);
                src.push_back(j);
              }
            gw = zeros({V * D}, grad.options())
                     .index_add(0, from_vector(pos),
                                grad.reshape({-1}).index_select(0, from_vector(src)))
                     .view({V, D});
          } else if (mode == 2) {
            const DType acc = acc_dtype(grad.dtype());
            const Tensor gc = grad.to(acc).contiguous();
            gw = zeros({V, D}, {.dtype = acc, .device = grad.device()});
            if (acc == kFloat64)
              max_backward(gw.data_ptr<double>(), gc.data_ptr<double>(),
                           max_idx.data_ptr<int64_t>(), bags->B, V, D);
            else
              max_backward(gw.data_ptr<float>(), gc.data_ptr<float>(), max_idx.data_ptr<int64_t>(),
                           bags->B, V, D);
            gw = gw.to(grad.dtype());
          } else {
            const size_t N = bags->idx.size();
            std::vector<int64_t> bag(N, -1);
            std::vector<double> scale;
            for (int64_t b = 0; b < bags->B; ++b)
              for (int64_t i = bags->starts[b]; i < bags->starts[b + 1]; ++i) bag[i] = b;
            const Tensor p = has_psw ? n.saved(0) : Tensor();
            if (has_psw && autograd::grad_needed(grad, p)) {
              // recorded (double backward), the weights kept as a tensor: the
              // rows grad[bag[i]] * psw[i], each entry its own "bag".
              std::vector<int64_t> rows(N, 0), own(N);
              for (size_t i = 0; i < N; ++i) {
                rows[i] = std::max<int64_t>(bag[i], 0);
                own[i] = bag[i] < 0 ? -1 : static_cast<int64_t>(i);
              }
              const Tensor src = grad.index_select(0, from_vector(rows)) * p.unsqueeze(1);
              gw = dense_backward_recorded(src, bags->idx, own, {}, V, D, padding_idx,
                                           scale_grad_by_freq);
            } else {
              if (has_psw) {
                const Tensor pc = p.to(kFloat64).contiguous();
                scale.assign(pc.data_ptr<double>(), pc.data_ptr<double>() + N);
              } else if (mode == 1) {
                scale.assign(N, 0.0);
                for (int64_t b = 0; b < bags->B; ++b) {
                  int64_t count = 0;
                  for (int64_t i = bags->starts[b]; i < bags->starts[b + 1]; ++i)
                    count += bags->idx[i] != padding_idx;
                  for (int64_t i = bags->starts[b]; i < bags->starts[b + 1]; ++i)
                    scale[i] = 1.0 / static_cast<double>(std::max<int64_t>(count, 1));
                }
              }
              gw = dense_backward(grad, bags->idx, bag, std::move(scale), V, D, padding_idx,
                                  scale_grad_by_freq);
            }
          }
        }
        if (has_psw && n.needs_input_grad(1)) {
          const Tensor w = n.saved(1);
          if (autograd::grad_needed(grad, w)) {
            // recorded (double backward): grad[bag[i]] . w[idx[i]], 0 for padding entries
            const size_t N = bags->idx.size();
            std::vector<int64_t> bag(N, 0);
            std::vector<double> keep(N, 0.);
            for (int64_t b = 0; b < bags->B; ++b)
              for (int64_t i = bags->starts[b]; i < bags->starts[b + 1]; ++i) {
                bag[i] = b;
                keep[i] = bags->idx[i] != padding_idx;
              }
            gpsw =
                (grad.index_select(0, from_vector(bag)) * w.index_select(0, from_vector(bags->idx)))
                    .sum({1}) *
                from_vector(keep).to(grad.dtype());
            return variable_list{gw, gpsw};
          }
          gpsw = acc_dtype(grad.dtype()) == kFloat64
                     ? psw_backward<double>(grad, w, *bags, padding_idx, w.dtype())
                     : psw_backward<float>(grad, w, *bags, padding_idx, w.dtype());
        }
        return variable_list{gw, gpsw};
      },
      weight, psw);
  if (psw.defined()) {
    node->save(psw);
    node->save(autograd::requires_grad(psw) ? weight : Tensor());
  }
  autograd::set_history(out, node);
  return out;
}

}  // namespace ember
