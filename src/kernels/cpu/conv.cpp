#include "kernels/cpu/conv.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <atomic>
#include <initializer_list>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ember/core/parallel.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/channel_block_reorder.h"
#include "kernels/cpu/conv_few_channels.h"
#include "kernels/cpu/conv_one_channel.h"
#include "kernels/cpu/conv_pointwise.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/winograd.h"

namespace ember::kernels {

namespace {

using dnnl::memory;
using tag = memory::format_tag;

// ---------------------------------------------------------------- oneDNN glue

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

memory::dims to_dims(IntArrayRef v) { return memory::dims(v.begin(), v.end()); }

// float32, or bfloat16 where oneDNN runs it natively (native_bf16()).
memory::data_type dt_of(const Tensor& t) {
  return t.dtype() == DType::BFloat16 ? memory::data_type::bf16 : memory::data_type::f32;
}

// The tensor as oneDNN sees it: its sizes and its real strides.
memory::desc user_md(const Tensor& t) {
  return memory::desc(to_dims(t.sizes()), dt_of(t), to_dims(t.strides()));
}

// A weight (OC, C/G, *K) with groups: (G, OC/G, C/G, *K) over the same strides.
memory::desc user_weight_md(const Tensor& w, int64_t groups) {
  if (groups == 1) return user_md(w);
  memory::dims dims{groups, w.size(0) / groups};
  memory::dims strides{w.stride(0) * (w.size(0) / groups), w.stride(0)};
  for (int64_t d = 1; d < w.dim(); ++d) {
    dims.push_back(w.size(d));
    strides.push_back(w.stride(d));
  }
  return memory::desc(dims, dt_of(w), strides);
}

memory::desc any_md(IntArrayRef sizes, memory::data_type dt) {
  return memory::desc(to_dims(sizes), dt, tag::any);
}
memory::desc any_md(const Tensor& t) { return any_md(t.sizes(), dt_of(t)); }
memory::desc any_weight_md(const Tensor& w, int64_t groups) {
  if (groups == 1) return any_md(w);
  memory::dims dims{groups, w.size(0) / groups};
  for (int64_t d = 1; d < w.dim(); ++d) dims.push_back(w.size(d));
  return memory::desc(dims, dt_of(w), tag::any);
}

// Dense channels-last strides for an activation of these sizes (NWC, NHWC, NDHWC).
memory::desc channels_last_md(IntArrayRef sizes, memory::data_type dt) {
  const size_t nd = sizes.size();
  const tag t = nd == 3 ? tag::nwc : nd == 4 ? tag::nhwc : tag::ndhwc;
  return memory::desc(to_dims(sizes), dt, t);
}

bool is_channels_last(const Tensor& t) {
  if (t.dim() == 4) return t.is_contiguous(MemoryFormat::ChannelsLast);
  if (t.dim() == 5) return t.is_contiguous(MemoryFormat::ChannelsLast3d);
  return false;
}

// Reorders below this size run on the calling thread: a parallel region's
// fork and join cost more than copying them (weights, small activations),
// and on a busy machine each region can wait for a descheduled thread.
constexpr size_t kSerialReorderBytes = size_t{512} << 10;

void run_reorder(memory from, memory to) {
  const bool large = from.get_desc().get_size() >= kSerialReorderBytes;
  if (channel_block_reorder(from, to, large)) return;
  dnnl::reorder r(from, to);
  if (large) {
    r.execute(stream(), from, to);
    return;
  }
#if defined(_OPENMP)
  const int n = omp_get_max_threads();
  omp_set_num_threads(1);  // this thread's next parallel regions only
  try {
    r.execute(stream(), from, to);
  } catch (...) {
    omp_set_num_threads(n);
    throw;
  }
  omp_set_num_threads(n);
#else
  r.execute(stream(), from, to);
#endif
}

// oneDNN memory in a buffer of ember's allocator, which caches large blocks:
// buffers that oneDNN allocates itself come from malloc, whose large blocks
// are fresh mappings, so every call faulted in (and zeroed) the pages of each
// reordered activation anew.
struct Buf {
  memory m;
  std::shared_ptr<DataPtr> owner;  // empty when m is the user's buffer
};
Buf new_buffer(const memory::desc& md) {
  auto owner =
      std::make_shared<DataPtr>(cpu_allocator()->allocate(std::max<size_t>(md.get_size(), 1)));
  return Buf{memory(md, engine(), owner->get()), std::move(owner)};
}

// Source-side memory: the user's buffer when `want` describes it, else a
// reorder of it into a new buffer of layout `want`.
Buf source_memory(const memory::desc& want, const memory::desc& have, void* data) {
  memory user(have, engine(), data);
  if (want == have) return Buf{user, nullptr};
  Buf b = new_buffer(want);
  run_reorder(user, b.m);
  return b;
}

// Destination-side memory: the user's buffer, or a temporary that finish()
// reorders into it after the primitive ran.
struct DstMemory {
  memory user;
  Buf buf;
  memory m;
  DstMemory(const memory::desc& want, const memory::desc& have, void* data)
      : user(have, engine(), data),
        buf(want == have ? Buf{user, nullptr} : new_buffer(want)),
        m(buf.m) {}
  void finish() {
    if (m.get() != user.get()) run_reorder(m, user);
  }
};

}  // namespace

// The forward pass's reordered input (conv.h).
struct ConvSource {
  Buf buf;
};

namespace {

// ------------------------------------------------------------- primitive LRU

template <typename V>
class Lru {
 public:
  explicit Lru(size_t capacity) : capacity_(capacity) {}
  // The cached value for key, or make()'s (cached).
  template <typename Make>
  std::shared_ptr<V> get(const std::string& key, Make make) {
    {
      std::lock_guard<std::mutex> g(mu_);
      auto it = map_.find(key);
      if (it != map_.end()) {
        order_.splice(order_.begin(), order_, it->second);
        return it->second->second;
      }
    }
    auto v = std::make_shared<V>(make());  // built outside the lock
    std::lock_guard<std::mutex> g(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) return it->second->second;
    order_.emplace_front(key, v);
    map_[key] = order_.begin();
    if (map_.size() > capacity_) {
      map_.erase(order_.back().first);
      order_.pop_back();
    }
    return v;
  }
  size_t size() {
    std::lock_guard<std::mutex> g(mu_);
    return map_.size();
  }

 private:
  size_t capacity_;
  std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<V>>> order_;
  std::unordered_map<std::string, typename decltype(order_)::iterator> map_;
};

struct Key {
  std::string s;
  void add(int64_t v) { s.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void add(IntArrayRef v) {
    add(static_cast<int64_t>(v.size()));
    for (auto x : v) add(x);
  }
  void add(const Tensor& t) {
    if (!t.defined()) return add(-1);
    add(static_cast<int64_t>(t.dtype()));
    add(t.sizes());
    add(t.strides());
  }
  Key(int kind, const ConvParams& p) {
    add(kind);
    add(p.stride);
    add(p.padding_l);
    add(p.padding_r);
    add(p.dilation);
    add(p.groups);
  }
};

struct Geometry {
  memory::dims strides, dilates, pad_l, pad_r;
  explicit Geometry(const ConvParams& p)
      : strides(to_dims(p.stride)), pad_l(to_dims(p.padding_l)), pad_r(to_dims(p.padding_r)) {
    for (auto d : p.dilation) dilates.push_back(d - 1);  // oneDNN's dilation is 0-based
  }
};

// Whether the activations run channels-last (the caller's output layout says so).
// Otherwise oneDNN chooses (its blocked formats).
struct ActivationMds {
  memory::desc src, dst;
};
ActivationMds activation_mds(IntArrayRef src_sizes, IntArrayRef dst_sizes, bool channels_last,
                             memory::data_type dt) {
  if (channels_last) return {channels_last_md(src_sizes, dt), channels_last_md(dst_sizes, dt)};
  return {any_md(src_sizes, dt), any_md(dst_sizes, dt)};
}

// Primitives take their scratchpad from the caller (execute() below), from
// ember's caching allocator: oneDNN's own is freed after every call, so each
// call faulted in fresh pages (Winograd's scratchpads are megabytes).
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

// Runs a primitive with a scratchpad of the size its descriptor asks for.
template <typename Entry>
void execute(const Entry& e, std::unordered_map<int, memory> args) {
  Buf scratch;
  const memory::desc smd = e.pd.scratchpad_desc();
  if (smd.get_size() > 0) {
    scratch = new_buffer(smd);
    args[DNNL_ARG_SCRATCHPAD] = scratch.m;
  }
  e.prim.execute(stream(), args);
  stream().wait();  // before the scratchpad goes back to the allocator
}

dnnl::convolution_forward::primitive_desc forward_pd(dnnl::prop_kind kind, dnnl::algorithm alg,
                                                     const ActivationMds& a, const memory::desc& w,
                                                     const memory::desc& b, const Geometry& g) {
  dnnl::convolution_forward::desc d(kind, alg, a.src, w, b, a.dst, g.strides, g.dilates, g.pad_l,
                                    g.pad_r);
  return dnnl::convolution_forward::primitive_desc(d, user_scratchpad(), engine());
}

std::atomic<ConvAlgorithm> g_algorithm{ConvAlgorithm::Auto};

// The shape for ember's Winograd kernels (winograd.h) when this build has
// them and they take the convolution, else nullopt (oneDNN's then).
std::optional<WinogradShape> own_winograd(const Tensor& input, const Tensor& weight,
                                          IntArrayRef out_sizes, const ConvParams& p) {
  const WinogradShape s{input.size(0), input.size(1), weight.size(0), input.size(2), input.size(3),
                        out_sizes[2],  out_sizes[3],  p.padding_l[0], p.padding_l[1]};
  if (!winograd_applies(s)) return std::nullopt;
  return s;
}

// Whether ember's Winograd kernels, which run the convolution, also compute
// its weight gradient: past 64x64 channels (winograd.h's many-channel
// passes), only on planes under 8x8, where oneDNN has no Winograd. Its
// Winograd weight gradient is the faster beside ours on larger planes, whose
// many tiles make long products (ResNet-18's 128x128 on 16x16 and 256x256
// on 8x8: about 1.8 and 2.0 ms to 2.4 and 2.2 ms), and its direct one on
// smaller (512x512 on 4x4: 6.1 ms to 3.3 ms).
bool own_weight_grad(const WinogradShape& s) {
  return s.c * s.oc <= kWinogradBandChannels || s.oh < 8 || s.ow < 8;
}

// Whether Auto runs this convolution as Winograd F(4x4, 3x3): 2-D, 3x3,
// stride 1, no dilation or groups, channels in whole vectors, and outputs of
// at least 4x4 on ember's own kernels (one tile an image: 36 products for 16
// outputs where direct convolution has 100 inside the padding), 8x8 on
// oneDNN's (its 6x6 input tiles waste more than the transforms save on
// smaller planes; measured on 4x4 and 8x8). oneDNN's needs its blocked
// activations, so channels_last tensors are reordered for it.
// Stride 2 stays on oneDNN's direct kernels, which run ResNet-18's strided
// 3x3 layers at 75-95% of the FMA peak. A polyphase Winograd (F(4, 2) on
// even samples, the identity on odd: 81 products for 16 outputs against
// 144) on the many-channel passes was correct but no faster on 256 -> 512
// (8x8) and up to 1.9x slower on 64 -> 128 (32x32, channels_last):
// transforming the whole batch's 9x9 tiles is bound by memory, and its
// 64-channel products ran at about 60% of peak.
bool use_winograd(const Tensor& input, const Tensor& weight, IntArrayRef out_sizes,
                  const ConvParams& p) {
  if (g_algorithm.load(std::memory_order_relaxed) != ConvAlgorithm::Auto) return false;
  if (input.dtype() != DType::Float32) return false;  // ember's and oneDNN's Winograd: float32
  if (weight.dim() != 4 || p.groups != 1) return false;
  if (weight.size(2) != 3 || weight.size(3) != 3) return false;
  for (size_t i = 0; i < 2; ++i)
    if (p.stride[i] != 1 || p.dilation[i] != 1 || p.padding_l[i] > 1 || p.padding_r[i] > 1)
      return false;
  if (input.size(1) % 16 != 0 || weight.size(0) % 16 != 0) return false;
  const int64_t least = own_winograd(input, weight, out_sizes, p) ? 4 : 8;
  return out_sizes[2] >= least && out_sizes[3] >= least;
}

// Whether a channels-last 2-D convolution's input and output planes are at
// most 4x4: oneDNN's NHWC kernels for these (ResNet's last stage) take 1.4x-1.7x
// as long forward and backward-data as its blocked ones, which repay the
// reorder of such small activations many times over.
bool tiny_planes(IntArrayRef in_sizes, IntArrayRef out_sizes) {
  return in_sizes.size() == 4 && in_sizes[2] * in_sizes[3] <= 16 &&
         out_sizes[2] * out_sizes[3] <= 16;
}

// Whether a channels-last strided convolution's weight gradient runs on
// blocked copies of its activations: oneDNN 2.6's NHWC backward-weights
// kernels for strided 3x3 convolutions are slower in a training step than its
// blocked ones plus the reorders, when the channels fill whole 16-blocks
// (channel_block_reorder). Measured on the channels_last ResNet-18 step:
// about 2 ms (2%) less; its strided 1x1 convolutions gained nothing (and
// lost alone), so they stay NHWC.
bool blocked_strided_weight_grad(const Tensor& input, const Tensor& grad_out,
                                 const Tensor& grad_weight, const ConvParams& p) {
  bool strided = false;
  for (auto s : p.stride) strided |= s > 1;
  return strided && p.groups == 1 && input.dim() == 4 &&
         grad_weight.size(2) * grad_weight.size(3) > 1 && input.size(1) % 16 == 0 &&
         grad_out.size(1) % 16 == 0;
}

WinogradIn in_view(const Tensor& t) {
  return {t.data_ptr<float>(), {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}};
}
WinogradOut out_view(const Tensor& t) {
  return {t.data_ptr<float>(), {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}};
}

// A bias gradient as the dense buffer the Winograd kernels write: the
// tensor's own, or a temporary that finish() copies into it.
struct BiasGrad {
  Tensor user, buf;
  explicit BiasGrad(const Tensor& grad_bias)
      : user(grad_bias),
        buf(grad_bias.defined() && grad_bias.stride(0) != 1
                ? empty(grad_bias.sizes(), {.dtype = kFloat32})
                : grad_bias) {}
  float* data() const { return buf.defined() ? buf.data_ptr<float>() : nullptr; }
  void finish() {
    if (buf.defined() && !buf.is_same(user)) user.copy_(buf);
  }
};

dnnl::algorithm algorithm_of(bool winograd) {
  return winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
}

// make(true) when Winograd was chosen and oneDNN builds it, else make(false).
template <typename Make>
auto winograd_or_direct(bool wino, Make make) -> decltype(make(false)) {
  if (wino) {
    try {
      return make(true);
    } catch (const dnnl::error&) {
    }
  }
  return make(false);
}

struct FwdEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
};
struct BwdDataEntry {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
};
struct BwdWeightsEntry {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
};

Lru<FwdEntry>& fwd_cache() {
  static Lru<FwdEntry> c(kConvCacheCapacity);
  return c;
}
Lru<BwdDataEntry>& bwd_data_cache() {
  static Lru<BwdDataEntry> c(kConvCacheCapacity);
  return c;
}
Lru<BwdWeightsEntry>& bwd_weights_cache() {
  static Lru<BwdWeightsEntry> c(kConvCacheCapacity);
  return c;
}

// Whether a bfloat16 primitive is one of oneDNN's native kernels (else the
// convolution is computed in float32: its reference kernels are loops).
template <typename Pd>
bool native(const Pd& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) != 0;
}

// Runs the convolution and returns true, or returns false, doing nothing,
// when it is bfloat16 and oneDNN has only a reference kernel for it.
bool dnnl_forward(const Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                  const ConvParams& p, ConvSourcePtr* keep) {
  const bool cl = is_channels_last(out) && !tiny_planes(input.sizes(), out.sizes());
  const bool wino = use_winograd(input, weight, out.sizes(), p);
  if (const auto s = wino ? own_winograd(input, weight, out.sizes(), p) : std::nullopt) {
    const Tensor b = bias.defined() ? bias.contiguous() : bias;
    winograd_forward(*s, in_view(input), in_view(weight),
                     b.defined() ? b.data_ptr<float>() : nullptr, out_view(out));
    return true;
  }
  Key key(0, p);
  key.add(out);
  key.add(input);
  key.add(weight);
  key.add(bias);
  key.add(wino);
  auto e = fwd_cache().get(key.s, [&] {
    const Geometry g(p);
    const memory::desc b = bias.defined() ? any_md(bias) : memory::desc();
    const memory::desc w = any_weight_md(weight, p.groups);
    // forward_training, as PyTorch asks: for inference oneDNN picks other
    // kernels (for NCHW its NHWC brgconv, up to 2x slower on small planes) and
    // wants Winograd weights pre-transformed (a reorder per call here).
    return winograd_or_direct(wino, [&](bool winograd) {
      auto pd = forward_pd(
          dnnl::prop_kind::forward_training, algorithm_of(winograd),
          activation_mds(input.sizes(), out.sizes(), cl && !winograd, dt_of(input)), w, b, g);
      return FwdEntry{pd, dnnl::convolution_forward(pd)};
    });
  });
  if (input.dtype() != DType::Float32 && !native(e->pd)) return false;
  const Buf src = source_memory(e->pd.src_desc(), user_md(input), input.data_ptr());
  if (keep && src.owner) *keep = std::make_shared<const ConvSource>(ConvSource{src});
  const Buf wei =
      source_memory(e->pd.weights_desc(), user_weight_md(weight, p.groups), weight.data_ptr());
  DstMemory dst(e->pd.dst_desc(), user_md(out), out.data_ptr());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src.m}, {DNNL_ARG_WEIGHTS, wei.m}, {DNNL_ARG_DST, dst.m}};
  Buf b;
  if (bias.defined()) {
    b = source_memory(e->pd.bias_desc(), user_md(bias), bias.data_ptr());
    args[DNNL_ARG_BIAS] = b.m;
  }
  execute(*e, std::move(args));
  dst.finish();
  stream().wait();
  return true;
}

// What the backward-data pass read and wrote: grad_out in the primitive's
// layout, and the layout of its diff_src (the input's shape).
struct BwdDataLayouts {
  Buf diff_dst;
  memory::desc diff_src;
  bool ran = true;  // false: bfloat16 with only a reference kernel, nothing done
};

BwdDataLayouts dnnl_backward_input(const Tensor& grad_input, const Tensor& grad_out,
                                   const Tensor& weight, const ConvParams& p) {
  const bool cl =
      is_channels_last(grad_input) && !tiny_planes(grad_input.sizes(), grad_out.sizes());
  const bool wino = use_winograd(grad_input, weight, grad_out.sizes(), p);
  if (const auto s = wino ? own_winograd(grad_input, weight, grad_out.sizes(), p) : std::nullopt) {
    winograd_backward_data(*s, in_view(grad_out), in_view(weight), out_view(grad_input));
    // grad_out read in place: nothing for the weights pass to share.
    return {Buf{memory(user_md(grad_out), engine(), grad_out.data_ptr()), nullptr},
            user_md(grad_input)};
  }
  Key key(1, p);
  key.add(grad_input);
  key.add(grad_out);
  key.add(weight);
  key.add(wino);
  auto e = bwd_data_cache().get(key.s, [&] {
    const Geometry g(p);
    const memory::desc w = any_weight_md(weight, p.groups);
    return winograd_or_direct(wino, [&](bool winograd) {
      const ActivationMds a =
          activation_mds(grad_input.sizes(), grad_out.sizes(), cl && !winograd, dt_of(grad_out));
      const dnnl::algorithm alg = algorithm_of(winograd);
      auto hint = forward_pd(dnnl::prop_kind::forward_training, alg, a, w, memory::desc(), g);
      dnnl::convolution_backward_data::desc d(alg, a.src, w, a.dst, g.strides, g.dilates, g.pad_l,
                                              g.pad_r);
      dnnl::convolution_backward_data::primitive_desc pd(d, user_scratchpad(), engine(), hint);
      return BwdDataEntry{pd, dnnl::convolution_backward_data(pd)};
    });
  });
  if (grad_out.dtype() != DType::Float32 && !native(e->pd)) return {Buf{}, memory::desc(), false};
  Buf diff_dst = source_memory(e->pd.diff_dst_desc(), user_md(grad_out), grad_out.data_ptr());
  const Buf wei =
      source_memory(e->pd.weights_desc(), user_weight_md(weight, p.groups), weight.data_ptr());
  DstMemory diff_src(e->pd.diff_src_desc(), user_md(grad_input), grad_input.data_ptr());
  execute(*e, {{DNNL_ARG_DIFF_DST, diff_dst.m},
               {DNNL_ARG_WEIGHTS, wei.m},
               {DNNL_ARG_DIFF_SRC, diff_src.m}});
  diff_src.finish();
  stream().wait();
  return {std::move(diff_dst), e->pd.diff_src_desc()};
}

// shared: grad_out already reordered by the backward-data pass (its layout
// is then imposed on diff_dst, so that both passes read one copy); the cache
// key's `shared_key` tells such entries apart.
// Returns false, doing nothing, when bfloat16 has only a reference kernel.
bool dnnl_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias,
                          const Tensor& grad_out, const Tensor& input, const ConvParams& p,
                          const ConvSource* kept, const BwdDataLayouts* shared = nullptr,
                          const std::string& shared_key = {}) {
  // Activations run channels-last when the forward did: the input's layout,
  // or the weight's, said so (the caller passes grad_out in that layout).
  const bool cl = (is_channels_last(grad_out) || is_channels_last(grad_weight)) &&
                  !blocked_strided_weight_grad(input, grad_out, grad_weight, p);
  const bool wino = use_winograd(input, grad_weight, grad_out.sizes(), p);
  const auto s = wino ? own_winograd(input, grad_weight, grad_out.sizes(), p) : std::nullopt;
  if (s && own_weight_grad(*s)) {
    BiasGrad gb(grad_bias);
    winograd_backward_weights(*s, in_view(input), in_view(grad_out), out_view(grad_weight),
                              gb.data());
    gb.finish();
    return true;
  }
  Key key(2, p);
  key.add(grad_weight);
  key.add(grad_bias);
  key.add(grad_out);
  key.add(input);
  key.add(cl);
  key.add(wino);
  key.s += shared_key;
  auto e = bwd_weights_cache().get(key.s, [&] {
    const Geometry g(p);
    const memory::desc w = any_weight_md(grad_weight, p.groups);
    const memory::desc b = grad_bias.defined() ? any_md(grad_bias) : memory::desc();
    auto make_pd = [&](const ActivationMds& a, bool winograd) {
      const dnnl::algorithm alg = algorithm_of(winograd);
      auto hint = forward_pd(dnnl::prop_kind::forward_training, alg, a, w, b, g);
      dnnl::convolution_backward_weights::desc d(alg, a.src, w, b, a.dst, g.strides, g.dilates,
                                                 g.pad_l, g.pad_r);
      return dnnl::convolution_backward_weights::primitive_desc(d, user_scratchpad(), engine(),
                                                                hint);
    };
    return winograd_or_direct(wino, [&](bool winograd) {
      if (shared) {
        // The layouts of the backward-data pass, unless only a reference
        // implementation takes them.
        try {
          auto pd = make_pd({shared->diff_src, shared->diff_dst.m.get_desc()}, winograd);
          if (std::string(pd.impl_info_str()).rfind("ref", 0) != 0)
            return BwdWeightsEntry{pd, dnnl::convolution_backward_weights(pd)};
        } catch (const dnnl::error&) {
        }
      }
      auto pd = make_pd(
          activation_mds(input.sizes(), grad_out.sizes(), cl && !winograd, dt_of(input)), winograd);
      return BwdWeightsEntry{pd, dnnl::convolution_backward_weights(pd)};
    });
  });
  if (input.dtype() != DType::Float32 && !native(e->pd)) return false;
  // The forward's reordered input when it has the layout this pass reads.
  const Buf src = kept && kept->buf.m.get_desc() == e->pd.src_desc()
                      ? kept->buf
                      : source_memory(e->pd.src_desc(), user_md(input), input.data_ptr());
  const Buf diff_dst =
      shared && e->pd.diff_dst_desc() == shared->diff_dst.m.get_desc()
          ? shared->diff_dst
          : source_memory(e->pd.diff_dst_desc(), user_md(grad_out), grad_out.data_ptr());
  DstMemory diff_w(e->pd.diff_weights_desc(), user_weight_md(grad_weight, p.groups),
                   grad_weight.data_ptr());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src.m}, {DNNL_ARG_DIFF_DST, diff_dst.m}, {DNNL_ARG_DIFF_WEIGHTS, diff_w.m}};
  std::optional<DstMemory> diff_b;
  if (grad_bias.defined()) {
    diff_b.emplace(e->pd.diff_bias_desc(), user_md(grad_bias), grad_bias.data_ptr());
    args[DNNL_ARG_DIFF_BIAS] = diff_b->m;
  }
  execute(*e, std::move(args));
  diff_w.finish();
  if (diff_b) diff_b->finish();
  stream().wait();
  return true;
}

// Both backward passes on ember's Winograd kernels when they run this
// convolution (winograd_backward: fused where that pays; the weight gradient
// on oneDNN's beside them where it is the faster, own_weight_grad); false,
// doing nothing, otherwise.
bool own_winograd_backward(const Tensor& grad_input, const Tensor& grad_weight,
                           const Tensor& grad_bias, const Tensor& grad_out, const Tensor& input,
                           const Tensor& weight, const ConvParams& p) {
  if (!use_winograd(input, weight, grad_out.sizes(), p)) return false;
  const auto s = own_winograd(input, weight, grad_out.sizes(), p);
  if (!s) return false;
  if (!own_weight_grad(*s)) {
    winograd_backward_data(*s, in_view(grad_out), in_view(weight), out_view(grad_input));
    dnnl_backward_weight(grad_weight, grad_bias, grad_out, input, p, nullptr);
    return true;
  }
  BiasGrad gb(grad_bias);
  winograd_backward(*s, in_view(input), in_view(grad_out), in_view(weight), out_view(grad_input),
                    out_view(grad_weight), gb.data());
  gb.finish();
  return true;
}

// ------------------------------------------------- reference (im2col + GEMM)

void write(const Tensor& dst, const Tensor& src) {
  Tensor d = dst;
  d.copy_(src);
}

// Shapes normalised to 3 spatial dims (missing ones have size 1).
struct RefShape {
  int64_t n, c, oc, g, cg, ocg;
  int64_t in[3], k[3], o[3], s[3], pl[3], d[3];
  int64_t ck() const { return cg * k[0] * k[1] * k[2]; }
  int64_t l() const { return o[0] * o[1] * o[2]; }
  int64_t il() const { return in[0] * in[1] * in[2]; }
  RefShape(IntArrayRef in_sizes, IntArrayRef w_sizes, IntArrayRef out_sizes, const ConvParams& p) {
    n = in_sizes[0];
    c = in_sizes[1];
    oc = w_sizes[0];
    g = p.groups;
    cg = c / g;
    ocg = oc / g;
    const size_t sd = in_sizes.size() - 2;
    for (size_t i = 0; i < 3; ++i) {
      const bool has = i + sd >= 3;
      const size_t j = i + sd - 3;
      in[i] = has ? in_sizes[2 + j] : 1;
      k[i] = has ? w_sizes[2 + j] : 1;
      o[i] = has ? out_sizes[2 + j] : 1;
      s[i] = has ? p.stride[j] : 1;
      pl[i] = has ? p.padding_l[j] : 0;
      d[i] = has ? p.dilation[j] : 1;
    }
  }
  // Calls f(col_row, col_index, input_index) for each in-bounds element of the
  // column matrix of one image and group (input_index relative to the group).
  template <typename F>
  void for_each_col(F f) const {
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t kd = 0; kd < k[0]; ++kd)
        for (int64_t kh = 0; kh < k[1]; ++kh)
          for (int64_t kw = 0; kw < k[2]; ++kw) {
            const int64_t row = ((ci * k[0] + kd) * k[1] + kh) * k[2] + kw;
            for (int64_t od = 0; od < o[0]; ++od) {
              const int64_t id = od * s[0] - pl[0] + kd * d[0];
              if (id < 0 || id >= in[0]) continue;
              for (int64_t oh = 0; oh < o[1]; ++oh) {
                const int64_t ih = oh * s[1] - pl[1] + kh * d[1];
                if (ih < 0 || ih >= in[1]) continue;
                for (int64_t ow = 0; ow < o[2]; ++ow) {
                  const int64_t iw = ow * s[2] - pl[2] + kw * d[2];
                  if (iw < 0 || iw >= in[2]) continue;
                  f(row, (od * o[1] + oh) * o[2] + ow,
                    ((ci * in[0] + id) * in[1] + ih) * in[2] + iw);
                }
              }
            }
          }
  }
};

template <typename T>
void ref_forward(const Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                 const ConvParams& p) {
  const RefShape r(input.sizes(), weight.sizes(), out.sizes(), p);
  const Tensor x = input.contiguous();
  const Tensor w = weight.contiguous().view({r.g, r.ocg, r.ck()});
  const Tensor y = empty({r.n, r.g, r.ocg, r.l()}, {.dtype = out.dtype()});
  const Tensor cols = empty({r.ck(), r.l()}, {.dtype = out.dtype()});
  const T* xp = x.data_ptr<T>();
  for (int64_t n = 0; n < r.n; ++n)
    for (int64_t g = 0; g < r.g; ++g) {
      T* cp = cols.data_ptr<T>();
      std::fill(cp, cp + r.ck() * r.l(), T(0));
      const T* xg = xp + (n * r.c + g * r.cg) * r.il();
      r.for_each_col([&](int64_t row, int64_t col, int64_t i) { cp[row * r.l() + col] = xg[i]; });
      addmm_kernel(y.select(0, n).select(0, g), w.select(0, g), cols, 0, 1);
    }
  Tensor res = y.view(out.sizes());
  if (bias.defined()) {
    DimVector bs(out.dim(), 1);
    bs[1] = r.oc;
    res = res + bias.view(bs);
  }
  write(out, res);
}

template <typename T>
void ref_backward_input(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                        const ConvParams& p) {
  const RefShape r(grad_input.sizes(), weight.sizes(), grad_out.sizes(), p);
  const Tensor go = grad_out.contiguous().view({r.n, r.g, r.ocg, r.l()});
  const Tensor w = weight.contiguous().view({r.g, r.ocg, r.ck()});
  const Tensor gi = zeros(grad_input.sizes(), {.dtype = grad_input.dtype()});
  const Tensor cols = empty({r.ck(), r.l()}, {.dtype = gi.dtype()});
  T* gp = gi.data_ptr<T>();
  for (int64_t n = 0; n < r.n; ++n)
    for (int64_t g = 0; g < r.g; ++g) {
      addmm_kernel(cols, w.select(0, g).t(), go.select(0, n).select(0, g), 0, 1);
      const T* cp = cols.data_ptr<T>();
      T* gg = gp + (n * r.c + g * r.cg) * r.il();
      r.for_each_col([&](int64_t row, int64_t col, int64_t i) { gg[i] += cp[row * r.l() + col]; });
    }
  write(grad_input, gi);
}

template <typename T>
void ref_backward_weight(const Tensor& grad_weight, const Tensor& grad_bias, const Tensor& grad_out,
                         const Tensor& input, const ConvParams& p) {
  const RefShape r(input.sizes(), grad_weight.sizes(), grad_out.sizes(), p);
  const Tensor go = grad_out.contiguous().view({r.n, r.g, r.ocg, r.l()});
  const Tensor x = input.contiguous();
  const Tensor gw = zeros({r.g, r.ocg, r.ck()}, {.dtype = grad_weight.dtype()});
  const Tensor cols = empty({r.ck(), r.l()}, {.dtype = gw.dtype()});
  const T* xp = x.data_ptr<T>();
  for (int64_t n = 0; n < r.n; ++n)
    for (int64_t g = 0; g < r.g; ++g) {
      T* cp = cols.data_ptr<T>();
      std::fill(cp, cp + r.ck() * r.l(), T(0));
      const T* xg = xp + (n * r.c + g * r.cg) * r.il();
      r.for_each_col([&](int64_t row, int64_t col, int64_t i) { cp[row * r.l() + col] = xg[i]; });
      addmm_kernel(gw.select(0, g), go.select(0, n).select(0, g), cols.t(), 1, 1);
    }
  write(grad_weight, gw.view(grad_weight.sizes()));
  if (grad_bias.defined()) write(grad_bias, go.sum({0, 3}).view({r.oc}));
}

bool has_zero_dim(const Tensor& t) { return t.numel() == 0; }

bool one_channel_weight_grad(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& input,
                             const ConvParams& p) {
  return grad_weight.dtype() == DType::Float32 && grad_weight.is_contiguous() &&
         one_channel_conv_applies(grad_out, input, grad_weight, p);
}

// Whether oneDNN has native bfloat16 convolutions on this CPU (avx512_core_bf16
// and later): probed once with a small forward primitive.
bool bf16_on_this_cpu() {
  static const bool yes = [] {
    try {
      const auto bf16 = memory::data_type::bf16;
      return native(forward_pd(
          dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
          activation_mds({1, 16, 8, 8}, {1, 16, 8, 8}, false, bf16), any_md({16, 16, 3, 3}, bf16),
          memory::desc(), Geometry(ConvParams{{1, 1}, {1, 1}, {1, 1}, {1, 1}, 1})));
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return yes;
}

// Whether the convolution runs on oneDNN's native bfloat16 kernels: every
// tensor bfloat16 and none empty. (float16 is computed in float32.)
bool native_bf16(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->defined() && (t->dtype() != DType::BFloat16 || t->numel() == 0)) return false;
  return bf16_on_this_cpu();
}

// Whether a convolution has the shape of ember's few-channel loops (an RGB
// stem): in bfloat16 it is computed in float32, where those loops run, which
// beat oneDNN's bfloat16 kernels (the NCHW stem, forward + backward: 0.69 ms
// against 1.06).
bool few_channel_shape(const Tensor& x, const Tensor& y, const Tensor& w, const ConvParams& p) {
  return few_channel_backward_input_applies(x, y, w, p);
}

// float16, and bfloat16 without native kernels: computed in float32, rounded
// once into the outputs.
Tensor as_f32(const Tensor& t) { return t.defined() ? t.to(kFloat32) : t; }
Tensor f32_like(const Tensor& t) { return t.defined() ? empty_like(t, {.dtype = kFloat32}) : t; }

}  // namespace

void conv_forward_kernel(const Tensor& out, const Tensor& input, const Tensor& weight,
                         const Tensor& bias, const ConvParams& p, ConvSourcePtr* keep) {
  if (out.numel() == 0) return;
  switch (out.dtype()) {
    case DType::Float32:
      if (has_zero_dim(input) || has_zero_dim(weight))
        return ref_forward<float>(out, input, weight, bias, p);
      if (one_channel_conv_applies(out, input, weight, p))
        return one_channel_conv_forward(out, input, weight, bias, p);
      if (few_channel_forward_applies(out, input, weight, p))
        return few_channel_conv_forward(out, input, weight, bias, p);
      if (pointwise_applies(input, out, weight, p))
        return pointwise_conv_forward(out, input, weight, bias, p);
      dnnl_forward(out, input, weight, bias, p, keep);
      return;
    case DType::Float64:
      return ref_forward<double>(out, input, weight, bias, p);
    default: {
      if (native_bf16({&out, &input, &weight, &bias}) &&
          !few_channel_shape(input, out, weight, p) &&
          dnnl_forward(out, input, weight, bias, p, keep))
        return;
      const Tensor o = f32_like(out);
      conv_forward_kernel(o, as_f32(input), as_f32(weight), as_f32(bias), p);
      write(out, o);
    }
  }
}

void conv_backward_input_kernel(const Tensor& grad_input, const Tensor& grad_out,
                                const Tensor& weight, const ConvParams& p) {
  if (grad_input.numel() == 0) return;
  switch (grad_input.dtype()) {
    case DType::Float32:
      if (has_zero_dim(grad_out) || has_zero_dim(weight))
        return ref_backward_input<float>(grad_input, grad_out, weight, p);
      if (few_channel_backward_input_applies(grad_input, grad_out, weight, p))
        return few_channel_conv_backward_input(grad_input, grad_out, weight, p);
      if (pointwise_backward_applies(grad_input, grad_out, weight, p))
        return pointwise_conv_backward_input(grad_input, grad_out, weight, p);
      dnnl_backward_input(grad_input, grad_out, weight, p);
      return;
    case DType::Float64:
      return ref_backward_input<double>(grad_input, grad_out, weight, p);
    default: {
      if (native_bf16({&grad_input, &grad_out, &weight}) &&
          !few_channel_shape(grad_input, grad_out, weight, p) &&
          dnnl_backward_input(grad_input, grad_out, weight, p).ran)
        return;
      const Tensor gi = f32_like(grad_input);
      conv_backward_input_kernel(gi, as_f32(grad_out), as_f32(weight), p);
      write(grad_input, gi);
    }
  }
}

void conv_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                          const Tensor& grad_bias, const Tensor& grad_out, const Tensor& input,
                          const Tensor& weight, const ConvParams& p, const ConvSourcePtr& kept) {
  const bool dnnl = grad_weight.dtype() == DType::Float32 && grad_input.numel() > 0 &&
                    !has_zero_dim(grad_out) && !has_zero_dim(weight) && !has_zero_dim(input);
  if (!dnnl || one_channel_weight_grad(grad_weight, grad_out, input, p) ||
      few_channel_backward_input_applies(grad_input, grad_out, weight, p) ||
      pointwise_backward_applies(grad_input, grad_out, weight, p)) {
    conv_backward_input_kernel(grad_input, grad_out, weight, p);
    conv_backward_weight_kernel(grad_weight, grad_bias, grad_out, input, p, kept);
    return;
  }
  if (own_winograd_backward(grad_input, grad_weight, grad_bias, grad_out, input, weight, p)) return;
  const BwdDataLayouts l = dnnl_backward_input(grad_input, grad_out, weight, p);
  if (l.diff_dst.m.get_data_handle() == grad_out.data_ptr()) {  // read in place: nothing to share
    dnnl_backward_weight(grad_weight, grad_bias, grad_out, input, p, kept.get());
    return;
  }
  // The cache key of the weights pass names the layouts it is given.
  const memory::desc md = l.diff_dst.m.get_desc();
  std::string shared_key(reinterpret_cast<const char*>(&md.data), sizeof md.data);
  shared_key.append(reinterpret_cast<const char*>(&l.diff_src.data), sizeof l.diff_src.data);
  dnnl_backward_weight(grad_weight, grad_bias, grad_out, input, p, kept.get(), &l, shared_key);
}

void conv_backward_weight_kernel(const Tensor& grad_weight, const Tensor& grad_bias,
                                 const Tensor& grad_out, const Tensor& input, const ConvParams& p,
                                 const ConvSourcePtr& kept) {
  switch (grad_weight.dtype()) {
    case DType::Float32:
      if (has_zero_dim(grad_out) || has_zero_dim(input) || has_zero_dim(grad_weight))
        return ref_backward_weight<float>(grad_weight, grad_bias, grad_out, input, p);
      if (one_channel_weight_grad(grad_weight, grad_out, input, p))
        return one_channel_conv_backward_weight(grad_weight, grad_bias, grad_out, input, p);
      if (pointwise_backward_applies(input, grad_out, grad_weight, p))
        return pointwise_conv_backward_weight(grad_weight, grad_bias, grad_out, input, p);
      dnnl_backward_weight(grad_weight, grad_bias, grad_out, input, p, kept.get());
      return;
    case DType::Float64:
      return ref_backward_weight<double>(grad_weight, grad_bias, grad_out, input, p);
    default: {
      if (native_bf16({&grad_weight, &grad_bias, &grad_out, &input}) &&
          !few_channel_shape(input, grad_out, grad_weight, p) &&
          dnnl_backward_weight(grad_weight, grad_bias, grad_out, input, p, kept.get()))
        return;
      const Tensor gw = f32_like(grad_weight), gb = f32_like(grad_bias);
      conv_backward_weight_kernel(gw, gb, as_f32(grad_out), as_f32(input), p);
      write(grad_weight, gw);
      if (grad_bias.defined()) write(grad_bias, gb);
    }
  }
}

namespace {
bool channels_last_strides(IntArrayRef sizes, IntArrayRef strides,
                           std::initializer_list<int> order) {
  if (strides[1] == 0) return false;
  int64_t min = 0;
  for (int d : order) {
    if (sizes[d] == 0 || strides[d] < min) return false;
    if (d == 0 && min == strides[1]) return false;
    min = strides[d];
    if (sizes[d] > 1) min *= sizes[d];
  }
  return true;
}
}  // namespace

MemoryFormat torch_suggest_memory_format(const Tensor& t) {
  if (t.dim() == 4 && channels_last_strides(t.sizes(), t.strides(), {1, 3, 2, 0}))
    return MemoryFormat::ChannelsLast;
  if (t.dim() == 5 && channels_last_strides(t.sizes(), t.strides(), {1, 4, 3, 2, 0}))
    return MemoryFormat::ChannelsLast3d;
  return MemoryFormat::Contiguous;
}

void set_conv_algorithm(ConvAlgorithm a) { g_algorithm.store(a); }
ConvAlgorithm conv_algorithm() { return g_algorithm.load(); }

bool conv_bf16_native() { return bf16_on_this_cpu(); }

size_t conv_cache_size() {
  return fwd_cache().size() + bwd_data_cache().size() + bwd_weights_cache().size();
}

}  // namespace ember::kernels
