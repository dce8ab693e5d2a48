#pragma once
// Writes a file so that readers see either the old content or the whole new
// content: write a uniquely named temporary file beside it, fsync, rename over
// the target, fsync the directory. On any failure the temporary file is removed
// and the old file (if any) is left untouched.
#include <cstddef>
#include <string>
#include <vector>

namespace ember::serialize {

// One piece of the file's content; pieces are written back to back, so large
// payloads need not be concatenated into one buffer first.
struct Chunk {
  const void* data;
  size_t size;
};

void write_file_atomic(const std::string& path, const std::vector<Chunk>& chunks);
void write_file_atomic(const std::string& path, const void* data, size_t size);

}  // namespace ember::serialize
