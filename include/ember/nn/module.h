#pragma once
// nn::Module: a tree of modules owning parameters and buffers, with
// torch.nn.Module's registration rules, traversal order and deduplication.
// Modules are shared objects (std::shared_ptr): one module may sit in several
// places of a tree, and traversals then list it once, as PyTorch does.
//
// A module is called through its handle (nn::Handle<M>, what nn::make<M> and
// register_module return): net(x) runs the hooks and M::forward (see
// nn/module_call.h and nn/module_hooks.h).
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"
#include "ember/nn/module_call.h"
#include "ember/nn/module_hooks.h"
#include "ember/nn/parameter.h"
#include "ember/nn/state_dict.h"
#include "ember/nn/value.h"

namespace ember::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;
namespace detail {
class CloneMemo;
}

// A shared handle to a module of type M whose operator() calls the module
// (hooks, then M::forward): what make<M> and register_module return.
template <typename M>
class Handle : public std::shared_ptr<M> {
 public:
  Handle() = default;
  Handle(std::nullptr_t) {}     // NOLINT(google-explicit-constructor)
  Handle(std::shared_ptr<M> p)  // NOLINT(google-explicit-constructor)
      : std::shared_ptr<M>(std::move(p)) {}
  template <typename U>
  requires std::is_convertible_v<U*, M*> Handle(
      std::shared_ptr<U> p)  // NOLINT(google-explicit-constructor)
      : std::shared_ptr<M>(std::move(p)) {}

  template <typename... A>
  auto operator()(A&&... a) const;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  // A name for printing and error messages (PyTorch's _get_name(), the class
  // name); by default the C++ class name without namespaces.
  explicit Module(std::string name) : name_(std::move(name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  std::string name() const;
  // The module tree as PyTorch's repr prints it; extra_repr() is this module's
  // own line ("in_features=4, out_features=2, bias=True").
  virtual std::string extra_repr() const { return ""; }
  std::string str() const;

  // ---- registration. Names may not be empty, contain '.', or be taken by
  // another kind of member or by an attribute Python's hasattr finds on the
  // class (nn.Module's methods and attributes in PyTorch 1.13, and those
  // Sequential, ModuleList and ModuleDict add: "append", "keys" ...).
  // register_parameter keeps `param` itself (the caller's handle is the
  // parameter): it becomes a parameter and, if requires_grad, requires grad. An
  // undefined tensor registers "None" (like bias=None).
  Tensor& register_parameter(const std::string& name, Tensor param, bool requires_grad = true);
  // persistent = false keeps the buffer out of state_dict.
  Tensor& register_buffer(const std::string& name, Tensor tensor, bool persistent = true);
  // The same, for a member's own handle (Linear::weight is `member`): the
  // member follows whatever is registered under `name` from now on, as
  // torch's forward finds self.weight in _parameters. So tying weights as in
  // PyTorch (dec.weight = enc.weight) is
  //   dec->register_parameter("weight", enc->weight);
  // (forward, parameters() and state_dict then all see enc's tensor), and a
  // clone's tied tensors stay tied. Assigning the member alone
  // (dec->weight = ...) changes neither parameters() nor state_dict.
  Tensor& register_parameter(const std::string& name, Tensor param, Tensor* member,
                             bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor tensor, Tensor* member,
                          bool persistent = true);
  // Returns the module, so members register in one line. nullptr registers "None".
  // A module not made by make<M> learns here how to be called with values.
  template <typename M>
  Handle<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_module_impl(name, module);
    if (module && !module->forward_thunk_) module->forward_thunk_ = detail::forward_thunk_for<M>();
    return module;
  }
  template <typename M>
  Handle<M> add_module(const std::string& name, std::shared_ptr<M> module) {
    return register_module(name, std::move(module));
  }

  // ---- clone (src/nn/module_clone.cpp): a deep copy, as copy.deepcopy(module).
  // Every module of the tree is constructed again with the arguments make<M>
  // was given (module and tensor arguments that belong to the tree replaced
  // by their copies), then gets the original's state: parameters and buffers
  // (values, dtypes, strides, requires_grad, .grad), members registered or
  // replaced after construction, persistence, training mode and extra state.
  // What is shared stays shared: a module or tensor reachable under several
  // names has one copy. Plain C++ members the constructor does not set are
  // not copied, and hooks are those the constructor registers (a C++ closure
  // cannot be rebound to the copy). A module not made by make<M> with
  // copyable arguments cannot be constructed again: RuntimeError.
  ModulePtr clone() const;

  // ---- calling (src/nn/module_call.cpp). Handle<M>::operator() is the typed
  // call; call() calls with values, for code that does not know M (containers).
  Value call(Args args, Kwargs kwargs = {});
  // The module's forward with values, without hooks (the thunk make<M> recorded).
  Value forward_values(Args& args, Kwargs& kwargs);
  // Whether a call must run hooks: this module's or global ones.
  bool has_call_hooks() const noexcept {
    return (call_hooks_ && call_hooks_->any()) ||
           detail::global_call_hook_count.load(std::memory_order_relaxed) != 0;
  }
  // Runs the hooks in PyTorch's order around forward(args, kwargs).
  Value call_with_hooks(Args args, Kwargs kwargs,
                        detail::FunctionRef<Value(Args&, Kwargs&)> forward);

  // ---- hooks (see nn/module_hooks.h for the signatures a hook may have)
  // hook(module, args[, kwargs]) before forward; may replace args (and kwargs).
  template <typename F>
  RemovableHandle register_forward_pre_hook(F hook, ForwardPreHookOptions options = {}) {
    return add_hook(detail::make_forward_pre_entry(std::move(hook), options.with_kwargs),
                    options.prepend);
  }
  // hook(module, args[, kwargs], output) after forward; may replace the output.
  template <typename F>
  RemovableHandle register_forward_hook(F hook, ForwardHookOptions options = {}) {
    return add_hook(detail::make_forward_entry(std::move(hook), options), options.prepend);
  }
  // hook(module, grad_output) when the gradients w.r.t. the module's outputs
  // are known; may replace them.
  template <typename F>
  RemovableHandle register_full_backward_pre_hook(F hook, BackwardHookOptions options = {}) {
    return add_hook(detail::BackwardPreHookEntry{detail::next_hook_id(),
                                                 detail::make_backward_pre_fn(std::move(hook))},
                    options.prepend);
  }
  // hook(module, grad_input, grad_output) when the gradients w.r.t. the
  // module's tensor arguments are computed; may replace grad_input.
  template <typename F>
  RemovableHandle register_full_backward_hook(F hook, BackwardHookOptions options = {}) {
    return add_backward_hook({detail::next_hook_id(), detail::make_backward_fn(std::move(hook))},
                             true, options.prepend);
  }
  // Legacy: a hook on the grad_fn of the module's first output tensor (grad_input
  // are that node's input gradients, not the module's). Prefer the full hook.
  template <typename F>
  RemovableHandle register_backward_hook(F hook) {
    return add_backward_hook({detail::next_hook_id(), detail::make_backward_fn(std::move(hook))},
                             false, false);
  }

  // ---- the tree, in registration order
  std::vector<ModulePtr> children() const;
  std::vector<std::pair<std::string, ModulePtr>> named_children() const;
  std::vector<ModulePtr> modules();
  // memo: modules already listed (shared across calls as in PyTorch).
  std::vector<std::pair<std::string, ModulePtr>> named_modules(
      std::set<const Module*>* memo = nullptr, const std::string& prefix = "",
      bool remove_duplicate = true);
  std::vector<Tensor> parameters(bool recurse = true);
  std::vector<std::pair<std::string, Tensor>> named_parameters(const std::string& prefix = "",
                                                               bool recurse = true,
                                                               bool remove_duplicate = true);
  std::vector<Tensor> buffers(bool recurse = true);
  std::vector<std::pair<std::string, Tensor>> named_buffers(const std::string& prefix = "",
                                                            bool recurse = true,
                                                            bool remove_duplicate = true);

  // Dotted-path lookups with PyTorch's AttributeError messages.
  ModulePtr get_submodule(const std::string& target);
  Tensor get_parameter(const std::string& target);
  Tensor get_buffer(const std::string& target);

  // This module's own members (PyTorch's _parameters, _buffers, _modules).
  const OrderedDict<Tensor>& named_parameters_local() const { return parameters_; }
  const OrderedDict<Tensor>& named_buffers_local() const { return buffers_; }
  const OrderedDict<ModulePtr>& named_children_local() const { return children_; }
  bool is_persistent_buffer(const std::string& name) const {
    return non_persistent_.count(name) == 0;
  }

  // ---- modes and gradients
  // fn on every submodule (children first), then on this module.
  Module& apply(const std::function<void(Module&)>& fn);
  Module& train(bool mode = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  Module& requires_grad_(bool requires_grad = true);
  // set_to_none = false zeroes the gradients in place instead.
  void zero_grad(bool set_to_none = true);

  // ---- state_dict (src/nn/state_dict.cpp; the types are in nn/state_dict.h)
  // The module's state in PyTorch's key order: per module its parameters and
  // persistent buffers (None ones left out), "_extra_state", then its children,
  // recursively and without deduplication. Keys are prefix + dotted name
  // (prefix taken literally, as PyTorch: "model." gives "model.weight").
  // keep_vars = false gives detached tensors sharing the data, true the
  // module's own tensors.
  StateDict state_dict(const std::string& prefix = "", bool keep_vars = false);
  // Copies state_dict into the parameters and persistent buffers of the tree
  // (converting dtypes as Tensor::copy_, under NoGradGuard) and returns the
  // missing and unexpected keys. Errors (missing or unexpected keys when
  // strict, size mismatches, bad values) are collected and thrown together as
  // one RuntimeError in PyTorch's words; a load that throws leaves the module
  // exactly as it was (values, versions, extra state). assign = true makes each
  // parameter and buffer take the state dict's tensor (its storage, dtype and
  // device) instead of copying into it; unlike PyTorch the module keeps its
  // tensor objects (handles stay valid, tied parameters stay tied) and a
  // parameter keeps its requires_grad and loses its .grad.
  IncompatibleKeys load_state_dict(const StateDict& state_dict, bool strict = true,
                                   bool assign = false);
  // Extra state saved under "<prefix>_extra_state" (see nn/state_dict.h). A
  // module has extra state when get_extra_state() returns a value (PyTorch asks
  // whether the method is overridden); override both methods together.
  // load_state_dict calls set_extra_state with the saved tensor.
  virtual std::optional<Tensor> get_extra_state() const { return std::nullopt; }
  virtual void set_extra_state(const Tensor& state);
  // state_dict hooks, run in registration order (see nn/state_dict.h).
  // register_state_dict_post_hook is register_state_dict_hook's newer name.
  RemovableHandle register_state_dict_pre_hook(StateDictPreHook hook);
  RemovableHandle register_state_dict_hook(StateDictHook hook);
  RemovableHandle register_state_dict_post_hook(StateDictHook hook) {
    return register_state_dict_hook(std::move(hook));
  }
  RemovableHandle register_load_state_dict_pre_hook(LoadStateDictPreHook hook);
  RemovableHandle register_load_state_dict_post_hook(LoadStateDictPostHook hook);
  friend class StateDictImpl;
  // ---- conversions (nn/module_conversions.cpp), in place, returning *this.
  // Every parameter, its .grad and every buffer, recursively, gets the
  // converted data while keeping its TensorImpl (PyTorch's `param.data =
  // fn(param)`), so handles held by members or users stay valid; buffers too
  // (PyTorch rebinds those). Arguments are checked against every tensor first:
  // a bad call leaves the module as it was.
  // to(dtype): only floating-point tensors change; dtype must be floating
  // (TypeError "nn.Module.to only accepts floating point or complex dtypes...").
  // memory_format applies to 4-D and 5-D tensors only (channels_last on a 5-D
  // one is an error, as in PyTorch).
  Module& to(const Device& device, std::optional<DType> dtype = std::nullopt,
             bool non_blocking = false, std::optional<MemoryFormat> memory_format = std::nullopt);
  Module& to(DType dtype, bool non_blocking = false);
  // The dtype and device of `other`.
  Module& to(const Tensor& other, bool non_blocking = false);
  Module& to(MemoryFormat memory_format);
  Module& cpu();
  // DeviceError while ember has no CUDA backend (if there is anything to move).
  Module& cuda(std::optional<int> device = std::nullopt);
  // No IPU / XPU backend: DeviceError (if there is anything to move).
  Module& ipu(std::optional<int> device = std::nullopt);
  Module& xpu(std::optional<int> device = std::nullopt);
  // Every tensor, integer ones too, to dst_type (torch's Module.type).
  Module& type(DType dst_type);
  // Floating-point tensors only (Tensor's spelling: float_ and double_).
  Module& float_();
  Module& double_();
  Module& half();
  Module& bfloat16();
  // Uninitialised tensors of the same shapes, dtypes and strides on `device`:
  // a module built on kMeta gets real storage with to_empty(kCPU).
  Module& to_empty(const Device& device);
  // Moves every storage into shared memory (see core/shared_memory.h): a
  // process fork()ed afterwards shares the parameters' bytes with this one.
  Module& share_memory();

 protected:
  // PyTorch's _apply: fn on every parameter (under NoGradGuard), its .grad and
  // every buffer, children first; a result other than the tensor itself becomes
  // its data (TensorImpl kept). Virtual so a module can refresh derived state
  // after its tensors change (as torch's RNN re-flattens its weights).
  virtual Module& _apply(const std::function<Tensor(const Tensor&)>& fn);
  // The name printing uses from now on (torch's lazy modules change class).
  void set_name(std::string name) { name_ = std::move(name); }
  // For containers (nn/modules/container.h), which rearrange and delete their
  // own members as PyTorch's write self._modules and call delattr.
  OrderedDict<ModulePtr>& mutable_children() { return children_; }
  OrderedDict<Tensor>& mutable_parameters() { return parameters_; }
  // Python's hasattr on the class: nn.Module's methods and attributes
  // (PyTorch 1.13's dir(nn.Module())); a subclass adds its own (Sequential's
  // "append" ...). No member may be registered under such a name.
  virtual bool class_has_attribute(const std::string& name) const;

 protected:
  bool training_ = true;

 private:
  template <typename M, typename... A>
  friend Handle<M> make(A&&... args);
  friend class detail::CloneMemo;
  RemovableHandle add_hook(detail::ForwardPreHookEntry e, bool prepend);
  RemovableHandle add_hook(detail::ForwardHookEntry e, bool prepend);
  RemovableHandle add_hook(detail::BackwardPreHookEntry e, bool prepend);
  RemovableHandle add_backward_hook(detail::BackwardHookEntry e, bool full, bool prepend);
  detail::CallHooks& call_hooks();

  void add_module_impl(const std::string& name, ModulePtr module);
  // Points the tracked members (register_parameter/buffer with a member) at
  // their slots: all of them, or those registered under `name`.
  void sync_members(const std::string* name = nullptr);
  void track(const std::string& name, Tensor* member, bool parameter);
  // "attribute 'x' already exists" unless x is free or already of `kind`.
  void check_name(const std::string& name, const char* what, int kind) const;

  std::string name_;
  // (name, member of this object, a parameter's or else a buffer's).
  struct TrackedMember {
    std::string name;
    Tensor* member;
    bool parameter;
  };
  std::vector<TrackedMember> members_;
  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  std::set<std::string> non_persistent_;
  OrderedDict<ModulePtr> children_;
  // state_dict / load_state_dict hooks, made on first registration.
  std::shared_ptr<StateDictHooks> state_dict_hooks_;
  // Call hooks, made on first registration (handles hold weak_ptrs).
  std::shared_ptr<detail::CallHooks> call_hooks_;
  // How to call forward with values, and how to construct a fresh copy of
  // this module (make<M> remembers its arguments; used by clone()).
  detail::ForwardThunk forward_thunk_ = nullptr;
  std::function<ModulePtr(detail::CloneMemo&)> factory_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

namespace detail {

// The state of one Module::clone() (deepcopy's memo): originals to copies.
class CloneMemo {
 public:
  explicit CloneMemo(const Module& root);
  // The copy of a module of the tree (made on first use).
  ModulePtr module(const Module& orig);
  // A constructor argument: the copy of a module of the tree, other modules as they are.
  ModulePtr module_arg(const ModulePtr& m);
  // The copy of a parameter or buffer of the tree; other tensors as they are.
  Tensor tensor(const Tensor& t);

 private:
  Tensor copy_of(const Tensor& t);
  void transfer(const Module& orig, Module& fresh);
  std::unordered_map<const Module*, ModulePtr> modules_;
  std::unordered_map<const TensorImpl*, Tensor> tensors_;
  std::unordered_set<const Module*> orig_modules_, adopted_modules_;
  std::unordered_set<const TensorImpl*> orig_tensors_, adopted_tensors_;
};

template <typename T>
struct is_module_ptr : std::false_type {};
template <typename T>
requires requires {
  typename T::element_type;
} && std::is_convertible_v<T, std::shared_ptr<typename T::element_type>> &&
    std::is_base_of_v<Module, typename T::element_type>
struct is_module_ptr<T> : std::true_type {
};

template <typename T>
struct is_vector : std::false_type {};
template <typename T>
struct is_vector<std::vector<T>> : std::true_type {};
template <typename T>
struct is_ordered_dict : std::false_type {};
template <typename T>
struct is_ordered_dict<OrderedDict<T>> : std::true_type {};

// A constructor argument of a module being cloned: modules and tensors of the
// tree become their copies (in containers too), anything else is copied.
template <typename T>
T clone_arg(CloneMemo& memo, const T& a) {
  if constexpr (is_module_ptr<T>::value) {
    using E = typename T::element_type;
    if (!a) return a;
    return T(std::static_pointer_cast<E>(memo.module_arg(a)));
  } else if constexpr (std::is_same_v<T, Tensor>) {
    return memo.tensor(a);
  } else if constexpr (std::is_base_of_v<Tensor, T>) {
    T out = a;
    static_cast<Tensor&>(out) = memo.tensor(a);
    return out;
  } else if constexpr (is_vector<T>::value) {
    T out;
    out.reserve(a.size());
    for (const auto& x : a) out.push_back(clone_arg(memo, x));
    return out;
  } else if constexpr (is_ordered_dict<T>::value) {
    T out;
    for (const auto& [k, x] : a) out.insert(k, clone_arg(memo, x));
    return out;
  } else {
    return a;
  }
}

}  // namespace detail

// Makes a module held by a shared_ptr (modules are always shared) and records
// how to call it with values and, where the arguments are copyable, how to make
// another one like it (clone()).
template <typename M, typename... A>
Handle<M> make(A&&... args) {
  static_assert(std::is_base_of_v<Module, M>, "nn::make<M>: M must derive from nn::Module");
  std::shared_ptr<M> m;
  if constexpr ((std::is_copy_constructible_v<std::decay_t<A>> && ...)) {
    auto saved = std::make_shared<std::tuple<std::decay_t<A>...>>(std::forward<A>(args)...);
    m = std::apply([](const auto&... a) { return std::make_shared<M>(a...); }, *saved);
    m->factory_ = [saved](detail::CloneMemo& memo) -> ModulePtr {
      return std::apply(
          [&memo](const auto&... a) { return ModulePtr(make<M>(detail::clone_arg(memo, a)...)); },
          *saved);
    };
  } else {
    m = std::make_shared<M>(std::forward<A>(args)...);
  }
  m->forward_thunk_ = detail::forward_thunk_for<M>();
  return m;
}

namespace detail {

// A hooked typed call: the caller's arguments become values (a trailing
// Kwargs becomes the keyword arguments), hooks and forward run, the result
// converts back to forward's return type.
template <typename M, typename... A>
auto call_hooked(M& m, A&&... a) {
  using R = std::remove_cvref_t<decltype(m.forward(std::forward<A>(a)...))>;
  constexpr size_t n = sizeof...(A);
  constexpr bool kw_last = [] {
    if constexpr (n > 0)
      return is_kwargs_v<std::tuple_element_t<n - 1, std::tuple<A...>>>;
    else
      return false;
  }();
  constexpr size_t npos = kw_last ? n - 1 : n;
  Args args;
  Kwargs kwargs;
  args.reserve(npos);
  auto refs = std::forward_as_tuple(a...);
  [&]<size_t... I>(std::index_sequence<I...>) {
    (args.push_back(to_value(
         static_cast<const stored_arg_t<decltype(std::get<I>(refs))>&>(std::get<I>(refs)))),
     ...);
  }
  (std::make_index_sequence<npos>{});
  if constexpr (kw_last) kwargs = std::get<n - 1>(refs);
  auto run = [&m](Args& args, Kwargs& kwargs) -> Value {
    if (args.size() != npos) throw_forward_arity(m, npos, args.size());
    return [&]<size_t... I>(std::index_sequence<I...> seq) {
      return invoke_forward<M, stored_arg_t<std::tuple_element_t<I, std::tuple<A...>>>...>(
          m, args, kwargs, seq);
    }
    (std::make_index_sequence<npos>{});
  };
  Value out = m.call_with_hooks(std::move(args), std::move(kwargs), run);
  if constexpr (!std::is_void_v<R>) return from_value<R>(out);
}

}  // namespace detail

// m->clone() as a Handle<M>.
template <typename M>
Handle<M> clone(const std::shared_ptr<M>& m) {
  return std::static_pointer_cast<M>(m->clone());
}

// Calls m as Python's m(*args): hooks (if any) and M::forward.
template <typename M, typename... A>
auto call(M& m, A&&... a) {
  using R = std::remove_cvref_t<decltype(m.forward(std::forward<A>(a)...))>;
  if (!m.has_call_hooks()) [[likely]] {
    if constexpr (std::is_void_v<R>)
      m.forward(std::forward<A>(a)...);
    else
      return R(m.forward(std::forward<A>(a)...));
  } else {
    return detail::call_hooked(m, std::forward<A>(a)...);
  }
}

template <typename M>
template <typename... A>
auto Handle<M>::operator()(A&&... a) const {
  return nn::call(**this, std::forward<A>(a)...);
}

}  // namespace ember::nn
