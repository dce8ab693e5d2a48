// Module::state_dict and Module::load_state_dict with torch.nn.Module's
// semantics (torch/nn/modules/module.py: state_dict, _save_to_state_dict,
// load_state_dict, _load_from_state_dict), plus one guarantee PyTorch lacks: a
// load that throws leaves the module exactly as it was.
//
// How a load keeps that guarantee. The tree is walked in PyTorch's order
// (pre-hooks, the module's own keys, "_extra_state", the unexpected-key scan,
// the children, post-hooks), collecting missing and unexpected keys and error
// messages, and every copy is planned rather than done: the checks copy_ would
// make are made here, so the plan cannot fail. Only when the load succeeds is
// the plan run; set_extra_state (user code that may throw) is the one step that
// can still fail, and the copies before it keep an undo record.
//
// Load post-hooks must see the loaded values and the keys found so far, so when
// the tree has any, the walk copies as it goes (exactly PyTorch's order) and
// keeps an undo record of everything it changes (a clone of each overwritten
// tensor, its version, the data an assign replaced, the extra state), which a
// failing load plays back in reverse.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "ember/core/grad_mode.h"
#include "ember/nn/module.h"
#include "nn/traversal.h"
#include "ops/op_utils.h"

namespace ember::nn {

namespace {

// Python's repr of a str: single quotes unless the text has one and no double.
std::string py_repr(const std::string& s) {
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out(1, q);
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == q || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  out += q;
  return out;
}

std::string py_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + py_repr(v[i]);
  return s + "]";
}

std::string torch_size(IntArrayRef s) { return detail::str_cat("torch.Size(", s, ")"); }

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Runs the hooks of `list` in order. A hook may remove itself or another hook
// (a removed hook that has not run yet is skipped) or add one (it runs next time).
template <typename Fn, typename... Args>
void run_hooks(const HookList<Fn>& list, Args&... args) {
  std::vector<int64_t> ids;
  ids.reserve(list.size());
  for (const auto& [id, fn] : list) ids.push_back(id);
  for (const int64_t id : ids) {
    Fn fn;
    for (const auto& [i, f] : list)
      if (i == id) {
        fn = f;  // a copy: the hook may remove itself while it runs
        break;
      }
    if (fn) fn(args...);
  }
}

// What Tensor::copy_(src) would throw writing into dst under no_grad (dst and src
// of one shape), as the message PyTorch puts in ex.args; nothing if it succeeds.
// Mirrors the checks of copy_ (ops/copy.cpp: check_inplace, copy_data).
std::optional<std::string> copy_problem(const Tensor& dst, const Tensor& src) {
  if (dst.impl()->is_inference() && !is_inference_mode_enabled())
    return "Inplace update to inference tensor outside InferenceMode is not allowed.You can make "
           "a clone to get a normal tensor before doing inplace update.See "
           "https://github.com/pytorch/rfcs/pull/17 for more details.";
  try {
    check_device_available(src.device());
  } catch (const Error& e) {
    return std::string(e.what());
  }
  if (dst.is_meta()) return std::nullopt;  // copying into meta is shape-only
  if (src.is_meta()) return "Cannot copy out of meta tensor; no data!";
  if (ops::has_internal_overlap(dst))
    return "unsupported operation: more than one element of the written-to tensor refers to a "
           "single memory location. Please clone() the tensor before performing the operation.";
  if (dst.numel() == 0 || dst.is_same(src) || dst.storage() != src.storage()) return std::nullopt;
  const auto [alo, ahi] = ops::byte_span(dst);
  const auto [blo, bhi] = ops::byte_span(src);
  const bool intersect = alo < bhi && blo < ahi;
  const bool dense = dst.is_non_overlapping_and_dense() && src.is_non_overlapping_and_dense();
  const bool full = alo == blo && ahi == bhi && dst.strides() == src.strides();
  if (intersect && dense && !full)
    return "unsupported operation: some elements of the input tensor and the written-to tensor "
           "refer to a single memory location. Please clone() the tensor before performing the "
           "operation.";
  return std::nullopt;
}

// What making src the data of dst (assign = true) would throw.
std::optional<std::string> assign_problem(const Tensor& dst, const Tensor& src) {
  // PyTorch wraps src in Parameter(src, requires_grad=param.requires_grad).
  if (is_parameter(dst) && dst.requires_grad() && !is_floating_point(src.dtype()))
    return "only Tensors of floating point dtype can require gradients";
  return std::nullopt;
}

// dst takes src's storage, dtype, device and geometry, keeping its own identity
// and autograd state: Tensor::set_data, which also crosses device types here
// (a model made on the meta device takes cpu tensors).
void assign_data(const Tensor& dst, const Tensor& src) {
  TensorImpl* d = dst.impl();
  const TensorImpl* s = src.impl();
  if (d->device().type == s->device().type) {
    dst.set_data(src);
    return;
  }
  d->set_storage(s->storage());
  d->set_dtype(s->dtype());
  d->set_sizes_and_strides(s->sizes(), s->strides(), s->storage_offset());
}

// A detached handle on t's current data and geometry (not its later data).
Tensor same_data(const Tensor& t) {
  const TensorImpl* i = t.impl();
  return Tensor(std::make_shared<TensorImpl>(i->storage(), i->dtype(), i->sizes(), i->strides(),
                                             i->storage_offset()));
}

// state_dict makes one detached handle per entry. Allocated one by one, the
// TensorImpls (about 280 bytes each) are much of its time: glibc keeps only 7
// freed blocks of a size in its per-thread cache, so hundreds of them take its
// slow paths both ways. An ImplArena hands them out of a few blocks instead; a
// block counts the handles living in it (and the arena while it fills it) and
// is freed when that count reaches zero, whichever thread drops the last one.
class ImplArena {
 public:
  static constexpr size_t kBlockBytes = 16 << 10;
  struct Block {
    std::atomic<int64_t> live{1};  // the arena's own reference while current
    void release() {
      if (live.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        this->~Block();
        ::operator delete(static_cast<void*>(this), std::align_val_t(kBlockBytes));
      }
    }
  };

  ImplArena() = default;
  ImplArena(const ImplArena&) = delete;
  ImplArena& operator=(const ImplArena&) = delete;
  ~ImplArena() {
    if (block_) block_->release();
  }

  // Room for `bytes`, counted by its block.
  void* allocate(size_t bytes) {
    constexpr size_t align = alignof(std::max_align_t);
    bytes = (bytes + align - 1) & ~(align - 1);
    if (!block_ || used_ + bytes > kBlockBytes) {
      if (block_) block_->release();
      block_ = new (::operator new(kBlockBytes, std::align_val_t(kBlockBytes))) Block();
      used_ = (sizeof(Block) + align - 1) & ~(align - 1);
      if (used_ + bytes > kBlockBytes) throw std::bad_alloc();
    }
    block_->live.fetch_add(1, std::memory_order_relaxed);
    void* p = reinterpret_cast<char*>(block_) + used_;
    used_ += bytes;
    return p;
  }
  // Gives back what allocate returned: blocks are aligned to their size.
  static void deallocate(void* p) {
    reinterpret_cast<Block*>(reinterpret_cast<uintptr_t>(p) & ~uintptr_t(kBlockBytes - 1))
        ->release();
  }

 private:
  Block* block_ = nullptr;
  size_t used_ = 0;
};

// The allocator of the handles (only allocate needs the arena, which lives
// while state_dict runs; a handle's block is found from its address).
template <typename T>
struct ArenaAllocator {
  using value_type = T;
  ImplArena* arena;
  explicit ArenaAllocator(ImplArena* a) : arena(a) {}
  template <typename U>
  ArenaAllocator(const ArenaAllocator<U>& o) : arena(o.arena) {}
  T* allocate(size_t n) { return static_cast<T*>(arena->allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t) { ImplArena::deallocate(p); }
  template <typename U>
  bool operator==(const ArenaAllocator<U>& o) const {
    return arena == o.arena;
  }
};

// t.detach() (tensor_autograd.cpp: the same storage and geometry, the same
// version counter and laziness, no autograd state), allocated from `arena`.
Tensor detach_from(ImplArena* arena, const Tensor& t) {
  TensorImpl* i = t.impl();
  auto d =
      std::allocate_shared<TensorImpl>(ArenaAllocator<TensorImpl>(arena), i->storage(), i->dtype(),
                                       i->sizes(), i->strides(), i->storage_offset());
  d->set_version_counter(i->version_counter());
  d->set_uninitialized(i->uninitialized());  // a lazy module's entry stays lazy
  return Tensor(std::move(d));
}

}  // namespace

// ---------------------------------------------------------------------------
// IncompatibleKeys

std::string IncompatibleKeys::str() const {
  if (empty()) return "<All keys matched successfully>";
  return "_IncompatibleKeys(missing_keys=" + py_list(missing_keys) +
         ", unexpected_keys=" + py_list(unexpected_keys) + ")";
}

std::ostream& operator<<(std::ostream& os, const IncompatibleKeys& keys) {
  return os << keys.str();
}

// ---------------------------------------------------------------------------
// The implementation (a friend of Module).

class StateDictImpl {
 public:
  static StateDictHooks& hooks(Module& m) {
    if (!m.state_dict_hooks_) m.state_dict_hooks_ = std::make_shared<StateDictHooks>();
    return *m.state_dict_hooks_;
  }
  // The hooks, kept alive while they run (a hook may register or remove hooks).
  static std::shared_ptr<StateDictHooks> hooks_if_any(const Module& m) {
    return m.state_dict_hooks_;
  }

  template <typename Fn>
  static RemovableHandle add_hook(Module& m, HookList<Fn> StateDictHooks::*list, Fn hook) {
    EMBER_CHECK(static_cast<bool>(hook), TypeError, "hook must be callable");
    StateDictHooks& h = hooks(m);
    const int64_t id = (h.*list).add(std::move(hook));
    return RemovableHandle([w = std::weak_ptr<StateDictHooks>(m.state_dict_hooks_), list, id] {
      if (auto hs = w.lock()) ((*hs).*list).erase(id);
    });
  }

  // PyTorch's state_dict(destination=dest, prefix=prefix, keep_vars=keep_vars).
  // prefix is a buffer the walk appends names to and cuts back (one key
  // string made per entry, none per module); it holds this module's prefix
  // whenever a hook sees it.
  static void save(Module& m, StateDict& dest, std::string& prefix, bool keep_vars,
                   ImplArena* arena) {
    if (m.state_dict_hooks_ && !m.state_dict_hooks_->state_dict_pre.empty()) {
      const std::shared_ptr<StateDictHooks> h = m.state_dict_hooks_;  // alive while they run
      const std::string& p = prefix;
      run_hooks(h->state_dict_pre, m, p, keep_vars);
    }
    const size_t len = prefix.size();
    auto put = [&](const std::string& name, const Tensor& t) {
      prefix.append(name);
      dest.insert(prefix, keep_vars ? t : detach_from(arena, t));
      prefix.resize(len);
    };
    // _save_to_state_dict
    for (const auto& [name, p] : m.parameters_)
      if (p.defined()) put(name, p);
    for (const auto& [name, b] : m.buffers_)
      if (b.defined() && (m.non_persistent_.empty() || !m.non_persistent_.count(name)))
        put(name, b);
    if (auto extra = m.get_extra_state()) {
      prefix.append(kExtraStateKeySuffix);
      dest.insert(prefix, *extra);
      prefix.resize(len);
    }
    for (const auto& [name, child] : m.children_) {
      if (!child) continue;
      prefix.append(name).append(1, '.');
      save(*child, dest, prefix, keep_vars, arena);
      prefix.resize(len);
    }
    if (m.state_dict_hooks_ && !m.state_dict_hooks_->state_dict_post.empty()) {
      const std::shared_ptr<StateDictHooks> h = m.state_dict_hooks_;
      std::string p = prefix;
      run_hooks(h->state_dict_post, m, dest, p);
    }
  }

  static IncompatibleKeys load(Module& root, const StateDict& state_dict, bool strict, bool assign);

  // Whether any module of the tree has a load post-hook.
  static bool has_load_post_hooks(const Module& m, std::set<const Module*>& seen) {
    if (!seen.insert(&m).second) return false;
    if (m.state_dict_hooks_ && !m.state_dict_hooks_->load_post.empty()) return true;
    for (const auto& [name, child] : m.children_)
      if (child && has_load_post_hooks(*child, seen)) return true;
    return false;
  }
};

namespace {

using Item = std::pair<std::string, Tensor>;
// The entries of a module's state dict under its prefix, pointing into `backing`
// (the caller's dict, or the copy a pre-hook was given).
using View = std::vector<const Item*>;

// One planned change of a load.
struct Action {
  enum Kind { Copy, Assign, Extra } kind;
  Tensor target;   // Copy, Assign: the parameter or buffer
  Tensor source;   // the state dict's tensor (the extra state for Extra)
  Module* module;  // Extra: whose set_extra_state
};

// How to take one Action back.
struct Undo {
  Action::Kind kind;
  Tensor target;
  Tensor saved;  // Copy: a clone of the old values; Assign: the old data; Extra: old state
  Tensor grad;   // Assign: the old .grad
  uint32_t version = 0;
  Module* module = nullptr;
};

class Loader {
 public:
  Loader(bool strict, bool assign, bool immediate) : immediate_(immediate) {
    ctx.strict = strict;
    ctx.assign = assign;
  }

  LoadStateDictContext ctx;

  // PyTorch's load(module, local_state_dict, prefix) with _load_from_state_dict.
  void visit(Module& m, const View& view_in, const StateDict& backing_in,
             const std::string& prefix) {
    const View* view = &view_in;
    const StateDict* backing = &backing_in;
    StateDict local;  // the module's own copy, made only for its pre-hooks
    View local_view;
    if (auto h = StateDictImpl::hooks_if_any(m); h && !h->load_pre.empty()) {
      for (const Item* it : *view) local.insert(it->first, it->second);
      std::string p = prefix;
      run_hooks(h->load_pre, m, local, p, ctx);
      local_view.reserve(local.size());
      for (const Item& it : local.items()) local_view.push_back(&it);
      view = &local_view;
      backing = &local;
    }

    // The module's own state: parameters, then persistent buffers (None ones left out).
    const auto& params = m.named_parameters_local();
    const auto& buffers = m.named_buffers_local();
    auto visit_local = [&](const std::string& name, const Tensor& target) {
      const std::string key = prefix + name;
      const Tensor* value = backing->find(key);
      if (!value)
        ctx.keys.missing_keys.push_back(key);  // PyTorch passes strict=True: always listed
      else
        plan_tensor(key, target, *value);
    };
    for (const auto& [name, p] : params)
      if (p.defined()) visit_local(name, p);
    for (const auto& [name, b] : buffers)
      if (b.defined() && m.is_persistent_buffer(name)) visit_local(name, b);

    const std::string extra_key = prefix + kExtraStateKeySuffix;
    if (std::optional<Tensor> old = m.get_extra_state()) {
      if (const Tensor* value = backing->find(extra_key))
        act({Action::Extra, Tensor(), *value, &m}, *old);
      else
        ctx.keys.missing_keys.push_back(extra_key);
    } else if (backing->contains(extra_key)) {
      ctx.keys.unexpected_keys.push_back(extra_key);
    }

    // Unexpected: a key under prefix whose first name is neither a child (None
    // children count) nor a loaded parameter or buffer (PyTorch 1.13's rule).
    const auto& children = m.named_children_local();
    for (const Item* it : *view) {
      const std::string& key = it->first;
      if (!starts_with(key, prefix) || key == extra_key) continue;
      const size_t dot = key.find('.', prefix.size());
      const std::string name = key.substr(
          prefix.size(), dot == std::string::npos ? std::string::npos : dot - prefix.size());
      if (children.contains(name)) continue;
      const Tensor* p = params.find(name);
      if (p && p->defined()) continue;
      const Tensor* b = buffers.find(name);
      if (b && b->defined() && m.is_persistent_buffer(name)) continue;
      ctx.keys.unexpected_keys.push_back(key);
    }

    for (const auto& [name, child] : children) {
      if (!child) continue;
      const std::string child_prefix = prefix + name + ".";
      View child_view;
      for (const Item* it : *view)
        if (starts_with(it->first, child_prefix)) child_view.push_back(it);
      visit(*child, child_view, *backing, child_prefix);
    }

    if (auto h = StateDictImpl::hooks_if_any(m); h && !h->load_post.empty())
      run_hooks(h->load_post, m, ctx.keys);
  }

  bool failed() const { return !ctx.error_msgs.empty() || (ctx.strict && !ctx.keys.empty()); }

  // Runs the plan (deferred mode). Only set_extra_state may throw; the changes
  // made before the last one are recorded and taken back if it does.
  void run_plan() {
    if (run_copies_together()) {
      plan_.clear();
      return;
    }
    size_t last_extra = 0;
    for (size_t i = 0; i < plan_.size(); ++i)
      if (plan_[i].kind == Action::Extra) last_extra = i + 1;
    try {
      for (size_t i = 0; i < plan_.size(); ++i) {
        if (plan_[i].kind == Action::Extra) {
          const std::optional<Tensor> old = plan_[i].module->get_extra_state();
          execute(plan_[i], i < last_extra, old ? *old : Tensor());
        } else {
          execute(plan_[i], i < last_extra, Tensor());
        }
      }
    } catch (...) {
      rollback();
      throw;
    }
    plan_.clear();
  }

  // The usual load: every action a copy between contiguous CPU tensors of one
  // dtype, no two targets sharing a byte and no source sharing one with a
  // target. The copies are then independent and cannot fail: they run as one
  // parallel copy of all the bytes (what copy_ does tensor by tensor, without a
  // parallel region per tensor), and each target's version moves on as copy_
  // moves it. Returns false, having done nothing, for any other plan.
  bool run_copies_together() {
    std::vector<char*> dst;
    std::vector<const char*> src;
    std::vector<int64_t> offsets{0};
    dst.reserve(plan_.size());
    src.reserve(plan_.size());
    offsets.reserve(plan_.size() + 1);
    std::vector<std::pair<const char*, const char*>> targets;  // byte ranges
    targets.reserve(plan_.size());
    for (const Action& a : plan_) {
      if (a.kind != Action::Copy) return false;
      const TensorImpl* t = a.target.impl();
      const TensorImpl* s = a.source.impl();
      if (t->device().type != DeviceType::CPU || s->device().type != DeviceType::CPU ||
          t->dtype() != s->dtype() || !t->is_contiguous() || !s->is_contiguous() ||
          t->numel() != s->numel())
        return false;
      if (t->numel() == 0) continue;
      const int64_t bytes = t->numel() * static_cast<int64_t>(t->itemsize());
      dst.push_back(static_cast<char*>(t->data_unchecked()));
      src.push_back(static_cast<const char*>(s->data_unchecked()));
      offsets.push_back(offsets.back() + bytes);
      targets.emplace_back(dst.back(), dst.back() + bytes);
    }
    std::sort(targets.begin(), targets.end());
    for (size_t i = 1; i < targets.size(); ++i)
      if (targets[i].first < targets[i - 1].second) return false;
    for (size_t i = 0; i < src.size(); ++i) {
      const char* lo = src[i];
      const char* hi = lo + (offsets[i + 1] - offsets[i]);
      // The first target ending after lo must start at or after hi.
      auto it = std::upper_bound(targets.begin(), targets.end(), lo,
                                 [](const char* p, const auto& r) { return p < r.second; });
      if (it != targets.end() && it->first < hi) return false;
    }
    if (!dst.empty()) internal::copy_pieces(dst, src, offsets);
    for (const Action& a : plan_) a.target.impl()->bump_version();
    return true;
  }

  // Takes back every recorded change, newest first.
  void rollback() noexcept {
    NoGradGuard no_grad;
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      try {
        switch (it->kind) {
          case Action::Copy:
            if (it->saved.defined()) it->target.copy_(it->saved);
            it->target.impl()->version_counter()->version.store(it->version);
            break;
          case Action::Assign:
            assign_data(it->target, it->saved);
            it->target.set_grad(it->grad);
            break;
          case Action::Extra:
            it->module->set_extra_state(it->saved);
            break;
        }
      } catch (...) {
        // Best effort: a set_extra_state that throws again cannot be undone.
      }
    }
    undo_.clear();
  }

 private:
  // The checks _load_from_state_dict makes for one key, then the copy or assign.
  void plan_tensor(const std::string& key, const Tensor& target, const Tensor& value) {
    if (!value.defined()) {
      ctx.error_msgs.push_back("While copying the parameter named \"" + key +
                               "\", expected torch.Tensor or Tensor-like object from checkpoint "
                               "but received <class 'NoneType'>");
      return;
    }
    Tensor source = value;
    // Backward compatibility: a 1-dim tensor from PyTorch 0.3 loads into a 0-dim one.
    if (target.dim() == 0 && source.dim() == 1) {
      EMBER_CHECK(source.size(0) > 0, IndexError,
                  "index 0 is out of bounds for dimension 0 with size 0");
      NoGradGuard no_grad;
      source = source.select(0, 0);
    }
    if (source.sizes() != target.sizes()) {
      ctx.error_msgs.push_back(detail::str_cat(
          "size mismatch for ", key, ": copying a param with shape ", torch_size(source.sizes()),
          " from checkpoint, the shape in current model is ", torch_size(target.sizes()), "."));
      return;
    }
    const std::optional<std::string> problem =
        ctx.assign ? assign_problem(target, source) : copy_problem(target, source);
    if (problem) {
      ctx.error_msgs.push_back(detail::str_cat(
          "While copying the parameter named \"", key, "\", whose dimensions in the model are ",
          torch_size(target.sizes()), " and whose dimensions in the checkpoint are ",
          torch_size(source.sizes()), ", an exception occurred : (", py_repr(*problem), ",)."));
      return;
    }
    act({ctx.assign ? Action::Assign : Action::Copy, target, source, nullptr}, Tensor());
  }

  // Plans the action, or (immediate mode) does it now, recording how to undo it.
  void act(Action a, const Tensor& old_extra) {
    if (immediate_)
      execute(a, /*record=*/true, old_extra);
    else
      plan_.push_back(std::move(a));
  }

  void execute(const Action& a, bool record, const Tensor& old_extra) {
    NoGradGuard no_grad;
    switch (a.kind) {
      case Action::Copy: {
        Tensor target = a.target;
        if (record)
          undo_.push_back({Action::Copy, target, target.is_meta() ? Tensor() : target.clone(),
                           Tensor(), target.impl()->version(), nullptr});
        target.copy_(a.source);
        break;
      }
      case Action::Assign:
        if (record)
          undo_.push_back(
              {Action::Assign, a.target, same_data(a.target), a.target.grad(), 0, nullptr});
        assign_data(a.target, a.source);
        if (a.target.grad().defined()) a.target.set_grad(Tensor());
        break;
      case Action::Extra:
        a.module->set_extra_state(a.source);
        // Recorded after the call: a set_extra_state that throws changed nothing.
        if (record) undo_.push_back({Action::Extra, Tensor(), old_extra, Tensor(), 0, a.module});
        break;
    }
  }

  bool immediate_;
  std::vector<Action> plan_;
  std::vector<Undo> undo_;
};

}  // namespace

IncompatibleKeys StateDictImpl::load(Module& root, const StateDict& state_dict, bool strict,
                                     bool assign) {
  std::set<const Module*> seen;
  Loader loader(strict, assign, /*immediate=*/has_load_post_hooks(root, seen));
  View view;
  view.reserve(state_dict.size());
  for (const Item& it : state_dict.items()) view.push_back(&it);
  try {
    loader.visit(root, view, state_dict, "");
  } catch (...) {
    loader.rollback();
    throw;
  }
  if (loader.failed()) {
    loader.rollback();
    LoadStateDictContext& ctx = loader.ctx;
    auto quoted = [](const std::vector<std::string>& keys) {
      std::string s;
      for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
      return s;
    };
    std::vector<std::string> msgs;
    if (strict && !ctx.keys.missing_keys.empty())
      msgs.push_back("Missing key(s) in state_dict: " + quoted(ctx.keys.missing_keys) + ". ");
    if (strict && !ctx.keys.unexpected_keys.empty())
      msgs.push_back("Unexpected key(s) in state_dict: " + quoted(ctx.keys.unexpected_keys) + ". ");
    msgs.insert(msgs.end(), ctx.error_msgs.begin(), ctx.error_msgs.end());
    std::string text = "Error(s) in loading state_dict for " + root.name() + ":";
    for (const auto& m : msgs) text += "\n\t" + m;
    throw RuntimeError(text);
  }
  loader.run_plan();
  return std::move(loader.ctx.keys);
}

// ---------------------------------------------------------------------------
// Module's members

StateDict Module::state_dict(const std::string& prefix, bool keep_vars) {
  StateDict out;
  std::string path = prefix;
  ImplArena arena;
  StateDictImpl::save(*this, out, path, keep_vars, &arena);
  return out;
}

IncompatibleKeys Module::load_state_dict(const StateDict& state_dict, bool strict, bool assign) {
  return StateDictImpl::load(*this, state_dict, strict, assign);
}

void Module::set_extra_state(const Tensor& /*state*/) {
  throw RuntimeError(detail::str_cat(
      name(),
      " has extra state (its get_extra_state() returns a value) but does not override "
      "set_extra_state(); override both to load it"));
}

RemovableHandle Module::register_state_dict_pre_hook(StateDictPreHook hook) {
  return StateDictImpl::add_hook(*this, &StateDictHooks::state_dict_pre, std::move(hook));
}

RemovableHandle Module::register_state_dict_hook(StateDictHook hook) {
  return StateDictImpl::add_hook(*this, &StateDictHooks::state_dict_post, std::move(hook));
}

RemovableHandle Module::register_load_state_dict_pre_hook(LoadStateDictPreHook hook) {
  return StateDictImpl::add_hook(*this, &StateDictHooks::load_pre, std::move(hook));
}

RemovableHandle Module::register_load_state_dict_post_hook(LoadStateDictPostHook hook) {
  return StateDictImpl::add_hook(*this, &StateDictHooks::load_post, std::move(hook));
}

}  // namespace ember::nn
