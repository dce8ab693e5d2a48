#pragma once
// SavedVariable: a tensor a node keeps for backward, with the version it had
// when saved. Unpacking checks that nobody modified it in place since, and that
// the graph has not been freed by an earlier backward.
#include <cstdint>
#include <memory>
#include <string>

#include "ember/core/tensor.h"

namespace ember::autograd {

class Node;

class SavedVariable {
 public:
  SavedVariable() = default;
  // is_output: the tensor is an output of the saving node. It is then kept as
  // an alias without history (a strong reference to its grad_fn would be a
  // cycle) and given the node back as grad_fn on unpack.
  // copy_slices: for the result of an in-place op on a view, the base's
  // CopySlices around the op (held weakly: it owns the saving node); the
  // result gets a view of it as grad_fn on unpack instead of the saving node.
  SavedVariable(const Tensor& t, bool is_output,
                const std::shared_ptr<Node>& copy_slices = nullptr);

  // `saved_for` is the node doing the unpacking (needed for outputs).
  Tensor unpack(const std::shared_ptr<Node>& saved_for = nullptr) const;
  void reset_data() { data_ = Tensor(); }
  bool was_defined() const { return was_defined_; }

 private:
  Tensor data_;
  std::weak_ptr<Node> copy_slices_;
  bool inplace_on_view_ = false;
  uint32_t saved_version_ = 0;
  uint32_t output_nr_ = 0;
  bool was_defined_ = false;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool is_leaf_ = false;
};

}  // namespace ember::autograd
