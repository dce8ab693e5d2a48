#pragma once
// torch.nn's dropout modules (torch/nn/modules/dropout.py): p outside [0, 1]
// is a ValueError at construction; forward drops in training mode only.
// `generator` (not in torch): where the masks come from (nullptr: the default
// generator).
#include <string>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

class DropoutBase : public Module {
 public:
  // "p=0.5, inplace=False"
  std::string extra_repr() const override;
  double p;
  bool inplace;
  Generator* generator = nullptr;

 protected:
  DropoutBase(const char* name, double p, bool inplace);
};

class Dropout : public DropoutBase {
 public:
  explicit Dropout(double p = 0.5, bool inplace = false) : DropoutBase("Dropout", p, inplace) {}
  Tensor forward(const Tensor& input);
};
class Dropout1d : public DropoutBase {
 public:
  explicit Dropout1d(double p = 0.5, bool inplace = false) : DropoutBase("Dropout1d", p, inplace) {}
  Tensor forward(const Tensor& input);
};
class Dropout2d : public DropoutBase {
 public:
  explicit Dropout2d(double p = 0.5, bool inplace = false) : DropoutBase("Dropout2d", p, inplace) {}
  Tensor forward(const Tensor& input);
};
class Dropout3d : public DropoutBase {
 public:
  explicit Dropout3d(double p = 0.5, bool inplace = false) : DropoutBase("Dropout3d", p, inplace) {}
  Tensor forward(const Tensor& input);
};
class AlphaDropout : public DropoutBase {
 public:
  explicit AlphaDropout(double p = 0.5, bool inplace = false)
      : DropoutBase("AlphaDropout", p, inplace) {}
  Tensor forward(const Tensor& input);
};
class FeatureAlphaDropout : public DropoutBase {
 public:
  explicit FeatureAlphaDropout(double p = 0.5, bool inplace = false)
      : DropoutBase("FeatureAlphaDropout", p, inplace) {}
  Tensor forward(const Tensor& input);
};

}  // namespace ember::nn
