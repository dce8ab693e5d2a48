#pragma once
// The main() of ember's Google Benchmark programs: EMBER_BENCH_THREADS threads
// (2 by default, what bench/run.py gives every library), then the benchmarks.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "ember/core/parallel.h"

inline int run_ember_benchmarks(int argc, char** argv) {
  int threads = 2;
  if (const char* t = std::getenv("EMBER_BENCH_THREADS")) threads = std::atoi(t);
  ember::set_num_threads(threads);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
