// OrderedDict: insertion order, replace in place, lookups, erase, copies.
#include <gtest/gtest.h>

#include <string>

#include "ember/core/ordered_dict.h"

namespace ember {
namespace {

TEST(OrderedDict, KeepsInsertionOrderAndReplacesInPlace) {
  OrderedDict<int> d{{"b", 1}, {"a", 2}};
  d.insert("c", 3);
  d.insert("a", 20);  // replace: keeps its position
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(d.values(), (std::vector<int>{1, 20, 3}));
  EXPECT_EQ(d.at("a"), 20);
  EXPECT_EQ(d["c"], 3);
  EXPECT_EQ(d["new"], 0);  // operator[] inserts a default value at the end
  EXPECT_EQ(d.size(), 4u);
  EXPECT_THROW(d.at("missing"), IndexError);
  EXPECT_EQ(d.find("missing"), nullptr);
  EXPECT_FALSE(d.contains("missing"));
}

TEST(OrderedDict, ManyKeysEraseAndCopy) {
  OrderedDict<int> d;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "layer" + std::to_string(i) + ".weight";
    d.insert(std::move(k), i);
  }
  ASSERT_EQ(d.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(d.at("layer" + std::to_string(i) + ".weight"), i);
  for (int i = 0; i < 1000; i += 2) ASSERT_TRUE(d.erase("layer" + std::to_string(i) + ".weight"));
  EXPECT_FALSE(d.erase("layer0.weight"));
  ASSERT_EQ(d.size(), 500u);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(d.contains("layer" + std::to_string(i) + ".weight"), i % 2 == 1) << i;
  EXPECT_EQ(d.items().front().first, "layer1.weight");
  OrderedDict<int> copy = d;
  copy.insert("layer1.weight", -1);
  EXPECT_EQ(d.at("layer1.weight"), 1);
  EXPECT_EQ(copy.at("layer1.weight"), -1);
  EXPECT_EQ(copy.keys(), d.keys());
  d.reserve(4000);
  EXPECT_EQ(d.at("layer999.weight"), 999);
  d.clear();
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.contains("layer1.weight"));
  d.insert("x", 1);
  EXPECT_EQ(d.at("x"), 1);
}

}  // namespace
}  // namespace ember
