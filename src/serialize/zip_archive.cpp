#include "serialize/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "ember/core/error.h"

namespace ember::serialize {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                   kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint32_t k32 = 0xFFFFFFFFu;
constexpr uint16_t k16 = 0xFFFF;
// PyTorch aligns each record's data to 64 bytes with a padding field it calls "FB".
constexpr uint64_t kAlign = 64;
constexpr uint16_t kPadId = 0x4246, kZip64Id = 0x0001;
constexpr uint16_t kDosDate = (1 << 5) | 1;  // 1980-01-01

uint64_t le(const char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void put(std::string& s, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t crc32_of(const void* data, size_t size) {
  return static_cast<uint32_t>(
      ::crc32_z(::crc32_z(0, nullptr, 0), static_cast<const Bytef*>(data), size));
}

}  // namespace

void ZipReader::fail(const std::string& what) const {
  throw SerializationError(where_ + ": " + what);
}

ZipReader::ZipReader(const char* data, size_t size, std::string where)
    : data_(data), size_(size), where_(std::move(where)) {
  if (size_ < 22)
    fail("not a zip archive (" + std::to_string(size_) +
         " bytes; a PyTorch checkpoint is a zip file)");
  // The end record is the last 22 bytes plus a comment of up to 64 KiB.
  size_t end = std::string::npos;
  const size_t lowest = size_ >= 22 + 65535 ? size_ - 22 - 65535 : 0;
  for (size_t p = size_ - 22 + 1; p-- > lowest;)
    if (le(data_ + p, 4) == kEndSig) {
      end = p;
      break;
    }
  if (end == std::string::npos)
    fail("not a zip archive (no end-of-central-directory record; truncated file?)");
  const char* e = data_ + end;
  if (le(e + 4, 2) != 0 || le(e + 6, 2) != 0) fail("multi-disk zip archives are not supported");
  uint64_t count = le(e + 10, 2), cd_size = le(e + 12, 4), cd_offset = le(e + 16, 4);
  if (count == k16 || cd_size == k32 || cd_offset == k32) {
    if (end < 20 || le(data_ + end - 20, 4) != kLocator64Sig)
      fail("zip64 end record expected but its locator is missing");
    const uint64_t at = le(data_ + end - 20 + 8, 8);
    if (at > end || end - at < 56 || le(data_ + at, 4) != kEnd64Sig)
      fail("zip64 end-of-central-directory record is missing or out of bounds");
    const char* z = data_ + at;
    count = le(z + 32, 8);
    cd_size = le(z + 40, 8);
    cd_offset = le(z + 48, 8);
  }
  if (cd_offset > size_ || cd_size > size_ - cd_offset)
    fail("central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
         " bytes) lies outside the " + std::to_string(size_) + "-byte file");
  if (count > cd_size / 46) fail("central directory claims " + std::to_string(count) + " entries");
  std::set<std::string> names;
  const char* p = data_ + cd_offset;
  const char* cd_end = p + cd_size;
  entries_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (cd_end - p < 46 || le(p, 4) != kCentralSig)
      fail("central directory entry " + std::to_string(i) + " is corrupt");
    Entry en;
    const uint64_t flags = le(p + 8, 2);
    en.method = static_cast<uint16_t>(le(p + 10, 2));
    en.crc = static_cast<uint32_t>(le(p + 16, 4));
    en.compressed = le(p + 20, 4);
    en.size = le(p + 24, 4);
    const uint64_t nlen = le(p + 28, 2), xlen = le(p + 30, 2), clen = le(p + 32, 2);
    uint64_t local = le(p + 42, 4);
    if (static_cast<uint64_t>(cd_end - p) < 46 + nlen + xlen + clen)
      fail("central directory entry " + std::to_string(i) + " runs past the directory");
    en.name.assign(p + 46, nlen);
    // zip64 extra: the 8-byte values of the fields that hold 0xFFFFFFFF, in order.
    for (const char* x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {
      const uint64_t id = le(x, 2), len = le(x + 2, 2);
      if (x + 4 + len > p + 46 + nlen + xlen)
        fail("entry '" + en.name + "' has a corrupt extra field");
      if (id == kZip64Id) {
        const char* v = x + 4;
        const char* v_end = v + len;
        for (uint64_t* field : {&en.size, &en.compressed, &local}) {
          if (*field != k32) continue;
          if (v_end - v < 8) fail("entry '" + en.name + "' has a short zip64 field");
          *field = le(v, 8);
          v += 8;
        }
      }
      x += 4 + len;
    }
    p += 46 + nlen + xlen + clen;
    if (flags & 1) fail("entry '" + en.name + "' is encrypted");
    if (en.method != 0 && en.method != 8)
      fail("entry '" + en.name + "' uses compression method " + std::to_string(en.method) +
           " (only stored and deflated entries are supported)");
    if (en.method == 0 && en.compressed != en.size)
      fail("stored entry '" + en.name + "' has different compressed and uncompressed sizes");
    if (local > cd_offset || cd_offset - local < 30 || le(data_ + local, 4) != kLocalSig)
      fail("entry '" + en.name + "' has no local header at offset " + std::to_string(local));
    const uint64_t start = local + 30 + le(data_ + local + 26, 2) + le(data_ + local + 28, 2);
    if (start > cd_offset || en.compressed > cd_offset - start)
      fail("entry '" + en.name + "' (" + std::to_string(en.compressed) + " bytes at offset " +
           std::to_string(start) + ") runs past the end of the data (truncated file?)");
    en.data_offset = start;
    if (!names.insert(en.name).second) fail("entry '" + en.name + "' appears twice");
    entries_.push_back(std::move(en));
  }
}

const ZipReader::Entry* ZipReader::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

const char* ZipReader::read(const Entry& e, std::vector<char>& owned) const {
  const char* src = data_ + e.data_offset;
  const char* out = src;
  if (e.method == 8) {
    // Deflate expands at most ~1032:1; a larger claim is a hostile header.
    if (e.size > e.compressed * 1032 + 64)
      fail("entry '" + e.name + "' claims " + std::to_string(e.size) + " bytes from " +
           std::to_string(e.compressed) + " compressed");
    owned.resize(e.size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail("cannot start zlib");
    uint64_t in_left = e.compressed, out_left = e.size;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src));
    z.next_out = reinterpret_cast<Bytef*>(owned.data());
    int rc = Z_OK;
    while (rc == Z_OK) {
      const uInt in_chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
      const uInt out_chunk = static_cast<uInt>(std::min<uint64_t>(out_left, 1u << 30));
      z.avail_in = in_chunk;
      z.avail_out = out_chunk;
      rc = inflate(&z, Z_NO_FLUSH);
      in_left -= in_chunk - z.avail_in;
      out_left -= out_chunk - z.avail_out;
      if (rc == Z_BUF_ERROR && (in_left == 0 || out_left == 0)) break;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || out_left != 0)
      fail("entry '" + e.name + "' does not inflate to its " + std::to_string(e.size) +
           " bytes (corrupt data)");
    out = owned.data();
  }
  if (crc32_of(out, e.size) != e.crc)
    fail("entry '" + e.name + "' fails its CRC-32 check (corrupt data)");
  return out;
}

std::string& ZipWriter::piece() {
  headers_.push_back(std::make_unique<std::string>());
  return *headers_.back();
}

void ZipWriter::add(const std::string& name, const void* data, size_t size) {
  const bool z64 = force_zip64_ || size >= k32;
  std::string& h = piece();
  put(h, kLocalSig, 4);
  put(h, z64 ? 45 : 20, 2);
  put(h, 0, 2);  // flags
  put(h, 0, 2);  // stored
  put(h, 0, 2);  // time
  put(h, kDosDate, 2);
  const uint32_t crc = crc32_of(data, size);
  put(h, crc, 4);
  put(h, z64 ? k32 : size, 4);
  put(h, z64 ? k32 : size, 4);
  const uint64_t z64_extra = z64 ? 20 : 0;
  // Pad so the data starts on a 64-byte boundary (a padding field needs >= 4 bytes).
  const uint64_t unpadded = offset_ + 30 + name.size() + z64_extra;
  uint64_t pad = (kAlign - unpadded % kAlign) % kAlign;
  if (pad > 0 && pad < 4) pad += kAlign;
  put(h, name.size(), 2);
  put(h, z64_extra + pad, 2);
  h += name;
  if (z64) {
    put(h, kZip64Id, 2);
    put(h, 16, 2);
    put(h, size, 8);
    put(h, size, 8);
  }
  if (pad) {
    put(h, kPadId, 2);
    put(h, pad - 4, 2);
    h.append(pad - 4, 'Z');
  }
  chunks_.push_back({h.data(), h.size()});
  records_.push_back({name, crc, size, offset_});
  if (size) chunks_.push_back({data, size});
  offset_ += h.size() + size;
}

std::vector<Chunk> ZipWriter::finish() {
  const uint64_t cd_offset = offset_;
  std::string& cd = piece();
  bool any64 = force_zip64_;
  for (const auto& r : records_) {
    const bool big = force_zip64_ || r.size >= k32, far = force_zip64_ || r.offset >= k32;
    any64 = any64 || big || far;
    std::string extra;
    if (big) {
      put(extra, r.size, 8);
      put(extra, r.size, 8);
    }
    if (far) put(extra, r.offset, 8);
    put(cd, kCentralSig, 4);
    put(cd, (3 << 8) | (big || far ? 45 : 20), 2);  // made by: unix
    put(cd, big || far ? 45 : 20, 2);
    put(cd, 0, 2);
    put(cd, 0, 2);
    put(cd, 0, 2);
    put(cd, kDosDate, 2);
    put(cd, r.crc, 4);
    put(cd, big ? k32 : r.size, 4);
    put(cd, big ? k32 : r.size, 4);
    put(cd, r.name.size(), 2);
    put(cd, extra.empty() ? 0 : extra.size() + 4, 2);
    put(cd, 0, 2);               // comment
    put(cd, 0, 2);               // disk
    put(cd, 0, 2);               // internal attributes
    put(cd, 0100644u << 16, 4);  // external: a regular file, rw-r--r--
    put(cd, far ? k32 : r.offset, 4);
    cd += r.name;
    if (!extra.empty()) {
      put(cd, kZip64Id, 2);
      put(cd, extra.size(), 2);
      cd += extra;
    }
  }
  const uint64_t cd_size = cd.size(), n = records_.size();
  const bool end64 = any64 || n >= k16 || cd_offset >= k32 || cd_size >= k32;
  if (end64) {
    const uint64_t at = cd_offset + cd_size;
    put(cd, kEnd64Sig, 4);
    put(cd, 44, 8);
    put(cd, 45, 2);
    put(cd, 45, 2);
    put(cd, 0, 4);
    put(cd, 0, 4);
    put(cd, n, 8);
    put(cd, n, 8);
    put(cd, cd_size, 8);
    put(cd, cd_offset, 8);
    put(cd, kLocator64Sig, 4);
    put(cd, 0, 4);
    put(cd, at, 8);
    put(cd, 1, 4);
  }
  put(cd, kEndSig, 4);
  put(cd, 0, 2);
  put(cd, 0, 2);
  put(cd, end64 ? k16 : n, 2);
  put(cd, end64 ? k16 : n, 2);
  put(cd, end64 ? k32 : cd_size, 4);
  put(cd, end64 ? k32 : cd_offset, 4);
  put(cd, 0, 2);
  chunks_.push_back({cd.data(), cd.size()});
  offset_ += cd.size();
  return chunks_;
}

}  // namespace ember::serialize
