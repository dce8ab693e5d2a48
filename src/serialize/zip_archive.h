#pragma once
// The zip container of PyTorch's checkpoints (torch.save since 1.6): entries
// stored uncompressed, their data aligned to 64 bytes (so tensors can alias a
// mapped file), zip64 records where sizes or offsets pass 4 GiB. The reader
// also takes deflated entries (an archive re-zipped by a tool) and checks every
// bound and CRC-32, so a truncated or hostile file gives a SerializationError.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serialize/atomic_file.h"

namespace ember::serialize {

class ZipReader {
 public:
  struct Entry {
    std::string name;
    uint16_t method = 0;  // 0 stored, 8 deflated
    uint32_t crc = 0;
    uint64_t compressed = 0, size = 0;
    uint64_t data_offset = 0;  // of the entry's bytes in the archive
  };
  // The archive's bytes (data[0, size)) stay owned by the caller; `where`
  // names the file in error messages.
  ZipReader(const char* data, size_t size, std::string where);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;
  // An entry's bytes after checking its CRC: a pointer into the archive for a
  // stored entry (`owned` left empty), else inflated into `owned`.
  const char* read(const Entry& e, std::vector<char>& owned) const;

 private:
  [[noreturn]] void fail(const std::string& what) const;
  const char* data_;
  size_t size_;
  std::string where_;
  std::vector<Entry> entries_;
};

class ZipWriter {
 public:
  // force_zip64 writes zip64 records even for small archives (for tests).
  explicit ZipWriter(bool force_zip64 = false) : force_zip64_(force_zip64) {}
  // Adds an entry stored uncompressed; `data` must outlive finish()'s chunks.
  void add(const std::string& name, const void* data, size_t size);
  // The whole archive as pieces to write back to back (see atomic_file.h).
  std::vector<Chunk> finish();

 private:
  struct Record {
    std::string name;
    uint32_t crc;
    uint64_t size, offset;
  };
  std::string& piece();
  bool force_zip64_;
  uint64_t offset_ = 0;
  std::vector<Record> records_;
  std::vector<std::unique_ptr<std::string>> headers_;  // stable addresses for the chunks
  std::vector<Chunk> chunks_;
};

}  // namespace ember::serialize
