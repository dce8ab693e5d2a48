#pragma once
// The recurrent loop of one RNN / LSTM / GRU layer in one direction, forward
// and backward (BPTT), for float32 and float64. The input projection
// x @ W_ih^T + b_ih of every time step is computed before (one matmul, by the
// ops layer); each step here is one matmul h_{t-1} @ W_hh^T and one fused
// pointwise gate loop. The backward collects the gate gradients of all steps
// and forms dW_hh, db_hh and dW_hr with one matmul each after the loop.
// Gate order as PyTorch: LSTM i, f, g, o; GRU r, z, n.
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember::kernels {

enum class RnnMode { Tanh, Relu, LSTM, GRU };

inline int64_t rnn_gates(RnnMode m) { return m == RnnMode::LSTM ? 4 : m == RnnMode::GRU ? 3 : 1; }

// What the backward needs besides the inputs and the output.
struct RnnSaved {
  Tensor gates;  // LSTM i,f,g,o / GRU r,z,n after their activations [T, N, G*H]
  Tensor cells;  // LSTM c_t [T, N, H]
  Tensor hraw;   // LSTM with projection: o * tanh(c_t) before W_hr [T, N, H]
  Tensor hng;    // GRU W_hn h_{t-1} + b_hn [T, N, H]
};

// xw: [T, N, G*H] (unit stride in the last dim, any row strides), h0 [N, P],
// c0 [N, H] (LSTM), whh [G*H, P], bhh [G*H] or undefined, whr [P, H] or
// undefined (LSTM projection; then P < H, else P == H). All of one dtype
// (float32 or float64); h0, c0, whh, bhh, whr contiguous. Writes out
// [T, N, P], hn [N, P], cn [N, H] (contiguous, allocated by the caller) and
// fills `saved`. reverse runs the steps from T - 1 down to 0.
void rnn_layer_forward(RnnMode mode, bool reverse, const Tensor& xw, const Tensor& h0,
                       const Tensor& c0, const Tensor& whh, const Tensor& bhh, const Tensor& whr,
                       const Tensor& out, const Tensor& hn, const Tensor& cn, RnnSaved& saved);

struct RnnGrads {
  Tensor dxw, dh0, dc0, dwhh, dbhh, dwhr;
};

// Gradients of the forward above. gout [T, N, P], ghn [N, P], gcn [N, H] may
// be undefined (zero); they are read as contiguous tensors.
RnnGrads rnn_layer_backward(RnnMode mode, bool reverse, const Tensor& h0, const Tensor& c0,
                            const Tensor& whh, const Tensor& whr, bool has_bias, const Tensor& out,
                            const RnnSaved& saved, const Tensor& gout, const Tensor& ghn,
                            const Tensor& gcn);

}  // namespace ember::kernels
