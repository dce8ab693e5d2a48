#include "ember/serialize/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "ember/ops/factory.h"
#include "serialize/atomic_file.h"

namespace ember {

namespace {

using json = nlohmann::json;

struct DTypeName {
  DType t;
  const char* name;
};
const DTypeName kNames[] = {
    {DType::Bool, "BOOL"}, {DType::UInt8, "U8"},     {DType::Int8, "I8"},
    {DType::Int16, "I16"}, {DType::Int32, "I32"},    {DType::Int64, "I64"},
    {DType::Float16, "F16"}, {DType::BFloat16, "BF16"}, {DType::Float32, "F32"},
    {DType::Float64, "F64"},
};

// A read-only region of bytes that tensors may alias.
struct Region {
  const char* data = nullptr;
  size_t size = 0;
  std::shared_ptr<void> owner;  // keeps the mapping or buffer alive
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw SerializationError("safetensors: " + where + ": " + what);
}

void region_release(void* ctx) { delete static_cast<std::shared_ptr<void>*>(ctx); }

SafetensorsData parse(const Region& r, const std::string& where) {
  if (r.size < 8)
    fail(where, "file is " + std::to_string(r.size) +
                    " bytes, too short for the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(r.data[i]);
  if (n > r.size - 8)
    fail(where, "header length " + std::to_string(n) + " exceeds the " +
                    std::to_string(r.size - 8) + " bytes after it (truncated file?)");
  if (n > 100'000'000) fail(where, "header length " + std::to_string(n) + " is implausibly large");
  json header;
  try {
    header = json::parse(r.data + 8, r.data + 8 + n);
  } catch (const json::exception& e) {
    fail(where, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(where, "header is not a JSON object");
  const char* base = r.data + 8 + n;
  const uint64_t data_size = r.size - 8 - n;

  SafetensorsData out;
  struct Entry {
    std::string name;
    DType dtype;
    DimVector shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(where, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail(where, "__metadata__ value for '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      fail(where, "entry '" + name + "' needs dtype, shape and data_offsets");
    if (!v["dtype"].is_string()) fail(where, "entry '" + name + "': dtype is not a string");
    Entry e;
    e.name = name;
    try {
      e.dtype = parse_safetensors_dtype(v["dtype"].get<std::string>());
    } catch (const Error& err) {
      fail(where, "entry '" + name + "': " + err.what());
    }
    const json& shape = v["shape"];
    if (!shape.is_array()) fail(where, "entry '" + name + "': shape is not an array");
    uint64_t numel = 1;
    for (const auto& s : shape) {
      if (!s.is_number_unsigned()) fail(where, "entry '" + name + "': shape holds a non-negative-integer value");
      const uint64_t d = s.get<uint64_t>();
      if (d > (uint64_t(1) << 48) || (d && numel > (uint64_t(1) << 62) / d))
        fail(where, "entry '" + name + "': shape is too large");
      numel *= d;
      e.shape.push_back(static_cast<int64_t>(d));
    }
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail(where, "entry '" + name + "': data_offsets must be two non-negative integers");
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.begin > e.end || e.end > data_size)
      fail(where, "entry '" + name + "': data_offsets [" + std::to_string(e.begin) + ", " +
                      std::to_string(e.end) + "] fall outside the " + std::to_string(data_size) +
                      "-byte data section");
    const uint64_t want = numel * element_size(e.dtype);
    if (e.end - e.begin != want)
      fail(where, "entry '" + name + "': shape and dtype need " + std::to_string(want) +
                      " bytes but data_offsets cover " + std::to_string(e.end - e.begin));
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  uint64_t expect = 0;
  for (const auto& e : entries) {
    if (e.begin != expect)
      fail(where, "entry '" + e.name + "' starts at byte " + std::to_string(e.begin) +
                      (e.begin < expect ? " and overlaps the previous tensor" : " leaving a gap after the previous tensor"));
    expect = e.end;
  }
  if (expect != data_size)
    fail(where, "the data section has " + std::to_string(data_size) + " bytes but the tensors cover " +
                    std::to_string(expect));

  for (const auto& e : entries) {
    const char* p = base + e.begin;
    Tensor t;
    const size_t align = element_size(e.dtype);
    const size_t nbytes = e.end - e.begin;
    if (r.owner && reinterpret_cast<uintptr_t>(p) % align == 0) {
      auto* keep = new std::shared_ptr<void>(r.owner);
      auto storage = std::make_shared<Storage>(DataPtr(const_cast<char*>(p), keep, &region_release),
                                               nbytes, kCPU, nullptr);
      t = Tensor(std::make_shared<TensorImpl>(std::move(storage), e.dtype, e.shape,
                                              contiguous_strides(e.shape), 0));
    } else {
      t = empty(e.shape, {.dtype = e.dtype});
      if (nbytes) std::memcpy(t.data_ptr(), p, nbytes);
    }
    out.tensors.insert(e.name, t);
  }
  return out;
}

struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr && addr != MAP_FAILED) munmap(addr, size);
  }
};

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
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("'" + path + "'", std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail("'" + path + "'", "not a regular file");
  }
  auto m = std::make_shared<Mapping>();
  m->size = static_cast<size_t>(st.st_size);
  Region r;
  if (m->size > 0) {
    m->addr = ::mmap(nullptr, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (m->addr == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      fail("'" + path + "'", std::string("mmap failed: ") + std::strerror(err));
    }
    r.data = static_cast<const char*>(m->addr);
  }
  ::close(fd);
  r.size = m->size;
  r.owner = m;
  return parse(r, "'" + path + "'");
}

SafetensorsData load_safetensors_from_buffer(const void* data, size_t size) {
  auto buf = std::shared_ptr<char[]>(new char[size + 64]);
  // align the copy so tensors can alias it
  char* aligned = buf.get();
  while (reinterpret_cast<uintptr_t>(aligned) % 64) ++aligned;
  if (size) std::memcpy(aligned, data, size);
  Region r{aligned, size, std::shared_ptr<void>(buf, buf.get())};
  return parse(r, "buffer");
}

std::string save_safetensors_to_buffer(const OrderedDict<Tensor>& tensors,
                                       const std::map<std::string, std::string>& metadata) {
  struct Item {
    std::string name;
    Tensor t;
  };
  std::vector<Item> items;
  for (const auto& [name, t] : tensors.items()) {
    EMBER_CHECK(t.defined(), SerializationError, "safetensors: tensor '", name, "' is undefined");
    EMBER_CHECK(!name.empty() && name != "__metadata__", SerializationError,
                "safetensors: invalid tensor name '", name, "'");
    EMBER_CHECK(t.is_cpu(), SerializationError, "safetensors: tensor '", name, "' is on ", t.device(),
                "; move it to the cpu before saving");
    items.push_back({name, t.contiguous()});
  }
  // Largest alignment first, then by name, as the reference writer does.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.t.element_size() != b.t.element_size()) return a.t.element_size() > b.t.element_size();
    return a.name < b.name;
  });
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t off = 0;
  for (const auto& it : items) {
    json e;
    e["dtype"] = safetensors_dtype_name(it.t.dtype());
    e["shape"] = it.t.sizes().vec();
    e["data_offsets"] = {off, off + it.t.nbytes()};
    off += it.t.nbytes();
    header[it.name] = e;
  }
  std::string h = header.dump();
  while ((h.size() + 8) % 8) h.push_back(' ');
  std::string out;
  out.reserve(8 + h.size() + off);
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += h;
  for (const auto& it : items)
    if (it.t.nbytes()) out.append(static_cast<const char*>(it.t.data_ptr()), it.t.nbytes());
  return out;
}

void save_safetensors(const std::string& path, const OrderedDict<Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string bytes = save_safetensors_to_buffer(tensors, metadata);
  serialize::write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace ember
