#pragma once
// torch.nn.Identity, Linear and LazyLinear (torch/nn/modules/linear.py).
#include <cstdint>
#include <string>

#include "ember/core/removable_handle.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

// Returns its input (torch.nn.Identity; torch's ignored constructor arguments
// have no C++ counterpart).
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& input) { return input; }
};

// y = x W^T + b. Parameters "weight" [out_features, in_features] and "bias"
// [out_features] (bias = false registers None), initialised as torch does:
// kaiming_uniform_(weight, a = sqrt(5)), bias ~ U(-1/sqrt(in_features), ...).
// options: the dtype and device of the parameters (torch's factory kwargs;
// requires_grad and memory_format are not used). Negative features throw
// empty's "Trying to create tensor with negative dimension" RuntimeError.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true,
         const TensorOptions& options = {});

  Tensor forward(const Tensor& input);
  virtual void reset_parameters();
  // "in_features=4, out_features=2, bias=True"
  std::string extra_repr() const override;

  int64_t in_features = 0;
  int64_t out_features = 0;
  Tensor weight;  // the module's own tensors (handles to its slots)
  Tensor bias;    // undefined when bias = false

 protected:
  struct Lazy {};
  // LazyLinear's: uninitialised weight and bias, in_features = 0.
  Linear(Lazy, int64_t out_features, bool bias, const TensorOptions& options);
};

// A Linear whose in_features is taken from the last dimension of the first
// input (torch.nn.LazyLinear). weight and bias are UninitializedParameters
// until then: forward materializes them (in the dtype and device they have by
// then, so Module::to before the first forward counts), sets in_features and
// runs reset_parameters; from then on it computes as a Linear.
// load_state_dict materializes them from the saved shapes (a load pre-hook, as
// torch's LazyModuleMixin; forward then takes in_features from the weight).
// After the first forward it prints as "Linear", as torch changes its class.
class LazyLinear : public Linear {
 public:
  explicit LazyLinear(int64_t out_features, bool bias = true, const TensorOptions& options = {});

  // Initialises on the first call (torch's _infer_parameters pre-hook), then
  // Linear::forward.
  Tensor forward(const Tensor& input);
  // Only once the parameters are materialized and in_features is known.
  void reset_parameters() override;
  // Materializes weight [out_features, input.size(-1)] and bias [out_features]
  // under NoGradGuard and resets them; nothing if already initialised.
  void initialize_parameters(const Tensor& input);
  // Whether a parameter or buffer of this module is still uninitialised.
  bool has_uninitialized_params() const;

 private:
  bool initialized_ = false;  // torch removes its hooks (and class) at the first forward
  RemovableHandle load_hook_;
};

}  // namespace ember::nn

namespace ember::nn {

// y = x1^T A x2 + b for each output feature (torch.nn.Bilinear). Parameters
// "weight" [out_features, in1_features, in2_features] and "bias"
// [out_features] (bias = false registers None), both initialised
// U(-1/sqrt(in1_features), 1/sqrt(in1_features)) as torch's reset_parameters.
// forward(input1 (*, in1), input2 (*, in2)) -> (*, out): F.bilinear.
class Bilinear : public Module {
 public:
  Bilinear(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias = true,
           const TensorOptions& options = {});

  Tensor forward(const Tensor& input1, const Tensor& input2);
  virtual void reset_parameters();
  // "in1_features=3, in2_features=4, out_features=5, bias=True"
  std::string extra_repr() const override;

  int64_t in1_features = 0;
  int64_t in2_features = 0;
  int64_t out_features = 0;
  Tensor weight;
  Tensor bias;  // undefined when bias = false
};

}  // namespace ember::nn
