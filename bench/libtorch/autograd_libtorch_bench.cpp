// libtorch's side of bench/autograd_bench.cpp: the same cases, the same work
// (see that file for their definitions), with torch's C++ API. Built only where
// libtorch is found (Debian's libtorch-dev: scripts/install-deps --bench); it does
// not link ember. bench/run.py runs it beside ember and PyTorch.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

namespace {

constexpr int kChainOps = 100;
constexpr int kChainNodes = kChainOps + 2;  // + SumBackward0 + AccumulateGrad

bool close(const torch::Tensor& got, const torch::Tensor& want) {
  if (!got.defined() || got.sizes() != want.sizes()) return false;
  const double scale = want.abs().max().item<double>();
  return got.allclose(want, 1e-3, 1e-3 * (1.0 + scale));
}

template <class Step, class Check>
bool guard(benchmark::State& st, const char* name, Step step, Check check) {
  std::string err;
  try {
    step();
    if (!check()) err = "gradients missing or wrong";
  } catch (const std::exception& e) {
    err = e.what();
  }
  if (err.empty()) return true;
  err = std::string(name) + " not timed, its gradient check failed: " + err;
  std::fprintf(stderr, "%s\n", err.c_str());
  st.SkipWithError(err.c_str());
  return false;
}

void BM_chain100(benchmark::State& st) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({16}).requires_grad_();
  torch::Tensor c = torch::rand({16}) + 0.5;
  auto forward_backward = [&] {
    torch::Tensor y = x;
    for (int i = 0; i < kChainOps / 2; ++i) {
      y = y * c;
      y = y + c;
    }
    y.sum().backward();
  };
  auto check = [&] {
    torch::Tensor want = torch::ones({16});
    for (int i = 0; i < kChainOps / 2; ++i) want = want * c;
    return close(x.grad(), want);
  };
  if (!guard(st, "chain100", forward_backward, check)) return;
  x.mutable_grad().reset();
  for (auto _ : st) {
    forward_backward();
    x.mutable_grad().reset();
  }
  st.counters["nodes"] = kChainNodes;
  st.counters["per_node"] = benchmark::Counter(
      kChainNodes, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_mlp(benchmark::State& st) {
  torch::manual_seed(0);
  auto param = [](std::vector<int64_t> shape, int64_t fan_in) {
    return (torch::randn(shape) * (1.0 / std::sqrt(double(fan_in)))).requires_grad_();
  };
  torch::Tensor w1 = param({1024, 784}, 784), b1 = param({1024}, 784);
  torch::Tensor w2 = param({1024, 1024}, 1024), b2 = param({1024}, 1024);
  torch::Tensor w3 = param({10, 1024}, 1024), b3 = param({10}, 1024);
  torch::Tensor x = torch::randn({128, 784});
  std::vector<torch::Tensor> params{w1, b1, w2, b2, w3, b3};
  namespace F = torch::nn::functional;
  auto forward_backward = [&] {
    torch::Tensor out = F::linear(F::linear(F::linear(x, w1, b1).relu(), w2, b2).relu(), w3, b3);
    out.sum().backward();
  };
  auto check = [&] {
    torch::NoGradGuard no_grad;
    torch::Tensor a1 = F::linear(x, w1, b1), h1 = a1.relu();
    torch::Tensor a2 = F::linear(h1, w2, b2), h2 = a2.relu();
    torch::Tensor g_out = torch::ones({128, 10});
    torch::Tensor g_a2 = g_out.mm(w3) * a2.gt(0).to(torch::kFloat32);
    torch::Tensor g_a1 = g_a2.mm(w2) * a1.gt(0).to(torch::kFloat32);
    return close(w3.grad(), g_out.t().mm(h2)) && close(b3.grad(), g_out.sum(0)) &&
           close(w2.grad(), g_a2.t().mm(h1)) && close(b2.grad(), g_a2.sum(0)) &&
           close(w1.grad(), g_a1.t().mm(x)) && close(b1.grad(), g_a1.sum(0));
  };
  if (!guard(st, "mlp", forward_backward, check)) return;
  for (auto& p : params) p.mutable_grad().reset();
  for (auto _ : st) {
    forward_backward();
    for (auto& p : params) p.mutable_grad().reset();
  }
}

}  // namespace

BENCHMARK(BM_chain100)->UseRealTime();
BENCHMARK(BM_mlp)->UseRealTime()->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  int threads = 2;
  if (const char* t = std::getenv("EMBER_BENCH_THREADS")) threads = std::atoi(t);
  torch::set_num_threads(threads);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
