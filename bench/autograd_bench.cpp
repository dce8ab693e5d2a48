// Autograd benchmarks (issue 3), ember's side. bench/libtorch/autograd_libtorch_bench.cpp
// does exactly the same work with libtorch and bench/run.py with PyTorch; run.py
// runs all three case by case and prints ratios.
//
//   chain100: x = randn(16) (requires grad), c = rand(16) + 0.5 (constant);
//             y = x, then 50 times y = y * c; y = y + c (100 ops); y.sum().backward();
//             x.grad reset. The graph has kChainNodes = 102 nodes (50 MulBackward0,
//             50 AddBackward0, SumBackward0, AccumulateGrad); "per node" is the time
//             of one iteration (forward + backward + reset) divided by 102.
//   mlp:      x [128, 784]; out = linear(relu(linear(relu(linear(x, w1, b1)), w2, b2)), w3, b3)
//             with w1 [1024, 784], w2 [1024, 1024], w3 [10, 1024] and biases (requires grad);
//             out.sum().backward(); the six grads reset.
//
// Before timing, each case runs once and checks its gradients against values
// computed by hand without autograd; if they are missing or wrong (an op without
// a gradient formula yet) the case is skipped with an error instead of timed.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "bench_main.h"
#include "ember/ember.h"

using namespace ember;

namespace {

constexpr int kChainOps = 100;
constexpr int kChainNodes = kChainOps + 2;  // + SumBackward0 + AccumulateGrad

bool close(const Tensor& got, const Tensor& want) {
  if (!got.defined() || got.sizes() != want.sizes()) return false;
  const double scale = want.abs().max().item<double>();
  return got.allclose(want, 1e-3, 1e-3 * (1.0 + scale));
}

// Runs `step` once and `check` after it; a failure skips the benchmark with a
// message (also on stderr, so a console run shows why no time was reported).
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
  Generator gen(0);
  Tensor x = randn({16}, {}, &gen).requires_grad_();
  Tensor c = rand({16}, {}, &gen) + 0.5;
  auto forward_backward = [&] {
    Tensor y = x;
    for (int i = 0; i < kChainOps / 2; ++i) {
      y = y * c;
      y = y + c;
    }
    y.sum().backward();
  };
  auto check = [&] {
    Tensor want = ones({16});
    for (int i = 0; i < kChainOps / 2; ++i) want = want * c;  // d sum(y) / dx = c^50
    return close(x.grad(), want);
  };
  if (!guard(st, "chain100", forward_backward, check)) return;
  x.set_grad(Tensor());
  for (auto _ : st) {
    forward_backward();
    x.set_grad(Tensor());
  }
  st.counters["nodes"] = kChainNodes;
  st.counters["per_node"] = benchmark::Counter(
      kChainNodes, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_mlp(benchmark::State& st) {
  Generator gen(0);
  auto param = [&](std::vector<int64_t> shape, int64_t fan_in) {
    return (randn(shape, {}, &gen) * (1.0 / std::sqrt(double(fan_in)))).requires_grad_();
  };
  Tensor w1 = param({1024, 784}, 784), b1 = param({1024}, 784);
  Tensor w2 = param({1024, 1024}, 1024), b2 = param({1024}, 1024);
  Tensor w3 = param({10, 1024}, 1024), b3 = param({10}, 1024);
  Tensor x = randn({128, 784}, {}, &gen);
  std::vector<Tensor> params{w1, b1, w2, b2, w3, b3};
  auto forward_backward = [&] {
    Tensor out = linear(linear(linear(x, w1, b1).relu(), w2, b2).relu(), w3, b3);
    out.sum().backward();
  };
  auto check = [&] {
    NoGradGuard no_grad;  // the reference backward, by hand
    Tensor a1 = linear(x, w1, b1), h1 = a1.relu();
    Tensor a2 = linear(h1, w2, b2), h2 = a2.relu();
    Tensor g_out = ones({128, 10});
    Tensor g_a2 = g_out.mm(w3) * a2.gt(0).to(kFloat32);
    Tensor g_a1 = g_a2.mm(w2) * a1.gt(0).to(kFloat32);
    return close(w3.grad(), g_out.t().mm(h2)) && close(b3.grad(), g_out.sum({0})) &&
           close(w2.grad(), g_a2.t().mm(h1)) && close(b2.grad(), g_a2.sum({0})) &&
           close(w1.grad(), g_a1.t().mm(x)) && close(b1.grad(), g_a1.sum({0}));
  };
  if (!guard(st, "mlp", forward_backward, check)) return;
  for (auto& p : params) p.set_grad(Tensor());
  for (auto _ : st) {
    forward_backward();
    for (auto& p : params) p.set_grad(Tensor());
  }
}

}  // namespace

BENCHMARK(BM_chain100)->UseRealTime();
BENCHMARK(BM_mlp)->UseRealTime()->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
