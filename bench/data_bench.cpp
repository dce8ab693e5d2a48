// One epoch over Fashion-MNIST train (60,000 images) with batch 64, shuffle,
// 0 and 2 worker threads: images/s of the loader alone (each batch touched).
// PyTorch's side (DataLoader over a TensorDataset of the
// same data) is the "data" suite of bench/run.py.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "ember/ember.h"

namespace {

const std::shared_ptr<ember::data::FashionMNIST>& train_set() {
  static auto ds = std::make_shared<ember::data::FashionMNIST>();
  return ds;
}

void epoch(benchmark::State& st, int64_t workers) {
  auto ds = train_set();
  ember::Generator gen(0);
  ember::data::DataLoader loader(
      ds, {.batch_size = 64, .shuffle = true, .num_workers = workers, .generator = &gen});
  for (auto _ : st) {
    int64_t n = 0;
    for (auto& b : loader) {
      benchmark::DoNotOptimize(b[0].data_ptr());
      n += b[0].size(0);
    }
    benchmark::DoNotOptimize(n);
  }
  st.SetItemsProcessed(st.iterations() * ds->size());
}
void BM_fmnist_epoch_workers0(benchmark::State& st) { epoch(st, 0); }
void BM_fmnist_epoch_workers2(benchmark::State& st) { epoch(st, 2); }
BENCHMARK(BM_fmnist_epoch_workers0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_fmnist_epoch_workers2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
