#include "ember/serialize/safetensors.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "ember/ops/factory.h"
#include "serialize/atomic_file.h"
#include "serialize/mapped_file.h"

namespace ember {

namespace {

using json = nlohmann::json;

struct DTypeName {
  DType t;
  const char* name;
};
const DTypeName kNames[] = {
    {DType::Bool, "BOOL"},   {DType::UInt8, "U8"},      {DType::Int8, "I8"},
    {DType::Int16, "I16"},   {DType::Int32, "I32"},     {DType::Int64, "I64"},
    {DType::Float16, "F16"}, {DType::BFloat16, "BF16"}, {DType::Float32, "F32"},
    {DType::Float64, "F64"},
};

// The reference implementation's limit; also bounds what a hostile file can make
// us allocate for the parsed header.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Element counts (and the products of sizes that strides are made of) must fit
// int64 with room to spare.
constexpr uint64_t kMaxElements = uint64_t(1) << 62;

// A read-only region of bytes that tensors may alias.
struct Region {
  const char* data = nullptr;
  size_t size = 0;
  std::shared_ptr<void> owner;  // keeps the mapping or buffer alive
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw SerializationError("safetensors: " + where + ": " + what);
}

// A JSON value for an error message, cut short so a hostile header cannot make
// the message huge.
std::string excerpt(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// Parses the header, rejecting duplicate keys (nlohmann keeps the last one
// silently, which would hide a tensor and misreport the file as having a gap).
json parse_header(const char* p, size_t n, const std::string& where) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto on_event = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      default:
        break;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(p, p + n, on_event);
  } catch (const json::exception& e) {
    fail(where, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) fail(where, "header has the key '" + duplicate + "' more than once");
  if (!header.is_object())
    fail(where, "header is not a JSON object (got " + std::string(header.type_name()) + ")");
  return header;
}

struct Entry {
  std::string name;
  DType dtype;
  DimVector shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& name, const json& v, uint64_t data_size,
                  const std::string& where) {
  const std::string what = "tensor '" + name + "'";
  if (!v.is_object()) fail(where, what + ": entry is not an object (got " + excerpt(v) + ")");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!v.contains(field)) fail(where, what + ": entry has no \"" + field + "\"");
  Entry e;
  e.name = name;

  const json& dt = v.at("dtype");
  if (!dt.is_string()) fail(where, what + ": dtype is not a string (got " + excerpt(dt) + ")");
  const std::string dname = dt.get<std::string>();
  bool known = false;
  for (const auto& n : kNames)
    if (dname == n.name) e.dtype = n.t, known = true;
  if (!known) fail(where, what + ": unsupported dtype '" + dname + "'");
  const uint64_t itemsize = element_size(e.dtype);

  const json& shape = v.at("shape");
  if (!shape.is_array()) fail(where, what + ": shape is not a list (got " + excerpt(shape) + ")");
  uint64_t numel = 1, extent = 1;
  for (const auto& s : shape) {
    if (!s.is_number_unsigned())
      fail(where, what + ": shape must hold non-negative integers, got " + excerpt(shape));
    const uint64_t d = s.get<uint64_t>();
    // extent (the product of max(d, 1)) bounds the strides, numel the data.
    if (__builtin_mul_overflow(extent, std::max<uint64_t>(d, 1), &extent) || extent > kMaxElements)
      fail(where, what + ": shape " + excerpt(shape) + " is too large");
    numel *= d;
    e.shape.push_back(static_cast<int64_t>(d));
  }

  const json& off = v.at("data_offsets");
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    fail(where, what + ": data_offsets must be two non-negative integers, got " + excerpt(off));
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  if (e.begin > e.end)
    fail(where, what + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                    "] end before they begin");
  if (e.end > data_size)
    fail(where, what + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                    "] run past the end of the " + std::to_string(data_size) +
                    "-byte data section");
  uint64_t want = 0;
  if (__builtin_mul_overflow(numel, itemsize, &want))
    fail(where, what + ": shape " + excerpt(shape) + " is too large");
  if (e.end - e.begin != want)
    fail(where, what + ": dtype " + dname + " and shape " + excerpt(shape) + " need " +
                    std::to_string(want) + " bytes but data_offsets [" + std::to_string(e.begin) +
                    ", " + std::to_string(e.end) + "] hold " + std::to_string(e.end - e.begin));
  return e;
}

SafetensorsData parse(const Region& r, const std::string& where) {
  if (r.size < 8)
    fail(where,
         "file is " + std::to_string(r.size) + " bytes, too short for the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(r.data[i]);
  if (n > r.size - 8)
    fail(where, "header length " + std::to_string(n) + " exceeds the " +
                    std::to_string(r.size - 8) + " bytes after it (truncated file?)");
  if (n > kMaxHeaderBytes)
    fail(where, "header length " + std::to_string(n) + " exceeds the limit of " +
                    std::to_string(kMaxHeaderBytes) + " bytes");
  const json header = parse_header(r.data + 8, n, where);
  const char* base = r.data + 8 + n;
  const uint64_t data_size = r.size - 8 - n;

  SafetensorsData out;
  std::vector<Entry> entries;
  entries.reserve(header.size());
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(where, "__metadata__ is not an object (got " + excerpt(v) + ")");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          fail(where, "__metadata__ value for '" + m.key() + "' is not a string (got " +
                          excerpt(m.value()) + ")");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (name.empty()) fail(where, "a tensor has an empty name");
    entries.push_back(parse_entry(name, v, data_size, where));
  }

  // The tensors must tile the data section exactly: sort by position (empty
  // tensors first at a shared offset; stable, so ties keep the header's order).
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
  });
  uint64_t covered = 0;
  const Entry* prev = nullptr;
  for (const auto& e : entries) {
    if (e.begin < covered)
      fail(where, "tensor '" + e.name + "' (bytes " + std::to_string(e.begin) + " to " +
                      std::to_string(e.end) + ") overlaps tensor '" + prev->name + "' (bytes " +
                      std::to_string(prev->begin) + " to " + std::to_string(prev->end) + ")");
    if (e.begin > covered)
      fail(where, "tensor '" + e.name + "' starts at byte " + std::to_string(e.begin) +
                      ", leaving bytes " + std::to_string(covered) + " to " +
                      std::to_string(e.begin) + " of the data section unused");
    covered = e.end;
    prev = &e;
  }
  if (covered != data_size)
    fail(where, "the data section has " + std::to_string(data_size) +
                    " bytes but the tensors cover only " + std::to_string(covered));

  for (const auto& e : entries) {
    const char* p = base + e.begin;
    const size_t nbytes = e.end - e.begin;
    Tensor t;
    if (nbytes == 0) {
      t = empty(e.shape, {.dtype = e.dtype});  // nothing to alias; do not pin the mapping
    } else if (r.owner && reinterpret_cast<uintptr_t>(p) % element_size(e.dtype) == 0) {
      // Zero-copy: the storage holds a reference to the whole mapping, so each
      // tensor stays valid however long the others live.
      auto* keep = new std::shared_ptr<void>(r.owner);
      auto storage = std::make_shared<Storage>(
          DataPtr(const_cast<char*>(p), keep, &serialize::release_owner), nbytes, kCPU, nullptr);
      t = Tensor(std::make_shared<TensorImpl>(std::move(storage), e.dtype, e.shape,
                                              contiguous_strides(e.shape), 0));
    } else {
      t = empty(e.shape, {.dtype = e.dtype});
      std::memcpy(t.data_ptr(), p, nbytes);
    }
    if (e.dtype == DType::Bool) {
      // A non-zero byte means true (as PyTorch reads it), but ember's kernels
      // assume bools are 0 or 1: normalise. Only pages holding a stray byte are
      // written (the region is private: our copy or a copy-on-write mapping).
      auto* b = static_cast<unsigned char*>(t.data_ptr());
      for (size_t i = 0; i < nbytes; ++i)
        if (b[i] > 1) b[i] = 1;
    }
    out.tensors.insert(e.name, std::move(t));
  }
  return out;
}

}  // namespace

const char* safetensors_dtype_name(DType t) {
  for (const auto& n : kNames)
    if (n.t == t) return n.name;
  throw TypeError("safetensors: no name for dtype " + to_string(t));
}

DType parse_safetensors_dtype(const std::string& name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.t;
  throw TypeError("unsupported safetensors dtype '" + name + "'");
}

SafetensorsData load_safetensors(const std::string& path) {
  const serialize::MappedFile m = serialize::map_file(path, "safetensors: ");
  return parse(Region{m.data, m.size, m.owner}, "'" + path + "'");
}

SafetensorsData load_safetensors_from_buffer(const void* data, size_t size) {
  if (size > 0 && data == nullptr)
    fail("buffer", "data is null but size is " + std::to_string(size));
  // Copy into an aligned block of exactly `size` bytes (so that tensors can
  // alias it, and sanitizers catch any read past its end).
  const std::align_val_t align{kCpuAlignment};
  std::shared_ptr<char> buf(static_cast<char*>(::operator new[](std::max<size_t>(size, 1), align)),
                            [align](char* p) { ::operator delete[](p, align); });
  if (size) std::memcpy(buf.get(), data, size);
  Region r{buf.get(), size, std::shared_ptr<void>(buf, buf.get())};
  return parse(r, "buffer");
}

namespace {

// The header and the contiguous tensors, in file order, ready to be written.
struct Encoded {
  std::string prefix;  // 8-byte length + padded JSON header
  std::vector<Tensor> tensors;
};

// The header is JSON, whose strings must be UTF-8.
bool is_utf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}
// s with invalid UTF-8 replaced by U+FFFD, for messages.
std::string printable(const std::string& s) {
  std::string q = json(s).dump(-1, ' ', false, json::error_handler_t::replace);
  return q.substr(1, q.size() - 2);
}

Encoded encode(const OrderedDict<Tensor>& tensors,
               const std::map<std::string, std::string>& metadata) {
  struct Item {
    const std::string* name;
    Tensor t;
  };
  std::vector<Item> items;
  items.reserve(tensors.size());
  // Validate everything before anything is written.
  for (const auto& [name, t] : tensors.items()) {
    EMBER_CHECK(!name.empty(), SerializationError, "safetensors: a tensor has an empty name");
    EMBER_CHECK(
        name != "__metadata__", SerializationError,
        "safetensors: '__metadata__' is reserved for the metadata and cannot name a tensor");
    EMBER_CHECK(t.defined(), SerializationError, "safetensors: tensor '", name, "' is undefined");
    EMBER_CHECK(t.is_cpu(), SerializationError, "safetensors: tensor '", name, "' is on ",
                t.device(), "; only cpu tensors can be saved");
    EMBER_CHECK(is_utf8(name), SerializationError, "safetensors: tensor name '", printable(name),
                "' is not valid UTF-8");
    items.push_back({&name, t});
  }
  for (const auto& [k, v] : metadata) {
    EMBER_CHECK(is_utf8(k), SerializationError, "safetensors: metadata key '", printable(k),
                "' is not valid UTF-8");
    EMBER_CHECK(is_utf8(v), SerializationError, "safetensors: metadata value for '", printable(k),
                "' is not valid UTF-8");
  }
  // Largest element size first: with the header padded to 8 bytes, every tensor
  // then starts at a multiple of its element size and can be loaded zero-copy.
  // Stable, so tensors of one size keep the caller's order.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.t.element_size() > b.t.element_size();
  });

  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  Encoded out;
  out.tensors.reserve(items.size());
  uint64_t off = 0;
  for (auto& it : items) {
    Tensor c = it.t.contiguous();  // logical order for views, transposes, channels_last
    const uint64_t nbytes = c.nbytes();
    header[*it.name] = {{"dtype", safetensors_dtype_name(c.dtype())},
                        {"shape", c.sizes().vec()},
                        {"data_offsets", {off, off + nbytes}}};
    off += nbytes;
    out.tensors.push_back(std::move(c));
  }
  // Names and metadata were checked to be UTF-8, so dump() cannot throw.
  std::string h = header.dump();
  while ((h.size() + 8) % 8) h.push_back(' ');
  out.prefix.reserve(8 + h.size());
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out.prefix.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.prefix += h;
  return out;
}

}  // namespace

std::string save_safetensors_to_buffer(const OrderedDict<Tensor>& tensors,
                                       const std::map<std::string, std::string>& metadata) {
  Encoded e = encode(tensors, metadata);
  size_t total = e.prefix.size();
  for (const auto& t : e.tensors) total += t.nbytes();
  std::string out;
  out.reserve(total);
  out += e.prefix;
  for (const auto& t : e.tensors)
    if (t.nbytes()) out.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
  return out;
}

void save_safetensors(const std::string& path, const OrderedDict<Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  Encoded e = encode(tensors, metadata);
  // Written piece by piece: no second copy of the whole payload in memory.
  std::vector<serialize::Chunk> chunks;
  chunks.reserve(e.tensors.size() + 1);
  chunks.push_back({e.prefix.data(), e.prefix.size()});
  for (const auto& t : e.tensors)
    if (t.nbytes()) chunks.push_back({t.data_ptr(), t.nbytes()});
  serialize::write_file_atomic(path, chunks);
}

}  // namespace ember
