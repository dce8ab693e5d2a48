// torch.nn's containers, following PyTorch 1.13's torch/nn/modules/container.py
// method by method. Every mutation validates first (or restores what it
// changed) so that a bad call leaves the container as it was.
#include "ember/nn/modules/container.h"

#include <set>

#include "ember/nn/parameter.h"

namespace ember::nn {

namespace {

using ember::detail::str_cat;

// Python's str(KeyError(key)).
std::string quoted(const std::string& key) { return "'" + key + "'"; }

// The position of idx among n (negative from the end), or IndexError.
int64_t abs_index(int64_t idx, size_t size) {
  const auto n = static_cast<int64_t>(size);
  EMBER_CHECK(-n <= idx && idx < n, IndexError, "index ", idx, " is out of range");
  return idx < 0 ? idx + n : idx;
}

// Python's hasattr(container, name) for the container's own methods and
// attributes: registering a member under one of them is a KeyError there.
void check_not_attribute(const std::string& name, const std::set<std::string>& attrs) {
  EMBER_CHECK(!attrs.count(name), KeyError, "attribute '", name, "' already exists");
}

// The names each container class adds to nn.Module's (torch 1.13's dir()).
const std::set<std::string>& sequential_attrs() {
  static const std::set<std::string> s = {
      "__add__",          "__delitem__", "__getitem__", "__iadd__", "__imul__",
      "__iter__",         "__len__",     "__mul__",     "__rmul__", "__setitem__",
      "_get_item_by_idx", "append",      "extend",      "insert",   "pop"};
  return s;
}
const std::set<std::string>& module_list_attrs() {
  static const std::set<std::string> s = {
      "__add__",     "__delitem__",           "__getitem__", "__iadd__", "__iter__", "__len__",
      "__setitem__", "_get_abs_string_index", "append",      "extend",   "insert",   "pop"};
  return s;
}
const std::set<std::string>& module_dict_attrs() {
  static const std::set<std::string> s = {"__contains__", "__delitem__", "__getitem__", "__iter__",
                                          "__len__",      "__setitem__", "clear",       "items",
                                          "keys",         "pop",         "update",      "values"};
  return s;
}

const std::set<std::string>& parameter_dict_attrs() {
  static const std::set<std::string> s = {"_keys", "copy",    "setdefault", "clear",
                                          "pop",   "popitem", "get",        "fromkeys",
                                          "keys",  "items",   "values",     "update"};
  return s;
}

// Restores a dict (and optionally a counter) unless committed: for operations
// that register several members, any of which may fail.
template <typename D>
class Restore {
 public:
  explicit Restore(D& d) : d_(d), saved_(d) {}
  ~Restore() {
    if (!done_) d_ = std::move(saved_);
  }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;
  void commit() { done_ = true; }

 private:
  D& d_;
  D saved_;
  bool done_ = false;
};

// What ParameterList / ParameterDict store for a value: a parameter is kept
// itself, another tensor becomes Parameter(tensor), undefined is None.
Tensor as_parameter(const Tensor& value) {
  if (!value.defined() || is_parameter(value)) return value;
  return Parameter(value);
}

std::string size_str(const Tensor& p) {
  std::string s;
  for (size_t i = 0; i < p.sizes().size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(p.sizes()[i]);
  }
  return s;
}

// torch.typename(tensor): the legacy tensor type name.
std::string legacy_typename(DType t) {
  switch (t) {
    case DType::Bool:
      return "torch.BoolTensor";
    case DType::UInt8:
      return "torch.ByteTensor";
    case DType::Int8:
      return "torch.CharTensor";
    case DType::Int16:
      return "torch.ShortTensor";
    case DType::Int32:
      return "torch.IntTensor";
    case DType::Int64:
      return "torch.LongTensor";
    case DType::Float16:
      return "torch.HalfTensor";
    case DType::BFloat16:
      return "torch.BFloat16Tensor";
    case DType::Float32:
      return "torch.FloatTensor";
    case DType::Float64:
      return "torch.DoubleTensor";
  }
  return "torch.Tensor";
}

// One line of ParameterList / ParameterDict's extra_repr.
std::string param_line(const std::string& key, const Tensor& p, const std::string& type) {
  if (!p.defined()) return str_cat("  (", key, "): Object of type: NoneType");
  return str_cat("  (", key, "): ", is_parameter(p) ? "Parameter" : "Tensor", " containing: [",
                 type, " of size ", size_str(p), "]");
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

}  // namespace

namespace detail {

std::vector<int64_t> slice_positions(const Slice& s, int64_t n) {
  const int64_t step = s.step;
  EMBER_CHECK(step != 0, ValueError, "slice step cannot be zero");
  const int64_t lower = step > 0 ? 0 : -1;
  const int64_t upper = step > 0 ? n : n - 1;
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < lower) x = lower;
    } else if (x > upper) {
      x = upper;
    }
    return x;
  };
  const int64_t start = clamp(s.start, step > 0 ? lower : upper);
  const int64_t stop = clamp(s.stop, step > 0 ? upper : lower);
  std::vector<int64_t> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(i);
  return out;
}

}  // namespace detail

// ---------------------------------------------------------------- Sequential

Sequential::Sequential(const std::vector<ModulePtr>& modules) {
  for (size_t i = 0; i < modules.size(); ++i) register_module(std::to_string(i), modules[i]);
}

Sequential::Sequential(const OrderedDict<ModulePtr>& named) {
  for (const auto& [key, module] : named) register_module(key, module);
}

bool Sequential::class_has_attribute(const std::string& name) const {
  return sequential_attrs().count(name) || Module::class_has_attribute(name);
}

Value Sequential::forward(Value input) {
  // A copy: a module may change this container while it runs.
  const auto items = named_children_local().items();
  for (const auto& [key, module] : items) {
    EMBER_CHECK(module, TypeError, "'NoneType' object is not callable");
    Args args;
    args.push_back(std::move(input));
    input = module->call(std::move(args));
  }
  return input;
}

std::string Sequential::key_at(int64_t idx) const {
  const auto& items = named_children_local().items();
  return items[static_cast<size_t>(abs_index(idx, items.size()))].first;
}

ModulePtr Sequential::operator[](int64_t idx) const {
  const auto& items = named_children_local().items();
  return items[static_cast<size_t>(abs_index(idx, items.size()))].second;
}

Handle<Sequential> Sequential::slice(const Slice& s) const {
  const auto& items = named_children_local().items();
  OrderedDict<ModulePtr> picked;
  for (int64_t p : detail::slice_positions(s, static_cast<int64_t>(items.size())))
    picked.insert(items[static_cast<size_t>(p)].first, items[static_cast<size_t>(p)].second);
  return make<Sequential>(picked);
}

void Sequential::renumber() {
  OrderedDict<ModulePtr> renumbered;
  size_t i = 0;
  for (const auto& [key, module] : named_children_local())
    renumbered.insert(std::to_string(i++), module);
  mutable_children() = std::move(renumbered);
}

void Sequential::erase(int64_t idx) {
  mutable_children().erase(key_at(idx));
  renumber();
}

void Sequential::erase(const Slice& s) {
  const auto& items = named_children_local().items();
  std::vector<std::string> keys;
  for (int64_t p : detail::slice_positions(s, static_cast<int64_t>(items.size())))
    keys.push_back(items[static_cast<size_t>(p)].first);
  for (const auto& k : keys) mutable_children().erase(k);
  renumber();
}

ModulePtr Sequential::pop(int64_t idx) {
  ModulePtr v = (*this)[idx];
  erase(idx);
  return v;
}

Handle<Sequential> Sequential::pop(const Slice& s) {
  Handle<Sequential> v = slice(s);
  erase(s);
  return v;
}

std::string Sequential::prepare_insert(int64_t index, const Module* module) {
  EMBER_CHECK(module, TypeError,
              "module should be of type: <class 'torch.nn.modules.module.Module'>");
  const auto n = static_cast<int64_t>(size());
  EMBER_CHECK(-n <= index && index <= n, IndexError, "Index out of range: ", index);
  if (index < 0) index += n;
  auto& children = mutable_children();
  // PyTorch moves self._modules[str(i - 1)] to str(i) for i = n .. index + 1.
  for (int64_t i = n; i > index; --i)
    EMBER_CHECK(children.contains(std::to_string(i - 1)), KeyError, quoted(std::to_string(i - 1)));
  const std::string key = std::to_string(index);
  EMBER_CHECK(!named_parameters_local().contains(key) && !named_buffers_local().contains(key),
              KeyError, "attribute '", key, "' already exists");
  for (int64_t i = n; i > index; --i)
    children.insert(std::to_string(i), *children.find(std::to_string(i - 1)));
  return key;
}

Sequential& Sequential::extend(const Sequential& other) {
  return extend(std::vector<ModulePtr>(other.begin(), other.end()));
}

Sequential& Sequential::extend(const std::vector<ModulePtr>& modules) {
  Restore<OrderedDict<ModulePtr>> restore(mutable_children());
  for (const auto& m : modules) append(m);
  restore.commit();
  return *this;
}

Handle<Sequential> operator+(const Sequential& a, const Sequential& b) {
  auto ret = make<Sequential>();
  for (const auto& m : a) ret->append(m);
  for (const auto& m : b) ret->append(m);
  return ret;
}

Sequential& Sequential::operator+=(const Sequential& other) {
  const std::vector<ModulePtr> others(other.begin(), other.end());
  Restore<OrderedDict<ModulePtr>> restore(mutable_children());
  const size_t offset = size();
  for (size_t i = 0; i < others.size(); ++i) register_module(std::to_string(i + offset), others[i]);
  restore.commit();
  return *this;
}

namespace {
void check_factor(int64_t n) {
  EMBER_CHECK(n > 0, ValueError, "Non-positive multiplication factor ", n,
              " for <class 'torch.nn.modules.container.Sequential'>");
}
}  // namespace

Handle<Sequential> operator*(const Sequential& a, int64_t n) {
  check_factor(n);
  auto combined = make<Sequential>();
  size_t offset = 0;
  for (int64_t r = 0; r < n; ++r)
    for (const auto& m : a) combined->register_module(std::to_string(offset++), m);
  return combined;
}

Handle<Sequential> operator*(int64_t n, const Sequential& a) { return a * n; }

Sequential& Sequential::operator*=(int64_t n) {
  check_factor(n);
  const size_t len = size();
  if (n > 1)
    for (size_t i = 0; i < len; ++i)
      EMBER_CHECK(named_children_local().contains(std::to_string(i)), KeyError,
                  quoted(std::to_string(i)));
  Restore<OrderedDict<ModulePtr>> restore(mutable_children());
  size_t offset = len;
  for (int64_t r = 0; r < n - 1; ++r) {
    for (size_t i = 0; i < len; ++i)
      register_module(std::to_string(i + offset), *named_children_local().find(std::to_string(i)));
    offset += len;
  }
  restore.commit();
  return *this;
}

// ---------------------------------------------------------------- ModuleList

bool ModuleList::class_has_attribute(const std::string& name) const {
  return module_list_attrs().count(name) || Module::class_has_attribute(name);
}

std::string ModuleList::abs_key(int64_t idx) const {
  return std::to_string(abs_index(idx, size()));
}

ModulePtr ModuleList::operator[](int64_t idx) const {
  const std::string key = abs_key(idx);
  const ModulePtr* m = named_children_local().find(key);
  EMBER_CHECK(m, KeyError, quoted(key));
  return *m;
}

Handle<ModuleList> ModuleList::slice(const Slice& s) const {
  const auto& items = named_children_local().items();
  std::vector<ModulePtr> picked;
  for (int64_t p : detail::slice_positions(s, static_cast<int64_t>(items.size())))
    picked.push_back(items[static_cast<size_t>(p)].second);
  return make<ModuleList>(picked);
}

void ModuleList::renumber() {
  OrderedDict<ModulePtr> renumbered;
  size_t i = 0;
  for (const auto& [key, module] : named_children_local())
    renumbered.insert(std::to_string(i++), module);
  mutable_children() = std::move(renumbered);
}

namespace {
void check_has_key(const Module& m, const std::string& key) {
  EMBER_CHECK(m.named_children_local().contains(key), AttributeError, "'", m.name(),
              "' object has no attribute '", key, "'");
}
}  // namespace

void ModuleList::erase(int64_t idx) {
  const std::string key = abs_key(idx);
  check_has_key(*this, key);
  mutable_children().erase(key);
  renumber();
}

void ModuleList::erase(const Slice& s) {
  std::vector<std::string> keys;
  for (int64_t p : detail::slice_positions(s, static_cast<int64_t>(size())))
    keys.push_back(std::to_string(p));
  for (const auto& k : keys) check_has_key(*this, k);
  for (const auto& k : keys) mutable_children().erase(k);
  renumber();
}

ModulePtr ModuleList::pop(int64_t idx) {
  ModulePtr v = (*this)[idx];
  erase(idx);
  return v;
}

Handle<ModuleList> ModuleList::pop(const Slice& s) {
  Handle<ModuleList> v = slice(s);
  erase(s);
  return v;
}

std::string ModuleList::prepare_insert(int64_t index) {
  const auto n = static_cast<int64_t>(size());
  auto& children = mutable_children();
  for (int64_t i = n; i > index; --i)
    EMBER_CHECK(children.contains(std::to_string(i - 1)), KeyError, quoted(std::to_string(i - 1)));
  const std::string key = std::to_string(index);
  EMBER_CHECK(!named_parameters_local().contains(key) && !named_buffers_local().contains(key),
              KeyError, "attribute '", key, "' already exists");
  for (int64_t i = n; i > index; --i)
    children.insert(std::to_string(i), *children.find(std::to_string(i - 1)));
  return key;
}

ModuleList& ModuleList::extend(const std::vector<ModulePtr>& modules) {
  Restore<OrderedDict<ModulePtr>> restore(mutable_children());
  const size_t offset = size();
  for (size_t i = 0; i < modules.size(); ++i)
    register_module(std::to_string(offset + i), modules[i]);
  restore.commit();
  return *this;
}

ModuleList& ModuleList::extend(const ModuleList& other) {
  return extend(std::vector<ModulePtr>(other.begin(), other.end()));
}

Handle<ModuleList> operator+(const ModuleList& a, const ModuleList& b) {
  auto combined = make<ModuleList>();
  size_t i = 0;
  for (const auto& m : a) combined->register_module(std::to_string(i++), m);
  for (const auto& m : b) combined->register_module(std::to_string(i++), m);
  return combined;
}

ModuleList& operator+=(ModuleList& a, const std::vector<ModulePtr>& modules) {
  return a.extend(modules);
}

ModuleList& operator+=(ModuleList& a, const ModuleList& b) { return a.extend(b); }

// ---------------------------------------------------------------- ModuleDict

bool ModuleDict::class_has_attribute(const std::string& name) const {
  return module_dict_attrs().count(name) || Module::class_has_attribute(name);
}

ModulePtr ModuleDict::operator[](const std::string& key) const {
  const ModulePtr* m = named_children_local().find(key);
  EMBER_CHECK(m, KeyError, quoted(key));
  return *m;
}

void ModuleDict::erase(const std::string& key) {
  EMBER_CHECK(contains(key), KeyError, quoted(key));
  mutable_children().erase(key);
}

void ModuleDict::clear() { mutable_children().clear(); }

ModulePtr ModuleDict::pop(const std::string& key) {
  ModulePtr v = (*this)[key];
  erase(key);
  return v;
}

void ModuleDict::update(const OrderedDict<ModulePtr>& modules) { update(modules.items()); }

void ModuleDict::update(const std::vector<Item>& modules) {
  Restore<OrderedDict<ModulePtr>> restore(mutable_children());
  for (const auto& [key, module] : modules) set(key, module);
  restore.commit();
}

// ---------------------------------------------------------------- ParameterList

const Tensor& ParameterList::item(const std::string& key) const {
  const Tensor* p = named_parameters_local().find(key);
  EMBER_CHECK(p, AttributeError, "'", name(), "' object has no attribute '", key, "'");
  return *p;
}

Tensor ParameterList::operator[](int64_t idx) const {
  return item(std::to_string(abs_index(idx, size_)));
}

Handle<ParameterList> ParameterList::slice(const Slice& s) const {
  auto out = make<ParameterList>();
  for (int64_t p : detail::slice_positions(s, static_cast<int64_t>(size_))) out->append((*this)[p]);
  return out;
}

void ParameterList::set(int64_t idx, const Tensor& value) {
  const std::string key = std::to_string(abs_index(idx, size_));
  register_parameter(key, as_parameter(value), /*requires_grad=*/false);
}

ParameterList& ParameterList::append(const Tensor& value) {
  register_parameter(std::to_string(size_), as_parameter(value), /*requires_grad=*/false);
  ++size_;
  return *this;
}

ParameterList& ParameterList::extend(const std::vector<Tensor>& values) {
  std::vector<Tensor> params;
  params.reserve(values.size());
  for (const auto& v : values) params.push_back(as_parameter(v));
  Restore<OrderedDict<Tensor>> restore(mutable_parameters());
  const size_t old_size = size_;
  try {
    for (const auto& p : params) append(p);
  } catch (...) {
    size_ = old_size;
    throw;
  }
  restore.commit();
  return *this;
}

std::vector<Tensor> ParameterList::values() const {
  std::vector<Tensor> out;
  for (size_t i = 0; i < size_; ++i) out.push_back(item(std::to_string(i)));
  return out;
}

std::string ParameterList::extra_repr() const {
  std::vector<std::string> lines;
  for (size_t k = 0; k < size_; ++k) {
    const Tensor& p = item(std::to_string(k));
    lines.push_back(param_line(std::to_string(k), p, p.defined() ? to_string(p.dtype()) : ""));
  }
  return join_lines(lines);
}

Value ParameterList::forward(Value) { throw RuntimeError("ParameterList should not be called."); }

// ---------------------------------------------------------------- ParameterDict

Tensor ParameterDict::operator[](const std::string& key) const {
  const Tensor* p = named_parameters_local().find(key);
  EMBER_CHECK(p, AttributeError, "'", name(), "' object has no attribute '", key, "'");
  return *p;
}

void ParameterDict::set(const std::string& key, const Tensor& value) {
  check_not_attribute(key, parameter_dict_attrs());
  register_parameter(key, as_parameter(value), /*requires_grad=*/false);
  keys_.insert(key, true);
}

void ParameterDict::erase(const std::string& key) {
  EMBER_CHECK(keys_.contains(key), KeyError, quoted(key));
  keys_.erase(key);
  mutable_parameters().erase(key);
}

Tensor ParameterDict::get(const std::string& key, const Tensor& default_value) const {
  return contains(key) ? (*this)[key] : default_value;
}

Tensor ParameterDict::setdefault(const std::string& key, const Tensor& default_value) {
  if (!contains(key)) set(key, default_value);
  return (*this)[key];
}

void ParameterDict::clear() {
  for (const auto& k : keys_.keys()) erase(k);
}

Tensor ParameterDict::pop(const std::string& key) {
  Tensor v = (*this)[key];
  erase(key);
  return v;
}

ParameterDict::Item ParameterDict::popitem() {
  EMBER_CHECK(!keys_.empty(), KeyError, "'popitem(): dictionary is empty'");
  const std::string key = keys_.items().back().first;
  Tensor v = (*this)[key];
  erase(key);
  return {key, v};
}

Handle<ParameterDict> ParameterDict::copy() const { return make<ParameterDict>(items()); }

Handle<ParameterDict> ParameterDict::fromkeys(const std::vector<std::string>& keys,
                                              const Tensor& default_value) const {
  std::vector<Item> items;
  for (const auto& k : keys) items.emplace_back(k, default_value);
  return make<ParameterDict>(items);
}

std::vector<Tensor> ParameterDict::values() const {
  std::vector<Tensor> out;
  for (const auto& [k, unused] : keys_) out.push_back((*this)[k]);
  return out;
}

std::vector<ParameterDict::Item> ParameterDict::items() const {
  std::vector<Item> out;
  for (const auto& [k, unused] : keys_) out.emplace_back(k, (*this)[k]);
  return out;
}

void ParameterDict::update(const OrderedDict<Tensor>& values) { update(values.items()); }

void ParameterDict::update(const std::vector<Item>& values) {
  Restore<OrderedDict<Tensor>> restore_params(mutable_parameters());
  Restore<OrderedDict<bool>> restore_keys(keys_);
  for (const auto& [key, value] : values) set(key, value);
  restore_params.commit();
  restore_keys.commit();
}

std::string ParameterDict::extra_repr() const {
  std::vector<std::string> lines;
  for (const auto& [k, p] : items())
    lines.push_back(param_line(k, p, p.defined() ? legacy_typename(p.dtype()) : ""));
  return join_lines(lines);
}

Value ParameterDict::forward(Value) { throw RuntimeError("ParameterDict should not be called."); }

Handle<ParameterDict> operator|(const ParameterDict& a, const ParameterDict& b) {
  auto c = a.copy();
  c->update(b);
  return c;
}

ParameterDict& operator|=(ParameterDict& a, const ParameterDict& b) {
  a.update(b);
  return a;
}

}  // namespace ember::nn
