#include "serialize/pickle.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "ember/core/error.h"
#include "ember/core/storage.h"
#include "ember/core/tensor_impl.h"

namespace ember::serialize {

namespace {

struct StorageName {
  DType t;
  const char* name;
};
const StorageName kStorages[] = {
    {DType::Float32, "FloatStorage"}, {DType::Float64, "DoubleStorage"},
    {DType::Float16, "HalfStorage"},  {DType::BFloat16, "BFloat16Storage"},
    {DType::Int64, "LongStorage"},    {DType::Int32, "IntStorage"},
    {DType::Int16, "ShortStorage"},   {DType::Int8, "CharStorage"},
    {DType::UInt8, "ByteStorage"},    {DType::Bool, "BoolStorage"},
};

PyRef make(PyObj::Kind k) {
  auto o = std::make_shared<PyObj>();
  o->kind = k;
  return o;
}
PyRef make_int(int64_t v) {
  auto o = make(PyObj::Kind::Int);
  o->i = v;
  return o;
}

// Globals the unpickler may name: callables it evaluates itself, and classes
// that only appear as arguments.
bool allowed_global(const std::string& m, const std::string& n) {
  static const std::pair<const char*, const char*> kAllowed[] = {
      {"collections", "OrderedDict"},
      {"torch._utils", "_rebuild_tensor_v2"},
      {"torch._utils", "_rebuild_tensor"},
      {"torch._utils", "_rebuild_parameter"},
      {"torch._utils", "_rebuild_parameter_with_state"},
      {"torch._tensor", "_rebuild_from_type_v2"},
      {"torch", "Size"},
      {"torch", "Tensor"},
      {"torch.nn.parameter", "Parameter"},
      {"_codecs", "encode"},
  };
  for (const auto& [am, an] : kAllowed)
    if (m == am && n == an) return true;
  DType t;
  return m == "torch" && storage_class_dtype(n, t);
}

class Unpickler {
 public:
  Unpickler(const char* data, size_t size, const PersistentLoad& pl, const std::string& where)
      : p_(data), end_(data + size), pl_(pl), where_(where) {}

  PyRef run();
  // Those lists and dicts (any that are still alive), for the checks and the
  // clean-up in unpickle().
  std::vector<PyRef> mutated_containers() const {
    std::vector<PyRef> r;
    for (const auto& w : mutated_)
      if (auto c = w.lock()) r.push_back(std::move(c));
    return r;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw SerializationError(where_ + ": " + what);
  }
  const char* take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) fail("the pickle ends in the middle of an opcode");
    const char* q = p_;
    p_ += n;
    return q;
  }
  uint64_t le(size_t n) {
    const char* q = take(n);
    uint64_t v = 0;
    for (size_t k = n; k-- > 0;) v = (v << 8) | static_cast<unsigned char>(q[k]);
    return v;
  }
  std::string line() {
    const char* nl = static_cast<const char*>(std::memchr(p_, '\n', end_ - p_));
    if (!nl) fail("the pickle ends inside a text argument");
    std::string s(p_, nl);
    p_ = nl + 1;
    return s;
  }
  PyRef pop() {
    if (stack_.size() <= base()) fail("pickle stack underflow (corrupt data)");
    PyRef r = std::move(stack_.back());
    stack_.pop_back();
    return r;
  }
  PyRef& top() {
    if (stack_.size() <= base()) fail("pickle stack underflow (corrupt data)");
    return stack_.back();
  }
  size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<PyRef> pop_mark() {
    if (marks_.empty()) fail("pickle has no MARK where one is needed (corrupt data)");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<PyRef> items(std::make_move_iterator(stack_.begin() + static_cast<ptrdiff_t>(m)),
                             std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  void push(PyRef r) { stack_.push_back(std::move(r)); }
  void memo_put(uint64_t k) { memo_[k] = top(); }
  void memo_get(uint64_t k) {
    auto it = memo_.find(k);
    if (it == memo_.end())
      fail("pickle refers to memo entry " + std::to_string(k) + " before it is set");
    push(it->second);
  }
  void push_global(const std::string& m, const std::string& n) {
    if (!allowed_global(m, n))
      fail("the file needs the Python global '" + m + "." + n +
           "', which ember does not load (it never runs code from a file; it reads tensors, "
           "dicts, lists, tuples, numbers and strings)");
    auto g = make(PyObj::Kind::Global);
    g->s = m;
    g->name = n;
    push(std::move(g));
  }
  PyRef call(const PyObj& fn, const PyObj& args);
  PyRef rebuild_tensor(const std::vector<PyRef>& a, bool with_grad);
  void set_item(const PyRef& d, PyRef k, PyRef v) {
    if (d->kind != PyObj::Kind::Dict) fail("SETITEM on a " + py_type_name(*d) + " (corrupt data)");
    mutated(d);
    d->dict.emplace_back(std::move(k), std::move(v));
  }
  void append(const PyRef& l, PyRef v) {
    if (l->kind != PyObj::Kind::List) fail("APPEND on a " + py_type_name(*l) + " (corrupt data)");
    mutated(l);
    l->items.push_back(std::move(v));
  }
  // Only a list or dict filled after it was made can come to hold itself.
  void mutated(const PyRef& c) {
    if (mutated_.empty() || mutated_.back().lock() != c) mutated_.push_back(c);
  }
  int64_t as_int(const PyRef& o, const char* what) {
    if (o->kind != PyObj::Kind::Int && o->kind != PyObj::Kind::Bool)
      fail(std::string(what) + " must be an int, got " + py_type_name(*o));
    return o->kind == PyObj::Kind::Bool ? o->b : o->i;
  }
  std::vector<int64_t> int_tuple(const PyRef& o, const char* what) {
    if (o->kind != PyObj::Kind::Tuple && o->kind != PyObj::Kind::List)
      fail(std::string(what) + " must be a tuple of ints, got " + py_type_name(*o));
    std::vector<int64_t> v;
    for (const auto& x : o->items) v.push_back(as_int(x, what));
    return v;
  }

  const char* p_;
  const char* end_;
  const PersistentLoad& pl_;
  const std::string& where_;
  std::vector<PyRef> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PyRef> memo_;
  std::vector<std::weak_ptr<PyObj>> mutated_;
};

PyRef Unpickler::rebuild_tensor(const std::vector<PyRef>& a, bool with_grad) {
  if (a.size() < 4)
    fail("_rebuild_tensor needs 4 or more arguments, got " + std::to_string(a.size()));
  const PyObj& st = *a[0];
  if (st.kind != PyObj::Kind::Storage)
    fail("_rebuild_tensor's first argument must be a storage, got " + py_type_name(st));
  const int64_t offset = as_int(a[1], "storage_offset");
  const std::vector<int64_t> size = int_tuple(a[2], "size"), stride = int_tuple(a[3], "stride");
  if (size.size() != stride.size())
    fail("tensor size and stride have different lengths (" + std::to_string(size.size()) + " and " +
         std::to_string(stride.size()) + ")");
  const int64_t storage_numel = st.tensor.numel();
  // The view must lie inside its storage: offset + sum((size - 1) * stride).
  bool empty_view = false;
  int64_t last = offset;
  for (size_t d = 0; d < size.size(); ++d) {
    if (size[d] < 0 || stride[d] < 0) fail("tensor has a negative size or stride");
    if (size[d] == 0) empty_view = true;
    int64_t step;
    if (__builtin_mul_overflow(size[d] > 0 ? size[d] - 1 : 0, stride[d], &step) ||
        __builtin_add_overflow(last, step, &last))
      fail("tensor size and stride overflow");
  }
  if (offset < 0 || (!empty_view && last >= storage_numel) || offset > storage_numel)
    fail("tensor (offset " + std::to_string(offset) + ", last element " + std::to_string(last) +
         ") lies outside its storage of " + std::to_string(storage_numel) + " elements");
  const Tensor& s = st.tensor;
  Tensor t(std::make_shared<TensorImpl>(s.storage(), s.dtype(), size, stride, offset));
  if (with_grad && a.size() > 4) {
    const bool rg = as_int(a[4], "requires_grad") != 0;
    if (rg) t.requires_grad_(true);
  }
  auto o = make(PyObj::Kind::Tensor);
  o->tensor = std::move(t);
  return o;
}

PyRef Unpickler::call(const PyObj& fn, const PyObj& args) {
  if (fn.kind != PyObj::Kind::Global)
    fail("REDUCE calls a " + py_type_name(fn) + " (corrupt data)");
  if (args.kind != PyObj::Kind::Tuple)
    fail("REDUCE's arguments must be a tuple, got " + py_type_name(args));
  const std::string& m = fn.s;
  const std::string& n = fn.name;
  const auto& a = args.items;
  if (m == "collections" && n == "OrderedDict") {
    auto d = make(PyObj::Kind::Dict);
    if (!a.empty()) {  // OrderedDict([(k, v), ...])
      if (a[0]->kind != PyObj::Kind::List && a[0]->kind != PyObj::Kind::Tuple)
        fail("OrderedDict's argument must be a list of pairs");
      for (const auto& kv : a[0]->items) {
        if (kv->kind != PyObj::Kind::Tuple || kv->items.size() != 2)
          fail("OrderedDict's argument must be a list of pairs");
        d->dict.emplace_back(kv->items[0], kv->items[1]);
      }
    }
    return d;
  }
  if (m == "torch._utils" && n == "_rebuild_tensor_v2") return rebuild_tensor(a, true);
  if (m == "torch._utils" && n == "_rebuild_tensor") return rebuild_tensor(a, false);
  if (m == "torch._utils" && (n == "_rebuild_parameter" || n == "_rebuild_parameter_with_state")) {
    if (a.size() < 2 || a[0]->kind != PyObj::Kind::Tensor)
      fail(n + " needs a tensor and requires_grad");
    auto o = make(PyObj::Kind::Tensor);
    o->tensor = a[0]->tensor;
    o->tensor.requires_grad_(as_int(a[1], "requires_grad") != 0);
    return o;
  }
  if (m == "torch._tensor" && n == "_rebuild_from_type_v2") {
    // (func, type, args, state): a plain Tensor or Parameter rebuilt by func.
    if (a.size() < 3) fail("_rebuild_from_type_v2 needs 3 or more arguments");
    const PyObj& type = *a[1];
    if (type.kind != PyObj::Kind::Global ||
        !((type.s == "torch" && type.name == "Tensor") ||
          (type.s == "torch.nn.parameter" && type.name == "Parameter")))
      fail("the file holds a tensor subclass (" + py_type_name(type) +
           "), which ember does not load");
    return call(*a[0], *a[2]);
  }
  if (m == "torch" && n == "Size") {
    if (a.size() != 1) fail("torch.Size takes one tuple");
    auto t = make(PyObj::Kind::Tuple);
    t->items = a[0]->items;
    return t;
  }
  if (m == "_codecs" && n == "encode") {  // protocol 2's bytes: encode(str, 'latin1')
    if (a.size() != 2 || a[0]->kind != PyObj::Kind::Str || a[1]->kind != PyObj::Kind::Str ||
        a[1]->s != "latin1")
      fail("_codecs.encode is only read as encode(str, 'latin1')");
    auto b = make(PyObj::Kind::Bytes);
    // The str holds code points < 256 as UTF-8: decode them to bytes.
    const std::string& u = a[0]->s;
    for (size_t k = 0; k < u.size(); ++k) {
      const auto c = static_cast<unsigned char>(u[k]);
      if (c < 0x80) {
        b->s.push_back(static_cast<char>(c));
      } else if ((c & 0xE0) == 0xC0 && k + 1 < u.size() && c <= 0xC3) {
        b->s.push_back(
            static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(u[k + 1]) & 0x3F)));
        ++k;
      } else {
        fail("_codecs.encode: a character above U+00FF cannot be latin1");
      }
    }
    return b;
  }
  fail("the file calls '" + m + "." + n + "', which ember does not evaluate");
}

PyRef Unpickler::run() {
  using K = PyObj::Kind;
  while (true) {
    const auto op = static_cast<unsigned char>(*take(1));
    switch (op) {
      case 0x80:  // PROTO
        if (le(1) > 5) fail("pickle protocol above 5");
        break;
      case 0x95:  // FRAME
        le(8);
        break;
      case '.': {  // STOP
        if (stack_.size() != 1 || !marks_.empty()) fail("pickle stops with a malformed stack");
        return stack_.back();
      }
      case '(':
        marks_.push_back(stack_.size());
        break;
      case '0':
        pop();
        break;
      case '1':
        pop_mark();
        break;
      case '2':
        push(top());
        break;
      case 'N':
        push(make(K::None));
        break;
      case 0x88:
      case 0x89: {
        auto b = make(K::Bool);
        b->b = op == 0x88;
        push(std::move(b));
        break;
      }
      case 'J':
        push(make_int(static_cast<int32_t>(static_cast<uint32_t>(le(4)))));
        break;
      case 'K':
        push(make_int(static_cast<int64_t>(le(1))));
        break;
      case 'M':
        push(make_int(static_cast<int64_t>(le(2))));
        break;
      case 0x8a:    // LONG1
      case 0x8b: {  // LONG4
        const uint64_t n = op == 0x8a ? le(1) : le(4);
        if (n > 8) fail("an integer of " + std::to_string(n) + " bytes does not fit int64");
        const char* q = take(n);
        uint64_t v = 0;
        for (uint64_t k = n; k-- > 0;) v = (v << 8) | static_cast<unsigned char>(q[k]);
        if (n > 0 && n < 8 && (static_cast<unsigned char>(q[n - 1]) & 0x80))
          v |= ~uint64_t(0) << (8 * n);  // sign-extend
        push(make_int(static_cast<int64_t>(v)));
        break;
      }
      case 'I': {  // INT (text)
        const std::string s = line();
        auto o = (s == "01" || s == "00") ? make(K::Bool) : make(K::Int);
        try {
          if (o->kind == K::Bool)
            o->b = s == "01";
          else
            o->i = std::stoll(s);
        } catch (const std::exception&) {
          fail("bad INT argument '" + s + "'");
        }
        push(std::move(o));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        const char* q = take(8);
        uint64_t v = 0;
        for (int k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(q[k]);
        auto o = make(K::Float);
        std::memcpy(&o->f, &v, 8);
        push(std::move(o));
        break;
      }
      case 'X':
      case 0x8c:
      case 0x8d:
      case 'B':
      case 'C':
      case 0x8e: {
        const bool bytes = op == 'B' || op == 'C' || op == 0x8e;
        const uint64_t n = (op == 0x8c || op == 'C')    ? le(1)
                           : (op == 0x8d || op == 0x8e) ? le(8)
                                                        : le(4);
        auto o = make(bytes ? K::Bytes : K::Str);
        const char* q = take(n);
        o->s.assign(q, n);
        push(std::move(o));
        break;
      }
      case ')':
        push(make(K::Tuple));
        break;
      case 't': {
        auto t = make(K::Tuple);
        t->items = pop_mark();
        push(std::move(t));
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {
        const size_t n = op - 0x84u;
        auto t = make(K::Tuple);
        t->items.resize(n);
        for (size_t k = n; k-- > 0;) t->items[k] = pop();
        push(std::move(t));
        break;
      }
      case ']':
        push(make(K::List));
        break;
      case 'l': {
        auto l = make(K::List);
        l->items = pop_mark();
        push(std::move(l));
        break;
      }
      case '}':
        push(make(K::Dict));
        break;
      case 'd': {
        auto items = pop_mark();
        if (items.size() % 2) fail("DICT with an odd number of items");
        auto d = make(K::Dict);
        for (size_t k = 0; k < items.size(); k += 2) d->dict.emplace_back(items[k], items[k + 1]);
        push(std::move(d));
        break;
      }
      case 'a': {
        PyRef v = pop();
        append(top(), std::move(v));
        break;
      }
      case 'e': {
        auto items = pop_mark();
        for (auto& v : items) append(top(), std::move(v));
        break;
      }
      case 's': {
        PyRef v = pop();
        PyRef k = pop();
        set_item(top(), std::move(k), std::move(v));
        break;
      }
      case 'u': {
        auto items = pop_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of items");
        for (size_t k = 0; k < items.size(); k += 2) set_item(top(), items[k], items[k + 1]);
        break;
      }
      case 'c': {
        const std::string m = line();
        const std::string n = line();
        push_global(m, n);
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        PyRef n = pop();
        PyRef m = pop();
        if (m->kind != K::Str || n->kind != K::Str) fail("STACK_GLOBAL needs two strings");
        push_global(m->s, n->s);
        break;
      }
      case 'R': {
        PyRef args = pop();
        PyRef fn = pop();
        push(call(*fn, *args));
        break;
      }
      case 'b': {  // BUILD: OrderedDict's attributes (state_dict's _metadata) are dropped
        PyRef state = pop();
        const PyObj& o = *top();
        if (o.kind != K::Dict && o.kind != K::Tensor)
          fail("BUILD on a " + py_type_name(o) + " (ember only builds dicts and tensors)");
        break;
      }
      case 'Q': {
        PyRef pid = pop();
        PyRef r = pl_(*pid);
        push(std::move(r));
        break;
      }
      case 'q':
        memo_put(le(1));
        break;
      case 'r':
        memo_put(le(4));
        break;
      case 0x94:
        memo_put(memo_.size());
        break;
      case 'h':
        memo_get(le(1));
        break;
      case 'j':
        memo_get(le(4));
        break;
      case 'p': {
        const std::string s = line();
        try {
          memo_put(std::stoull(s));
        } catch (const std::exception&) {
          fail("bad PUT argument");
        }
        break;
      }
      case 'g': {
        const std::string s = line();
        try {
          memo_get(std::stoull(s));
        } catch (const std::exception&) {
          fail("bad GET argument");
        }
        break;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unsupported pickle opcode ") + hex +
             " (ember reads the containers, numbers, strings and tensors torch.save writes)");
      }
    }
  }
}

}  // namespace

std::string py_type_name(const PyObj& o) {
  switch (o.kind) {
    case PyObj::Kind::None:
      return "NoneType";
    case PyObj::Kind::Bool:
      return "bool";
    case PyObj::Kind::Int:
      return "int";
    case PyObj::Kind::Float:
      return "float";
    case PyObj::Kind::Str:
      return "str";
    case PyObj::Kind::Bytes:
      return "bytes";
    case PyObj::Kind::Tuple:
      return "tuple";
    case PyObj::Kind::List:
      return "list";
    case PyObj::Kind::Dict:
      return "dict";
    case PyObj::Kind::Global:
      return o.s + "." + o.name;
    case PyObj::Kind::Storage:
      return std::string("torch.") + storage_class_name(o.tensor.dtype());
    case PyObj::Kind::Tensor:
      return "Tensor";
  }
  return "object";
}

namespace {

// The most values a pickle's objects may expand to when walked as a tree
// (each use of a shared list, tuple or dict counted again), as the loader
// converts them: a file of nested lists that each hold the one before twice
// expands to 2^depth from a few bytes.
constexpr uint64_t kMaxExpandedValues = uint64_t{1} << 26;

// Whether an object reachable from `roots` contains itself; else `expanded`
// is what they expand to (capped past kMaxExpandedValues). Iterative: the
// nesting may be deep.
bool has_cycle(const std::vector<PyRef>& roots, uint64_t& expanded) {
  enum class State { Open, Done };
  std::unordered_map<const PyObj*, std::pair<State, uint64_t>> seen;
  const auto children = [](const PyObj& o, auto&& f) {
    for (const auto& c : o.items) f(c.get());
    for (const auto& [k, v] : o.dict) {
      f(k.get());
      f(v.get());
    }
  };
  expanded = 0;
  for (const auto& root : roots) {
    std::vector<std::pair<const PyObj*, bool>> todo{{root.get(), false}};
    while (!todo.empty()) {
      const auto [o, closing] = todo.back();
      todo.pop_back();
      if (closing) {
        uint64_t n = 1;
        children(*o,
                 [&](const PyObj* c) { n = std::min(n + seen[c].second, kMaxExpandedValues + 1); });
        seen[o] = {State::Done, n};
        continue;
      }
      const auto it = seen.find(o);
      if (it != seen.end()) {
        if (it->second.first == State::Open) return true;
        continue;
      }
      // Open until closed: every node met while open lies below it, so
      // meeting it again open is a path back to itself.
      seen[o] = {State::Open, 0};
      todo.push_back({o, true});
      children(*o, [&](const PyObj* c) { todo.push_back({c, false}); });
    }
    expanded = std::max(expanded, seen[root.get()].second);
  }
  return false;
}

}  // namespace

PyRef unpickle(const char* data, size_t size, const PersistentLoad& persistent_load,
               const std::string& where) {
  Unpickler u(data, size, persistent_load, where);
  // A hostile file's lists and dicts that hold themselves would outlive the
  // call (their references keep each other): on any failure they are emptied.
  const auto empty_containers = [&] {
    for (const auto& c : u.mutated_containers()) {
      c->items.clear();
      c->dict.clear();
    }
  };
  PyRef r;
  try {
    r = u.run();
  } catch (...) {
    empty_containers();
    throw;
  }
  std::vector<PyRef> roots = u.mutated_containers();
  roots.push_back(r);
  uint64_t expanded = 0;
  const bool cycle = has_cycle(roots, expanded);
  if (cycle || expanded > kMaxExpandedValues) {
    roots.clear();
    r.reset();
    empty_containers();
    if (cycle)
      throw SerializationError(where +
                               ": a list or dict in the pickle contains itself (PyTorch "
                               "checkpoints hold no reference cycles)");
    throw SerializationError(where + ": the pickle's objects expand to more than " +
                             std::to_string(kMaxExpandedValues) +
                             " values (lists, tuples or dicts shared many times over)");
  }
  return r;
}

const char* storage_class_name(DType t) {
  for (const auto& s : kStorages)
    if (s.t == t) return s.name;
  throw TypeError("no torch storage class for dtype " + to_string(t));
}

bool storage_class_dtype(const std::string& name, DType& out) {
  for (const auto& s : kStorages)
    if (name == s.name) {
      out = s.t;
      return true;
    }
  return false;
}

// ---- writer

PickleWriter::PickleWriter() { out_ += "\x80\x02"; }

void PickleWriter::none() { out_ += 'N'; }
void PickleWriter::boolean(bool b) { out_ += b ? '\x88' : '\x89'; }

void PickleWriter::integer(int64_t v) {
  auto bytes = [&](uint64_t x, int n) {
    for (int k = 0; k < n; ++k) out_ += static_cast<char>((x >> (8 * k)) & 0xFF);
  };
  if (v >= 0 && v < 256) {
    out_ += 'K';
    bytes(static_cast<uint64_t>(v), 1);
  } else if (v >= 0 && v < 65536) {
    out_ += 'M';
    bytes(static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_ += 'J';
    bytes(static_cast<uint32_t>(static_cast<int32_t>(v)), 4);
  } else {
    out_ += '\x8a';
    out_ += '\x08';
    bytes(static_cast<uint64_t>(v), 8);
  }
}

void PickleWriter::floating(double d) {
  uint64_t v;
  std::memcpy(&v, &d, 8);
  out_ += 'G';
  for (int k = 7; k >= 0; --k) out_ += static_cast<char>((v >> (8 * k)) & 0xFF);
}

void PickleWriter::str(const std::string& s) {
  out_ += 'X';
  const uint64_t n = s.size();
  EMBER_CHECK(n < (uint64_t(1) << 32), SerializationError, "a string of ", n,
              " bytes is too long for pickle protocol 2");
  for (int k = 0; k < 4; ++k) out_ += static_cast<char>((n >> (8 * k)) & 0xFF);
  out_ += s;
}

void PickleWriter::global(const std::string& module, const std::string& name) {
  out_ += 'c';
  out_ += module;
  out_ += '\n';
  out_ += name;
  out_ += '\n';
}

void PickleWriter::mark() { out_ += '('; }
void PickleWriter::tuple() { out_ += 't'; }
void PickleWriter::empty_tuple() { out_ += ')'; }
void PickleWriter::empty_list() { out_ += ']'; }
void PickleWriter::empty_dict() { out_ += '}'; }
void PickleWriter::appends() { out_ += 'e'; }
void PickleWriter::setitems() { out_ += 'u'; }
void PickleWriter::reduce() { out_ += 'R'; }
void PickleWriter::binpersid() { out_ += 'Q'; }

std::string PickleWriter::finish() {
  out_ += '.';
  return std::move(out_);
}

}  // namespace ember::serialize
