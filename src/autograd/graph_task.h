#pragma once
// The state of one running backward, visible to nodes on the running thread
// (Node::should_compute_output asks which parts of the graph are needed).
#include <unordered_map>

#include "ember/autograd/node.h"

namespace ember::autograd {

struct GraphTask {
  // Empty unless the backward asked for particular inputs; then it holds the
  // nodes on a path to one of them.
  std::unordered_map<const Node*, bool> exec_info;
  // Nodes whose incoming gradient is captured (autograd::grad's inputs).
  std::unordered_map<const Node*, bool> captured;
  bool filtered = false;
  // Whether the node runs.
  bool runs(const Node* n) const {
    if (!filtered) return true;
    auto it = exec_info.find(n);
    return it != exec_info.end() && it->second;
  }
  // Whether gradients flowing into the node are wanted.
  bool needed(const Node* n) const { return runs(n) || (filtered && captured.count(n)); }
};

const GraphTask* current_graph_task();

}  // namespace ember::autograd
