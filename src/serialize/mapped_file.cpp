#include "serialize/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ember/core/error.h"

namespace ember::serialize {

namespace {

struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr && addr != MAP_FAILED) ::munmap(addr, size);
  }
};

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void release_owner(void* ctx) { delete static_cast<std::shared_ptr<void>*>(ctx); }

MappedFile map_file(const std::string& path, const std::string& prefix) {
  const std::string where = prefix + "'" + path + "'";
  auto fail = [&](const std::string& what) { throw SerializationError(where + ": " + what); };
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is rejected below).
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) {
    const int err = errno;
    fail(std::string("cannot open: ") + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    const int err = errno;
    fail(std::string("cannot stat: ") + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) fail("is a directory, not a file");
  if (!S_ISREG(st.st_mode)) fail("is not a regular file");
  auto m = std::make_shared<Mapping>();
  m->size = static_cast<size_t>(st.st_size);
  MappedFile r;
  if (m->size > 0) {
    // Private and writable: tensors may alias the pages and be written to in
    // place; the writes go to copy-on-write pages, never to the file.
    m->addr = ::mmap(nullptr, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.fd, 0);
    if (m->addr == MAP_FAILED) {
      const int err = errno;
      m->addr = nullptr;
      fail(std::string("mmap failed: ") + std::strerror(err));
    }
    r.data = static_cast<const char*>(m->addr);
  }
  r.size = m->size;
  r.owner = m;
  return r;
}

}  // namespace ember::serialize
