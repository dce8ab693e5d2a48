#include "ember/serialize/pt.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/storage.h"
#include "ember/core/tensor_impl.h"
#include "serialize/atomic_file.h"
#include "serialize/mapped_file.h"
#include "serialize/pickle.h"
#include "serialize/zip_archive.h"

namespace ember {

namespace {

using serialize::PyObj;
using serialize::PyRef;

// Deep enough for any checkpoint; bounds the recursion a hostile (or
// self-referencing) pickle could cause.
constexpr int kMaxDepth = 512;

bool is_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

// ---- reading

class Loader {
 public:
  Loader(const char* data, size_t size, std::shared_ptr<void> owner, std::string where)
      : zip_(data, size, where), owner_(std::move(owner)), where_(std::move(where)) {}

  nn::Value load() {
    const serialize::ZipReader::Entry* pkl = nullptr;
    for (const auto& e : zip_.entries()) {
      const std::string& n = e.name;
      if (n.size() >= 9 && n.compare(n.size() - 9, 9, "/data.pkl") == 0 &&
          n.find('/') == n.size() - 9) {
        pkl = &e;
        prefix_ = n.substr(0, n.size() - 8);  // "archive/"
        break;
      }
    }
    if (!pkl)
      fail(
          "no '<archive>/data.pkl' entry: not a torch.save checkpoint (a TorchScript archive "
          "or a zip of something else?)");
    if (const auto* bo = zip_.find(prefix_ + "byteorder")) {
      std::vector<char> owned;
      const char* p = zip_.read(*bo, owned);
      if (std::string(p, bo->size) != "little")
        fail("the tensors are stored " + std::string(p, std::min<uint64_t>(bo->size, 16)) +
             "-endian; ember reads little-endian checkpoints");
    }
    std::vector<char> owned;
    const char* p = zip_.read(*pkl, owned);
    PyRef root = serialize::unpickle(
        p, pkl->size, [this](const PyObj& pid) { return storage(pid); }, where_);
    return to_value(*root, "", 0);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw SerializationError(where_ + ": " + what);
  }

  PyRef storage(const PyObj& pid) {
    using K = PyObj::Kind;
    if (pid.kind != K::Tuple || pid.items.size() != 5 || pid.items[0]->kind != K::Str ||
        pid.items[0]->s != "storage")
      fail("unsupported persistent id (a " + serialize::py_type_name(pid) +
           "); torch.save's are ('storage', type, key, location, numel)");
    const PyObj& type = *pid.items[1];
    const PyObj& key = *pid.items[2];
    const PyObj& numel_obj = *pid.items[4];
    DType dtype;
    if (type.kind != K::Global || type.s != "torch" ||
        !serialize::storage_class_dtype(type.name, dtype))
      fail("unsupported storage type " + serialize::py_type_name(type));
    if (key.kind != K::Str || numel_obj.kind != K::Int || numel_obj.i < 0)
      fail("malformed storage reference");
    auto it = storages_.find(key.s);
    if (it != storages_.end()) {
      if (it->second->tensor.dtype() != dtype)
        fail("storage '" + key.s + "' is read as two dtypes");
      return it->second;
    }
    const std::string name = prefix_ + "data/" + key.s;
    const auto* e = zip_.find(name);
    if (!e) fail("storage entry '" + name + "' is missing");
    const uint64_t itemsize = element_size(dtype);
    const auto numel = static_cast<uint64_t>(numel_obj.i);
    if (numel > (uint64_t(1) << 60) / itemsize || e->size != numel * itemsize)
      fail("storage entry '" + name + "' has " + std::to_string(e->size) + " bytes, but " +
           std::to_string(numel) + " " + to_string(dtype) + " elements need " +
           std::to_string(numel * itemsize));
    std::vector<char> owned;
    const char* p = zip_.read(*e, owned);
    const size_t nbytes = static_cast<size_t>(e->size);
    StoragePtr st;
    if (owned.empty() && owner_ && nbytes > 0 && reinterpret_cast<uintptr_t>(p) % itemsize == 0) {
      // Zero-copy: the storage keeps the whole mapping alive.
      auto* keep = new std::shared_ptr<void>(owner_);
      st = std::make_shared<Storage>(DataPtr(const_cast<char*>(p), keep, &serialize::release_owner),
                                     nbytes, kCPU, nullptr);
    } else {
      Tensor t = Tensor(std::make_shared<TensorImpl>(
          std::make_shared<Storage>(nbytes, cpu_allocator()), DType::UInt8,
          DimVector{static_cast<int64_t>(nbytes)}, DimVector{1}, 0));
      if (nbytes) std::memcpy(t.data_ptr(), p, nbytes);
      st = t.storage();
    }
    if (dtype == DType::Bool) {
      // A non-zero byte means true; ember's kernels assume 0 or 1. Only pages
      // holding a stray byte are written (private mapping or our copy).
      auto* b = static_cast<unsigned char*>(st->data());
      for (size_t i = 0; i < nbytes; ++i)
        if (b[i] > 1) b[i] = 1;
    }
    auto o = std::make_shared<PyObj>();
    o->kind = K::Storage;
    const auto n = static_cast<int64_t>(numel);
    o->tensor =
        Tensor(std::make_shared<TensorImpl>(std::move(st), dtype, DimVector{n}, DimVector{1}, 0));
    storages_.emplace(key.s, o);
    return o;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  nn::Value to_value(const PyObj& o, const std::string& path, int depth) {
    using K = PyObj::Kind;
    if (depth > kMaxDepth)
      fail("objects nested deeper than " + std::to_string(kMaxDepth) + " levels (or a cycle) at '" +
           path + "'");
    switch (o.kind) {
      case K::None:
        return nn::Value();
      case K::Bool:
        return nn::Value(o.b);
      case K::Int:
        return nn::Value(o.i);
      case K::Float:
        return nn::Value(o.f);
      case K::Str:
        return nn::Value(o.s);
      case K::Tensor:
        return nn::Value(o.tensor);
      case K::Tuple:
      case K::List: {
        std::vector<nn::Value> items;
        items.reserve(o.items.size());
        for (size_t i = 0; i < o.items.size(); ++i)
          items.push_back(to_value(*o.items[i], path + "[" + std::to_string(i) + "]", depth + 1));
        return o.kind == K::Tuple ? nn::Value::tuple(std::move(items))
                                  : nn::Value::list(std::move(items));
      }
      case K::Dict: {
        OrderedDict<nn::Value> d;
        d.reserve(o.dict.size());
        for (const auto& [k, v] : o.dict) {
          std::string key;
          if (k->kind == K::Str)
            key = k->s;
          else if (k->kind == K::Int)
            key = std::to_string(k->i);
          else
            fail("a dict at '" + path + "' has a key of type " + serialize::py_type_name(*k) +
                 " (ember reads str and int keys)");
          if (d.contains(key)) fail("a dict at '" + path + "' has the key '" + key + "' twice");
          d.insert(key, to_value(*v, join(path, key), depth + 1));
        }
        return nn::Value::dict(std::move(d));
      }
      default:
        fail("'" + path + "' holds a " + serialize::py_type_name(o) +
             ", which ember does not load");
    }
  }

  serialize::ZipReader zip_;
  std::shared_ptr<void> owner_;
  std::string where_;
  std::string prefix_;
  std::unordered_map<std::string, PyRef> storages_;
};

nn::Value load_region(const char* data, size_t size, std::shared_ptr<void> owner,
                      const std::string& where) {
  if (size >= 2 && static_cast<unsigned char>(data[0]) == 0x80)
    throw SerializationError(where +
                             ": a legacy (pre-1.6, non-zip) torch.save file; re-save it with a "
                             "current PyTorch (torch.save(torch.load(f), f))");
  return Loader(data, size, std::move(owner), where).load();
}

// ---- writing

class Saver {
 public:
  void value(const nn::Value& v, const std::string& path, int depth) {
    using K = nn::Value::Kind;
    EMBER_CHECK(depth <= kMaxDepth, SerializationError, "save_pt: '", path,
                "' is nested deeper than ", kMaxDepth, " levels");
    switch (v.kind()) {
      case K::None:
        w_.none();
        return;
      case K::Bool:
        w_.boolean(v.to_bool());
        return;
      case K::Int:
        w_.integer(v.to_int());
        return;
      case K::Double:
        w_.floating(v.to_double());
        return;
      case K::String:
        string(v.str(), path);
        return;
      case K::Tensor:
        tensor(v.tensor(), path);
        return;
      case K::List:
      case K::Tuple: {
        const auto& items = v.items();
        if (v.kind() == K::List) {
          w_.empty_list();
          if (items.empty()) return;
        } else if (items.empty()) {
          w_.empty_tuple();
          return;
        }
        w_.mark();
        for (size_t i = 0; i < items.size(); ++i)
          value(items[i], path + "[" + std::to_string(i) + "]", depth + 1);
        if (v.kind() == K::List)
          w_.appends();
        else
          w_.tuple();
        return;
      }
      case K::Dict: {
        w_.empty_dict();
        const auto& d = v.dict();
        if (d.empty()) return;
        w_.mark();
        for (const auto& [k, x] : d) {
          string(k, path);
          value(x, path.empty() ? k : path + "." + k, depth + 1);
        }
        w_.setitems();
        return;
      }
      case K::Object:
        throw SerializationError("save_pt: '" + path +
                                 "' holds an opaque C++ object, which has no pickle form");
    }
  }

  void state_dict(const OrderedDict<Tensor>& sd) {
    w_.global("collections", "OrderedDict");
    w_.empty_tuple();
    w_.reduce();
    if (sd.empty()) return;
    w_.mark();
    for (const auto& [k, t] : sd) {
      string(k, k);
      if (t.defined())
        tensor(t, k);
      else
        w_.none();
    }
    w_.setitems();
  }

  std::string finish_to_buffer() {
    auto chunks = finish();
    size_t n = 0;
    for (const auto& c : chunks) n += c.size;
    std::string out;
    out.reserve(n);
    for (const auto& c : chunks) out.append(static_cast<const char*>(c.data), c.size);
    return out;
  }

  std::vector<serialize::Chunk> finish() {
    pickle_ = w_.finish();
    zip_.add("archive/data.pkl", pickle_.data(), pickle_.size());
    zip_.add("archive/byteorder", "little", 6);
    for (size_t i = 0; i < storages_.size(); ++i)
      zip_.add("archive/data/" + std::to_string(i), storages_[i]->data(), storages_[i]->nbytes());
    zip_.add("archive/version", "3\n", 2);
    return zip_.finish();
  }

 private:
  void string(const std::string& s, const std::string& path) {
    EMBER_CHECK(is_utf8(s), SerializationError, "save_pt: a string at '", path,
                "' is not valid UTF-8 (Python's str needs it)");
    w_.str(s);
  }

  void tensor(const Tensor& t, const std::string& path) {
    EMBER_CHECK(t.is_cpu(), SerializationError, "save_pt: tensor '", path, "' is on ",
                t.device().str(), "; move it to the cpu first");
    const StoragePtr& st = t.storage();
    const size_t itemsize = element_size(t.dtype());
    auto [it, fresh] = keys_.emplace(st.get(), Key{storages_.size(), t.dtype()});
    if (fresh) storages_.push_back(st);
    EMBER_CHECK(it->second.dtype == t.dtype(), SerializationError, "save_pt: tensor '", path,
                "' shares its storage with a tensor of another dtype (",
                to_string(it->second.dtype), " and ", to_string(t.dtype()),
                "), which torch.save cannot express; clone it first");
    w_.global("torch._utils", "_rebuild_tensor_v2");
    w_.mark();
    w_.mark();
    w_.str("storage");
    w_.global("torch", serialize::storage_class_name(t.dtype()));
    w_.str(std::to_string(it->second.index));
    w_.str("cpu");
    w_.integer(static_cast<int64_t>(st->nbytes() / itemsize));
    w_.tuple();
    w_.binpersid();
    w_.integer(t.storage_offset());
    ints(t.sizes());
    ints(t.strides());
    w_.boolean(t.requires_grad());
    w_.global("collections", "OrderedDict");
    w_.empty_tuple();
    w_.reduce();
    w_.tuple();
    w_.reduce();
  }

  void ints(IntArrayRef v) {
    if (v.empty()) {
      w_.empty_tuple();
      return;
    }
    w_.mark();
    for (int64_t x : v) w_.integer(x);
    w_.tuple();
  }

  struct Key {
    size_t index;
    DType dtype;
  };
  serialize::PickleWriter w_;
  std::unordered_map<const Storage*, Key> keys_;
  std::vector<StoragePtr> storages_;
  std::string pickle_;
  serialize::ZipWriter zip_;
};

}  // namespace

nn::Value load_pt(const std::string& path) {
  const serialize::MappedFile m = serialize::map_file(path, "load_pt: ");
  return load_region(m.data, m.size, m.owner, "load_pt: '" + path + "'");
}

nn::Value load_pt_from_buffer(const void* data, size_t size) {
  EMBER_CHECK(size == 0 || data != nullptr, SerializationError,
              "load_pt: buffer: data is null but size is ", size);
  // An aligned private copy that tensors may alias.
  const std::align_val_t align{kCpuAlignment};
  std::shared_ptr<char> buf(static_cast<char*>(::operator new[](std::max<size_t>(size, 1), align)),
                            [align](char* p) { ::operator delete[](p, align); });
  if (size) std::memcpy(buf.get(), data, size);
  return load_region(buf.get(), size, std::shared_ptr<void>(buf, buf.get()), "load_pt: buffer");
}

OrderedDict<Tensor> load_pt_state_dict(const std::string& path) {
  return value_to_state_dict(load_pt(path), "'" + path + "'");
}

void save_pt(const std::string& path, const nn::Value& obj) {
  Saver s;
  s.value(obj, "", 0);
  serialize::write_file_atomic(path, s.finish());
}

void save_pt(const std::string& path, const OrderedDict<Tensor>& state_dict) {
  Saver s;
  s.state_dict(state_dict);
  serialize::write_file_atomic(path, s.finish());
}

std::string save_pt_to_buffer(const nn::Value& obj) {
  Saver s;
  s.value(obj, "", 0);
  return s.finish_to_buffer();
}

std::string save_pt_to_buffer(const OrderedDict<Tensor>& state_dict) {
  Saver s;
  s.state_dict(state_dict);
  return s.finish_to_buffer();
}

nn::Value state_dict_to_value(const OrderedDict<Tensor>& state_dict) {
  OrderedDict<nn::Value> d;
  d.reserve(state_dict.size());
  for (const auto& [k, t] : state_dict) d.insert(k, nn::Value(t));
  return nn::Value::dict(std::move(d));
}

OrderedDict<Tensor> value_to_state_dict(const nn::Value& v, const std::string& what) {
  EMBER_CHECK(v.is_dict(), SerializationError, what, " is not a state dict: it holds a ",
              v.type_name(), ", not a dict of tensors");
  OrderedDict<Tensor> sd;
  sd.reserve(v.dict().size());
  for (const auto& [k, x] : v.dict()) {
    EMBER_CHECK(x.is_tensor() || x.is_none(), SerializationError, what,
                " is not a state dict: its entry '", k, "' is a ", x.type_name(), ", not a tensor");
    sd.insert(k, x.optional_tensor());
  }
  return sd;
}

}  // namespace ember
