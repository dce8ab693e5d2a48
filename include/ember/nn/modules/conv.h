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

#include "ember/core/removable_handle.h"
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

namespace detail {
// LazyModuleMixin for convolutions: weight and bias become
// UninitializedParameters, and a load_state_dict pre-hook materializes them.
RemovableHandle make_conv_lazy(ConvNd& m, int64_t out_channels, bool bias,
                               std::optional<DType> dtype, std::optional<Device> device);
// Materializes weight/bias from the input's channel dim (size(1), or size(0)
// unbatched), checks groups, resets the parameters.
void initialize_lazy_conv(ConvNd& m, const Tensor& input, int64_t dims);
bool conv_has_uninitialized_params(const ConvNd& m);
}  // namespace detail

// torch.nn.LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d: in_channels is taken
// from the first input (dim 1, or dim 0 unbatched); until then weight and
// bias are UninitializedParameters and the module prints as
// "LazyConv2d(0, 33, ...)". The first forward (or load_state_dict)
// materializes and resets them; the module then prints as its Conv class.
//   auto conv = nn::make<nn::LazyConv2d>(33, 3, nn::Conv2dOptions{.stride = 2});
template <typename Base, typename Options, int Dims>
class LazyConvNd : public Base {
 public:
  LazyConvNd(const char* lazy_name, int64_t out_channels, const ConvSize& kernel_size,
             const Options& options)
      : Base(0, 0, kernel_size, options) {
    final_name_ = this->name();
    this->set_name(lazy_name);
    this->out_channels = out_channels;
    load_hook_ =
        detail::make_conv_lazy(*this, out_channels, options.bias, options.dtype, options.device);
  }
  Tensor forward(const Tensor& input) {
    if (!initialized_) {
      initialize_parameters(input);
      load_hook_.remove();
      initialized_ = true;
      if (this->in_channels == 0)  // materialized by load_state_dict
        this->in_channels =
            this->transposed ? this->weight.size(0) : this->weight.size(1) * this->groups;
      this->set_name(final_name_);
    }
    return Base::forward(input);
  }
  void initialize_parameters(const Tensor& input) {
    if (has_uninitialized_params()) detail::initialize_lazy_conv(*this, input, Dims);
  }
  bool has_uninitialized_params() const { return detail::conv_has_uninitialized_params(*this); }
  void reset_parameters() override {
    if (!has_uninitialized_params() && this->in_channels != 0) Base::reset_parameters();
  }

 private:
  std::string final_name_;
  bool initialized_ = false;
  RemovableHandle load_hook_;
};

class LazyConv1d : public LazyConvNd<Conv1d, Conv1dOptions, 1> {
 public:
  LazyConv1d(int64_t out_channels, const ConvSize& kernel_size, const Conv1dOptions& options = {})
      : LazyConvNd("LazyConv1d", out_channels, kernel_size, options) {}
};
class LazyConv2d : public LazyConvNd<Conv2d, Conv2dOptions, 2> {
 public:
  LazyConv2d(int64_t out_channels, const ConvSize& kernel_size, const Conv2dOptions& options = {})
      : LazyConvNd("LazyConv2d", out_channels, kernel_size, options) {}
};
class LazyConv3d : public LazyConvNd<Conv3d, Conv3dOptions, 3> {
 public:
  LazyConv3d(int64_t out_channels, const ConvSize& kernel_size, const Conv3dOptions& options = {})
      : LazyConvNd("LazyConv3d", out_channels, kernel_size, options) {}
};
class LazyConvTranspose1d : public LazyConvNd<ConvTranspose1d, ConvTranspose1dOptions, 1> {
 public:
  LazyConvTranspose1d(int64_t out_channels, const ConvSize& kernel_size,
                      const ConvTranspose1dOptions& options = {})
      : LazyConvNd("LazyConvTranspose1d", out_channels, kernel_size, options) {}
};
class LazyConvTranspose2d : public LazyConvNd<ConvTranspose2d, ConvTranspose2dOptions, 2> {
 public:
  LazyConvTranspose2d(int64_t out_channels, const ConvSize& kernel_size,
                      const ConvTranspose2dOptions& options = {})
      : LazyConvNd("LazyConvTranspose2d", out_channels, kernel_size, options) {}
};
class LazyConvTranspose3d : public LazyConvNd<ConvTranspose3d, ConvTranspose3dOptions, 3> {
 public:
  LazyConvTranspose3d(int64_t out_channels, const ConvSize& kernel_size,
                      const ConvTranspose3dOptions& options = {})
      : LazyConvNd("LazyConvTranspose3d", out_channels, kernel_size, options) {}
};

}  // namespace ember::nn
