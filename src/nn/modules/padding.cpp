#include "ember/nn/modules/padding.h"

#include "ember/core/error.h"
#include "ember/ops/pad.h"
#include "nn/modules/py_format.h"

namespace ember::nn {

std::vector<int64_t> detail::pad_sides(const char* module, std::vector<int64_t> padding, size_t n) {
  if (padding.size() == 1) return std::vector<int64_t>(n, padding[0]);
  EMBER_CHECK(padding.size() == n, ValueError, module, ": padding must be an int or a tuple of ", n,
              " ints, got ", padding.size(), " values");
  return padding;
}

PadNd::PadNd(const char* name, std::string mode, std::vector<int64_t> padding, size_t sides,
             std::optional<Scalar> value)
    : Module(name),
      padding(detail::pad_sides(name, std::move(padding), sides)),
      mode_(std::move(mode)),
      value_(value) {}

Tensor PadNd::forward(const Tensor& input) {
  return pad(input, padding, mode_,
             value_ ? std::optional<double>(value_->to_double()) : std::nullopt);
}

namespace {
std::string tuple(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + ")";
}
}  // namespace

std::string PadNd::extra_repr() const {
  if (!value_) return tuple(padding);
  const std::string v = value_->is_floating_point() ? detail::py_float(value_->to_double())
                        : value_->is_bool()         ? detail::py_bool(value_->to<bool>())
                                                    : std::to_string(value_->to<int64_t>());
  return "padding=" + tuple(padding) + ", value=" + v;
}

std::string ZeroPad2d::extra_repr() const { return tuple(padding); }

}  // namespace ember::nn
