#pragma once
// torchvision.datasets.FashionMNIST over the idx gzip files of Debian's
// dataset-fashion-mnist package. The files are decoded once (zlib) into one
// uint8 tensor of images [N, 28, 28] and one int64 tensor of labels [N];
// get(i) gives {image float [1, 28, 28] in [0, 1] (as transforms.ToTensor),
// then the transform if any; label int64 scalar}. A missing or corrupt file
// (bad magic, wrong sizes, truncated) raises RuntimeError naming the file.
#include <array>
#include <string>

#include "ember/data/dataset.h"
#include "ember/data/transforms.h"

namespace ember::data {

class FashionMNIST : public Dataset<TensorExample> {
 public:
  static constexpr const char* kDefaultRoot = "/usr/share/datasets/fashion-mnist";
  static const std::array<const char*, 10> classes;

  explicit FashionMNIST(const std::string& root = kDefaultRoot, bool train = true,
                        Transform transform = nullptr);

  TensorExample get(int64_t index) const override;
  int64_t size() const override { return images_.size(0); }
  // The batch already stacked ({images [B, 1, 28, 28], labels [B]}): one
  // gather, conversion and (fused Normalize) transform for the whole batch.
  std::optional<TensorExample> get_stacked(std::span<const int64_t> indices) const override;

  // .data (uint8 [N, 28, 28]) and .targets (int64 [N]), as torchvision.
  const Tensor& data() const { return images_; }
  const Tensor& targets() const { return labels_; }
  bool train() const { return train_; }

 private:
  int64_t wrap(int64_t index) const;
  Tensor images_, labels_;
  bool train_;
  Transform transform_;
};

namespace detail {
// Reads an idx file (gzip or plain) with the given magic number into a uint8
// tensor of its dims; RuntimeError naming the file on any problem.
Tensor read_idx_file(const std::string& path, uint32_t magic, int64_t expected_count);
}  // namespace detail

}  // namespace ember::data
