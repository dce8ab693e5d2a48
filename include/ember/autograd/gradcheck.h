#pragma once
// gradcheck / gradgradcheck: compare the gradients autograd computes with
// central finite differences (torch.autograd.gradcheck). Use float64 inputs.
#include <functional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // pass when |analytical - numerical| <= atol + rtol * |numerical|
  double rtol = 1e-3;
  bool raise_exception = true;  // throw GradcheckError on mismatch; else return false
  double nondet_tol = 0.0;      // allowed difference between two backward runs
};

// Thrown by gradcheck; the message names the output, input and the two Jacobians.
class GradcheckError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

using GradcheckFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)>;

// Checks d fn(inputs) / d inputs for every floating output and every input
// that requires grad. Inputs are perturbed in place (through their data, not
// autograd) and restored.
bool gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options = {});
// One-output convenience.
bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
               const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

// Checks second derivatives: gradcheck of (inputs, grad_outputs) -> the
// gradients of fn computed with create_graph, for random grad_outputs.
bool gradgradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options = {});
bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                   const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace ember::autograd
