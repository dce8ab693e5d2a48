// Dataset, TensorDataset, Subset, random_split.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "ember/ember.h"

using namespace ember;
using namespace ember::data;

namespace {
std::shared_ptr<TensorDataset> make_ds(int64_t n) {
  return std::make_shared<TensorDataset>(
      std::vector<Tensor>{arange(n * 2, {.dtype = kFloat32}).view({n, 2}), arange(n)});
}
}  // namespace

TEST(TensorDataset, GetAndSize) {
  auto ds = make_ds(5);
  EXPECT_EQ(ds->size(), 5);
  auto e = ds->get(3);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].tolist<float>(), (std::vector<float>{6, 7}));
  EXPECT_EQ(e[1].item<int64_t>(), 3);
  EXPECT_EQ(ds->get(-1)[1].item<int64_t>(), 4);
  EXPECT_THROW(ds->get(5), IndexError);
  auto s = ds->get_stacked(std::vector<int64_t>{4, 0, -2});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ((*s)[1].tolist<int64_t>(), (std::vector<int64_t>{4, 0, 3}));
  EXPECT_EQ((*s)[0].sizes(), IntArrayRef({3, 2}));
  EXPECT_THROW(ds->get_stacked(std::vector<int64_t>{5}), IndexError);
}

TEST(TensorDataset, SizeMismatch) {
  try {
    TensorDataset ds({zeros({3, 2}), zeros({4})});
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Size mismatch between tensors");
  }
}

TEST(Subset, MapsIndices) {
  auto ds = make_ds(6);
  Subset<TensorExample> sub(ds, {5, 1, 3});
  EXPECT_EQ(sub.size(), 3);
  EXPECT_EQ(sub.get(0)[1].item<int64_t>(), 5);
  EXPECT_EQ(sub.get(-1)[1].item<int64_t>(), 3);
  EXPECT_THROW(sub.get(3), IndexError);
  auto s = sub.get_stacked(std::vector<int64_t>{2, 0});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ((*s)[1].tolist<int64_t>(), (std::vector<int64_t>{3, 5}));
}

TEST(RandomSplit, LengthsPartition) {
  auto ds = make_ds(10);
  Generator g(42);
  auto parts = random_split(ds, std::vector<int64_t>{3, 7}, &g);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]->size(), 3);
  EXPECT_EQ(parts[1]->size(), 7);
  std::set<int64_t> all;
  for (auto& p : parts)
    for (int64_t i : p->indices()) all.insert(i);
  EXPECT_EQ(all.size(), 10u);
  // The same seed gives the same split; another seed another.
  Generator g2(42), g3(7);
  auto again = random_split(ds, {3, 7}, &g2);
  EXPECT_EQ(again[0]->indices(), parts[0]->indices());
  EXPECT_EQ(again[1]->indices(), parts[1]->indices());
  auto other = random_split(ds, {3, 7}, &g3);
  EXPECT_NE(other[1]->indices(), parts[1]->indices());
}

TEST(RandomSplit, Fractions) {
  auto ds = make_ds(10);
  Generator g(0);
  auto parts = random_split(ds, {0.33, 0.33, 0.34}, &g);
  // floor: 3, 3, 3, remainder 1 to the first
  EXPECT_EQ(parts[0]->size(), 4);
  EXPECT_EQ(parts[1]->size(), 3);
  EXPECT_EQ(parts[2]->size(), 3);
  EXPECT_EQ(data::detail::split_lengths(30, {0.3, 0.3, 0.4}), (std::vector<int64_t>{9, 9, 12}));
}

TEST(RandomSplit, Errors) {
  auto ds = make_ds(10);
  try {
    random_split(ds, {3, 6});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Sum of input lengths does not equal the length of the input dataset!");
  }
  try {
    random_split(ds, {1.5, -0.5});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Fraction at index 0 is not between 0 and 1");
  }
  EXPECT_THROW(random_split(ds, {2.5, 7.5}), TypeError);
}
