#pragma once
// torch.nn's padding layers (torch/nn/modules/padding.py): ConstantPad1d/2d/3d,
// ZeroPad2d, ReflectionPad1d/2d/3d, ReplicationPad1d/2d/3d. Each holds
// `padding` as torch does, one int expanded to every side ((left, right) for
// 1d, (left, right, top, bottom) for 2d, six values for 3d) or the full list,
// and forwards to ember::pad with its mode; the input rank and size rules and
// their errors are pad's. extra_repr as torch: "padding=(1, 1), value=0.5" for
// the constant pads (an integer value prints without ".0", as a Python int
// would), "(1, 1, 2, 2)" for the others and ZeroPad2d.
#include <cstdint>
#include <string>
#include <vector>

#include "ember/core/scalar.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

namespace detail {
// torch's _ntuple: one value for every side, or exactly n values.
std::vector<int64_t> pad_sides(const char* module, std::vector<int64_t> padding, size_t n);
}  // namespace detail

// Pads with one mode; the base of every padding layer.
class PadNd : public Module {
 public:
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::vector<int64_t> padding;

 protected:
  PadNd(const char* name, std::string mode, std::vector<int64_t> padding, size_t sides,
        std::optional<Scalar> value = std::nullopt);
  std::string mode_;
  std::optional<Scalar> value_;  // the constant pads' value
};

class ConstantPad1d : public PadNd {
 public:
  ConstantPad1d(std::vector<int64_t> padding, Scalar value)
      : PadNd("ConstantPad1d", "constant", std::move(padding), 2, value) {}
  ConstantPad1d(int64_t padding, Scalar value)
      : ConstantPad1d(std::vector<int64_t>{padding}, value) {}
  Scalar value() const { return *value_; }
};
class ConstantPad2d : public PadNd {
 public:
  ConstantPad2d(std::vector<int64_t> padding, Scalar value)
      : PadNd("ConstantPad2d", "constant", std::move(padding), 4, value) {}
  ConstantPad2d(int64_t padding, Scalar value)
      : ConstantPad2d(std::vector<int64_t>{padding}, value) {}
  Scalar value() const { return *value_; }

 protected:
  ConstantPad2d(const char* name, std::vector<int64_t> padding)
      : PadNd(name, "constant", std::move(padding), 4, Scalar(0.0)) {}
};
class ConstantPad3d : public PadNd {
 public:
  ConstantPad3d(std::vector<int64_t> padding, Scalar value)
      : PadNd("ConstantPad3d", "constant", std::move(padding), 6, value) {}
  ConstantPad3d(int64_t padding, Scalar value)
      : ConstantPad3d(std::vector<int64_t>{padding}, value) {}
  Scalar value() const { return *value_; }
};
class ZeroPad2d : public ConstantPad2d {
 public:
  explicit ZeroPad2d(std::vector<int64_t> padding)
      : ConstantPad2d("ZeroPad2d", std::move(padding)) {}
  explicit ZeroPad2d(int64_t padding) : ZeroPad2d(std::vector<int64_t>{padding}) {}
  std::string extra_repr() const override;
};

#define EMBER_PAD_LAYER(Name, mode, sides)                                                         \
  class Name : public PadNd {                                                                      \
   public:                                                                                         \
    explicit Name(std::vector<int64_t> padding) : PadNd(#Name, mode, std::move(padding), sides) {} \
    explicit Name(int64_t padding) : Name(std::vector<int64_t>{padding}) {}                        \
  };
EMBER_PAD_LAYER(ReflectionPad1d, "reflect", 2)
EMBER_PAD_LAYER(ReflectionPad2d, "reflect", 4)
EMBER_PAD_LAYER(ReflectionPad3d, "reflect", 6)
EMBER_PAD_LAYER(ReplicationPad1d, "replicate", 2)
EMBER_PAD_LAYER(ReplicationPad2d, "replicate", 4)
EMBER_PAD_LAYER(ReplicationPad3d, "replicate", 6)
#undef EMBER_PAD_LAYER

}  // namespace ember::nn
