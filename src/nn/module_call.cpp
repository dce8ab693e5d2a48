// Module::call_with_hooks: torch.nn.Module._call_impl, the hooks around forward.
#include <mutex>

#include "ember/autograd/node.h"
#include "ember/core/grad_mode.h"
#include "ember/nn/module.h"
#include "nn/backward_hook.h"

namespace ember::nn {

namespace detail {

std::atomic<int> global_call_hook_count{0};

namespace {

std::atomic<int64_t> hook_ids{0};
std::mutex global_mutex;
CallHooks& global_hooks() {
  static CallHooks h;
  return h;
}

template <typename E>
size_t count(const HookVec<E>& v) {
  return v ? v->size() : 0;
}
void recount_globals() {
  const CallHooks& g = global_hooks();
  global_call_hook_count.store(static_cast<int>(count(g.forward_pre) + count(g.forward) +
                                                count(g.backward_pre) + count(g.backward)),
                               std::memory_order_relaxed);
}

template <typename E>
RemovableHandle add_global(HookVec<E> CallHooks::*list, E e) {
  std::lock_guard<std::mutex> lock(global_mutex);
  const int64_t id = e.id;
  hook_add(global_hooks().*list, std::move(e), false);
  recount_globals();
  return RemovableHandle([list, id] {
    std::lock_guard<std::mutex> lock(global_mutex);
    hook_erase(global_hooks().*list, id);
    recount_globals();
  });
}

template <typename E>
RemovableHandle add_local(const std::shared_ptr<CallHooks>& hooks, HookVec<E> CallHooks::*list, E e,
                          bool prepend) {
  const int64_t id = e.id;
  hook_add((*hooks).*list, std::move(e), prepend);
  return RemovableHandle([w = std::weak_ptr<CallHooks>(hooks), list, id] {
    if (auto h = w.lock()) hook_erase((*h).*list, id);
  });
}

template <typename E, typename F>
void each(const HookVec<E>& v, F&& f) {
  if (v)
    for (const auto& e : *v) f(e);
}

}  // namespace

int64_t next_hook_id() { return hook_ids.fetch_add(1, std::memory_order_relaxed); }

RemovableHandle add_global_forward_pre_hook(ForwardPreHookEntry e) {
  return add_global(&CallHooks::forward_pre, std::move(e));
}
RemovableHandle add_global_forward_hook(ForwardHookEntry e) {
  return add_global(&CallHooks::forward, std::move(e));
}
RemovableHandle add_global_backward_pre_hook(BackwardPreHookEntry e) {
  return add_global(&CallHooks::backward_pre, std::move(e));
}
RemovableHandle add_global_backward_hook(BackwardHookEntry e, bool full) {
  {
    std::lock_guard<std::mutex> lock(global_mutex);
    auto& is_full = global_hooks().is_full_backward_hook;
    EMBER_CHECK(!is_full || *is_full == full, RuntimeError,
                "Cannot use both regular backward hooks and full backward hooks as a global "
                "Module hook. Please use only one of them.");
    is_full = full;
  }
  return add_global(&CallHooks::backward, std::move(e));
}

CallHooks global_call_hooks() {
  std::lock_guard<std::mutex> lock(global_mutex);
  return global_hooks();
}

void throw_forward_arity(Module& m, size_t expected, size_t given) {
  // Python counts self among the positional arguments.
  if (given < expected) {
    const size_t k = expected - given;
    throw TypeError(detail::str_cat(m.name(), ".forward() missing ", k, " required positional ",
                                    k == 1 ? "argument" : "arguments"));
  }
  throw TypeError(detail::str_cat(m.name(), ".forward() takes ", expected + 1, " positional ",
                                  expected == 0 ? "argument" : "arguments", " but ", given + 1,
                                  " were given"));
}

void throw_unexpected_kwarg(Module& m, const Kwargs& kwargs) {
  throw TypeError(detail::str_cat(m.name(), ".forward() got an unexpected keyword argument '",
                                  kwargs.items().front().first, "'"));
}

void throw_untyped_forward(Module& m) {
  throw NotImplementedError(detail::str_cat(
      "Module [", m.name(),
      "] is missing the required \"forward\" function (or has one that cannot be called "
      "with values: overloaded, a template, or taking arguments that are not values; call "
      "it through its nn::Handle)"));
}

}  // namespace detail

using detail::CallHooks;

CallHooks& Module::call_hooks() {
  if (!call_hooks_) call_hooks_ = std::make_shared<CallHooks>();
  return *call_hooks_;
}

RemovableHandle Module::add_hook(detail::ForwardPreHookEntry e, bool prepend) {
  call_hooks();
  return detail::add_local(call_hooks_, &CallHooks::forward_pre, std::move(e), prepend);
}
RemovableHandle Module::add_hook(detail::ForwardHookEntry e, bool prepend) {
  call_hooks();
  return detail::add_local(call_hooks_, &CallHooks::forward, std::move(e), prepend);
}
RemovableHandle Module::add_hook(detail::BackwardPreHookEntry e, bool prepend) {
  call_hooks();
  return detail::add_local(call_hooks_, &CallHooks::backward_pre, std::move(e), prepend);
}
RemovableHandle Module::add_backward_hook(detail::BackwardHookEntry e, bool full, bool prepend) {
  auto& is_full = call_hooks().is_full_backward_hook;
  EMBER_CHECK(!is_full || *is_full == full, RuntimeError,
              "Cannot use both regular backward hooks and full backward hooks on a single "
              "Module. Please use only one of them.");
  is_full = full;
  return detail::add_local(call_hooks_, &CallHooks::backward, std::move(e), prepend);
}

Value Module::forward_values(Args& args, Kwargs& kwargs) {
  if (!forward_thunk_) detail::throw_untyped_forward(*this);
  return forward_thunk_(*this, args, kwargs);
}

Value Module::call(Args args, Kwargs kwargs) {
  if (!has_call_hooks()) return forward_values(args, kwargs);
  auto run = [this](Args& a, Kwargs& k) { return forward_values(a, k); };
  return call_with_hooks(std::move(args), std::move(kwargs), run);
}

namespace {

// The first tensor of a result, as torch looks for the grad_fn that legacy
// backward hooks attach to (var[0] of sequences, the first tensor of dicts).
const Tensor* first_tensor(const Value& v) {
  const Value* var = &v;
  while (!var->is_tensor()) {
    if (var->is_dict()) {
      const Value* next = nullptr;
      for (const auto& [k, x] : var->dict())
        if (x.is_tensor()) {
          next = &x;
          break;
        }
      EMBER_CHECK(next, RuntimeError,
                  "backward hooks need a tensor among the module's outputs (StopIteration)");
      var = next;
    } else {
      EMBER_CHECK(var->is_list() || var->is_tuple(), TypeError, "'", var->type_name(),
                  "' object is not subscriptable");
      EMBER_CHECK(!var->items().empty(), IndexError, var->type_name(), " index out of range");
      var = &var->items()[0];
    }
  }
  return &var->tensor();
}

}  // namespace

Value Module::call_with_hooks(Args args, Kwargs kwargs,
                              detail::FunctionRef<Value(Args&, Kwargs&)> forward) {
  // Snapshots: hooks added or removed by a hook take effect from the next call.
  const CallHooks global = detail::global_call_hook_count.load(std::memory_order_relaxed) != 0
                               ? detail::global_call_hooks()
                               : CallHooks{};
  const CallHooks local = call_hooks_ ? *call_hooks_ : CallHooks{};
  std::vector<int64_t> called_always;
  Value result;
  try {
    std::vector<detail::BackwardHookEntry> full_backward, non_full_backward;
    std::vector<detail::BackwardPreHookEntry> backward_pre;
    for (const CallHooks* h : {&global, &local}) {
      if (h->is_full_backward_hook)
        detail::each(h->backward, [&](const auto& e) {
          (*h->is_full_backward_hook ? full_backward : non_full_backward).push_back(e);
        });
      detail::each(h->backward_pre, [&](const auto& e) { backward_pre.push_back(e); });
    }

    for (const CallHooks* h : {&global, &local})
      detail::each(h->forward_pre, [&](const auto& e) { e.fn(*this, args, kwargs); });

    std::shared_ptr<detail::BackwardHookState> bw;
    if (!full_backward.empty() || !backward_pre.empty()) {
      bw = detail::make_backward_hook_state(*this, std::move(full_backward),
                                            std::move(backward_pre));
      bw->setup_input_hook(args);
    }

    result = forward(args, kwargs);

    for (const CallHooks* h : {&global, &local})
      detail::each(h->forward, [&](const auto& e) {
        if (e.always_call) called_always.push_back(e.id);
        e.fn(*this, args, kwargs, result);
      });

    if (bw) bw->setup_output_hook(result);

    if (!non_full_backward.empty()) {
      const Tensor* var = first_tensor(result);
      if (auto grad_fn = var->grad_fn()) {
        Module* self = this;
        ModulePtr keep = weak_from_this().lock();
        for (auto& e : non_full_backward)
          grad_fn->register_hook([self, keep, fn = e.fn](const autograd::variable_list& gi,
                                                         const autograd::variable_list& go) {
            auto r = fn(*self, gi, go);
            return r ? *r : autograd::variable_list{};
          });
      }
    }
    return result;
  } catch (...) {
    // always_call forward hooks that have not run yet run now; their own
    // errors are dropped (PyTorch warns) and forward's error goes on.
    for (const CallHooks* h : {&global, &local})
      detail::each(h->forward, [&](const auto& e) {
        if (!e.always_call) return;
        for (int64_t id : called_always)
          if (id == e.id) return;
        try {
          e.fn(*this, args, kwargs, result);
        } catch (...) {
        }
      });
    throw;
  }
}

}  // namespace ember::nn
