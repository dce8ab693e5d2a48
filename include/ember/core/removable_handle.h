#pragma once
// RemovableHandle: what register_hook and friends return (torch.utils.hooks.
// RemovableHandle). remove() unregisters the hook; it is safe to call twice and
// after the object holding the hook is gone.
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace ember {

class RemovableHandle {
 public:
  RemovableHandle() = default;
  explicit RemovableHandle(std::function<void()> remover)
      : remover_(std::make_shared<std::function<void()>>(std::move(remover))) {}

  void remove() {
    if (remover_ && *remover_) {
      auto fn = std::move(*remover_);
      *remover_ = nullptr;
      fn();
    }
  }
  // Whether remove() would still do something.
  bool active() const { return remover_ && *remover_; }

 private:
  std::shared_ptr<std::function<void()>> remover_;
};

// An ordered set of hooks keyed by a handle id, as torch keeps them in an OrderedDict.
template <typename Fn>
class HookList {
 public:
  // Returns the id; `prepend` puts the hook before the others.
  int64_t add(Fn fn, bool prepend = false) {
    const int64_t id = next_id_++;
    if (prepend)
      hooks_.insert(hooks_.begin(), {id, std::move(fn)});
    else
      hooks_.push_back({id, std::move(fn)});
    return id;
  }
  void erase(int64_t id) {
    for (auto it = hooks_.begin(); it != hooks_.end(); ++it)
      if (it->first == id) {
        hooks_.erase(it);
        return;
      }
  }
  bool empty() const { return hooks_.empty(); }
  size_t size() const { return hooks_.size(); }
  auto begin() const { return hooks_.begin(); }
  auto end() const { return hooks_.end(); }
  void clear() { hooks_.clear(); }

 private:
  std::vector<std::pair<int64_t, Fn>> hooks_;
  int64_t next_id_ = 0;
};

}  // namespace ember
