#pragma once
// torch.nn.RNN, LSTM, GRU and RNNCell, LSTMCell, GRUCell
// (torch/nn/modules/rnn.py). The computation is in ember/ops/rnn.h.
//
//   auto lstm = nn::make<nn::LSTM>(10, 20, nn::LSTMOptions{.num_layers = 2,
//                                                          .batch_first = true,
//                                                          .bidirectional = true});
//   auto [out, state] = lstm(x);                  // state = (h_n, c_n)
//   auto [h_n, c_n] = state;
//   auto [out2, state2] = lstm(x, std::make_tuple(h0, c0));
//
// Forward signatures (PyTorch's, typed):
//   RNN / GRU:  std::tuple<Tensor, Tensor> forward(input, hx = Tensor())
//               -> (output, h_n)
//   LSTM:       std::tuple<Tensor, std::tuple<Tensor, Tensor>>
//               forward(input, std::optional<std::tuple<Tensor, Tensor>> hx)
//               -> (output, (h_n, c_n))
//   RNNCell / GRUCell: Tensor forward(input, hx = Tensor()) -> h'
//   LSTMCell:   std::tuple<Tensor, Tensor> forward(input, optional (h, c)) -> (h', c')
// An undefined hx (or nullopt) is torch's None: zeros. A call with values
// (Module::call, as containers make) must pass both arguments (None for the
// state); typed calls may leave hx out, hooks or not. Unbatched input (2-D for the layers, 1-D for
// the cells) takes an unbatched state and returns unbatched results.
//
// PackedSequence inputs are NOT supported. flatten_parameters() is a no-op
// (as torch's on CPU). dropout > 0 with num_layers == 1 does not warn.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

// torch's keyword arguments of nn.RNN after hidden_size.
struct RNNOptions {
  int64_t num_layers = 1;
  std::string nonlinearity = "tanh";  // or "relu"
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  std::optional<DType> dtype = std::nullopt;  // torch's factory kwargs
  std::optional<Device> device = std::nullopt;
};

struct LSTMOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  int64_t proj_size = 0;
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
};

struct GRUOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
};

// The common part of RNN, LSTM and GRU (torch's RNNBase): per layer k and
// direction parameters weight_ih_l{k}[_reverse], weight_hh_l{k}, bias_ih_l{k},
// bias_hh_l{k} (bias) and weight_hr_l{k} (proj_size > 0), registered in
// torch's order (state_dict keys identical), all ~ U(-1/sqrt(hidden_size),
// 1/sqrt(hidden_size)). Constructor errors as torch's (ValueError).
class RNNBase : public Module {
 public:
  // The options RNN, LSTM and GRU share (what their option structs give).
  struct Config {
    int64_t num_layers;
    bool bias, batch_first;
    double dropout;
    bool bidirectional;
    int64_t proj_size;
    std::optional<DType> dtype;
    std::optional<Device> device;
  };
  // "RNN_TANH", "RNN_RELU", "LSTM" or "GRU".
  std::string mode;
  int64_t input_size = 0, hidden_size = 0, num_layers = 1;
  bool bias = true, batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  int64_t proj_size = 0;

  virtual void reset_parameters();
  // "10, 20, num_layers=2, batch_first=True, bidirectional=True", as torch.
  std::string extra_repr() const override;
  // A no-op, as torch's on CPU (kept for ported code).
  void flatten_parameters() {}
  // The parameters of each layer and direction (torch's all_weights).
  std::vector<std::vector<Tensor>> all_weights() const;
  // Their names in order (torch's _flat_weights_names).
  const std::vector<std::string>& flat_weights_names() const { return flat_weights_names_; }

 protected:
  RNNBase(const char* name, std::string mode, int64_t input_size, int64_t hidden_size,
          const Config& c);
  // The current parameters in flat order (looked up by name, so a
  // parameter replaced through register_parameter is used).
  std::vector<Tensor> flat_weights() const;
  // torch's check_input: 3-D (after unsqueezing unbatched input), input_size.
  void check_input(const Tensor& input) const;
  // (num_layers * num_directions, batch, proj_size or hidden_size).
  std::vector<int64_t> expected_hidden_size(const Tensor& input) const;
  // "Expected <what> size (2, 3, 4), got [2, 5, 4]".
  void check_hidden_size(const Tensor& hx, const std::vector<int64_t>& expected,
                         const char* what) const;

 private:
  std::vector<std::string> flat_weights_names_;
};

class RNN : public RNNBase {
 public:
  RNN(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {});
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = Tensor());
  std::string nonlinearity;
};

class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, const LSTMOptions& options = {});
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(
      const Tensor& input, const std::optional<std::tuple<Tensor, Tensor>>& hx = std::nullopt);
};

class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, const GRUOptions& options = {});
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = Tensor());
};

// torch's RNNCellBase: weight_ih [chunks * hidden, input], weight_hh
// [chunks * hidden, hidden], bias_ih, bias_hh [chunks * hidden] (None when
// bias = false), all ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
class RNNCellBase : public Module {
 public:
  int64_t input_size = 0, hidden_size = 0;
  bool bias = true;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

  virtual void reset_parameters();
  // "10, 20", ", bias=False", ", nonlinearity=relu", as torch.
  std::string extra_repr() const override;

 protected:
  RNNCellBase(const char* name, int64_t input_size, int64_t hidden_size, bool bias,
              int64_t num_chunks, std::optional<DType> dtype, std::optional<Device> device);
  // Checks the rank ("<Name>: Expected input to be 1-D or 2-D but received
  // 3-D tensor", PyTorch's AssertionError: a RuntimeError here).
  void check_rank(const Tensor& input) const;
  std::string nonlinearity_;  // RNNCell's, printed unless "tanh"
};

struct RNNCellOptions {
  bool bias = true;
  std::string nonlinearity = "tanh";
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
};
struct CellOptions {
  bool bias = true;
  std::optional<DType> dtype = std::nullopt;
  std::optional<Device> device = std::nullopt;
};
using LSTMCellOptions = CellOptions;
using GRUCellOptions = CellOptions;

class RNNCell : public RNNCellBase {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, const RNNCellOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& hx = Tensor());
  std::string nonlinearity;
};

class LSTMCell : public RNNCellBase {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, const LSTMCellOptions& options = {});
  std::tuple<Tensor, Tensor> forward(
      const Tensor& input, const std::optional<std::tuple<Tensor, Tensor>>& hx = std::nullopt);
};

class GRUCell : public RNNCellBase {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, const GRUCellOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& hx = Tensor());
};

}  // namespace ember::nn
