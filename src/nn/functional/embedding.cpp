#include "ember/nn/functional/embedding.h"

#include "ember/core/grad_mode.h"
#include "ember/ops/factory.h"

namespace ember::nn::functional {

namespace {

// torch's shape printing in these messages: "torch.Size([2, 3])".
std::string torch_size(IntArrayRef s) {
  std::string r = "torch.Size([";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "])";
}

// _no_grad_embedding_renorm_: the weight's data, changed without history.
void renorm(const Tensor& weight, const Tensor& input, double max_norm, double norm_type) {
  NoGradGuard no_grad;
  Tensor w = weight.detach();
  embedding_renorm_(w, input, max_norm, norm_type);
}

}  // namespace

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq,
                 bool sparse) {
  int64_t pad = -1;
  if (padding_idx) {
    pad = *padding_idx;
    // torch reads weight.size(0) here: a 0-dim weight fails in size().
    const int64_t V = weight.size(0);
    EMBER_CHECK(pad < V && pad >= -V, ValueError, "Padding_idx must be within num_embeddings");
    if (pad < 0) pad += V;
  }
  if (max_norm) {
    const Tensor in = input.contiguous();
    renorm(weight, in, *max_norm, norm_type);
    return ember::embedding(weight, in, pad, scale_grad_by_freq, sparse);
  }
  return ember::embedding(weight, input, pad, scale_grad_by_freq, sparse);
}

Tensor embedding_bag(const Tensor& input_, const Tensor& weight,
                     const std::optional<Tensor>& offsets_, std::optional<double> max_norm,
                     double norm_type, bool scale_grad_by_freq, const std::string& mode,
                     bool sparse, const std::optional<Tensor>& per_sample_weights_,
                     bool include_last_offset, std::optional<int64_t> padding_idx) {
  Tensor input = input_;
  std::optional<Tensor> psw = per_sample_weights_;
  if (psw && !psw->defined()) psw.reset();
  std::optional<Tensor> offsets = offsets_;
  if (offsets && !offsets->defined()) offsets.reset();
  EMBER_CHECK(!psw || input.sizes() == psw->sizes(), ValueError,
              "embedding_bag: If per_sample_weights (",
              torch_size(psw ? psw->sizes() : IntArrayRef{}),
              ") is not None, then it must have the same shape as the input (",
              torch_size(input.sizes()), ")");
  Tensor offs;
  if (input.dim() == 2) {
    EMBER_CHECK(!offsets, ValueError,
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                "of fixed length sequences. However, found offsets of type <class "
                "'torch.Tensor'>");
    // arange(0, numel, size(1)); a (B, 0) input gives no bags (as torch's arange with step 0
    // fails).
    EMBER_CHECK(input.size(1) > 0 || input.numel() == 0, RuntimeError, "step must be nonzero");
    offs = input.size(1) > 0 ? arange(0, input.numel(), input.size(1),
                                      {.dtype = input.dtype(), .device = input.device()})
                             : empty({0}, {.dtype = input.dtype(), .device = input.device()});
    input = input.reshape({-1});
    if (psw) psw = psw->reshape({-1});
  } else if (input.dim() == 1) {
    EMBER_CHECK(offsets, ValueError, "offsets has to be a 1D Tensor but got None");
    EMBER_CHECK(offsets->dim() == 1, ValueError, "offsets has to be a 1D Tensor");
    offs = *offsets;
  } else {
    throw ValueError(detail::str_cat(
        "input has to be 1D or 2D Tensor, but got Tensor of dimension ", input.dim()));
  }
  int64_t mode_enum = 0;
  if (mode == "sum") {
    mode_enum = 0;
  } else if (mode == "mean") {
    mode_enum = 1;
  } else if (mode == "max") {
    mode_enum = 2;
    EMBER_CHECK(!scale_grad_by_freq, ValueError,
                "max mode does not support scaling the gradient by the frequency");
    EMBER_CHECK(!sparse, ValueError, "max mode does not support sparse weights");
  } else {
    throw ValueError("mode has to be one of sum, mean or max");
  }
  if (max_norm) renorm(weight, input, *max_norm, norm_type);
  EMBER_CHECK(!psw || mode == "sum", NotImplementedError,
              "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
              "supported for mode='sum' (got mode='",
              mode, "'). Please open a feature request on GitHub.");
  return ember::embedding_bag(weight, input, offs, scale_grad_by_freq, mode_enum, sparse, psw,
                              include_last_offset, padding_idx);
}

}  // namespace ember::nn::functional
