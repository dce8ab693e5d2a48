// set_flush_denormal: denormals flush to zero on the calling thread and on the
// worker threads that run ember's kernels, and come back when it is turned off.
#include <gtest/gtest.h>

#include <atomic>

#include "ember/ember.h"

using namespace ember;

namespace {

struct FlushGuard {
  int threads = get_num_threads();
  ~FlushGuard() {
    set_flush_denormal(false);
    set_num_threads(threads);
  }
};

// How many chunks of a parallel loop over n items saw flushing on.
int chunks_flushing(int64_t n, int* chunks) {
  std::atomic<int> on{0}, all{0};
  parallel_for_t(0, n, 1, [&](int64_t, int64_t) {
    all.fetch_add(1);
    if (flush_denormal()) on.fetch_add(1);
  });
  *chunks = all.load();
  return on.load();
}

}  // namespace

#if defined(__x86_64__) || defined(__i386__)

TEST(FlushDenormal, FlushesOnEveryWorkerThreadAndTurnsOff) {
  FlushGuard guard;
  set_num_threads(2);
  const int64_t n = int64_t{1} << 20;                      // many grains: both threads work
  const Tensor f = full({n}, 1e-40, {.dtype = kFloat32});  // denormal in float
  const Tensor d = full({n}, 1e-310, {.dtype = kFloat64});
  ASSERT_NE(f[0].item<float>(), 0.0f);
  ASSERT_NE(d[0].item<double>(), 0.0);

  EXPECT_TRUE(set_flush_denormal(true));
  EXPECT_TRUE(flush_denormal());
  int chunks = 0;
  EXPECT_EQ(chunks_flushing(64, &chunks), chunks);
  EXPECT_EQ(chunks, 2);
  EXPECT_EQ((f * 2.0).abs().sum().item<double>(), 0.0);
  EXPECT_EQ((d * 2.0).abs().sum().item<double>(), 0.0);
  // Normal numbers are untouched.
  EXPECT_EQ((full({n}, 1e-30, {.dtype = kFloat32}) * 2.0).min().item<float>(), 2e-30f);

  EXPECT_TRUE(set_flush_denormal(false));
  EXPECT_FALSE(flush_denormal());
  EXPECT_EQ(chunks_flushing(64, &chunks), 0);
  EXPECT_EQ((f * 2.0).min().item<float>(), 2 * f[0].item<float>());
  EXPECT_EQ((d * 2.0).min().item<double>(), 2 * d[0].item<double>());
}

TEST(FlushDenormal, ThreadsAddedLaterInheritIt) {
  FlushGuard guard;
  set_num_threads(1);
  EXPECT_TRUE(set_flush_denormal(true));
  set_num_threads(3);  // the pool may grow: new threads start from this one's setting
  int chunks = 0;
  EXPECT_EQ(chunks_flushing(96, &chunks), chunks);
  EXPECT_EQ(chunks, 3);
}

#else

TEST(FlushDenormal, UnsupportedCpuSaysSo) {
  EXPECT_FALSE(set_flush_denormal(true));
  EXPECT_FALSE(flush_denormal());
}

#endif
