#pragma once
// torch.nn.InstanceNorm1d/2d (torch/nn/modules/instancenorm.py): per-sample,
// per-channel normalisation. Defaults affine = false, track_running_stats =
// false; with running stats, eval mode uses them. Unbatched inputs
// ((C, L) / (C, H, W)) are normalised as a batch of one.
#include "ember/nn/modules/batchnorm.h"

namespace ember::nn {

class InstanceNormBase : public NormBase {
 public:
  Tensor forward(const Tensor& input);

 protected:
  using NormBase::NormBase;
  virtual void check_input_dim(const Tensor& input) const = 0;
  virtual int64_t no_batch_dim() const = 0;
  Tensor apply(const Tensor& input);
};

// Input (N, C, L) or (C, L).
class InstanceNorm1d : public InstanceNormBase {
 public:
  explicit InstanceNorm1d(int64_t num_features, double eps = 1e-5,
                          std::optional<double> momentum = 0.1, bool affine = false,
                          bool track_running_stats = false, const TensorOptions& options = {})
      : InstanceNormBase("InstanceNorm1d", num_features, eps, momentum, affine, track_running_stats,
                         options) {}
  Tensor forward(const Tensor& input) { return InstanceNormBase::forward(input); }

 protected:
  void check_input_dim(const Tensor& input) const override;
  int64_t no_batch_dim() const override { return 2; }
};

// Input (N, C, H, W) or (C, H, W).
class InstanceNorm2d : public InstanceNormBase {
 public:
  explicit InstanceNorm2d(int64_t num_features, double eps = 1e-5,
                          std::optional<double> momentum = 0.1, bool affine = false,
                          bool track_running_stats = false, const TensorOptions& options = {})
      : InstanceNormBase("InstanceNorm2d", num_features, eps, momentum, affine, track_running_stats,
                         options) {}
  Tensor forward(const Tensor& input) { return InstanceNormBase::forward(input); }

 protected:
  void check_input_dim(const Tensor& input) const override;
  int64_t no_batch_dim() const override { return 3; }
};

}  // namespace ember::nn
