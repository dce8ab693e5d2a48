#pragma once
// Calling a module: nn::Handle<M> (what nn::make<M> and register_module
// return) is a std::shared_ptr<M> whose operator() calls M::forward with the
// caller's arguments, as Python's module(x) calls forward. With no hooks on
// the module and no global hooks that is one branch and a direct, inlinable
// call of the typed forward. Otherwise the arguments become nn::Values, the
// hooks run in PyTorch's order around forward (Module::call_with_hooks), and
// the (maybe replaced) arguments and result are converted back.
//
// Keyword arguments: a forward whose last parameter is `const nn::Kwargs&`
// takes them; callers pass an nn::Kwargs last (net(x, nn::Kwargs{{"mask", m}})).
//
// Modules can also be called without knowing their type, with values:
// Module::call(args, kwargs) (what Sequential does). That goes through a
// forward "thunk" that make<M>/register_module<M> record from M::forward's
// signature; it needs a forward that is not overloaded or a template (or one
// callable with a single Tensor).
#include <cstddef>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ember/nn/value.h"

namespace ember::nn {

class Module;

namespace detail {

// A non-owning reference to a callable (the forward a hooked call runs).
template <typename Sig>
class FunctionRef;
template <typename R, typename... A>
class FunctionRef<R(A...)> {
 public:
  template <typename F>
  FunctionRef(F& f)  // NOLINT(google-explicit-constructor)
      : obj_(static_cast<void*>(&f)),
        call_([](void* o, A... a) -> R { return (*static_cast<F*>(o))(std::forward<A>(a)...); }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

using ForwardThunk = Value (*)(Module&, Args&, Kwargs&);

// The type a caller's argument travels as while hooks see it.
template <typename A>
using stored_arg_t =
    std::conditional_t<std::is_base_of_v<Tensor, std::decay_t<A>>, Tensor,
                       std::conditional_t<std::is_convertible_v<std::decay_t<A>, const char*>,
                                          std::string, std::decay_t<A>>>;

template <typename T>
inline constexpr bool is_kwargs_v = std::is_same_v<std::remove_cvref_t<T>, Kwargs>;

template <typename T>
struct MemFn {
  static constexpr bool known = false;
};
#define EMBER_MEMFN_TRAITS(QUAL)                   \
  template <typename R, typename C, typename... P> \
  struct MemFn<R (C::*)(P...) QUAL> {              \
    static constexpr bool known = true;            \
    using ret = R;                                 \
    using params = std::tuple<P...>;               \
  };
EMBER_MEMFN_TRAITS()
EMBER_MEMFN_TRAITS(const)
EMBER_MEMFN_TRAITS(noexcept)
EMBER_MEMFN_TRAITS(const noexcept)
#undef EMBER_MEMFN_TRAITS

// M::forward's signature when it is one (non-template, non-overloaded) function.
template <typename M, typename = void>
struct ForwardOf {
  static constexpr bool known = false;
};
template <typename M>
struct ForwardOf<M, std::void_t<decltype(&M::forward)>> : MemFn<decltype(&M::forward)> {};

[[noreturn]] void throw_forward_arity(Module& m, size_t expected, size_t given);
[[noreturn]] void throw_unexpected_kwarg(Module& m, const Kwargs& kwargs);
// PyTorch's 'Module [Name] is missing the required "forward" function', or
// a forward the thunk cannot call (overloaded, a template, odd parameters).
[[noreturn]] void throw_untyped_forward(Module& m);

template <typename F>
Value call_result(F&& f) {
  using R = decltype(f());
  if constexpr (std::is_void_v<R>) {
    f();
    return Value();
  } else {
    return to_value(f());
  }
}

// Runs m.forward(from_value<Ps>(args)..., [kwargs]) for the stored types Ps;
// kwargs go to a forward that takes them (as its last parameter).
template <typename M, typename... Ps, size_t... I>
Value invoke_forward(M& m, Args& args, Kwargs& kwargs, std::index_sequence<I...>) {
  constexpr bool with_kw = requires(M & mm, Ps && ... ps, const Kwargs& kw) {
    mm.forward(std::move(ps)..., kw);
  };
  constexpr bool without_kw = requires(M & mm, Ps && ... ps) { mm.forward(std::move(ps)...); };
  if constexpr (with_kw) {
    if (!kwargs.empty() || !without_kw)
      return call_result(
          [&]() -> decltype(auto) { return m.forward(from_value<Ps>(args[I])..., kwargs); });
  }
  if constexpr (without_kw) {
    if (!kwargs.empty()) throw_unexpected_kwarg(m, kwargs);
    return call_result([&]() -> decltype(auto) { return m.forward(from_value<Ps>(args[I])...); });
  } else {
    throw_untyped_forward(m);
  }
}

template <typename M, typename Params, size_t... I>
Value thunk_known(M& m, Args& args, Kwargs& kwargs, std::index_sequence<I...> seq) {
  return invoke_forward<M, std::remove_cvref_t<std::tuple_element_t<I, Params>>...>(m, args, kwargs,
                                                                                    seq);
}

// The type-erased forward of M (see the file comment).
template <typename M>
Value forward_thunk(Module& self, Args& args, Kwargs& kwargs) {
  M& m = static_cast<M&>(self);
  if constexpr (ForwardOf<M>::known) {
    using P = typename ForwardOf<M>::params;
    constexpr size_t n = std::tuple_size_v<P>;
    constexpr bool kw = [] {
      if constexpr (n > 0)
        return is_kwargs_v<std::tuple_element_t<n - 1, P>>;
      else
        return false;
    }();
    constexpr size_t npos = kw ? n - 1 : n;
    if (args.size() != npos) throw_forward_arity(self, npos, args.size());
    if (!kw && !kwargs.empty()) throw_unexpected_kwarg(self, kwargs);
    return thunk_known<M, P>(m, args, kwargs, std::make_index_sequence<npos>{});
  } else if constexpr (requires(M & mm, const Tensor& t) { mm.forward(t); }) {
    // An overloaded or template forward that takes one tensor.
    if (args.size() != 1) throw_forward_arity(self, 1, args.size());
    if (!kwargs.empty()) throw_unexpected_kwarg(self, kwargs);
    return call_result([&]() -> decltype(auto) { return m.forward(from_value<Tensor>(args[0])); });
  } else {
    throw_untyped_forward(self);
  }
}

template <typename M>
ForwardThunk forward_thunk_for() {
  if constexpr (std::is_same_v<M, Module>)
    return nullptr;
  else
    return &forward_thunk<M>;
}

}  // namespace detail
}  // namespace ember::nn
