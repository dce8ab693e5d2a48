#include "ember/nn/modules/embedding.h"

#include <utility>

#include "ember/core/grad_mode.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/init.h"
#include "ember/ops/factory.h"
#include "nn/modules/module_helpers.h"
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

// Registers m's weight: a tensor sharing options._weight's data (its shape
// checked; torch's Parameter(_weight)), or a new [num_embeddings,
// embedding_dim] tensor that m.reset_parameters() then draws.
template <typename M, typename Options>
void init_weight(M& m, const Options& options) {
  const Tensor& given = options._weight;
  const int64_t n = m.num_embeddings, d = m.embedding_dim;
  if (given.defined()) {
    EMBER_CHECK(given.dim() == 2 && given.size(0) == n && given.size(1) == d, ValueError,
                "Shape of weight does not match num_embeddings and embedding_dim");
    m.register_parameter("weight", given.detach(), &m.weight);
    return;
  }
  m.register_parameter(
      "weight", empty({n, d}, detail::factory_options(options.dtype, options.device)), &m.weight);
  m.reset_parameters();
}

// from_pretrained: a module made with `options` whose weight is `embeddings`
// itself, frozen (no grad) when `freeze`.
template <typename M, typename Options>
Handle<M> from_pretrained_with(const Tensor& embeddings, bool freeze, Options options) {
  EMBER_CHECK(embeddings.dim() == 2, ValueError,
              "Embeddings parameter is expected to be 2-dimensional");
  options._weight = embeddings;
  auto m = make<M>(embeddings.size(0), embeddings.size(1), std::move(options));
  m->weight.requires_grad_(!freeze);
  return m;
}

// torch's reset_parameters: N(0, 1), then the padding row zeroed.
void reset_weight(const Tensor& weight, std::optional<int64_t> padding_idx) {
  init::normal_(weight);
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
  init_weight(*this, options);
}

Handle<Embedding> Embedding::from_pretrained(const Tensor& embeddings, bool freeze,
                                             const EmbeddingFromPretrainedOptions& o) {
  return from_pretrained_with<Embedding>(
      embeddings, freeze,
      EmbeddingOptions{.padding_idx = o.padding_idx,
                       .max_norm = o.max_norm,
                       .norm_type = o.norm_type,
                       .scale_grad_by_freq = o.scale_grad_by_freq,
                       .sparse = o.sparse});
}

void Embedding::reset_parameters() { reset_weight(weight, padding_idx); }

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
  init_weight(*this, options);
}

Handle<EmbeddingBag> EmbeddingBag::from_pretrained(const Tensor& embeddings, bool freeze,
                                                   const EmbeddingBagFromPretrainedOptions& o) {
  return from_pretrained_with<EmbeddingBag>(
      embeddings, freeze,
      EmbeddingBagOptions{.max_norm = o.max_norm,
                          .norm_type = o.norm_type,
                          .scale_grad_by_freq = o.scale_grad_by_freq,
                          .mode = o.mode,
                          .sparse = o.sparse,
                          .include_last_offset = o.include_last_offset,
                          .padding_idx = o.padding_idx});
}

void EmbeddingBag::reset_parameters() { reset_weight(weight, padding_idx); }

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
