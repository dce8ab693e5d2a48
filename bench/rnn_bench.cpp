// Recurrent layers (issue 5), ember's side: LSTM(256, 512, num_layers=2) and
// GRU(256, 512, num_layers=2) on (T=50, N=32, 256), forward without grad and
// forward + backward (the sum of the output as the loss). PyTorch's side of the
// same work: the snippet in the RNN helper's report (bench/run.py has no rnn
// suite yet).
//
//   BM_rnn/<kind>/<train>   kind 0 = LSTM, 1 = GRU; train 0 = forward under
//                           no_grad, 1 = forward + backward
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "ember/ember.h"
#include "ember/nn/modules/rnn.h"

using namespace ember;

namespace {

constexpr int64_t kT = 50, kN = 32, kIn = 256, kHidden = 512;

void BM_rnn(benchmark::State& state) {
  const bool lstm = state.range(0) == 0, train = state.range(1) == 1;
  manual_seed(0);
  auto l = nn::make<nn::LSTM>(kIn, kHidden, nn::LSTMOptions{.num_layers = 2});
  auto g = nn::make<nn::GRU>(kIn, kHidden, nn::GRUOptions{.num_layers = 2});
  Tensor x = randn({kT, kN, kIn});
  if (train) x.requires_grad_();
  auto step = [&] {
    Tensor out = lstm ? std::get<0>(l(x, std::nullopt)) : std::get<0>(g(x, Tensor()));
    if (train) {
      out.sum().backward();
      x.set_grad(Tensor());
      (lstm ? static_cast<nn::Module&>(*l) : static_cast<nn::Module&>(*g)).zero_grad();
    }
    benchmark::DoNotOptimize(out);
  };
  std::optional<NoGradGuard> ng;
  if (!train) ng.emplace();
  step();  // warm-up: first touch of the buffers
  for (auto _ : state) step();
  state.SetLabel(lstm ? (train ? "LSTM fwd+bwd" : "LSTM fwd")
                      : (train ? "GRU fwd+bwd" : "GRU fwd"));
}

}  // namespace

BENCHMARK(BM_rnn)
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
