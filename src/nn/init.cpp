#include "ember/nn/init.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include "ember/core/grad_mode.h"
#include "ember/ops/factory.h"
#include "ember/ops/random.h"

namespace ember::nn::init {

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  static const char* const linear_fns[] = {
      "linear",           "conv1d",           "conv2d",          "conv3d",
      "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"};
  if (std::find(std::begin(linear_fns), std::end(linear_fns), nonlinearity) !=
          std::end(linear_fns) ||
      nonlinearity == "sigmoid")
    return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double negative_slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1 + negative_slope * negative_slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4;
  throw ValueError("Unsupported nonlinearity " + nonlinearity);
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  const int64_t dimensions = tensor.dim();
  EMBER_CHECK(dimensions >= 2, ValueError,
              "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  int64_t receptive_field_size = 1;
  for (int64_t d = 2; d < dimensions; ++d) receptive_field_size *= tensor.size(d);
  return {tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size};
}

Tensor uniform_(Tensor tensor, double a, double b, Generator* generator) {
  NoGradGuard no_grad;
  return tensor.uniform_(a, b, generator);
}

Tensor normal_(Tensor tensor, double mean, double std, Generator* generator) {
  NoGradGuard no_grad;
  return tensor.normal_(mean, std, generator);
}

Tensor constant_(Tensor tensor, double val) {
  NoGradGuard no_grad;
  return tensor.fill_(val);
}

Tensor ones_(Tensor tensor) { return constant_(tensor, 1.); }

Tensor zeros_(Tensor tensor) {
  NoGradGuard no_grad;
  return tensor.zero_();
}

Tensor xavier_uniform_(Tensor tensor, double gain, Generator* generator) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;
  return uniform_(tensor, -a, a, generator);
}

Tensor xavier_normal_(Tensor tensor, double gain, Generator* generator) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(tensor, 0., std, generator);
}

namespace {

bool has_zero_dim(const Tensor& t) {
  for (int64_t s : t.sizes())
    if (s == 0) return true;
  return false;
}

// torch's _calculate_correct_fan (mode compared in lower case).
int64_t correct_fan(const Tensor& tensor, std::string mode) {
  std::transform(mode.begin(), mode.end(), mode.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  EMBER_CHECK(mode == "fan_in" || mode == "fan_out", ValueError, "Mode ", mode,
              " not supported, please use one of ['fan_in', 'fan_out']");
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return mode == "fan_in" ? fan_in : fan_out;
}

}  // namespace

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode,
                        const std::string& nonlinearity, Generator* generator) {
  if (has_zero_dim(tensor)) return tensor;  // torch: "Initializing zero-element tensors is a no-op"
  const int64_t fan = correct_fan(tensor, mode);
  const double gain = calculate_gain(nonlinearity, a);
  const double std = gain / std::sqrt(static_cast<double>(fan));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound, generator);
}

Tensor kaiming_normal_(Tensor tensor, double a, const std::string& mode,
                       const std::string& nonlinearity, Generator* generator) {
  if (has_zero_dim(tensor)) return tensor;
  const int64_t fan = correct_fan(tensor, mode);
  const double gain = calculate_gain(nonlinearity, a);
  const double std = gain / std::sqrt(static_cast<double>(fan));
  return normal_(tensor, 0., std, generator);
}

}  // namespace ember::nn::init

namespace ember::nn::init {

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b,
                     Generator* generator) {
  NoGradGuard no_grad;
  const auto norm_cdf = [](double x) { return (1. + std::erf(x / std::sqrt(2.))) / 2.; };
  const double l = norm_cdf((a - mean) / std);
  const double u = norm_cdf((b - mean) / std);
  tensor.uniform_(2 * l - 1, 2 * u - 1, generator);
  tensor.copy_(tensor.erfinv());
  tensor.mul_(std * std::sqrt(2.));
  tensor.add_(mean);
  tensor.clamp_(a, b);
  return tensor;
}

Tensor eye_(Tensor tensor) {
  EMBER_CHECK(tensor.dim() == 2, ValueError, "Only tensors with 2 dimensions are supported");
  NoGradGuard no_grad;
  tensor.copy_(eye(tensor.size(0), tensor.size(1), {.dtype = tensor.dtype()}));
  return tensor;
}

Tensor dirac_(Tensor tensor, int64_t groups) {
  const int64_t dims = tensor.dim();
  EMBER_CHECK(dims >= 3 && dims <= 5, ValueError,
              "Only tensors with 3, 4, or 5 dimensions are supported");
  EMBER_CHECK(groups != 0, ValueError, "integer division or modulo by zero");
  EMBER_CHECK(tensor.size(0) % groups == 0, ValueError, "dim 0 must be divisible by groups");
  const int64_t out_per_group = tensor.size(0) / groups;
  const int64_t min_dim = std::min(out_per_group, tensor.size(1));
  NoGradGuard no_grad;
  tensor.zero_();
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t d = 0; d < min_dim; ++d) {
      Tensor e = tensor.select(0, g * out_per_group + d).select(0, d);
      for (int64_t k = 2; k < dims; ++k) e = e.select(0, tensor.size(k) / 2);
      e.fill_(1);
    }
  return tensor;
}

namespace {

// Q (m x n, m >= n, row-major, overwrites nothing else) of the Householder QR
// of a (m x n), each column multiplied by the sign of R's diagonal entry.
std::vector<double> orthonormal_q(std::vector<double> a, int64_t m, int64_t n) {
  std::vector<std::vector<double>> vs(static_cast<size_t>(n));
  std::vector<double> rdiag(static_cast<size_t>(n)), w(static_cast<size_t>(n));
  const auto at = [n](std::vector<double>& x, int64_t i, int64_t j) -> double& {
    return x[static_cast<size_t>(i * n + j)];
  };
  for (int64_t k = 0; k < n; ++k) {
    double norm = 0;
    for (int64_t i = k; i < m; ++i) norm += at(a, i, k) * at(a, i, k);
    norm = std::sqrt(norm);
    const double x0 = at(a, k, k);
    const double alpha = x0 >= 0 ? -norm : norm;
    rdiag[static_cast<size_t>(k)] = alpha;
    std::vector<double>& v = vs[static_cast<size_t>(k)];
    v.assign(static_cast<size_t>(m - k), 0.);
    for (int64_t i = k; i < m; ++i) v[static_cast<size_t>(i - k)] = at(a, i, k);
    v[0] -= alpha;
    double vn = 0;
    for (double x : v) vn += x * x;
    vn = std::sqrt(vn);
    if (vn == 0) {  // the column is already zero below the diagonal
      v.assign(v.size(), 0.);
      rdiag[static_cast<size_t>(k)] = x0;
      continue;
    }
    for (double& x : v) x /= vn;
    // a[k:, k:] -= 2 v (v^T a[k:, k:]), row by row.
    std::fill(w.begin() + k, w.end(), 0.);
    for (int64_t i = k; i < m; ++i) {
      const double vi = v[static_cast<size_t>(i - k)];
      for (int64_t j = k; j < n; ++j) w[static_cast<size_t>(j)] += vi * at(a, i, j);
    }
    for (int64_t i = k; i < m; ++i) {
      const double vi = 2 * v[static_cast<size_t>(i - k)];
      for (int64_t j = k; j < n; ++j) at(a, i, j) -= vi * w[static_cast<size_t>(j)];
    }
  }
  // Q = H_0 ... H_{n-1} applied to the first n columns of the identity.
  std::vector<double> q(static_cast<size_t>(m * n), 0.);
  for (int64_t i = 0; i < n; ++i) at(q, i, i) = 1;
  for (int64_t k = n - 1; k >= 0; --k) {
    const std::vector<double>& v = vs[static_cast<size_t>(k)];
    std::fill(w.begin(), w.end(), 0.);
    for (int64_t i = k; i < m; ++i) {
      const double vi = v[static_cast<size_t>(i - k)];
      if (vi == 0) continue;
      for (int64_t j = 0; j < n; ++j) w[static_cast<size_t>(j)] += vi * at(q, i, j);
    }
    for (int64_t i = k; i < m; ++i) {
      const double vi = 2 * v[static_cast<size_t>(i - k)];
      if (vi == 0) continue;
      for (int64_t j = 0; j < n; ++j) at(q, i, j) -= vi * w[static_cast<size_t>(j)];
    }
  }
  // torch: q *= sign(diag(r)).
  for (int64_t j = 0; j < n; ++j) {
    const double r = rdiag[static_cast<size_t>(j)];
    const double s = r > 0 ? 1. : (r < 0 ? -1. : 0.);
    for (int64_t i = 0; i < m; ++i) at(q, i, j) *= s;
  }
  return q;
}

}  // namespace

Tensor orthogonal_(Tensor tensor, double gain, Generator* generator) {
  EMBER_CHECK(tensor.dim() >= 2, ValueError,
              "Only tensors with 2 or more dimensions are supported");
  if (tensor.numel() == 0) return tensor;
  NoGradGuard no_grad;
  const int64_t rows = tensor.size(0);
  const int64_t cols = tensor.numel() / rows;
  const bool transpose = rows < cols;
  const int64_t m = transpose ? cols : rows, n = transpose ? rows : cols;
  Tensor flat = empty({m, n}, {.dtype = kFloat64});
  flat.normal_(0, 1, generator);
  std::vector<double> a(flat.data_ptr<double>(), flat.data_ptr<double>() + m * n);
  std::vector<double> q = orthonormal_q(std::move(a), m, n);
  Tensor qt = from_vector(q, {m, n});
  if (transpose) qt = qt.t();
  tensor.copy_(qt.reshape(tensor.sizes()));
  tensor.mul_(gain);
  return tensor;
}

Tensor sparse_(Tensor tensor, double sparsity, double std, Generator* generator) {
  EMBER_CHECK(tensor.dim() == 2, ValueError, "Only tensors with 2 dimensions are supported");
  NoGradGuard no_grad;
  const int64_t rows = tensor.size(0), cols = tensor.size(1);
  const auto num_zeros = static_cast<int64_t>(std::ceil(sparsity * static_cast<double>(rows)));
  tensor.normal_(0, std, generator);
  for (int64_t c = 0; c < cols; ++c) {
    const std::vector<int64_t> perm = randperm(rows, {}, generator).tolist<int64_t>();
    const Tensor column = tensor.select(1, c);
    for (int64_t i = 0; i < std::min(num_zeros, rows); ++i) column.select(0, perm[i]).fill_(0);
  }
  return tensor;
}

}  // namespace ember::nn::init
