#pragma once
// torch.nn.MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
// AdaptiveMaxPool1d/2d/3d
// (torch/nn/modules/pooling.py), on the pooling ops of ember/ops/pool.h.
//
// Sizes take one integer or a braced list ({2, 3}), and print as torch does:
// as given (MaxPool, Adaptive*: "kernel_size=3" or "kernel_size=(2, 3)"), or
// as tuples where torch converts them (AvgPool1d: "kernel_size=(3,)").
// An unset stride is kernel_size (torch's stride=None).
//   auto pool = nn::make<nn::MaxPool2d>(3, nn::MaxPool2dOptions{.stride = 2, .padding = 1});
// forward(x) returns the pooled tensor; a pool made with return_indices = true
// also has forward_with_indices(x) -> (output, indices) (forward() then still
// returns the output only: C++ has one return type).
#include <optional>
#include <string>
#include <tuple>

#include "ember/nn/module.h"
#include "ember/nn/modules/conv.h"

namespace ember::nn {

struct MaxPoolOptions {
  std::optional<ConvSize> stride = std::nullopt;  // none: kernel_size
  ConvSize padding = 0;
  ConvSize dilation = 1;
  bool return_indices = false;
  bool ceil_mode = false;
};
using MaxPool1dOptions = MaxPoolOptions;
using MaxPool2dOptions = MaxPoolOptions;
using MaxPool3dOptions = MaxPoolOptions;

struct AvgPoolOptions {
  std::optional<ConvSize> stride = std::nullopt;  // none: kernel_size
  ConvSize padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override = std::nullopt;  // AvgPool2d only (as torch)
};
using AvgPool1dOptions = AvgPoolOptions;
using AvgPool2dOptions = AvgPoolOptions;
using AvgPool3dOptions = AvgPoolOptions;

// torch's _MaxPoolNd: MaxPool1d/2d/3d (max_pool1d/2d/3d(_with_indices)).
class MaxPoolNd : public Module {
 public:
  Tensor forward(const Tensor& input);
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  // "kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False"
  std::string extra_repr() const override;
  ConvSize kernel_size, stride, padding, dilation;
  bool return_indices, ceil_mode;

 protected:
  MaxPoolNd(const char* name, int64_t dims, const ConvSize& kernel_size,
            const MaxPoolOptions& options);

 private:
  int64_t dims_;
};

class MaxPool1d : public MaxPoolNd {
 public:
  explicit MaxPool1d(const ConvSize& kernel_size, const MaxPool1dOptions& options = {})
      : MaxPoolNd("MaxPool1d", 1, kernel_size, options) {}
};

class MaxPool2d : public MaxPoolNd {
 public:
  explicit MaxPool2d(const ConvSize& kernel_size, const MaxPool2dOptions& options = {})
      : MaxPoolNd("MaxPool2d", 2, kernel_size, options) {}
};

class MaxPool3d : public MaxPoolNd {
 public:
  explicit MaxPool3d(const ConvSize& kernel_size, const MaxPool3dOptions& options = {})
      : MaxPoolNd("MaxPool3d", 3, kernel_size, options) {}
};

// torch's _AvgPoolNd: AvgPool1d/2d/3d (avg_pool1d/2d/3d).
class AvgPoolNd : public Module {
 public:
  // "kernel_size=3, stride=3, padding=0"; AvgPool1d: "kernel_size=(3,), stride=(3,), padding=(0,)"
  std::string extra_repr() const override;
  ConvSize kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;

 protected:
  AvgPoolNd(const char* name, int64_t dims, const ConvSize& kernel_size,
            const AvgPoolOptions& options);
  Tensor pool(const Tensor& input, std::optional<int64_t> divisor_override) const;

 private:
  int64_t dims_;
};

class AvgPool1d : public AvgPoolNd {
 public:
  explicit AvgPool1d(const ConvSize& kernel_size, const AvgPool1dOptions& options = {})
      : AvgPoolNd("AvgPool1d", 1, kernel_size, options) {}
  Tensor forward(const Tensor& input) { return pool(input, std::nullopt); }
};

class AvgPool2d : public AvgPoolNd {
 public:
  explicit AvgPool2d(const ConvSize& kernel_size, const AvgPool2dOptions& options = {})
      : AvgPoolNd("AvgPool2d", 2, kernel_size, options),
        divisor_override(options.divisor_override) {}
  Tensor forward(const Tensor& input) { return pool(input, divisor_override); }
  std::optional<int64_t> divisor_override;
};

class AvgPool3d : public AvgPoolNd {
 public:
  explicit AvgPool3d(const ConvSize& kernel_size, const AvgPool3dOptions& options = {})
      : AvgPoolNd("AvgPool3d", 3, kernel_size, options),
        divisor_override(options.divisor_override) {}
  Tensor forward(const Tensor& input) { return pool(input, divisor_override); }
  std::optional<int64_t> divisor_override;
};

class AdaptiveAvgPool1d : public Module {
 public:
  explicit AdaptiveAvgPool1d(int64_t output_size);
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;  // "output_size=5"
  int64_t output_size;
};

// torch's _AdaptiveAvgPoolNd with a size per dim: AdaptiveAvgPool2d/3d.
class AdaptiveAvgPoolNd : public Module {
 public:
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;  // "output_size=(5, 7)"
  ConvSize output_size;

 protected:
  AdaptiveAvgPoolNd(const char* name, int64_t dims, const ConvSize& output_size);

 private:
  int64_t dims_;
};

class AdaptiveAvgPool2d : public AdaptiveAvgPoolNd {
 public:
  explicit AdaptiveAvgPool2d(const ConvSize& output_size)
      : AdaptiveAvgPoolNd("AdaptiveAvgPool2d", 2, output_size) {}
};

class AdaptiveAvgPool3d : public AdaptiveAvgPoolNd {
 public:
  explicit AdaptiveAvgPool3d(const ConvSize& output_size)
      : AdaptiveAvgPoolNd("AdaptiveAvgPool3d", 3, output_size) {}
};

class AdaptiveMaxPool1d : public Module {
 public:
  explicit AdaptiveMaxPool1d(int64_t output_size, bool return_indices = false);
  Tensor forward(const Tensor& input);
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;  // "output_size=3"
  int64_t output_size;
  bool return_indices;
};

// torch's _AdaptiveMaxPoolNd with a size per dim: AdaptiveMaxPool2d/3d.
class AdaptiveMaxPoolNd : public Module {
 public:
  Tensor forward(const Tensor& input);
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;  // "output_size=(1, 2, 3)"
  ConvSize output_size;
  bool return_indices;

 protected:
  AdaptiveMaxPoolNd(const char* name, int64_t dims, const ConvSize& output_size,
                    bool return_indices);

 private:
  int64_t dims_;
};

class AdaptiveMaxPool2d : public AdaptiveMaxPoolNd {
 public:
  explicit AdaptiveMaxPool2d(const ConvSize& output_size, bool return_indices = false)
      : AdaptiveMaxPoolNd("AdaptiveMaxPool2d", 2, output_size, return_indices) {}
};

class AdaptiveMaxPool3d : public AdaptiveMaxPoolNd {
 public:
  explicit AdaptiveMaxPool3d(const ConvSize& output_size, bool return_indices = false)
      : AdaptiveMaxPoolNd("AdaptiveMaxPool3d", 3, output_size, return_indices) {}
};

}  // namespace ember::nn
