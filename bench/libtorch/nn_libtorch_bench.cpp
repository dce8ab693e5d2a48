// libtorch's side of bench/nn_bench.cpp: the same ResNet-50-shaped tree (torch::nn
// modules, torchvision's names), the same cases (see that file), with torch's C++
// API. libtorch's Module has no state_dict / load_state_dict: those two cases run
// what PyTorch's do, written here over named_parameters / named_buffers /
// named_children (recurse = false): per module its parameters, its buffers, then
// its children; a load looks each key up, checks the shape and copies under
// NoGradGuard. Built only where libtorch is found; it does not link ember.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

namespace nn = torch::nn;
using Dict = torch::OrderedDict<std::string, torch::Tensor>;

nn::Conv2d conv(int64_t in, int64_t out, int64_t k) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).bias(false));
}

struct BottleneckImpl : nn::Module {
  BottleneckImpl(int64_t inplanes, int64_t planes, bool downsample) {
    const int64_t width = planes;
    register_module("conv1", conv(inplanes, width, 1));
    register_module("bn1", nn::BatchNorm2d(width));
    register_module("conv2", conv(width, width, 3));
    register_module("bn2", nn::BatchNorm2d(width));
    register_module("conv3", conv(width, planes * 4, 1));
    register_module("bn3", nn::BatchNorm2d(planes * 4));
    register_module("relu", nn::ReLU());
    if (downsample)
      register_module("downsample",
                      nn::Sequential(conv(inplanes, planes * 4, 1), nn::BatchNorm2d(planes * 4)));
  }
};
TORCH_MODULE(Bottleneck);

struct ResNet50Impl : nn::Module {
  ResNet50Impl() {
    register_module("conv1", conv(3, 64, 7));
    register_module("bn1", nn::BatchNorm2d(64));
    register_module("relu", nn::ReLU());
    register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
    int64_t inplanes = 64;
    const int64_t blocks[4] = {3, 4, 6, 3};
    for (int l = 0; l < 4; ++l) {
      const int64_t planes = int64_t{64} << l;
      nn::ModuleList layer;  // torchvision's Sequential (same names); no forward needed
      for (int64_t b = 0; b < blocks[l]; ++b) {
        layer->push_back(Bottleneck(inplanes, planes, b == 0));
        inplanes = planes * 4;
      }
      register_module("layer" + std::to_string(l + 1), layer);
    }
    register_module("avgpool", nn::AdaptiveAvgPool2d(1));
    register_module("fc", nn::Linear(2048, 1000));
  }
};
TORCH_MODULE(ResNet50);

ResNet50 fresh_model() {
  torch::manual_seed(0);
  return ResNet50();
}

// PyTorch's state_dict(): per module its parameters and buffers (detached), then
// its children, recursively.
void save_state(const nn::Module& m, Dict& dest, const std::string& prefix) {
  for (const auto& kv : m.named_parameters(false))
    if (kv.value().defined()) dest.insert(prefix + kv.key(), kv.value().detach());
  for (const auto& kv : m.named_buffers(false))
    if (kv.value().defined()) dest.insert(prefix + kv.key(), kv.value().detach());
  for (const auto& kv : m.named_children()) save_state(*kv.value(), dest, prefix + kv.key() + ".");
}

Dict state_dict(const nn::Module& m) {
  Dict d;
  save_state(m, d, "");
  return d;
}

// PyTorch's load_state_dict(strict=True) for a state dict with exactly the
// model's keys: each key looked up, its shape checked, copied under no_grad.
void load_state(nn::Module& m, const Dict& sd, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  auto one = [&](const std::string& name, torch::Tensor& t) {
    const torch::Tensor* v = sd.find(prefix + name);
    TORCH_CHECK(v, "Missing key(s) in state_dict: ", prefix + name);
    TORCH_CHECK(v->sizes() == t.sizes(), "size mismatch for ", prefix + name);
    t.copy_(*v);
  };
  for (auto& kv : m.named_parameters(false)) one(kv.key(), kv.value());
  for (auto& kv : m.named_buffers(false)) one(kv.key(), kv.value());
  for (auto& kv : m.named_children()) load_state(*kv.value(), sd, prefix + kv.key() + ".");
}

int64_t bytes_of(const std::vector<torch::Tensor>& ts) {
  int64_t n = 0;
  for (const auto& t : ts) n += t.numel() * static_cast<int64_t>(t.element_size());
  return n;
}

bool check_shape(benchmark::State& st, const ResNet50& m) {
  const auto params = m->parameters();
  int64_t numel = 0;
  for (const auto& p : params) numel += p.numel();
  const size_t sd = state_dict(*m).size();
  if (params.size() == 161 && numel == 25557032 && sd == 320) return true;
  const std::string err = "not ResNet-50's shape: " + std::to_string(params.size()) +
                          " parameters, " + std::to_string(numel) + " elements, " +
                          std::to_string(sd) + " state_dict entries";
  st.SkipWithError(err.c_str());
  return false;
}

void BM_named_parameters(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  benchmark::DoNotOptimize(m->named_parameters());  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(m->named_parameters());
}

void BM_state_dict(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  benchmark::DoNotOptimize(state_dict(*m));  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(state_dict(*m));
}

void BM_load_state_dict(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  static const Dict sd = [] {
    Dict d;
    for (const auto& kv : state_dict(*m)) d.insert(kv.key(), kv.value().clone() + 1);
    return d;
  }();
  load_state(*m, sd, "");  // warm-up
  for (auto _ : st) load_state(*m, sd, "");
  st.SetBytesProcessed(2 * bytes_of(sd.values()) * st.iterations());
}

void BM_zero_grad_none(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  auto params = m->parameters();
  static std::vector<torch::Tensor> grads;
  if (grads.empty())
    for (const auto& p : params) grads.push_back(torch::zeros_like(p));
  for (size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[i];
  m->zero_grad(true);  // warm-up
  for (auto _ : st) {
    for (size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[i];
    m->zero_grad(true);
  }
}

void BM_zero_grad_zero(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  for (auto& p : m->parameters()) p.mutable_grad() = torch::ones_like(p);
  m->zero_grad(false);  // warm-up
  for (auto _ : st) m->zero_grad(false);
  st.SetBytesProcessed(bytes_of(m->parameters()) * st.iterations());
}

void BM_to_float64_and_back(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  m->to(torch::kFloat64);  // warm-up
  m->to(torch::kFloat32);
  for (auto _ : st) {
    m->to(torch::kFloat64);
    m->to(torch::kFloat32);
  }
}

void BM_parameters_to_vector(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  benchmark::DoNotOptimize(nn::utils::parameters_to_vector(m->parameters()));  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(nn::utils::parameters_to_vector(m->parameters()));
  st.SetBytesProcessed(2 * bytes_of(m->parameters()) * st.iterations());
}

void BM_vector_to_parameters(benchmark::State& st) {
  static auto m = fresh_model();
  if (!check_shape(st, m)) return;
  static const torch::Tensor vec = nn::utils::parameters_to_vector(m->parameters()).detach() + 1;
  nn::utils::vector_to_parameters(vec, m->parameters());  // warm-up
  for (auto _ : st) nn::utils::vector_to_parameters(vec, m->parameters());
  st.SetBytesProcessed(2 * bytes_of(m->parameters()) * st.iterations());
}

// ---- Module call: a module whose forward returns its input, called through
// its ModuleHolder (libtorch's C++ modules have no hooks: no 3-hook row).

struct ProbeImpl : torch::nn::Module {
  torch::Tensor forward(const torch::Tensor& x) { return x; }
};
TORCH_MODULE(Probe);

void BM_call_0_hooks(benchmark::State& st) {
  Probe m;
  const torch::Tensor x = torch::ones({1});
  for (auto _ : st) benchmark::DoNotOptimize(m(x));
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
BENCHMARK(BM_call_0_hooks)->UseRealTime()->Unit(benchmark::kNanosecond);

int main(int argc, char** argv) {
  int threads = 2;
  if (const char* t = std::getenv("EMBER_BENCH_THREADS")) threads = std::atoi(t);
  torch::set_num_threads(threads);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
