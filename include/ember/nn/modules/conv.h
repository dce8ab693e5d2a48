#pragma once
// torch.nn.Conv1d / Conv2d / Conv3d (torch/nn/modules/conv.py).
//
// Construction: the three positional arguments of torch (in_channels,
// out_channels, kernel_size) and the keyword ones in an options struct with
// designated initialisers, in torch's order:
//
//   auto conv = nn::make<nn::Conv2d>(3, 64, 3, nn::Conv2dOptions{.stride = 2, .padding = 1,
//                                                                .bias = false});
//   auto same = nn::make<nn::Conv1d>(8, 8, 5, nn::Conv1dOptions{.padding = "same",
//                                                               .padding_mode = "reflect"});
//
// kernel_size, stride, padding and dilation take one integer (repeated over
// the spatial dims) or a braced list with one value per dim ({3, 5}); padding
// may also be "same" or "valid". Errors as torch's constructor (ValueError).
#include <cstdint>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

// One integer for every spatial dim, or one per dim (torch's _pair etc.).
struct ConvSize {
  DimVector v;
  bool scalar = true;                 // given as one integer
  ConvSize(int64_t x) : v{x} {}       // NOLINT(google-explicit-constructor)
  ConvSize(int x) : v{int64_t{x}} {}  // NOLINT(google-explicit-constructor)
  ConvSize(std::initializer_list<int64_t> l) : v(l), scalar(false) {}
  ConvSize(IntArrayRef l) : v(l), scalar(false) {}  // NOLINT(google-explicit-constructor)
  // The value for `n` spatial dims (a single value repeated).
  DimVector expand(int64_t n) const;
};

// padding: integers as ConvSize, or "same" / "valid".
struct ConvPadding {
  ConvSize size = 0;
  std::string mode;                    // empty: the integers
  ConvPadding(int64_t x) : size(x) {}  // NOLINT(google-explicit-constructor)
  ConvPadding(int x) : size(x) {}      // NOLINT(google-explicit-constructor)
  ConvPadding(std::initializer_list<int64_t> l) : size(l) {}
  ConvPadding(const ConvSize& s) : size(s) {}         // NOLINT(google-explicit-constructor)
  ConvPadding(const char* s) : mode(s) {}             // NOLINT(google-explicit-constructor)
  ConvPadding(std::string s) : mode(std::move(s)) {}  // NOLINT(google-explicit-constructor)
};

// torch's keyword arguments of Conv1d/2d/3d after kernel_size.
struct ConvOptions {
  ConvSize stride = 1;
  ConvPadding padding = 0;
  ConvSize dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";         // zeros, reflect, replicate or circular
  std::optional<DType> dtype = std::nullopt;  // torch's factory kwargs
  std::optional<Device> device = std::nullopt;
};
using Conv1dOptions = ConvOptions;
using Conv2dOptions = ConvOptions;
using Conv3dOptions = ConvOptions;

// _ConvNd: parameters "weight" (out_channels, in_channels / groups, *kernel)
// and "bias" (out_channels, or None), initialised as torch's reset_parameters:
// kaiming_uniform_(weight, a = sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
// padding_mode other than zeros pads the input with pad() first (torch's
// _reversed_padding_repeated_twice) and convolves without padding.
class ConvNd : public Module {
 public:
  virtual void reset_parameters();
  // "16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), bias=False", as torch.
  std::string extra_repr() const override;

  int64_t in_channels = 0, out_channels = 0;
  DimVector kernel_size, stride, dilation;
  DimVector padding;           // the integers (zeros for "valid" / "same")
  std::string padding_string;  // "same" / "valid", or empty
  DimVector output_padding;    // zeros unless transposed
  bool transposed = false;
  int64_t groups = 1;
  std::string padding_mode;
  // For each dim, from the last: (left, right) padding, as torch's
  // _reversed_padding_repeated_twice (what pad() takes).
  DimVector reversed_padding_repeated_twice;
  Tensor weight;
  Tensor bias;  // undefined when bias = false

 protected:
  ConvNd(const char* name, int64_t dims, int64_t in_channels, int64_t out_channels,
         const ConvSize& kernel_size, const ConvOptions& options);
  // _ConvTransposeNd's: weight (in_channels, out_channels / groups, *kernel).
  struct Transposed {
    bool on = false;
    ConvSize output_padding = 0;
  };
  ConvNd(const char* name, int64_t dims, int64_t in_channels, int64_t out_channels,
         const ConvSize& kernel_size, const ConvOptions& options, const Transposed& t);
  // F.convNd (or pad + convNd for a non-zeros padding_mode) with these parameters.
  Tensor conv_forward(const Tensor& input, const Tensor& weight, const Tensor& bias) const;

 private:
  int64_t dims_;
};

class Conv1d : public ConvNd {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, const ConvSize& kernel_size,
         const Conv1dOptions& options = {})
      : ConvNd("Conv1d", 1, in_channels, out_channels, kernel_size, options) {}
  Tensor forward(const Tensor& input) { return conv_forward(input, weight, bias); }
};

class Conv2d : public ConvNd {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, const ConvSize& kernel_size,
         const Conv2dOptions& options = {})
      : ConvNd("Conv2d", 2, in_channels, out_channels, kernel_size, options) {}
  Tensor forward(const Tensor& input) { return conv_forward(input, weight, bias); }
};

class Conv3d : public ConvNd {
 public:
  Conv3d(int64_t in_channels, int64_t out_channels, const ConvSize& kernel_size,
         const Conv3dOptions& options = {})
      : ConvNd("Conv3d", 3, in_channels, out_channels, kernel_size, options) {}
  Tensor forward(const Tensor& input) { return conv_forward(input, weight, bias); }
};

// torch.nn.ConvTranspose1d / 2d / 3d: ConvOptions plus output_padding (only
// padding_mode "zeros", integer padding; torch's forward(input, output_size)
// is not there: forward(input) uses output_padding).
struct ConvTransposeOptions {
  ConvSize stride = 1;
  ConvSize padding = 0;
  ConvSize output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  ConvSize dilation = 1;
  std::string padding_mode = "zeros";
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
};
using ConvTranspose1dOptions = ConvTransposeOptions;
using ConvTranspose2dOptions = ConvTransposeOptions;
using ConvTranspose3dOptions = ConvTransposeOptions;

class ConvTransposeNd : public ConvNd {
 protected:
  ConvTransposeNd(const char* name, int64_t dims, int64_t in_channels, int64_t out_channels,
                  const ConvSize& kernel_size, const ConvTransposeOptions& options);
  Tensor transposed_forward(const Tensor& input) const;

 private:
  int64_t tdims_;
};

class ConvTranspose1d : public ConvTransposeNd {
 public:
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, const ConvSize& kernel_size,
                  const ConvTranspose1dOptions& options = {})
      : ConvTransposeNd("ConvTranspose1d", 1, in_channels, out_channels, kernel_size, options) {}
  Tensor forward(const Tensor& input) { return transposed_forward(input); }
};

class ConvTranspose2d : public ConvTransposeNd {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, const ConvSize& kernel_size,
                  const ConvTranspose2dOptions& options = {})
      : ConvTransposeNd("ConvTranspose2d", 2, in_channels, out_channels, kernel_size, options) {}
  Tensor forward(const Tensor& input) { return transposed_forward(input); }
};

class ConvTranspose3d : public ConvTransposeNd {
 public:
  ConvTranspose3d(int64_t in_channels, int64_t out_channels, const ConvSize& kernel_size,
                  const ConvTranspose3dOptions& options = {})
      : ConvTransposeNd("ConvTranspose3d", 3, in_channels, out_channels, kernel_size, options) {}
  Tensor forward(const Tensor& input) { return transposed_forward(input); }
};

}  // namespace ember::nn
