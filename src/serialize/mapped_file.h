#pragma once
// A whole file mapped privately (copy-on-write) for readers whose tensors may
// alias its pages: writes to such tensors never reach the file.
#include <cstddef>
#include <memory>
#include <string>

namespace ember::serialize {

struct MappedFile {
  const char* data = nullptr;
  size_t size = 0;
  std::shared_ptr<void> owner;  // keeps the mapping alive
};

// Throws SerializationError "<prefix>'<path>': <why>" when the path cannot be
// opened, is a directory or not a regular file, or cannot be mapped.
MappedFile map_file(const std::string& path, const std::string& prefix);

// Releases a heap-allocated std::shared_ptr<void>* (a DataPtr deleter for
// storages that alias a mapping or buffer).
void release_owner(void* ctx);

}  // namespace ember::serialize
