// Parity with PyTorch for the gradients of the reductions: the cases mirror
// tests/parity/gen_autograd_reduce.py one for one (run_parity fails on a case
// only one side has). Each case makes its (possibly non-contiguous) inputs
// leaves, runs the op, backpropagates PyTorch's random grad_outputs, and
// compares the results and the leaves' gradients. The harness is the same as
// autograd_binary_test.cpp's.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using namespace ember::testing;

namespace {

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

Ts tup(const std::tuple<Tensor, Tensor>& t) { return Ts{std::get<0>(t), std::get<1>(t)}; }
using Dims = std::vector<int64_t>;

TEST(AutogradReduceParity, MatchesPyTorch) {
  Cases c;
  using T = const Tensor&;
  c.add1("sum.all.c", "c", [](T x) { return x.sum(); });
  c.add1("sum.d0.t", "t", [](T x) { return x.sum({0}); });
  c.add1("sum.d1k.s", "s", [](T x) { return x.sum({1}, true); });
  c.add1("sum.d02.c", "c", [](T x) { return x.sum({0, 2}); });
  c.add1("sum.dtype.c", "c", [](T x) { return x.sum(kFloat64); });
  c.add1("sum.dimdtype.t", "t", [](T x) { return x.sum({-1}, false, kFloat64); });
  c.add1("mean.all.t", "t", [](T x) { return x.mean(); });
  c.add1("mean.d1.c", "c", [](T x) { return x.mean({1}); });
  c.add1("mean.dm1k.s", "s", [](T x) { return x.mean({-1}, true); });
  c.add1("mean.d02k.c", "c", [](T x) { return x.mean({0, 2}, true); });

  c.add1("prod.all.c", "c", [](T x) { return x.prod(); });
  c.add1("prod.d1.t", "t", [](T x) { return x.prod(1); });
  c.add1("prod.d0k.s", "s", [](T x) { return x.prod(0, true); });
  c.add1("prod.zero1.c", "c", [](T x) { return x.prod(1); });
  c.add1("prod.zero2.c", "c", [](T x) { return x.prod(1); });
  c.add1("prod.zero2d0.c", "c", [](T x) { return x.prod(0); });
  c.add1("prod.allzero1.c", "c", [](T x) { return x.prod(); });
  c.add1("prod.allzero2.c", "c", [](T x) { return x.prod(); });

  c.add1("max.all.c", "c", [](T x) { return x.max(); });
  c.add1("max.all.ties", "c", [](T x) { return x.max(); });
  c.add1("min.all.t", "t", [](T x) { return x.min(); });
  c.add("max.d1.c", "c", [](const Ts& x) { return tup(x[0].max(1)); });
  c.add("max.d1ties.s", "s", [](const Ts& x) { return tup(x[0].max(1)); });
  c.add("min.d0k.t", "t", [](const Ts& x) { return tup(x[0].min(0, true)); });
  c.add1("amax.d1.ties", "c", [](T x) { return x.amax({1}); });
  c.add1("amin.all.t", "t", [](T x) { return x.amin(); });
  c.add1("amax.d02k.c", "c", [](T x) { return x.amax({0, 2}, true); });

  c.add1("var.all.c", "c", [](T x) { return x.var(); });
  c.add1("var.d1c0.t", "t", [](T x) { return x.var(Dims{1}, 0); });
  c.add1("std.d0k.s", "s", [](T x) { return x.std(Dims{0}, 1, true); });
  c.add1("std.allc2.c", "c", [](T x) { return x.std(std::nullopt, 2); });
  c.add1("std.d02.c", "c", [](T x) { return x.std(Dims{0, 2}); });
  c.add("var_mean.d1.c", "c", [](const Ts& x) { return tup(var_mean(x[0], Dims{1})); });
  c.add("std_mean.all.t", "t", [](const Ts& x) { return tup(std_mean(x[0])); });

  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, double>> ps = {{"2", 2.0},     {"1", 1.0},  {"inf", inf},
                                                          {"minf", -inf}, {"0", 0.0},  {"3", 3.0},
                                                          {"0_5", 0.5},   {"1_5", 1.5}};
  for (const auto& [pn, p] : ps) {
    const double pv = p;
    c.add1("norm.p" + pn + ".all.c", "c", [pv](T x) { return x.norm(pv); });
    c.add1("norm.p" + pn + ".d1.t", "t", [pv](T x) { return x.norm(pv, Dims{1}); });
    c.add1("norm.p" + pn + ".d0k.s", "s", [pv](T x) { return x.norm(pv, Dims{0}, true); });
  }
  c.add1("norm.p2.zrow.c", "c", [](T x) { return x.norm(2, Dims{1}); });
  c.add1("norm.p3.zrow.c", "c", [](T x) { return x.norm(3, Dims{1}); });

  c.add1("logsumexp.d1.c", "c", [](T x) { return x.logsumexp({1}); });
  c.add1("logsumexp.d01k.t", "t", [](T x) { return x.logsumexp({0, 1}, true); });
  run_parity("autograd_reduce", c.map());
}

}  // namespace
