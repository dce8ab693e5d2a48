#include "ember/data/dataloader.h"

#include "ember/ops/random.h"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace ember::data::detail {

void check_loader_options(const DataLoaderOptions& o) {
  EMBER_CHECK(o.num_workers >= 0, ValueError,
              "num_workers option should be non-negative; use num_workers=0 to disable "
              "multiprocessing.");
  EMBER_CHECK(o.num_workers > 0 || o.prefetch_factor == 2, ValueError,
              "prefetch_factor option could only be specified in multiprocessing.let "
              "num_workers > 0 to enable multiprocessing.");
  EMBER_CHECK(o.prefetch_factor > 0, ValueError, "prefetch_factor should be positive, but got ",
              o.prefetch_factor);
  EMBER_CHECK(o.batch_size > 0, ValueError,
              "batch_size should be a positive integer value, but got batch_size=", o.batch_size);
}

std::vector<std::vector<int64_t>> epoch_batches(int64_t n, const DataLoaderOptions& o) {
  std::vector<int64_t> order;
  if (o.shuffle) {
    order = randperm(n, {}, o.generator).tolist<int64_t>();
  } else {
    order.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  }
  std::vector<std::vector<int64_t>> out;
  for (int64_t b = 0; b < n; b += o.batch_size) {
    const int64_t e = std::min(n, b + o.batch_size);
    if (o.drop_last && e - b < o.batch_size) break;
    out.emplace_back(order.begin() + b, order.begin() + e);
  }
  return out;
}

void set_worker_thread_state() {
#if defined(_OPENMP)
  omp_set_num_threads(1);  // per thread: the caller's loops keep their threads
#endif
}

}  // namespace ember::data::detail
