#pragma once
// Writes a file so that readers see either the old content or the whole new
// content: write a temporary file beside it, fsync, rename.
#include <cstddef>
#include <string>

namespace ember::serialize {

void write_file_atomic(const std::string& path, const void* data, size_t size);

}  // namespace ember::serialize
