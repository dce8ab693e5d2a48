#pragma once
// The hooks around a module call (torch.nn.Module's forward pre-hooks, forward
// hooks, full backward pre-hooks and hooks, legacy backward hooks) and the
// global ones torch.nn.modules.module registers for every module.
//
// Hooks see arguments and results as nn::Value (nn/value.h). A hook may be any
// callable; what it returns decides what happens, as in Python:
//   forward pre-hook  (module, args) or (module, args, kwargs):
//       nothing / std::nullopt keeps the arguments; Args (or one Value, which
//       becomes a 1-tuple; a tuple Value gives its items) replaces args;
//       the kwargs form returns std::pair<Args, Kwargs> to replace both.
//   forward hook      (module, args, output) or (module, args, kwargs, output):
//       nothing / std::nullopt keeps the output; anything convertible to a Value replaces it.
//   backward pre-hook (module, grad_output) and backward hook (module,
//       grad_input, grad_output): nothing / std::nullopt, or a std::vector<Tensor>
//       of the same length replacing grad_output / grad_input (an undefined
//       tensor is Python's None).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/removable_handle.h"
#include "ember/nn/value.h"

namespace ember::nn {

class Module;

struct ForwardPreHookOptions {
  bool prepend = false;
  // The hook takes (module, args, kwargs); implied by such a signature, and an
  // error for a hook that takes (module, args).
  bool with_kwargs = false;
};
struct ForwardHookOptions {
  bool prepend = false;
  bool with_kwargs = false;
  // Run also when forward (or an earlier hook) throws; the error is rethrown after.
  bool always_call = false;
};
struct BackwardHookOptions {
  bool prepend = false;
};

namespace detail {

// Type-erased hook entries. Every hook gets an id from one counter, as
// RemovableHandle.next_id in torch.
struct ForwardPreHookEntry {
  int64_t id;
  std::function<void(Module&, Args&, Kwargs&)> fn;
};
struct ForwardHookEntry {
  int64_t id;
  bool always_call;
  std::function<void(Module&, const Args&, const Kwargs&, Value&)> fn;
};
using BackwardHookFn = std::function<std::optional<std::vector<Tensor>>(
    Module&, const std::vector<Tensor>& grad_input, const std::vector<Tensor>& grad_output)>;
using BackwardPreHookFn =
    std::function<std::optional<std::vector<Tensor>>(Module&, const std::vector<Tensor>&)>;
struct BackwardHookEntry {
  int64_t id;
  BackwardHookFn fn;
};
struct BackwardPreHookEntry {
  int64_t id;
  BackwardPreHookFn fn;
};

// An immutable list: a call takes a snapshot (one pointer copy), so hooks
// removed or added while a call runs take effect from the next call, as
// Python's `(*hooks.values(),)` does.
template <typename E>
using HookVec = std::shared_ptr<const std::vector<E>>;

template <typename E>
void hook_add(HookVec<E>& v, E e, bool prepend) {
  auto next = v ? std::make_shared<std::vector<E>>(*v) : std::make_shared<std::vector<E>>();
  next->insert(prepend ? next->begin() : next->end(), std::move(e));
  v = std::move(next);
}
template <typename E>
void hook_erase(HookVec<E>& v, int64_t id) {
  if (!v) return;
  auto next = std::make_shared<std::vector<E>>();
  for (const auto& e : *v)
    if (e.id != id) next->push_back(e);
  v = next->empty() ? nullptr : std::move(next);
}

// A module's (or the global) call hooks.
struct CallHooks {
  HookVec<ForwardPreHookEntry> forward_pre;
  HookVec<ForwardHookEntry> forward;
  HookVec<BackwardPreHookEntry> backward_pre;
  HookVec<BackwardHookEntry> backward;  // full or legacy, as is_full_backward_hook says
  // torch's _is_full_backward_hook: unset until a backward hook is registered,
  // then fixed (mixing the two kinds is an error even after removal).
  std::optional<bool> is_full_backward_hook;
  bool any() const { return forward_pre || forward || backward_pre || backward; }
};

int64_t next_hook_id();

// Whether any global hook is registered (the fast path's second check).
extern std::atomic<int> global_call_hook_count;

// Adapters from a user's callable to the entry's function.
template <typename R>
std::optional<Args> pre_hook_result(R&& r) {
  using T = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<T, std::optional<Args>>)
    return std::forward<R>(r);
  else if constexpr (std::is_same_v<T, Args>)
    return std::optional<Args>(std::forward<R>(r));
  else if constexpr (std::is_same_v<T, std::nullopt_t>)
    return std::nullopt;
  else {
    Value v = to_value(r);
    if (v.is_none()) return std::nullopt;
    if (v.is_tuple()) return v.items();
    return Args{std::move(v)};
  }
}
template <typename R>
std::optional<Value> forward_hook_result(R&& r) {
  using T = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<T, std::nullopt_t>) {
    return std::nullopt;
  } else if constexpr (requires {
                         typename T::value_type;
                         r.has_value();
                       }) {
    if (!r) return std::nullopt;
    return to_value(*r);
  } else {
    Value v = to_value(r);
    if (v.is_none()) return std::nullopt;  // Python: a hook returning None keeps the output
    return v;
  }
}
template <typename R>
std::optional<std::vector<Tensor>> grad_hook_result(R&& r) {
  using T = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<T, std::nullopt_t>)
    return std::nullopt;
  else
    return std::optional<std::vector<Tensor>>(std::forward<R>(r));
}

}  // namespace detail

// Global hooks, run for every module before the module's own hooks
// (torch.nn.modules.module.register_module_forward_pre_hook and friends).
// Their handles remove them again.
template <typename F>
RemovableHandle register_module_forward_pre_hook(F hook);
template <typename F>
RemovableHandle register_module_forward_hook(F hook, ForwardHookOptions options = {});
template <typename F>
RemovableHandle register_module_full_backward_pre_hook(F hook);
template <typename F>
RemovableHandle register_module_full_backward_hook(F hook);
// Legacy (non-full) backward hook on the grad_fn of the module's first output.
template <typename F>
RemovableHandle register_module_backward_hook(F hook);

namespace detail {
RemovableHandle add_global_forward_pre_hook(ForwardPreHookEntry e);
RemovableHandle add_global_forward_hook(ForwardHookEntry e);
RemovableHandle add_global_backward_pre_hook(BackwardPreHookEntry e);
RemovableHandle add_global_backward_hook(BackwardHookEntry e, bool full);
// A snapshot of the global hooks.
CallHooks global_call_hooks();

template <typename F>
ForwardPreHookEntry make_forward_pre_entry(F hook, bool with_kwargs) {
  constexpr bool kw = std::is_invocable_v<F&, Module&, const Args&, const Kwargs&>;
  constexpr bool plain = std::is_invocable_v<F&, Module&, const Args&>;
  static_assert(kw || plain,
                "a forward pre-hook takes (Module&, const Args&) or (Module&, const Args&, "
                "const Kwargs&)");
  EMBER_CHECK(kw || !with_kwargs, TypeError,
              "forward pre-hook registered with_kwargs=true must take (module, args, kwargs)");
  ForwardPreHookEntry e{next_hook_id(), nullptr};
  if constexpr (kw) {
    e.fn = [hook = std::move(hook)](Module& m, Args& args, Kwargs& kwargs) mutable {
      using R = std::invoke_result_t<F&, Module&, const Args&, const Kwargs&>;
      if constexpr (!std::is_void_v<R>) {
        auto r = hook(m, static_cast<const Args&>(args), static_cast<const Kwargs&>(kwargs));
        using T = std::remove_cvref_t<decltype(r)>;
        if constexpr (std::is_same_v<T, std::optional<std::pair<Args, Kwargs>>>) {
          if (r) {
            args = std::move(r->first);
            kwargs = std::move(r->second);
          }
        } else {
          static_assert(std::is_same_v<T, std::pair<Args, Kwargs>>,
                        "a forward pre-hook with kwargs returns void, "
                        "std::pair<Args, Kwargs> or std::optional of it");
          args = std::move(r.first);
          kwargs = std::move(r.second);
        }
      } else {
        hook(m, static_cast<const Args&>(args), static_cast<const Kwargs&>(kwargs));
      }
    };
  } else {
    e.fn = [hook = std::move(hook)](Module& m, Args& args, Kwargs&) mutable {
      using R = std::invoke_result_t<F&, Module&, const Args&>;
      if constexpr (!std::is_void_v<R>) {
        if (auto r = pre_hook_result(hook(m, static_cast<const Args&>(args)))) args = std::move(*r);
      } else {
        hook(m, static_cast<const Args&>(args));
      }
    };
  }
  return e;
}

template <typename F>
ForwardHookEntry make_forward_entry(F hook, const ForwardHookOptions& o) {
  constexpr bool kw = std::is_invocable_v<F&, Module&, const Args&, const Kwargs&, const Value&>;
  constexpr bool plain = std::is_invocable_v<F&, Module&, const Args&, const Value&>;
  static_assert(kw || plain,
                "a forward hook takes (Module&, const Args&, const Value& output) or (Module&, "
                "const Args&, const Kwargs&, const Value& output)");
  EMBER_CHECK(kw || !o.with_kwargs, TypeError,
              "forward hook registered with_kwargs=true must take (module, args, kwargs, output)");
  ForwardHookEntry e{next_hook_id(), o.always_call, nullptr};
  e.fn = [hook = std::move(hook)](Module& m, const Args& args, const Kwargs& kwargs,
                                  Value& out) mutable {
    auto run = [&]() -> decltype(auto) {
      if constexpr (kw)
        return hook(m, args, kwargs, static_cast<const Value&>(out));
      else
        return hook(m, args, static_cast<const Value&>(out));
    };
    using R = decltype(run());
    if constexpr (std::is_void_v<R>) {
      run();
    } else {
      if (auto r = forward_hook_result(run())) out = std::move(*r);
    }
  };
  return e;
}

template <typename F>
BackwardHookFn make_backward_fn(F hook) {
  static_assert(
      std::is_invocable_v<F&, Module&, const std::vector<Tensor>&, const std::vector<Tensor>&>,
      "a backward hook takes (Module&, const std::vector<Tensor>& grad_input, const "
      "std::vector<Tensor>& grad_output)");
  return [hook = std::move(hook)](
             Module& m, const std::vector<Tensor>& gi,
             const std::vector<Tensor>& go) mutable -> std::optional<std::vector<Tensor>> {
    using R =
        std::invoke_result_t<F&, Module&, const std::vector<Tensor>&, const std::vector<Tensor>&>;
    if constexpr (std::is_void_v<R>) {
      hook(m, gi, go);
      return std::nullopt;
    } else {
      return grad_hook_result(hook(m, gi, go));
    }
  };
}
template <typename F>
BackwardPreHookFn make_backward_pre_fn(F hook) {
  static_assert(std::is_invocable_v<F&, Module&, const std::vector<Tensor>&>,
                "a backward pre-hook takes (Module&, const std::vector<Tensor>& grad_output)");
  return
      [hook = std::move(hook)](
          Module& m, const std::vector<Tensor>& go) mutable -> std::optional<std::vector<Tensor>> {
        using R = std::invoke_result_t<F&, Module&, const std::vector<Tensor>&>;
        if constexpr (std::is_void_v<R>) {
          hook(m, go);
          return std::nullopt;
        } else {
          return grad_hook_result(hook(m, go));
        }
      };
}

}  // namespace detail

template <typename F>
RemovableHandle register_module_forward_pre_hook(F hook) {
  return detail::add_global_forward_pre_hook(
      detail::make_forward_pre_entry(std::move(hook), false));
}
template <typename F>
RemovableHandle register_module_forward_hook(F hook, ForwardHookOptions options) {
  options.prepend = false;  // torch's global forward hooks have no prepend
  return detail::add_global_forward_hook(detail::make_forward_entry(std::move(hook), options));
}
template <typename F>
RemovableHandle register_module_full_backward_pre_hook(F hook) {
  return detail::add_global_backward_pre_hook(
      {detail::next_hook_id(), detail::make_backward_pre_fn(std::move(hook))});
}
template <typename F>
RemovableHandle register_module_full_backward_hook(F hook) {
  return detail::add_global_backward_hook(
      {detail::next_hook_id(), detail::make_backward_fn(std::move(hook))}, true);
}
template <typename F>
RemovableHandle register_module_backward_hook(F hook) {
  return detail::add_global_backward_hook(
      {detail::next_hook_id(), detail::make_backward_fn(std::move(hook))}, false);
}

}  // namespace ember::nn
