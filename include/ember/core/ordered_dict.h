#pragma once
// An insertion-ordered map from string to V, as Python's dict / OrderedDict:
// state_dicts, safetensors files and named parameter lists keep their order.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/error.h"

namespace ember {

template <typename V>
class OrderedDict {
 public:
  using Item = std::pair<std::string, V>;

  OrderedDict() = default;
  OrderedDict(std::initializer_list<Item> items) {
    for (const auto& it : items) insert(it.first, it.second);
  }

  // Inserts or replaces (keeping the original position on replace).
  V& insert(const std::string& key, V value) { return emplace_key(key, std::move(value)); }
  V& insert(std::string&& key, V value) { return emplace_key(std::move(key), std::move(value)); }
  V& operator[](const std::string& key) {
    if (V* v = find(key)) return *v;
    return insert(key, V());
  }
  const V& at(const std::string& key) const {
    const V* v = find(key);
    if (!v) throw IndexError("key '" + key + "' not found");
    return *v;
  }
  V& at(const std::string& key) {
    V* v = find(key);
    if (!v) throw IndexError("key '" + key + "' not found");
    return *v;
  }
  const V* find(const std::string& key) const {
    const size_t pos = position(key, hash(key));
    return pos == kNone ? nullptr : &items_[pos].second;
  }
  V* find(const std::string& key) {
    const size_t pos = position(key, hash(key));
    return pos == kNone ? nullptr : &items_[pos].second;
  }
  bool contains(const std::string& key) const { return position(key, hash(key)) != kNone; }
  bool erase(const std::string& key) {
    const size_t pos = position(key, hash(key));
    if (pos == kNone) return false;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(pos));
    hashes_.erase(hashes_.begin() + static_cast<std::ptrdiff_t>(pos));
    rebuild(slots_.size());
    return true;
  }
  void clear() {
    items_.clear();
    hashes_.clear();
    slots_.clear();
  }
  // Room for n items without reallocating.
  void reserve(size_t n) {
    items_.reserve(n);
    hashes_.reserve(n);
    if (2 * n > slots_.size()) rebuild(std::bit_ceil(std::max<size_t>(2 * n, 8)));
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    k.reserve(items_.size());
    for (const auto& it : items_) k.push_back(it.first);
    return k;
  }
  std::vector<V> values() const {
    std::vector<V> v;
    v.reserve(items_.size());
    for (const auto& it : items_) v.push_back(it.second);
    return v;
  }
  const std::vector<Item>& items() const { return items_; }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  // The index: open addressing over positions in items_ (slot value = position
  // + 1, 0 = empty), at most half full; each item's hash kept beside it. One
  // key string per item and no node allocations.
  static constexpr size_t kNone = ~size_t(0);
  static size_t hash(const std::string& key) { return std::hash<std::string>{}(key); }

  size_t position(const std::string& key, size_t h) const {
    if (slots_.empty()) return kNone;
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask; slots_[i]; i = (i + 1) & mask) {
      const size_t pos = slots_[i] - 1;
      if (hashes_[pos] == h && items_[pos].first == key) return pos;
    }
    return kNone;
  }
  void place(size_t pos) {
    const size_t mask = slots_.size() - 1;
    size_t i = hashes_[pos] & mask;
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = static_cast<uint32_t>(pos + 1);
  }
  void rebuild(size_t capacity) {
    slots_.assign(capacity, 0);
    for (size_t pos = 0; pos < items_.size(); ++pos) place(pos);
  }
  template <typename K>
  V& emplace_key(K&& key, V value) {
    const size_t h = hash(key);
    const size_t pos = position(key, h);
    if (pos != kNone) {
      items_[pos].second = std::move(value);
      return items_[pos].second;
    }
    items_.emplace_back(std::forward<K>(key), std::move(value));
    hashes_.push_back(h);
    if (2 * items_.size() > slots_.size())
      rebuild(std::max<size_t>(8, 2 * slots_.size()));
    else
      place(items_.size() - 1);
    return items_.back().second;
  }

  std::vector<Item> items_;
  std::vector<size_t> hashes_;
  std::vector<uint32_t> slots_;
};

}  // namespace ember
