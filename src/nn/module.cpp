#include "ember/nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

#include "ember/core/grad_mode.h"

namespace ember::nn {

namespace {

enum Kind { kParameter = 0, kBuffer = 1, kModule = 2 };

// Names Python's hasattr(module, name) finds on every nn.Module: registering
// a member under one of them is an error there, so it is here too.
const std::set<std::string>& reserved_names() {
  static const std::set<std::string> names = {"training",
                                              "forward",
                                              "register_buffer",
                                              "register_parameter",
                                              "add_module",
                                              "register_module",
                                              "get_submodule",
                                              "get_parameter",
                                              "get_buffer",
                                              "get_extra_state",
                                              "set_extra_state",
                                              "apply",
                                              "cuda",
                                              "ipu",
                                              "xpu",
                                              "cpu",
                                              "type",
                                              "float",
                                              "double",
                                              "half",
                                              "bfloat16",
                                              "to_empty",
                                              "to",
                                              "register_full_backward_pre_hook",
                                              "register_backward_hook",
                                              "register_full_backward_hook",
                                              "register_forward_pre_hook",
                                              "register_forward_hook",
                                              "state_dict",
                                              "load_state_dict",
                                              "parameters",
                                              "named_parameters",
                                              "buffers",
                                              "named_buffers",
                                              "children",
                                              "named_children",
                                              "modules",
                                              "named_modules",
                                              "train",
                                              "eval",
                                              "requires_grad_",
                                              "zero_grad",
                                              "share_memory",
                                              "extra_repr",
                                              "dump_patches"};
  return names;
}

std::string demangled_class_name(const Module& m) {
  const char* mangled = typeid(m).name();
  int status = 0;
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string full = status == 0 && d ? d : mangled;
  std::free(d);
  // Drop namespaces and template arguments' scopes: "ember::nn::Linear" -> "Linear".
  const size_t lt = full.find('<');
  const size_t colon = full.rfind("::", lt == std::string::npos ? std::string::npos : lt);
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace

std::string Module::name() const { return name_.empty() ? demangled_class_name(*this) : name_; }

void Module::check_name(const std::string& name, const char* what, int kind) const {
  const bool taken =
      reserved_names().count(name) || (kind != kParameter && parameters_.contains(name)) ||
      (kind != kBuffer && buffers_.contains(name)) || (kind != kModule && children_.contains(name));
  if (kind == kModule) {
    EMBER_CHECK(!taken, KeyError, "attribute '", name, "' already exists");
    EMBER_CHECK(name.find('.') == std::string::npos, KeyError,
                "module name can't contain \".\", got: ", name);
    EMBER_CHECK(!name.empty(), KeyError, "module name can't be empty string \"\"");
    return;
  }
  EMBER_CHECK(name.find('.') == std::string::npos, KeyError, what, " name can't contain \".\"");
  EMBER_CHECK(!name.empty(), KeyError, what, " name can't be empty string \"\"");
  EMBER_CHECK(!taken, KeyError, "attribute '", name, "' already exists");
}

Tensor& Module::register_parameter(const std::string& name, Tensor param, bool requires_grad) {
  check_name(name, "parameter", kParameter);
  if (param.defined()) {
    EMBER_CHECK(param.is_leaf(), ValueError, "Cannot assign non-leaf Tensor to parameter '", name,
                "'. Model parameters must be created explicitly. To express '", name,
                "' as a function of another Tensor, compute the value in the forward() method.");
    if (requires_grad && !param.requires_grad()) param.requires_grad_(true);
    param.impl()->set_is_parameter(true);
  }
  return parameters_.insert(name, std::move(param));
}

Tensor& Module::register_buffer(const std::string& name, Tensor tensor, bool persistent) {
  check_name(name, "buffer", kBuffer);
  if (persistent)
    non_persistent_.erase(name);
  else
    non_persistent_.insert(name);
  return buffers_.insert(name, std::move(tensor));
}

void Module::add_module_impl(const std::string& name, ModulePtr module) {
  check_name(name, "module", kModule);
  children_.insert(name, std::move(module));
}

std::vector<std::pair<std::string, ModulePtr>> Module::named_children() const {
  std::vector<std::pair<std::string, ModulePtr>> out;
  std::set<const Module*> memo;
  for (const auto& [name, m] : children_)
    if (m && memo.insert(m.get()).second) out.emplace_back(name, m);
  return out;
}

std::vector<ModulePtr> Module::children() const {
  std::vector<ModulePtr> out;
  for (auto& [name, m] : named_children()) out.push_back(m);
  return out;
}

std::vector<std::pair<std::string, ModulePtr>> Module::named_modules(std::set<const Module*>* memo,
                                                                     const std::string& prefix,
                                                                     bool remove_duplicate) {
  std::set<const Module*> own;
  if (!memo) memo = &own;
  std::vector<std::pair<std::string, ModulePtr>> out;
  // Depth-first, parents before children, as PyTorch's generator yields them.
  std::vector<std::pair<std::string, ModulePtr>> stack{{prefix, shared_from_this()}};
  while (!stack.empty()) {
    auto [p, m] = std::move(stack.back());
    stack.pop_back();
    if (memo->count(m.get())) continue;
    if (remove_duplicate) memo->insert(m.get());
    out.emplace_back(p, m);
    const auto& items = m->children_.items();
    for (auto it = items.rbegin(); it != items.rend(); ++it)
      if (it->second) stack.emplace_back(join(p, it->first), it->second);
  }
  return out;
}

std::vector<ModulePtr> Module::modules() {
  std::vector<ModulePtr> out;
  for (auto& [name, m] : named_modules()) out.push_back(m);
  return out;
}

namespace {

// PyTorch's _named_members: members of each module in named_modules order,
// each tensor listed once (by identity) unless remove_duplicate is false.
template <typename Get>
std::vector<std::pair<std::string, Tensor>> named_members(Module& self, const std::string& prefix,
                                                          bool recurse, bool remove_duplicate,
                                                          Get get) {
  std::vector<std::pair<std::string, ModulePtr>> mods;
  if (recurse)
    mods = self.named_modules(nullptr, prefix, remove_duplicate);
  else
    mods.emplace_back(prefix, self.shared_from_this());
  std::set<const TensorImpl*> memo;
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [p, m] : mods)
    for (const auto& [k, v] : get(*m)) {
      if (!v.defined() || memo.count(v.impl())) continue;
      if (remove_duplicate) memo.insert(v.impl());
      out.emplace_back(join(p, k), v);
    }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(const std::string& prefix,
                                                                     bool recurse,
                                                                     bool remove_duplicate) {
  return named_members(
      *this, prefix, recurse, remove_duplicate,
      [](const Module& m) -> const auto& { return m.parameters_.items(); });
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(const std::string& prefix,
                                                                  bool recurse,
                                                                  bool remove_duplicate) {
  return named_members(
      *this, prefix, recurse, remove_duplicate,
      [](const Module& m) -> const auto& { return m.buffers_.items(); });
}

std::vector<Tensor> Module::parameters(bool recurse) {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters("", recurse)) out.push_back(t);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers("", recurse)) out.push_back(t);
  return out;
}

ModulePtr Module::get_submodule(const std::string& target) {
  ModulePtr mod = shared_from_this();
  if (target.empty()) return mod;
  size_t start = 0;
  while (true) {
    const size_t dot = target.find('.', start);
    const std::string item = target.substr(start, dot == std::string::npos ? dot : dot - start);
    const ModulePtr* child = mod->children_.find(item);
    if (!child) {
      const bool other = mod->parameters_.contains(item) || mod->buffers_.contains(item) ||
                         reserved_names().count(item);
      EMBER_CHECK(other, AttributeError, mod->name(), " has no attribute `", item, "`");
      throw AttributeError(detail::str_cat("`", item, "` is not an nn.Module"));
    }
    EMBER_CHECK(*child, AttributeError, "`", item, "` is not an nn.Module");
    mod = *child;
    if (dot == std::string::npos) return mod;
    start = dot + 1;
  }
}

namespace {
std::pair<std::string, std::string> rpartition(const std::string& target) {
  const size_t dot = target.rfind('.');
  if (dot == std::string::npos) return {"", target};
  return {target.substr(0, dot), target.substr(dot + 1)};
}
}  // namespace

Tensor Module::get_parameter(const std::string& target) {
  auto [path, pname] = rpartition(target);
  ModulePtr mod = get_submodule(path);
  const Tensor* p = mod->parameters_.find(pname);
  if (!p) {
    const bool other = mod->buffers_.contains(pname) || mod->children_.contains(pname) ||
                       reserved_names().count(pname);
    EMBER_CHECK(other, AttributeError, mod->name(), " has no attribute `", pname, "`");
    throw AttributeError(detail::str_cat("`", pname, "` is not an nn.Parameter"));
  }
  EMBER_CHECK(p->defined(), AttributeError, "`", pname, "` is not an nn.Parameter");
  return *p;
}

Tensor Module::get_buffer(const std::string& target) {
  auto [path, bname] = rpartition(target);
  ModulePtr mod = get_submodule(path);
  const Tensor* b = mod->buffers_.find(bname);
  if (!b) {
    const bool other = mod->parameters_.contains(bname) || mod->children_.contains(bname) ||
                       reserved_names().count(bname);
    EMBER_CHECK(other, AttributeError, mod->name(), " has no attribute `", bname, "`");
    throw AttributeError(detail::str_cat("`", bname, "` is not a buffer"));
  }
  return *b;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& c : children()) c->apply(fn);
  fn(*this);
  return *this;
}

Module& Module::train(bool mode) {
  training_ = mode;
  for (auto& c : children()) c->train(mode);
  return *this;
}

Module& Module::requires_grad_(bool requires_grad) {
  for (auto& p : parameters()) p.requires_grad_(requires_grad);
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
      continue;
    }
    Tensor& g = p.mutable_grad();
    if (g.grad_fn())
      g.detach_();
    else
      g.requires_grad_(false);
    NoGradGuard no_grad;
    g.zero_();
  }
}

}  // namespace ember::nn
