#include "ember/nn/functional/normalization.h"

#include <sstream>
#include <string>
#include <vector>

#include "ember/core/error.h"

namespace ember::nn::functional {

namespace {

std::string list_str(const std::vector<int64_t>& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

std::string torch_size(IntArrayRef s) {
  return "torch.Size(" + list_str(std::vector<int64_t>(s.begin(), s.end())) + ")";
}

// F._verify_batch_size: size[0] * prod(size[2:]) must exceed 1.
void verify_batch_size(IntArrayRef size, const std::string& printed) {
  int64_t prod = size[0];
  for (size_t i = 2; i < size.size(); ++i) prod *= size[i];
  EMBER_CHECK(prod != 1, ValueError,
              "Expected more than 1 value per channel when training, got input size ", printed);
}

}  // namespace

Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, bool training, double momentum, double eps) {
  if (training && input.dim() >= 2) verify_batch_size(input.sizes(), torch_size(input.sizes()));
  return ember::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps);
}

Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                     const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                     const std::optional<Tensor>& bias, bool use_input_stats, double momentum,
                     double eps) {
  if (use_input_stats && input.dim() >= 2) {
    int64_t prod = 1;
    for (int64_t i = 2; i < input.dim(); ++i) prod *= input.size(i);
    EMBER_CHECK(prod != 1, ValueError,
                "Expected more than 1 spatial element when training, got input size ",
                torch_size(input.sizes()));
  }
  return ember::instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                              momentum, eps);
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  // As torch 1.13: input.size(1) is read first (IndexError for 1-D input).
  const int64_t c = input.size(1);
  if (num_groups > 0) {
    std::vector<int64_t> s = {input.size(0) * c / num_groups, num_groups};
    for (int64_t i = 2; i < input.dim(); ++i) s.push_back(input.size(i));
    verify_batch_size(s, list_str(s));
  }
  return ember::group_norm(input, num_groups, weight, bias, eps);
}

}  // namespace ember::nn::functional
