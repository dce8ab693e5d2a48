#pragma once
// Node: one step of the backward graph (PyTorch's torch::autograd::Node, shown
// as grad_fn). A node receives the gradients of its forward op's outputs and
// returns the gradients of the op's inputs, which flow along next_edges to the
// nodes that produced those inputs.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/removable_handle.h"
#include "ember/core/tensor.h"

namespace ember::autograd {

using variable_list = std::vector<Tensor>;

class Node;

// Where a gradient goes: input `input_nr` of `function` (invalid: nowhere).
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  Edge() = default;
  Edge(std::shared_ptr<Node> fn, uint32_t nr) : function(std::move(fn)), input_nr(nr) {}
  bool is_valid() const { return function != nullptr; }
};
using edge_list = std::vector<Edge>;

// What a gradient arriving at one input of a node must look like: the shape,
// dtype and device of the forward output it belongs to.
struct InputMetadata {
  DimVector shape;
  DType dtype = DType::Float32;
  Device device;
};

// A hook on the gradient of one tensor: returns a replacement, or an undefined
// tensor to keep the gradient as it is.
using TensorHook = std::function<Tensor(const Tensor&)>;
// Node hooks, as Node.register_prehook / register_hook in PyTorch: they see the
// gradients w.r.t. the forward outputs (grad_outputs) and inputs (grad_inputs),
// and return replacements or an empty list to keep them.
using NodePreHook = std::function<variable_list(const variable_list& grad_outputs)>;
using NodePostHook = std::function<variable_list(const variable_list& grad_inputs,
                                                 const variable_list& grad_outputs)>;

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  explicit Node(uint64_t sequence_nr) : sequence_nr_(sequence_nr) {}
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // PyTorch's name: "AddBackward0", "AccumulateGrad" ...
  virtual std::string name() const = 0;
  // grads[i] is the gradient w.r.t. forward output i (undefined when none
  // flowed); returns one gradient per next edge (undefined for none).
  virtual variable_list apply(variable_list&& grads) = 0;
  // Frees what the node saved for backward (after a backward without retain_graph).
  virtual void release_variables() {}

  // ---- graph structure
  const edge_list& next_edges() const { return next_edges_; }
  const Edge& next_edge(size_t i) const { return next_edges_[i]; }
  size_t num_outputs() const { return next_edges_.size(); }
  void add_next_edge(Edge e) { next_edges_.push_back(std::move(e)); }
  void reserve_edges(size_t n) { next_edges_.reserve(n); }
  void set_next_edges(edge_list edges) { next_edges_ = std::move(edges); }
  // (next node, input_nr) pairs, as Python's grad_fn.next_functions.
  std::vector<std::pair<std::shared_ptr<Node>, uint32_t>> next_functions() const;

  // One entry per forward output; returns the output's index.
  uint32_t add_input_metadata(const Tensor& t);
  uint32_t add_input_metadata(InputMetadata m);
  size_t num_inputs() const { return input_metadata_.size(); }
  const InputMetadata& input_metadata(size_t i) const { return input_metadata_[i]; }

  // Creation order; backward runs later-created nodes first.
  uint64_t sequence_nr() const { return sequence_nr_; }

  // Whether the gradient for next edge i is wanted by the running backward
  // (false for edges to nothing, and for parts of the graph the requested
  // inputs do not depend on). Formulas skip work for unwanted gradients.
  bool should_compute_output(size_t i) const;

  // ---- hooks
  RemovableHandle register_prehook(NodePreHook hook);
  RemovableHandle register_hook(NodePostHook hook);
  // A hook on the gradient w.r.t. forward output `input_nr` (a tensor's register_hook).
  RemovableHandle add_tensor_pre_hook(uint32_t input_nr, TensorHook hook);
  // retain_grad(): at most one per input, run after the tensor hooks.
  void set_retains_grad_hook(uint32_t input_nr, std::function<void(const Tensor&)> hook);
  void clear_retains_grad_hook(uint32_t input_nr);

  // Used by the engine.
  virtual bool has_pre_hooks() const {
    return !tensor_pre_hooks_.empty() || !retains_grad_hooks_.empty() || !pre_hooks_.empty();
  }
  bool has_post_hooks() const { return !post_hooks_.empty(); }
  virtual void run_pre_hooks(variable_list& grads);
  void run_post_hooks(variable_list& grad_inputs, const variable_list& grad_outputs);

 protected:
  edge_list next_edges_;
  std::vector<InputMetadata> input_metadata_;

 private:
  uint64_t sequence_nr_;
  HookList<std::pair<uint32_t, TensorHook>> tensor_pre_hooks_;
  std::vector<std::pair<uint32_t, std::function<void(const Tensor&)>>> retains_grad_hooks_;
  HookList<NodePreHook> pre_hooks_;
  HookList<NodePostHook> post_hooks_;
};

// The name PyTorch prints for a node: "<AddBackward0 object at 0x...>" is Python's;
// ember prints "<AddBackward0>" after tensors.
std::string node_name(const Node* n);

}  // namespace ember::autograd
