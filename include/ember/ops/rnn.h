#pragma once
// Recurrent layers as functions: torch's _VF.rnn_tanh / rnn_relu / lstm / gru
// (the multi-layer, optionally bidirectional loop nn.RNN, nn.LSTM and nn.GRU
// call) and the cells _VF.rnn_tanh_cell / rnn_relu_cell / lstm_cell /
// gru_cell. Gate order as PyTorch: LSTM i, f, g, o; GRU r, z, n with
// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
//
// How it runs: for each layer and direction, x @ W_ih^T + b_ih for all time
// steps is ONE matmul (linear over [T*N, in]); the recurrent loop then does
// per step one matmul h @ W_hh^T and one fused pointwise gate loop, recorded
// as a single autograd node per layer and direction ("LstmLayerBackward0",
// "GruLayerBackward0", "RnnTanhLayerBackward0", "RnnReluLayerBackward0";
// PyTorch's CPU graph is a chain of small ops instead) whose backward is
// BPTT with one matmul per step and dW_hh / db_hh / dW_hr formed once at the
// end. The cells run the same loop with T = 1. The node keeps the gate
// activations (and LSTM cells, GRU W_hn h + b_hn, projection inputs) of every
// step, and the input projection for the double backward: with create_graph
// the gradients are recomputed through the layer written as differentiable
// ember ops (step by step), so they can be differentiated again.
//
// dtypes: float32 and float64 natively; float16 and bfloat16 are computed in
// float32 and rounded back. Other dtypes: TypeError ("\"gru\" not implemented
// for 'Int'", the wording ember's activations use). All tensors
// must share the input's dtype (RuntimeError "mat1 and mat2 must have the same
// dtype", as the matmul in PyTorch says).
// PackedSequence inputs are not supported.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

// h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh); input [N, in], hx [N, H].
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih = std::nullopt,
                     const std::optional<Tensor>& b_hh = std::nullopt);
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih = std::nullopt,
                     const std::optional<Tensor>& b_hh = std::nullopt);
// hx = {h, c}, each [N, H]; returns (h', c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, TensorList hx, const Tensor& w_ih,
                                     const Tensor& w_hh,
                                     const std::optional<Tensor>& b_ih = std::nullopt,
                                     const std::optional<Tensor>& b_hh = std::nullopt);
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const std::optional<Tensor>& b_ih = std::nullopt,
                const std::optional<Tensor>& b_hh = std::nullopt);

// input [T, N, in] ([N, T, in] when batch_first), hx [L * D, N, H]. params:
// per layer and direction (forward, then reverse) w_ih, w_hh[, b_ih, b_hh]
// (has_biases). dropout applies to the outputs of all layers but the last when
// train. Returns (output [T, N, D * H] (batch_first: [N, T, D * H], a
// transposed view), h_n [L * D, N, H]).
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first);
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, TensorList params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first);
std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, TensorList params,
                               bool has_biases, int64_t num_layers, double dropout, bool train,
                               bool bidirectional, bool batch_first);
// hx = {h_0 [L * D, N, P], c_0 [L * D, N, H]}; with a projection (P != H, as
// PyTorch tells it) each layer and direction has a fifth parameter w_hr [P, H]
// after the biases. Returns (output, h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, TensorList hx, TensorList params,
                                        bool has_biases, int64_t num_layers, double dropout,
                                        bool train, bool bidirectional, bool batch_first);

}  // namespace ember
