#include "serialize/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ember/core/error.h"

namespace ember::serialize {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw SerializationError("cannot write '" + path + "': " + what + ": " + std::strerror(err));
}

// Writing through a symlink replaces its target, as open(path, "wb") would,
// instead of replacing the link with a regular file.
std::string resolve_target(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      std::string r(real);
      std::free(real);
      return r;
    }
  }
  return path;
}

// Removes the temporary file (and closes it) unless released: every exit path,
// exceptions included, leaves nothing behind.
struct TempFile {
  std::string name;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep && !name.empty()) ::unlink(name.c_str());
  }
};

std::atomic<unsigned> g_counter{0};

}  // namespace

void write_file_atomic(const std::string& path, const std::vector<Chunk>& chunks) {
  const std::string target = resolve_target(path);
  const size_t slash = target.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash));
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  if (base.empty()) fail(path, "not a file name", EISDIR);

  // A unique name in the same directory (rename is only atomic within one file
  // system); O_EXCL so concurrent writers, threads included, never share it.
  TempFile tmp;
  for (int attempt = 0; tmp.fd < 0; ++attempt) {
    std::string name = (dir == "/" ? "" : dir) + "/." + base + ".tmp." +
                       std::to_string(::getpid()) + "." + std::to_string(g_counter.fetch_add(1));
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      tmp.name = std::move(name);
      tmp.fd = fd;
    } else if (const int err = errno; err != EEXIST || attempt > 100) {
      fail(path, "cannot create a temporary file in '" + dir + "'", err);
    }
  }
  // Keep the permissions of the file being replaced.
  struct stat old {};
  if (::stat(target.c_str(), &old) == 0 && S_ISREG(old.st_mode))
    (void)::fchmod(tmp.fd, old.st_mode & 07777);

  for (const Chunk& c : chunks) {
    const char* p = static_cast<const char*>(c.data);
    size_t left = c.size;
    while (left > 0) {
      const ssize_t w = ::write(tmp.fd, p, left);
      if (w < 0) {
        const int err = errno;
        if (err == EINTR) continue;
        fail(path, "write failed", err);
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
  }
  if (::fsync(tmp.fd) != 0) {
    const int err = errno;
    fail(path, "fsync failed", err);
  }
  const int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    fail(path, "close failed", err);
  }
  if (std::rename(tmp.name.c_str(), target.c_str()) != 0) {
    const int err = errno;
    fail(path, "rename failed", err);
  }
  tmp.keep = true;
  // Make the rename itself durable; the new content is already complete, so a
  // failure here is not worth reporting.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::string& path, const void* data, size_t size) {
  write_file_atomic(path, std::vector<Chunk>{{data, size}});
}

}  // namespace ember::serialize
