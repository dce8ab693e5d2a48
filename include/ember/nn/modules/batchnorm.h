#pragma once
// torch.nn.BatchNorm1d/2d/3d (torch/nn/modules/batchnorm.py) and their
// common base (_NormBase), also used by InstanceNorm1d/2d.
#include <cstdint>
#include <optional>
#include <string>

#include "ember/core/removable_handle.h"
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
  // lazy: num_features 0, weight/bias UninitializedParameters and running
  // stats UninitializedBuffers (as torch's _LazyNormBase), nothing reset.
  NormBase(const std::string& name, int64_t num_features, double eps,
           std::optional<double> momentum, bool affine, bool track_running_stats,
           const TensorOptions& options, bool lazy = false);
};

// Normalises over the batch (and spatial) dims with batch statistics in
// training (updating the running stats when tracked) and the running stats in
// eval (batch statistics when not tracked). In training num_batches_tracked
// counts the calls; an input that is then rejected leaves the count as it was
// (torch 1.13 would keep it incremented). options: dtype and device of the
// parameters and running stats (num_batches_tracked stays int64).
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
  struct Lazy {};
  BatchNorm1d(Lazy, double eps, std::optional<double> momentum, bool affine,
              bool track_running_stats, const TensorOptions& options)
      : BatchNormBase("BatchNorm1d", 0, eps, momentum, affine, track_running_stats, options, true) {
  }
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
  struct Lazy {};
  BatchNorm2d(Lazy, double eps, std::optional<double> momentum, bool affine,
              bool track_running_stats, const TensorOptions& options)
      : BatchNormBase("BatchNorm2d", 0, eps, momentum, affine, track_running_stats, options, true) {
  }
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
  struct Lazy {};
  BatchNorm3d(Lazy, double eps, std::optional<double> momentum, bool affine,
              bool track_running_stats, const TensorOptions& options)
      : BatchNormBase("BatchNorm3d", 0, eps, momentum, affine, track_running_stats, options, true) {
  }
  void check_input_dim(const Tensor& input) const override;
};

namespace detail {
// LazyModuleMixin for norms: materializes uninitialised parameters and
// buffers from a state_dict being loaded.
RemovableHandle make_norm_lazy(NormBase& m);
bool norm_has_uninitialized_params(const Module& m);
// num_features = input.size(1); materializes and resets the tensors.
void initialize_lazy_norm(NormBase& m, const Tensor& input);
}  // namespace detail

// torch.nn.LazyBatchNorm1d/2d/3d: num_features is taken from the first
// input's dim 1 (or from load_state_dict); until then weight/bias are
// UninitializedParameters, running_mean/var UninitializedBuffers and the
// module prints as "LazyBatchNorm2d(0, eps=...)"; then as its BatchNorm class.
template <typename Base>
class LazyBatchNormNd : public Base {
 public:
  LazyBatchNormNd(const char* lazy_name, double eps, std::optional<double> momentum, bool affine,
                  bool track_running_stats, const TensorOptions& options)
      : Base(typename Base::Lazy{}, eps, momentum, affine, track_running_stats, options) {
    final_name_ = this->name();
    this->set_name(lazy_name);
    load_hook_ = detail::make_norm_lazy(*this);
  }
  Tensor forward(const Tensor& input) {
    if (!initialized_) {
      initialize_parameters(input);
      load_hook_.remove();
      initialized_ = true;
      if (this->num_features == 0)  // materialized by load_state_dict
        this->num_features = this->weight.defined()         ? this->weight.size(0)
                             : this->running_mean.defined() ? this->running_mean.size(0)
                                                            : 0;
      this->set_name(final_name_);
    }
    return Base::forward(input);
  }
  void initialize_parameters(const Tensor& input) {
    if (has_uninitialized_params()) detail::initialize_lazy_norm(*this, input);
  }
  bool has_uninitialized_params() const { return detail::norm_has_uninitialized_params(*this); }
  void reset_parameters() override {
    if (!has_uninitialized_params() && this->num_features != 0) Base::reset_parameters();
  }

 private:
  std::string final_name_;
  bool initialized_ = false;
  RemovableHandle load_hook_;
};

class LazyBatchNorm1d : public LazyBatchNormNd<BatchNorm1d> {
 public:
  explicit LazyBatchNorm1d(double eps = 1e-5, std::optional<double> momentum = 0.1,
                           bool affine = true, bool track_running_stats = true,
                           const TensorOptions& options = {})
      : LazyBatchNormNd("LazyBatchNorm1d", eps, momentum, affine, track_running_stats, options) {}
};
class LazyBatchNorm2d : public LazyBatchNormNd<BatchNorm2d> {
 public:
  explicit LazyBatchNorm2d(double eps = 1e-5, std::optional<double> momentum = 0.1,
                           bool affine = true, bool track_running_stats = true,
                           const TensorOptions& options = {})
      : LazyBatchNormNd("LazyBatchNorm2d", eps, momentum, affine, track_running_stats, options) {}
};
class LazyBatchNorm3d : public LazyBatchNormNd<BatchNorm3d> {
 public:
  explicit LazyBatchNorm3d(double eps = 1e-5, std::optional<double> momentum = 0.1,
                           bool affine = true, bool track_running_stats = true,
                           const TensorOptions& options = {})
      : LazyBatchNormNd("LazyBatchNorm3d", eps, momentum, affine, track_running_stats, options) {}
};

}  // namespace ember::nn
