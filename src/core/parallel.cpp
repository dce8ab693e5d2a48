#include "ember/core/parallel.h"

#include <atomic>

#include <cblas.h>

#include "ember/core/error.h"

namespace ember {

namespace {
std::atomic<int> g_threads{0};
}

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, RuntimeError, "set_num_threads expects a positive integer");
  g_threads = n;
#if defined(_OPENMP)
  omp_set_num_threads(n);
#endif
  openblas_set_num_threads(n);
}

int get_num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n > 0) return n;
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& f) {
  parallel_for_t(begin, end, grain, f);
}

}  // namespace ember
