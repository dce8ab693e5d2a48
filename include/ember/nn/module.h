#pragma once
// nn::Module: a tree of modules owning parameters and buffers, with
// torch.nn.Module's registration rules, traversal order and deduplication.
// Modules are shared objects (std::shared_ptr): one module may sit in several
// places of a tree, and traversals then list it once, as PyTorch does.
//
// This file holds the tree (registration, children/modules/parameters/buffers
// and their named forms, get_submodule/get_parameter/get_buffer, apply, train/
// eval, requires_grad_, zero_grad). The call path with hooks, state_dict and
// conversions are further parts of issue 4.
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"
#include "ember/nn/parameter.h"
#include "ember/nn/state_dict.h"

namespace ember::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;

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
  // another kind of member (or by one of Module's own attributes, as in Python).
  // register_parameter keeps `param` itself (the caller's handle is the
  // parameter): it becomes a parameter and, if requires_grad, requires grad. An
  // undefined tensor registers "None" (like bias=None).
  Tensor& register_parameter(const std::string& name, Tensor param, bool requires_grad = true);
  // persistent = false keeps the buffer out of state_dict.
  Tensor& register_buffer(const std::string& name, Tensor tensor, bool persistent = true);
  // Returns the module, so members register in one line. nullptr registers "None".
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_module_impl(name, module);
    return module;
  }
  template <typename M>
  std::shared_ptr<M> add_module(const std::string& name, std::shared_ptr<M> module) {
    return register_module(name, std::move(module));
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

 protected:
  bool training_ = true;

 private:
  void add_module_impl(const std::string& name, ModulePtr module);
  // "attribute 'x' already exists" unless x is free or already of `kind`.
  void check_name(const std::string& name, const char* what, int kind) const;

  std::string name_;
  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  std::set<std::string> non_persistent_;
  OrderedDict<ModulePtr> children_;
  // state_dict / load_state_dict hooks, made on first registration.
  std::shared_ptr<StateDictHooks> state_dict_hooks_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// Makes a module held by a shared_ptr (modules are always shared).
template <typename M, typename... Args>
std::shared_ptr<M> make(Args&&... args) {
  return std::make_shared<M>(std::forward<Args>(args)...);
}

}  // namespace ember::nn
