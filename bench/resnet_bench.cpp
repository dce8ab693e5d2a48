// One ResNet-18 (CIFAR form, examples/models/resnet18.h) training step:
// zero_grad, forward, cross-entropy, backward, SGD(lr 0.1, momentum 0.9) step
// on a batch of 16 3x32x32 images, NCHW (arg 0) and channels_last (arg 1).
// Each step takes the next of kBatches random batches: on one batch the net
// fits it within a few dozen steps, and its gradients then underflow into
// denormals, which slow the kernels down by up to 2x at random (in PyTorch too).
// The same step in PyTorch: the "resnet" suite of bench/run.py.
#include <benchmark/benchmark.h>

#include <vector>

#include "../examples/models/resnet18.h"
#include "bench_main.h"
#include "ember/ember.h"

namespace {

constexpr int kBatches = 16;

void BM_resnet18_train_step(benchmark::State& st) {
  using namespace ember;
  const bool cl = st.range(0) != 0;
  manual_seed(0);
  auto net = nn::make<models::ResNet18>(10);
  std::vector<Tensor> xs, targets;
  for (int i = 0; i < kBatches; ++i) {
    xs.push_back(randn({16, 3, 32, 32}));
    targets.push_back(randint(0, 10, {16}));
  }
  if (cl) {
    net->to(kChannelsLast);
    for (auto& x : xs) x = x.contiguous(kChannelsLast);
  }
  net->train();
  optim::SGD opt(net->parameters(), {.lr = 0.1, .momentum = 0.9});
  size_t i = 0;
  for (auto _ : st) {
    opt.zero_grad();
    Tensor loss = cross_entropy(net(xs[i % kBatches]), targets[i % kBatches]);
    ++i;
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.data_ptr());
  }
}

}  // namespace

BENCHMARK(BM_resnet18_train_step)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinWarmUpTime(0.5);

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
