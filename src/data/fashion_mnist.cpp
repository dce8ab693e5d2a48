#include "ember/data/fashion_mnist.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "ember/ops/factory.h"

namespace ember::data {

const std::array<const char*, 10> FashionMNIST::classes = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

namespace detail {
namespace {

struct GzFile {
  gzFile f = nullptr;
  ~GzFile() {
    if (f) gzclose(f);
  }
};

// Reads exactly n bytes; false if the file ends first. Throws on a zlib error.
bool read_exact(gzFile f, void* dst, size_t n, const std::string& path) {
  auto* p = static_cast<unsigned char*>(dst);
  while (n > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    const int got = gzread(f, p, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      throw RuntimeError("FashionMNIST: corrupt file " + path + ": " + (msg ? msg : "read error"));
    }
    if (got == 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

uint32_t big_endian(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

Tensor read_idx_file(const std::string& path, uint32_t magic, int64_t expected_count) {
  GzFile gz;
  gz.f = gzopen(path.c_str(), "rb");
  EMBER_CHECK(gz.f != nullptr, RuntimeError, "FashionMNIST: cannot open ", path, ": ",
              std::strerror(errno),
              " (install Debian's dataset-fashion-mnist package or pass its root)");
  gzbuffer(gz.f, 1 << 20);
  unsigned char head[4];
  EMBER_CHECK(read_exact(gz.f, head, 4, path), RuntimeError, "FashionMNIST: corrupt file ", path,
              ": truncated header");
  const uint32_t got_magic = big_endian(head);
  EMBER_CHECK(got_magic == magic, RuntimeError, "FashionMNIST: corrupt file ", path,
              ": bad magic number ", got_magic, " (expected ", magic, ")");
  const int ndim = static_cast<int>(magic & 0xff);
  DimVector dims;
  for (int d = 0; d < ndim; ++d) {
    EMBER_CHECK(read_exact(gz.f, head, 4, path), RuntimeError, "FashionMNIST: corrupt file ", path,
                ": truncated header");
    dims.push_back(static_cast<int64_t>(big_endian(head)));
  }
  EMBER_CHECK(dims[0] == expected_count, RuntimeError, "FashionMNIST: corrupt file ", path,
              ": holds ", dims[0], " items, expected ", expected_count);
  for (size_t d = 1; d < dims.size(); ++d)
    EMBER_CHECK(dims[d] == 28, RuntimeError, "FashionMNIST: corrupt file ", path,
                ": images of size ", IntArrayRef(dims).slice(1), ", expected [28, 28]");
  Tensor out = empty(dims, {.dtype = kUInt8});
  EMBER_CHECK(read_exact(gz.f, out.data_ptr(), out.nbytes(), path), RuntimeError,
              "FashionMNIST: corrupt file ", path, ": truncated (fewer than ", dims[0], " items)");
  unsigned char extra;
  EMBER_CHECK(!read_exact(gz.f, &extra, 1, path), RuntimeError, "FashionMNIST: corrupt file ", path,
              ": trailing data after ", dims[0], " items");
  return out;
}

}  // namespace detail

FashionMNIST::FashionMNIST(const std::string& root, bool train, Transform transform)
    : train_(train), transform_(std::move(transform)) {
  const std::string prefix = root + "/" + (train ? "train" : "t10k");
  const int64_t n = train ? 60000 : 10000;
  const std::string labels_path = prefix + "-labels-idx1-ubyte.gz";
  Tensor images = detail::read_idx_file(prefix + "-images-idx3-ubyte.gz", 0x00000803, n);
  Tensor labels = detail::read_idx_file(labels_path, 0x00000801, n);
  const uint8_t* l = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i)
    EMBER_CHECK(l[i] < 10, RuntimeError, "FashionMNIST: corrupt file ", labels_path, ": label ",
                int{l[i]}, " at index ", i, " is not in [0, 10)");
  images_ = std::move(images);
  labels_ = labels.to(kInt64);
}

int64_t FashionMNIST::wrap(int64_t index) const {
  const int64_t n = size();
  EMBER_CHECK(index >= -n && index < n, IndexError, "index ", index,
              " is out of bounds for dimension 0 with size ", n);
  return index < 0 ? index + n : index;
}

namespace {
// images[idx] as float [B, 1, 28, 28]: p / 255, then (v - mean) / std when fused,
// in the order and precision of ToTensor + Normalize.
Tensor convert(const Tensor& images, std::span<const int64_t> idx, const Normalize* norm) {
  constexpr int64_t kPix = 28 * 28;
  const int64_t b = static_cast<int64_t>(idx.size());
  Tensor out = empty({b, 1, 28, 28}, {.dtype = kFloat32});
  const uint8_t* src = images.data_ptr<uint8_t>();
  float* dst = out.data_ptr<float>();
  const float m = norm ? static_cast<float>(norm->mean()[0]) : 0.f;
  const float s = norm ? static_cast<float>(norm->std()[0]) : 1.f;
  for (int64_t k = 0; k < b; ++k) {
    const uint8_t* p = src + idx[static_cast<size_t>(k)] * kPix;
    float* q = dst + k * kPix;
    if (norm) {
      for (int64_t j = 0; j < kPix; ++j) q[j] = (static_cast<float>(p[j]) / 255.f - m) / s;
    } else {
      for (int64_t j = 0; j < kPix; ++j) q[j] = static_cast<float>(p[j]) / 255.f;
    }
  }
  return out;
}
}  // namespace

TensorExample FashionMNIST::get(int64_t index) const {
  const int64_t i = wrap(index);
  Tensor image = convert(images_, std::span<const int64_t>(&i, 1), nullptr)[0];
  if (transform_) image = transform_(image);
  return {image, labels_[i]};
}

std::optional<TensorExample> FashionMNIST::get_stacked(std::span<const int64_t> indices) const {
  const Normalize* norm = transform_ ? transform_.target<Normalize>() : nullptr;
  if (transform_ &&
      !(norm && norm->mean().size() == 1 && norm->std().size() == 1 && norm->std()[0] != 0))
    return std::nullopt;  // a general transform: per-image get() and stack
  std::vector<int64_t> idx(indices.begin(), indices.end());
  for (auto& i : idx) i = wrap(i);
  Tensor labels = empty({static_cast<int64_t>(idx.size())}, {.dtype = kInt64});
  const int64_t* l = labels_.data_ptr<int64_t>();
  int64_t* out = labels.data_ptr<int64_t>();
  for (size_t k = 0; k < idx.size(); ++k) out[k] = l[idx[k]];
  return TensorExample{convert(images_, idx, norm), labels};
}

}  // namespace ember::data
