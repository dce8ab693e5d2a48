// Tensor-core benchmarks: elementwise add (contiguous, broadcast, strided), sum
// over a dim, dtype conversion, NCHW -> channels_last, and memcpy of the same
// bytes as the bandwidth yardstick. bench/run.py runs this beside PyTorch and
// prints ratios. Bytes moved (read + write) are reported as a counter.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "bench_main.h"
#include "ember/ember.h"

using namespace ember;

namespace {

constexpr int64_t kN = 1 << 24;  // 16M float32 = 64 MiB per operand: beyond the 32 MiB L3

void set_bytes(benchmark::State& st, double bytes) {
  st.counters["bytes"] = bytes;
  st.counters["GB/s"] = benchmark::Counter(bytes * static_cast<double>(st.iterations()) / 1e9,
                                           benchmark::Counter::kIsRate);
}

void BM_memcpy(benchmark::State& st) {
  std::vector<float> a(kN, 1.f), b(kN);
  for (auto _ : st) {
    std::memcpy(b.data(), a.data(), kN * sizeof(float));
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  set_bytes(st, 2.0 * kN * 4);
}

void BM_add_contiguous(benchmark::State& st) {
  auto a = rand({kN}), b = rand({kN});
  for (auto _ : st) benchmark::DoNotOptimize(a + b);
  set_bytes(st, 3.0 * kN * 4);
}

void BM_add_inplace(benchmark::State& st) {
  auto a = rand({kN}), b = rand({kN});
  for (auto _ : st) benchmark::DoNotOptimize(a.add_(b));
  set_bytes(st, 3.0 * kN * 4);
}

void BM_add_broadcast(benchmark::State& st) {
  auto a = rand({4096, 4096}), b = rand({4096});
  for (auto _ : st) benchmark::DoNotOptimize(a + b);
  set_bytes(st, 2.0 * kN * 4);
}

void BM_add_strided(benchmark::State& st) {
  // every other column of a [2048, 4096] tensor: a non-contiguous operand
  auto a = rand({4096, 8192}).slice(1, 0, std::nullopt, 2), b = rand({4096, 4096});
  for (auto _ : st) benchmark::DoNotOptimize(a + b);
  set_bytes(st, 3.0 * kN * 4);
}

void BM_mul_scalar(benchmark::State& st) {
  auto a = rand({kN});
  for (auto _ : st) benchmark::DoNotOptimize(a * 2.5);
  set_bytes(st, 2.0 * kN * 4);
}

void BM_sum_lastdim(benchmark::State& st) {
  auto a = rand({16384, 1024});
  for (auto _ : st) benchmark::DoNotOptimize(a.sum({1}));
  set_bytes(st, 1.0 * kN * 4);
}

void BM_sum_firstdim(benchmark::State& st) {
  auto a = rand({16384, 1024});
  for (auto _ : st) benchmark::DoNotOptimize(a.sum({0}));
  set_bytes(st, 1.0 * kN * 4);
}

void BM_to_float64(benchmark::State& st) {
  auto a = rand({kN});
  for (auto _ : st) benchmark::DoNotOptimize(a.to(kFloat64));
  set_bytes(st, 12.0 * kN);
}

void BM_to_float16(benchmark::State& st) {
  auto a = rand({kN});
  for (auto _ : st) benchmark::DoNotOptimize(a.to(kFloat16));
  set_bytes(st, 6.0 * kN);
}

void BM_to_bfloat16(benchmark::State& st) {
  auto a = rand({kN});
  for (auto _ : st) benchmark::DoNotOptimize(a.to(kBFloat16));
  set_bytes(st, 6.0 * kN);
}

void BM_to_channels_last(benchmark::State& st) {
  auto a = rand({64, 64, 56, 56});
  for (auto _ : st) benchmark::DoNotOptimize(a.contiguous(kChannelsLast));
  set_bytes(st, 2.0 * a.nbytes());
}

void BM_mm_128x1024x1024(benchmark::State& st) {
  auto a = rand({128, 1024}), b = rand({1024, 1024});
  for (auto _ : st) benchmark::DoNotOptimize(a.mm(b));
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * 128 * 1024 * 1024 * st.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
}

void BM_mm_1024x1024x1024(benchmark::State& st) {
  auto a = rand({1024, 1024}), b = rand({1024, 1024});
  for (auto _ : st) benchmark::DoNotOptimize(a.mm(b));
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * 1024 * 1024 * 1024 * st.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_memcpy)->UseRealTime();
BENCHMARK(BM_add_contiguous)->UseRealTime();
BENCHMARK(BM_add_inplace)->UseRealTime();
BENCHMARK(BM_add_broadcast)->UseRealTime();
BENCHMARK(BM_add_strided)->UseRealTime();
BENCHMARK(BM_mul_scalar)->UseRealTime();
BENCHMARK(BM_sum_lastdim)->UseRealTime();
BENCHMARK(BM_sum_firstdim)->UseRealTime();
BENCHMARK(BM_to_float64)->UseRealTime();
BENCHMARK(BM_to_float16)->UseRealTime();
BENCHMARK(BM_to_bfloat16)->UseRealTime();
BENCHMARK(BM_to_channels_last)->UseRealTime();
BENCHMARK(BM_mm_128x1024x1024)->UseRealTime();
BENCHMARK(BM_mm_1024x1024x1024)->UseRealTime();

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
