#include "autograd/functions.h"

#include "autograd/record.h"
#include "ember/core/grad_mode.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember::autograd {

namespace {

// A gradient stored in .grad gets the leaf's strides when the leaf is dense
// (PyTorch's "gradient layout contract"), so channels_last weights get
// channels_last gradients.
Tensor clone_obey_contract(const Tensor& g, const Tensor& variable) {
  if (variable.is_non_overlapping_and_dense()) {
    Tensor r = empty_strided(variable.sizes(), variable.strides(), g.options());
    r.copy_(g);
    return r;
  }
  return g.clone(MemoryFormat::Contiguous);
}

bool obeys_contract(const Tensor& g, const Tensor& variable) {
  return !variable.is_non_overlapping_and_dense() || g.strides() == variable.strides();
}

// Nobody else can see g's memory: g is its only handle and its storage is held
// by g alone, or by g and the base of which it is the only view (a weight's
// gradient arrives as grad.t(), a bias's as a view of a sum).
bool stealable(const Tensor& g) {
  if (g.use_count() != 1 || g.requires_grad()) return false;
  if (!g.is_view()) return g.storage().use_count() == 1;
  return g.impl()->view_base().use_count() == 1 && g.storage().use_count() == 2;
}

}  // namespace

void AccumulateGrad::run_pre_hooks(variable_list& grads) {
  if (AutogradMeta* m = get_autograd_meta(variable_)) {
    for (const auto& [id, hook] : m->leaf_hooks) {
      (void)id;
      if (!grads[0].defined()) break;
      Tensor r = hook(grads[0]);
      if (r.defined()) grads[0] = std::move(r);
    }
  }
  Node::run_pre_hooks(grads);
}

bool AccumulateGrad::has_pre_hooks() const {
  const AutogradMeta* m = get_autograd_meta(variable_);
  return (m && !m->leaf_hooks.empty()) || Node::has_pre_hooks();
}

variable_list AccumulateGrad::apply(variable_list&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  AutogradMeta& m = materialize_autograd_meta(variable_);
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    if (!m.grad.defined()) {
      // Steal the incoming buffer when nothing else can see it.
      if (!is_grad_enabled() && stealable(g) && obeys_contract(g, variable_)) {
        m.grad = g.is_view() ? g.detach() : std::move(g);
      } else {
        m.grad = clone_obey_contract(g, variable_);
      }
    } else if (!is_grad_enabled() && !m.grad.requires_grad()) {
      m.grad.add_(g);
    } else {
      m.grad = m.grad + g;
    }
  }
  for (const auto& [id, hook] : m.post_accumulate_grad_hooks) {
    (void)id;
    Tensor v = variable_;
    hook(v);
  }
  return {};
}

Tensor as_strided_backward(const Tensor& grad, const Geometry& base, const Geometry& view) {
  Tensor laid = empty_strided(base.sizes, base.strides, grad.options());
  laid.zero_();
  const int64_t rel = view.offset - base.offset;
  // Broadcast (stride 0) dims of the view: their gradients sum into one element.
  Tensor g = grad;
  DimVector sizes(view.sizes), strides(view.strides);
  DimVector bdims;
  for (size_t d = 0; d < sizes.size(); ++d)
    if (strides[d] == 0 && sizes[d] > 1) bdims.push_back(static_cast<int64_t>(d));
  if (!bdims.empty()) {
    g = g.sum(bdims, /*keepdim=*/true);
    for (auto d : bdims) sizes[d] = 1;
  }
  laid.as_strided(sizes, strides, rel).copy_(g);
  return laid;
}

variable_list AsStridedBackward0::apply(variable_list&& grads) {
  return {as_strided_backward(grads[0], base_, view_)};
}

void FormulaNodeBase::save_output(const Tensor& t) {
  // An in-place op on a view: the base's history is now a CopySlices around
  // this node, whose edges lead to the base's old history, so the saved
  // result must not get this node back as grad_fn; it gets a view of the
  // CopySlices instead (torch's is_inplace_on_view). Held weakly: the
  // CopySlices owns this node.
  std::shared_ptr<Node> cs;
  if (t.defined() && t.impl()->is_view()) {
    auto base_fn = t.impl()->view_base()->raw_grad_fn();
    if (auto* c = dynamic_cast<CopySlices*>(base_fn.get()); c && c->fn() == this) cs = base_fn;
  }
  saved_.emplace_back(t, true, cs);
}

std::shared_ptr<Node> CopySlices::view_grad_fn(const Tensor& like) {
  auto node = std::make_shared<AsStridedBackward0>(base_, view_);
  node->add_next_edge(Edge(shared_from_this(), 0));
  node->add_input_metadata(like);
  return node;
}

CopySlices::CopySlices(const Tensor& base, const Tensor& view, std::shared_ptr<Node> fn)
    : base_(Geometry::of(base)), view_(Geometry::of(view)), fn_(std::move(fn)) {
  add_input_metadata(base);
  // Edge 0 goes to the base's previous history; the rest are fn's.
  next_edges_ = fn_->next_edges();
  next_edges_[0] = requires_grad(base) ? gradient_edge(base) : Edge();
  // fn's own edge 0 mirrors ours so that fn computes its self-gradient exactly
  // when the base's history wants it.
  edge_list fe = fn_->next_edges();
  fe[0] = next_edges_[0];
  fn_->set_next_edges(std::move(fe));
}

variable_list CopySlices::apply(variable_list&& grads) {
  const Tensor& grad = grads[0];
  variable_list out(num_outputs());
  if (!grad.defined()) return out;
  Tensor result = empty_strided(base_.sizes, base_.strides, grad.options());
  result.copy_(grad);
  Tensor slice = result.as_strided(view_.sizes, view_.strides,
                                   result.storage_offset() + view_.offset - base_.offset);
  variable_list fn_grads{slice.clone(MemoryFormat::Contiguous)};
  variable_list res = fn_->apply(std::move(fn_grads));
  for (size_t i = 0; i < res.size() && i < out.size(); ++i) {
    if (i == 0) {
      if (res[0].defined())
        slice.copy_(res[0]);
      else
        slice.zero_();
      out[0] = result;
    } else {
      out[i] = std::move(res[i]);
    }
  }
  return out;
}

bool is_expandable_to(IntArrayRef shape, IntArrayRef desired) {
  if (shape.size() > desired.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t s = shape[shape.size() - 1 - i], d = desired[desired.size() - 1 - i];
    if (s != d && s != 1) return false;
  }
  return true;
}

Tensor sum_to(const Tensor& grad, IntArrayRef shape) {
  if (grad.sizes() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  DimVector dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1 && grad.size(lead + static_cast<int64_t>(i)) != 1)
      dims.push_back(lead + static_cast<int64_t>(i));
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  if (lead > 0 || r.sizes() != shape) r = r.view(shape);
  return r;
}

}  // namespace ember::autograd
