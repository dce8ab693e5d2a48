#include "ember/autograd/saved_variable.h"

#include "autograd/functions.h"
#include "ember/autograd/node.h"
#include "ember/core/grad_mode.h"
#include "ops/op_utils.h"

namespace ember::autograd {

SavedVariable::SavedVariable(const Tensor& t, bool is_output,
                             const std::shared_ptr<Node>& copy_slices) {
  if (!t.defined()) return;
  TensorImpl* impl = t.impl();
  EMBER_CHECK(!impl->is_inference() || is_inference_mode_enabled(), RuntimeError,
              "Inference tensors cannot be saved for backward. To work around you can make a "
              "clone to get a normal tensor and use it in autograd.");
  was_defined_ = true;
  is_output_ = is_output;
  requires_grad_ = t.requires_grad();
  is_leaf_ = !is_output && impl->raw_grad_fn() == nullptr;
  output_nr_ = impl->output_nr();
  saved_version_ = impl->version_counter()->version.load();
  if (is_output && copy_slices) {
    copy_slices_ = copy_slices;
    inplace_on_view_ = true;
  }
  if (!is_output) {
    data_ = t;
    return;
  }
  // An alias without history: same storage, geometry and version counter.
  auto alias = std::make_shared<TensorImpl>(impl->storage(), impl->dtype(), impl->sizes(),
                                            impl->strides(), impl->storage_offset());
  alias->set_version_counter(impl->version_counter());
  data_ = Tensor(std::move(alias));
}

Tensor SavedVariable::unpack(const std::shared_ptr<Node>& saved_for) const {
  if (!was_defined_) return Tensor();
  EMBER_CHECK(data_.defined(), RuntimeError,
              "Trying to backward through the graph a second time (or directly access saved "
              "tensors after they have already been freed). Saved intermediate values of the "
              "graph are freed when you call .backward() or autograd.grad(). Specify "
              "retain_graph=True if you need to backward through the graph a second time or if "
              "you need to access saved tensors after calling backward.");
  TensorImpl* impl = data_.impl();
  const uint32_t current = impl->version();
  if (current != saved_version_) {
    std::string who;
    if (is_output_) {
      who = detail::str_cat(", which is output ", output_nr_, " of ", node_name(saved_for.get()),
                            ",");
    } else if (auto fn = impl->raw_grad_fn()) {
      who = detail::str_cat(", which is output ", impl->output_nr(), " of ", fn->name(), ",");
    }
    throw RuntimeError(detail::str_cat(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [",
        ops::legacy_type_name(impl->dtype(), impl->device()), " ", data_.sizes(), "]", who,
        " is at version ", current, "; expected version ", saved_version_,
        " instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with torch.autograd.set_detect_anomaly(True)."));
  }
  // Outputs get their node back when the backward itself is being recorded
  // (create_graph), so that higher-order gradients flow through it.
  if (is_output_ && requires_grad_ && saved_for && is_grad_enabled()) {
    std::shared_ptr<Node> fn = saved_for;
    uint32_t nr = output_nr_;
    if (inplace_on_view_) {
      // The CopySlices is gone only when nothing downstream of the base or
      // the view is left to differentiate; the result then needs no history.
      auto cs = std::static_pointer_cast<CopySlices>(copy_slices_.lock());
      if (!cs) return data_;
      fn = cs->view_grad_fn(data_);
      nr = 0;
    }
    auto t = std::make_shared<TensorImpl>(impl->storage(), impl->dtype(), impl->sizes(),
                                          impl->strides(), impl->storage_offset());
    t->set_version_counter(impl->version_counter());
    t->set_grad_fn(fn, nr);
    return Tensor(std::move(t));
  }
  return data_;
}

}  // namespace ember::autograd
