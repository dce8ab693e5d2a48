#include "nn/backward_hook.h"

#include "autograd/record.h"

namespace ember::nn::detail {

namespace {

using autograd::variable_list;

// Identity on the tensors it was applied to; gradients of the outputs that do
// not require grad never arrive (those outputs have no history).
class BackwardHookFunctionBackward : public autograd::Node {
 public:
  std::string name() const override { return "BackwardHookFunctionBackward"; }
  variable_list apply(variable_list&& grads) override {
    variable_list out(num_outputs());
    for (size_t k = 0; k < differentiable_.size() && k < grads.size(); ++k)
      out[differentiable_[k]] = std::move(grads[k]);
    return out;
  }
  std::vector<size_t> differentiable_;
};

// torch's _apply_on_tensors: the top-level tensors of `items` go through one
// BackwardHookFunction; returns its node (null when none requires grad or grad
// mode is off: then nothing is hooked) and the tensors' positions.
std::shared_ptr<BackwardHookFunctionBackward> apply_on_tensors(std::vector<Value>& items,
                                                               std::vector<size_t>& index) {
  bool requires_grad = false;
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].is_tensor()) {
      index.push_back(i);
      requires_grad = requires_grad || items[i].tensor().requires_grad();
    }
  if (!(requires_grad && is_grad_enabled())) return nullptr;
  auto node = std::make_shared<BackwardHookFunctionBackward>();
  node->reserve_edges(index.size());
  for (size_t i : index) {
    const Tensor& t = items[i].tensor();
    node->add_next_edge(t.requires_grad() ? autograd::gradient_edge(t) : autograd::Edge());
  }
  for (size_t k = 0; k < index.size(); ++k) {
    const Tensor t = items[index[k]].tensor();
    Tensor out = autograd::untracked([&] { return t.view_as(t); });
    if (t.requires_grad()) {
      autograd::set_history(out, node);
      out.impl()->set_view_creation_meta(ViewCreationMeta::InCustomFunction);
      node->differentiable_.push_back(k);
    }
    items[index[k]] = Value(std::move(out));
  }
  return node;
}

std::vector<Tensor> pack_with_none(const std::vector<size_t>& index,
                                   const std::vector<Tensor>& values, size_t size) {
  std::vector<Tensor> res(size);
  for (size_t k = 0; k < index.size() && k < values.size(); ++k) res[index[k]] = values[k];
  return res;
}

std::vector<Tensor> unpack_none(const std::vector<size_t>& index,
                                const std::vector<Tensor>& values) {
  std::vector<Tensor> res;
  res.reserve(index.size());
  for (size_t i : index) res.push_back(values[i]);
  return res;
}

}  // namespace

BackwardHookState::BackwardHookState(Module& module, std::vector<BackwardHookEntry> hooks,
                                     std::vector<BackwardPreHookEntry> pre_hooks)
    : module_(&module),
      keep_alive_(module.weak_from_this().lock()),
      hooks_(std::move(hooks)),
      pre_hooks_(std::move(pre_hooks)) {}

std::shared_ptr<BackwardHookState> make_backward_hook_state(
    Module& module, std::vector<BackwardHookEntry> hooks,
    std::vector<BackwardPreHookEntry> pre_hooks) {
  auto st = std::make_shared<BackwardHookState>(module, std::move(hooks), std::move(pre_hooks));
  st->self_ = st;
  return st;
}

void BackwardHookState::setup_input_hook(Args& args) {
  std::vector<size_t> index;
  auto node = apply_on_tensors(args, index);
  n_inputs_ = args.size();
  if (!node) return;  // input_tensors_index stays None
  input_index_ = index;
  // The gradients w.r.t. the module's arguments: run the backward hooks.
  node->register_hook(
      [st = self_.lock()](const variable_list& grad_input, const variable_list&) -> variable_list {
        if (!st->grad_outputs_) return {};  // reached without passing the outputs
        std::vector<Tensor> res = pack_with_none(*st->input_index_, grad_input, st->n_inputs_);
        for (const auto& h : st->hooks_) {
          auto out = h.fn(*st->module_, res, *st->grad_outputs_);
          if (!out) continue;
          EMBER_CHECK(out->size() == res.size(), RuntimeError,
                      "Backward hook returned an invalid number of grad_input, got ", out->size(),
                      ", but expected ", res.size());
          res = std::move(*out);
        }
        st->grad_outputs_.reset();
        return unpack_none(*st->input_index_, res);
      });
}

void BackwardHookState::setup_output_hook(Value& result) {
  const bool is_tuple = result.is_tuple();
  std::vector<Value> items = is_tuple ? result.items() : std::vector<Value>{result};
  std::vector<size_t> index;
  auto node = apply_on_tensors(items, index);
  n_outputs_ = items.size();
  if (!node) return;
  output_index_ = index;
  node->register_hook(
      [st = self_.lock()](const variable_list& grad_output, const variable_list&) -> variable_list {
        st->grad_outputs_ = pack_with_none(*st->output_index_, grad_output, st->n_outputs_);
        const size_t expected = st->grad_outputs_->size();
        for (const auto& h : st->pre_hooks_) {
          auto out = h.fn(*st->module_, *st->grad_outputs_);
          if (!out) continue;
          EMBER_CHECK(out->size() == expected, RuntimeError,
                      "Backward pre hook returned an invalid number of grad_output, got ",
                      out->size(), ", but expected ", expected);
          st->grad_outputs_ = std::move(*out);
        }
        std::vector<Tensor> local = *st->grad_outputs_;
        // No argument requires grad: the backward hooks run here, and may not
        // change anything.
        if (!st->input_index_) {
          const std::vector<Tensor> grad_inputs(st->n_inputs_);
          for (const auto& h : st->hooks_) {
            auto out = h.fn(*st->module_, grad_inputs, *st->grad_outputs_);
            bool all_none = true;
            if (out)
              for (const auto& g : *out) all_none = all_none && !g.defined();
            EMBER_CHECK(all_none, RuntimeError,
                        "Backward hook for Modules where no input requires gradient should always "
                        "return None or None for all gradients.");
          }
          st->grad_outputs_.reset();
        }
        return unpack_none(*st->output_index_, local);
      });
  if (is_tuple)
    result = Value::tuple(std::move(items));
  else
    result = std::move(items[0]);
}

}  // namespace ember::nn::detail
