#include "ember/data/dataset.h"

#include <cmath>
#include <numeric>

#include "ember/ops/factory.h"
#include "ember/ops/index.h"

namespace ember::data {

TensorDataset::TensorDataset(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {
  for (const auto& t : tensors_)
    EMBER_CHECK(tensors_[0].size(0) == t.size(0), ValueError, "Size mismatch between tensors");
}

int64_t TensorDataset::size() const {
  EMBER_CHECK(!tensors_.empty(), IndexError, "tuple index out of range");
  return tensors_[0].size(0);
}

TensorExample TensorDataset::get(int64_t index) const {
  TensorExample out;
  out.reserve(tensors_.size());
  for (const auto& t : tensors_) out.push_back(t[index]);
  return out;
}

std::optional<TensorExample> TensorDataset::get_stacked(std::span<const int64_t> indices) const {
  const int64_t n = size();
  std::vector<int64_t> idx(indices.begin(), indices.end());
  for (auto& i : idx) {
    EMBER_CHECK(i >= -n && i < n, IndexError, "index ", i,
                " is out of bounds for dimension 0 with size ", n);
    if (i < 0) i += n;
  }
  Tensor index = from_vector(idx);
  TensorExample out;
  out.reserve(tensors_.size());
  for (const auto& t : tensors_) out.push_back(index_select(t, 0, index));
  return out;
}

namespace detail {

std::vector<int64_t> split_lengths(int64_t n, const std::vector<double>& lengths) {
  const double sum = std::accumulate(lengths.begin(), lengths.end(), 0.0);
  // math.isclose(sum, 1): rel_tol 1e-9, abs_tol 0.
  const bool fractions = std::abs(sum - 1.0) <= 1e-9 * std::max(std::abs(sum), 1.0) && sum <= 1.0;
  std::vector<int64_t> out;
  out.reserve(lengths.size());
  if (fractions) {
    for (size_t i = 0; i < lengths.size(); ++i) {
      EMBER_CHECK(lengths[i] >= 0 && lengths[i] <= 1, ValueError, "Fraction at index ", i,
                  " is not between 0 and 1");
      out.push_back(static_cast<int64_t>(std::floor(static_cast<double>(n) * lengths[i])));
    }
    int64_t remainder = n - std::accumulate(out.begin(), out.end(), int64_t{0});
    for (int64_t i = 0; i < remainder; ++i) out[static_cast<size_t>(i) % out.size()] += 1;
    return out;
  }
  for (double l : lengths) {
    EMBER_CHECK(std::floor(l) == l, TypeError,
                "'float' object cannot be interpreted as an integer");
    out.push_back(static_cast<int64_t>(l));
  }
  return out;
}

std::vector<std::vector<int64_t>> split_indices(int64_t n, const std::vector<int64_t>& lengths,
                                                Generator* generator) {
  const int64_t sum = std::accumulate(lengths.begin(), lengths.end(), int64_t{0});
  EMBER_CHECK(sum == n, ValueError,
              "Sum of input lengths does not equal the length of the input dataset!");
  // A negative length passes the sum check in torch and gives a slice from the
  // end; no sensible split does that, so ember refuses it.
  for (int64_t l : lengths)
    EMBER_CHECK(l >= 0, ValueError, "random_split: lengths must be non-negative, got ", l);
  std::vector<int64_t> perm = randperm(n, {}, generator).tolist<int64_t>();
  std::vector<std::vector<int64_t>> out;
  int64_t offset = 0;
  for (int64_t l : lengths) {
    out.emplace_back(perm.begin() + offset, perm.begin() + offset + l);
    offset += l;
  }
  return out;
}

}  // namespace detail
}  // namespace ember::data
