#include "ember/core/flush_denormal.h"

#include "ember/core/parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define EMBER_HAS_MXCSR 1
#endif

namespace ember {

namespace {

#ifdef EMBER_HAS_MXCSR
constexpr unsigned kFlushToZero = 1u << 15;      // FTZ: denormal results become 0
constexpr unsigned kDenormalsAreZero = 1u << 6;  // DAZ: denormal inputs read as 0

bool cpu_has_daz() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse3");
}

void set_this_thread(bool on) {
  const unsigned bits = kFlushToZero | kDenormalsAreZero;
  const unsigned csr = _mm_getcsr();
  _mm_setcsr(on ? (csr | bits) : (csr & ~bits));
}
#endif

}  // namespace

bool set_flush_denormal(bool on) {
#ifdef EMBER_HAS_MXCSR
  if (!cpu_has_daz()) return false;
  // The control register is per thread.
  on_every_pool_thread([on] { set_this_thread(on); });
  return true;
#else
  (void)on;
  return false;
#endif
}

bool flush_denormal() {
#ifdef EMBER_HAS_MXCSR
  return (_mm_getcsr() & kFlushToZero) != 0;
#else
  return false;
#endif
}

}  // namespace ember
