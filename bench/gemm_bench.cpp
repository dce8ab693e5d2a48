// ember's matrix products against a direct OpenBLAS call on the same data, both
// on 2 threads (ember::set_num_threads sets OpenBLAS's too). ember::mm must stay
// within 5% of cblas_sgemm: everything around the sgemm call (checks, the
// output allocation) has to be negligible. Compare the GFLOP/s of neighbouring
// rows; each pair runs back to back.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstring>
#include <vector>

#include "ember/ember.h"

namespace {

constexpr int kThreads = 2;

std::vector<float> values(int64_t n, int seed) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 7 + seed * 13) % 17) / 17.f - 0.5f;
  return v;
}

void flops(benchmark::State& st, int64_t m, int64_t n, int64_t k) {
  st.counters["GFLOP"] = benchmark::Counter(2e-9 * static_cast<double>(m * n * k),
                                            benchmark::Counter::kIsIterationInvariantRate);
}

// C (m x n) = A (m x k) @ B (k x n), all row-major; C preallocated.
void BM_cblas_sgemm(benchmark::State& st) {
  ember::set_num_threads(kThreads);
  const int64_t m = st.range(0), k = st.range(1), n = st.range(2);
  auto a = values(m * k, 1), b = values(k * n, 2);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.f, a.data(),
                int(k), b.data(), int(n), 0.f, c.data(), int(n));
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  flops(st, m, n, k);
}

// The same product through ember::mm, which allocates its result each call.
void BM_ember_mm(benchmark::State& st) {
  ember::set_num_threads(kThreads);
  const int64_t m = st.range(0), k = st.range(1), n = st.range(2);
  ember::Tensor a = ember::from_vector(values(m * k, 1), {m, k});
  ember::Tensor b = ember::from_vector(values(k * n, 2), {k, n});
  for (auto _ : st) {
    ember::Tensor c = ember::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
    benchmark::ClobberMemory();
  }
  flops(st, m, n, k);
}

// nn.Linear's forward by hand: C = bias (each row) + X (m x k) @ W^T, W (n x k).
void BM_cblas_linear(benchmark::State& st) {
  ember::set_num_threads(kThreads);
  const int64_t m = st.range(0), k = st.range(1), n = st.range(2);
  auto x = values(m * k, 1), w = values(n * k, 2), bias = values(n, 3);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (auto _ : st) {
    for (int64_t i = 0; i < m; ++i) std::memcpy(&c[i * n], bias.data(), n * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(m), int(n), int(k), 1.f, x.data(),
                int(k), w.data(), int(k), 1.f, c.data(), int(n));
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  flops(st, m, n, k);
}

void BM_ember_linear(benchmark::State& st) {
  ember::set_num_threads(kThreads);
  const int64_t m = st.range(0), k = st.range(1), n = st.range(2);
  ember::Tensor x = ember::from_vector(values(m * k, 1), {m, k});
  ember::Tensor w = ember::from_vector(values(n * k, 2), {n, k});
  ember::Tensor bias = ember::from_vector(values(n, 3), {n});
  for (auto _ : st) {
    ember::Tensor c = ember::linear(x, w, bias);
    benchmark::DoNotOptimize(c.data_ptr());
    benchmark::ClobberMemory();
  }
  flops(st, m, n, k);
}

// Args: {m, k, n}. Wall-clock time: the work runs on 2 threads. The counter
// reads "GFLOP=x/s". Each benchmark runs 6 times, the repetitions of all of
// them shuffled together (random interleaving), so a change in the machine's
// load hits cblas and ember alike; compare the medians.
void wall_ms(benchmark::internal::Benchmark* b) {
  b->UseRealTime()->MinTime(0.3)->Repetitions(6)->ReportAggregatesOnly(true)->Unit(
      benchmark::kMillisecond);
}
BENCHMARK(BM_cblas_sgemm)->Args({128, 1024, 1024})->Apply(wall_ms);
BENCHMARK(BM_ember_mm)->Args({128, 1024, 1024})->Apply(wall_ms);
BENCHMARK(BM_cblas_sgemm)->Args({1024, 1024, 1024})->Apply(wall_ms);
BENCHMARK(BM_ember_mm)->Args({1024, 1024, 1024})->Apply(wall_ms);
BENCHMARK(BM_cblas_linear)->Args({128, 784, 1024})->Apply(wall_ms);
BENCHMARK(BM_ember_linear)->Args({128, 784, 1024})->Apply(wall_ms);

}  // namespace

// BENCHMARK_MAIN with random interleaving on by default (a later
// --benchmark_enable_random_interleaving=false on the command line overrides it).
int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  static char interleave[] = "--benchmark_enable_random_interleaving=true";
  args.insert(args.begin() + 1, interleave);
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
