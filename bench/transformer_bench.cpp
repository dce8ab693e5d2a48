// Transformer benchmarks (issue 5), ember's side: TransformerEncoderLayer(512,
// 8, 2048, batch_first=True) in training mode (dropout 0.1) on a (8, 128, 512)
// input. The PyTorch side of the same work is the "transformer" snippet in the
// issue-5 report (bench/run.py).
//
//   encoder_layer_fwd_bwd   y = layer(x); y.backward(ones); grads set to None
//   encoder_layer_fwd_eval  eval mode, no grad: y = layer(x)
//   mha_fwd_bwd             the layer's self-attention alone, forward + backward
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "ember/ember.h"
#include "ember/nn/modules/transformer.h"

using namespace ember;

namespace {

nn::Handle<nn::TransformerEncoderLayer> make_layer() {
  return nn::make<nn::TransformerEncoderLayer>(
      512, 8, nn::TransformerEncoderLayerOptions{.dim_feedforward = 2048, .batch_first = true});
}

void BM_encoder_layer_fwd_bwd(benchmark::State& state) {
  auto layer = make_layer();
  Tensor x = randn({8, 128, 512}).requires_grad_(true);
  Tensor g = ones({8, 128, 512});
  auto step = [&] {
    Tensor y = layer(x);
    y.backward(g);
    layer->zero_grad();
    x.set_grad(Tensor());
  };
  step();  // warm up
  for (auto _ : state) step();
}
BENCHMARK(BM_encoder_layer_fwd_bwd)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_encoder_layer_fwd_eval(benchmark::State& state) {
  auto layer = make_layer();
  layer->eval();
  Tensor x = randn({8, 128, 512});
  NoGradGuard g;
  benchmark::DoNotOptimize(layer(x));
  for (auto _ : state) benchmark::DoNotOptimize(layer(x));
}
BENCHMARK(BM_encoder_layer_fwd_eval)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_mha_fwd_bwd(benchmark::State& state) {
  auto mha = nn::make<nn::MultiheadAttention>(
      512, 8, nn::MultiheadAttentionOptions{.dropout = 0.1, .batch_first = true});
  Tensor x = randn({8, 128, 512}).requires_grad_(true);
  Tensor g = ones({8, 128, 512});
  auto step = [&] {
    Tensor y = std::get<0>(mha(x, x, x, Tensor(), false));
    y.backward(g);
    mha->zero_grad();
    x.set_grad(Tensor());
  };
  step();
  for (auto _ : state) step();
}
BENCHMARK(BM_mha_fwd_bwd)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
