#pragma once
// The autograd parity harness: each case makes its (possibly non-contiguous)
// inputs leaves, runs the op, backpropagates PyTorch's grad_outputs, and
// returns the results followed by the leaves' gradients for run_parity.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

namespace ember::testing::grad_parity {

using Ts = std::vector<Tensor>;
using Fn = std::function<Ts(const Ts&)>;

Tensor apply_layout(const Tensor& base, char layout) {
  if (layout == 't') return base.t();
  if (layout == 's') return base.slice(-1, std::nullopt, std::nullopt, 2);
  return base;
}

// in: the bases (one per layout letter) then the grad_outputs. Returns the
// results, then the leaves' gradients (zeros where none arrived).
Ts run_with_grads(const Ts& in, const std::string& layouts, const Fn& fn) {
  Ts leaves;
  for (size_t i = 0; i < layouts.size(); ++i)
    leaves.push_back(apply_layout(in.at(i), layouts[i]).detach().requires_grad_());
  Ts outs = fn(leaves);
  Ts diff, gouts;
  size_t next = layouts.size();
  for (const auto& o : outs)
    if (o.requires_grad()) {
      diff.push_back(o);
      gouts.push_back(in.at(next++));
    }
  EXPECT_EQ(next, in.size()) << "grad_outputs left over: differentiable results differ";
  if (!diff.empty()) autograd::backward(diff, gouts);
  Ts res;
  for (const auto& o : outs) res.push_back(o.detach());
  for (const auto& l : leaves) res.push_back(l.grad().defined() ? l.grad() : zeros_like(l));
  return res;
}

class Cases {
 public:
  // layouts: one letter per tensor input ('c', 't' or 's').
  void add(const std::string& name, const std::string& layouts, Fn fn) {
    EXPECT_FALSE(map_.count(name)) << "duplicate case " << name;
    map_[name] = Case{[layouts, fn](const Ts& in) { return run_with_grads(in, layouts, fn); }};
  }
  void add1(const std::string& name, const std::string& layouts,
            std::function<Tensor(const Tensor&)> f) {
    add(name, layouts, [f](const Ts& x) { return Ts{f(x[0])}; });
  }
  void add2(const std::string& name, const std::string& layouts,
            std::function<Tensor(const Tensor&, const Tensor&)> f) {
    add(name, layouts, [f](const Ts& x) { return Ts{f(x[0], x[1])}; });
  }
  const std::map<std::string, Case>& map() const { return map_; }

 private:
  std::map<std::string, Case> map_;
};

}  // namespace ember::testing::grad_parity
