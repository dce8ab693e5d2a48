#pragma once
// torch.nn.Embedding and EmbeddingBag (torch/nn/modules/sparse.py).
//
//   auto emb = nn::make<nn::Embedding>(10, 3, nn::EmbeddingOptions{.padding_idx = 0});
//   auto bag = nn::make<nn::EmbeddingBag>(10, 3, nn::EmbeddingBagOptions{.mode = "sum"});
//   auto pre = nn::Embedding::from_pretrained(weights, /*freeze=*/false);
//
// Parameter "weight" [num_embeddings, embedding_dim], initialised N(0, 1) with
// the padding row zeroed (torch's reset_parameters). torch's AssertionErrors
// (padding_idx out of range, a _weight of the wrong shape, a pretrained tensor
// that is not 2-D) are ValueErrors. sparse = true is accepted at construction
// (printed as torch does) but forward throws NotImplementedError: ember has no
// sparse gradients.
#include <cstdint>
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

// torch's keyword arguments of Embedding after embedding_dim.
struct EmbeddingOptions {
  std::optional<int64_t> padding_idx = std::nullopt;  // negative wraps
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.;
  bool scale_grad_by_freq = false;
  bool sparse = false;
  Tensor _weight = {};                        // when given, the weight shares its data (not reset)
  std::optional<DType> dtype = std::nullopt;  // torch's factory kwargs
  std::optional<Device> device = std::nullopt;
};

// from_pretrained's keyword arguments after freeze.
struct EmbeddingFromPretrainedOptions {
  std::optional<int64_t> padding_idx = std::nullopt;
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.;
  bool scale_grad_by_freq = false;
  bool sparse = false;
};

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options = {});

  // An Embedding whose weight is `embeddings` (2-D) itself; freeze: the
  // weight does not require grad.
  static Handle<Embedding> from_pretrained(const Tensor& embeddings, bool freeze = true,
                                           const EmbeddingFromPretrainedOptions& options = {});

  // [*input.shape, embedding_dim] (F.embedding with the module's settings).
  Tensor forward(const Tensor& input);
  virtual void reset_parameters();
  // "10, 3, padding_idx=0, max_norm=1.0", as torch.
  std::string extra_repr() const override;

  int64_t num_embeddings = 0;
  int64_t embedding_dim = 0;
  std::optional<int64_t> padding_idx;  // wrapped to [0, num_embeddings)
  std::optional<double> max_norm;
  double norm_type = 2.;
  bool scale_grad_by_freq = false;
  bool sparse = false;
  Tensor weight;
};

// torch's keyword arguments of EmbeddingBag after embedding_dim.
struct EmbeddingBagOptions {
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.;
  bool scale_grad_by_freq = false;
  std::string mode = "mean";  // "sum", "mean" or "max"
  bool sparse = false;
  Tensor _weight = {};
  bool include_last_offset = false;
  std::optional<int64_t> padding_idx = std::nullopt;
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
};

struct EmbeddingBagFromPretrainedOptions {
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.;
  bool scale_grad_by_freq = false;
  std::string mode = "mean";
  bool sparse = false;
  bool include_last_offset = false;
  std::optional<int64_t> padding_idx = std::nullopt;
};

class EmbeddingBag : public Module {
 public:
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim,
               const EmbeddingBagOptions& options = {});

  static Handle<EmbeddingBag> from_pretrained(
      const Tensor& embeddings, bool freeze = true,
      const EmbeddingBagFromPretrainedOptions& options = {});

  // [B, embedding_dim]: input (B, N), or 1-D input with offsets (F.embedding_bag).
  // Two overloads rather than default arguments: a call with values (a
  // container, Module::call) passes the one input; typed calls take any.
  Tensor forward(const Tensor& input);
  Tensor forward(const Tensor& input, const std::optional<Tensor>& offsets,
                 const std::optional<Tensor>& per_sample_weights = std::nullopt);
  virtual void reset_parameters();
  // "10, 3, mode=sum, padding_idx=0", as torch.
  std::string extra_repr() const override;

  int64_t num_embeddings = 0;
  int64_t embedding_dim = 0;
  std::optional<double> max_norm;
  double norm_type = 2.;
  bool scale_grad_by_freq = false;
  std::string mode = "mean";
  bool sparse = false;
  bool include_last_offset = false;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};

}  // namespace ember::nn
