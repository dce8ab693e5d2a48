#include "support/parity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

namespace ember::testing {

namespace {
std::string parity_dir() {
  const char* d = std::getenv("EMBER_PARITY_DIR");
  if (!d || !*d)
    throw std::runtime_error(
        "EMBER_PARITY_DIR is not set: run the parity tests through ctest (the parity_generate "
        "fixture writes PyTorch's reference files)");
  return d;
}
}  // namespace

ParityFile::ParityFile(const std::string& area)
    : path_(parity_dir() + "/" + area + ".safetensors") {
  data_ = load_safetensors(path_);
}

std::vector<std::string> ParityFile::cases() const {
  std::set<std::string> names;
  for (const auto& [k, v] : data_.tensors.items()) {
    auto slash = k.rfind('/');
    if (slash != std::string::npos) names.insert(k.substr(0, slash));
  }
  return {names.begin(), names.end()};
}

std::vector<Tensor> ParityFile::inputs(const std::string& c) const {
  std::vector<Tensor> v;
  for (int i = 0; has(c + "/in" + std::to_string(i)); ++i)
    v.push_back(get(c + "/in" + std::to_string(i)));
  return v;
}

std::vector<Tensor> ParityFile::outputs(const std::string& c) const {
  std::vector<Tensor> v;
  for (int i = 0; has(c + "/out" + std::to_string(i)); ++i)
    v.push_back(get(c + "/out" + std::to_string(i)));
  return v;
}

Tensor ParityFile::get(const std::string& key) const {
  const Tensor* t = data_.tensors.find(key);
  if (!t) throw std::runtime_error("parity file " + path_ + " has no tensor '" + key + "'");
  return *t;
}

Tolerance default_tolerance(DType t) {
  switch (t) {
    case DType::Float64:
      return {1e-7, 1e-7};
    case DType::Float32:
      return {1.3e-6, 1e-5};
    case DType::Float16:
      return {1e-3, 1e-5};
    case DType::BFloat16:
      return {1.6e-2, 1e-5};
    default:
      return {0, 0};
  }
}

std::string compare(const Tensor& actual, const Tensor& expected,
                    std::optional<Tolerance> tol_opt) {
  std::ostringstream os;
  if (!actual.defined()) return "actual tensor is undefined";
  if (actual.dtype() != expected.dtype()) {
    os << "dtype " << actual.dtype() << " != expected " << expected.dtype();
    return os.str();
  }
  if (!(actual.sizes() == expected.sizes())) {
    os << "shape " << actual.sizes() << " != expected " << expected.sizes();
    return os.str();
  }
  const Tolerance tol = tol_opt ? *tol_opt : default_tolerance(expected.dtype());
  auto a = actual.to(kFloat64).contiguous().tolist<double>();
  auto e = expected.to(kFloat64).contiguous().tolist<double>();
  if (actual.dtype() == kInt64) {
    auto ai = actual.contiguous().tolist<int64_t>();
    auto ei = expected.contiguous().tolist<int64_t>();
    for (size_t i = 0; i < ai.size(); ++i)
      if (ai[i] != ei[i]) {
        os << "element " << i << ": " << ai[i] << " != expected " << ei[i];
        return os.str();
      }
    return "";
  }
  size_t bad = 0, first = 0;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = a[i], y = e[i];
    bool ok;
    if (std::isnan(y))
      ok = std::isnan(x);
    else if (std::isinf(y))
      ok = x == y;
    else
      ok = std::abs(x - y) <= tol.atol + tol.rtol * std::abs(y);
    if (!ok) {
      if (!bad) first = i;
      ++bad;
      worst = std::max(worst, std::abs(x - y));
    }
  }
  if (bad) {
    os << bad << " of " << a.size() << " elements differ (rtol " << tol.rtol << ", atol "
       << tol.atol << "); first at flat index " << first << ": " << a[first] << " vs expected "
       << e[first] << "; largest abs difference " << worst;
    return os.str();
  }
  return "";
}

void run_parity(const std::string& area, const std::map<std::string, Case>& cases) {
  ParityFile f(area);
  const auto names = f.cases();
  ASSERT_FALSE(names.empty()) << "parity file for '" << area << "' holds no cases";
  std::set<std::string> in_file(names.begin(), names.end());
  for (const auto& [name, c] : cases)
    EXPECT_TRUE(in_file.count(name))
        << "case '" << name << "' has a C++ side but PyTorch wrote no reference for it";
  for (const auto& name : names) {
    auto it = cases.find(name);
    if (it == cases.end()) {
      ADD_FAILURE() << "case '" << name << "' in " << area
                    << ".safetensors has no C++ implementation";
      continue;
    }
    std::vector<Tensor> got;
    try {
      got = it->second.fn(f.inputs(name));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "case '" << name << "' threw: " << e.what();
      continue;
    }
    const auto want = f.outputs(name);
    if (got.size() != want.size()) {
      ADD_FAILURE() << "case '" << name << "': " << got.size() << " outputs, PyTorch gave "
                    << want.size();
      continue;
    }
    for (size_t i = 0; i < want.size(); ++i) {
      std::string msg = compare(got[i], want[i], it->second.options.tol);
      if (!msg.empty()) ADD_FAILURE() << "case '" << name << "' output " << i << ": " << msg;
      const std::string skey = name + "/strides" + std::to_string(i);
      if (it->second.options.check_strides && f.has(skey)) {
        auto st = f.get(skey).tolist<int64_t>();
        std::vector<int64_t> mine(got[i].strides().begin(), got[i].strides().end());
        if (got[i].numel() > 1 && st != mine)
          ADD_FAILURE() << "case '" << name << "' output " << i << ": strides " << IntArrayRef(mine)
                        << " != PyTorch's " << IntArrayRef(st);
      }
    }
  }
}

std::string error_text(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const KeyError& e) {
    return std::string("KeyError: ") + e.what();
  } catch (const AttributeError& e) {
    return std::string("AttributeError: ") + e.what();
  } catch (const IndexError& e) {
    return std::string("IndexError: ") + e.what();
  } catch (const TypeError& e) {
    return std::string("TypeError: ") + e.what();
  } catch (const ValueError& e) {
    return std::string("ValueError: ") + e.what();
  } catch (const NotImplementedError& e) {
    return std::string("NotImplementedError: ") + e.what();
  } catch (const RuntimeError& e) {  // DeviceError too, as torch raises RuntimeError
    return std::string("RuntimeError: ") + e.what();
  } catch (const SerializationError& e) {
    return std::string("SerializationError: ") + e.what();
  } catch (const Error& e) {
    return std::string("Error: ") + e.what();
  }
  return "no error";
}

void expect_texts(const std::map<std::string, std::string>& want,
                  const std::map<std::string, std::string>& got) {
  for (const auto& [key, value] : want) {
    auto it = got.find(key);
    if (it == got.end()) {
      ADD_FAILURE() << "case only PyTorch has: " << key;
      continue;
    }
    EXPECT_EQ(it->second, value) << key;
  }
  for (const auto& [key, value] : got)
    EXPECT_TRUE(want.count(key)) << "case only ember has: " << key;
}

}  // namespace ember::testing
