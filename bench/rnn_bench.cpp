// Recurrent layers (issue 5), ember's side: LSTM(256, 512, num_layers=2) and
// GRU(256, 512, num_layers=2) on (T=50, N=32, 256), forward without grad and
// forward + backward (the sum of the output as the loss). PyTorch's side of the
// same work: the snippet in the RNN helper's report (bench/run.py has no rnn
// suite yet).
//
//   BM_lstm_forward / BM_gru_forward             forward under no_grad
//   BM_lstm_forward_backward / BM_gru_forward_backward
//                                                forward + backward of out.sum()
// (one function per case, so bench/run.py's run_gbench names them apart).
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "ember/ember.h"
#include "ember/nn/modules/rnn.h"

using namespace ember;

namespace {

constexpr int64_t kT = 50, kN = 32, kIn = 256, kHidden = 512;

void run_rnn(benchmark::State& state, bool lstm, bool train) {
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

void BM_lstm_forward(benchmark::State& s) { run_rnn(s, true, false); }
void BM_lstm_forward_backward(benchmark::State& s) { run_rnn(s, true, true); }
void BM_gru_forward(benchmark::State& s) { run_rnn(s, false, false); }
void BM_gru_forward_backward(benchmark::State& s) { run_rnn(s, false, true); }

BENCHMARK(BM_lstm_forward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_lstm_forward_backward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_gru_forward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_gru_forward_backward)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) { return run_ember_benchmarks(argc, argv); }
