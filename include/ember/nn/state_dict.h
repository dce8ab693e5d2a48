#pragma once
// The types of Module::state_dict and Module::load_state_dict (torch.nn.Module's
// state_dict machinery): the state dict itself, the keys a load did not match,
// and the four kinds of hooks.
//
// A state dict is an insertion-ordered map from dotted names to tensors, in
// PyTorch's key order: per module its parameters, its persistent buffers, its
// "_extra_state", then its children, recursively and without deduplication (a
// module or a parameter reachable under two names is saved under both).
//
// Unlike PyTorch's, an ember state dict carries no "_metadata" (the modules'
// _version): load hooks get no local_metadata, and old checkpoint layouts are
// adapted by a load pre-hook that edits the state dict.
//
// Extra state: PyTorch lets get_extra_state() return any picklable object. In
// ember it is one Tensor (any dtype and shape; an undefined tensor stands for
// Python's None), so a state dict stays an OrderedDict<Tensor> that
// save_safetensors writes as is. Encode other data into a tensor (a counter as
// an int64 scalar, a string as uint8 bytes).
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "ember/core/ordered_dict.h"
#include "ember/core/removable_handle.h"
#include "ember/core/tensor.h"

namespace ember::nn {

class Module;

using StateDict = OrderedDict<Tensor>;

// The key suffix of a module's extra state ("<prefix>_extra_state").
inline constexpr const char* kExtraStateKeySuffix = "_extra_state";

// What load_state_dict returns (torch's _IncompatibleKeys): the model's keys the
// state dict lacks and the state dict's keys the model does not have, each in
// the order PyTorch finds them.
struct IncompatibleKeys {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;

  bool empty() const { return missing_keys.empty() && unexpected_keys.empty(); }
  // As Python prints it: "<All keys matched successfully>", or
  // "_IncompatibleKeys(missing_keys=['a'], unexpected_keys=[])".
  std::string str() const;
};
std::ostream& operator<<(std::ostream& os, const IncompatibleKeys& keys);

// The state of one load_state_dict call that a load pre-hook sees and may change
// (the arguments PyTorch passes to _load_from_state_dict beside the state dict
// and prefix): the keys found missing or unexpected so far and the error
// messages, which load_state_dict reports together at the end.
struct LoadStateDictContext {
  bool strict = true;  // the caller's strict (PyTorch always passes True here)
  bool assign = false;
  IncompatibleKeys keys;
  std::vector<std::string> error_msgs;
};

// hook(module, prefix, keep_vars), before module's own entries are saved.
using StateDictPreHook =
    std::function<void(Module& module, const std::string& prefix, bool keep_vars)>;
// hook(module, state_dict, prefix), after module and its children were saved;
// it may change state_dict in place (PyTorch's hook may also return a new one).
using StateDictHook =
    std::function<void(Module& module, StateDict& state_dict, const std::string& prefix)>;
// hook(module, state_dict, prefix, context), before module's own entries are
// loaded. state_dict is the module's own copy of the entries under prefix (its
// children's entries included): changes to it are what the module and its
// children load, and never reach the caller's dict.
using LoadStateDictPreHook =
    std::function<void(Module& module, StateDict& state_dict, const std::string& prefix,
                       LoadStateDictContext& context)>;
// hook(module, incompatible_keys), after module and its children were loaded
// (it sees their new values and the keys found so far, as in PyTorch); what it
// leaves in incompatible_keys counts for strict = true. To take a failing load
// back, a load into a tree with post-hooks keeps a copy of every tensor it
// overwrites until it succeeds (without post-hooks it checks everything first
// and copies nothing on failure).
using LoadStateDictPostHook =
    std::function<void(Module& module, IncompatibleKeys& incompatible_keys)>;

// (Internal) A module's state_dict hooks. Owned by the module through a shared_ptr so that
// a RemovableHandle (which holds a weak_ptr) works for hooks registered in a
// constructor and after the module is gone.
struct StateDictHooks {
  HookList<StateDictPreHook> state_dict_pre;
  HookList<StateDictHook> state_dict_post;
  HookList<LoadStateDictPreHook> load_pre;
  HookList<LoadStateDictPostHook> load_post;
};
// (Internal) The implementation of state_dict and load_state_dict (src/nn/state_dict.cpp).
class StateDictImpl;

}  // namespace ember::nn
