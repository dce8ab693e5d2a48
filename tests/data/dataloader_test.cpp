// DataLoader: order, shuffle and seed, drop_last, collate, worker threads,
// early break, worker errors.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "ember/ember.h"

using namespace ember;
using namespace ember::data;

namespace {
std::shared_ptr<TensorDataset> make_ds(int64_t n) {
  return std::make_shared<TensorDataset>(
      std::vector<Tensor>{arange(n * 3, {.dtype = kFloat32}).view({n, 3}), arange(n)});
}

std::vector<std::vector<int64_t>> labels_of(const DataLoader<>& loader) {
  std::vector<std::vector<int64_t>> out;
  for (auto& b : loader) out.push_back(b[1].tolist<int64_t>());
  return out;
}

// A dataset whose get() counts calls and fails at one index.
class Flaky : public Dataset<TensorExample> {
 public:
  explicit Flaky(int64_t n, int64_t bad = -1) : n_(n), bad_(bad) {}
  TensorExample get(int64_t i) const override {
    ++calls;
    EMBER_CHECK(i != bad_, ValueError, "bad example ", i);
    return {full({2}, static_cast<double>(i)), scalar_tensor(i, {.dtype = kInt64})};
  }
  int64_t size() const override { return n_; }
  mutable std::atomic<int64_t> calls{0};

 private:
  int64_t n_, bad_;
};
}  // namespace

TEST(DataLoader, SequentialBatches) {
  DataLoader loader(make_ds(10), {.batch_size = 4});
  EXPECT_EQ(loader.size(), 3);
  auto got = labels_of(loader);
  EXPECT_EQ(got, (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
  int n = 0;
  for (auto& b : loader) {
    if (n++ == 0) {
      EXPECT_EQ(b[0].sizes(), IntArrayRef({4, 3}));
      EXPECT_EQ(b[0][1].tolist<float>(), (std::vector<float>{3, 4, 5}));
    }
  }
}

TEST(DataLoader, DropLast) {
  DataLoader loader(make_ds(10), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(loader.size(), 2);
  EXPECT_EQ(labels_of(loader).size(), 2u);
  DataLoader exact(make_ds(8), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(exact.size(), 2);
}

TEST(DataLoader, ShuffleSeed) {
  Generator g1(123), g2(123);
  DataLoader a(make_ds(50), {.batch_size = 7, .shuffle = true, .generator = &g1});
  DataLoader b(make_ds(50), {.batch_size = 7, .shuffle = true, .generator = &g2});
  auto e1 = labels_of(a), e2 = labels_of(b);
  EXPECT_EQ(e1, e2);  // same seed, same order
  std::set<int64_t> seen;
  for (auto& batch : e1) seen.insert(batch.begin(), batch.end());
  EXPECT_EQ(seen.size(), 50u);
  std::vector<int64_t> flat;
  for (auto& batch : e1) flat.insert(flat.end(), batch.begin(), batch.end());
  std::vector<int64_t> sorted = flat;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(flat, sorted);
  EXPECT_NE(labels_of(a), e1);  // the next epoch draws a new permutation
}

TEST(DataLoader, WorkersGiveSameBatches) {
  for (bool shuffle : {false, true}) {
    Generator g0(5), g4(5);
    DataLoader l0(make_ds(103), {.batch_size = 8, .shuffle = shuffle, .generator = &g0});
    DataLoader l4(make_ds(103),
                  {.batch_size = 8, .shuffle = shuffle, .num_workers = 4, .generator = &g4});
    std::vector<Tensor> x0, x4;
    for (auto& b : l0) x0.push_back(b[0]);
    for (auto& b : l4) x4.push_back(b[0]);
    ASSERT_EQ(x0.size(), 13u);
    ASSERT_EQ(x4.size(), 13u);
    for (size_t i = 0; i < x0.size(); ++i) EXPECT_TRUE(x0[i].equal(x4[i])) << i;
  }
}

TEST(DataLoader, CollateAndGenericDataset) {
  auto ds = std::make_shared<Flaky>(5);
  DataLoader<TensorExample> stacked(DatasetPtr<TensorExample>(ds), {.batch_size = 2}, nullptr);
  int n = 0;
  for (auto& b : stacked) {
    if (n++ == 0) {
      EXPECT_EQ(b[0].sizes(), IntArrayRef({2, 2}));
      EXPECT_EQ(b[1].tolist<int64_t>(), (std::vector<int64_t>{0, 1}));
    }
  }
  EXPECT_EQ(n, 3);
  // A custom collate to another batch type: the sum of the labels.
  DataLoader<TensorExample, int64_t> sums(ds, {.batch_size = 2, .num_workers = 2},
                                          [](std::vector<TensorExample>&& ex) {
                                            int64_t s = 0;
                                            for (auto& e : ex) s += e[1].item<int64_t>();
                                            return s;
                                          });
  std::vector<int64_t> got;
  for (auto& s : sums) got.push_back(s);
  EXPECT_EQ(got, (std::vector<int64_t>{1, 5, 4}));
}

TEST(DataLoader, EarlyBreakStopsWorkers) {
  auto ds = std::make_shared<Flaky>(10000);
  DataLoader<TensorExample> loader(ds, {.batch_size = 10, .num_workers = 3, .prefetch_factor = 2},
                                   nullptr);
  int n = 0;
  for (auto& b : loader) {
    (void)b;
    if (++n == 3) break;
  }
  // The workers are joined when the loop's iterator dies: at most
  // 3 consumed + 3 * 2 prefetched (+ the ones in flight) batches were built.
  const int64_t calls = ds->calls.load();
  EXPECT_LE(calls, (3 + 6 + 3) * 10);
  EXPECT_EQ(ds->calls.load(), calls);  // nothing runs after the loop
}

TEST(DataLoader, WorkerErrorReRaised) {
  for (int64_t workers : {0, 2}) {
    auto ds = std::make_shared<Flaky>(20, 13);
    DataLoader<TensorExample> loader(ds, {.batch_size = 4, .num_workers = workers}, nullptr);
    int ok = 0;
    try {
      for (auto& b : loader) {
        (void)b;
        ++ok;
      }
      FAIL() << "no error";
    } catch (const ValueError& e) {
      EXPECT_STREQ(e.what(), "bad example 13");
    }
    EXPECT_EQ(ok, 3);  // batches 0..2 came before the failing batch 3
  }
}

TEST(DataLoader, OptionErrors) {
  auto ds = make_ds(4);
  EXPECT_THROW(DataLoader(ds, {.batch_size = 0}), ValueError);
  try {
    DataLoader(ds, {.num_workers = -1});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "num_workers option should be non-negative; use num_workers=0 to disable "
                 "multiprocessing.");
  }
  EXPECT_THROW(DataLoader(ds, {.prefetch_factor = 4}), ValueError);
  EXPECT_THROW(DataLoader(ds, {.num_workers = 1, .prefetch_factor = 0}), ValueError);
}
