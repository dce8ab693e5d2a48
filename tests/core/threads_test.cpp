// Threads: set_num_threads / get_num_threads, and parallel_for_t covering a range
// exactly once and rethrowing exceptions thrown on worker threads.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

// Restores the thread count a test changed.
struct ThreadsGuard {
  int saved = get_num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

// Counts how often each index of [begin, end) is visited.
std::vector<int> visits(int64_t begin, int64_t end, int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(end > begin ? end - begin : 0));
  for (auto& h : hits) h = 0;
  parallel_for_t(begin, end, grain, [&](int64_t b, int64_t e) {
    EXPECT_LE(begin, b);
    EXPECT_LT(b, e);
    EXPECT_LE(e, end);
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i - begin)].fetch_add(1);
  });
  std::vector<int> out;
  for (auto& h : hits) out.push_back(h.load());
  return out;
}

}  // namespace

TEST(Threads, SetGetRoundTrip) {
  ThreadsGuard guard;
  EXPECT_GE(get_num_threads(), 1);
  set_num_threads(3);
  EXPECT_EQ(get_num_threads(), 3);
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(7);
  EXPECT_EQ(get_num_threads(), 7);
}

TEST(Threads, InvalidCounts) {
  ThreadsGuard guard;
  set_num_threads(2);
  for (int bad : {0, -1, -100}) {
    try {
      set_num_threads(bad);
      ADD_FAILURE() << "set_num_threads(" << bad << ") did not throw";
    } catch (const RuntimeError& e) {
      EXPECT_EQ(std::string(e.what()), "set_num_threads expects a positive integer");
    }
  }
  EXPECT_EQ(get_num_threads(), 2);  // unchanged
}

TEST(Threads, ParallelForCoversRangeExactlyOnce) {
  ThreadsGuard guard;
  for (int threads : {1, 2, 3, 4, 8}) {
    set_num_threads(threads);
    struct R {
      int64_t begin, end, grain;
    };
    for (R r : {R{0, 0, 1}, R{5, 5, 1}, R{0, 1, 1}, R{0, 10, 100}, R{0, 1000, 1}, R{3, 1003, 7},
                R{-50, 50, 10}, R{0, 100001, 32768}, R{0, 12345, 1000}, R{0, 17, 16}}) {
      auto v = visits(r.begin, r.end, r.grain);
      int wrong = 0;
      for (int h : v) wrong += h != 1;
      EXPECT_EQ(wrong, 0) << threads << " threads, [" << r.begin << ", " << r.end << ") grain "
                          << r.grain;
    }
  }
  // A reversed range runs nothing.
  bool ran = false;
  parallel_for_t(10, 0, 1, [&](int64_t, int64_t) { ran = true; });
  EXPECT_FALSE(ran);
}

TEST(Threads, ParallelForUsesSeveralChunksAboveGrain) {
  ThreadsGuard guard;
  set_num_threads(4);
  std::atomic<int> chunks{0};
  parallel_for_t(0, 4000, 100, [&](int64_t, int64_t) { chunks.fetch_add(1); });
#if defined(_OPENMP)
  EXPECT_GT(chunks.load(), 1);
#endif
  EXPECT_LE(chunks.load(), 4);
  chunks = 0;
  parallel_for_t(0, 50, 100, [&](int64_t b, int64_t e) {
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 50);
    chunks.fetch_add(1);
  });
  EXPECT_EQ(chunks.load(), 1);  // below the grain: one serial call
}

TEST(Threads, ExceptionsFromWorkersAreRethrown) {
  ThreadsGuard guard;
  set_num_threads(4);
  // Thrown only by the chunk holding the last index, i.e. a worker, not thread 0.
  EXPECT_THROW(parallel_for_t(0, 100000, 10,
                              [&](int64_t, int64_t e) {
                                if (e == 100000) throw ValueError("boom from a worker");
                              }),
               ValueError);
  try {
    parallel_for_t(0, 100000, 10, [&](int64_t b, int64_t) {
      if (b > 0) throw std::out_of_range("worker " + std::to_string(b));
    });
#if defined(_OPENMP)
    ADD_FAILURE() << "no exception";
#endif
  } catch (const std::out_of_range& e) {
    EXPECT_EQ(std::string(e.what()).rfind("worker ", 0), 0u);
  }
  // Every chunk throwing still gives exactly one exception and leaves the pool usable.
  EXPECT_THROW(parallel_for_t(0, 100000, 10, [&](int64_t, int64_t) { throw RuntimeError("all"); }),
               RuntimeError);
  auto v = visits(0, 100000, 10);
  int wrong = 0;
  for (int h : v) wrong += h != 1;
  EXPECT_EQ(wrong, 0);
  // The serial path (below the grain) throws directly.
  EXPECT_THROW(parallel_for_t(0, 5, 10, [&](int64_t, int64_t) { throw TypeError("serial"); }),
               TypeError);
  // The std::function form behaves the same.
  EXPECT_THROW(parallel_for(0, 100000, 10,
                            [](int64_t b, int64_t) {
                              if (b > 0) throw IndexError("fn");
                            }),
               IndexError);
}

TEST(Threads, NestedParallelForRunsSerially) {
  ThreadsGuard guard;
  set_num_threads(4);
  std::atomic<int> inner_calls{0};
  std::atomic<int> total{0};
  parallel_for_t(0, 4, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      parallel_for_t(0, 1000, 1, [&](int64_t ib, int64_t ie) {
        inner_calls.fetch_add(1);
        total.fetch_add(static_cast<int>(ie - ib));
      });
    }
  });
  EXPECT_EQ(total.load(), 4000);
#if defined(_OPENMP)
  EXPECT_TRUE(!in_parallel_region());
#endif
}

TEST(Threads, KernelsAgreeAcrossThreadCounts) {
  ThreadsGuard guard;
  Tensor x = arange(0, 3 * 64 * 65 * 67, 1, {.dtype = kFloat32}).view({3, 64, 65, 67});
  set_num_threads(1);
  std::vector<float> one = x.contiguous(kChannelsLast).to(kFloat64).tolist<float>();
  set_num_threads(4);
  std::vector<float> four = x.contiguous(kChannelsLast).to(kFloat64).tolist<float>();
  EXPECT_EQ(one, four);
  EXPECT_EQ(one, x.tolist<float>());
}
