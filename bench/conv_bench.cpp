// conv2d forward and forward+backward on the ResNet-18 (CIFAR) shapes and
// ResNet-50's (ImageNet) 1x1 ones, batch 16, NCHW and channels_last, 2
// threads. Arguments: (C_in, C_out, H, kernel, stride, channels_last).
// PyTorch's side in the same run: the "conv" and "conv1x1" suites of
// bench/run.py. The whole training step: bench/resnet_bench.cpp.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "ember/ember.h"

namespace {

constexpr int kThreads = 2;

void setup(benchmark::State& st, ember::Tensor& x, ember::Tensor& w) {
  ember::set_num_threads(kThreads);
  const int64_t ci = st.range(0), co = st.range(1), h = st.range(2), k = st.range(3);
  x = ember::randn({16, ci, h, h});
  w = ember::randn({co, ci, k, k});
  if (st.range(5)) {
    x = x.clone(ember::kChannelsLast);
    w = w.clone(ember::kChannelsLast);
  }
}

void BM_conv2d_forward(benchmark::State& st) {
  ember::Tensor x, w;
  setup(st, x, w);
  const int64_t k = st.range(3), s = st.range(4);
  ember::NoGradGuard g;
  for (auto _ : st) benchmark::DoNotOptimize(ember::conv2d(x, w, std::nullopt, s, k / 2));
}

void BM_conv2d_forward_backward(benchmark::State& st) {
  ember::Tensor x, w;
  setup(st, x, w);
  x.requires_grad_();
  w.requires_grad_();
  const int64_t k = st.range(3), s = st.range(4);
  for (auto _ : st) {
    ember::Tensor y = ember::conv2d(x, w, std::nullopt, s, k / 2);
    y.backward(ember::ones_like(y));
    x.set_grad(ember::Tensor());
    w.set_grad(ember::Tensor());
  }
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int cl : {0, 1})
    for (auto s : std::vector<std::vector<int64_t>>{{3, 64, 32, 3, 1},
                                                    {64, 64, 32, 3, 1},
                                                    {64, 128, 32, 3, 2},
                                                    {128, 128, 16, 3, 1},
                                                    {128, 256, 16, 3, 2},
                                                    {256, 256, 8, 3, 1},
                                                    {256, 512, 8, 3, 2},
                                                    {512, 512, 4, 3, 1},
                                                    {64, 128, 32, 1, 2},
                                                    {128, 256, 16, 1, 2},
                                                    {256, 512, 8, 1, 2},
                                                    // ResNet-50's (ImageNet) 1x1 layers: the
                                                    // "conv1x1" suite
                                                    {64, 256, 56, 1, 1},
                                                    {256, 64, 56, 1, 1},
                                                    {256, 512, 56, 1, 2},
                                                    {512, 128, 28, 1, 1},
                                                    {1024, 256, 14, 1, 1},
                                                    {2048, 512, 7, 1, 1}})
      b->Args({s[0], s[1], s[2], s[3], s[4], cl});
  b->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK(BM_conv2d_forward)->Apply(shapes);
BENCHMARK(BM_conv2d_forward_backward)->Apply(shapes);
int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
