// safetensors files crossing between PyTorch and ember, both ways.
//  - torch -> ember: gen_serialize.py writes tensors of every dtype with st.py;
//    each case's out0 holds the values as int64 (bit patterns for floats), and
//    the metadata holds the same values as JSON text.
//  - ember -> torch: ember::save_safetensors writes a file that st_read.py (an
//    independent reader: struct + json + torch) checks against torch-built
//    expected values, then writes back with st.py for ember to read again.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The values of t as int64, as gen_serialize.py's as_int64: bit patterns
// (sign-extended) for floating types, read straight from the raw bytes.
std::vector<int64_t> bits_of(const Tensor& t) {
  Tensor c = t.contiguous();
  const auto* p = static_cast<const unsigned char*>(c.data_ptr());
  const size_t n = static_cast<size_t>(c.numel()), w = c.element_size();
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* q = p + i * w;
    switch (c.dtype()) {
      case DType::Bool:
      case DType::UInt8:
        v[i] = q[0];
        break;
      case DType::Int8:
        v[i] = static_cast<int8_t>(q[0]);
        break;
      case DType::Int16:
      case DType::Float16:
      case DType::BFloat16: {
        int16_t x;
        std::memcpy(&x, q, 2);
        v[i] = x;
        break;
      }
      case DType::Int32:
      case DType::Float32: {
        int32_t x;
        std::memcpy(&x, q, 4);
        v[i] = x;
        break;
      }
      case DType::Int64:
      case DType::Float64:
        std::memcpy(&v[i], q, 8);
        break;
    }
  }
  return v;
}

Tensor bits_tensor(const Tensor& t) {
  auto v = bits_of(t);
  Tensor out = empty(t.sizes(), {.dtype = kInt64});
  if (!v.empty()) std::memcpy(out.data_ptr(), v.data(), v.size() * sizeof(int64_t));
  return out;
}

// The cases gen_serialize.py writes, with the dtype each must load as.
const std::map<std::string, DType> kTorchCases = {
    {"bool", kBool},
    {"uint8", kUInt8},
    {"int8", kInt8},
    {"int16", kInt16},
    {"int32", kInt32},
    {"int64", kInt64},
    {"float16", kFloat16},
    {"bfloat16", kBFloat16},
    {"float32", kFloat32},
    {"float64", kFloat64},
    {"randn_float32", kFloat32},
    {"randn_bfloat16", kBFloat16},
    {"randn_float16", kFloat16},
    {"arange_float64", kFloat64},
    {"scalar_float32", kFloat32},
    {"scalar_int64", kInt64},
    {"scalar_bool", kBool},
    {"empty_float32", kFloat32},
    {"empty_int8", kInt8},
    {"layer.0.weight", kFloat32},
    {"模型.层.1.偏置", kInt32},
    {"transposed_float32", kFloat32},
    {"channels_last_float32", kFloat32},
};

std::string torch_name(DType t) { return dtype_name(t); }

std::vector<int64_t> shape_of(const Tensor& t) { return t.sizes().vec(); }

}  // namespace

TEST(serialize_parity, TorchWrittenEveryDtype) {
  std::map<std::string, Case> cases;
  for (const auto& [name, dtype] : kTorchCases) {
    const DType want = dtype;
    const std::string n = name;
    cases[name] = {[want, n](const std::vector<Tensor>& in) -> std::vector<Tensor> {
      EMBER_CHECK(in.size() == 1, RuntimeError, n, ": expected one input");
      EMBER_CHECK(in[0].dtype() == want, RuntimeError, n, ": loaded as ", in[0].dtype(),
                  ", expected ", want);
      return {bits_tensor(in[0])};
    }};
  }
  ember::testing::run_parity("serialize", cases);
}

// The values again, this time from the JSON metadata: independent of the binary
// data section, so a reader bug cannot cancel itself out between in0 and out0.
TEST(serialize_parity, TorchValuesMatchMetadataText) {
  ParityFile f("serialize");
  size_t checked = 0;
  for (const auto& [key, text] : f.metadata()) {
    if (key.rfind("values:", 0) != 0) continue;
    const std::string name = key.substr(7);
    SCOPED_TRACE(name);
    const json j = json::parse(text);
    const Tensor t = f.get(name + "/in0");
    EXPECT_EQ(torch_name(t.dtype()), j.at("dtype").get<std::string>());
    EXPECT_EQ(shape_of(t), j.at("shape").get<std::vector<int64_t>>());
    EXPECT_EQ(bits_of(t), j.at("values").get<std::vector<int64_t>>());
    ++checked;
  }
  EXPECT_EQ(checked, kTorchCases.size());
}

// Hand-known values of what torch wrote.
TEST(serialize_parity, TorchWrittenValues) {
  ParityFile f("serialize");
  const Tensor f32 = f.get("float32/in0");
  EXPECT_EQ(f32.dtype(), kFloat32);
  EXPECT_EQ(shape_of(f32), (std::vector<int64_t>{2, 6}));
  auto v = f32.tolist<float>();
  EXPECT_EQ(v[0], 0.0f);
  EXPECT_TRUE(std::signbit(v[1]));
  EXPECT_EQ(v[2], 1.0f);
  EXPECT_EQ(v[3], -1.5f);
  EXPECT_EQ(v[4], std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(v[6], std::numeric_limits<float>::max());
  EXPECT_EQ(v[7], std::numeric_limits<float>::infinity());
  EXPECT_EQ(v[8], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(v[9]));

  auto bf = f.get("bfloat16/in0").tolist<float>();
  EXPECT_EQ(bf[2], 1.0f);
  EXPECT_EQ(bf[3], -1.0f);
  EXPECT_EQ(bf[7], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(bf[9]));
  auto h = f.get("float16/in0").tolist<float>();
  EXPECT_EQ(h[2], 1.0f);
  EXPECT_EQ(h[4], std::ldexp(1.0f, -24));  // smallest subnormal half
  EXPECT_EQ(h[6], 65504.0f);
  EXPECT_EQ(f.get("float64/in0").tolist<double>()[11], 3.141592653589793);

  EXPECT_EQ(f.get("bool/in0").tolist<bool>(),
            (std::vector<bool>{true, false, true, false, false, true}));
  EXPECT_EQ(f.get("uint8/in0").tolist<int64_t>(), (std::vector<int64_t>{0, 1, 127, 128, 254, 255}));
  EXPECT_EQ(f.get("int64/in0").tolist<int64_t>()[0], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f.get("int64/in0").tolist<int64_t>()[4], std::numeric_limits<int64_t>::max());

  const Tensor s = f.get("scalar_float32/in0");
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 3.5f);
  EXPECT_EQ(f.get("scalar_int64/in0").item<int64_t>(), -7);
  EXPECT_EQ(f.get("scalar_bool/in0").item<bool>(), true);
  EXPECT_EQ(shape_of(f.get("empty_float32/in0")), (std::vector<int64_t>{2, 0, 3}));
  EXPECT_EQ(f.get("empty_int8/in0").numel(), 0);

  EXPECT_EQ(f.get("layer.0.weight/in0").tolist<float>(),
            (std::vector<float>{-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}));
  EXPECT_EQ(f.get("模型.层.1.偏置/in0").tolist<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
  // torch's .t() of arange(12).reshape(3, 4), written in logical order
  EXPECT_EQ(f.get("transposed_float32/in0").tolist<float>(),
            (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  // channels_last keeps the logical NCHW values: arange in row-major order
  auto cl = f.get("channels_last_float32/in0");
  EXPECT_EQ(shape_of(cl), (std::vector<int64_t>{2, 3, 2, 2}));
  EXPECT_EQ(cl.tolist<float>(), arange(24, {.dtype = kFloat32}).tolist<float>());
}

TEST(serialize_parity, TorchWrittenMetadataAndOrder) {
  ParityFile f("serialize");
  EXPECT_EQ(f.metadata().at("unicode: ünï €"),
            "value with \"quotes\", a \\ backslash,\nnewline and 😀");
  const char* dir = std::getenv("EMBER_PARITY_DIR");
  ASSERT_NE(dir, nullptr);
  auto data = load_safetensors(std::string(dir) + "/serialize.safetensors");
  const auto order = json::parse(data.metadata.at("__order__")).get<std::vector<std::string>>();
  EXPECT_EQ(order.size(), 2 * kTorchCases.size());
  EXPECT_EQ(data.tensors.keys(), order);  // loaded in the order torch wrote them
}

// ---- ember -> torch

namespace {

fs::path source_dir() {
  // The test runs from the build tree; this file's own path finds the sources.
  fs::path here = fs::path(__FILE__).parent_path();
  if (fs::exists(here / "st_read.py")) return here;
  if (const char* src = std::getenv("EMBER_SOURCE_DIR"))
    if (fs::exists(fs::path(src) / "tests/parity/st_read.py"))
      return fs::path(src) / "tests/parity";
  throw std::runtime_error("cannot find tests/parity/st_read.py next to " + std::string(__FILE__) +
                           "; set EMBER_SOURCE_DIR to the source tree");
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs st_read.py; returns its exit status (-1 if it did not exit normally).
int run_st_read(const fs::path& file, const json& spec, const fs::path& resave = {}) {
  const fs::path spec_path = file.string() + ".spec.json";
  std::ofstream(spec_path) << spec.dump(2);
  std::string cmd = "/usr/bin/python3 " + shell_quote((source_dir() / "st_read.py").string()) +
                    " " + shell_quote(file.string()) + " " + shell_quote(spec_path.string());
  if (!resave.empty()) cmd += " --resave " + shell_quote(resave.string());
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ember_st_parity_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

template <typename T>
Tensor raw(const std::vector<T>& bits, DType dt, IntArrayRef shape) {
  return detail::from_raw_copy(bits.data(), dt, shape);
}

template <typename T>
std::string py_list(const std::vector<T>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

struct Expected {
  Tensor t;
  std::string value;  // a torch expression
};

// Tensors of every dtype and layout with the torch expression each must equal.
std::vector<std::pair<std::string, Expected>> ember_tensors() {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<int16_t> f16{0,     -32768, 0x3C00, -17408 /*0xBC00*/, 1, 0x7BFF, 0x7C00,
                                 -1024, 0x7E00, 0x7E01};
  const std::vector<int16_t> bf16{0,    -32768, 0x3F80, -16512 /*0xBF80*/, 1, 0x7F7F, 0x7F80,
                                  -128, 0x7FC0, 0x7FC1};
  const std::vector<int32_t> f32{0,          INT32_MIN,  0x3F800000, 1,
                                 0x7F7FFFFF, 0x7F800000, 0x7FC00001, 0x3EAAAAAB};
  const std::vector<int64_t> f64{0,
                                 INT64_MIN,
                                 0x3FF0000000000000,
                                 1,
                                 0x7FF0000000000000,
                                 0x7FF8000000000001,
                                 0x400921FB54442D18,
                                 0x3FD5555555555555};
  std::vector<std::pair<std::string, Expected>> v = {
      {"bool",
       {from_vector<bool>({true, false, true, true, false, false}, {2, 3}),
        "torch.tensor([[True, False, True], [True, False, False]])"}},
      {"uint8",
       {from_vector<uint8_t>({0, 1, 128, 255}),
        "torch.tensor([0, 1, 128, 255], dtype=torch.uint8)"}},
      {"int8",
       {from_vector<int8_t>({-128, -1, 0, 127}),
        "torch.tensor([-128, -1, 0, 127], dtype=torch.int8)"}},
      {"int16",
       {from_vector<int16_t>({-32768, -2, 0, 32767}, {2, 2}),
        "torch.tensor([[-32768, -2], [0, 32767]], dtype=torch.int16)"}},
      {"int32",
       {from_vector<int32_t>({INT32_MIN, -3, 0, INT32_MAX}),
        "torch.tensor([-2**31, -3, 0, 2**31 - 1], dtype=torch.int32)"}},
      {"int64",
       {from_vector<int64_t>({INT64_MIN, -4, 0, INT64_MAX}),
        "torch.tensor([-2**63, -4, 0, 2**63 - 1], dtype=torch.int64)"}},
      {"float16_bits",
       {raw(f16, kFloat16, {2, 5}),
        "torch.tensor(" + py_list(f16) + ", dtype=torch.int16).view(torch.float16).reshape(2, 5)"}},
      {"bfloat16_bits",
       {raw(bf16, kBFloat16, {5, 2}),
        "torch.tensor(" + py_list(bf16) +
            ", dtype=torch.int16).view(torch.bfloat16).reshape(5, 2)"}},
      {"float32_bits",
       {raw(f32, kFloat32, {8}),
        "torch.tensor(" + py_list(f32) + ", dtype=torch.int32).view(torch.float32)"}},
      {"float64_bits",
       {raw(f64, kFloat64, {2, 2, 2}),
        "torch.tensor(" + py_list(f64) +
            ", dtype=torch.int64).view(torch.float64).reshape(2, 2, 2)"}},
      // ember's own values and conversions against torch's. (No NaN through
      // float -> bfloat16: torch's vectorised cpu conversion makes it 0xFFFF, its
      // scalar one 0x7FC0; NaN bit patterns are covered by the *_bits tensors.)
      {"arange_float32",
       {arange(24, {.dtype = kFloat32}).view({2, 3, 4}),
        "torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)"}},
      {"specials_bfloat16",
       {from_vector<float>({1.5f, -0.0f, inf, -inf, 1.0f / 3, 3.0e38f}).to(kBFloat16),
        "torch.tensor([1.5, -0.0, float('inf'), float('-inf'), 1 / 3, "
        "3.0e38]).to(torch.bfloat16)"}},
      {"specials_float16",
       {from_vector<float>({1.5f, -0.0f, inf, -inf, nan, 1.0f / 3, 70000.f}).to(kFloat16),
        "torch.tensor([1.5, -0.0, float('inf'), float('-inf'), float('nan'), 1 / 3, "
        "70000.]).to(torch.float16)"}},
      {"scalar_float64",
       {scalar_tensor(2.5, {.dtype = kFloat64}), "torch.tensor(2.5, dtype=torch.float64)"}},
      {"scalar_bool", {scalar_tensor(true, {.dtype = kBool}), "torch.tensor(True)"}},
      {"empty_float16",
       {empty({2, 0, 3}, {.dtype = kFloat16}), "torch.empty(2, 0, 3, dtype=torch.float16)"}},
      {"empty_int64", {empty({0}, {.dtype = kInt64}), "torch.empty(0, dtype=torch.int64)"}},
      // non-contiguous inputs are written in logical order
      {"transposed",
       {arange(12, {.dtype = kFloat32}).view({3, 4}).t(),
        "torch.arange(12, dtype=torch.float32).reshape(3, 4).t()"}},
      {"channels_last",
       {arange(48, {.dtype = kFloat32}).view({2, 3, 2, 4}).contiguous(kChannelsLast),
        "torch.arange(48, dtype=torch.float32).reshape(2, 3, 2, 4)"}},
      {"strided_slice", {arange(20).slice(0, 1, 20, 3), "torch.arange(20)[1:20:3]"}},
      {"expanded",
       {from_vector<int32_t>({1, 2, 3}).view({3, 1}).expand({3, 4}),
        "torch.tensor([1, 2, 3], dtype=torch.int32).reshape(3, 1).expand(3, 4)"}},
      {"narrowed",
       {arange(30, {.dtype = kFloat64}).view({5, 6}).narrow(0, 2, 2).narrow(1, 1, 3),
        "torch.arange(30, dtype=torch.float64).reshape(5, 6)[2:4, 1:4]"}},
      // names with dots, non-ASCII characters and JSON escapes
      {"模型.层.0.weight",
       {from_vector<int16_t>({7, 8}), "torch.tensor([7, 8], dtype=torch.int16)"}},
      {"emoji 😀 \"quoted\" back\\slash",
       {from_vector<uint8_t>({9}), "torch.tensor([9], dtype=torch.uint8)"}},
  };
  return v;
}

}  // namespace

TEST(serialize_parity, EmberWrittenReadByTorch) {
  TempDir dir;
  OrderedDict<Tensor> tensors;
  json spec = {{"tensors", json::object()}};
  const auto items = ember_tensors();
  for (const auto& [name, e] : items) {
    tensors.insert(name, e.t);
    spec["tensors"][name] = {
        {"dtype", torch_name(e.t.dtype())}, {"shape", shape_of(e.t)}, {"value", e.value}};
  }
  const std::map<std::string, std::string> meta = {
      {"format", "pt"}, {"unicode ✓", "välue \"q\"\n\\"}, {"empty", ""}};
  spec["metadata"] = meta;
  const fs::path file = dir.path / "ember.safetensors";
  save_safetensors(file.string(), tensors, meta);
  const fs::path back = dir.path / "back.safetensors";
  ASSERT_EQ(run_st_read(file, spec, back), 0) << "st_read.py rejected ember's file";

  // And back: torch re-wrote what it read with st.py; ember must read the same bits.
  auto data = load_safetensors(back.string());
  EXPECT_EQ(data.metadata, meta);
  ASSERT_EQ(data.tensors.size(), items.size());
  for (const auto& [name, e] : items) {
    SCOPED_TRACE(name);
    const Tensor* t = data.tensors.find(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dtype(), e.t.dtype());
    EXPECT_EQ(shape_of(*t), shape_of(e.t));
    EXPECT_EQ(bits_of(*t), bits_of(e.t));
  }
}

// ember's writer puts larger element sizes first (so every tensor is aligned)
// and keeps the caller's order among tensors of one element size.
TEST(serialize_parity, EmberWriteOrderSeenByTorch) {
  TempDir dir;
  OrderedDict<Tensor> tensors;
  tensors.insert("c", from_vector<float>({1.f}));
  tensors.insert("a", from_vector<uint8_t>({2, 3, 4}));
  tensors.insert("b", from_vector<double>({5.0}));
  tensors.insert("e", from_vector<bool>({true}));
  tensors.insert("d", from_vector<int32_t>({6, 7}));
  const fs::path file = dir.path / "order.safetensors";
  save_safetensors(file.string(), tensors);
  json spec = {{"tensors",
                {{"c", {{"dtype", "float32"}, {"shape", {1}}, {"value", "torch.tensor([1.])"}}},
                 {"a",
                  {{"dtype", "uint8"},
                   {"shape", {3}},
                   {"value", "torch.tensor([2, 3, 4], dtype=torch.uint8)"}}},
                 {"b",
                  {{"dtype", "float64"},
                   {"shape", {1}},
                   {"value", "torch.tensor([5.], dtype=torch.float64)"}}},
                 {"e", {{"dtype", "bool"}, {"shape", {1}}, {"value", "torch.tensor([True])"}}},
                 {"d",
                  {{"dtype", "int32"},
                   {"shape", {2}},
                   {"value", "torch.tensor([6, 7], dtype=torch.int32)"}}}}},
               {"order", {"b", "c", "d", "a", "e"}}};
  EXPECT_EQ(run_st_read(file, spec), 0);
  EXPECT_EQ(load_safetensors(file.string()).tensors.keys(),
            (std::vector<std::string>{"b", "c", "d", "a", "e"}));
}

// The python checker must be able to fail: a wrong expected value, a wrong
// order, wrong metadata and a corrupted file are each reported.
TEST(serialize_parity, TorchReaderDetectsMismatches) {
  TempDir dir;
  const fs::path file = dir.path / "x.safetensors";
  save_safetensors(file.string(), {{"x", arange(4, {.dtype = kBFloat16})}}, {{"k", "v"}});
  json ok = {{"tensors",
              {{"x",
                {{"dtype", "bfloat16"},
                 {"shape", {4}},
                 {"value", "torch.arange(4, dtype=torch.bfloat16)"}}}}},
             {"metadata", {{"k", "v"}}}};
  EXPECT_EQ(run_st_read(file, ok), 0);

  json wrong_value = ok;
  wrong_value["tensors"]["x"]["value"] = "torch.tensor([0., 1., 2., 3.5], dtype=torch.bfloat16)";
  EXPECT_EQ(run_st_read(file, wrong_value), 1);
  json wrong_dtype = ok;
  wrong_dtype["tensors"]["x"]["dtype"] = "float16";
  EXPECT_EQ(run_st_read(file, wrong_dtype), 1);
  json wrong_meta = ok;
  wrong_meta["metadata"]["k"] = "w";
  EXPECT_EQ(run_st_read(file, wrong_meta), 1);
  json wrong_order = ok;
  wrong_order["order"] = {"y"};
  EXPECT_EQ(run_st_read(file, wrong_order), 1);

  // Flip the last data byte (x[3] = 3.0 is 0x4040 in bfloat16): torch sees another value.
  {
    std::fstream fh(file, std::ios::in | std::ios::out | std::ios::binary);
    fh.seekp(-1, std::ios::end);
    fh.put(0x41);
  }
  EXPECT_EQ(run_st_read(file, ok), 1);
  // Truncate it: not a valid file any more.
  fs::resize_file(file, fs::file_size(file) - 2);
  EXPECT_EQ(run_st_read(file, ok), 1);
}
