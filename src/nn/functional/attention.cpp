#include "ember/nn/functional/attention.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "autograd/record.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/ops/dropout.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "kernels/cpu/softmax.h"

namespace ember::nn::functional {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Python's str(torch.Size) and str(tuple) of sizes.
std::string torch_size(IntArrayRef s) {
  std::ostringstream os;
  os << "torch.Size([";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "])";
  return os.str();
}
std::string py_tuple(IntArrayRef s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << (s.size() == 1 ? ",)" : ")");
  return os.str();
}

// The sizes torch sees: batch_first inputs are transposed to seq-first first.
DimVector seq_first(const Tensor& t, bool bf) {
  DimVector s(t.sizes().begin(), t.sizes().end());
  if (bf && s.size() >= 2) std::swap(s[0], s[1]);
  return s;
}

// _mha_shape_check: whether the input is batched.
bool mha_shape_check(const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& kpm,
                     const Tensor& attn_mask, int64_t num_heads) {
  if (query.dim() == 3) {
    EMBER_CHECK(key.dim() == 3 && value.dim() == 3, ValueError,
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found ",
                key.dim(), "-D and ", value.dim(), "-D tensors respectively");
    EMBER_CHECK(!kpm.defined() || kpm.dim() == 2, ValueError,
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                "found ",
                kpm.dim(), "-D tensor instead");
    EMBER_CHECK(!attn_mask.defined() || attn_mask.dim() == 2 || attn_mask.dim() == 3, ValueError,
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                "found ",
                attn_mask.dim(), "-D tensor instead");
    return true;
  }
  EMBER_CHECK(query.dim() == 2, ValueError,
              "query should be unbatched 2D or batched 3D tensor but received ", query.dim(),
              "-D query tensor");
  EMBER_CHECK(key.dim() == 2 && value.dim() == 2, ValueError,
              "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found ",
              key.dim(), "-D and ", value.dim(), "-D tensors respectively");
  EMBER_CHECK(!kpm.defined() || kpm.dim() == 1, ValueError,
              "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
              "found ",
              kpm.dim(), "-D tensor instead");
  if (attn_mask.defined()) {
    EMBER_CHECK(attn_mask.dim() == 2 || attn_mask.dim() == 3, ValueError,
                "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                "found ",
                attn_mask.dim(), "-D tensor instead");
    if (attn_mask.dim() == 3) {
      const DimVector expected{num_heads, query.size(0), key.size(0)};
      EMBER_CHECK(attn_mask.sizes() == IntArrayRef(expected), ValueError,
                  "Expected `attn_mask` shape to be ", py_tuple(expected), " but got ",
                  torch_size(attn_mask.sizes()));
    }
  }
  return false;
}

// (A, B, E) in the caller's layout -> (N * H, len, D), contiguous.
Tensor to_heads(const Tensor& x, int64_t bsz, int64_t len, int64_t heads, int64_t hd, bool bf) {
  if (bf)
    return x.reshape({bsz, len, heads, hd}).permute({0, 2, 1, 3}).reshape({bsz * heads, len, hd});
  return x.reshape({len, bsz, heads, hd}).permute({1, 2, 0, 3}).reshape({bsz * heads, len, hd});
}

// (N * H, L, D) -> (N, L, E) or (L, N, E), contiguous (one copy).
Tensor from_heads(const Tensor& x, int64_t bsz, int64_t len, int64_t heads, int64_t hd, bool bf) {
  const Tensor v = x.view({bsz, heads, len, hd});
  if (bf) return v.permute({0, 2, 1, 3}).reshape({bsz, len, heads * hd});
  return v.permute({2, 0, 1, 3}).reshape({len, bsz, heads * hd});
}

// pad(t, (0, 1)) on the last dim: a zero (False) column.
Tensor pad_last(const Tensor& t) {
  DimVector s(t.sizes().begin(), t.sizes().end());
  s.back() = 1;
  return cat({t, zeros(s, {.dtype = t.dtype(), .device = t.device()})}, -1);
}

bool is_float_or_bool(const Tensor& t) { return t.dtype() == DType::Bool || t.is_floating_point(); }

// ---- the fused attention core (float32 / float64 on the CPU)
//
// softmax(scale q k^T + mask), dropout, @ v for every (batch, head) in one
// parallel loop, reading q, k and v where the projections left them (rows of
// (N, L, E) or (L, N, E) tensors, any row strides) and writing the output in
// the caller's layout: no head-splitting copies, no separate softmax, dropout
// or mask passes, and one backward node (two parallel loops fewer than ten
// ops). Each (batch, head) is a handful of single-threaded GEMMs.

template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) ==
        dnnl_success)
      return;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
  } else {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
  }
}

template <typename T>
T exp_t(T x) {
  if constexpr (std::is_same_v<T, float>)
    return kernels::exp_f32(x);
  else
    return std::exp(x);
}

// Element (n, h, l, d) of a (N, L, E) or (L, N, E) operand is at
// p + n * sn + l * sl + h * D + d.
template <typename T>
struct Rows {
  T* p;
  int64_t sn, sl;
  T* at(int64_t n, int64_t h, int64_t hd) const { return p + n * sn + h * hd; }
};
template <typename T>
Rows<T> rows_of(const Tensor& t, bool bf) {
  return {static_cast<T*>(t.data_ptr()), t.stride(bf ? 0 : 1), t.stride(bf ? 1 : 0)};
}

struct AttnShape {
  int64_t bsz, heads, tgt, src, hd;
  bool bf;
};

// P (N * H, L, S) = softmax(scale q k^T + mask); out = dropout(P) v. keep:
// the dropout's 0/1 draws (N * H, L, S) or null; mask: additive, read
// through its strides (broadcast dims have stride 0) or null; W: where
// dropout(P) goes (the per-head attention weights) or null.
template <typename T>
void attn_forward(const AttnShape& a, Rows<T> q, Rows<T> k, Rows<T> v, const T* mask,
                  const int64_t* ms, const uint8_t* keep, T drop_scale, T scale, T* P, T* W,
                  Rows<T> out) {
  const int64_t L = a.tgt, S = a.src, D = a.hd;
  parallel_for_t(0, a.bsz * a.heads, 1, [&](int64_t b0, int64_t b1) {
    std::vector<T> dropped(keep && !W ? L * S : 0);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n = b / a.heads, h = b % a.heads;
      T* pb = P + b * L * S;
      T* wb = W ? W + b * L * S : dropped.data();
      gemm<T>(false, true, L, S, D, scale, q.at(n, h, D), q.sl, k.at(n, h, D), k.sl, T(0), pb, S);
      for (int64_t i = 0; i < L; ++i) {
        T* x = pb + i * S;
        if (mask) {
          const T* m = mask + b * ms[0] + i * ms[1];
          for (int64_t j = 0; j < S; ++j) x[j] += m[j * ms[2]];
        }
        T mx = -std::numeric_limits<T>::infinity();
        for (int64_t j = 0; j < S; ++j) mx = std::max(mx, x[j]);
        T sum = 0;
        for (int64_t j = 0; j < S; ++j) {
          x[j] = exp_t<T>(x[j] - mx);
          sum += x[j];
        }
        const T inv = T(1) / sum;
        for (int64_t j = 0; j < S; ++j) x[j] *= inv;
      }
      const T* pv = pb;
      if (keep) {
        const uint8_t* kb = keep + b * L * S;
        for (int64_t j = 0; j < L * S; ++j) wb[j] = pb[j] * (T(kb[j]) * drop_scale);
        pv = wb;
      } else if (W) {
        std::copy(pb, pb + L * S, wb);
      }
      gemm<T>(false, false, L, D, S, T(1), pv, S, v.at(n, h, D), v.sl, T(0), out.at(n, h, D),
              out.sl);
    }
  });
}

template <typename T>
void attn_backward(const AttnShape& a, Rows<T> q, Rows<T> k, Rows<T> v, const T* P,
                   const uint8_t* keep, T drop_scale, T scale, Rows<T> go, const T* gw,
                   bool gw_averaged, Rows<T> dq, Rows<T> dk, Rows<T> dv) {
  const int64_t L = a.tgt, S = a.src, D = a.hd;
  parallel_for_t(0, a.bsz * a.heads, 1, [&](int64_t b0, int64_t b1) {
    std::vector<T> dropped(keep ? L * S : 0), ds(L * S);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n = b / a.heads, h = b % a.heads;
      const T* pb = P + b * L * S;
      const uint8_t* kb = keep ? keep + b * L * S : nullptr;
      const T* pv = pb;
      if (keep) {
        for (int64_t j = 0; j < L * S; ++j) dropped[j] = pb[j] * (T(kb[j]) * drop_scale);
        pv = dropped.data();
      }
      const T* gob = go.at(n, h, D);
      // dv = dropout(P)^T go; d dropout(P) = go v^T.
      gemm<T>(true, false, S, D, L, T(1), pv, S, gob, go.sl, T(0), dv.at(n, h, D), dv.sl);
      gemm<T>(false, true, L, S, D, T(1), gob, go.sl, v.at(n, h, D), v.sl, T(0), ds.data(), S);
      // Plus the gradient of the returned weights (dropout(P), or its mean
      // over the heads); then through the dropout and softmax's backward:
      // P (dP - rowsum(dP P)).
      const T* gwb = gw ? gw + (gw_averaged ? n : b) * L * S : nullptr;
      const T gws = gw_averaged ? T(1) / T(a.heads) : T(1);
      for (int64_t i = 0; i < L; ++i) {
        T* g = ds.data() + i * S;
        if (gwb)
          for (int64_t j = 0; j < S; ++j) g[j] += gwb[i * S + j] * gws;
        const T* p = pb + i * S;
        if (kb) {
          const uint8_t* kr = kb + i * S;
          for (int64_t j = 0; j < S; ++j) g[j] *= T(kr[j]) * drop_scale;
        }
        T dot = 0;
        for (int64_t j = 0; j < S; ++j) dot += g[j] * p[j];
        for (int64_t j = 0; j < S; ++j) g[j] = p[j] * (g[j] - dot);
      }
      // scores = scale q k^T: dq = scale ds k, dk = scale ds^T q.
      gemm<T>(false, false, L, D, S, scale, ds.data(), S, k.at(n, h, D), k.sl, T(0), dq.at(n, h, D),
              dq.sl);
      gemm<T>(true, false, S, D, L, scale, ds.data(), S, q.at(n, h, D), q.sl, T(0), dk.at(n, h, D),
              dk.sl);
    }
  });
}

// The fused core: q (N, L, E) or (L, N, E) (bf), k and v likewise with S,
// each with unit stride along E; mask: undefined or a float mask of q's dtype
// broadcastable to (N * H, L, S) that does not require grad. Returns the
// attention output in q's layout, contiguous, and with need_weights the
// weights after dropout, (N, L, S) averaged over the heads or (N, H, L, S).
std::tuple<Tensor, Tensor> fused_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                           const Tensor& mask, const AttnShape& a, double dropout_p,
                                           Generator* gen, bool need_weights, bool average) {
  const DType dt = q.dtype();
  const int64_t bh = a.bsz * a.heads, E = a.heads * a.hd;
  const TensorOptions opts{.dtype = dt, .device = q.device()};
  Tensor maskx;
  int64_t ms[3] = {0, 0, 0};
  if (mask.defined()) {
    maskx = mask.expand({bh, a.tgt, a.src});
    for (int d = 0; d < 3; ++d) ms[d] = maskx.stride(d);
  }
  Tensor keep;
  const double drop_scale = dropout_p < 1.0 ? 1.0 / (1.0 - dropout_p) : 0.0;
  if (dropout_p > 0.0)  // 0/1 draws, one byte each
    keep = empty({bh, a.tgt, a.src}, {.dtype = DType::UInt8, .device = q.device()})
               .bernoulli_(1.0 - dropout_p, gen);
  Tensor P = empty({bh, a.tgt, a.src}, opts);
  // Per-head weights (N, H, L, S), laid out as (N * H, L, S).
  Tensor W = need_weights ? empty({a.bsz, a.heads, a.tgt, a.src}, opts) : Tensor();
  Tensor out = empty(a.bf ? IntArrayRef{a.bsz, a.tgt, E} : IntArrayRef{a.tgt, a.bsz, E}, opts);
  const double scale = 1.0 / std::sqrt(static_cast<double>(a.hd));
  auto forward = [&](auto zero) {
    using T = decltype(zero);
    attn_forward<T>(a, rows_of<T>(q, a.bf), rows_of<T>(k, a.bf), rows_of<T>(v, a.bf),
                    maskx.defined() ? static_cast<const T*>(maskx.data_ptr()) : nullptr, ms,
                    keep.defined() ? static_cast<const uint8_t*>(keep.data_ptr()) : nullptr,
                    T(drop_scale), T(scale), static_cast<T*>(P.data_ptr()),
                    W.defined() ? static_cast<T*>(W.data_ptr()) : nullptr, rows_of<T>(out, a.bf));
  };
  if (dt == DType::Float32)
    forward(0.0f);
  else
    forward(0.0);
  Tensor weights;
  if (need_weights)
    weights =
        average ? autograd::untracked([&] { return W.sum({1}).div(static_cast<double>(a.heads)); })
                : W;
  if (!autograd::grad_needed(q, k, v)) return {out, weights};

  auto node = autograd::make_node(
      "ScaledDotProductAttentionBackward0",
      [a, drop_scale, scale, average](autograd::FormulaNodeBase& n,
                                      autograd::variable_list& grads) {
        const Tensor q = n.saved(0), k = n.saved(1), v = n.saved(2), P = n.saved(3),
                     keep = n.saved(4);
        const bool has_gw = grads.size() > 1 && grads[1].defined();
        if (!grads[0].defined() && !has_gw) return autograd::variable_list(3);
        const TensorOptions o{.dtype = q.dtype(), .device = q.device()};
        const Tensor go = grads[0].defined()
                              ? grads[0].contiguous()
                              : zeros(a.bf ? IntArrayRef{a.bsz, a.tgt, a.heads * a.hd}
                                           : IntArrayRef{a.tgt, a.bsz, a.heads * a.hd},
                                      o);
        const Tensor gw = has_gw ? grads[1].contiguous() : Tensor();
        Tensor dq = empty(q.sizes(), o), dk = empty(k.sizes(), o), dv = empty(v.sizes(), o);
        auto backward = [&](auto zero) {
          using T = decltype(zero);
          attn_backward<T>(a, rows_of<T>(q, a.bf), rows_of<T>(k, a.bf), rows_of<T>(v, a.bf),
                           static_cast<const T*>(P.data_ptr()),
                           keep.defined() ? static_cast<const uint8_t*>(keep.data_ptr()) : nullptr,
                           T(drop_scale), T(scale), rows_of<T>(go, a.bf),
                           has_gw ? static_cast<const T*>(gw.data_ptr()) : nullptr, average,
                           rows_of<T>(dq, a.bf), rows_of<T>(dk, a.bf), rows_of<T>(dv, a.bf));
        };
        if (q.dtype() == DType::Float32)
          backward(0.0f);
        else
          backward(0.0);
        return autograd::variable_list{dq, dk, dv};
      },
      q, k, v);
  node->save(q);
  node->save(k);
  node->save(v);
  node->save(P);
  node->save(keep);
  autograd::set_history(out, node);
  if (weights.defined()) autograd::set_history(weights, node);
  return {out, weights};
}

}  // namespace

namespace detail {

std::tuple<Tensor, Tensor> mha_forward(const Tensor& query_in, const Tensor& key_in,
                                       const Tensor& value_in, const MhaArgs& a) {
  Tensor kpm = a.key_padding_mask;
  Tensor attn_mask = a.attn_mask;
  const int64_t num_heads = a.num_heads;
  const bool is_batched = mha_shape_check(query_in, key_in, value_in, kpm, attn_mask, num_heads);
  Tensor query = query_in, key = key_in, value = value_in;
  // Unbatched inputs are a batch of one (batch_first does not apply).
  const bool bf = a.batch_first && is_batched;
  const bool same_qk = query_in.is_same(key_in), same_kv = key_in.is_same(value_in);
  if (!is_batched) {
    query = query.unsqueeze(1);
    key = same_qk ? query : key.unsqueeze(1);
    value = same_kv ? key : value.unsqueeze(1);
    if (kpm.defined()) kpm = kpm.unsqueeze(0);
  }
  const int64_t tgt_len = query.size(bf ? 1 : 0), bsz = query.size(bf ? 0 : 1),
                embed_dim = query.size(2);
  int64_t src_len = key.size(bf ? 1 : 0);
  EMBER_CHECK(!kpm.defined() || is_float_or_bool(kpm), ValueError,
              "only bool and floating types of key_padding_mask are supported");
  EMBER_CHECK(embed_dim == a.embed_dim_to_check, ValueError,
              "was expecting embedding dimension of ", a.embed_dim_to_check, ", but got ",
              embed_dim);
  EMBER_CHECK(num_heads != 0, ValueError, "integer division or modulo by zero");
  const int64_t head_dim = embed_dim / num_heads;
  EMBER_CHECK(head_dim * num_heads == embed_dim, ValueError, "embed_dim ", embed_dim,
              " not divisible by num_heads ", num_heads);
  const DimVector kshape = seq_first(key, bf), vshape = seq_first(value, bf);
  if (a.use_separate_proj_weight) {
    EMBER_CHECK(kshape[0] == vshape[0] && kshape[1] == vshape[1], ValueError,
                "key's sequence and batch dims ", torch_size(IntArrayRef(kshape).slice(0, 2)),
                " do not match value's ", torch_size(IntArrayRef(vshape).slice(0, 2)));
  } else {
    EMBER_CHECK(kshape == vshape, ValueError, "key shape ", torch_size(kshape),
                " does not match value shape ", torch_size(vshape));
  }

  // ---- checks of the projection weights (before any work)
  const Tensor& b = a.in_proj_bias;
  if (!a.use_separate_proj_weight) {
    EMBER_CHECK(a.in_proj_weight.defined(), ValueError,
                "use_separate_proj_weight is False but in_proj_weight is None");
  } else {
    EMBER_CHECK(a.q_proj_weight.defined(), ValueError,
                "use_separate_proj_weight is True but q_proj_weight is None");
    EMBER_CHECK(a.k_proj_weight.defined(), ValueError,
                "use_separate_proj_weight is True but k_proj_weight is None");
    EMBER_CHECK(a.v_proj_weight.defined(), ValueError,
                "use_separate_proj_weight is True but v_proj_weight is None");
    const int64_t eq = embed_dim, ek = key.size(2), ev = value.size(2);
    auto check_w = [](const Tensor& w, const char* what, int64_t r, int64_t c) {
      const DimVector e{r, c};
      EMBER_CHECK(w.sizes() == IntArrayRef(e), ValueError, "expecting ", what, " weights shape of ",
                  py_tuple(e), ", but got ", torch_size(w.sizes()));
    };
    check_w(a.q_proj_weight, "query", eq, eq);
    check_w(a.k_proj_weight, "key", eq, ek);
    check_w(a.v_proj_weight, "value", eq, ev);
    if (b.defined()) {
      // in_proj_bias.chunk(3): each chunk must be (Eq,).
      const std::vector<Tensor> bs = b.chunk(3);
      const char* names[] = {"query", "key", "value"};
      for (size_t i = 0; i < 3; ++i) {
        const IntArrayRef s = i < bs.size() ? bs[i].sizes() : IntArrayRef();
        EMBER_CHECK(i < bs.size() && s.size() == 1 && s[0] == eq, ValueError, "expecting ",
                    names[i], " bias shape of ", py_tuple({eq}), ", but got ",
                    i < bs.size() ? torch_size(s) : std::string("None"));
      }
    }
  }

  // ---- attn_mask checks
  if (attn_mask.defined()) {
    if (attn_mask.dtype() == DType::UInt8) {
      attn_mask = attn_mask.to(DType::Bool);  // torch warns: byte masks are deprecated
    } else {
      EMBER_CHECK(is_float_or_bool(attn_mask), ValueError,
                  "Only float, byte, and bool types are supported for attn_mask, not torch.",
                  dtype_name(attn_mask.dtype()));
    }
    if (attn_mask.dim() == 2) {
      const DimVector c{tgt_len, src_len};
      EMBER_CHECK(attn_mask.sizes() == IntArrayRef(c), RuntimeError,
                  "The shape of the 2D attn_mask is ", torch_size(attn_mask.sizes()),
                  ", but should be ", py_tuple(c), ".");
      attn_mask = attn_mask.unsqueeze(0);
    } else if (attn_mask.dim() == 3) {
      const DimVector c{bsz * num_heads, tgt_len, src_len};
      EMBER_CHECK(attn_mask.sizes() == IntArrayRef(c), RuntimeError,
                  "The shape of the 3D attn_mask is ", torch_size(attn_mask.sizes()),
                  ", but should be ", py_tuple(c), ".");
    } else {
      throw RuntimeError(
          ::ember::detail::str_cat("attn_mask's dimension ", attn_mask.dim(), " is not supported"));
    }
  }
  const bool with_bias_kv = a.bias_k.defined() && a.bias_v.defined();
  if (with_bias_kv) {
    EMBER_CHECK(!a.static_k.defined(), ValueError, "bias cannot be added to static key.");
    EMBER_CHECK(!a.static_v.defined(), ValueError, "bias cannot be added to static value.");
  } else {
    EMBER_CHECK(!a.bias_k.defined() && !a.bias_v.defined(), ValueError, "");
  }
  const int64_t bh = bsz * num_heads;
  for (const auto* st : {&a.static_k, &a.static_v}) {
    if (!st->defined()) continue;
    const char* n = st == &a.static_k ? "static_k" : "static_v";
    EMBER_CHECK(st->dim() == 3, ValueError, "expecting ", n, " to be 3-D");
    EMBER_CHECK(st->size(0) == bh, ValueError, "expecting ", n, ".size(0) of ", bh, ", but got ",
                st->size(0));
    EMBER_CHECK(st->size(2) == head_dim, ValueError, "expecting ", n, ".size(2) of ", head_dim,
                ", but got ", st->size(2));
  }
  // The source length after bias_k / static_k / add_zero_attn, for the
  // key_padding_mask check (torch checks the padded mask against it).
  int64_t final_src = a.static_k.defined() ? a.static_k.size(1) : src_len + (with_bias_kv ? 1 : 0);
  if (a.add_zero_attn) ++final_src;
  if (kpm.defined()) {
    const int64_t pads = (with_bias_kv ? 1 : 0) + (a.add_zero_attn ? 1 : 0);
    DimVector got(kpm.sizes().begin(), kpm.sizes().end());
    got.back() += pads;
    EMBER_CHECK(got[0] == bsz && got[1] == final_src, ValueError,
                "expecting key_padding_mask shape of ", py_tuple({bsz, final_src}), ", but got ",
                torch_size(got));
  }

  // ---- input projections: one GEMM for self-attention, two for k is v
  Tensor q, k, v;
  if (!a.use_separate_proj_weight) {
    const Tensor& w = a.in_proj_weight;
    const int64_t e = embed_dim;
    if (same_kv && same_qk) {
      auto c = linear(query, w, b).chunk(3, -1);
      q = c[0], k = c[1], v = c[2];
    } else if (same_kv) {
      auto ws = w.split({e, 2 * e});
      std::vector<Tensor> bs = b.defined() ? b.split({e, 2 * e}) : std::vector<Tensor>(2);
      q = linear(query, ws[0], bs[0]);
      auto c = linear(key, ws[1], bs[1]).chunk(2, -1);
      k = c[0], v = c[1];
    } else {
      auto ws = w.chunk(3);
      std::vector<Tensor> bs = b.defined() ? b.chunk(3) : std::vector<Tensor>(3);
      q = linear(query, ws[0], bs[0]);
      k = linear(key, ws[1], bs[1]);
      v = linear(value, ws[2], bs[2]);
    }
  } else {
    std::vector<Tensor> bs = b.defined() ? b.chunk(3) : std::vector<Tensor>(3);
    q = linear(query, a.q_proj_weight, bs[0]);
    k = linear(key, a.k_proj_weight, bs[1]);
    v = linear(value, a.v_proj_weight, bs[2]);
  }

  // One additive float mask (N * H or 1, L or 1, S) from attn_mask and
  // key_padding_mask, as torch merges them.
  auto merge_masks = [&](Tensor attn_mask, Tensor kpm) {
    const int64_t src_len = kpm.defined()         ? kpm.size(-1)
                            : attn_mask.defined() ? attn_mask.size(-1)
                                                  : 0;
    if (kpm.defined()) {
      kpm = kpm.view({bsz, 1, 1, src_len})
                .expand({bsz, num_heads, 1, src_len})
                .reshape({bh, 1, src_len});
      if (!attn_mask.defined())
        attn_mask = kpm;
      else if (attn_mask.dtype() == DType::Bool)
        attn_mask = attn_mask.logical_or(kpm);
      else
        attn_mask = attn_mask.masked_fill(kpm, kNegInf);
    }
    if (attn_mask.defined() && attn_mask.dtype() == DType::Bool) {
      Tensor m = zeros(attn_mask.sizes(), {.dtype = q.dtype(), .device = q.device()});
      m.masked_fill_(attn_mask, kNegInf);
      attn_mask = m;
    }
    return attn_mask;
  };

  // ---- the fused core where it applies (see fused_attention)
  const bool fusable =
      a.fused && !with_bias_kv && !a.add_zero_attn && !a.static_k.defined() &&
      !a.static_v.defined() && query.device() == kCPU &&
      (q.dtype() == DType::Float32 || q.dtype() == DType::Float64) && k.dtype() == q.dtype() &&
      v.dtype() == q.dtype() && q.stride(2) == 1 && k.stride(2) == 1 && v.stride(2) == 1 &&
      (!attn_mask.defined() || attn_mask.is_floating_point() || attn_mask.dtype() == DType::Bool) &&
      !(attn_mask.defined() && attn_mask.requires_grad()) &&
      !(kpm.defined() && kpm.requires_grad()) && bsz > 0 && tgt_len > 0 && src_len > 0 &&
      head_dim > 0 &&
      // BLAS wants leading dimensions of at least head_dim (even for one row).
      q.stride(bf ? 1 : 0) >= head_dim && k.stride(bf ? 1 : 0) >= head_dim &&
      v.stride(bf ? 1 : 0) >= head_dim;
  if (fusable) {
    const Tensor mask = merge_masks(attn_mask, kpm);
    if (!mask.defined() || mask.dtype() == q.dtype()) {
      auto [out, weights] = fused_attention(
          q, k, v, mask, {bsz, num_heads, tgt_len, src_len, head_dim, bf},
          a.training ? a.dropout_p : 0.0, a.gen, a.need_weights, a.average_attn_weights);
      out =
          linear(out, a.out_proj_weight,
                 a.out_proj_bias.defined() ? std::optional<Tensor>(a.out_proj_bias) : std::nullopt);
      if (!is_batched) {
        out = out.squeeze(1);
        if (weights.defined()) weights = weights.squeeze(0);
      }
      return {out, weights};
    }
  }

  // ---- heads: (N * H, len, head_dim)
  q = to_heads(q, bsz, tgt_len, num_heads, head_dim, bf);
  k = a.static_k.defined() ? a.static_k : to_heads(k, bsz, src_len, num_heads, head_dim, bf);
  v = a.static_v.defined() ? a.static_v : to_heads(v, bsz, src_len, num_heads, head_dim, bf);
  if (with_bias_kv) {
    // cat([k, bias_k.repeat(1, bsz, 1)]) in the heads layout.
    auto heads_of = [&](const Tensor& bias) {
      return bias.reshape({1, num_heads, 1, head_dim})
          .expand({bsz, num_heads, 1, head_dim})
          .reshape({bh, 1, head_dim});
    };
    k = cat({k, heads_of(a.bias_k)}, 1);
    v = cat({v, heads_of(a.bias_v)}, 1);
    if (attn_mask.defined()) attn_mask = pad_last(attn_mask);
    if (kpm.defined()) kpm = pad_last(kpm);
  }
  if (a.add_zero_attn) {
    k = cat({k, zeros({bh, 1, head_dim}, {.dtype = k.dtype(), .device = k.device()})}, 1);
    v = cat({v, zeros({bh, 1, head_dim}, {.dtype = v.dtype(), .device = v.device()})}, 1);
    if (attn_mask.defined()) attn_mask = pad_last(attn_mask);
    if (kpm.defined()) kpm = pad_last(kpm);
  }
  src_len = k.size(1);

  attn_mask = merge_masks(attn_mask, kpm);
  const double dropout_p = a.training ? a.dropout_p : 0.0;

  // ---- attention: softmax(q k^T / sqrt(d) + mask) v
  const Tensor q_scaled = q.div(std::sqrt(static_cast<double>(head_dim)));
  const Tensor kt = k.transpose(-2, -1);
  Tensor w = attn_mask.defined() ? baddbmm(attn_mask, q_scaled, kt) : bmm(q_scaled, kt);
  w = softmax(w, -1);
  if (dropout_p > 0.0) w = ember::dropout(w, dropout_p, true, a.gen);
  Tensor out = from_heads(bmm(w, v), bsz, tgt_len, num_heads, head_dim, bf);
  out = linear(out, a.out_proj_weight,
               a.out_proj_bias.defined() ? std::optional<Tensor>(a.out_proj_bias) : std::nullopt);

  Tensor weights;
  if (a.need_weights) {
    weights = w.view({bsz, num_heads, tgt_len, src_len});
    if (a.average_attn_weights) weights = weights.sum({1}).div(static_cast<double>(num_heads));
    if (!is_batched) weights = weights.squeeze(0);
  }
  if (!is_batched) out = out.squeeze(1);
  return {out, weights};
}

}  // namespace detail

std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim_to_check,
    int64_t num_heads, const Tensor& in_proj_weight, const Tensor& in_proj_bias,
    const Tensor& bias_k, const Tensor& bias_v, bool add_zero_attn, double dropout_p,
    const Tensor& out_proj_weight, const Tensor& out_proj_bias, bool training,
    const Tensor& key_padding_mask, bool need_weights, const Tensor& attn_mask,
    bool use_separate_proj_weight, const Tensor& q_proj_weight, const Tensor& k_proj_weight,
    const Tensor& v_proj_weight, const Tensor& static_k, const Tensor& static_v,
    bool average_attn_weights) {
  detail::MhaArgs a;
  a.embed_dim_to_check = embed_dim_to_check;
  a.num_heads = num_heads;
  a.in_proj_weight = in_proj_weight;
  a.in_proj_bias = in_proj_bias;
  a.bias_k = bias_k;
  a.bias_v = bias_v;
  a.add_zero_attn = add_zero_attn;
  a.dropout_p = dropout_p;
  a.out_proj_weight = out_proj_weight;
  a.out_proj_bias = out_proj_bias;
  a.training = training;
  a.key_padding_mask = key_padding_mask;
  a.need_weights = need_weights;
  a.attn_mask = attn_mask;
  a.use_separate_proj_weight = use_separate_proj_weight;
  a.q_proj_weight = q_proj_weight;
  a.k_proj_weight = k_proj_weight;
  a.v_proj_weight = v_proj_weight;
  a.static_k = static_k;
  a.static_v = static_v;
  a.average_attn_weights = average_attn_weights;
  return detail::mha_forward(query, key, value, a);
}

}  // namespace ember::nn::functional
