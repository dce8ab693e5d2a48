// FashionMNIST over Debian's files: sizes, dtypes, get() vs the batched path,
// Normalize, and the errors for missing or corrupt files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ember/ember.h"

using namespace ember;
using namespace ember::data;
namespace fs = std::filesystem;

namespace {
const FashionMNIST& test_set() {
  static FashionMNIST ds(FashionMNIST::kDefaultRoot, false);
  return ds;
}

// Writes bytes gzipped to path.
void write_gz(const fs::path& path, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  if (!bytes.empty()) gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}
std::vector<unsigned char> be(std::initializer_list<uint32_t> words) {
  std::vector<unsigned char> out;
  for (uint32_t w : words)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(w >> s));
  return out;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("ember_fmnist_" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string error_of(const std::string& root) {
  try {
    FashionMNIST ds(root, false);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(FashionMNIST, Sizes) {
  const auto& ds = test_set();
  EXPECT_EQ(ds.size(), 10000);
  EXPECT_EQ(ds.data().sizes(), IntArrayRef({10000, 28, 28}));
  EXPECT_EQ(ds.data().dtype(), kUInt8);
  EXPECT_EQ(ds.targets().dtype(), kInt64);
  auto e = ds.get(0);
  EXPECT_EQ(e[0].sizes(), IntArrayRef({1, 28, 28}));
  EXPECT_EQ(e[0].dtype(), kFloat32);
  EXPECT_EQ(e[1].dim(), 0);
  EXPECT_EQ(e[1].item<int64_t>(), 9);  // the first test image is an ankle boot
  EXPECT_GE(e[0].min().item<float>(), 0.f);
  EXPECT_LE(e[0].max().item<float>(), 1.f);
  EXPECT_THROW(ds.get(10000), IndexError);
  FashionMNIST train;
  EXPECT_EQ(train.size(), 60000);
}

TEST(FashionMNIST, BatchedPathMatchesGet) {
  for (bool norm : {false, true}) {
    Transform t = norm ? Transform(Normalize({0.2860}, {0.3530})) : Transform();
    FashionMNIST ds(FashionMNIST::kDefaultRoot, false, t);
    std::vector<int64_t> idx{5, 0, 9999, 123};
    auto b = ds.get_stacked(idx);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ((*b)[0].sizes(), IntArrayRef({4, 1, 28, 28}));
    for (size_t k = 0; k < idx.size(); ++k) {
      auto e = ds.get(idx[k]);
      EXPECT_TRUE((*b)[0][static_cast<int64_t>(k)].allclose(e[0], 1e-6, 1e-6)) << k;
      EXPECT_EQ((*b)[1][static_cast<int64_t>(k)].item<int64_t>(), e[1].item<int64_t>());
    }
  }
  // Another transform: no fast path, the loader stacks get()'s results.
  FashionMNIST other(FashionMNIST::kDefaultRoot, false, [](const Tensor& x) { return x * 2; });
  EXPECT_FALSE(other.get_stacked(std::vector<int64_t>{0}).has_value());
  DataLoader loader(std::make_shared<FashionMNIST>(FashionMNIST::kDefaultRoot, false,
                                                   [](const Tensor& x) { return x * 2; }),
                    {.batch_size = 3});
  auto it = loader.begin();  // the batch lives as long as the iterator
  auto& first = *it;
  EXPECT_EQ(first[0].sizes(), IntArrayRef({3, 1, 28, 28}));
}

TEST(FashionMNIST, LoaderWorkers) {
  auto ds = std::make_shared<FashionMNIST>(FashionMNIST::kDefaultRoot, false);
  Generator g0(1), g2(1);
  DataLoader l0(ds, {.batch_size = 64, .shuffle = true, .generator = &g0});
  DataLoader l2(ds, {.batch_size = 64, .shuffle = true, .num_workers = 2, .generator = &g2});
  EXPECT_EQ(l0.size(), 157);
  auto a = l0.begin(), b = l2.begin();
  int64_t n = 0;
  for (; a != l0.end() && b != l2.end(); ++a, ++b, ++n) {
    ASSERT_TRUE((*a)[0].equal((*b)[0]));
    ASSERT_TRUE((*a)[1].equal((*b)[1]));
  }
  EXPECT_EQ(n, 157);
}

TEST(Normalize, ValuesAndErrors) {
  Tensor x = ones({2, 2, 2});
  Tensor y = Normalize({0.5, 0.25}, {0.5, 0.25})(x);
  EXPECT_EQ(y.flatten().tolist<float>(), (std::vector<float>{1, 1, 1, 1, 3, 3, 3, 3}));
  EXPECT_EQ(x.flatten().tolist<float>()[0], 1.f);  // not in place
  EXPECT_THROW(Normalize({0.5}, {0.5})(ones({2, 2}, {.dtype = kUInt8})), TypeError);
  EXPECT_THROW(Normalize({0.5}, {0.5})(ones({2, 2})), ValueError);
  EXPECT_THROW(Normalize({0.5}, {0.0})(ones({1, 2, 2})), ValueError);
}

TEST(FashionMNIST, MissingAndCorruptFiles) {
  TempDir dir;
  const std::string root = dir.path.string();
  const std::string images = root + "/t10k-images-idx3-ubyte.gz";
  const std::string labels = root + "/t10k-labels-idx1-ubyte.gz";
  std::string err = error_of(root);
  EXPECT_NE(err.find("cannot open " + images), std::string::npos) << err;

  write_gz(images, be({0x0803, 10000, 28, 28}));  // header only: truncated
  err = error_of(root);
  EXPECT_NE(err.find(images + ": truncated"), std::string::npos) << err;

  write_gz(images, be({0x0801, 10000, 28, 28}));
  err = error_of(root);
  EXPECT_NE(err.find(images + ": bad magic number 2049 (expected 2051)"), std::string::npos) << err;

  write_gz(images, be({0x0803, 9999, 28, 28}));
  err = error_of(root);
  EXPECT_NE(err.find(images + ": holds 9999 items, expected 10000"), std::string::npos) << err;

  {  // not gzip at all, and a gzip stream cut short
    std::ofstream(images) << "garbage";
    err = error_of(root);
    EXPECT_NE(err.find(images), std::string::npos) << err;
    fs::copy_file("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", images,
                  fs::copy_options::overwrite_existing);
    fs::resize_file(images, fs::file_size(images) / 2);
    err = error_of(root);
    EXPECT_NE(err.find(images), std::string::npos) << err;
  }
  fs::copy_file("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", images,
                fs::copy_options::overwrite_existing);
  err = error_of(root);
  EXPECT_NE(err.find("cannot open " + labels), std::string::npos) << err;
  std::vector<unsigned char> lab = be({0x0801, 10000});
  lab.resize(lab.size() + 10000, 3);
  lab.back() = 10;
  write_gz(labels, lab);
  err = error_of(root);
  EXPECT_NE(err.find(labels + ": label 10 at index 9999"), std::string::npos) << err;
  lab.back() = 1;
  write_gz(labels, lab);
  FashionMNIST ok(root, false);
  EXPECT_EQ(ok.get(7)[1].item<int64_t>(), 3);
}
