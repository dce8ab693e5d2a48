#pragma once
// The nodes the autograd machinery itself creates: AccumulateGrad (a leaf's
// sink), CopySlices (an in-place op on a view, seen from its base),
// AsStridedBackward0 (a view's gradient flowing to its base), and FormulaNode,
// the node type every op's backward formula is an instance of.
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ember/autograd/autograd_meta.h"
#include "ember/autograd/node.h"
#include "ember/autograd/saved_variable.h"

namespace ember::autograd {

// Geometry of a strided tensor within its storage.
struct Geometry {
  DimVector sizes, strides;
  int64_t offset = 0;
  static Geometry of(const Tensor& t) {
    return {DimVector(t.sizes()), DimVector(t.strides()), t.storage_offset()};
  }
};

class AccumulateGrad final : public Node {
 public:
  // Runs before every other ready node, as in PyTorch.
  explicit AccumulateGrad(Tensor variable)
      : Node(std::numeric_limits<uint64_t>::max()), variable_(std::move(variable)) {
    add_input_metadata(variable_);
  }
  std::string name() const override { return "AccumulateGrad"; }
  variable_list apply(variable_list&& grads) override;
  void run_pre_hooks(variable_list& grads) override;
  bool has_pre_hooks() const override;
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

// Gradient of view = base.as_strided(view geometry) w.r.t. base.
Tensor as_strided_backward(const Tensor& grad, const Geometry& base, const Geometry& view);

class AsStridedBackward0 final : public Node {
 public:
  AsStridedBackward0(Geometry base, Geometry view)
      : base_(std::move(base)), view_(std::move(view)) {}
  std::string name() const override { return "AsStridedBackward0"; }
  variable_list apply(variable_list&& grads) override;

 private:
  Geometry base_, view_;
};

// An in-place op `fn` on a view, replayed on the whole base: the base's
// gradient is passed through except on the view's elements, which get fn's
// gradient w.r.t. its (view) input.
class CopySlices final : public Node {
 public:
  CopySlices(const Tensor& base, const Tensor& view, std::shared_ptr<Node> fn);
  std::string name() const override { return "CopySlices"; }
  variable_list apply(variable_list&& grads) override;
  void release_variables() override { fn_->release_variables(); }
  const Node* fn() const { return fn_.get(); }
  // A grad_fn for the view after the op (`like` has its geometry): its
  // gradient reaches the base through this node.
  std::shared_ptr<Node> view_grad_fn(const Tensor& like);

 private:
  Geometry base_, view_;
  std::shared_ptr<Node> fn_;
};

// A node whose backward is a formula: a callable (FormulaNode& node,
// variable_list& grads) -> variable_list with one entry per next edge. Tensors
// it needs are saved with save()/save_output() and read back with saved(i);
// numbers are captured by value in the callable.
class FormulaNodeBase : public Node {
 public:
  explicit FormulaNodeBase(const char* name) : name_(name) {}
  std::string name() const override { return name_; }
  void release_variables() override {
    for (auto& s : saved_) s.reset_data();
  }
  // Saves an input (or any tensor that is not an output of this node).
  void save(const Tensor& t) { saved_.emplace_back(t, false); }
  // Saves an output of this node; call after the output's history is set
  // (after finish_inplace for in-place ops).
  void save_output(const Tensor& t);
  // The i-th saved tensor, checked for in-place changes since it was saved.
  Tensor saved(size_t i) { return saved_[i].unpack(shared_from_this()); }
  // Whether the gradient for input i (next edge i) is wanted.
  bool needs_input_grad(size_t i) const { return should_compute_output(i); }

 private:
  const char* name_;
  std::vector<SavedVariable> saved_;
};

template <typename F>
class FormulaNode final : public FormulaNodeBase {
 public:
  FormulaNode(const char* name, F fn) : FormulaNodeBase(name), fn_(std::move(fn)) {}
  variable_list apply(variable_list&& grads) override { return fn_(*this, grads); }

 private:
  F fn_;
};

}  // namespace ember::autograd
