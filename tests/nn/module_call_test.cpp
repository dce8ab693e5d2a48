// Calling modules: typed calls through nn::Handle, calls with values, forward
// pre-hooks and hooks (prepend, with_kwargs, always_call, global ones), full
// backward hooks and pre-hooks, legacy backward hooks, and their errors. The
// order of a trace of every hook kind and the gradients hooks see are
// compared with PyTorch in tests/parity/nn_hooks_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

namespace {

struct Scale : nn::Module {
  Tensor weight = register_parameter("weight", full({3}, 2.0f));
  int calls = 0;
  Tensor forward(const Tensor& x) {
    ++calls;
    return x * weight;
  }
};

struct Masked : nn::Module {
  // Keyword arguments arrive as the last parameter.
  Tensor forward(const Tensor& x, const nn::Kwargs& kwargs) {
    Tensor y = x;
    if (const auto* m = kwargs.find("mask")) y = y * m->tensor();
    if (const auto* s = kwargs.find("shift")) y = y + s->to_double();
    return y;
  }
};

struct TwoOut : nn::Module {
  std::tuple<Tensor, Tensor> forward(const Tensor& a, double k, const Tensor& b) {
    return {a * k, a * b};
  }
};

struct Throws : nn::Module {
  Tensor forward(const Tensor&) { throw ValueError("forward failed"); }
};

struct NoForward : nn::Module {};

struct Overloaded : nn::Module {
  Tensor forward(const Tensor& x) { return x + 1.0; }
  Tensor forward(const Tensor& x, const Tensor& y) { return x + y; }
};

struct Inplace : nn::Module {
  Tensor forward(Tensor x) { return x.mul_(2.0); }
};

struct Counter {
  std::vector<std::string> trace;
};

std::vector<float> vals(const Tensor& t) { return t.contiguous().to(kFloat32).tolist<float>(); }

}  // namespace

TEST(ModuleCall, TypedCallRunsForward) {
  auto m = nn::make<Scale>();
  Tensor y = m(ones({3}));
  EXPECT_EQ(vals(y), (std::vector<float>{2, 2, 2}));
  EXPECT_EQ(m->calls, 1);
  EXPECT_FALSE(m->has_call_hooks());
  // A module registered as a child is called through the handle register_module returns.
  struct Outer : nn::Module {
    nn::Handle<Scale> inner = register_module("inner", nn::make<Scale>());
    Tensor forward(const Tensor& x) { return inner(x) + 1.0; }
  };
  auto o = nn::make<Outer>();
  EXPECT_EQ(vals(o(ones({3}))), (std::vector<float>{3, 3, 3}));
}

TEST(ModuleCall, CallWithValues) {
  auto m = nn::make<TwoOut>();
  nn::Value out = m->call({ones({2}), 3, full({2}, 5.0f)});
  ASSERT_TRUE(out.is_tuple());
  EXPECT_EQ(vals(out.items()[0].tensor()), (std::vector<float>{3, 3}));
  EXPECT_EQ(vals(out.items()[1].tensor()), (std::vector<float>{5, 5}));
  EXPECT_THROW_MSG(m->call({ones({2})}), TypeError,
                   "TwoOut.forward() missing 2 required positional arguments");
  EXPECT_THROW_MSG(m->call({ones({2}), 1, ones({2}), 4}), TypeError,
                   "TwoOut.forward() takes 4 positional arguments but 5 were given");
  EXPECT_THROW_MSG(m->call({ones({2}), 1, ones({2})}, {{"scale", 2}}), TypeError,
                   "TwoOut.forward() got an unexpected keyword argument 'scale'");
  EXPECT_THROW_MSG(m->call({ones({2}), "x", ones({2})}), TypeError, "expected a float, got str");
  auto none = nn::make<NoForward>();
  EXPECT_THROW_MSG(none->call({ones({1})}), NotImplementedError,
                   "Module [NoForward] is missing the required \"forward\" function");
  // An overloaded forward is reached through the one-tensor form.
  auto o = nn::make<Overloaded>();
  EXPECT_EQ(vals(o->call({zeros({1})}).tensor()), (std::vector<float>{1}));
  EXPECT_EQ(vals(o(ones({1}), ones({1}))), (std::vector<float>{2}));
  // A module registered with a plain make_shared learns its forward from register_module.
  nn::Module parent;
  auto s = parent.register_module("s", std::make_shared<Scale>());
  EXPECT_EQ(vals(s->call({ones({3})}).tensor()), (std::vector<float>{2, 2, 2}));
}

TEST(ModuleCall, KeywordArguments) {
  auto m = nn::make<Masked>();
  EXPECT_EQ(vals(m(ones({2}), nn::Kwargs{{"mask", zeros({2})}})), (std::vector<float>{0, 0}));
  EXPECT_EQ(vals(m(ones({2}), nn::Kwargs{})), (std::vector<float>{1, 1}));
  EXPECT_EQ(vals(m->call({ones({2})}, {{"shift", 1.5}}).tensor()), (std::vector<float>{2.5, 2.5}));
  // A with_kwargs pre-hook replaces the keyword arguments.
  auto h = m->register_forward_pre_hook(
      [](nn::Module&, const nn::Args& args, const nn::Kwargs& kwargs) {
        nn::Kwargs k = kwargs;
        k.insert("shift", 10);
        return std::make_pair(args, k);
      },
      {.with_kwargs = true});
  EXPECT_EQ(vals(m(ones({2}), nn::Kwargs{{"mask", full({2}, 2.0f)}})),
            (std::vector<float>{12, 12}));
  h.remove();
  // A with_kwargs forward hook sees them.
  std::string seen;
  m->register_forward_hook(
      [&](nn::Module&, const nn::Args& args, const nn::Kwargs& kwargs, const nn::Value&) {
        seen = std::to_string(args.size()) + ":" + kwargs.items().front().first;
      },
      {.with_kwargs = true});
  m(ones({2}), nn::Kwargs{{"shift", 1}});
  EXPECT_EQ(seen, "1:shift");
  auto plain = nn::make<Scale>();
  EXPECT_THROW_MSG(
      plain->register_forward_pre_hook([](nn::Module&, const nn::Args&) {}, {.with_kwargs = true}),
      TypeError, "forward pre-hook registered with_kwargs=true must take");
}

TEST(ModuleCall, ForwardPreHooksReplaceArguments) {
  auto m = nn::make<Scale>();
  auto h1 = m->register_forward_pre_hook(
      [](nn::Module&, const nn::Args& args) { return args[0].tensor() + 1.0; });  // one value
  EXPECT_TRUE(m->has_call_hooks());
  EXPECT_EQ(vals(m(ones({3}))), (std::vector<float>{4, 4, 4}));
  auto h2 = m->register_forward_pre_hook([](nn::Module&, const nn::Args& args) {
    return nn::Args{args[0].tensor() * 10.0};  // an Args
  });
  EXPECT_EQ(vals(m(ones({3}))), (std::vector<float>{40, 40, 40}));  // (1 + 1) * 10 * 2
  auto h3 = m->register_forward_pre_hook(
      [](nn::Module&, const nn::Args& args) { return args[0].tensor() * 0.0; }, {.prepend = true});
  EXPECT_EQ(vals(m(ones({3}))), (std::vector<float>{20, 20, 20}));  // (0 + 1) * 10 * 2
  h1.remove();
  h1.remove();  // idempotent
  h3.remove();
  EXPECT_EQ(vals(m(ones({3}))), (std::vector<float>{20, 20, 20}));
  // A replacement of the wrong type is a clear error.
  h2.remove();
  m->register_forward_pre_hook([](nn::Module&, const nn::Args&) { return nn::Value("text"); });
  EXPECT_THROW_MSG(m(ones({3})), TypeError, "expected a Tensor, got str");
  auto t = nn::make<TwoOut>();
  t->register_forward_pre_hook([](nn::Module&, const nn::Args& a) { return a[0]; });
  EXPECT_THROW_MSG(t(ones({1}), 2.0, ones({1})), TypeError,
                   "TwoOut.forward() missing 2 required positional arguments");
}

TEST(ModuleCall, ForwardHooksReplaceTheOutput) {
  auto m = nn::make<TwoOut>();
  std::vector<std::string> trace;
  m->register_forward_hook([&](nn::Module& mod, const nn::Args& args, const nn::Value& out) {
    trace.push_back(mod.name() + " " + std::to_string(args.size()) + " " + out.type_name());
  });
  m->register_forward_hook([](nn::Module&, const nn::Args&, const nn::Value& out) {
    return std::make_tuple(out.items()[1].tensor(), out.items()[0].tensor());
  });
  auto [a, b] = m(ones({2}), 3.0, full({2}, 5.0f));
  EXPECT_EQ(vals(a), (std::vector<float>{5, 5}));
  EXPECT_EQ(vals(b), (std::vector<float>{3, 3}));
  EXPECT_EQ(trace, (std::vector<std::string>{"TwoOut 3 tuple"}));
  // std::nullopt keeps the output.
  auto s = nn::make<Scale>();
  s->register_forward_hook([](nn::Module&, const nn::Args&,
                              const nn::Value&) -> std::optional<Tensor> { return std::nullopt; });
  EXPECT_EQ(vals(s(ones({3}))), (std::vector<float>{2, 2, 2}));
  s->register_forward_hook([](nn::Module&, const nn::Args&, const nn::Value&) { return 7; });
  EXPECT_THROW_MSG(s(ones({3})), TypeError, "expected a Tensor, got int");
}

TEST(ModuleCall, AlwaysCallHooksRunWhenForwardThrows) {
  auto m = nn::make<Throws>();
  std::vector<std::string> trace;
  m->register_forward_hook(
      [&](nn::Module&, const nn::Args&, const nn::Value& out) {
        trace.push_back(std::string("always ") + out.type_name());
      },
      {.always_call = true});
  m->register_forward_hook(
      [&](nn::Module&, const nn::Args&, const nn::Value&) { trace.push_back("plain"); });
  m->register_forward_hook(
      [&](nn::Module&, const nn::Args&, const nn::Value&) {
        trace.push_back("always, throws");
        throw RuntimeError("hook failed");
      },
      {.always_call = true});
  EXPECT_THROW_MSG(m(ones({1})), ValueError, "forward failed");
  EXPECT_EQ(trace, (std::vector<std::string>{"always NoneType", "always, throws"}));
  // A hook that throws after forward succeeded: the always_call hooks not yet run still run.
  trace.clear();
  auto s = nn::make<Scale>();
  s->register_forward_hook([&](nn::Module&, const nn::Args&, const nn::Value&) {
    trace.push_back("first");
    throw RuntimeError("first hook failed");
  });
  s->register_forward_hook(
      [&](nn::Module&, const nn::Args&, const nn::Value& out) {
        trace.push_back(std::string("always ") + out.type_name());
      },
      {.always_call = true});
  EXPECT_THROW_MSG(s(ones({3})), RuntimeError, "first hook failed");
  EXPECT_EQ(trace, (std::vector<std::string>{"first", "always Tensor"}));
}

TEST(ModuleCall, RemovingHooksFromInsideAHook) {
  auto m = nn::make<Scale>();
  std::vector<std::string> trace;
  RemovableHandle second;
  RemovableHandle first =
      m->register_forward_hook([&](nn::Module&, const nn::Args&, const nn::Value&) {
        trace.push_back("first");
        first.remove();   // itself
        second.remove();  // a later one: still runs in this call (a snapshot), as in PyTorch
      });
  second = m->register_forward_hook(
      [&](nn::Module&, const nn::Args&, const nn::Value&) { trace.push_back("second"); });
  m(ones({3}));
  m(ones({3}));
  EXPECT_EQ(trace, (std::vector<std::string>{"first", "second"}));
  EXPECT_FALSE(m->has_call_hooks());
  // A handle outliving its module is harmless.
  RemovableHandle h;
  {
    auto tmp = nn::make<Scale>();
    h = tmp->register_forward_pre_hook([](nn::Module&, const nn::Args&) {});
  }
  h.remove();
}

TEST(ModuleCall, GlobalHooksRunBeforeModuleHooks) {
  auto m = nn::make<Scale>();
  std::vector<std::string> trace;
  m->register_forward_pre_hook([&](nn::Module&, const nn::Args&) { trace.push_back("pre"); },
                               {.prepend = true});
  m->register_forward_hook(
      [&](nn::Module&, const nn::Args&, const nn::Value&) { trace.push_back("hook"); },
      {.prepend = true});
  auto g1 = nn::register_module_forward_pre_hook(
      [&](nn::Module& mod, const nn::Args&) { trace.push_back("global pre " + mod.name()); });
  auto g2 = nn::register_module_forward_hook(
      [&](nn::Module&, const nn::Args&, const nn::Value&) { trace.push_back("global hook"); });
  m(ones({3}));
  EXPECT_EQ(trace, (std::vector<std::string>{"global pre Scale", "pre", "global hook", "hook"}));
  g1.remove();
  g2.remove();
  trace.clear();
  auto other = nn::make<Scale>();
  EXPECT_FALSE(other->has_call_hooks());
  other(ones({3}));
  EXPECT_TRUE(trace.empty());
}

TEST(ModuleCall, FullBackwardHooksSeeAndReplaceGradients) {
  auto m = nn::make<TwoOut>();
  Tensor a = full({2}, 3.0f).requires_grad_();
  Tensor b = full({2}, 4.0f);  // does not require grad
  std::vector<std::string> trace;
  std::vector<Tensor> seen_in, seen_out;
  m->register_full_backward_pre_hook([&](nn::Module&, const std::vector<Tensor>& go) {
    trace.push_back("pre");
    EXPECT_EQ(go.size(), 2u);
    return std::vector<Tensor>{go[0] * 10.0, go[1]};  // scales grad of the first output
  });
  m->register_full_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>& go) {
        trace.push_back("hook");
        seen_in = gi;
        seen_out = go;
      });
  auto [y1, y2] = m(a, 2.0, b);
  EXPECT_EQ(y1.grad_fn()->name(), "BackwardHookFunctionBackward");
  (y1.sum() + y2.sum()).backward();
  EXPECT_EQ(trace, (std::vector<std::string>{"pre", "hook"}));
  // grad_input: one entry per positional argument, None for non-tensors and
  // tensors that need no gradient.
  ASSERT_EQ(seen_in.size(), 3u);
  EXPECT_EQ(vals(seen_in[0]), (std::vector<float>{24, 24}));  // 10 * 2 + 4
  EXPECT_FALSE(seen_in[1].defined());
  EXPECT_FALSE(seen_in[2].defined());
  ASSERT_EQ(seen_out.size(), 2u);
  EXPECT_EQ(vals(seen_out[0]), (std::vector<float>{10, 10}));  // after the pre-hook
  EXPECT_EQ(vals(a.grad()), (std::vector<float>{24, 24}));

  // A backward hook replaces grad_input.
  auto s = nn::make<Scale>();
  s->register_full_backward_hook(
      [](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>&) {
        return std::vector<Tensor>{gi[0] * 0.5};
      });
  Tensor x = ones({3}).requires_grad_();
  s(x).sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(vals(s->weight.grad()), (std::vector<float>{1, 1, 1}));  // untouched

  // Wrong lengths are errors.
  auto w = nn::make<Scale>();
  w->register_full_backward_hook([](nn::Module&, const std::vector<Tensor>&,
                                    const std::vector<Tensor>&) { return std::vector<Tensor>{}; });
  EXPECT_THROW_MSG(w(ones({3}).requires_grad_()).sum().backward(), RuntimeError,
                   "Backward hook returned an invalid number of grad_input, got 0, but expected 1");
  auto p = nn::make<Scale>();
  p->register_full_backward_pre_hook([](nn::Module&, const std::vector<Tensor>& go) {
    return std::vector<Tensor>{go[0], go[0]};
  });
  EXPECT_THROW_MSG(p(ones({3})).sum().backward(), RuntimeError,
                   "Backward pre hook returned an invalid number of grad_output, got 2, but "
                   "expected 1");
}

TEST(ModuleCall, BackwardHooksWhenNoInputRequiresGrad) {
  auto m = nn::make<Scale>();
  std::vector<Tensor> seen_in;
  int calls = 0;
  m->register_full_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>& go) {
        ++calls;
        seen_in = gi;
        EXPECT_EQ(vals(go[0]), (std::vector<float>{1, 1, 1}));
      });
  m(ones({3})).sum().backward();  // only the weight requires grad
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(seen_in.size(), 1u);
  EXPECT_FALSE(seen_in[0].defined());
  m->register_full_backward_hook(
      [](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>& go) {
        return std::vector<Tensor>{go[0]};
      });
  EXPECT_THROW_MSG(m(ones({3})).sum().backward(), RuntimeError,
                   "Backward hook for Modules where no input requires gradient should always "
                   "return None or None for all gradients.");
  // Under no_grad nothing is hooked.
  NoGradGuard g;
  Tensor y = m(ones({3}).requires_grad_());
  EXPECT_FALSE(y.requires_grad());
}

TEST(ModuleCall, ModifyingHookedInputsInPlaceIsAnError) {
  auto m = nn::make<Inplace>();
  m->register_full_backward_hook(
      [](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {});
  Tensor x = ones({2}).requires_grad_();
  EXPECT_THROW_MSG(m(x * 1.0), RuntimeError,
                   "Output 0 of BackwardHookFunctionBackward is a view and is being modified "
                   "inplace. This view was created inside a custom Function (or because an input "
                   "was returned as-is)");
  // Without backward hooks the same module works.
  auto plain = nn::make<Inplace>();
  EXPECT_EQ(vals(plain(x * 1.0)), (std::vector<float>{2, 2}));
}

TEST(ModuleCall, LegacyBackwardHooks) {
  auto m = nn::make<Scale>();
  std::vector<Tensor> seen_in, seen_out;
  m->register_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>& go) {
        seen_in = gi;
        seen_out = go;
      });
  EXPECT_THROW_MSG(m->register_full_backward_hook(
                       [](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {}),
                   RuntimeError,
                   "Cannot use both regular backward hooks and full backward hooks on a single "
                   "Module. Please use only one of them.");
  Tensor x = full({3}, 3.0f).requires_grad_();
  Tensor y = m(x);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");  // no view in between
  y.sum().backward();
  // The grad_fn's gradients: w.r.t. its two inputs (x and weight).
  ASSERT_EQ(seen_in.size(), 2u);
  EXPECT_EQ(vals(seen_in[0]), (std::vector<float>{2, 2, 2}));
  EXPECT_EQ(vals(seen_in[1]), (std::vector<float>{3, 3, 3}));
  ASSERT_EQ(seen_out.size(), 1u);
  EXPECT_EQ(vals(seen_out[0]), (std::vector<float>{1, 1, 1}));
}

TEST(ModuleCall, GlobalBackwardHooks) {
  auto m = nn::make<Scale>();
  std::vector<std::string> trace;
  auto g = nn::register_module_full_backward_hook(
      [&](nn::Module& mod, const std::vector<Tensor>&, const std::vector<Tensor>&) {
        trace.push_back("global " + mod.name());
      });
  auto gp = nn::register_module_full_backward_pre_hook(
      [&](nn::Module&, const std::vector<Tensor>&) { trace.push_back("global pre"); });
  m->register_full_backward_hook([&](nn::Module&, const std::vector<Tensor>&,
                                     const std::vector<Tensor>&) { trace.push_back("module"); });
  EXPECT_THROW_MSG(nn::register_module_backward_hook(
                       [](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {}),
                   RuntimeError,
                   "Cannot use both regular backward hooks and full backward hooks as a global "
                   "Module hook. Please use only one of them.");
  m(ones({3}).requires_grad_()).sum().backward();
  g.remove();
  gp.remove();
  EXPECT_EQ(trace, (std::vector<std::string>{"global pre", "global Scale", "module"}));
}

TEST(ModuleCall, ForwardWithNonCopyableArgumentsWorksWithoutHooks) {
  struct TakesPtr : nn::Module {
    Tensor forward(std::unique_ptr<int> p) { return full({1}, static_cast<float>(*p)); }
  };
  auto m = nn::make<TakesPtr>();
  EXPECT_EQ(vals(m(std::make_unique<int>(4))), (std::vector<float>{4}));
  m->register_forward_pre_hook([](nn::Module&, const nn::Args&) {});
  EXPECT_THROW_MSG(m(std::make_unique<int>(4)), TypeError,
                   "a hooked module call can only pass copyable arguments");
}

TEST(ModuleCall, ValuesConvert) {
  nn::Value v = nn::to_value(std::make_tuple(ones({2}), std::vector<int>{1, 2}, std::string("s"),
                                             std::optional<double>()));
  EXPECT_EQ(v.repr(), "(Tensor[2], [1, 2], 's', None)");
  auto back =
      nn::from_value<std::tuple<Tensor, std::vector<int64_t>, std::string, std::optional<double>>>(
          v);
  EXPECT_EQ(std::get<1>(back), (std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(std::get<3>(back).has_value());
  EXPECT_THROW_MSG(nn::from_value<std::tuple<Tensor>>(v), TypeError,
                   "expected a tuple of 1 values, got 4");
  EXPECT_EQ(nn::Value::dict({{"a", 1}, {"b", nn::Value::tuple({true})}}).repr(),
            "{'a': 1, 'b': (True,)}");
  Tensor t = nn::Value(ones({1}));
  EXPECT_TRUE(t.defined());
  EXPECT_TRUE(nn::Value(Tensor()).is_none());
}
