// Optimizer step benchmarks (issue 6), ember's side: one step() of Adam,
// Adadelta and SGD (momentum) over the parameters of torchvision's ResNet-18
// (62 tensors, 11.7M float32 elements), every parameter with a gradient and the
// optimizer state already made (one step before timing). bench/run.py (suite
// "optim") times the same steps in PyTorch with foreach=False (1.13's default
// on CPU) and foreach=True, and prints ratios.
//
//   adam_step       Adam(lr=1e-3)
//   adam_wd_amsgrad Adam(lr=1e-3, weight_decay=1e-2, amsgrad=True)
//   adadelta_step   Adadelta(lr=1.0)
//   sgd_step        SGD(lr=0.1, momentum=0.9)
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "bench_main.h"
#include "ember/ember.h"

using namespace ember;

namespace {

// torchvision resnet18's parameter shapes, in named_parameters order.
std::vector<std::vector<int64_t>> resnet18_shapes() {
  std::vector<std::vector<int64_t>> s = {{64, 3, 7, 7}, {64}, {64}};
  int64_t in = 64;
  for (int64_t out : {64, 128, 256, 512}) {
    for (int block = 0; block < 2; ++block) {
      const int64_t c_in = block == 0 ? in : out;
      s.push_back({out, c_in, 3, 3});
      s.push_back({out});
      s.push_back({out});
      s.push_back({out, out, 3, 3});
      s.push_back({out});
      s.push_back({out});
      if (block == 0 && out != 64) {
        s.push_back({out, in, 1, 1});
        s.push_back({out});
        s.push_back({out});
      }
    }
    in = out;
  }
  s.push_back({1000, 512});
  s.push_back({1000});
  return s;
}

std::vector<Tensor> params_with_grads() {
  std::vector<Tensor> ps;
  for (const auto& shape : resnet18_shapes()) {
    Tensor p = randn(shape).requires_grad_(true);
    p.set_grad(randn(shape) * 1e-2);
    ps.push_back(p);
  }
  return ps;
}

template <typename Make>
void run_steps(benchmark::State& state, const Make& make) {
  auto ps = params_with_grads();
  auto opt = make(ps);
  opt->step();  // the state exists before timing
  int64_t n = 0;
  for (const auto& p : ps) n += p.numel();
  for (auto _ : state) opt->step();
  state.counters["elements"] = static_cast<double>(n);
  state.counters["tensors"] = static_cast<double>(ps.size());
}

void BM_adam_step(benchmark::State& state) {
  run_steps(state, [](std::vector<Tensor> ps) {
    return std::make_unique<optim::Adam>(ps, optim::AdamOptions{.lr = 1e-3});
  });
}
void BM_adam_wd_amsgrad(benchmark::State& state) {
  run_steps(state, [](std::vector<Tensor> ps) {
    return std::make_unique<optim::Adam>(
        ps, optim::AdamOptions{.lr = 1e-3, .weight_decay = 1e-2, .amsgrad = true});
  });
}
void BM_adadelta_step(benchmark::State& state) {
  run_steps(state, [](std::vector<Tensor> ps) {
    return std::make_unique<optim::Adadelta>(ps, optim::AdadeltaOptions{.lr = 1.0});
  });
}
void BM_sgd_step(benchmark::State& state) {
  run_steps(state, [](std::vector<Tensor> ps) {
    return std::make_unique<optim::SGD>(ps, optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
  });
}

BENCHMARK(BM_adam_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_adam_wd_amsgrad)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_adadelta_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sgd_step)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
