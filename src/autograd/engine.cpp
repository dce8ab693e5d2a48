// The backward engine. One backward runs on the calling thread: it discovers
// the graph from the roots, counts each node's pending inputs, and runs nodes
// whose inputs are complete, later-created first (PyTorch's order), summing
// gradients that meet at a node. All state is local to the call, so threads
// may run backward on independent graphs at the same time.
#include "ember/autograd/engine.h"

#include <queue>
#include <unordered_map>

#include "autograd/functions.h"
#include "autograd/graph_task.h"
#include "autograd/record.h"
#include "ember/core/grad_mode.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"

namespace ember::autograd {

namespace {

thread_local const GraphTask* tls_task = nullptr;

struct TaskScope {
  const GraphTask* prev;
  explicit TaskScope(const GraphTask* t) : prev(tls_task) { tls_task = t; }
  ~TaskScope() { tls_task = prev; }
};

std::string torch_size(IntArrayRef s) { return detail::str_cat("torch.Size(", s, ")"); }

// Adds g into slot, stealing g's buffer when nobody else can see it.
void accumulate(Tensor& slot, Tensor&& g) {
  if (!g.defined()) return;
  if (!slot.defined()) {
    slot = std::move(g);
    return;
  }
  if (!is_grad_enabled() && slot.use_count() == 1 && slot.storage().use_count() == 1 &&
      !slot.requires_grad() && slot.sizes() == g.sizes() && slot.dtype() == g.dtype()) {
    slot.add_(g);
  } else {
    slot = slot + g;
  }
}

// A gradient for input `input_nr` of `fn`, made to fit what fn expects: summed
// down to the shape (broadcasting's adjoint) and cast to the dtype.
Tensor fit_gradient(Tensor g, const Node& producer, size_t index, const Edge& edge) {
  const InputMetadata& m = edge.function->input_metadata(edge.input_nr);
  if (g.sizes() != IntArrayRef(m.shape)) {
    EMBER_CHECK(is_expandable_to(m.shape, g.sizes()), RuntimeError, "Function ", producer.name(),
                " returned an invalid gradient at index ", index, " - got ", g.sizes(),
                " but expected shape compatible with ", IntArrayRef(m.shape));
    g = sum_to(g, m.shape);
  }
  EMBER_CHECK(g.device() == m.device, RuntimeError, "Function ", producer.name(),
              " returned an invalid gradient at index ", index, " - expected device ", m.device,
              " but got ", g.device());
  if (g.dtype() != m.dtype) g = g.to(m.dtype);
  return g;
}

struct NodeState {
  int deps = 0;
  variable_list buffer;
};

// Node -> its state for one backward: open addressing over a power-of-two
// table, states in a vector (a graph of n nodes costs a few allocations, not n).
class StateMap {
 public:
  StateMap() : slots_(64, {nullptr, 0}) { states_.reserve(32); }
  // The node's state and whether it was just added.
  std::pair<NodeState*, bool> try_emplace(Node* n) {
    size_t i = slot(n);
    if (slots_[i].first == n) return {&states_[slots_[i].second], false};
    slots_[i] = {n, static_cast<uint32_t>(states_.size())};
    states_.emplace_back();
    if (states_.size() * 2 > slots_.size()) grow();
    return {&states_.back(), true};
  }
  NodeState& operator[](Node* n) { return *try_emplace(n).first; }

 private:
  size_t slot(const Node* n) const {
    const size_t mask = slots_.size() - 1;
    size_t i = (reinterpret_cast<uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ull >> 20 & mask;
    while (slots_[i].first && slots_[i].first != n) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<std::pair<Node*, uint32_t>> old(slots_.size() * 2, {nullptr, 0});
    old.swap(slots_);
    for (const auto& e : old)
      if (e.first) slots_[slot(e.first)] = e;
  }
  std::vector<std::pair<Node*, uint32_t>> slots_;
  std::vector<NodeState> states_;  // grows only while the graph is discovered
};

struct ByPriority {
  bool operator()(const Node* a, const Node* b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

// Runs the graph from `roots`. `captures` are edges whose incoming gradient is
// returned (after tensor hooks) instead of, or as well as, being passed on.
variable_list execute(const edge_list& roots, variable_list root_grads, bool keep_graph,
                      bool create_graph, const edge_list& captures, bool run_captured) {
  AutoGradMode mode(create_graph);
  GraphTask task;
  StateMap state;

  // Discover the graph and count each node's incoming edges.
  std::vector<Node*> stack;
  for (const auto& r : roots)
    if (r.is_valid() && state.try_emplace(r.function.get()).second)
      stack.push_back(r.function.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next_edges()) {
      if (!e.is_valid()) continue;
      auto [st, fresh] = state.try_emplace(e.function.get());
      ++st->deps;
      if (fresh) stack.push_back(e.function.get());
    }
  }

  // Which nodes lead to a capture (only those run when something is captured).
  std::unordered_map<const Node*, std::vector<std::pair<uint32_t, size_t>>> capture_at;
  for (size_t i = 0; i < captures.size(); ++i) {
    capture_at[captures[i].function.get()].push_back({captures[i].input_nr, i});
    task.captured[captures[i].function.get()] = true;
  }
  if (!captures.empty()) {
    task.filtered = true;
    // Post-order walk: needed(n) = n is a capture that runs, or a child is needed.
    std::vector<std::pair<Node*, size_t>> walk;
    for (const auto& r : roots) {
      if (!r.is_valid() || task.exec_info.count(r.function.get())) continue;
      walk.push_back({r.function.get(), 0});
      task.exec_info[r.function.get()] = false;
      while (!walk.empty()) {
        auto& [n, i] = walk.back();
        if (i < n->next_edges().size()) {
          Node* c = n->next_edges()[i++].function.get();
          if (c && !task.exec_info.count(c)) {
            task.exec_info[c] = false;
            walk.push_back({c, 0});
          }
          continue;
        }
        bool need = run_captured && capture_at.count(n);
        for (const auto& e : n->next_edges()) {
          if (!e.is_valid()) continue;
          const Node* c = e.function.get();
          if (task.exec_info[c] || capture_at.count(c)) need = true;
        }
        task.exec_info[n] = need;
        walk.pop_back();
      }
    }
  }

  std::priority_queue<Node*, std::vector<Node*>, ByPriority> ready;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Edge& r = roots[i];
    if (!r.is_valid()) continue;
    NodeState& s = state[r.function.get()];
    if (s.buffer.empty()) s.buffer.resize(r.function->num_inputs());
    accumulate(s.buffer[r.input_nr], std::move(root_grads[i]));
  }
  for (const auto& r : roots) {
    if (!r.is_valid()) continue;
    NodeState& s = state[r.function.get()];
    if (s.deps == 0) {
      s.deps = -1;  // queued
      ready.push(r.function.get());
    }
  }

  variable_list captured(captures.size());
  TaskScope scope(&task);
  while (!ready.empty()) {
    Node* n = ready.top();
    ready.pop();
    NodeState& st = state[n];
    variable_list grads = std::move(st.buffer);
    grads.resize(n->num_inputs());
    if (n->has_pre_hooks()) n->run_pre_hooks(grads);
    if (auto it = capture_at.find(n); it != capture_at.end())
      for (auto [nr, idx] : it->second) captured[idx] = grads[nr];
    if (!task.runs(n)) continue;

    bool any = false;
    for (const auto& g : grads) any = any || g.defined();
    variable_list outputs;
    if (any) {
      variable_list inputs_copy;
      if (n->has_post_hooks()) inputs_copy = grads;
      outputs = n->apply(std::move(grads));
      EMBER_CHECK(outputs.size() == n->num_outputs(), RuntimeError, "function ", n->name(),
                  " returned an incorrect number of gradients (expected ", n->num_outputs(),
                  ", got ", outputs.size(), ")");
      if (n->has_post_hooks()) n->run_post_hooks(outputs, inputs_copy);
    } else {
      outputs.resize(n->num_outputs());
    }
    if (!keep_graph) n->release_variables();

    const edge_list& edges = n->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.is_valid()) continue;
      NodeState& cs = state[e.function.get()];
      if (outputs[i].defined()) {
        if (cs.buffer.empty()) cs.buffer.resize(e.function->num_inputs());
        accumulate(cs.buffer[e.input_nr], fit_gradient(std::move(outputs[i]), *n, i, e));
      }
      if (--cs.deps == 0) {
        cs.deps = -1;
        ready.push(e.function.get());
      }
    }
  }
  return captured;
}

// Roots and their starting gradients, checked as torch.autograd does.
void make_roots(const variable_list& tensors, const variable_list& grads, edge_list& roots,
                variable_list& root_grads) {
  EMBER_CHECK(grads.empty() || grads.size() == tensors.size(), RuntimeError, "got ", tensors.size(),
              " tensors and ", grads.size(), " gradients");
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.defined(), RuntimeError, "backward: output ", i, " is an undefined tensor");
    EMBER_CHECK(t.requires_grad(), RuntimeError, "element ", i,
                " of tensors does not require grad and does not have a grad_fn");
    Tensor g = i < grads.size() ? grads[i] : Tensor();
    if (!g.defined()) {
      EMBER_CHECK(t.numel() == 1, RuntimeError,
                  "grad can be implicitly created only for scalar outputs");
      g = ones_like(t, {.memory_format = MemoryFormat::Contiguous});
    } else {
      EMBER_CHECK(g.sizes() == t.sizes(), RuntimeError, "Mismatch in shape: grad_output[", i,
                  "] has a shape of ", torch_size(g.sizes()), " and output[", i,
                  "] has a shape of ", torch_size(t.sizes()), ".");
      EMBER_CHECK(g.device() == t.device(), RuntimeError, "Mismatch in device: grad_output[", i,
                  "] is on ", g.device(), " and output[", i, "] is on ", t.device(), ".");
      if (g.dtype() != t.dtype()) g = g.to(t.dtype());
    }
    roots.push_back(gradient_edge(t));
    root_grads.push_back(std::move(g));
  }
}

Edge capture_edge(const Tensor& t) {
  EMBER_CHECK(t.defined() && t.requires_grad(), RuntimeError,
              "One of the differentiated Tensors does not require grad");
  return gradient_edge(t);
}

}  // namespace

const GraphTask* current_graph_task() { return tls_task; }

void backward(const variable_list& tensors, const variable_list& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph, const variable_list& inputs) {
  edge_list roots;
  variable_list root_grads;
  make_roots(tensors, grad_tensors, roots, root_grads);
  const bool keep = retain_graph.value_or(create_graph);
  if (inputs.empty()) {
    execute(roots, std::move(root_grads), keep, create_graph, {}, true);
    return;
  }
  // backward(inputs=...): leaves accumulate through their AccumulateGrad
  // (which then must run); non-leaf inputs get the captured gradient added
  // to their .grad.
  edge_list captures;
  for (const auto& t : inputs) captures.push_back(capture_edge(t));
  variable_list got = execute(roots, std::move(root_grads), keep, create_graph, captures, true);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].is_leaf() || !got[i].defined()) continue;
    AutogradMeta& m = materialize_autograd_meta(inputs[i]);
    std::lock_guard<std::mutex> lock(m.mutex);
    if (!m.grad.defined())
      m.grad = create_graph ? got[i] : got[i].detach();
    else
      m.grad = create_graph ? m.grad + got[i] : (m.grad + got[i]).detach();
  }
}

variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs, std::optional<bool> retain_graph,
                   bool create_graph, bool allow_unused) {
  edge_list roots;
  variable_list root_grads;
  make_roots(outputs, grad_outputs, roots, root_grads);
  EMBER_CHECK(!inputs.empty(), RuntimeError, "grad requires at least one input");
  edge_list captures;
  for (const auto& t : inputs) captures.push_back(capture_edge(t));
  variable_list got = execute(roots, std::move(root_grads), retain_graph.value_or(create_graph),
                              create_graph, captures, false);
  for (auto& g : got) {
    EMBER_CHECK(g.defined() || allow_unused, RuntimeError,
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior.");
  }
  return got;
}

}  // namespace ember::autograd
