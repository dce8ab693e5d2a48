// Module::clone: copy.deepcopy for modules (see nn/module.h). Each module of
// the tree is constructed again from its make<M> arguments, then given the
// original's state; a CloneMemo maps originals to copies so that what is
// shared stays shared.
#include <typeinfo>

#include "ember/core/grad_mode.h"
#include "ember/nn/module.h"

namespace ember::nn {

namespace detail {

CloneMemo::CloneMemo(const Module& root) {
  auto& r = const_cast<Module&>(root);
  for (const auto& [n, m] : r.named_modules(nullptr, "", false)) orig_modules_.insert(m.get());
  for (const auto& [n, t] : r.named_parameters("", true, false)) orig_tensors_.insert(t.impl());
  for (const auto& [n, t] : r.named_buffers("", true, false)) orig_tensors_.insert(t.impl());
}

ModulePtr CloneMemo::module(const Module& orig) {
  if (auto it = modules_.find(&orig); it != modules_.end()) return it->second;
  EMBER_CHECK(orig.factory_, RuntimeError, "clone: ", orig.name(),
              " was not made by nn::make<...>(...) with copyable arguments, so it cannot be "
              "constructed again");
  ModulePtr copy = orig.factory_(*this);
  // A constructor argument may already have mapped this module (not usually).
  if (auto it = modules_.find(&orig); it != modules_.end()) return it->second;
  modules_[&orig] = copy;
  adopted_modules_.insert(copy.get());
  transfer(orig, *copy);
  return copy;
}

ModulePtr CloneMemo::module_arg(const ModulePtr& m) {
  return m && orig_modules_.count(m.get()) ? module(*m) : m;
}

Tensor CloneMemo::tensor(const Tensor& t) {
  if (!t.defined() || !orig_tensors_.count(t.impl())) return t;
  if (auto it = tensors_.find(t.impl()); it != tensors_.end()) return it->second;
  return copy_of(t);
}

Tensor CloneMemo::copy_of(const Tensor& t) {
  Tensor c;
  if (is_lazy(t)) {  // an uninitialised tensor of a lazy module stays one
    c = is_parameter(t) ? Tensor(UninitializedParameter(t.requires_grad(), t.device(), t.dtype()))
                        : Tensor(UninitializedBuffer(t.requires_grad(), t.device(), t.dtype()));
    tensors_[t.impl()] = c;
    adopted_tensors_.insert(c.impl());
    return c;
  }
  {
    NoGradGuard g;
    c = t.detach().clone();
  }
  if (is_parameter(t))
    c = Parameter(c, t.requires_grad());
  else if (t.requires_grad())
    c.requires_grad_(true);
  if (t.grad().defined()) {
    NoGradGuard g;
    c.set_grad(t.grad().detach().clone());
  }
  tensors_[t.impl()] = c;
  adopted_tensors_.insert(c.impl());
  return c;
}

namespace {

// Gives `fresh` (a tensor the copy's constructor made) the state of `orig`,
// keeping fresh's TensorImpl so the copy's members see it.
void adopt(const Tensor& fresh, const Tensor& orig) {
  NoGradGuard g;
  Tensor f = fresh;
  if (is_lazy(orig)) {  // fresh is lazy too: only dtype, device and requires_grad to match
    f.set_data(orig.data());
    if (f.requires_grad() != orig.requires_grad()) f.requires_grad_(orig.requires_grad());
    return;
  }
  // A lazy module's copy: its constructor left the tensor uninitialised.
  if (is_lazy(f)) materialize(f, orig.sizes(), orig.device(), orig.dtype());
  f.set_grad(Tensor());
  f.set_data(orig.detach().clone());
  if (f.requires_grad() != orig.requires_grad()) f.requires_grad_(orig.requires_grad());
  if (orig.grad().defined()) f.set_grad(orig.grad().detach().clone());
}

}  // namespace

void CloneMemo::transfer(const Module& orig, Module& fresh) {
  OrderedDict<ModulePtr> children;
  for (const auto& [name, c] : orig.children_) {
    ModulePtr target;
    if (c) {
      if (auto it = modules_.find(c.get()); it != modules_.end()) {
        target = it->second;
      } else {
        const ModulePtr* f = fresh.children_.find(name);
        if (f && *f && !orig_modules_.count(f->get()) && !adopted_modules_.count(f->get()) &&
            typeid(**f) == typeid(*c)) {
          target = *f;
          modules_[c.get()] = target;
          adopted_modules_.insert(target.get());
          transfer(*c, *target);
        } else {
          target = module(*c);
        }
      }
    }
    children.insert(name, target);
  }

  auto tensors = [&](const OrderedDict<Tensor>& from, const OrderedDict<Tensor>& into) {
    OrderedDict<Tensor> out;
    for (const auto& [name, t] : from) {
      Tensor target;
      if (t.defined()) {
        if (auto it = tensors_.find(t.impl()); it != tensors_.end()) {
          target = it->second;
        } else {
          const Tensor* f = into.find(name);
          if (f && f->defined() && !orig_tensors_.count(f->impl()) &&
              !adopted_tensors_.count(f->impl()) && is_parameter(*f) == is_parameter(t) &&
              (!is_lazy(t) || is_lazy(*f)) && f->device().type == t.device().type) {
            adopt(*f, t);
            target = *f;
            tensors_[t.impl()] = target;
            adopted_tensors_.insert(target.impl());
          } else {
            target = copy_of(t);
          }
        }
      }
      out.insert(name, target);
    }
    return out;
  };
  OrderedDict<Tensor> params = tensors(orig.parameters_, fresh.parameters_);
  OrderedDict<Tensor> buffers = tensors(orig.buffers_, fresh.buffers_);

  fresh.children_ = std::move(children);
  fresh.parameters_ = std::move(params);
  fresh.buffers_ = std::move(buffers);
  fresh.sync_members();  // a tied tensor's copy replaced the fresh module's own
  fresh.non_persistent_ = orig.non_persistent_;
  fresh.training_ = orig.training_;
  fresh.name_ = orig.name_;
  if (auto extra = orig.get_extra_state())
    fresh.set_extra_state(extra->defined() ? extra->clone() : *extra);
}

}  // namespace detail

ModulePtr Module::clone() const {
  detail::CloneMemo memo(*this);
  return memo.module(*this);
}

}  // namespace ember::nn
