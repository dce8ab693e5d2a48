#include "ember/nn/modules/embedding.h"

#include "ember/core/grad_mode.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/init.h"
#include "ember/ops/factory.h"
#include "nn/modules/py_format.h"

namespace ember::nn {

namespace {

// torch's padding_idx assertion and wrap (the message differs in case only).
std::optional<int64_t> wrap_padding(std::optional<int64_t> padding_idx, int64_t num_embeddings,
                                    const char* what) {
  if (!padding_idx) return padding_idx;
  int64_t p = *padding_idx;
  if (p > 0) EMBER_CHECK(p < num_embeddings, ValueError, what, " must be within num_embeddings");
  if (p < 0) {
    EMBER_CHECK(p >= -num_embeddings, ValueError, what, " must be within num_embeddings");
    p += num_embeddings;
  }
  return p;
}

// The weight: a tensor sharing `given`'s data (its shape checked; torch's
// Parameter(_weight)), or a new [n, d] tensor to reset.
Tensor make_weight(const Tensor& given, int64_t n, int64_t d, std::optional<DType> dtype,
                   std::optional<Device> device) {
  if (!given.defined()) {
    TensorOptions o;
    o.dtype = dtype;
    if (device) o.device = *device;
    return empty({n, d}, o);
  }
  EMBER_CHECK(given.dim() == 2 && given.size(0) == n && given.size(1) == d, ValueError,
              "Shape of weight does not match num_embeddings and embedding_dim");
  return given.detach();
}

void fill_padding_with_zero(const Tensor& weight, std::optional<int64_t> padding_idx) {
  if (!padding_idx) return;
  NoGradGuard no_grad;
  weight.select(0, *padding_idx).fill_(0);
}

}  // namespace

Embedding::Embedding(int64_t num_embeddings_, int64_t embedding_dim_,
                     const EmbeddingOptions& options)
    : Module("Embedding"),
      num_embeddings(num_embeddings_),
      embedding_dim(embedding_dim_),
      padding_idx(wrap_padding(options.padding_idx, num_embeddings_, "Padding_idx")),
      max_norm(options.max_norm),
      norm_type(options.norm_type),
      scale_grad_by_freq(options.scale_grad_by_freq),
      sparse(options.sparse) {
  const bool given = options._weight.defined();
  weight = register_parameter("weight", make_weight(options._weight, num_embeddings, embedding_dim,
                                                    options.dtype, options.device));
  if (!given) reset_parameters();
}

Handle<Embedding> Embedding::from_pretrained(const Tensor& embeddings, bool freeze,
                                             const EmbeddingFromPretrainedOptions& o) {
  EMBER_CHECK(embeddings.dim() == 2, ValueError,
              "Embeddings parameter is expected to be 2-dimensional");
  auto m = make<Embedding>(embeddings.size(0), embeddings.size(1),
                           EmbeddingOptions{.padding_idx = o.padding_idx,
                                            .max_norm = o.max_norm,
                                            .norm_type = o.norm_type,
                                            .scale_grad_by_freq = o.scale_grad_by_freq,
                                            .sparse = o.sparse,
                                            ._weight = embeddings});
  m->weight.requires_grad_(!freeze);
  return m;
}

void Embedding::reset_parameters() {
  init::normal_(weight);
  fill_padding_with_zero(weight, padding_idx);
}

Tensor Embedding::forward(const Tensor& input) {
  return functional::embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                               sparse);
}

std::string Embedding::extra_repr() const {
  std::string s = detail::str_cat(num_embeddings, ", ", embedding_dim);
  if (padding_idx) s += detail::str_cat(", padding_idx=", *padding_idx);
  if (max_norm) s += ", max_norm=" + detail::py_float(*max_norm);
  if (norm_type != 2) s += ", norm_type=" + detail::py_float(norm_type);
  if (scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  if (sparse) s += ", sparse=True";
  return s;
}

EmbeddingBag::EmbeddingBag(int64_t num_embeddings_, int64_t embedding_dim_,
                           const EmbeddingBagOptions& options)
    : Module("EmbeddingBag"),
      num_embeddings(num_embeddings_),
      embedding_dim(embedding_dim_),
      max_norm(options.max_norm),
      norm_type(options.norm_type),
      scale_grad_by_freq(options.scale_grad_by_freq),
      mode(options.mode),
      sparse(options.sparse),
      include_last_offset(options.include_last_offset),
      padding_idx(wrap_padding(options.padding_idx, num_embeddings_, "padding_idx")) {
  const bool given = options._weight.defined();
  weight = register_parameter("weight", make_weight(options._weight, num_embeddings, embedding_dim,
                                                    options.dtype, options.device));
  if (!given) reset_parameters();
}

Handle<EmbeddingBag> EmbeddingBag::from_pretrained(const Tensor& embeddings, bool freeze,
                                                   const EmbeddingBagFromPretrainedOptions& o) {
  EMBER_CHECK(embeddings.dim() == 2, ValueError,
              "Embeddings parameter is expected to be 2-dimensional");
  auto m = make<EmbeddingBag>(embeddings.size(0), embeddings.size(1),
                              EmbeddingBagOptions{.max_norm = o.max_norm,
                                                  .norm_type = o.norm_type,
                                                  .scale_grad_by_freq = o.scale_grad_by_freq,
                                                  .mode = o.mode,
                                                  .sparse = o.sparse,
                                                  ._weight = embeddings,
                                                  .include_last_offset = o.include_last_offset,
                                                  .padding_idx = o.padding_idx});
  m->weight.requires_grad_(!freeze);
  return m;
}

void EmbeddingBag::reset_parameters() {
  init::normal_(weight);
  fill_padding_with_zero(weight, padding_idx);
}

Tensor EmbeddingBag::forward(const Tensor& input) { return forward(input, std::nullopt); }

Tensor EmbeddingBag::forward(const Tensor& input, const std::optional<Tensor>& offsets,
                             const std::optional<Tensor>& per_sample_weights) {
  return functional::embedding_bag(input, weight, offsets, max_norm, norm_type, scale_grad_by_freq,
                                   mode, sparse, per_sample_weights, include_last_offset,
                                   padding_idx);
}

std::string EmbeddingBag::extra_repr() const {
  std::string s = detail::str_cat(num_embeddings, ", ", embedding_dim);
  if (max_norm) s += ", max_norm=" + detail::py_float(*max_norm);
  if (norm_type != 2) s += ", norm_type=" + detail::py_float(norm_type);
  if (scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  s += ", mode=" + mode;
  if (padding_idx) s += detail::str_cat(", padding_idx=", *padding_idx);
  return s;
}

}  // namespace ember::nn
