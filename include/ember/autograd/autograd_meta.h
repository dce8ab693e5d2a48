#pragma once
// The autograd state of a tensor that is not needed on every tensor: the
// accumulated .grad, the leaf's gradient accumulator, hooks. Made on first use.
#include <functional>
#include <memory>
#include <mutex>

#include "ember/autograd/node.h"
#include "ember/core/removable_handle.h"
#include "ember/core/tensor.h"

namespace ember::autograd {

struct AutogradMeta {
  Tensor grad;
  // A leaf's AccumulateGrad node; weak so that the graph owns it.
  std::weak_ptr<Node> grad_accumulator;
  bool retains_grad = false;
  // Hooks on a leaf's gradient (a non-leaf's live on its grad_fn).
  HookList<TensorHook> leaf_hooks;
  HookList<std::function<void(Tensor&)>> post_accumulate_grad_hooks;
  // Serialises accumulation into .grad when threads share leaves.
  std::mutex mutex;
};

// The tensor's AutogradMeta, made if missing.
AutogradMeta& materialize_autograd_meta(const Tensor& t);
// nullptr when the tensor has none.
inline AutogradMeta* get_autograd_meta(const Tensor& t) { return t.impl()->autograd_meta().get(); }

}  // namespace ember::autograd
