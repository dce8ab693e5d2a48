// safetensors reader and writer: round trips, zero-copy semantics, hostile
// files (each must give SerializationError, never a crash or an out-of-bounds
// read) and atomic writes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "ember/ember.h"

using namespace ember;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ember_st_test_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(path)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
};

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string raw_bytes(const Tensor& t) {
  Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

std::string u64le(uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return s;
}
// A file from a header given as text (so malformed JSON can be written) and a
// data section.
std::string make_file(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}

std::vector<int64_t> shape_of(const Tensor& t) { return t.sizes().vec(); }

// Asserts that fn throws SerializationError whose message contains every one
// of `parts`.
void expect_error(const std::function<void()>& fn, std::vector<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected SerializationError mentioning '" << parts[0] << "'";
  } catch (const SerializationError& e) {
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "message '" << e.what() << "' does not mention '" << p << "'";
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// A malformed buffer must fail the same way from memory and from a file.
void expect_bad(const std::string& bytes, std::vector<std::string> parts) {
  expect_error([&] { load_safetensors_from_buffer(bytes.data(), bytes.size()); }, parts);
  TempDir d;
  const std::string p = d.file("bad.safetensors");
  write_bytes(p, bytes);
  parts.push_back(p);  // the file's messages name the path
  expect_error([&] { load_safetensors(p); }, parts);
}

template <typename T>
Tensor from_bits(const std::vector<T>& bits, DType dt, IntArrayRef shape) {
  return detail::from_raw_copy(bits.data(), dt, shape);
}

// One tensor of each dtype holding edge values (bit patterns for floats).
OrderedDict<Tensor> every_dtype() {
  OrderedDict<Tensor> d;
  d.insert("bool", from_vector<bool>({true, false, false, true}, {2, 2}));
  d.insert("u8", from_vector<uint8_t>({0, 1, 127, 128, 255}));
  d.insert("i8", from_vector<int8_t>({-128, -1, 0, 1, 127}));
  d.insert("i16", from_vector<int16_t>({-32768, -1, 0, 1, 32767}));
  d.insert("i32", from_vector<int32_t>({INT32_MIN, -1, 0, 1, INT32_MAX}));
  d.insert("i64", from_vector<int64_t>({INT64_MIN, -1, 0, 1, INT64_MAX}, {5, 1}));
  // +0, -0, 1, -2, min subnormal, max, inf, -inf, qnan, nan with payload
  d.insert("f16", from_bits<uint16_t>({0x0000, 0x8000, 0x3C00, 0xC000, 0x0001, 0x7BFF, 0x7C00,
                                       0xFC00, 0x7E00, 0x7D01},
                                      kFloat16, {2, 5}));
  d.insert("bf16", from_bits<uint16_t>({0x0000, 0x8000, 0x3F80, 0xC000, 0x0001, 0x7F7F, 0x7F80,
                                        0xFF80, 0x7FC0, 0x7FA1},
                                       kBFloat16, {10}));
  d.insert("f32", from_bits<uint32_t>({0x00000000, 0x80000000, 0x3F800000, 0xC0000000, 0x00000001,
                                       0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7FA00001},
                                      kFloat32, {5, 2}));
  d.insert("f64",
           from_bits<uint64_t>({0, 0x8000000000000000, 0x3FF0000000000000, 0xC000000000000000, 1,
                                0x7FEFFFFFFFFFFFFF, 0x7FF0000000000000, 0xFFF0000000000000,
                                0x7FF8000000000000, 0x7FF4000000000001},
                               kFloat64, {1, 10}));
  return d;
}

void expect_same(const OrderedDict<Tensor>& got, const OrderedDict<Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, w] : want.items()) {
    SCOPED_TRACE(name);
    const Tensor* g = got.find(name);
    ASSERT_NE(g, nullptr) << "missing tensor";
    EXPECT_EQ(g->dtype(), w.dtype());
    EXPECT_EQ(shape_of(*g), shape_of(w));
    EXPECT_TRUE(g->is_contiguous());
    EXPECT_EQ(raw_bytes(*g), raw_bytes(w)) << "bytes differ";
  }
}

// A small valid file: two tensors, metadata, the last tensor non-empty.
std::string small_file() {
  return save_safetensors_to_buffer(
      {{"w", from_vector<float>({1.f, 2.f, 3.f})}, {"b", from_vector<int16_t>({4, 5})}},
      {{"k", "v"}});
}

}  // namespace

// ---- round trips

TEST(Safetensors, RoundTripEveryDtypeBitExact) {
  TempDir d;
  const auto want = every_dtype();
  save_safetensors(d.file("a.safetensors"), want);
  auto got = load_safetensors(d.file("a.safetensors"));
  expect_same(got.tensors, want);
  EXPECT_TRUE(got.metadata.empty());
  // a few values read back through ember's own conversions
  EXPECT_EQ(got.tensors.at("bool").tolist<bool>(), (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(got.tensors.at("i64").tolist<int64_t>()[0], INT64_MIN);
  EXPECT_EQ(got.tensors.at("u8").tolist<int64_t>()[4], 255);
  auto f16 = got.tensors.at("f16").tolist<float>();
  EXPECT_EQ(f16[2], 1.0f);
  EXPECT_EQ(f16[3], -2.0f);
  EXPECT_EQ(f16[5], 65504.0f);
  EXPECT_EQ(f16[6], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f16[8]));
  auto bf16 = got.tensors.at("bf16").tolist<float>();
  EXPECT_EQ(bf16[2], 1.0f);
  EXPECT_EQ(bf16[7], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(bf16[9]));
  auto f32 = got.tensors.at("f32").tolist<float>();
  EXPECT_TRUE(std::signbit(f32[1]) && f32[1] == 0.0f);
  EXPECT_EQ(f32[4], std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(f32[5], std::numeric_limits<float>::max());
}

TEST(Safetensors, HeaderIsWhatTheFormatSays) {
  const std::string bytes = save_safetensors_to_buffer(
      {{"a", from_vector<float>({1.f, 2.f})}, {"b", from_vector<uint8_t>({7})}}, {{"m", "x"}});
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  ASSERT_LE(8 + n, bytes.size());
  EXPECT_EQ((8 + n) % 8, 0u) << "header padded so the data section is 8-aligned";
  const json h = json::parse(bytes.substr(8, n));
  EXPECT_EQ(h["a"]["dtype"], "F32");
  EXPECT_EQ(h["a"]["shape"], json({2}));
  EXPECT_EQ(h["a"]["data_offsets"], json({0, 8}));
  EXPECT_EQ(h["b"]["dtype"], "U8");
  EXPECT_EQ(h["b"]["data_offsets"], json({8, 9}));
  EXPECT_EQ(h["__metadata__"], json({{"m", "x"}}));
  EXPECT_EQ(bytes.size(), 8 + n + 9);
  float v[2];
  std::memcpy(v, bytes.data() + 8 + n, 8);
  EXPECT_EQ(v[0], 1.f);
  EXPECT_EQ(v[1], 2.f);
  EXPECT_EQ(bytes.back(), 7);
}

TEST(Safetensors, DTypeNames) {
  const std::vector<std::pair<DType, std::string>> names = {
      {kBool, "BOOL"},   {kUInt8, "U8"},   {kInt8, "I8"},     {kInt16, "I16"},
      {kInt32, "I32"},   {kInt64, "I64"},  {kFloat16, "F16"}, {kBFloat16, "BF16"},
      {kFloat32, "F32"}, {kFloat64, "F64"}};
  for (const auto& [t, n] : names) {
    EXPECT_EQ(safetensors_dtype_name(t), n);
    EXPECT_EQ(parse_safetensors_dtype(n), t);
  }
  EXPECT_THROW(parse_safetensors_dtype("F8_E4M3"), TypeError);
  EXPECT_THROW(parse_safetensors_dtype("f32"), TypeError);
}

TEST(Safetensors, ZeroDimAndEmptyTensors) {
  OrderedDict<Tensor> want;
  want.insert("scalar_f64", scalar_tensor(-1.25, {.dtype = kFloat64}));
  want.insert("scalar_bool", scalar_tensor(true, {.dtype = kBool}));
  want.insert("empty0", empty({0}, {.dtype = kFloat32}));
  want.insert("empty_mid", empty({2, 0, 3}, {.dtype = kInt64}));
  want.insert("empty_bf16", empty({0, 4}, {.dtype = kBFloat16}));
  want.insert("after", from_vector<int8_t>({5, 6}));
  const std::string bytes = save_safetensors_to_buffer(want);
  auto got = load_safetensors_from_buffer(bytes.data(), bytes.size());
  expect_same(got.tensors, want);
  EXPECT_EQ(got.tensors.at("scalar_f64").dim(), 0);
  EXPECT_EQ(got.tensors.at("scalar_f64").item<double>(), -1.25);
  EXPECT_EQ(got.tensors.at("scalar_bool").item<bool>(), true);
  EXPECT_EQ(shape_of(got.tensors.at("empty_mid")), (std::vector<int64_t>{2, 0, 3}));
  EXPECT_EQ(got.tensors.at("empty_mid").numel(), 0);
  // only empty tensors: an empty data section
  const std::string e = save_safetensors_to_buffer({{"x", empty({0})}});
  auto ge = load_safetensors_from_buffer(e.data(), e.size());
  EXPECT_EQ(shape_of(ge.tensors.at("x")), (std::vector<int64_t>{0}));
  // and no tensors at all
  const std::string none = save_safetensors_to_buffer({}, {{"only", "metadata"}});
  auto gn = load_safetensors_from_buffer(none.data(), none.size());
  EXPECT_TRUE(gn.tensors.empty());
  EXPECT_EQ(gn.metadata.at("only"), "metadata");
}

TEST(Safetensors, ManyTensors) {
  TempDir d;
  OrderedDict<Tensor> want;
  for (int i = 0; i < 1500; ++i) {
    const DType dt = static_cast<DType>(i % kNumDTypes);
    want.insert("layer." + std::to_string(i) + ".weight",
                arange(i, i + (i % 7), 1, {.dtype = kInt64}).to(dt));
  }
  save_safetensors(d.file("many.safetensors"), want);
  auto got = load_safetensors(d.file("many.safetensors"));
  expect_same(got.tensors, want);
  // i = 1495: int64 (1495 % 10 == 5), 4 elements (1495 % 7 == 4)
  EXPECT_EQ(got.tensors.at("layer.1495.weight").dtype(), kInt64);
  EXPECT_EQ(got.tensors.at("layer.1495.weight").tolist<int64_t>(),
            (std::vector<int64_t>{1495, 1496, 1497, 1498}));
}

TEST(Safetensors, Metadata) {
  const std::map<std::string, std::string> meta = {
      {"format", "pt"},
      {"empty", ""},
      {"ünïcödé ✓", "välue with \"quotes\", \\ and\nnewline"},
      {"__metadata__", "a key like the reserved one is fine inside"}};
  const std::string bytes = save_safetensors_to_buffer({{"x", ones({2})}}, meta);
  auto got = load_safetensors_from_buffer(bytes.data(), bytes.size());
  EXPECT_EQ(got.metadata, meta);
  // no metadata: no "__metadata__" entry at all
  const std::string plain = save_safetensors_to_buffer({{"x", ones({2})}});
  EXPECT_EQ(plain.find("__metadata__"), std::string::npos);
}

TEST(Safetensors, NonContiguousWrittenInLogicalOrder) {
  OrderedDict<Tensor> in;
  in.insert("t", arange(6, {.dtype = kFloat32}).view({2, 3}).t());
  in.insert("step", arange(10).slice(0, 1, 10, 4));
  in.insert("expanded", from_vector<int16_t>({1, 2}).view({2, 1}).expand({2, 3}));
  in.insert("narrow", arange(12, {.dtype = kFloat64}).view({3, 4}).narrow(1, 1, 2));
  in.insert("cl", arange(24, {.dtype = kBFloat16}).view({1, 2, 3, 4}).contiguous(kChannelsLast));
  ASSERT_FALSE(in.at("cl").is_contiguous());
  ASSERT_TRUE(in.at("cl").is_contiguous(kChannelsLast));
  const std::string bytes = save_safetensors_to_buffer(in);
  auto got = load_safetensors_from_buffer(bytes.data(), bytes.size()).tensors;
  EXPECT_EQ(got.at("t").tolist<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(shape_of(got.at("t")), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(got.at("step").tolist<int64_t>(), (std::vector<int64_t>{1, 5, 9}));
  EXPECT_EQ(got.at("expanded").tolist<int64_t>(), (std::vector<int64_t>{1, 1, 1, 2, 2, 2}));
  EXPECT_EQ(got.at("narrow").tolist<double>(), (std::vector<double>{1, 2, 5, 6, 9, 10}));
  EXPECT_EQ(shape_of(got.at("cl")), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(got.at("cl").is_contiguous());
  std::vector<float> iota(24);
  for (int i = 0; i < 24; ++i) iota[i] = static_cast<float>(i);
  EXPECT_EQ(got.at("cl").tolist<float>(), iota);
  // the input views were not changed by saving
  EXPECT_EQ(in.at("t").tolist<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(Safetensors, UnicodeAndDottedNames) {
  const std::vector<std::string> names = {"模型.层.0.权重",     "emoji 😀",   "a.b.c", "with space",
                                          "quote\"back\\slash", "new\nline", "tab\t", "é"};
  OrderedDict<Tensor> in;
  for (size_t i = 0; i < names.size(); ++i)
    in.insert(names[i], full({2}, static_cast<int64_t>(i), {.dtype = kInt32}));
  const std::string bytes = save_safetensors_to_buffer(in);
  auto got = load_safetensors_from_buffer(bytes.data(), bytes.size()).tensors;
  EXPECT_EQ(got.keys(), names);  // one element size: the caller's order is kept
  for (size_t i = 0; i < names.size(); ++i)
    EXPECT_EQ(got.at(names[i]).tolist<int64_t>(),
              (std::vector<int64_t>{static_cast<int64_t>(i), static_cast<int64_t>(i)}));
}

TEST(Safetensors, LoadedOrderIsDataOrder) {
  // The writer groups by element size (largest first), keeping the caller's
  // order inside a group; the reader returns the file's data order.
  OrderedDict<Tensor> in;
  in.insert("z8", from_vector<uint8_t>({1}));
  in.insert("y32", from_vector<float>({2.f}));
  in.insert("x64", from_vector<int64_t>({3}));
  in.insert("w32", from_vector<int32_t>({4}));
  in.insert("v16", from_vector<int16_t>({5}));
  in.insert("u64", from_vector<double>({6.0}));
  const std::string bytes = save_safetensors_to_buffer(in);
  auto got = load_safetensors_from_buffer(bytes.data(), bytes.size()).tensors;
  EXPECT_EQ(got.keys(), (std::vector<std::string>{"x64", "u64", "y32", "w32", "v16", "z8"}));

  // A hand-made file whose data order differs from the header's key order.
  const std::string data =
      std::string("\x01\x02", 2) + std::string("\x03", 1) + std::string("\x04", 1);
  const std::string f = make_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[3,4]},)"
                                  R"("c":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                                  R"("b":{"dtype":"I8","shape":[1],"data_offsets":[2,3]}})",
                                  data);
  auto g = load_safetensors_from_buffer(f.data(), f.size()).tensors;
  EXPECT_EQ(g.keys(), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(g.at("c").tolist<int64_t>(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(g.at("a").tolist<int64_t>(), (std::vector<int64_t>{4}));
}

TEST(Safetensors, BufferAndFileGiveTheSameBytes) {
  TempDir d;
  const auto in = every_dtype();
  const std::map<std::string, std::string> meta = {{"k", "v"}};
  save_safetensors(d.file("x.safetensors"), in, meta);
  const std::string bytes = save_safetensors_to_buffer(in, meta);
  EXPECT_EQ(read_bytes(d.file("x.safetensors")), bytes);
  // from a buffer at an odd address (the reader copies into an aligned block)
  std::string shifted = " " + bytes;
  auto got = load_safetensors_from_buffer(shifted.data() + 1, bytes.size());
  expect_same(got.tensors, in);
  EXPECT_EQ(got.metadata, meta);
  // the loaded tensors do not alias the caller's buffer
  shifted.assign(shifted.size(), '\0');
  expect_same(got.tensors, in);
}

TEST(Safetensors, UnalignedOffsetsAreCopied) {
  // Valid per the format: a 3-byte U8 tensor then an F32 at offset 3.
  std::string data = "\x07\x08\x09";
  const float fv[2] = {1.5f, -2.0f};
  data.append(reinterpret_cast<const char*>(fv), 8);
  const std::string f = make_file(R"({"u":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},)"
                                  R"("f":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}})",
                                  data);
  TempDir d;
  write_bytes(d.file("u.safetensors"), f);
  auto got = load_safetensors(d.file("u.safetensors")).tensors;
  EXPECT_EQ(got.at("f").tolist<float>(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(got.at("f").data_ptr()) % alignof(float), 0u);
  EXPECT_EQ(got.at("u").tolist<int64_t>(), (std::vector<int64_t>{7, 8, 9}));
}

TEST(Safetensors, BoolBytesOtherThanOneReadAsTrue) {
  const std::string f = make_file(R"({"b":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}})",
                                  std::string("\x00\x01\x02\xff", 4));
  TempDir d;
  write_bytes(d.file("b.safetensors"), f);
  auto got = load_safetensors(d.file("b.safetensors")).tensors.at("b");
  EXPECT_EQ(got.tolist<bool>(), (std::vector<bool>{false, true, true, true}));
  const auto* p = static_cast<const unsigned char*>(got.data_ptr());
  EXPECT_EQ(p[2], 1);  // normalised in memory
  EXPECT_EQ(p[3], 1);
  EXPECT_EQ(read_bytes(d.file("b.safetensors")), f);  // but not in the file
}

// ---- zero-copy semantics

TEST(Safetensors, LoadedTensorsAliasOneMapping) {
  TempDir d;
  save_safetensors(d.file("z.safetensors"),
                   {{"a", arange(16, {.dtype = kFloat32})}, {"b", arange(8, {.dtype = kFloat32})}});
  auto got = load_safetensors(d.file("z.safetensors")).tensors;
  const char* a = static_cast<const char*>(got.at("a").data_ptr());
  const char* b = static_cast<const char*>(got.at("b").data_ptr());
  // a at [0, 64), b at [64, 96) of the same data section: no copies were made
  EXPECT_EQ(b - a, 64);
}

TEST(Safetensors, WritingALoadedTensorNeverChangesTheFile) {
  TempDir d;
  const std::string path = d.file("w.safetensors");
  save_safetensors(
      path, {{"x", arange(1024, {.dtype = kFloat32})}, {"y", ones({3}, {.dtype = kFloat32})}});
  const std::string before = read_bytes(path);
  {
    auto got = load_safetensors(path).tensors;
    got.at("x").fill_(-7.0);
    static_cast<float*>(got.at("y").data_ptr())[1] = 42.f;
    EXPECT_EQ(got.at("x").tolist<float>()[1000], -7.0f);  // the write took effect in memory
    EXPECT_EQ(got.at("y").tolist<float>(), (std::vector<float>{1.f, 42.f, 1.f}));
    EXPECT_EQ(read_bytes(path), before);  // not on disk, even while mapped
    // a second load of the same file sees the original values
    auto again = load_safetensors(path).tensors;
    EXPECT_EQ(again.at("x").tolist<float>()[1000], 1000.0f);
    EXPECT_EQ(again.at("y").tolist<float>(), (std::vector<float>{1.f, 1.f, 1.f}));
  }
  EXPECT_EQ(read_bytes(path), before);
}

TEST(Safetensors, TensorsOutliveTheirSiblingsAndTheFile) {
  TempDir d;
  const std::string path = d.file("l.safetensors");
  save_safetensors(path, {{"a", arange(100, {.dtype = kInt64})},
                          {"b", arange(50, {.dtype = kFloat64})},
                          {"c", arange(10, {.dtype = kInt32})}});
  Tensor kept, view;
  {
    auto data = load_safetensors(path);
    kept = data.tensors.at("b");
    view = data.tensors.at("c").narrow(0, 5, 3);
  }                  // the other tensors and the SafetensorsData are gone
  fs::remove(path);  // and so is the file
  std::vector<double> want(50);
  for (int i = 0; i < 50; ++i) want[i] = i;
  EXPECT_EQ(kept.tolist<double>(), want);
  EXPECT_EQ(view.tolist<int64_t>(), (std::vector<int64_t>{5, 6, 7}));
  kept = Tensor();
  EXPECT_EQ(view.tolist<int64_t>(), (std::vector<int64_t>{5, 6, 7}));
}

// ---- malformed and hostile input

TEST(Safetensors, TooShortOrEmpty) {
  expect_bad("", {"0 bytes", "too short"});
  expect_bad(std::string(7, '\0'), {"7 bytes", "too short"});
  // the length alone, and a header length larger than the file
  expect_bad(u64le(0), {"not valid JSON"});
  expect_bad(u64le(100) + "{}", {"header length 100", "exceeds"});
}

TEST(Safetensors, HugeHeaderLength) {
  expect_bad(u64le(uint64_t(1) << 63) + "{}", {"header length 9223372036854775808", "exceeds"});
  expect_bad(u64le(~uint64_t(0)) + "{}", {"exceeds"});
  // a length within the file but over the 100 MB limit the format sets
  const uint64_t big = 100'000'001;
  std::string f = u64le(big) + std::string(big, ' ');
  expect_error([&] { load_safetensors_from_buffer(f.data(), f.size()); },
               {"100000001", "exceeds the limit"});
}

TEST(Safetensors, InvalidJsonOrNotAnObject) {
  expect_bad(make_file("{", ""), {"not valid JSON"});
  expect_bad(make_file("{\"a\": }", ""), {"not valid JSON"});
  expect_bad(make_file("{} trailing", ""), {"not valid JSON"});
  expect_bad(make_file(std::string("{\"\xff\": 1}"), ""), {"not valid JSON"});  // not UTF-8
  expect_bad(make_file(std::string(100000, '[') + std::string(100000, ']'), ""),
             {"not a JSON object"});  // deep nesting is neither a crash nor an object
  expect_bad(make_file("[]", ""), {"not a JSON object", "array"});
  expect_bad(make_file("42", ""), {"not a JSON object"});
  expect_bad(make_file("\"str\"", ""), {"not a JSON object"});
  expect_bad(make_file("null", ""), {"not a JSON object"});
}

TEST(Safetensors, EntryFields) {
  const std::string d4(4, '\0');
  expect_bad(make_file(R"({"w": 5})", d4), {"tensor 'w'", "not an object"});
  expect_bad(make_file(R"({"w": {"shape":[1],"data_offsets":[0,4]}})", d4),
             {"tensor 'w'", "no \"dtype\""});
  expect_bad(make_file(R"({"w": {"dtype":"F32","data_offsets":[0,4]}})", d4),
             {"tensor 'w'", "no \"shape\""});
  expect_bad(make_file(R"({"w": {"dtype":"F32","shape":[1]}})", d4),
             {"tensor 'w'", "no \"data_offsets\""});
  expect_bad(make_file(R"({"w": {"dtype":32,"shape":[1],"data_offsets":[0,4]}})", d4),
             {"tensor 'w'", "dtype is not a string"});
  for (const char* dt : {"F8", "U16", "f32", "F8_E4M3", "C64", ""})
    expect_bad(make_file(std::string(R"({"w": {"dtype":")") + dt +
                             R"(","shape":[1],"data_offsets":[0,4]}})",
                         d4),
               {"tensor 'w'", std::string("unsupported dtype '") + dt + "'"});
  expect_bad(make_file(R"({"": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d4),
             {"empty name"});
  expect_bad(make_file(R"({"w": {"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                       R"("w": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                       d4),
             {"'w' more than once"});
}

TEST(Safetensors, BadShapes) {
  const std::string d8(8, '\0');
  for (const char* shape : {"[-1]", "[2.0]", "[2.5]", "[\"2\"]", "[[2]]", "[null]", "[true]",
                            "[1, -2]", "[1e3]", "[18446744073709551616]"})
    expect_bad(make_file(std::string(R"({"w": {"dtype":"U8","shape":)") + shape +
                             R"(,"data_offsets":[0,8]}})",
                         d8),
               {"tensor 'w'", "shape must hold non-negative integers"});
  for (const char* shape : {"8", "\"8\"", "null", "{}"})
    expect_bad(make_file(std::string(R"({"w": {"dtype":"U8","shape":)") + shape +
                             R"(,"data_offsets":[0,8]}})",
                         d8),
               {"tensor 'w'", "shape is not a list"});
}

TEST(Safetensors, ShapeProductOverflow) {
  // 2^31 * 2^31 * 8 bytes wraps to 0 in 64 bits: must not pass as an empty tensor.
  expect_bad(
      make_file(R"({"w": {"dtype":"F64","shape":[2147483648,2147483648],"data_offsets":[0,0]}})",
                ""),
      {"tensor 'w'", "too large"});
  expect_bad(
      make_file(
          R"({"w": {"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}})",
          ""),
      {"tensor 'w'", "too large"});
  expect_bad(
      make_file(R"({"w": {"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})", ""),
      {"tensor 'w'", "too large"});
  // an empty tensor whose other sizes would overflow the strides
  expect_bad(
      make_file(R"({"w": {"dtype":"U8","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})",
                ""),
      {"tensor 'w'", "too large"});
  // sizes that do not overflow but do not match the bytes
  expect_bad(make_file(R"({"w": {"dtype":"F32","shape":[1073741824,4],"data_offsets":[0,4]}})",
                       std::string(4, '\0')),
             {"tensor 'w'", "need 17179869184 bytes", "hold 4"});
}

TEST(Safetensors, BadDataOffsets) {
  const std::string d8(8, '\0');
  auto file = [&](const std::string& off) {
    return make_file(R"({"w": {"dtype":"F32","shape":[2],"data_offsets":)" + off + "}}", d8);
  };
  for (const char* off : {"[0]", "[0,8,8]", "[-1,7]", "[0.0,8]", "[0,\"8\"]", "8", "null", "[]"})
    expect_bad(file(off), {"tensor 'w'", "data_offsets must be two non-negative integers"});
  expect_bad(file("[8,0]"), {"tensor 'w'", "[8, 0]", "end before they begin"});
  expect_bad(file("[0,16]"), {"tensor 'w'", "run past the end", "8-byte data section"});
  expect_bad(file("[4,12]"), {"tensor 'w'", "run past the end"});
  expect_bad(file("[0,18446744073709551615]"), {"tensor 'w'", "run past the end"});
  expect_bad(file("[0,4]"), {"tensor 'w'", "need 8 bytes", "hold 4"});  // size mismatch
  // two tensors overlapping, leaving a gap, not covering the data
  const std::string two = R"({"a": {"dtype":"F32","shape":[1],"data_offsets":[%A]},)"
                          R"( "b": {"dtype":"F32","shape":[1],"data_offsets":[%B]}})";
  auto two_file = [&](const std::string& a, const std::string& b, size_t data) {
    std::string h = two;
    h.replace(h.find("%A"), 2, a);
    h.replace(h.find("%B"), 2, b);
    return make_file(h, std::string(data, '\0'));
  };
  expect_bad(two_file("0,4", "2,6", 8), {"tensor 'b'", "overlaps tensor 'a'"});
  expect_bad(two_file("0,4", "0,4", 4), {"overlaps"});
  expect_bad(two_file("0,4", "8,12", 12), {"tensor 'b'", "starts at byte 8", "unused"});
  expect_bad(two_file("4,8", "8,12", 12), {"tensor 'a'", "starts at byte 4", "unused"});
  expect_bad(two_file("0,4", "4,8", 12), {"data section has 12 bytes", "cover only 8"});
  expect_bad(make_file("{}", "abc"), {"data section has 3 bytes", "cover only 0"});
}

TEST(Safetensors, BadMetadata) {
  const std::string ok = R"("w": {"dtype":"U8","shape":[1],"data_offsets":[0,1]})";
  for (const char* m : {"[]", "\"x\"", "3", "null"})
    expect_bad(make_file(std::string(R"({"__metadata__": )") + m + "," + ok + "}", "\x01"),
               {"__metadata__ is not an object"});
  for (const char* v : {"1", "null", "{}", "[\"a\"]", "true"})
    expect_bad(make_file(std::string(R"({"__metadata__": {"key": )") + v + "}," + ok + "}", "\x01"),
               {"__metadata__ value for 'key' is not a string"});
  expect_bad(
      make_file(std::string(R"({"__metadata__": {"k": "a", "k": "b"}, )") + ok + "}", "\x01"),
      {"'k' more than once"});
}

TEST(Safetensors, DirectoryNonexistentAndSpecialPaths) {
  TempDir d;
  expect_error([&] { load_safetensors(d.path.string()); }, {d.path.string(), "directory"});
  const std::string missing = d.file("no_such_file.safetensors");
  expect_error([&] { load_safetensors(missing); }, {missing, "No such file"});
  expect_error([&] { load_safetensors(""); }, {"cannot open"});
  // a FIFO: rejected at once, not a hang waiting for a writer
  const std::string fifo = d.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_error([&] { load_safetensors(fifo); }, {fifo, "not a regular file"});
  expect_error([&] { load_safetensors_from_buffer(nullptr, 8); }, {"null"});
  expect_error([&] { load_safetensors_from_buffer(nullptr, 0); }, {"too short"});
}

TEST(Safetensors, EveryTruncationFails) {
  const std::string full = small_file();
  ASSERT_NO_THROW(load_safetensors_from_buffer(full.data(), full.size()));
  TempDir d;
  const std::string path = d.file("t.safetensors");
  for (size_t len = 0; len < full.size(); ++len) {
    SCOPED_TRACE("prefix of " + std::to_string(len) + " bytes");
    const std::string prefix = full.substr(0, len);
    EXPECT_THROW(load_safetensors_from_buffer(prefix.data(), prefix.size()), SerializationError);
    write_bytes(path, prefix);
    EXPECT_THROW(load_safetensors(path), SerializationError);
  }
  // and extra trailing bytes are just as wrong
  const std::string longer = full + "x";
  EXPECT_THROW(load_safetensors_from_buffer(longer.data(), longer.size()), SerializationError);
}

TEST(Safetensors, RandomHeaderMutationsLoadOrThrow) {
  const std::string full =
      save_safetensors_to_buffer({{"weight", arange(12, {.dtype = kFloat32}).view({3, 4})},
                                  {"bias", from_vector<int16_t>({1, 2, 3})},
                                  {"mask", from_vector<bool>({true, false})},
                                  {"s", scalar_tensor(2.0, {.dtype = kFloat64})}},
                                 {{"format", "pt"}});
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(full[i]);
  const size_t header_end = 8 + n;
  std::mt19937 rng(12345);
  const char interesting[] = "{}[]\",:0123456789-.e ";
  int loaded = 0, rejected = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string m = full;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      const size_t pos = rng() % header_end;  // the length bytes included
      switch (rng() % 3) {
        case 0:
          m[pos] = static_cast<char>(m[pos] ^ (1 << (rng() % 8)));
          break;
        case 1:
          m[pos] = static_cast<char>(rng() & 0xff);
          break;
        default:
          m[pos] = interesting[rng() % (sizeof(interesting) - 1)];
          break;
      }
    }
    try {
      auto got = load_safetensors_from_buffer(m.data(), m.size());
      ++loaded;
      // whatever loaded must lie inside the data section and be readable
      size_t total = 0;
      for (const auto& [name, t] : got.tensors.items()) {
        total += t.nbytes();
        (void)raw_bytes(t);
      }
      EXPECT_LE(total, m.size() - header_end) << "iteration " << iter;
    } catch (const SerializationError&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "iteration " << iter << ": not a SerializationError: " << e.what();
    }
  }
  // the mutations must exercise both outcomes to mean anything
  EXPECT_GT(loaded, 50);
  EXPECT_GT(rejected, 2000);
}

// ---- writer

TEST(Safetensors, WriterRejectsBadInputAndWritesNothing) {
  TempDir d;
  const std::string path = d.file("out.safetensors");
  expect_error(
      [&] {
        save_safetensors(path, {{"ok", ones({2})}, {"u", Tensor()}});
      },
      {"tensor 'u'", "undefined"});
  expect_error(
      [&] {
        save_safetensors(path, {{"__metadata__", ones({2})}});
      },
      {"'__metadata__' is reserved"});
  expect_error([&] { save_safetensors(path, {{"", ones({2})}}); }, {"empty name"});
  expect_error(
      [&] {
        save_safetensors(path, {{"m", empty({2, 3}, {.device = kMeta})}});
      },
      {"tensor 'm'", "meta", "cpu"});
  expect_error(
      [&] {
        save_safetensors(path, {{std::string("bad\xff"), ones({2})}});
      },
      {"not valid UTF-8"});
  expect_error(
      [&] {
        save_safetensors(path, {{"x", ones({2})}}, {{"k", std::string("\xc3")}});
      },
      {"metadata value for 'k'", "not valid UTF-8"});
  expect_error(
      [&] {
        save_safetensors(path, {{"x", ones({2})}}, {{std::string("\xc3"), "v"}});
      },
      {"metadata key", "not valid UTF-8"});
  EXPECT_TRUE(d.listing().empty()) << "a failed save left a file behind";
  expect_error([&] { save_safetensors_to_buffer({{"u", Tensor()}}); }, {"undefined"});

  // a bad save over an existing file leaves it as it was
  save_safetensors(path, {{"x", ones({2})}});
  const std::string before = read_bytes(path);
  EXPECT_THROW(save_safetensors(path, {{"x", zeros({2})}, {"u", Tensor()}}), SerializationError);
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(d.listing(), (std::vector<std::string>{"out.safetensors"}));
}

TEST(Safetensors, SaveReplacesAnExistingFile) {
  TempDir d;
  const std::string path = d.file("r.safetensors");
  save_safetensors(path, {{"old", arange(1000)}});
  ::chmod(path.c_str(), 0640);
  save_safetensors(path, {{"new", from_vector<float>({1.f})}});
  auto got = load_safetensors(path);
  EXPECT_EQ(got.tensors.keys(), (std::vector<std::string>{"new"}));
  EXPECT_EQ(got.tensors.at("new").tolist<float>(), (std::vector<float>{1.f}));
  EXPECT_EQ(d.listing(), (std::vector<std::string>{"r.safetensors"}));  // no temp file
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "the replaced file's permissions are kept";
}

TEST(Safetensors, SaveThroughASymlinkReplacesItsTarget) {
  TempDir d;
  const std::string target = d.file("target.safetensors"), link = d.file("link.safetensors");
  save_safetensors(target, {{"a", ones({1})}});
  fs::create_symlink(target, link);
  save_safetensors(link, {{"b", zeros({2})}});
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(load_safetensors(target).tensors.keys(), (std::vector<std::string>{"b"}));
  EXPECT_EQ(d.listing(), (std::vector<std::string>{"link.safetensors", "target.safetensors"}));
}

TEST(Safetensors, FailedSaveLeavesOldFileAndNoTemp) {
  TempDir d;
  // the directory does not exist
  const std::string nodir = d.file("missing/x.safetensors");
  expect_error([&] { save_safetensors(nodir, {{"x", ones({1})}}); }, {nodir, "No such file"});
  // the parent is a file
  write_bytes(d.file("plain"), "p");
  expect_error(
      [&] {
        save_safetensors(d.file("plain/x.safetensors"), {{"x", ones({1})}});
      },
      {"plain/x.safetensors", "Not a directory"});
  // the target is a directory: the temp file is written, then rename fails
  fs::create_directory(d.path / "adir");
  write_bytes(d.file("adir/inside"), "keep");
  expect_error(
      [&] {
        save_safetensors(d.file("adir"), {{"x", ones({1})}});
      },
      {d.file("adir"), "rename failed"});
  EXPECT_EQ(read_bytes(d.file("adir/inside")), "keep");
  EXPECT_EQ(d.listing(), (std::vector<std::string>{"adir", "plain"}));
}

TEST(Safetensors, FailedWriteMidwayLeavesOldFileAndNoTemp) {
  // A file size limit makes write() fail part way through (works as root too,
  // unlike a read-only directory).
  TempDir d;
  const std::string path = d.file("big.safetensors");
  save_safetensors(path, {{"small", ones({4})}});
  const std::string before = read_bytes(path);
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &lim), 0);
  bool threw = false;
  std::string msg;
  try {
    save_safetensors(path, {{"big", zeros({100000})}});
  } catch (const SerializationError& e) {
    threw = true;
    msg = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(threw);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("write failed"), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(d.listing(), (std::vector<std::string>{"big.safetensors"}));
}

TEST(Safetensors, ReadOnlyDirectory) {
  TempDir d;
  const std::string path = d.file("ro.safetensors");
  save_safetensors(path, {{"x", ones({1})}});
  const std::string before = read_bytes(path);
  ::chmod(d.path.c_str(), 0555);
  const bool privileged = ::geteuid() == 0;  // root ignores directory permissions
  if (privileged) {
    save_safetensors(path, {{"y", ones({1})}});
    EXPECT_EQ(load_safetensors(path).tensors.keys(), (std::vector<std::string>{"y"}));
  } else {
    expect_error([&] { save_safetensors(path, {{"y", ones({1})}}); }, {path, "Permission denied"});
    EXPECT_EQ(read_bytes(path), before);
  }
  ::chmod(d.path.c_str(), 0755);
  EXPECT_EQ(d.listing(), (std::vector<std::string>{"ro.safetensors"}));
}

TEST(Safetensors, ConcurrentSavesToOnePath) {
  TempDir d;
  const std::string path = d.file("c.safetensors");
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k)
        save_safetensors(path, {{"v", full({256}, static_cast<int64_t>(i), {.dtype = kInt32})}});
    });
  for (auto& t : threads) t.join();
  auto v = load_safetensors(path).tensors.at("v").tolist<int64_t>();
  ASSERT_EQ(v.size(), 256u);
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [&](int64_t x) { return x == v[0]; }))
      << "the file mixes two writers' content";
  EXPECT_EQ(d.listing(), (std::vector<std::string>{"c.safetensors"}));
}
