// A port of torch/_tensor_str.py (PyTorch 1.13): the same formatter decisions,
// summarisation, line wrapping and suffixes, so str() matches Python's
// str(tensor) character for character.
#include "ember/ops/print.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <vector>

#include "ember/autograd/node.h"

namespace ember {

namespace {

std::mutex g_mutex;
PrintOptions g_options;

// Python's "{:.<p>f}" / "{:.<p>e}" for a float (nan and inf without a sign
// for nan, as Python writes them).
std::string py_format(double v, int precision, char conv) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  const char fmt[5] = {'%', '.', '*', conv, '\0'};
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, fmt, precision, v);
  if (n < static_cast<int>(sizeof buf)) return std::string(buf, n);
  std::string s(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(s.data(), s.size(), fmt, precision, v);
  s.resize(n);
  return s;
}

std::string pad_left(std::string s, size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

// The values a print shows, in print order: floating dtypes as double (the
// 16-bit ones through float, as Python's .float()), the rest as int64.
struct Values {
  bool floating = false;
  bool boolean = false;
  std::vector<double> f;
  std::vector<int64_t> i;
  size_t size() const { return floating ? f.size() : i.size(); }
};

// torch._tensor_str._Formatter.
class Formatter {
 public:
  Formatter(const Values& v, const PrintOptions& o) : v_(v), precision_(o.precision) {
    if (!v.floating) {
      for (size_t k = 0; k < v.i.size(); ++k) width_ = std::max(width_, int_string(v.i[k]).size());
      return;
    }
    std::vector<double> nz;
    for (double x : v.f)
      if (std::isfinite(x) && x != 0) nz.push_back(x);
    if (nz.empty()) return;  // nothing to infer from; sci_mode option ignored, as in Python
    double amin = std::abs(nz[0]), amax = amin;
    for (double x : nz) {
      amin = std::min(amin, std::abs(x));
      amax = std::max(amax, std::abs(x));
      if (x != std::ceil(x)) int_mode_ = false;
    }
    if (int_mode_) {
      if (amax / amin > 1000.0 || amax > 1.0e8) {
        sci_ = true;
        for (double x : nz) width_ = std::max(width_, py_format(x, precision_, 'e').size());
      } else {
        for (double x : nz) width_ = std::max(width_, py_format(x, 0, 'f').size() + 1);
      }
    } else {
      if (amax / amin > 1000.0 || amax > 1.0e8 || amin < 1.0e-4) {
        sci_ = true;
        for (double x : nz) width_ = std::max(width_, py_format(x, precision_, 'e').size());
      } else {
        for (double x : nz) width_ = std::max(width_, py_format(x, precision_, 'f').size());
      }
    }
    if (o.sci_mode) sci_ = *o.sci_mode;
  }

  size_t width() const { return width_; }

  std::string format(size_t k) const {
    if (!v_.floating) return pad_left(int_string(v_.i[k]), width_);
    const double x = v_.f[k];
    std::string s;
    if (sci_) {
      s = py_format(x, precision_, 'e');
    } else if (int_mode_) {
      s = py_format(x, 0, 'f');
      if (std::isfinite(x)) s += '.';
    } else {
      s = py_format(x, precision_, 'f');
    }
    return pad_left(std::move(s), width_);
  }

 private:
  std::string int_string(int64_t x) const {
    if (v_.boolean) return x ? "True" : "False";
    return std::to_string(x);
  }

  const Values& v_;
  int precision_;
  bool int_mode_ = true;
  bool sci_ = false;
  size_t width_ = 1;
};

// Which indices of a dim are shown: [0, head) and [tail, n), "..." between
// when `ellipsis`.
struct Shown {
  int64_t head, tail, n;
  bool ellipsis;
};

class Printer {
 public:
  Printer(const Tensor& t, const PrintOptions& o) : t_(t), o_(o) {
    summarize_ = static_cast<double>(t.numel()) > o.threshold;
    base_ = static_cast<const char*>(t.data_ptr());
    vals_.floating = t.is_floating_point();
    vals_.boolean = t.dtype() == DType::Bool;
    collect(0, 0);
  }

  // _tensor_str(self, indent)
  std::string str(int64_t indent) {
    Formatter fmt(vals_, o_);
    size_t cursor = 0;
    return render(0, indent, fmt, cursor);
  }

 private:
  Shown shown(int64_t d) const {
    const int64_t n = t_.size(d);
    const int64_t e = o_.edgeitems;
    if (summarize_ && n > 2 * e) {
      // Python's self[-0:] is the whole dim: with edgeitems = 0 a vector keeps
      // everything after the "...".
      const bool last = d == t_.dim() - 1;
      return {e, (last && e == 0) ? 0 : n - e, n, true};
    }
    return {n, n, n, false};
  }

  void read(int64_t off) {
    const char* p = base_ + off * static_cast<int64_t>(t_.element_size());
    switch (t_.dtype()) {
      case DType::Bool:
        vals_.i.push_back(*reinterpret_cast<const bool*>(p));
        break;
      case DType::UInt8:
        vals_.i.push_back(*reinterpret_cast<const uint8_t*>(p));
        break;
      case DType::Int8:
        vals_.i.push_back(*reinterpret_cast<const int8_t*>(p));
        break;
      case DType::Int16:
        vals_.i.push_back(*reinterpret_cast<const int16_t*>(p));
        break;
      case DType::Int32:
        vals_.i.push_back(*reinterpret_cast<const int32_t*>(p));
        break;
      case DType::Int64:
        vals_.i.push_back(*reinterpret_cast<const int64_t*>(p));
        break;
      case DType::Float16:
        vals_.f.push_back(static_cast<float>(*reinterpret_cast<const Half*>(p)));
        break;
      case DType::BFloat16:
        vals_.f.push_back(static_cast<float>(*reinterpret_cast<const BFloat16*>(p)));
        break;
      case DType::Float32:
        vals_.f.push_back(*reinterpret_cast<const float*>(p));
        break;
      case DType::Float64:
        vals_.f.push_back(*reinterpret_cast<const double*>(p));
        break;
    }
  }

  // Reads the shown elements in print order (element offsets from data_ptr).
  void collect(int64_t d, int64_t off) {
    if (d == t_.dim()) {
      read(off);
      return;
    }
    const Shown s = shown(d);
    const int64_t st = t_.stride(d);
    for (int64_t k = 0; k < s.head; ++k) collect(d + 1, off + k * st);
    for (int64_t k = s.tail; k < s.n; ++k) collect(d + 1, off + k * st);
  }

  // _tensor_str_with_formatter / _vector_str / _scalar_str.
  std::string render(int64_t d, int64_t indent, const Formatter& fmt, size_t& cursor) {
    const int64_t rest = t_.dim() - d;
    if (rest == 0) return fmt.format(cursor++);
    const Shown s = shown(d);
    std::vector<std::string> items;
    if (rest == 1) {
      for (int64_t k = 0; k < s.head; ++k) items.push_back(fmt.format(cursor++));
      if (s.ellipsis) items.push_back(" ...");
      for (int64_t k = s.tail; k < s.n; ++k) items.push_back(fmt.format(cursor++));
      const int64_t element_length = static_cast<int64_t>(fmt.width()) + 2;
      const int64_t per_line = std::max<int64_t>(
          1, static_cast<int64_t>(std::floor(static_cast<double>(o_.linewidth - indent) /
                                             static_cast<double>(element_length))));
      std::string out = "[";
      for (size_t k = 0; k < items.size(); ++k) {
        if (k > 0) {
          if (k % per_line == 0) {
            out += ",\n";
            out.append(indent + 1, ' ');
          } else {
            out += ", ";
          }
        }
        out += items[k];
      }
      return out + "]";
    }
    for (int64_t k = 0; k < s.head; ++k) items.push_back(render(d + 1, indent + 1, fmt, cursor));
    if (s.ellipsis) items.push_back("...");
    for (int64_t k = s.tail; k < s.n; ++k) items.push_back(render(d + 1, indent + 1, fmt, cursor));
    std::string sep = ",";
    sep.append(rest - 1, '\n');
    sep.append(indent + 1, ' ');
    std::string out = "[";
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) out += sep;
      out += items[k];
    }
    return out + "]";
  }

  const Tensor& t_;
  const PrintOptions& o_;
  bool summarize_ = false;
  const char* base_ = nullptr;
  Values vals_;
};

// str(tuple(sizes)): "(2, 3)", "(3,)", "()".
std::string size_tuple(IntArrayRef sizes) {
  std::string s = "(";
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (k > 0) s += ", ";
    s += std::to_string(sizes[k]);
  }
  if (sizes.size() == 1) s += ",";
  return s + ")";
}

// _add_suffixes
std::string add_suffixes(const std::string& body, const std::vector<std::string>& suffixes,
                         int64_t indent, int64_t linewidth) {
  std::string out = body;
  const size_t nl = body.rfind('\n');
  int64_t last_line_len = static_cast<int64_t>(body.size()) -
                          (nl == std::string::npos ? -1 : static_cast<int64_t>(nl)) + 1;
  for (const auto& suffix : suffixes) {
    const int64_t len = static_cast<int64_t>(suffix.size());
    if (last_line_len + len + 2 > linewidth) {
      out += ",\n";
      out.append(indent, ' ');
      out += suffix;
      last_line_len = indent + len;
    } else {
      out += ", ";
      out += suffix;
      last_line_len += len + 2;
    }
  }
  return out + ")";
}

}  // namespace

PrintOptions PrintOptions::profile(const std::string& name) {
  if (name == "default") return {};
  if (name == "short") return {.precision = 2, .threshold = 1000, .edgeitems = 2};
  if (name == "full") return {.precision = 4, .threshold = std::numeric_limits<double>::infinity()};
  throw ValueError("unknown print profile '" + name + "' (expected default, short or full)");
}

void set_printoptions(const PrintOptions& options) {
  EMBER_CHECK(options.precision >= 0, ValueError,
              "set_printoptions: precision must be non-negative, got ", options.precision);
  EMBER_CHECK(options.edgeitems >= 0, ValueError,
              "set_printoptions: edgeitems must be non-negative, got ", options.edgeitems);
  std::lock_guard<std::mutex> lock(g_mutex);
  g_options = options;
}

PrintOptions get_printoptions() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_options;
}

// _str_intern for a plain strided tensor.
std::string Tensor::str() const {
  if (defined() && impl()->is_uninitialized())  // torch's UninitializedTensorMixin.__repr__
    return impl()->uninitialized() == TensorImpl::Uninitialized::Parameter
               ? "<UninitializedParameter>"
               : "<UninitializedBuffer>";
  const PrintOptions o = get_printoptions();
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  if (!is_cpu()) suffixes.push_back("device='" + device().str() + "'");
  const DType t = dtype();
  const bool default_dtype = t == get_default_dtype() || t == DType::Int64 || t == DType::Bool;
  std::string body;
  if (is_meta()) {
    suffixes.push_back("size=" + size_tuple(sizes()));
    if (t != get_default_dtype()) suffixes.push_back("dtype=" + to_string(t));
    body = "...";
  } else if (numel() == 0) {
    // no elements to infer the dtype from: shown unless it is the default float
    if (dim() != 1) suffixes.push_back("size=" + size_tuple(sizes()));
    if (t != get_default_dtype()) suffixes.push_back("dtype=" + to_string(t));
    body = "[]";
  } else {
    if (!default_dtype) suffixes.push_back("dtype=" + to_string(t));
    body = Printer(*this, o).str(indent);
  }
  if (auto fn = grad_fn())
    suffixes.push_back("grad_fn=<" + fn->name() + ">");
  else if (requires_grad())
    suffixes.push_back("requires_grad=True");
  const std::string text = add_suffixes(prefix + body, suffixes, indent, o.linewidth);
  return impl()->is_parameter() ? "Parameter containing:\n" + text : text;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace ember
