#include "ember/nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

#include "ember/core/grad_mode.h"
#include "nn/traversal.h"

namespace ember::nn {

namespace {

enum Kind { kParameter = 0, kBuffer = 1, kModule = 2 };

// Names Python's hasattr(module, name) finds on every nn.Module of PyTorch
// 1.13 (dir(nn.Module()): its methods and attributes, private ones included):
// registering a member under one of them is an error there, so it is here too.
const std::set<std::string>& reserved_names() {
  // clang-format off
  static const std::set<std::string> names = {
      "T_destination", "__annotations__", "__call__", "__class__", "__delattr__", "__dict__",
      "__dir__", "__doc__", "__eq__", "__format__", "__ge__", "__getattr__", "__getattribute__",
      "__getstate__", "__gt__", "__hash__", "__init__", "__init_subclass__", "__le__", "__lt__",
      "__module__", "__ne__", "__new__", "__reduce__", "__reduce_ex__", "__repr__", "__setattr__",
      "__setstate__", "__sizeof__", "__str__", "__subclasshook__", "__weakref__", "_apply",
      "_backward_hooks", "_buffers", "_call_impl", "_forward_hooks", "_forward_pre_hooks",
      "_get_backward_hooks", "_get_name", "_is_full_backward_hook", "_load_from_state_dict",
      "_load_state_dict_post_hooks", "_load_state_dict_pre_hooks",
      "_maybe_warn_non_full_backward_hook", "_modules", "_named_members",
      "_non_persistent_buffers_set", "_parameters", "_register_load_state_dict_pre_hook",
      "_register_state_dict_hook", "_replicate_for_data_parallel", "_save_to_state_dict",
      "_slow_forward", "_state_dict_hooks", "_version", "add_module", "apply", "bfloat16",
      "buffers", "children", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr",
      "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule",
      "half", "ipu", "load_state_dict", "modules", "named_buffers", "named_children",
      "named_modules", "named_parameters", "parameters", "register_backward_hook",
      "register_buffer", "register_forward_hook", "register_forward_pre_hook",
      "register_full_backward_hook", "register_load_state_dict_post_hook", "register_module",
      "register_parameter", "requires_grad_", "set_extra_state", "share_memory", "state_dict",
      "to", "to_empty", "train", "training", "type", "xpu", "zero_grad"};
  // clang-format on
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

bool Module::class_has_attribute(const std::string& name) const {
  return reserved_names().count(name) != 0;
}

void Module::check_name(const std::string& name, const char* what, int kind) const {
  const bool taken =
      class_has_attribute(name) || (kind != kParameter && parameters_.contains(name)) ||
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
  Tensor& slot = parameters_.insert(name, std::move(param));
  sync_members(&name);
  return slot;
}

Tensor& Module::register_parameter(const std::string& name, Tensor param, Tensor* member,
                                   bool requires_grad) {
  Tensor& slot = register_parameter(name, std::move(param), requires_grad);
  track(name, member, true);
  *member = slot;
  return slot;
}

Tensor& Module::register_buffer(const std::string& name, Tensor tensor, Tensor* member,
                                bool persistent) {
  Tensor& slot = register_buffer(name, std::move(tensor), persistent);
  track(name, member, false);
  *member = slot;
  return slot;
}

void Module::track(const std::string& name, Tensor* member, bool parameter) {
  for (const TrackedMember& m : members_)
    if (m.member == member && m.name == name) return;
  members_.push_back({name, member, parameter});
}

void Module::sync_members(const std::string* name) {
  for (const TrackedMember& m : members_) {
    if (name && m.name != *name) continue;
    const Tensor* t = m.parameter ? parameters_.find(m.name) : buffers_.find(m.name);
    *m.member = t ? *t : Tensor();
  }
}

Tensor& Module::register_buffer(const std::string& name, Tensor tensor, bool persistent) {
  check_name(name, "buffer", kBuffer);
  if (persistent)
    non_persistent_.erase(name);
  else
    non_persistent_.insert(name);
  Tensor& slot = buffers_.insert(name, std::move(tensor));
  sync_members(&name);
  return slot;
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

namespace {

// PyTorch's named_modules order without the names' strings: depth-first,
// parents before children, children in registration order; with a memo each
// module once. path holds the module's dotted name while f runs.
template <typename F>
void walk(Module& m, std::string& path, internal::PtrSet* memo, const F& f) {
  if (memo && !memo->insert(&m)) return;
  f(path, m);
  const size_t len = path.size();
  for (const auto& [name, child] : m.named_children_local()) {
    if (!child) continue;
    if (len) path += '.';
    path += name;
    walk(*child, path, memo, f);
    path.resize(len);
  }
}

// prefix + "." + name (name alone when prefix is empty), in one allocation.
std::string joined(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  std::string s;
  s.reserve(prefix.size() + 1 + name.size());
  s.append(prefix).append(1, '.').append(name);
  return s;
}

}  // namespace

std::vector<std::pair<std::string, ModulePtr>> Module::named_modules(std::set<const Module*>* memo,
                                                                     const std::string& prefix,
                                                                     bool remove_duplicate) {
  std::vector<std::pair<std::string, ModulePtr>> out;
  if (!memo) {
    internal::PtrSet own;
    std::string path = prefix;
    walk(*this, path, remove_duplicate ? &own : nullptr,
         [&](const std::string& p, Module& m) { out.emplace_back(p, m.shared_from_this()); });
    return out;
  }
  // A caller's memo (shared across calls as in PyTorch): modules in it are skipped.
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
  internal::PtrSet memo;
  std::string path;
  walk(*this, path, &memo,
       [&](const std::string&, Module& m) { out.push_back(m.shared_from_this()); });
  return out;
}

namespace {

// PyTorch's _named_members: members of each module in named_modules order,
// each tensor listed once (by identity) unless remove_duplicate is false.
// emit(path, name, tensor) gets each; the names are made only if it uses them.
template <typename Get, typename Emit>
void members(Module& self, const std::string& prefix, bool recurse, bool remove_duplicate, Get get,
             const Emit& emit) {
  internal::PtrSet module_memo, memo;
  auto visit = [&](const std::string& p, Module& m) {
    for (const auto& [k, v] : get(m)) {
      if (!v.defined()) continue;
      if (remove_duplicate ? !memo.insert(v.impl()) : false) continue;
      emit(p, k, v);
    }
  };
  std::string path = prefix;
  if (recurse)
    walk(self, path, remove_duplicate ? &module_memo : nullptr, visit);
  else
    visit(path, self);
}

template <typename Get>
std::vector<std::pair<std::string, Tensor>> named_members(Module& self, const std::string& prefix,
                                                          bool recurse, bool remove_duplicate,
                                                          Get get) {
  std::vector<std::pair<std::string, Tensor>> out;
  out.reserve(64);
  members(self, prefix, recurse, remove_duplicate, get,
          [&](const std::string& p, const std::string& k, const Tensor& v) {
            out.emplace_back(joined(p, k), v);
          });
  return out;
}

template <typename Get>
std::vector<Tensor> unnamed_members(Module& self, bool recurse, Get get) {
  std::vector<Tensor> out;
  out.reserve(64);
  members(self, "", recurse, true, get,
          [&](const std::string&, const std::string&, const Tensor& v) { out.push_back(v); });
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
  return unnamed_members(
      *this, recurse, [](const Module& m) -> const auto& { return m.parameters_.items(); });
}

std::vector<Tensor> Module::buffers(bool recurse) {
  return unnamed_members(
      *this, recurse, [](const Module& m) -> const auto& { return m.buffers_.items(); });
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
                         mod->class_has_attribute(item);
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
                       mod->class_has_attribute(pname);
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
                       mod->class_has_attribute(bname);
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
  // The gradients zero_() would fill with a plain memset (dense CPU tensors
  // outside inference) are zeroed together, in parallel, and their versions
  // moved on as zero_ moves them; the others by zero_ itself, in order (the
  // pending ones first, as also when anything throws).
  std::vector<char*> pending;
  std::vector<int64_t> offsets{0};
  std::vector<TensorImpl*> bumped;
  auto flush = [&] {
    if (bumped.empty()) return;
    if (!pending.empty()) internal::zero_pieces(pending, offsets);
    for (TensorImpl* g : bumped) g->bump_version();
    pending.clear();
    offsets.resize(1);
    bumped.clear();
  };
  try {
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
      TensorImpl* gi = g.impl();
      if (gi->device().type == DeviceType::CPU && gi->is_contiguous() && !gi->is_inference()) {
        if (gi->numel() > 0) {
          pending.push_back(static_cast<char*>(gi->data_unchecked()));
          offsets.push_back(offsets.back() + gi->numel() * static_cast<int64_t>(gi->itemsize()));
        }
        bumped.push_back(gi);
        continue;
      }
      flush();
      NoGradGuard no_grad;
      g.zero_();
    }
  } catch (...) {
    flush();
    throw;
  }
  flush();
}

}  // namespace ember::nn
