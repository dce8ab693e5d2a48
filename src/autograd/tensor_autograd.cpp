// Tensor's autograd methods and the per-tensor bookkeeping ops rely on:
// gradient edges, leaf accumulators, view history, in-place rebasing.
#include "autograd/record.h"
#include "ember/autograd/engine.h"
#include "ops/op_utils.h"

namespace ember {

namespace autograd {

// Under a lock: threads running backward passes through one leaf (its
// accumulator, its gradient) may be the first to need its meta at the same
// time, and a second meta set over the first freed the one the other thread
// was using (AddressSanitizer, Engine.ThreadsAccumulateIntoASharedLeaf).
AutogradMeta& materialize_autograd_meta(const Tensor& t) {
  static std::mutex mu;
  TensorImpl* impl = t.impl();
  std::lock_guard<std::mutex> lock(mu);
  if (!impl->autograd_meta()) impl->set_autograd_meta(std::make_shared<AutogradMeta>());
  return *impl->autograd_meta();
}

namespace {

std::mutex accumulator_mutex;

// The leaf's AccumulateGrad, made on first need and shared while the graph holds it.
std::shared_ptr<Node> grad_accumulator(const Tensor& t) {
  AutogradMeta& m = materialize_autograd_meta(t);
  std::lock_guard<std::mutex> lock(accumulator_mutex);
  if (auto acc = m.grad_accumulator.lock()) return acc;
  // The accumulator holds the leaf by a handle of its own so that the user's
  // handle is not what keeps the graph alive.
  auto acc = std::make_shared<AccumulateGrad>(t);
  m.grad_accumulator = acc;
  return acc;
}

}  // namespace

std::shared_ptr<Node> grad_fn_of(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (impl->is_view()) {
    const auto& base = impl->view_base();
    const uint32_t v = impl->version();
    if (impl->view_attr_version() != v && base->requires_grad()) {
      Tensor b(base);
      auto node = std::make_shared<AsStridedBackward0>(Geometry::of(b), Geometry::of(t));
      node->add_next_edge(gradient_edge(b));
      impl->set_grad_fn(node, node->add_input_metadata(t));
      impl->set_view_attr_version(v);
    }
  }
  return impl->raw_grad_fn();
}

Edge gradient_edge(const Tensor& t) {
  if (auto fn = grad_fn_of(t)) return Edge(std::move(fn), t.impl()->output_nr());
  if (t.impl()->leaf_requires_grad()) return Edge(grad_accumulator(t), 0);
  return Edge();
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node) {
  TensorImpl* impl = out.impl();
  impl->set_grad_fn(node, node->add_input_metadata(out));
  if (impl->is_view()) {
    impl->set_view_attr_version(impl->version());
    // Ops compute their outputs untracked; a view made there is still a
    // tracked view of the op (not a no-grad-mode view).
    if (impl->view_creation_meta() == ViewCreationMeta::NoGradMode)
      impl->set_view_creation_meta(ViewCreationMeta::Default);
  }
}

void check_inplace_impl(const Tensor& self, bool requires_grad) {
  TensorImpl* impl = self.impl();
  if (impl->is_inference()) {
    EMBER_CHECK(is_inference_mode_enabled(), RuntimeError,
                "Inplace update to inference tensor outside InferenceMode is not allowed.You can "
                "make a clone to get a normal tensor before doing inplace update.See "
                "https://github.com/pytorch/rfcs/pull/17 for more details.");
  }
  if (!requires_grad) return;  // false when grad mode is off
  // Same order as PyTorch's check_inplace: how the view was made, then leaves.
  if (impl->is_view()) {
    switch (impl->view_creation_meta()) {
      case ViewCreationMeta::MultipleViews:
        throw RuntimeError(detail::str_cat(
            "Output ", impl->output_nr(), " of ", node_name(impl->raw_grad_fn().get()),
            " is a view and is being modified inplace. This view is the output of a function "
            "that returns multiple views. Such functions do not allow the output views to be "
            "modified inplace. You should replace the inplace operation by an out-of-place "
            "one."));
      case ViewCreationMeta::NoGradMode:
        throw RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. "
            "You can clarify your code by moving both the view and the inplace either both "
            "inside the no_grad block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked).");
      case ViewCreationMeta::InCustomFunction:
        throw RuntimeError(detail::str_cat(
            "Output ", impl->output_nr(), " of ", node_name(impl->raw_grad_fn().get()),
            " is a view and is being modified inplace. This view was created inside a custom "
            "Function (or because an input was returned as-is) and the autograd logic to handle "
            "view+inplace would override the custom backward associated with the custom "
            "Function, leading to incorrect gradients. This behavior is forbidden. You can fix "
            "this by cloning the output of the custom Function."));
      case ViewCreationMeta::InferenceMode:
        throw RuntimeError(
            "A view was created in inference mode and is being modified inplace in normal "
            "mode.");
      default:
        break;
    }
    const auto& base = impl->view_base();
    EMBER_CHECK(!(self.requires_grad() && base->leaf_requires_grad() && !base->raw_grad_fn()),
                RuntimeError,
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation.");
  }
  EMBER_CHECK(!(impl->leaf_requires_grad() && !grad_fn_of(self)), RuntimeError,
              "a leaf Variable that requires grad is being used in an in-place operation.");
}

void finish_inplace(const Tensor& self, const std::shared_ptr<Node>& node) {
  TensorImpl* impl = self.impl();
  impl->bump_version();
  if (!node) return;
  if (impl->is_view()) {
    Tensor base(impl->view_base());
    node->add_input_metadata(self);  // as torch's rebase_history: node takes the view's gradient
    auto cs = std::make_shared<CopySlices>(base, self, node);
    base.impl()->set_grad_fn(cs, 0);
    // self's grad_fn is rebuilt from the base on next use (its version moved on).
    impl->set_grad_fn(nullptr, 0);
  } else {
    impl->set_grad_fn(node, node->add_input_metadata(self));
  }
}

void mark_multiple_views(std::vector<Tensor>& views) {
  for (auto& v : views)
    if (v.impl()->is_view() && v.impl()->view_creation_meta() == ViewCreationMeta::Default)
      v.impl()->set_view_creation_meta(ViewCreationMeta::MultipleViews);
}

}  // namespace autograd

using autograd::AutogradMeta;
using autograd::get_autograd_meta;
using autograd::materialize_autograd_meta;

Tensor& Tensor::requires_grad_(bool r) {
  TensorImpl* impl = checked();
  EMBER_CHECK(is_leaf() || r, RuntimeError,
              "you can only change requires_grad flags of leaf variables. If you want to use a "
              "computed variable in a subgraph that doesn't require differentiation use "
              "var_no_grad = var.detach().");
  if (!is_leaf()) return *this;
  EMBER_CHECK(!r || is_floating_point(), RuntimeError,
              "only Tensors of floating point dtype can require gradients");
  impl->set_requires_grad(r);
  return *this;
}

bool Tensor::is_leaf() const { return autograd::grad_fn_of(*this) == nullptr; }

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  AutogradMeta* m = get_autograd_meta(*this);
  return m ? m->grad : undefined;
}

Tensor& Tensor::mutable_grad() const { return materialize_autograd_meta(*this).grad; }

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined()) {
    EMBER_CHECK(!g.is_same(*this), RuntimeError, "can't assign Variable as its own grad");
    EMBER_CHECK(g.dtype() == dtype(), RuntimeError, "assigned grad has data of a different type");
    EMBER_CHECK(g.device() == device(), RuntimeError,
                "assigned grad has data located on a different device");
    EMBER_CHECK(g.sizes() == sizes(), RuntimeError, "assigned grad has data of a different size");
  }
  materialize_autograd_meta(*this).grad = g;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const { return autograd::grad_fn_of(*this); }

void Tensor::retain_grad() const {
  EMBER_CHECK(requires_grad(), RuntimeError,
              "can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf()) return;  // leaves keep .grad anyway
  AutogradMeta& m = materialize_autograd_meta(*this);
  if (m.retains_grad) return;
  std::weak_ptr<TensorImpl> weak = impl_ptr();
  grad_fn()->set_retains_grad_hook(output_nr(), [weak](const Tensor& g) {
    auto impl = weak.lock();
    if (!impl) return;
    Tensor self(impl);
    AutogradMeta& meta = materialize_autograd_meta(self);
    std::lock_guard<std::mutex> lock(meta.mutex);
    if (!meta.grad.defined())
      meta.grad = g.clone();
    else
      meta.grad = meta.grad + g;
  });
  m.retains_grad = true;
}

bool Tensor::retains_grad() const {
  AutogradMeta* m = get_autograd_meta(*this);
  return m && m->retains_grad;
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const std::vector<Tensor>& inputs) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph, inputs);
}

RemovableHandle Tensor::register_hook_impl(std::function<Tensor(const Tensor&)> hook) const {
  EMBER_CHECK(requires_grad(), RuntimeError,
              "cannot register a hook on a tensor that doesn't require gradient");
  if (auto fn = grad_fn()) return fn->add_tensor_pre_hook(output_nr(), std::move(hook));
  AutogradMeta& m = materialize_autograd_meta(*this);
  const int64_t id = m.leaf_hooks.add(std::move(hook));
  std::weak_ptr<TensorImpl> weak = impl_ptr();
  return RemovableHandle([weak, id] {
    if (auto impl = weak.lock())
      if (auto* meta = impl->autograd_meta().get()) meta->leaf_hooks.erase(id);
  });
}

RemovableHandle Tensor::register_post_accumulate_grad_hook(
    std::function<void(Tensor&)> hook) const {
  EMBER_CHECK(requires_grad(), RuntimeError,
              "cannot register a hook on a tensor that doesn't require gradient");
  EMBER_CHECK(is_leaf(), RuntimeError,
              "post accumulate grad hooks cannot be registered on non-leaf tensors");
  AutogradMeta& m = materialize_autograd_meta(*this);
  const int64_t id = m.post_accumulate_grad_hooks.add(std::move(hook));
  std::weak_ptr<TensorImpl> weak = impl_ptr();
  return RemovableHandle([weak, id] {
    if (auto impl = weak.lock())
      if (auto* meta = impl->autograd_meta().get()) meta->post_accumulate_grad_hooks.erase(id);
  });
}

Tensor Tensor::data() const {
  TensorImpl* i = checked();
  return Tensor(std::make_shared<TensorImpl>(i->storage(), i->dtype(), i->sizes(), i->strides(),
                                             i->storage_offset()));
}

void Tensor::set_data(const Tensor& new_data) const {
  TensorImpl* i = checked();
  TensorImpl* n = new_data.checked();
  EMBER_CHECK(n->device().type == i->device().type, RuntimeError,
              "Attempted to call `variable.set_data(tensor)`, but `variable` and `tensor` have "
              "incompatible tensor type.");
  // A new dtype or device needs a new AccumulateGrad: the old one's input
  // metadata would cast later gradients back (torch's set_data does the same).
  if (auto* m = i->autograd_meta().get();
      m && (n->dtype() != i->dtype() || n->device() != i->device())) {
    std::lock_guard<std::mutex> lock(autograd::accumulator_mutex);
    m->grad_accumulator.reset();
  }
  i->set_storage(n->storage());
  i->set_dtype(n->dtype());
  i->set_sizes_and_strides(n->sizes(), n->strides(), n->storage_offset());
}

Tensor Tensor::_base() const {
  TensorImpl* i = checked();
  return i->is_view() ? Tensor(i->view_base()) : Tensor();
}

// detach shares data and version counter (a change through either is seen by
// saved-tensor checks) but not history.
Tensor Tensor::detach() const {
  TensorImpl* i = checked();
  auto d = std::make_shared<TensorImpl>(i->storage(), i->dtype(), i->sizes(), i->strides(),
                                        i->storage_offset());
  d->set_version_counter(i->version_counter());
  d->set_uninitialized(i->uninitialized());  // state_dict keeps a lazy tensor lazy
  return Tensor(std::move(d));
}

Tensor& Tensor::detach_() {
  TensorImpl* i = checked();
  EMBER_CHECK(!i->is_view(), RuntimeError,
              "Can't detach views in-place. Use detach() instead. If you are using "
              "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
              "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
              "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
              "function in torch/optim/optimizer.py as the solution.");
  i->set_grad_fn(nullptr, 0);
  i->set_requires_grad(false);
  return *this;
}

}  // namespace ember
