#pragma once
// torch.nn's containers (PyTorch 1.13's torch/nn/modules/container.py):
// Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict, with
// PyTorch's method names, index rules (negative indices, Python slices),
// renumbering after deletion, printed forms and error messages.
//
// Make them with nn::make<...>(...). Children are registered submodules (keys
// "0", "1", ... or the given names), so named_modules, state_dict ("0.weight",
// "params.0") and printing see them. A null ModulePtr is PyTorch's None where
// PyTorch allows None. Python's `del c[i]` is erase(i); slices are ember::Slice.
// Modules added with their static type (a Handle<M> or std::shared_ptr<M>) can
// be called with values even when not made by make<M> (see register_module).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

namespace detail {

// Iterates the values of an OrderedDict's items (a container's modules).
template <typename V>
class ValueIterator {
 public:
  using Base = typename std::vector<std::pair<std::string, V>>::const_iterator;
  using value_type = V;
  using reference = const V&;
  using difference_type = std::ptrdiff_t;
  using iterator_category = std::forward_iterator_tag;
  ValueIterator() = default;
  explicit ValueIterator(Base it) : it_(it) {}
  const V& operator*() const { return it_->second; }
  const V* operator->() const { return &it_->second; }
  ValueIterator& operator++() {
    ++it_;
    return *this;
  }
  ValueIterator operator++(int) {
    auto old = *this;
    ++it_;
    return old;
  }
  bool operator==(const ValueIterator& o) const { return it_ == o.it_; }

 private:
  Base it_;
};

// The positions Python's slice.indices(n) selects; ValueError for step 0.
std::vector<int64_t> slice_positions(const Slice& s, int64_t n);

}  // namespace detail

// ---- Sequential: calls its modules in order, each on the previous one's output.
class Sequential : public Module {
 public:
  using iterator = detail::ValueIterator<ModulePtr>;

  Sequential() = default;
  // Sequential(a, b, c): keys "0", "1", "2".
  template <typename... M>
  requires(sizeof...(M) >= 1) explicit Sequential(std::shared_ptr<M>... modules) {
    int64_t i = 0;
    (register_module(std::to_string(i++), std::move(modules)), ...);
  }
  explicit Sequential(const std::vector<ModulePtr>& modules);
  // Sequential(OrderedDict(...)): the entries' names are the keys.
  explicit Sequential(const OrderedDict<ModulePtr>& named);

  // Passes the value through each module with Module::call (hooks included).
  Value forward(Value input);

  size_t size() const { return named_children_local().size(); }
  iterator begin() const { return iterator(named_children_local().items().begin()); }
  iterator end() const { return iterator(named_children_local().items().end()); }

  // The module at a position (negative counts from the end); IndexError
  // "index {} is out of range".
  ModulePtr operator[](int64_t idx) const;
  // A new Sequential sharing the selected modules under their keys.
  Handle<Sequential> slice(const Slice& s) const;
  // Replaces the module at a position (its key and place kept).
  template <typename M>
  void set(int64_t idx, std::shared_ptr<M> module) {
    register_module(key_at(idx), std::move(module));
  }
  // Python's del seq[idx] / del seq[a:b:c]; the remaining modules are
  // renumbered "0", "1", ... (named entries too, as in PyTorch).
  void erase(int64_t idx);
  void erase(const Slice& s);
  ModulePtr pop(int64_t idx);
  Handle<Sequential> pop(const Slice& s);

  // Adds under the key str(size()).
  template <typename M>
  Sequential& append(std::shared_ptr<M> module) {
    register_module(std::to_string(size()), std::move(module));
    return *this;
  }
  // Inserts before `index` (-size() <= index <= size(), else IndexError "Index
  // out of range: {}"), moving the modules behind it up one key. A null module
  // is an error (PyTorch's AssertionError, here a TypeError).
  template <typename M>
  Sequential& insert(int64_t index, std::shared_ptr<M> module) {
    const std::string key = prepare_insert(index, module.get());
    register_module(key, std::move(module));
    return *this;
  }
  Sequential& extend(const Sequential& other);
  Sequential& extend(const std::vector<ModulePtr>& modules);
  // seq += other: adds other's modules under keys str(size()), str(size() + 1) ...
  Sequential& operator+=(const Sequential& other);
  // seq *= n: repeats the modules "0" .. (shared, not copied); ValueError for n <= 0.
  Sequential& operator*=(int64_t n);

 protected:
  bool class_has_attribute(const std::string& name) const override;

 private:
  std::string key_at(int64_t idx) const;
  void renumber();
  // Shifts the modules at and after `index` up one key; returns the key the
  // new module goes under.
  std::string prepare_insert(int64_t index, const Module* module);
};

// seq1 + seq2: a new Sequential with the modules of both (renumbered).
Handle<Sequential> operator+(const Sequential& a, const Sequential& b);
// seq * n: a new Sequential repeating the modules n times (shared, not copied);
// ValueError for n <= 0.
Handle<Sequential> operator*(const Sequential& a, int64_t n);
Handle<Sequential> operator*(int64_t n, const Sequential& a);

// ---- ModuleList: a list of registered modules. It has no forward: calling it
// is NotImplementedError, as in PyTorch.
class ModuleList : public Module {
 public:
  using iterator = detail::ValueIterator<ModulePtr>;

  ModuleList() = default;
  template <typename... M>
  requires(sizeof...(M) >= 1) explicit ModuleList(std::shared_ptr<M>... modules) {
    int64_t i = 0;
    (register_module(std::to_string(i++), std::move(modules)), ...);
  }
  explicit ModuleList(const std::vector<ModulePtr>& modules) { extend(modules); }

  size_t size() const { return named_children_local().size(); }
  iterator begin() const { return iterator(named_children_local().items().begin()); }
  iterator end() const { return iterator(named_children_local().items().end()); }

  // IndexError "index {} is out of range".
  ModulePtr operator[](int64_t idx) const;
  // A new ModuleList of the selected modules, numbered from 0.
  Handle<ModuleList> slice(const Slice& s) const;
  template <typename M>
  void set(int64_t idx, std::shared_ptr<M> module) {
    register_module(abs_key(idx), std::move(module));
  }
  // del list[idx] / del list[a:b:c], then renumbering.
  void erase(int64_t idx);
  void erase(const Slice& s);
  ModulePtr pop(int64_t idx);
  Handle<ModuleList> pop(const Slice& s);

  template <typename M>
  ModuleList& append(std::shared_ptr<M> module) {
    register_module(std::to_string(size()), std::move(module));
    return *this;
  }
  // PyTorch's insert, literally: moves keys index.. up one and puts the module
  // under str(index). A negative index fails there with KeyError '-1' (here
  // before anything changes); an index past the end adds the key str(index).
  template <typename M>
  void insert(int64_t index, std::shared_ptr<M> module) {
    const std::string key = prepare_insert(index);
    register_module(key, std::move(module));
  }
  ModuleList& extend(const std::vector<ModulePtr>& modules);
  ModuleList& extend(const ModuleList& other);

 protected:
  bool class_has_attribute(const std::string& name) const override;

 private:
  std::string abs_key(int64_t idx) const;
  void renumber();
  std::string prepare_insert(int64_t index);
};

// list1 + list2: a new ModuleList of both lists' modules.
Handle<ModuleList> operator+(const ModuleList& a, const ModuleList& b);
ModuleList& operator+=(ModuleList& a, const std::vector<ModulePtr>& modules);
ModuleList& operator+=(ModuleList& a, const ModuleList& b);

// ---- ModuleDict: an insertion-ordered dict of registered modules. Iterating
// gives (key, module) pairs (Python's iter gives the keys: see keys()).
class ModuleDict : public Module {
 public:
  using Item = std::pair<std::string, ModulePtr>;

  ModuleDict() = default;
  explicit ModuleDict(const OrderedDict<ModulePtr>& modules) { update(modules); }
  explicit ModuleDict(const std::vector<Item>& modules) { update(modules); }

  size_t size() const { return named_children_local().size(); }
  auto begin() const { return named_children_local().items().begin(); }
  auto end() const { return named_children_local().items().end(); }

  // KeyError "'key'" when absent.
  ModulePtr operator[](const std::string& key) const;
  // add_module(key, module): KeyError for a bad or taken name.
  template <typename M>
  void set(const std::string& key, std::shared_ptr<M> module) {
    register_module(key, std::move(module));
  }
  // del dict[key]: KeyError "'key'" when absent.
  void erase(const std::string& key);
  bool contains(const std::string& key) const { return named_children_local().contains(key); }
  void clear();
  ModulePtr pop(const std::string& key);
  std::vector<std::string> keys() const { return named_children_local().keys(); }
  std::vector<ModulePtr> values() const { return named_children_local().values(); }
  std::vector<Item> items() const { return named_children_local().items(); }
  // Adds or replaces in the given order; a bad key changes nothing.
  void update(const OrderedDict<ModulePtr>& modules);
  void update(const std::vector<Item>& modules);
  void update(const ModuleDict& other) { update(other.items()); }

 protected:
  bool class_has_attribute(const std::string& name) const override;
};

// ---- ParameterList: a list of parameters, registered as "0", "1", ... A
// tensor that is not a parameter becomes nn::Parameter(tensor) (requires grad,
// shares its data); a parameter is kept itself. An undefined tensor is None.
class ParameterList : public Module {
 public:
  ParameterList() = default;
  explicit ParameterList(const std::vector<Tensor>& values) { extend(values); }

  size_t size() const { return size_; }
  // IndexError "index {} is out of range".
  Tensor operator[](int64_t idx) const;
  Handle<ParameterList> slice(const Slice& s) const;
  void set(int64_t idx, const Tensor& value);
  ParameterList& append(const Tensor& value);
  ParameterList& extend(const std::vector<Tensor>& values);
  std::vector<Tensor> values() const;

  // Iterates the values (Python's iter(ParameterList)).
  class iterator {
   public:
    using value_type = Tensor;
    using reference = Tensor;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    iterator() = default;
    iterator(const ParameterList* list, size_t i) : list_(list), i_(i) {}
    Tensor operator*() const { return (*list_)[static_cast<int64_t>(i_)]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      ++i_;
      return old;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const ParameterList* list_ = nullptr;
    size_t i_ = 0;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size_}; }

  std::string extra_repr() const override;
  // RuntimeError "ParameterList should not be called."
  [[noreturn]] Value forward(Value input);

 private:
  const Tensor& item(const std::string& key) const;
  size_t size_ = 0;
};

// ---- ParameterDict: an insertion-ordered dict of parameters (values become
// parameters as in ParameterList). Iterating gives (key, parameter) pairs.
class ParameterDict : public Module {
 public:
  using Item = std::pair<std::string, Tensor>;

  ParameterDict() = default;
  explicit ParameterDict(const OrderedDict<Tensor>& values) { update(values); }
  explicit ParameterDict(const std::vector<Item>& values) { update(values); }

  size_t size() const { return keys_.size(); }
  // AttributeError "'ParameterDict' object has no attribute 'key'" when absent.
  Tensor operator[](const std::string& key) const;
  // KeyError for a bad or taken name (nothing changes).
  void set(const std::string& key, const Tensor& value);
  // del dict[key]: KeyError "'key'" when absent.
  void erase(const std::string& key);
  bool contains(const std::string& key) const { return keys_.contains(key); }
  // The value, or `default_value` when absent.
  Tensor get(const std::string& key, const Tensor& default_value = Tensor()) const;
  Tensor setdefault(const std::string& key, const Tensor& default_value = Tensor());
  void clear();
  Tensor pop(const std::string& key);
  // The last inserted pair; KeyError "'popitem(): dictionary is empty'" when empty.
  Item popitem();
  Handle<ParameterDict> copy() const;
  Handle<ParameterDict> fromkeys(const std::vector<std::string>& keys,
                                 const Tensor& default_value = Tensor()) const;
  std::vector<std::string> keys() const { return keys_.keys(); }
  std::vector<Tensor> values() const;
  std::vector<Item> items() const;
  // Adds or replaces in the given order; a bad key changes nothing.
  void update(const OrderedDict<Tensor>& values);
  void update(const std::vector<Item>& values);
  void update(const ParameterDict& other) { update(other.items()); }

  std::string extra_repr() const override;
  // RuntimeError "ParameterDict should not be called."
  [[noreturn]] Value forward(Value input);

 private:
  OrderedDict<bool> keys_;
};

// a | b: a copy of a updated with b; a |= b updates a.
Handle<ParameterDict> operator|(const ParameterDict& a, const ParameterDict& b);
ParameterDict& operator|=(ParameterDict& a, const ParameterDict& b);

}  // namespace ember::nn
