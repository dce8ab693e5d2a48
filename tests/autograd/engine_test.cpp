// The autograd machinery with PyTorch's semantics: leaves and history, the
// engine (backward, grad, retain/create graph, inputs), hooks, grad modes,
// version counters, data/detach, threads. Op formulas have their own tests.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using autograd::variable_list;

namespace {
Tensor leaf(std::initializer_list<double> v) {
  return ember::tensor(v, {.dtype = kFloat64}).requires_grad_();
}
std::vector<double> vals(const Tensor& t) { return t.tolist<double>(); }
Tensor ones64(IntArrayRef s) { return ones(s, {.dtype = kFloat64}); }
}  // namespace

TEST(Leaves, FlagsAndHistory) {
  Tensor a = leaf({1, 2});
  Tensor plain = ember::tensor({1.0, 2.0});
  EXPECT_TRUE(a.requires_grad());
  EXPECT_TRUE(a.is_leaf());
  EXPECT_TRUE(plain.is_leaf());
  EXPECT_EQ(a.grad_fn(), nullptr);
  Tensor b = a * plain;
  EXPECT_TRUE(b.requires_grad());
  EXPECT_FALSE(b.is_leaf());
  ASSERT_NE(b.grad_fn(), nullptr);
  EXPECT_EQ(b.grad_fn()->name(), "MulBackward0");
  auto next = b.grad_fn()->next_functions();
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].first->name(), "AccumulateGrad");
  EXPECT_EQ(next[1].first, nullptr);  // plain does not require grad
  Tensor c = plain * plain;
  EXPECT_FALSE(c.requires_grad());
  EXPECT_EQ(c.grad_fn(), nullptr);
}

TEST(Leaves, RequiresGradRules) {
  EXPECT_THROW_MSG(ember::tensor({1, 2}).requires_grad_(), RuntimeError,
                   "only Tensors of floating point dtype can require gradients");
  Tensor a = leaf({1});
  Tensor b = a * 2.0;
  EXPECT_THROW_MSG(b.requires_grad_(false), RuntimeError,
                   "you can only change requires_grad flags of leaf variables.");
  b.requires_grad_(true);  // a no-op on a non-leaf, as in PyTorch
  a.requires_grad_(false);
  EXPECT_FALSE(a.requires_grad());
}

TEST(Leaves, GradientsAccumulateUntilReset) {
  Tensor a = leaf({1, 2, 3});
  (a * 2.0).backward(ones64({3}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{2, 2, 2}));
  (a * a).backward(ones64({3}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{4, 6, 8}));
  a.set_grad(Tensor());
  EXPECT_FALSE(a.grad().defined());
  (a * 3.0).backward(ones64({3}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{3, 3, 3}));
  a.mutable_grad().zero_();
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{0, 0, 0}));
}

TEST(Leaves, SetGradChecks) {
  Tensor a = leaf({1, 2, 3});
  EXPECT_THROW_MSG(a.set_grad(ones64({2})), RuntimeError,
                   "assigned grad has data of a different size");
  EXPECT_THROW_MSG(a.set_grad(ones({3})), RuntimeError,
                   "assigned grad has data of a different type");
  EXPECT_FALSE(a.grad().defined());  // unchanged after the errors
  a.set_grad(ones64({3}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{1, 1, 1}));
}

TEST(Engine, BroadcastAndPromotionGiveInputShapedGradients) {
  Tensor a = ember::tensor({1.0f, 2.0f, 3.0f}).view({3, 1}).detach().requires_grad_();
  Tensor b = ember::tensor({1.0, 10.0, 100.0, 1000.0}).requires_grad_();  // float64
  Tensor c = a * b;                                                       // [3, 4], float64
  EXPECT_EQ(c.dtype(), kFloat64);
  c.backward(ones64({3, 4}));
  EXPECT_EQ(a.grad().sizes(), IntArrayRef({3, 1}));
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  EXPECT_EQ(a.grad().tolist<double>(), (std::vector<double>{1111, 1111, 1111}));
  EXPECT_EQ(vals(b.grad()), (std::vector<double>{6, 6, 6, 6}));
}

TEST(Engine, SharedSubexpressionsSumTheirGradients) {
  Tensor a = leaf({2});
  Tensor b = a * a;      // 2a
  Tensor c = b * b + b;  // a^4 + a^2 -> 4a^3 + 2a = 36
  c.backward();
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{36}));
}

TEST(Engine, BackwardErrors) {
  Tensor a = leaf({1, 2});
  Tensor b = a * 2.0;
  EXPECT_THROW_MSG(b.backward(), RuntimeError,
                   "grad can be implicitly created only for scalar outputs");
  EXPECT_THROW_MSG(b.backward(ones64({3})), RuntimeError,
                   "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and "
                   "output[0] has a shape of torch.Size([2]).");
  EXPECT_THROW_MSG(ember::tensor({1.0}).backward(), RuntimeError,
                   "element 0 of tensors does not require grad and does not have a grad_fn");
  EXPECT_THROW_MSG(autograd::backward({b, b}, {ones64({2})}), RuntimeError,
                   "got 2 tensors and 1 gradients");
  EXPECT_FALSE(a.grad().defined());
}

TEST(Engine, RetainGraph) {
  Tensor a = leaf({1, 2});
  Tensor b = (a * a) * 3.0;
  b.backward(ones64({2}), /*retain_graph=*/true);
  b.backward(ones64({2}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{12, 24}));
  EXPECT_THROW_MSG(b.backward(ones64({2})), RuntimeError,
                   "Trying to backward through the graph a second time");
}

TEST(Engine, GradReturnsWithoutTouchingDotGrad) {
  Tensor a = leaf({1, 2}), b = leaf({3, 4});
  Tensor y = a * b;
  auto g = autograd::grad({y}, {a, b}, {ones64({2})});
  EXPECT_EQ(vals(g[0]), (std::vector<double>{3, 4}));
  EXPECT_EQ(vals(g[1]), (std::vector<double>{1, 2}));
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
}

TEST(Engine, GradOfNonLeafAndUnused) {
  Tensor a = leaf({1, 2}), unused = leaf({5});
  Tensor h = a * 3.0;
  Tensor y = h * h;
  auto g = autograd::grad({y}, {h}, {ones64({2})}, true);
  EXPECT_EQ(vals(g[0]), (std::vector<double>{6, 12}));
  EXPECT_THROW_MSG(autograd::grad({y}, {unused}, {ones64({2})}, true), RuntimeError,
                   "One of the differentiated Tensors appears to not have been used in the "
                   "graph. Set allow_unused=True if this is the desired behavior.");
  auto g2 = autograd::grad({y}, {a, unused}, {ones64({2})}, true, false, /*allow_unused=*/true);
  EXPECT_EQ(vals(g2[0]), (std::vector<double>{18, 36}));
  EXPECT_FALSE(g2[1].defined());
  EXPECT_THROW_MSG(autograd::grad({y}, {ember::tensor({1.0})}, {ones64({2})}), RuntimeError,
                   "One of the differentiated Tensors does not require grad");
}

TEST(Engine, CreateGraphGivesHigherOrderGradients) {
  Tensor x = leaf({1, 2, 3});
  Tensor y = x * x * x;  // x^3
  auto d1 = autograd::grad({y}, {x}, {ones64({3})}, std::nullopt, /*create_graph=*/true);
  EXPECT_EQ(vals(d1[0]), (std::vector<double>{3, 12, 27}));
  EXPECT_TRUE(d1[0].requires_grad());
  auto d2 = autograd::grad({d1[0]}, {x}, {ones64({3})}, std::nullopt, true);
  EXPECT_EQ(vals(d2[0]), (std::vector<double>{6, 12, 18}));
  auto d3 = autograd::grad({d2[0]}, {x}, {ones64({3})});
  EXPECT_EQ(vals(d3[0]), (std::vector<double>{6, 6, 6}));
  // backward with create_graph leaves a differentiable .grad
  Tensor z = leaf({2});
  (z * z * z).backward(Tensor(), std::nullopt, /*create_graph=*/true);
  EXPECT_EQ(vals(z.grad()), (std::vector<double>{12}));
  EXPECT_TRUE(z.grad().requires_grad());
  // As in PyTorch, z.grad's graph holds z: reset it to break the cycle.
  z.set_grad(Tensor());
}

TEST(Engine, BackwardInputsRestrictsAccumulation) {
  Tensor a = leaf({1}), b = leaf({2});
  Tensor y = a * b;
  y.backward(Tensor(), true, false, {a});
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{2}));
  EXPECT_FALSE(b.grad().defined());
  Tensor h = a * 5.0;
  Tensor z = h * b;
  z.backward(Tensor(), std::nullopt, false, {h});
  EXPECT_EQ(vals(h.grad()), (std::vector<double>{2}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{2}));  // a was not an input this time
}

TEST(Engine, SeveralRoots) {
  Tensor a = leaf({1, 2});
  Tensor y1 = a * 2.0, y2 = a * a;
  autograd::backward({y1, y2}, {ones64({2}), ones64({2})});
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{4, 6}));
}

TEST(Engine, LongChainsDoNotOverflowTheStack) {
  Tensor a = leaf({1});
  Tensor y = a;
  for (int i = 0; i < 100000; ++i) y = y + 1.0;
  y.backward();
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{1}));
  y = Tensor();  // frees 100k nodes without recursion
  Tensor z = a;
  for (int i = 0; i < 100000; ++i) z = z * 1.0;
  z = Tensor();  // freed without running backward
  SUCCEED();
}

TEST(Engine, ThreadsRunIndependentGraphs) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int it = 0; it < 200; ++it) {
        Tensor a = ember::tensor({double(t), 1.0}, {.dtype = kFloat64}).requires_grad_();
        Tensor y = a * a * 3.0;
        y.backward(ones64({2}));
        auto g = a.grad().tolist<double>();
        if (g[0] != 6.0 * t || g[1] != 6.0) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Engine, ThreadsAccumulateIntoASharedLeaf) {
  Tensor w = leaf({1, 1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&w] {
      for (int it = 0; it < 250; ++it) (w * 1.0).backward(ones64({2}));
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(vals(w.grad()), (std::vector<double>{1000, 1000}));
}

TEST(Hooks, TensorHookReadsAndReplaces) {
  Tensor a = leaf({1, 2});
  Tensor h = a * 2.0;
  std::vector<double> seen;
  auto handle = h.register_hook([&](const Tensor& g) { seen = vals(g); });
  auto doubler = h.register_hook([](const Tensor& g) { return g * 2.0; });
  Tensor y = h * h;  // dy/dh = 2h = [4, 8]
  y.backward(ones64({2}), true);
  EXPECT_EQ(seen, (std::vector<double>{4, 8}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{16, 32}));  // doubled, then * 2
  doubler.remove();
  doubler.remove();  // twice is fine
  a.set_grad(Tensor());
  y.backward(ones64({2}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{8, 16}));
  handle.remove();
}

TEST(Hooks, LeafHooksAndPostAccumulate) {
  Tensor a = leaf({1, 2});
  auto h = a.register_hook([](const Tensor& g) { return g + 1.0; });
  int post = 0;
  auto p = a.register_post_accumulate_grad_hook([&](Tensor& t) {
    ++post;
    EXPECT_TRUE(t.grad().defined());
  });
  (a * 3.0).backward(ones64({2}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{4, 4}));
  EXPECT_EQ(post, 1);
  h.remove();
  p.remove();
  (a * 3.0).backward(ones64({2}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{7, 7}));
  EXPECT_EQ(post, 1);
  // hooks also apply to what autograd::grad returns
  auto h2 = a.register_hook([](const Tensor& g) { return g * 10.0; });
  EXPECT_EQ(vals(autograd::grad({a * 1.0}, {a}, {ones64({2})})[0]), (std::vector<double>{10, 10}));
  h2.remove();
  EXPECT_THROW_MSG(ember::tensor({1.0}).register_hook([](const Tensor&) {}), RuntimeError,
                   "cannot register a hook on a tensor that doesn't require gradient");
}

TEST(Hooks, RetainGrad) {
  Tensor a = leaf({1, 2});
  Tensor h = a * 3.0;
  h.retain_grad();
  EXPECT_TRUE(h.retains_grad());
  (h * h).backward(ones64({2}));
  EXPECT_EQ(vals(h.grad()), (std::vector<double>{6, 12}));
  EXPECT_THROW_MSG(ember::tensor({1.0}).retain_grad(), RuntimeError,
                   "can't retain_grad on Tensor that has requires_grad=False");
}

TEST(Hooks, NodeHooks) {
  Tensor a = leaf({1, 2});
  Tensor y = a * 2.0;
  variable_list seen_in, seen_out;
  auto pre = y.grad_fn()->register_prehook([&](const variable_list& go) {
    seen_out = go;
    return variable_list{go[0] * 10.0};
  });
  auto post = y.grad_fn()->register_hook([&](const variable_list& gi, const variable_list&) {
    seen_in = gi;
    return variable_list{};
  });
  y.backward(ones64({2}));
  EXPECT_EQ(vals(seen_out[0]), (std::vector<double>{1, 1}));
  EXPECT_EQ(vals(seen_in[0]), (std::vector<double>{20, 20}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{20, 20}));
  pre.remove();
  post.remove();
}

TEST(GradMode, GuardsAreScopedAndThreadLocal) {
  Tensor a = leaf({1});
  EXPECT_TRUE(is_grad_enabled());
  {
    NoGradGuard ng;
    EXPECT_FALSE(is_grad_enabled());
    EXPECT_FALSE((a * 2.0).requires_grad());
    {
      EnableGradGuard eg;
      EXPECT_TRUE((a * 2.0).requires_grad());
    }
    bool other = false;
    std::thread([&] { other = is_grad_enabled(); }).join();
    EXPECT_TRUE(other);  // another thread keeps its own mode
    // in-place on a leaf that requires grad is allowed without grad mode
    a.add_(1.0);
  }
  EXPECT_TRUE(is_grad_enabled());
  EXPECT_EQ(vals(a), (std::vector<double>{2}));
  {
    AutoGradMode off(false);
    EXPECT_FALSE(is_grad_enabled());
  }
}

TEST(GradMode, InferenceMode) {
  Tensor a = leaf({1, 2});
  Tensor t;
  {
    InferenceModeGuard im;
    EXPECT_TRUE(is_inference_mode_enabled());
    EXPECT_FALSE(is_grad_enabled());
    t = ones64({2});
    EXPECT_TRUE(t.is_inference());
    Tensor r = a * 2.0;
    EXPECT_FALSE(r.requires_grad());
    t.add_(1.0);  // fine inside
  }
  EXPECT_FALSE(is_inference_mode_enabled());
  EXPECT_FALSE(ones64({1}).is_inference());
  EXPECT_THROW_MSG(a * t, RuntimeError, "Inference tensors cannot be saved for backward.");
  EXPECT_THROW_MSG(t.add_(1.0), RuntimeError,
                   "Inplace update to inference tensor outside InferenceMode is not allowed.");
  EXPECT_EQ(vals(t), (std::vector<double>{2, 2}));
}

TEST(Versions, InplaceBumpsAndSavedTensorsNotice) {
  Tensor a = leaf({1, 2});
  Tensor b = a * 2.0;
  EXPECT_EQ(b._version(), 0u);
  Tensor c = b * b;  // saves b
  b.add_(1.0);
  EXPECT_EQ(b._version(), 1u);
  EXPECT_THROW_MSG(c.backward(ones64({2})), RuntimeError,
                   "one of the variables needed for gradient computation has been modified by "
                   "an inplace operation: [torch.DoubleTensor [2]], which is output 0 of "
                   "AddBackward0, is at version 1; expected version 0 instead. Hint:");
  // A leaf modified without grad mode after being saved.
  Tensor l = leaf({1, 2});
  Tensor m = l * l;
  {
    NoGradGuard ng;
    l.mul_(2.0);
  }
  EXPECT_THROW_MSG(m.backward(ones64({2})), RuntimeError,
                   "[torch.DoubleTensor [2]] is at version 1; expected version 0 instead.");
}

TEST(Versions, InplaceOnLeafThatRequiresGrad) {
  Tensor a = leaf({1, 2});
  EXPECT_THROW_MSG(a.add_(1.0), RuntimeError,
                   "a leaf Variable that requires grad is being used in an in-place operation.");
  EXPECT_THROW_MSG(a.mul_(a), RuntimeError, "a leaf Variable that requires grad");
  EXPECT_EQ(vals(a), (std::vector<double>{1, 2}));  // untouched
  EXPECT_EQ(a._version(), 0u);
}

TEST(Versions, InplaceRecordsHistory) {
  Tensor a = leaf({1, 2}), b = leaf({3, 4});
  Tensor c = a * 1.0;
  c.mul_(b);       // c = a * b
  c.add_(a, 2.0);  // c = a * b + 2a
  EXPECT_EQ(c.grad_fn()->name(), "AddBackward0");
  c.backward(ones64({2}));
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{5, 6}));
  EXPECT_EQ(vals(b.grad()), (std::vector<double>{1, 2}));
}

TEST(Data, DataAndSetData) {
  Tensor p = leaf({1, 2});
  Tensor d = p.data();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), p.data_ptr());
  Tensor y = p * p;  // saves p
  d.mul_(10.0);      // invisible to autograd: no version change on p
  EXPECT_EQ(p._version(), 0u);
  y.backward(ones64({2}));  // uses the changed values, as PyTorch does
  EXPECT_EQ(vals(p.grad()), (std::vector<double>{20, 40}));
  // param.data = new: p now holds new data and stays a leaf that requires grad
  p.set_data(ember::tensor({7.0, 8.0, 9.0}));
  EXPECT_EQ(vals(p), (std::vector<double>{7, 8, 9}));
  EXPECT_TRUE(p.requires_grad());
  EXPECT_TRUE(p.is_leaf());
}

// A graph built before set_data changed the dtype must not make later
// gradients take the old dtype (the leaf's AccumulateGrad is made anew).
TEST(Data, SetDataWithAnotherDtypeGetsGradientsInIt) {
  Tensor p = ember::ones({3}).requires_grad_(true);
  Tensor keep = p * 2.0;  // holds the float32 AccumulateGrad alive
  keep.sum().backward(Tensor(), /*retain_graph=*/true);
  EXPECT_EQ(p.grad().dtype(), kFloat32);
  p.set_grad(Tensor());
  p.set_data(ember::ones({3}, {.dtype = kFloat64}));
  (p * 3.0).sum().backward();
  EXPECT_EQ(p.grad().dtype(), kFloat64);
  EXPECT_EQ(vals(p.grad()), (std::vector<double>{3, 3, 3}));
}

TEST(Data, DetachSharesVersionButNotHistory) {
  Tensor a = leaf({1, 2});
  Tensor b = a * 2.0;
  Tensor d = b.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), b.data_ptr());
  d.add_(1.0);
  EXPECT_EQ(b._version(), 1u);
  Tensor e = a * 3.0;
  e.detach_();
  EXPECT_FALSE(e.requires_grad());
  EXPECT_TRUE(e.is_leaf());
}

TEST(Printing, GradFnSuffix) {
  Tensor a = ember::tensor({1.0f, 2.0f}).requires_grad_();
  EXPECT_EQ(a.str(), "tensor([1., 2.], requires_grad=True)");
  EXPECT_EQ((a * 2.0).str(), "tensor([2., 4.], grad_fn=<MulBackward0>)");
  EXPECT_EQ((a + 1.0).str(), "tensor([2., 3.], grad_fn=<AddBackward0>)");
}

TEST(Versions, NoGradViewWrittenFromATensorThatRequiresGrad) {
  // The view itself does not require grad; the source does (PyTorch raises too).
  Tensor x = zeros({3}, {.dtype = kFloat64});
  Tensor v;
  {
    NoGradGuard ng;
    v = x.slice(0, 0, 2);
  }
  Tensor src = leaf({1, 2});
  EXPECT_THROW_MSG(v.copy_(src), RuntimeError, "A view was created in no_grad mode");
  EXPECT_THROW_MSG(v.add_(src), RuntimeError, "A view was created in no_grad mode");
  EXPECT_EQ(vals(x), (std::vector<double>{0, 0, 0}));
  v.copy_(src.detach());  // nothing to track: allowed
  EXPECT_EQ(vals(x), (std::vector<double>{1, 2, 0}));
}
