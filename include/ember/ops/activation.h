#pragma once
// Activation functions, as torch.nn.functional's (and the torch.* / aten ops
// underneath): floating inputs, output dtype and memory layout those of the
// input. Each records PyTorch's autograd node (GeluBackward0, EluBackward0 ...);
// the `_`-suffixed forms write into x and record the in-place node
// (EluBackward1, LeakyReluBackward1 ...) where PyTorch has one. Backward runs
// a fused kernel, or, when the graph is kept (create_graph), recorded ops, so
// that gradients can be differentiated again.
#include <string>

#include "ember/core/tensor.h"

namespace ember {

// approximate: "none" (erf) or "tanh".
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);
Tensor& silu_(Tensor& x);
Tensor mish(const Tensor& x);
Tensor& mish_(Tensor& x);
// x > 0 ? scale * x : scale * alpha * (exp(x * input_scale) - 1)
Tensor elu(const Tensor& x, double alpha = 1.0, double scale = 1.0, double input_scale = 1.0);
Tensor& elu_(Tensor& x, double alpha = 1.0, double scale = 1.0, double input_scale = 1.0);
Tensor selu(const Tensor& x);
Tensor& selu_(Tensor& x);
// elu with input_scale 1/alpha; alpha == 0 is an error.
Tensor celu(const Tensor& x, double alpha = 1.0);
Tensor& celu_(Tensor& x, double alpha = 1.0);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor& leaky_relu_(Tensor& x, double negative_slope = 0.01);
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
Tensor& hardtanh_(Tensor& x, double min_val = -1.0, double max_val = 1.0);
Tensor relu6(const Tensor& x);  // hardtanh(x, 0, 6)
Tensor& relu6_(Tensor& x);
Tensor hardsigmoid(const Tensor& x);
Tensor& hardsigmoid_(Tensor& x);
Tensor hardswish(const Tensor& x);
Tensor& hardswish_(Tensor& x);
// x * beta > threshold ? x : log(1 + exp(beta * x)) / beta
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
// x / (1 + |x|), composed as PyTorch composes it (DivBackward0).
Tensor softsign(const Tensor& x);
// x <= threshold ? value : x
Tensor threshold(const Tensor& x, double threshold, double value);
Tensor& threshold_(Tensor& x, double threshold, double value);
// torch.ops.aten.threshold_backward: self <= threshold ? 0 : grad_output, one
// fused pass (ReLU's backward, with self its result; NaN passes the gradient).
Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold);
// x > 0 ? x : weight * x, weight (one value, or one per channel: dim 1 of x)
// broadcast over the channel dim.
Tensor prelu(const Tensor& x, const Tensor& weight);
Tensor log_sigmoid(const Tensor& x);
// x > lambd ? x - lambd : (x < -lambd ? x + lambd : 0); lambd >= 0. NaN
// propagates (PyTorch 1.13 gives 0 for NaN, later releases NaN).
Tensor softshrink(const Tensor& x, double lambd = 0.5);
// -lambd <= x <= lambd ? 0 : x
Tensor hardshrink(const Tensor& x, double lambd = 0.5);
// a * sigmoid(b), a and b the halves of x along dim (of even size).
Tensor glu(const Tensor& x, int64_t dim = -1);

}  // namespace ember
