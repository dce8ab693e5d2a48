// Parity with PyTorch for the gradients of the binary elementwise ops: the
// cases mirror tests/parity/gen_autograd_binary.py one for one (run_parity
// fails on a case only one side has). Each case makes its (possibly
// non-contiguous) inputs leaves, runs the op, backpropagates PyTorch's random
// grad_outputs, and compares the results and the leaves' gradients.
#include <gtest/gtest.h>

#include <functional>
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

TEST(AutogradBinaryParity, MatchesPyTorch) {
  Cases c;
  using T = const Tensor&;
  c.add2("add.tt.c", "cc", [](T a, T b) { return add(a, b, 2); });
  c.add1("add.ts.t", "t", [](T a) { return a + 2; });
  c.add2("sub.tt.s", "sc", [](T a, T b) { return sub(a, b, -1.5); });
  c.add1("sub.st.c", "c", [](T a) { return 1 - a; });
  c.add2("rsub.tt.t", "tc", [](T a, T b) { return rsub(a, b, 2); });
  c.add2("mul.tt.t", "tc", [](T a, T b) { return a * b; });
  c.add1("mul.ts.s", "s", [](T a) { return a * 2.5; });
  c.add1("mul.same.c", "c", [](T a) { return a * a; });
  c.add2("div.tt.c", "cc", [](T a, T b) { return a / b; });
  c.add2("div.tt.t", "tc", [](T a, T b) { return a / b; });
  c.add1("div.ts.s", "s", [](T a) { return a / 2.5; });
  c.add1("div.st.c", "c", [](T b) { return div(2.5, b); });
  c.add2("div.floor.c", "cc", [](T a, T b) { return div(a, b, "floor"); });
  c.add1("div.trunc.t", "t", [](T a) { return div(a, 0.7, "trunc"); });
  c.add2("remainder.tt.c", "cc", [](T a, T b) { return remainder(a, b); });
  c.add1("remainder.ts.t", "t", [](T a) { return a % 1.5; });
  c.add2("fmod.tt.s", "sc", [](T a, T b) { return fmod(a, b); });
  c.add1("fmod.ts.c", "c", [](T a) { return fmod(a, -1.3); });
  c.add1("pow.ts2.t", "t", [](T a) { return a.pow(2); });
  c.add1("pow.ts0.c", "c", [](T a) { return a.pow(0); });
  c.add1("pow.tsm1_5.s", "s", [](T a) { return a.pow(-1.5); });
  c.add1("pow.ts0_5.c", "c", [](T a) { return a.pow(0.5); });
  c.add2("pow.tt.c", "cc", [](T a, T b) { return a.pow(b); });
  c.add2("pow.tt.t", "ts", [](T a, T b) { return a.pow(b); });
  c.add2("pow.ttzero.c", "cc", [](T a, T b) { return a.pow(b); });
  c.add1("pow.st.c", "c", [](T b) { return pow(2.5, b); });
  c.add1("pow.st0.t", "t", [](T b) { return pow(0, b); });
  c.add2("atan2.tt.c", "cc", [](T a, T b) { return atan2(a, b); });
  c.add2("atan2.tt.t", "ts", [](T a, T b) { return atan2(a, b); });
  c.add2("maximum.tt.c", "cc", [](T a, T b) { return maximum(a, b); });
  c.add2("maximum.tie.c", "cc", [](T a, T b) { return maximum(a, b); });
  c.add2("minimum.tie.t", "tt", [](T a, T b) { return minimum(a, b); });
  c.add2("lerp.ts.c", "ct", [](T a, T b) { return lerp(a, b, 0.3); });
  c.add("lerp.tt.c", "ccc", [](const Ts& x) { return Ts{lerp(x[0], x[1], x[2])}; });
  c.add2("add_.tt.c", "cc", [](T a, T b) { return (a * 1.0).add_(b, 2); });
  c.add1("sub_.ts.t", "t", [](T a) { return (a * 1.0).sub_(1.5); });
  c.add2("mul_.tt.s", "sc", [](T a, T b) { return (a * 1.0).mul_(b); });
  c.add2("div_.tt.c", "cc", [](T a, T b) { return (a * 1.0).div_(b); });
  c.add2("div_.floor.c", "cc", [](T a, T b) { return (a * 1.0).div_(b, "floor"); });
  c.add1("pow_.ts.t", "t", [](T a) { return (a * 1.0).pow_(3); });
  c.add2("pow_.tt.c", "cc", [](T a, T b) {
    Tensor x = a * 1.0;
    return pow_(x, b);
  });
  run_parity("autograd_binary", c.map());
}

}  // namespace
