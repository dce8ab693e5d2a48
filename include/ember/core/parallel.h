#pragma once
// One thread pool for everything: OpenMP, shared with OpenBLAS (OpenMP build)
// and oneDNN.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ember {

// Sets the threads used by ember's loops, OpenBLAS and oneDNN together.
void set_num_threads(int n);
int get_num_threads();

// Runs f on the calling thread and once on each other thread of the pool
// (per-thread state such as the floating-point control register). Threads the
// pool starts later are created by the calling thread and copy its state.
void on_every_pool_thread(const std::function<void()>& f);

// Below this many elements of work a loop stays on one thread.
inline constexpr int64_t kGrainSize = 32768;

// Calls f(begin, end) over [begin, end) split into chunks of at least `grain`,
// in parallel when the range is large enough and we are not already inside a
// parallel region. f must not throw across threads; exceptions are rethrown.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& f);

inline bool in_parallel_region() {
#if defined(_OPENMP)
  return omp_in_parallel();
#else
  return false;
#endif
}

// Template form, without std::function in the hot path.
template <typename F>
void parallel_for_t(int64_t begin, int64_t end, int64_t grain, const F& f) {
  if (begin >= end) return;
  const int64_t n = end - begin;
  grain = std::max<int64_t>(grain, 1);
#if defined(_OPENMP)
  const int threads = get_num_threads();
  if (n > grain && threads > 1 && !omp_in_parallel()) {
    int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
    std::exception_ptr err;
#pragma omp parallel num_threads(static_cast <int>(chunks))
    {
      const int64_t t = omp_get_thread_num();
      const int64_t nt = omp_get_num_threads();
      const int64_t per = (n + nt - 1) / nt;
      const int64_t b = begin + t * per;
      const int64_t e = std::min(end, b + per);
      if (b < e) {
        try {
          f(b, e);
        } catch (...) {
#pragma omp critical(ember_parallel_error)
          if (!err) err = std::current_exception();
        }
      }
    }
    if (err) std::rethrow_exception(err);
    return;
  }
#endif
  (void)grain;
  f(begin, end);
}

}  // namespace ember
