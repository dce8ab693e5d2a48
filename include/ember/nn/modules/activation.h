#pragma once
// torch.nn's activation modules (torch/nn/modules/activation.py): the same
// constructor arguments, defaults, public attributes and extra_repr.
#include <cstdint>
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

class ReLU : public Module {
 public:
  explicit ReLU(bool inplace = false) : Module("ReLU"), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  bool inplace;
};

// Hardtanh: clamp to [min_val, max_val]; max_val must exceed min_val.
class Hardtanh : public Module {
 public:
  explicit Hardtanh(double min_val = -1.0, double max_val = 1.0, bool inplace = false);
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double min_val, max_val;
  bool inplace;

 protected:
  Hardtanh(const char* name, double min_val, double max_val, bool inplace);
};

class ReLU6 : public Hardtanh {
 public:
  explicit ReLU6(bool inplace = false) : Hardtanh("ReLU6", 0.0, 6.0, inplace) {}
  std::string extra_repr() const override;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01, bool inplace = false)
      : Module("LeakyReLU"), negative_slope(negative_slope), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double negative_slope;
  bool inplace;
};

// Parameter "weight" [num_parameters], filled with `init`.
class PReLU : public Module {
 public:
  explicit PReLU(int64_t num_parameters = 1, double init = 0.25, const TensorOptions& options = {});
  Tensor forward(const Tensor& input);
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t num_parameters;
  double init;
  Tensor weight;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0, bool inplace = false)
      : Module("ELU"), alpha(alpha), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double alpha;
  bool inplace;
};

class SELU : public Module {
 public:
  explicit SELU(bool inplace = false) : Module("SELU"), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  bool inplace;
};

class CELU : public Module {
 public:
  explicit CELU(double alpha = 1.0, bool inplace = false)
      : Module("CELU"), alpha(alpha), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double alpha;
  bool inplace;
};

class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none")
      : Module("GELU"), approximate(std::move(approximate)) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::string approximate;
};

class SiLU : public Module {
 public:
  explicit SiLU(bool inplace = false) : Module("SiLU"), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  bool inplace;
};

class Mish : public Module {
 public:
  explicit Mish(bool inplace = false) : Module("Mish"), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  bool inplace;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input);
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& input);
};

class Hardsigmoid : public Module {
 public:
  explicit Hardsigmoid(bool inplace = false) : Module("Hardsigmoid"), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  bool inplace;
};

class Hardswish : public Module {
 public:
  explicit Hardswish(bool inplace = false) : Module("Hardswish"), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  bool inplace;
};

// Prints beta and threshold as torch's int defaults print ("beta=1, threshold=20").
class Softplus : public Module {
 public:
  explicit Softplus(double beta = 1.0, double threshold = 20.0)
      : Module("Softplus"), beta(beta), threshold(threshold) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double beta, threshold;
};

class Softsign : public Module {
 public:
  Softsign() : Module("Softsign") {}
  Tensor forward(const Tensor& input);
};

class Threshold : public Module {
 public:
  Threshold(double threshold, double value, bool inplace = false)
      : Module("Threshold"), threshold(threshold), value(value), inplace(inplace) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double threshold, value;
  bool inplace;
};

// dim: none picks torch's implicit dim (0 for 0-, 1- and 3-dim inputs, else 1).
class Softmax : public Module {
 public:
  explicit Softmax(std::optional<int64_t> dim = std::nullopt) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::optional<int64_t> dim = std::nullopt) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
};

// softmin over dim (none: as Softmax's).
class Softmin : public Module {
 public:
  explicit Softmin(std::optional<int64_t> dim = std::nullopt) : Module("Softmin"), dim(dim) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
};

// Softmax over the channels (dim -3) of a 3-D or 4-D input.
class Softmax2d : public Module {
 public:
  Softmax2d() : Module("Softmax2d") {}
  Tensor forward(const Tensor& input);
};

class LogSigmoid : public Module {
 public:
  LogSigmoid() : Module("LogSigmoid") {}
  Tensor forward(const Tensor& input);
};

class Tanhshrink : public Module {
 public:
  Tanhshrink() : Module("Tanhshrink") {}
  Tensor forward(const Tensor& input);
};

// extra_repr prints lambd alone ("Softshrink(0.5)").
class Softshrink : public Module {
 public:
  explicit Softshrink(double lambd = 0.5) : Module("Softshrink"), lambd(lambd) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double lambd;
};

class Hardshrink : public Module {
 public:
  explicit Hardshrink(double lambd = 0.5) : Module("Hardshrink"), lambd(lambd) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double lambd;
};

class GLU : public Module {
 public:
  explicit GLU(int64_t dim = -1) : Module("GLU"), dim(dim) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  int64_t dim;
};

}  // namespace ember::nn
