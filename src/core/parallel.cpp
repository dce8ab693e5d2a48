#include "ember/core/parallel.h"

#include <atomic>
#include <exception>

#include <cblas.h>

#include "ember/core/error.h"

namespace ember {

namespace {
std::atomic<int> g_threads{0};
// The largest team asked for so far: the OpenMP pool holds at most this many threads.
std::atomic<int> g_largest_team{0};

void note_team(int n) {
  int seen = g_largest_team.load(std::memory_order_relaxed);
  while (n > seen && !g_largest_team.compare_exchange_weak(seen, n)) {
  }
}
}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, RuntimeError, "set_num_threads expects a positive integer");
  g_threads = n;
  note_team(n);
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

void on_every_pool_thread(const std::function<void()>& f) {
  f();
#if defined(_OPENMP)
  if (omp_in_parallel()) return;
  // A team as large as the largest one yet runs on every thread the pool has.
  note_team(omp_get_max_threads());
  const int n = g_largest_team.load();
  if (n <= 1) return;
  std::exception_ptr err;
#pragma omp parallel num_threads(n)
  if (omp_get_thread_num() != 0) {
    try {
      f();
    } catch (...) {
#pragma omp critical(ember_pool_error)
      if (!err) err = std::current_exception();
    }
  }
  if (err) std::rethrow_exception(err);
#endif
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& f) {
  parallel_for_t(begin, end, grain, f);
}

}  // namespace ember
