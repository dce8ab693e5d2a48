// PyTorch checkpoints (.pt) crossing between PyTorch and ember, both ways.
//  - torch -> ember: gen_pt.py's torch.save files (a trained state_dict, every
//    dtype and views of one storage, a training checkpoint with an optimizer
//    state and a Parameter, re-zipped deflated and zip64 copies) load with
//    PyTorch's values, keys, strides and sharing; refused files give errors.
//  - ember -> torch: save_pt files that pt_check.py loads with
//    torch.load(weights_only=True), strictly into PyTorch's model.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <sstream>

#include "ember/ember.h"
#include "serialize/zip_archive.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::compare;
using ember::testing::ParityFile;
namespace fs = std::filesystem;

namespace {

nn::Value load_case(const ParityFile& f, const std::string& c) {
  Tensor bytes = f.inputs(c).at(0);
  return load_pt_from_buffer(bytes.data_ptr(), static_cast<size_t>(bytes.numel()));
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);) out.push_back(item);
  return out;
}

// gen_pt.py's and pt_check.py's model.
struct Small : nn::Module {
  nn::Handle<nn::Conv2d> conv = register_module("conv", nn::make<nn::Conv2d>(3, 4, 3));
  nn::Handle<nn::BatchNorm2d> bn = register_module("bn", nn::make<nn::BatchNorm2d>(4));
  nn::Handle<nn::Linear> fc = register_module("fc", nn::make<nn::Linear>(16, 5));
  Tensor forward(const Tensor& x) { return fc(bn(conv(x)).relu().flatten(1)); }
};

void expect_state_dict(const ParityFile& f, const std::string& c, const OrderedDict<Tensor>& sd) {
  EXPECT_EQ(sd.keys(), split(f.metadata().at("keys:state_dict"), ','));
  const auto want = f.outputs(c);
  ASSERT_EQ(sd.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(compare(sd.items()[i].second, want[i], ember::testing::Tolerance{0, 0}), "")
        << c << " " << sd.items()[i].first;
}

}  // namespace

TEST(PtParity, TorchStateDictLoads) {
  ParityFile f("pt");
  const auto sd = value_to_state_dict(load_case(f, "state_dict"));
  expect_state_dict(f, "state_dict", sd);
  EXPECT_EQ(sd.at("bn.num_batches_tracked").dtype(), DType::Int64);
  // It loads strictly into the same model built in ember.
  auto net = nn::make<Small>();
  EXPECT_TRUE(net->load_state_dict(sd).empty());
  EXPECT_EQ(compare(net->bn->running_var, sd.at("bn.running_var")), "");
}

TEST(PtParity, ReZippedCopiesLoad) {
  ParityFile f("pt");
  for (const char* c : {"deflated", "zip64"})
    expect_state_dict(f, c, value_to_state_dict(load_case(f, c)));
}

TEST(PtParity, DtypesViewsAndSharedStorage) {
  ParityFile f("pt");
  const auto sd = value_to_state_dict(load_case(f, "views"));
  EXPECT_EQ(sd.keys(), split(f.metadata().at("keys:views"), ','));
  const auto want = f.outputs("views");
  ASSERT_EQ(sd.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(compare(sd.items()[i].second, want[i], ember::testing::Tolerance{0, 0}), "")
        << sd.items()[i].first;
  // Offsets and strides as torch had them ("name:offset:[strides]").
  std::string layout;
  for (const auto& [k, t] : sd) {
    std::ostringstream os;
    os << k << ":" << t.storage_offset() << ":" << t.strides();
    layout += (layout.empty() ? "" : ";") + os.str();
  }
  EXPECT_EQ(layout, f.metadata().at("layout:views"));
  // The views share the base's storage, as they did in PyTorch.
  const void* base = sd.at("base").storage()->data();
  EXPECT_EQ(sd.at("t").storage()->data(), base);
  EXPECT_EQ(sd.at("slice").storage()->data(), base);
  EXPECT_EQ(sd.at("row").storage()->data(), base);
  EXPECT_NE(sd.at("scalar").storage()->data(), base);
}

TEST(PtParity, TrainingCheckpoint) {
  ParityFile f("pt");
  const nn::Value v = load_case(f, "checkpoint");
  EXPECT_EQ(v.repr(), f.metadata().at("repr:checkpoint"));
  const auto want = f.outputs("checkpoint");
  const nn::Value& state0 = v.dict().at("optimizer").dict().at("state").dict().at("0");
  EXPECT_EQ(compare(state0.dict().at("exp_avg").tensor(), want[0]), "");
  const Tensor& param = v.dict().at("param").tensor();
  EXPECT_EQ(compare(param, want[1]), "");
  EXPECT_TRUE(param.requires_grad());  // a Parameter comes back requiring grad
  // The model inside it is a state dict.
  auto sd = value_to_state_dict(v.dict().at("model"), "checkpoint['model']");
  EXPECT_EQ(sd.size(), 9u);
  EXPECT_THROW(value_to_state_dict(v, "checkpoint"), SerializationError);
  EXPECT_NE(ember::testing::error_text([&] {
              value_to_state_dict(v, "checkpoint");
            }).find("its entry 'epoch' is a int, not a tensor"),
            std::string::npos);
}

TEST(PtParity, RefusedFiles) {
  ParityFile f("pt");
  const std::map<std::string, std::vector<std::string>> want = {
      {"bad_module", {"torch.nn.modules.linear.Linear", "never runs code"}},
      {"bad_legacy", {"legacy (pre-1.6, non-zip)"}},
      {"bad_truncated", {"not a zip archive"}},
      {"bad_crc", {"archive/data/0", "CRC-32"}},
      {"bad_not_zip", {"not a zip archive"}},
  };
  for (const auto& [c, parts] : want) {
    const std::string text = ember::testing::error_text([&] { load_case(f, c); });
    EXPECT_EQ(text.rfind("SerializationError: load_pt: buffer: ", 0), 0u) << c << ": " << text;
    for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << c << ": " << text;
  }
}

// ---- ember -> torch

namespace {

fs::path source_dir() {
  fs::path here = fs::path(__FILE__).parent_path();
  if (fs::exists(here / "pt_check.py")) return here;
  if (const char* src = std::getenv("EMBER_SOURCE_DIR"))
    if (fs::exists(fs::path(src) / "tests/parity/pt_check.py"))
      return fs::path(src) / "tests/parity";
  throw std::runtime_error("cannot find tests/parity/pt_check.py next to " + std::string(__FILE__) +
                           "; set EMBER_SOURCE_DIR to the source tree");
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ember_pt_parity_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// As pt_check.py's expected_value().
nn::Value example_value() {
  Tensor base = arange(12, {.dtype = kFloat32}).reshape({3, 4});
  OrderedDict<nn::Value> tensors;
  tensors.insert("base", base);
  tensors.insert("t", base.t());
  tensors.insert("slice", base.narrow(0, 1, 2).narrow(1, 1, 2));
  tensors.insert("scalar", full({}, 3.5, {.dtype = kFloat64}));
  tensors.insert("empty", zeros({0, 2}));
  const std::pair<const char*, DType> dtypes[] = {
      {"float64", kFloat64}, {"float16", kFloat16}, {"bfloat16", kBFloat16}, {"int64", kInt64},
      {"int32", kInt32},     {"int16", kInt16},     {"int8", kInt8},         {"uint8", kUInt8}};
  for (const auto& [name, dt] : dtypes) tensors.insert(name, arange(-3, 3).to(dt));
  tensors.insert("bool", tensor({true, false, true}));
  tensors.insert("grad", ones({2}).requires_grad_(true));
  OrderedDict<nn::Value> d;
  d.insert("epoch", 7);
  d.insert("loss", 0.25);
  d.insert("tag", "ember \u2713");
  d.insert("ok", false);
  d.insert("none", nn::Value());
  d.insert("sizes", nn::Value::tuple({3, 4}));
  d.insert("single", nn::Value::tuple({1}));
  d.insert("empty_tuple", nn::Value::tuple({}));
  d.insert("list", nn::Value::list({1, -70000, int64_t(1) << 40, -2.5, "a", nn::Value::list({})}));
  d.insert("empty_dict", nn::Value::dict({}));
  d.insert("inf", std::numeric_limits<double>::infinity());
  d.insert("tensors", nn::Value::dict(std::move(tensors)));
  return nn::Value::dict(std::move(d));
}

}  // namespace

TEST(PtParity, EmberFilesLoadInTorch) {
  TempDir dir;
  auto net = nn::make<Small>();
  net(randn({2, 3, 4, 4}));  // running stats and num_batches_tracked move
  const auto sd = net->state_dict();
  save_pt((dir.path / "sd.pt").string(), sd);
  save_safetensors((dir.path / "sd.safetensors").string(), sd);
  const nn::Value v = example_value();
  save_pt((dir.path / "value.pt").string(), v);
  save_pt((dir.path / "tensors.pt").string(), v.dict().at("tensors"));
  serialize::ZipWriter zip(/*force_zip64=*/true);
  std::string second(200, '\0');
  for (int i = 0; i < 200; ++i) second[i] = static_cast<char>(i);
  zip.add("a/first", "hello", 5);
  zip.add("a/empty", "", 0);
  zip.add("a/second", second.data(), second.size());
  serialize::write_file_atomic((dir.path / "zip64.zip").string(), zip.finish());

  const std::string cmd = "/usr/bin/python3 '" + (source_dir() / "pt_check.py").string() + "' '" +
                          dir.path.string() + "'";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // And ember reads its own files back the same.
  const nn::Value back = load_pt((dir.path / "value.pt").string());
  EXPECT_EQ(back.repr(), v.repr());
  const auto& bt = back.dict().at("tensors").dict();
  const auto& vt = v.dict().at("tensors").dict();
  for (const auto& [k, t] : vt) {
    EXPECT_EQ(compare(bt.at(k).tensor(), t.tensor(), ember::testing::Tolerance{0, 0}), "") << k;
    EXPECT_EQ(bt.at(k).tensor().strides(), t.tensor().strides()) << k;
  }
  EXPECT_TRUE(bt.at("grad").tensor().requires_grad());
  const auto sd2 = load_pt_state_dict((dir.path / "sd.pt").string());
  EXPECT_EQ(sd2.keys(), sd.keys());
  for (const auto& [k, t] : sd)
    EXPECT_EQ(compare(sd2.at(k), t, ember::testing::Tolerance{0, 0}), "") << k;
  // The forced-zip64 archive reads back through ember's own reader too.
  const auto m = fs::file_size(dir.path / "zip64.zip");
  std::string bytes(m, '\0');
  FILE* fp = std::fopen((dir.path / "zip64.zip").c_str(), "rb");
  ASSERT_NE(fp, nullptr);
  ASSERT_EQ(std::fread(bytes.data(), 1, m, fp), m);
  std::fclose(fp);
  serialize::ZipReader r(bytes.data(), bytes.size(), "zip64.zip");
  ASSERT_EQ(r.entries().size(), 3u);
  std::vector<char> owned;
  EXPECT_EQ(std::string(r.read(*r.find("a/second"), owned), 200), second);
  EXPECT_EQ(r.find("a/empty")->size, 0u);
}
