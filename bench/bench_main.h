#pragma once
// The main() of ember's Google Benchmark programs: EMBER_BENCH_THREADS threads
// (2 by default, what bench/run.py gives every library), then the benchmarks.
// EMBER_BENCH_CONV=direct turns off Winograd convolutions (ops/conv.h).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>

#include "ember/core/parallel.h"
#include "ember/ops/conv.h"

inline int run_ember_benchmarks(int argc, char** argv) {
  int threads = 2;
  if (const char* t = std::getenv("EMBER_BENCH_THREADS")) threads = std::atoi(t);
  ember::set_num_threads(threads);
  // EMBER_BENCH_CONV=direct: PyTorch's direct convolutions instead of Winograd.
  if (const char* c = std::getenv("EMBER_BENCH_CONV"); c && std::strcmp(c, "direct") == 0)
    ember::set_conv_algorithm(ember::ConvAlgorithm::Direct);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
