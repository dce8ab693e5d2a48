#pragma once
// torch.nn.BatchNorm1d/2d/3d (torch/nn/modules/batchnorm.py) and their
// common base (_NormBase), also used by InstanceNorm1d/2d.
#include <cstdint>
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

// Parameters "weight" (ones) and "bias" (zeros) of [num_features] when affine
// (else None); buffers "running_mean" (zeros), "running_var" (ones) and
// "num_batches_tracked" (int64 scalar 0) when track_running_stats (else None).
// momentum = std::nullopt: cumulative moving average (1 / num_batches_tracked).
class NormBase : public Module {
 public:
  void reset_running_stats();
  virtual void reset_parameters();
  // "4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True"
  std::string extra_repr() const override;

  int64_t num_features = 0;
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
  Tensor weight, bias;                                    // undefined unless affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined unless tracked

 protected:
  NormBase(const std::string& name, int64_t num_features, double eps,
           std::optional<double> momentum, bool affine, bool track_running_stats,
           const TensorOptions& options);
};

// Normalises over the batch (and spatial) dims with batch statistics in
// training (updating the running stats when tracked) and the running stats in
// eval (batch statistics when not tracked).
class BatchNormBase : public NormBase {
 public:
  Tensor forward(const Tensor& input);

 protected:
  using NormBase::NormBase;
  // ValueError "expected 4D input (got 3D input)" and the like.
  virtual void check_input_dim(const Tensor& input) const = 0;
};

// Input (N, C) or (N, C, L).
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, const TensorOptions& options = {})
      : BatchNormBase("BatchNorm1d", num_features, eps, momentum, affine, track_running_stats,
                      options) {}
  Tensor forward(const Tensor& input) { return BatchNormBase::forward(input); }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

// Input (N, C, H, W).
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, const TensorOptions& options = {})
      : BatchNormBase("BatchNorm2d", num_features, eps, momentum, affine, track_running_stats,
                      options) {}
  Tensor forward(const Tensor& input) { return BatchNormBase::forward(input); }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

// Input (N, C, D, H, W).
class BatchNorm3d : public BatchNormBase {
 public:
  explicit BatchNorm3d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, const TensorOptions& options = {})
      : BatchNormBase("BatchNorm3d", num_features, eps, momentum, affine, track_running_stats,
                      options) {}
  Tensor forward(const Tensor& input) { return BatchNormBase::forward(input); }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

}  // namespace ember::nn
