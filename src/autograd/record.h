#pragma once
// What an op calls to record autograd history. The pattern, for an op f(x, y):
//
//   if (!autograd::grad_needed(x, y)) return f_impl(x, y);   // fast path
//   Tensor out = autograd::untracked([&] { return f_impl(x, y); });
//   auto node = autograd::make_node("FBackward0", [](auto& n, variable_list& g) {
//     return variable_list{dfdx(g[0], n.saved(0)), dfdy(...)};  // one per input
//   }, x, y);
//   node->save(x);                      // inputs the formula reads
//   autograd::set_history(out, node);
//   node->save_output(out);             // outputs, after set_history
//   return out;
//
// In-place ops call check_inplace(self) before writing and finish_inplace(self,
// node) after (finish_inplace(self) alone when nothing is recorded).
#include <initializer_list>
#include <memory>
#include <utility>

#include "autograd/functions.h"
#include "ember/core/grad_mode.h"

namespace ember::autograd {

// The edge a gradient for `t` travels: its grad_fn, or a leaf's accumulator.
// Invalid for tensors that do not require grad.
Edge gradient_edge(const Tensor& t);
// grad_fn, rebuilt first for a view whose base changed in place since.
std::shared_ptr<Node> grad_fn_of(const Tensor& t);

inline bool requires_grad(const Tensor& t) { return t.defined() && t.requires_grad(); }

template <typename... Ts>
bool grad_needed(const Ts&... ts) {
  return is_grad_enabled() && (requires_grad(ts) || ...);
}
inline bool grad_needed_list(TensorList ts) {
  if (!is_grad_enabled()) return false;
  for (const auto& t : ts)
    if (requires_grad(t)) return true;
  return false;
}

// Runs fn without recording (an op's own inner calls must not record).
template <typename F>
auto untracked(F&& fn) {
  NoGradGuard g;
  return fn();
}

// A formula node with one next edge per input (inputs may be undefined or not
// require grad: their edge leads nowhere).
template <typename F, typename... Ts>
std::shared_ptr<FormulaNode<F>> make_node(const char* name, F fn, const Ts&... inputs) {
  auto n = std::make_shared<FormulaNode<F>>(name, std::move(fn));
  n->reserve_edges(sizeof...(Ts));
  (n->add_next_edge(requires_grad(inputs) ? gradient_edge(inputs) : Edge()), ...);
  return n;
}
template <typename F>
std::shared_ptr<FormulaNode<F>> make_node_list(const char* name, F fn, TensorList inputs) {
  auto n = std::make_shared<FormulaNode<F>>(name, std::move(fn));
  n->reserve_edges(inputs.size());
  for (const auto& t : inputs) n->add_next_edge(requires_grad(t) ? gradient_edge(t) : Edge());
  return n;
}

// Makes `out` the node's next output (its gradient arrives at that input of the node).
void set_history(const Tensor& out, const std::shared_ptr<Node>& node);

// Before writing into self: PyTorch's checks on in-place ops (leaves that
// require grad, views of them, views that forbid in-place, inference tensors).
// `others` are the op's other tensor inputs (a view that does not require grad
// may still not be written from one that does, if the view forbids it).
void check_inplace_impl(const Tensor& self, bool requires_grad);
template <typename... Ts>
void check_inplace(const Tensor& self, const Ts&... others) {
  check_inplace_impl(self, grad_needed(self, others...));
}
// After writing into self: bumps its version; with a node, that node becomes
// self's history (through CopySlices on the base when self is a view).
void finish_inplace(const Tensor& self, const std::shared_ptr<Node>& node = nullptr);

// Marks views made by a function that returns several (split, chunk, unbind):
// they may not be modified in place while tracked.
void mark_multiple_views(std::vector<Tensor>& views);

// grad summed down to `shape` (the adjoint of broadcasting).
Tensor sum_to(const Tensor& grad, IntArrayRef shape);
bool is_expandable_to(IntArrayRef shape, IntArrayRef desired);

}  // namespace ember::autograd
