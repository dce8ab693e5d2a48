// Parity with PyTorch for the gradients of the reductions: the cases mirror
// tests/parity/gen_autograd_reduce.py one for one (run_parity fails on a case
// only one side has). Each case makes its (possibly non-contiguous) inputs
// leaves, runs the op, backpropagates PyTorch's random grad_outputs, and
// compares the results and the leaves' gradients. The harness is tests/support/grad_parity.h.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/grad_parity.h"
#include "support/parity.h"

using namespace ember;
using namespace ember::testing;

namespace {

using namespace ember::testing::grad_parity;

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
