#pragma once
// The machinery behind full backward hooks (torch.utils.hooks.BackwardHook):
// the module's tensor arguments and outputs pass through an identity autograd
// node ("BackwardHookFunctionBackward", torch's BackwardHookFunction). The
// node on the outputs sees grad_output first and runs the backward pre-hooks;
// the node on the arguments sees grad_input last and runs the backward hooks.
// Its outputs are views made "inside a custom Function": modifying them in
// place is an error, as in PyTorch.
#include <memory>
#include <optional>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn::detail {

class BackwardHookState {
 public:
  BackwardHookState(Module& module, std::vector<BackwardHookEntry> hooks,
                    std::vector<BackwardPreHookEntry> pre_hooks);
  // Replaces the tensors among args by their hooked views (when one requires grad).
  void setup_input_hook(Args& args);
  // The same for the output (a tuple's items, or the value itself).
  void setup_output_hook(Value& result);

 private:
  Module* module_;
  ModulePtr keep_alive_;  // the module stays alive while its graph may call hooks
  std::vector<BackwardHookEntry> hooks_;
  std::vector<BackwardPreHookEntry> pre_hooks_;
  std::optional<std::vector<Tensor>> grad_outputs_;
  size_t n_inputs_ = 0;
  size_t n_outputs_ = 0;
  std::optional<std::vector<size_t>> input_index_;
  std::optional<std::vector<size_t>> output_index_;
  std::weak_ptr<BackwardHookState> self_;
  friend std::shared_ptr<BackwardHookState> make_backward_hook_state(
      Module&, std::vector<BackwardHookEntry>, std::vector<BackwardPreHookEntry>);
};

std::shared_ptr<BackwardHookState> make_backward_hook_state(
    Module& module, std::vector<BackwardHookEntry> hooks,
    std::vector<BackwardPreHookEntry> pre_hooks);

}  // namespace ember::nn::detail
