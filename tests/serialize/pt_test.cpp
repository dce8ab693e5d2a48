// ember's .pt reader and writer on their own: round trips, and the errors for
// files and values it refuses (hand-built archives and pickles; PyTorch's own
// files are in tests/parity/pt_test.cpp).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "ember/ember.h"
#include "serialize/pickle.h"
#include "serialize/zip_archive.h"

using namespace ember;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ember_pt_test_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string join(const std::vector<serialize::Chunk>& chunks) {
  std::string s;
  for (const auto& c : chunks) s.append(static_cast<const char*>(c.data), c.size);
  return s;
}

// An archive holding `pickle` as archive/data.pkl and the given storages.
std::string archive(const std::string& pickle,
                    const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  serialize::ZipWriter z;
  z.add("archive/data.pkl", pickle.data(), pickle.size());
  for (const auto& [name, data] : extra) z.add(name, data.data(), data.size());
  z.add("archive/version", "3\n", 2);
  return join(z.finish());
}

std::string load_error(const std::string& file) {
  try {
    load_pt_from_buffer(file.data(), file.size());
  } catch (const SerializationError& e) {
    return e.what();
  }
  return "no error";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A pickle of one tensor over storage "0" ('FloatStorage', numel) with the
// given offset, size and stride.
std::string tensor_pickle(int64_t numel, int64_t offset, std::vector<int64_t> size,
                          std::vector<int64_t> stride, const char* storage = "FloatStorage") {
  serialize::PickleWriter w;
  w.global("torch._utils", "_rebuild_tensor_v2");
  w.mark();
  w.mark();
  w.str("storage");
  w.global("torch", storage);
  w.str("0");
  w.str("cpu");
  w.integer(numel);
  w.tuple();
  w.binpersid();
  w.integer(offset);
  w.mark();
  for (auto s : size) w.integer(s);
  w.tuple();
  w.mark();
  for (auto s : stride) w.integer(s);
  w.tuple();
  w.boolean(false);
  w.global("collections", "OrderedDict");
  w.empty_tuple();
  w.reduce();
  w.tuple();
  w.reduce();
  return w.finish();
}

}  // namespace

TEST(Pt, StateDictRoundTripKeepsKeysValuesAndSharing) {
  Tensor w = arange(6, {.dtype = kFloat32}).reshape({2, 3});
  OrderedDict<Tensor> sd;
  sd.insert("w", w);
  sd.insert("w_t", w.t());
  sd.insert("n", full({}, 7, {.dtype = kInt64}));
  sd.insert("extra", Tensor());  // None
  const std::string bytes = save_pt_to_buffer(sd);
  const nn::Value v = load_pt_from_buffer(bytes.data(), bytes.size());
  EXPECT_EQ(v.repr(), "{'w': Tensor[2, 3], 'w_t': Tensor[3, 2], 'n': Tensor[], 'extra': None}");
  auto back = value_to_state_dict(v);
  EXPECT_TRUE(back.at("w").equal(w));
  EXPECT_TRUE(back.at("w_t").equal(w.t()));
  EXPECT_EQ(back.at("w_t").strides(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(back.at("w").storage()->data(), back.at("w_t").storage()->data());
  EXPECT_EQ(back.at("n").item<int64_t>(), 7);
  EXPECT_FALSE(back.at("extra").defined());
  // Loaded storages are 64-byte aligned (zero-copy views of the buffer).
  EXPECT_EQ(reinterpret_cast<uintptr_t>(back.at("w").data_ptr()) % 64, 0u);
  // Writing to a loaded tensor changes neither the buffer nor a second load.
  back.at("w").fill_(1);
  EXPECT_TRUE(
      value_to_state_dict(load_pt_from_buffer(bytes.data(), bytes.size())).at("w").equal(w));
}

TEST(Pt, FileRoundTripOfNestedValues) {
  TempDir d;
  const std::string path = (d.path / "ckpt.pt").string();
  OrderedDict<nn::Value> inner;
  inner.insert("x", ones({2, 2}, {.dtype = kBFloat16}));
  inner.insert("mask", tensor({true, false}));
  OrderedDict<nn::Value> top;
  top.insert("epoch", 12);
  top.insert("neg", int64_t(-5000000000));
  top.insert("lr", 1e-3);
  top.insert("name", "r\u00e9sum\u00e9");
  top.insert("items", nn::Value::list({nn::Value(), true, nn::Value::tuple({1, 2.5})}));
  top.insert("inner", nn::Value::dict(std::move(inner)));
  const nn::Value v = nn::Value::dict(std::move(top));
  save_pt(path, v);
  const nn::Value back = load_pt(path);
  EXPECT_EQ(back.repr(), v.repr());
  EXPECT_EQ(back.dict().at("neg").to_int(), -5000000000);
  EXPECT_EQ(back.dict().at("lr").to_double(), 1e-3);
  EXPECT_EQ(back.dict().at("name").str(), "r\u00e9sum\u00e9");
  const Tensor& m = back.dict().at("inner").dict().at("mask").tensor();
  EXPECT_EQ(m.dtype(), kBool);
  EXPECT_TRUE(m.equal(tensor({true, false})));
  EXPECT_TRUE(
      back.dict().at("inner").dict().at("x").tensor().equal(ones({2, 2}, {.dtype = kBFloat16})));
  // A bare tensor is a file too (torch.save(t, f)).
  save_pt(path, nn::Value(arange(3)));
  EXPECT_TRUE(load_pt(path).tensor().equal(arange(3)));
}

TEST(Pt, BadValuesAreRefusedAndLeaveTheFileAlone) {
  TempDir d;
  const std::string path = (d.path / "keep.pt").string();
  save_pt(path, nn::Value(7));
  const auto before = fs::file_size(path);
  OrderedDict<nn::Value> bad;
  bad.insert("ok", 1);
  bad.insert("meta", empty({2}, {.device = kMeta}));
  try {
    save_pt(path, nn::Value::dict(bad));
    FAIL() << "no error";
  } catch (const SerializationError& e) {
    EXPECT_TRUE(has(e.what(), "tensor 'meta' is on meta")) << e.what();
  }
  try {
    save_pt(path, nn::Value::list({1, nn::Value::object(std::any(3))}));
    FAIL() << "no error";
  } catch (const SerializationError& e) {
    EXPECT_TRUE(has(e.what(), "'[1]' holds an opaque C++ object")) << e.what();
  }
  try {
    save_pt(path, nn::Value(std::string("\xff\xfe")));
    FAIL() << "no error";
  } catch (const SerializationError& e) {
    EXPECT_TRUE(has(e.what(), "not valid UTF-8")) << e.what();
  }
  EXPECT_EQ(fs::file_size(path), before);
  EXPECT_EQ(load_pt(path).to_int(), 7);
  EXPECT_THROW(load_pt((d.path / "missing.pt").string()), SerializationError);
  EXPECT_TRUE(has(
      [&] {
        try {
          load_pt(d.path.string());
        } catch (const SerializationError& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      "is a directory"));
}

TEST(Pt, HostilePicklesAreRefused) {
  // A global outside the table: named, never called.
  {
    const std::string p =
        "\x80\x02"
        "cos\nsystem\nX\x02\x00\x00\x00"
        "ls\x85"
        "R."s;
    const std::string e = load_error(archive(p));
    EXPECT_TRUE(has(e, "'os.system'")) << e;
    EXPECT_TRUE(has(e, "never runs code")) << e;
  }
  // A list that contains itself (its reference keeps it alive: the loader
  // empties it, which the sanitizer builds check), returned or dropped.
  for (const std::string& tail : {"a."s, "a0N."s}) {
    const std::string p = "\x80\x02]q\x00h\x00"s + tail;
    const std::string e = load_error(archive(p));
    EXPECT_TRUE(has(e, "contains itself")) << e;
  }
  // ... or a failure after one was made.
  EXPECT_TRUE(has(load_error(archive("\x80\x02]q\x00h\x00"
                                     "a\xff."s)),
                  "opcode 0xff"));
  // Lists that each hold the one before twice: 2^40 values from 300 bytes,
  // refused before the loader walks them.
  {
    std::string p = "\x80\x02]q\x00Na0"s;
    for (int i = 1; i <= 40; ++i) {
      p += "(h"s + static_cast<char>(i - 1) + "h" + static_cast<char>(i - 1) + "lq" +
           static_cast<char>(i);
      if (i < 40) p += "0";
    }
    p += ".";
    const std::string e = load_error(archive(p));
    EXPECT_TRUE(has(e, "expand to more than 67108864 values")) << e;
  }
  // Sharing within the limit loads: a dict holding one list twice.
  {
    const std::string p =
        "\x80\x02}q\x00(X\x01\x00\x00\x00"
        "a]q\x01X\x01\x00\x00\x00"
        "bh\x01u."s;
    const std::string f = archive(p);
    EXPECT_EQ(load_pt_from_buffer(f.data(), f.size()).dict().size(), 2u);
  }
  // Stack underflow, a missing STOP, an unknown opcode.
  EXPECT_TRUE(has(load_error(archive("\x80\x02"
                                     "a."s)),
                  "underflow"));
  EXPECT_TRUE(has(load_error(archive("\x80\x02"
                                     "N"s)),
                  "ends in the middle"));
  EXPECT_TRUE(has(load_error(archive("\x80\x02\xff"
                                     "."s)),
                  "unsupported pickle opcode 0xff"));
  // A non-string, non-int dict key.
  EXPECT_TRUE(has(load_error(archive("\x80\x02}(G?\xf0\x00\x00\x00\x00\x00\x00"
                                     "Nu."s)),
                  "has a key of type float"));
}

TEST(Pt, StorageErrors) {
  const std::string four_floats(16, '\0');
  // Fine: a 2x2 view of 4 floats.
  {
    const std::string f =
        archive(tensor_pickle(4, 0, {2, 2}, {2, 1}), {{"archive/data/0", four_floats}});
    EXPECT_EQ(load_pt_from_buffer(f.data(), f.size()).tensor().sizes(),
              (std::vector<int64_t>{2, 2}));
  }
  // The storage entry is missing.
  EXPECT_TRUE(has(load_error(archive(tensor_pickle(4, 0, {2, 2}, {2, 1}))),
                  "storage entry 'archive/data/0' is missing"));
  // The entry is shorter than numel says.
  EXPECT_TRUE(has(
      load_error(archive(tensor_pickle(8, 0, {2, 2}, {2, 1}), {{"archive/data/0", four_floats}})),
      "has 16 bytes, but 8 torch.float32 elements need 32"));
  // A view past the end of its storage.
  EXPECT_TRUE(has(
      load_error(archive(tensor_pickle(4, 1, {2, 2}, {2, 1}), {{"archive/data/0", four_floats}})),
      "lies outside its storage of 4 elements"));
  EXPECT_TRUE(
      has(load_error(archive(tensor_pickle(4, 0, {2, 2}, {2}), {{"archive/data/0", four_floats}})),
          "different lengths"));
  // An unknown storage class.
  EXPECT_TRUE(has(load_error(archive(tensor_pickle(4, 0, {4}, {1}, "ComplexFloatStorage"),
                                     {{"archive/data/0", four_floats}})),
                  "'torch.ComplexFloatStorage'"));
}

TEST(Pt, ZipErrors) {
  const std::string good = save_pt_to_buffer(nn::Value(arange(4)));
  // No data.pkl (some other zip).
  {
    serialize::ZipWriter z;
    z.add("other/file.txt", "hi", 2);
    EXPECT_TRUE(has(load_error(join(z.finish())), "no '<archive>/data.pkl' entry"));
  }
  // Truncated anywhere: a clear error, never a crash.
  for (size_t n : {size_t(0), size_t(10), good.size() / 3, good.size() / 2, good.size() - 1}) {
    const std::string e = load_error(good.substr(0, n));
    EXPECT_NE(e, "no error") << n;
    EXPECT_EQ(e.rfind("load_pt: buffer: ", 0), 0u) << e;
  }
  // Every single-byte flip is either harmless or a SerializationError.
  for (size_t i = 0; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    try {
      load_pt_from_buffer(bad.data(), bad.size());
    } catch (const SerializationError&) {
    }
  }
  // A big-endian checkpoint.
  {
    serialize::ZipWriter z;
    const std::string pkl = serialize::PickleWriter().finish();
    z.add("archive/data.pkl", pkl.data(), pkl.size());
    z.add("archive/byteorder", "big", 3);
    EXPECT_TRUE(has(load_error(join(z.finish())), "stored big-endian"));
  }
}

TEST(Pt, StateDictConversionErrors) {
  EXPECT_THROW(value_to_state_dict(nn::Value(3)), SerializationError);
  try {
    value_to_state_dict(nn::Value::dict({{"a", ones({1})}, {"b", "text"}}), "'f.pt'");
    FAIL();
  } catch (const SerializationError& e) {
    EXPECT_EQ(std::string(e.what()),
              "'f.pt' is not a state dict: its entry 'b' is a str, not a tensor");
  }
  const auto v = state_dict_to_value(OrderedDict<Tensor>{{"a", ones({1})}, {"b", Tensor()}});
  EXPECT_EQ(v.repr(), "{'a': Tensor[1], 'b': None}");
}
