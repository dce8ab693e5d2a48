#include "ember/autograd/node.h"

#include "autograd/graph_task.h"

namespace ember::autograd {

namespace {
thread_local uint64_t tls_sequence_nr = 0;
}  // namespace

Node::Node() : sequence_nr_(tls_sequence_nr++) {}

// A long chain of nodes would otherwise be freed recursively, one stack frame
// set per node, and overflow the stack. Children this node solely owns are
// parked on a thread-local list and released one at a time instead.
Node::~Node() {
  thread_local std::vector<std::shared_ptr<Node>> pending;
  thread_local bool draining = false;
  for (auto& e : next_edges_)
    if (e.function && e.function.use_count() == 1) pending.push_back(std::move(e.function));
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    auto n = std::move(pending.back());
    pending.pop_back();
    n.reset();
  }
  draining = false;
}

std::vector<std::pair<std::shared_ptr<Node>, uint32_t>> Node::next_functions() const {
  std::vector<std::pair<std::shared_ptr<Node>, uint32_t>> r;
  r.reserve(next_edges_.size());
  for (const auto& e : next_edges_) r.emplace_back(e.function, e.input_nr);
  return r;
}

uint32_t Node::add_input_metadata(const Tensor& t) {
  input_metadata_.push_back({DimVector(t.sizes()), t.dtype(), t.device()});
  return static_cast<uint32_t>(input_metadata_.size() - 1);
}

uint32_t Node::add_input_metadata(InputMetadata m) {
  input_metadata_.push_back(std::move(m));
  return static_cast<uint32_t>(input_metadata_.size() - 1);
}

bool Node::should_compute_output(size_t i) const {
  if (i >= next_edges_.size() || !next_edges_[i].is_valid()) return false;
  const GraphTask* task = current_graph_task();
  return !task || task->needed(next_edges_[i].function.get());
}

RemovableHandle Node::register_prehook(NodePreHook hook) {
  const int64_t id = pre_hooks_.add(std::move(hook));
  return RemovableHandle([w = weak_from_this(), id] {
    if (auto n = w.lock()) n->pre_hooks_.erase(id);
  });
}

RemovableHandle Node::register_hook(NodePostHook hook) {
  const int64_t id = post_hooks_.add(std::move(hook));
  return RemovableHandle([w = weak_from_this(), id] {
    if (auto n = w.lock()) n->post_hooks_.erase(id);
  });
}

RemovableHandle Node::add_tensor_pre_hook(uint32_t input_nr, TensorHook hook) {
  const int64_t id = tensor_pre_hooks_.add({input_nr, std::move(hook)});
  return RemovableHandle([w = weak_from_this(), id] {
    if (auto n = w.lock()) n->tensor_pre_hooks_.erase(id);
  });
}

void Node::set_retains_grad_hook(uint32_t input_nr, std::function<void(const Tensor&)> hook) {
  clear_retains_grad_hook(input_nr);
  retains_grad_hooks_.emplace_back(input_nr, std::move(hook));
}

void Node::clear_retains_grad_hook(uint32_t input_nr) {
  for (auto it = retains_grad_hooks_.begin(); it != retains_grad_hooks_.end(); ++it)
    if (it->first == input_nr) {
      retains_grad_hooks_.erase(it);
      return;
    }
}

// Order as PyTorch: tensor hooks, then retains_grad (which sees the hooked
// gradient), then node pre-hooks.
void Node::run_pre_hooks(variable_list& grads) {
  for (const auto& [id, entry] : tensor_pre_hooks_) {
    (void)id;
    Tensor& g = grads[entry.first];
    if (!g.defined()) continue;
    Tensor r = entry.second(g);
    if (r.defined()) g = std::move(r);
  }
  for (const auto& [nr, fn] : retains_grad_hooks_)
    if (grads[nr].defined()) fn(grads[nr]);
  for (const auto& [id, fn] : pre_hooks_) {
    (void)id;
    variable_list r = fn(grads);
    if (!r.empty()) {
      EMBER_CHECK(r.size() == grads.size(), RuntimeError, "hook '", name(),
                  "' has returned an incorrect number of values (got ", r.size(), ", but expected ",
                  grads.size(), ")");
      grads = std::move(r);
    }
  }
}

void Node::run_post_hooks(variable_list& grad_inputs, const variable_list& grad_outputs) {
  for (const auto& [id, fn] : post_hooks_) {
    (void)id;
    variable_list r = fn(grad_inputs, grad_outputs);
    if (!r.empty()) {
      EMBER_CHECK(r.size() == grad_inputs.size(), RuntimeError, "hook '", name(),
                  "' has returned an incorrect number of values (got ", r.size(), ", but expected ",
                  grad_inputs.size(), ")");
      grad_inputs = std::move(r);
    }
  }
}

std::string node_name(const Node* n) { return n ? n->name() : "None"; }

}  // namespace ember::autograd
