// nn::Module benchmarks (issue 4), ember's side, on a module tree shaped like
// torchvision's ResNet-50: 161 parameter tensors (25.6M parameters) and the
// BatchNorm buffers (running_mean, running_var, num_batches_tracked), so that
// state_dict has 320 entries under torchvision's names (conv1, bn1,
// layer1.0.conv1 ... layer1.0.downsample.0, fc). The layers are bench-local
// modules that only register the parameters and buffers (no forward).
// bench/libtorch/nn_libtorch_bench.cpp builds the same tree with libtorch and
// bench/run.py (suite "nn") with PyTorch, runs all three case by case and
// prints ratios.
//
//   named_parameters       the list of (name, parameter) pairs
//   state_dict             model.state_dict()
//   load_state_dict        model.load_state_dict(sd), sd a clone of the state
//   zero_grad_none         161 .grad set (to tensors held elsewhere), then
//                          zero_grad(set_to_none=true)
//   zero_grad_zero         zero_grad(set_to_none=false) with every .grad set
//   to_float64_and_back    model.to(float64) then model.to(float32)
//   parameters_to_vector   parameters_to_vector(model.parameters())
//   vector_to_parameters   vector_to_parameters(vec, model.parameters())
//   memcpy_params          std::memcpy of the parameters' bytes (one thread,
//                          warm buffers): the reference of the copies
//   memcpy_state           the same for the bytes of the state dict
//
// Each case runs on its own model, made once per process, and runs once before
// it is timed (the first touch of fresh memory is not what is measured; PyTorch's
// side in run.py warms up the same way).
//
//   call_0_hooks / call_3_hooks   a module call (forward returns its input)
//                                 with no hooks / 3 forward hooks
//
// Batch norm 2d in training mode (issue 5: ResNet-18 in channels_last), on
// ResNet-18's shapes 16x64x32x32, 16x128x16x16, 16x256x8x8, 16x512x4x4 (first
// argument 0..3), NCHW (second argument 0) or channels_last (1), float32:
//
//   batch_norm_train       ember::batch_norm forward + backward (input, weight
//                          and bias grads, as nn::BatchNorm2d in train mode)
//   batch_norm_forward     the forward alone (statistics, running stats, output)
//   bn_moments             kernels::plane_moments, the forward's statistics
//   bn_grad_sums           kernels::plane_grad_sums, the backward's sums
//   bn_fma                 kernels::channel_fma with two inputs (the backward's
//                          grad_input; the forward's has one)
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_main.h"
#include "ember/ember.h"
#include "ember/nn/utils/convert_parameters.h"
// The norm kernels themselves (private, exported from libember) for the
// per-kernel cases.
#include "../src/kernels/cpu/norm.h"

using namespace ember;

namespace {

// ---- the ResNet-50 tree

struct Conv2d : nn::Module {
  Conv2d(int64_t in, int64_t out, int64_t k) : nn::Module("Conv2d") {
    register_parameter("weight", randn({out, in, k, k}));
    register_parameter("bias", Tensor());  // bias=False
  }
};

struct BatchNorm2d : nn::Module {
  explicit BatchNorm2d(int64_t n) : nn::Module("BatchNorm2d") {
    register_parameter("weight", ones({n}));
    register_parameter("bias", zeros({n}));
    register_buffer("running_mean", zeros({n}));
    register_buffer("running_var", ones({n}));
    register_buffer("num_batches_tracked", zeros({}, {.dtype = kInt64}));
  }
};

struct Linear : nn::Module {
  Linear(int64_t in, int64_t out) : nn::Module("Linear") {
    register_parameter("weight", randn({out, in}));
    register_parameter("bias", randn({out}));
  }
};

// Parameterless layers, so that the tree has torchvision's modules too.
struct Stateless : nn::Module {
  explicit Stateless(std::string name) : nn::Module(std::move(name)) {}
};

struct Sequential : nn::Module {
  Sequential() : nn::Module("Sequential") {}
  void push_back(nn::ModulePtr m) {
    register_module(std::to_string(named_children_local().size()), std::move(m));
  }
};

struct Bottleneck : nn::Module {
  Bottleneck(int64_t inplanes, int64_t planes, bool downsample) : nn::Module("Bottleneck") {
    const int64_t width = planes;
    register_module("conv1", nn::make<Conv2d>(inplanes, width, 1));
    register_module("bn1", nn::make<BatchNorm2d>(width));
    register_module("conv2", nn::make<Conv2d>(width, width, 3));
    register_module("bn2", nn::make<BatchNorm2d>(width));
    register_module("conv3", nn::make<Conv2d>(width, planes * 4, 1));
    register_module("bn3", nn::make<BatchNorm2d>(planes * 4));
    register_module("relu", nn::make<Stateless>("ReLU"));
    if (downsample) {
      auto ds = nn::make<Sequential>();
      ds->push_back(nn::make<Conv2d>(inplanes, planes * 4, 1));
      ds->push_back(nn::make<BatchNorm2d>(planes * 4));
      register_module("downsample", ds);
    }
  }
};

struct ResNet50 : nn::Module {
  ResNet50() : nn::Module("ResNet") {
    register_module("conv1", nn::make<Conv2d>(3, 64, 7));
    register_module("bn1", nn::make<BatchNorm2d>(64));
    register_module("relu", nn::make<Stateless>("ReLU"));
    register_module("maxpool", nn::make<Stateless>("MaxPool2d"));
    int64_t inplanes = 64;
    const int64_t blocks[4] = {3, 4, 6, 3};
    for (int l = 0; l < 4; ++l) {
      const int64_t planes = int64_t{64} << l;
      auto layer = nn::make<Sequential>();
      for (int64_t b = 0; b < blocks[l]; ++b) {
        layer->push_back(nn::make<Bottleneck>(inplanes, planes, b == 0));
        inplanes = planes * 4;
      }
      register_module("layer" + std::to_string(l + 1), layer);
    }
    register_module("avgpool", nn::make<Stateless>("AdaptiveAvgPool2d"));
    register_module("fc", nn::make<Linear>(2048, 1000));
  }
};

// One model per process (25.6M parameters take a while to fill).
std::shared_ptr<ResNet50> fresh_model() {
  manual_seed(0);
  return nn::make<ResNet50>();
}

int64_t state_bytes(nn::Module& m) {
  int64_t n = 0;
  for (const auto& [k, v] : m.state_dict()) n += v.numel() * static_cast<int64_t>(v.itemsize());
  return n;
}

int64_t param_bytes(nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel() * static_cast<int64_t>(p.itemsize());
  return n;
}

bool check_shape(benchmark::State& st, nn::Module& m) {
  int64_t numel = 0;
  const auto params = m.parameters();
  for (const auto& p : params) numel += p.numel();
  const size_t sd = m.state_dict().size();
  if (params.size() == 161 && numel == 25557032 && sd == 320) return true;
  const std::string err = "not ResNet-50's shape: " + std::to_string(params.size()) +
                          " parameters, " + std::to_string(numel) + " elements, " +
                          std::to_string(sd) + " state_dict entries";
  st.SkipWithError(err.c_str());
  return false;
}

// ---- the cases

void BM_named_parameters(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  benchmark::DoNotOptimize(m->named_parameters());  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(m->named_parameters());
}

void BM_state_dict(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  benchmark::DoNotOptimize(m->state_dict());  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(m->state_dict());
}

void BM_load_state_dict(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  static const nn::StateDict sd = [] {
    nn::StateDict d;
    for (const auto& [k, v] : m->state_dict()) d.insert(k, v.clone() + 1);
    return d;
  }();
  benchmark::DoNotOptimize(m->load_state_dict(sd));  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(m->load_state_dict(sd));
  st.SetBytesProcessed(2 * state_bytes(*m) * st.iterations());
}

void BM_zero_grad_none(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  const auto params = m->parameters();
  static std::vector<Tensor> grads;
  if (grads.empty())
    for (const auto& p : params) grads.push_back(zeros_like(p));
  for (size_t i = 0; i < params.size(); ++i) params[i].set_grad(grads[i]);
  m->zero_grad(true);  // warm-up
  for (auto _ : st) {
    for (size_t i = 0; i < params.size(); ++i) params[i].set_grad(grads[i]);
    m->zero_grad(true);
  }
}

void BM_zero_grad_zero(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  for (const auto& p : m->parameters()) p.set_grad(ones_like(p));
  m->zero_grad(false);  // warm-up
  for (auto _ : st) m->zero_grad(false);
  st.SetBytesProcessed(param_bytes(*m) * st.iterations());
}

void BM_to_float64_and_back(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  m->to(kFloat64).to(kFloat32);  // warm-up
  for (auto _ : st) {
    m->to(kFloat64);
    m->to(kFloat32);
  }
}

void BM_parameters_to_vector(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  benchmark::DoNotOptimize(nn::utils::parameters_to_vector(m->parameters()));  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(nn::utils::parameters_to_vector(m->parameters()));
  st.SetBytesProcessed(2 * param_bytes(*m) * st.iterations());
}

void BM_vector_to_parameters(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, *m)) return;
  static const Tensor vec = nn::utils::parameters_to_vector(m->parameters()).detach() + 1;
  nn::utils::vector_to_parameters(vec, m->parameters());  // warm-up
  for (auto _ : st) nn::utils::vector_to_parameters(vec, m->parameters());
  st.SetBytesProcessed(2 * param_bytes(*m) * st.iterations());
}

void memcpy_case(benchmark::State& st, int64_t bytes) {
  std::vector<char> a(static_cast<size_t>(bytes), 1), b(static_cast<size_t>(bytes));
  std::memcpy(b.data(), a.data(), a.size());  // warm-up
  for (auto _ : st) {
    std::memcpy(b.data(), a.data(), a.size());
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(2 * bytes * st.iterations());
}

void BM_memcpy_params(benchmark::State& st) {
  static const int64_t bytes = param_bytes(*fresh_model());
  memcpy_case(st, bytes);
}

void BM_memcpy_state(benchmark::State& st) {
  static const int64_t bytes = state_bytes(*fresh_model());
  memcpy_case(st, bytes);
}

// ---- Module call: the cost of calling a module (through its nn::Handle) whose
// forward returns its input, with no hooks and with 3 forward hooks that keep
// the output (what the call path adds around forward).

struct Probe : nn::Module {
  Tensor forward(const Tensor& x) { return x; }
};

void call_case(benchmark::State& st, int hooks) {
  auto m = nn::make<Probe>();
  for (int i = 0; i < hooks; ++i)
    m->register_forward_hook([](nn::Module&, const nn::Args&, const nn::Value&) {});
  const Tensor x = ones({1});
  for (auto _ : st) benchmark::DoNotOptimize(m(x));
}
void BM_call_0_hooks(benchmark::State& st) { call_case(st, 0); }
void BM_call_3_hooks(benchmark::State& st) { call_case(st, 3); }

// ---- batch norm 2d, training mode (ResNet-18's shapes)

struct BnCase {
  Tensor x, w, b, rm, rv, gy;
};

BnCase bn_case(const benchmark::State& st) {
  static const int64_t shapes[4][3] = {{64, 32, 32}, {128, 16, 16}, {256, 8, 8}, {512, 4, 4}};
  const int64_t* s = shapes[st.range(0)];
  const MemoryFormat fmt = st.range(1) ? MemoryFormat::ChannelsLast : MemoryFormat::Contiguous;
  manual_seed(0);
  BnCase c;
  c.x = randn({16, s[0], s[1], s[2]}).contiguous(fmt).requires_grad_(true);
  c.gy = randn({16, s[0], s[1], s[2]}).contiguous(fmt);
  c.w = (rand({s[0]}) + 0.5).requires_grad_(true);
  c.b = randn({s[0]}).requires_grad_(true);
  c.rm = zeros({s[0]});
  c.rv = ones({s[0]});
  return c;
}

void set_bytes(benchmark::State& st, const Tensor& x, int passes) {
  st.SetBytesProcessed(passes * x.numel() * static_cast<int64_t>(x.itemsize()) * st.iterations());
}

void BM_batch_norm_train(benchmark::State& st) {
  BnCase c = bn_case(st);
  auto step = [&] {
    Tensor y = batch_norm(c.x, c.w, c.b, c.rm, c.rv, true, 0.1, 1e-5);
    return autograd::grad({y}, {c.x, c.w, c.b}, {c.gy});
  };
  benchmark::DoNotOptimize(step());  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(step());
  // forward: read x twice, write y; backward: read dy, x twice, write dx
  set_bytes(st, c.x, 8);
}

void BM_batch_norm_forward(benchmark::State& st) {
  BnCase c = bn_case(st);
  NoGradGuard g;
  auto step = [&] { return batch_norm(c.x, c.w, c.b, c.rm, c.rv, true, 0.1, 1e-5); };
  benchmark::DoNotOptimize(step());  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(step());
  set_bytes(st, c.x, 3);
}

void BM_bn_moments(benchmark::State& st) {
  BnCase c = bn_case(st);
  const Tensor x3 = c.x.detach().view({c.x.size(0), c.x.size(1), -1});
  benchmark::DoNotOptimize(kernels::plane_moments(x3));  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(kernels::plane_moments(x3));
  set_bytes(st, c.x, 1);
}

void BM_bn_grad_sums(benchmark::State& st) {
  BnCase c = bn_case(st);
  const Tensor x3 = c.x.detach().view({c.x.size(0), c.x.size(1), -1});
  const Tensor g3 = c.gy.view(x3.sizes());
  std::vector<double> a, b;
  kernels::plane_grad_sums(g3, x3, a, b);  // warm-up
  for (auto _ : st) {
    kernels::plane_grad_sums(g3, x3, a, b);
    benchmark::DoNotOptimize(a.data());
  }
  set_bytes(st, c.x, 2);
}

void BM_bn_fma(benchmark::State& st) {
  BnCase c = bn_case(st);
  const Tensor x3 = c.x.detach().view({c.x.size(0), c.x.size(1), -1});
  const Tensor g3 = c.gy.view(x3.sizes());
  Tensor out = empty_like(c.gy);
  const Tensor o3 = out.view(x3.sizes());
  const std::vector<double> ka(x3.size(1), 0.5), kb(x3.size(1), -0.25), k0(x3.size(1), 0.1);
  kernels::channel_fma(o3, g3, ka.data(), x3, kb.data(), k0.data(), false);  // warm-up
  for (auto _ : st) {
    kernels::channel_fma(o3, g3, ka.data(), x3, kb.data(), k0.data(), false);
    benchmark::ClobberMemory();
  }
  set_bytes(st, c.x, 3);
}

void bn_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape", "cl"});
  for (int64_t s = 0; s < 4; ++s)
    for (int64_t cl = 0; cl < 2; ++cl) b->Args({s, cl});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_named_parameters)->UseRealTime();
BENCHMARK(BM_state_dict)->UseRealTime();
BENCHMARK(BM_load_state_dict)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_zero_grad_none)->UseRealTime();
BENCHMARK(BM_zero_grad_zero)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_to_float64_and_back)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_parameters_to_vector)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_vector_to_parameters)->UseRealTime();
BENCHMARK(BM_memcpy_params)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_memcpy_state)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_call_0_hooks)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(BM_call_3_hooks)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(BM_batch_norm_train)->Apply(bn_args);
BENCHMARK(BM_batch_norm_forward)->Apply(bn_args);
BENCHMARK(BM_bn_moments)->Apply(bn_args);
BENCHMARK(BM_bn_grad_sums)->Apply(bn_args);
BENCHMARK(BM_bn_fma)->Apply(bn_args);

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
