#pragma once
// Map-style datasets, as torch.utils.data.Dataset / TensorDataset / Subset /
// random_split. A dataset is shared (std::shared_ptr<const Dataset<E>>) between
// the subsets and loaders built on it; get() must be safe to call from several
// threads at once (the DataLoader's workers).
#include <cmath>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/generator.h"
#include "ember/core/tensor.h"
#include "ember/ops/random.h"

namespace ember::data {

// One example of a tensor dataset: its fields (TensorDataset's tensors[i],
// FashionMNIST's image and label).
using TensorExample = std::vector<Tensor>;

template <typename Example = TensorExample>
class Dataset {
 public:
  using ExampleType = Example;
  virtual ~Dataset() = default;
  // dataset[index]; negative indices count from the end where the dataset's
  // Python counterpart allows it.
  virtual Example get(int64_t index) const = 0;
  // len(dataset).
  virtual int64_t size() const = 0;
  // A fast path for the DataLoader's default collate: the batch of `indices`
  // already collated (each field stacked), or nullopt to let the loader call
  // get() per index and collate.
  virtual std::optional<Example> get_stacked(std::span<const int64_t> indices) const {
    (void)indices;
    return std::nullopt;
  }
};

template <typename Example>
using DatasetPtr = std::shared_ptr<const Dataset<Example>>;

// TensorDataset(*tensors): example i is (t[i] for t in tensors).
class TensorDataset : public Dataset<TensorExample> {
 public:
  explicit TensorDataset(std::vector<Tensor> tensors);
  TensorExample get(int64_t index) const override;
  int64_t size() const override;
  std::optional<TensorExample> get_stacked(std::span<const int64_t> indices) const override;
  const std::vector<Tensor>& tensors() const { return tensors_; }

 private:
  std::vector<Tensor> tensors_;
};

// Subset(dataset, indices): example i is dataset[indices[i]].
template <typename Example>
class Subset : public Dataset<Example> {
 public:
  Subset(DatasetPtr<Example> dataset, std::vector<int64_t> indices)
      : dataset_(std::move(dataset)), indices_(std::move(indices)) {}
  Example get(int64_t index) const override { return dataset_->get(indices_.at(wrap(index))); }
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  std::optional<Example> get_stacked(std::span<const int64_t> indices) const override {
    std::vector<int64_t> mapped;
    mapped.reserve(indices.size());
    for (int64_t i : indices) mapped.push_back(indices_.at(wrap(i)));
    return dataset_->get_stacked(mapped);
  }
  const DatasetPtr<Example>& dataset() const { return dataset_; }
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  // Python list indexing: negative from the end, IndexError out of range.
  size_t wrap(int64_t index) const {
    const int64_t n = size();
    const int64_t i = index < 0 ? index + n : index;
    EMBER_CHECK(i >= 0 && i < n, IndexError, "list index out of range");
    return static_cast<size_t>(i);
  }
  DatasetPtr<Example> dataset_;
  std::vector<int64_t> indices_;
};

namespace detail {
// The split lengths as torch computes them: fractions summing to 1 (as
// math.isclose, and not above 1) become floor(n * frac) each, then the
// remainder is added one by one round-robin; anything else is taken as lengths
// (whole numbers). Throws ValueError / TypeError as torch.
std::vector<int64_t> split_lengths(int64_t n, const std::vector<double>& lengths);
// Checks sum(lengths) == n and returns randperm(n) cut into consecutive runs.
std::vector<std::vector<int64_t>> split_indices(int64_t n, const std::vector<int64_t>& lengths,
                                                Generator* generator);
}  // namespace detail

// random_split(dataset, lengths or fractions, generator): non-overlapping random
// subsets; lengths must sum to len(dataset), fractions to 1. generator nullptr
// means the default generator; the same seed gives the same split.
//   auto [train, val] = ... random_split(ds, {0.8, 0.2}, &gen);
template <typename D>
std::vector<std::shared_ptr<Subset<typename D::ExampleType>>> random_split(
    std::shared_ptr<D> dataset, const std::vector<double>& lengths,
    Generator* generator = nullptr) {
  using E = typename D::ExampleType;
  DatasetPtr<E> base(std::move(dataset));
  auto parts =
      detail::split_indices(base->size(), detail::split_lengths(base->size(), lengths), generator);
  std::vector<std::shared_ptr<Subset<E>>> out;
  for (auto& p : parts) out.push_back(std::make_shared<Subset<E>>(base, std::move(p)));
  return out;
}
// Integer lengths given as a std::vector of an integer type.
template <typename D, std::integral I>
auto random_split(std::shared_ptr<D> dataset, const std::vector<I>& lengths,
                  Generator* generator = nullptr) {
  return random_split(std::move(dataset), std::vector<double>(lengths.begin(), lengths.end()),
                      generator);
}

}  // namespace ember::data
