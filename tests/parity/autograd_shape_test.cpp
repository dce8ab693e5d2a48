// Parity with PyTorch for the gradients of views, copies, cat/stack, indexed
// ops and sort/topk. Mirrors tests/parity/gen_autograd_shape.py case for case:
// each case's outputs are the op's outputs, then the gradients of the inputs
// that require grad after a backward with PyTorch's random grad_outputs.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using namespace ember::testing;

namespace {

using Outs = std::vector<Tensor>;
using Fn = std::function<Outs(std::vector<Tensor>&)>;

// n inputs (the rest of the saved tensors are grad_outputs); `diff` lists the
// inputs that require grad.
Case grad_case(size_t n, std::vector<size_t> diff, Fn fn) {
  return {[n, diff, fn](const std::vector<Tensor>& in) {
    std::vector<Tensor> x;
    for (size_t i = 0; i < n; ++i) x.push_back(in[i].clone());
    for (auto i : diff) x[i].requires_grad_();
    Outs outs = fn(x);
    autograd::backward(outs, Outs(in.begin() + static_cast<std::ptrdiff_t>(n), in.end()));
    Outs r;
    for (const auto& o : outs) r.push_back(o.detach());
    for (auto i : diff) r.push_back(x[i].grad().defined() ? x[i].grad() : zeros_like(x[i]));
    return r;
  }};
}

// One input that requires grad, one output.
Case one(std::function<Tensor(const Tensor&)> f) {
  return grad_case(1, {0}, [f](std::vector<Tensor>& x) { return Outs{f(x[0])}; });
}
Case one_multi(std::function<Outs(const Tensor&)> f) {
  return grad_case(1, {0}, [f](std::vector<Tensor>& x) { return f(x[0]); });
}

Tensor inplace(Tensor y, const std::function<void(Tensor&)>& op) {
  op(y);
  return y;
}

}  // namespace

TEST(AutogradShapeParity, MatchesPyTorch) {
  std::map<std::string, Case> c;
  // ---- views
  c["view"] = one([](const Tensor& x) { return x.view({6, 4}); });
  c["view_as"] = one([](const Tensor& x) { return x.view_as(empty({3, 4})); });
  c["reshape.view"] = one([](const Tensor& x) { return x.reshape({4, 6}); });
  c["reshape.copy"] = one([](const Tensor& x) { return x.t().reshape({12}); });
  c["flatten"] = one([](const Tensor& x) { return x.flatten(1); });
  c["flatten.t"] = one([](const Tensor& x) { return x.t().flatten(); });
  c["unflatten"] = one([](const Tensor& x) { return x.unflatten(1, {3, 4}); });
  c["squeeze"] = one([](const Tensor& x) { return x.squeeze(); });
  c["squeeze.dim"] = one([](const Tensor& x) { return x.squeeze(1); });
  c["unsqueeze"] = one([](const Tensor& x) { return x.unsqueeze(1); });
  c["unsqueeze.t"] = one([](const Tensor& x) { return x.t().unsqueeze(-1); });
  c["permute"] = one([](const Tensor& x) { return x.permute({2, 0, 1}); });
  c["movedim"] = one([](const Tensor& x) { return x.movedim(0, 2); });
  c["transpose"] = one([](const Tensor& x) { return x.transpose(0, 2); });
  c["t"] = one([](const Tensor& x) { return x.t(); });
  c["mT"] = one([](const Tensor& x) { return x.mT(); });
  c["expand"] = one([](const Tensor& x) { return x.expand({2, 3, 4}); });
  c["expand.t"] = one([](const Tensor& x) { return x.t().expand({3, 5}); });
  c["expand_as"] = one([](const Tensor& x) { return x.expand_as(empty({3, 4})); });
  c["narrow"] = one([](const Tensor& x) { return x.narrow(0, 1, 3); });
  c["slice.step"] = one([](const Tensor& x) { return x.slice(0, 1, std::nullopt, 2); });
  c["slice.t"] = one([](const Tensor& x) { return x.t().slice(0, 2, 5); });
  c["select"] = one([](const Tensor& x) { return x.select(1, 2); });
  c["select.neg"] = one([](const Tensor& x) { return x[-1]; });
  c["index"] = one([](const Tensor& x) { return x.index({1, Slice(), kNone, Slice(2, 4)}); });
  c["index.ellipsis"] = one([](const Tensor& x) { return x.index({kEllipsis, 1}); });
  c["as_strided"] = one([](const Tensor& x) { return x.as_strided({3, 3}, {3, 1}, 1); });
  c["as_strided.overlap"] = one([](const Tensor& x) { return x.as_strided({3, 4}, {2, 1}); });
  c["as_strided.expand"] = one([](const Tensor& x) { return x.as_strided({2, 3, 2}, {0, 2, 1}); });
  c["split"] = one_multi([](const Tensor& x) { return x.split(2); });
  c["split.dim1"] = one_multi([](const Tensor& x) { return x.split(2, 1); });
  c["split_with_sizes"] = one_multi([](const Tensor& x) { return x.split({1, 4}); });
  c["chunk"] = one_multi([](const Tensor& x) { return x.chunk(3, 1); });
  c["unbind"] = one_multi([](const Tensor& x) { return x.unbind(1); });
  c["unbind.t"] = one_multi([](const Tensor& x) { return x.t().unbind(); });
  c["diagonal"] = one([](const Tensor& x) { return x.diagonal(1); });
  c["diagonal.neg"] = one([](const Tensor& x) { return x.diagonal(-1); });
  c["diagonal.3d"] = one([](const Tensor& x) { return x.diagonal(0, 0, 2); });

  // ---- copies
  c["clone.t"] = one([](const Tensor& x) { return x.t().clone(); });
  c["contiguous.t"] = one([](const Tensor& x) { return x.t().contiguous(); });
  c["to.f64"] = one([](const Tensor& x) { return x.to(kFloat64); });
  c["to.f64.t"] = one([](const Tensor& x) { return x.t().to(kFloat64); });
  c["double"] = one([](const Tensor& x) { return x.double_(); });
  c["copy_.broadcast"] =
      grad_case(2, {0, 1}, [](std::vector<Tensor>& x) { return Outs{x[0].clone().copy_(x[1])}; });
  c["copy_.slice"] = grad_case(2, {0, 1}, [](std::vector<Tensor>& x) {
    return Outs{inplace(x[0].clone(), [&](Tensor& y) { y.slice(0, 1).copy_(x[1]); })};
  });
  c["copy_.f64"] =
      grad_case(2, {0, 1}, [](std::vector<Tensor>& x) { return Outs{x[0].clone().copy_(x[1])}; });
  c["copy_.into_plain"] = grad_case(1, {0}, [](std::vector<Tensor>& x) {
    Tensor z = zeros({3});
    z.slice(0, 0, 2).copy_(x[0]);
    return Outs{z};
  });
  c["fill_"] = one([](const Tensor& x) { return x.clone().fill_(2.5); });
  c["fill_.tensor"] =
      grad_case(2, {0, 1}, [](std::vector<Tensor>& x) { return Outs{x[0].clone().fill_(x[1])}; });
  c["fill_.row"] =
      one([](const Tensor& x) { return inplace(x.clone(), [](Tensor& y) { y[1].fill_(0.5); }); });
  c["zero_.col"] = one([](const Tensor& x) {
    return inplace(x.clone(), [](Tensor& y) { y.select(1, 2).zero_(); });
  });
  c["select.mul_"] = one([](const Tensor& x) {
    return inplace(x.clone(), [](Tensor& y) { y.select(0, 1).mul_(2); });
  });

  // ---- cat / stack
  c["cat.dim0"] = grad_case(2, {0, 1}, [](std::vector<Tensor>& x) {
    return Outs{cat({x[0], x[1]})};
  });
  c["cat.dim1.t"] = grad_case(2, {0, 1}, [](std::vector<Tensor>& x) {
    return Outs{cat({x[0].t(), x[1]}, 1)};
  });
  c["cat.const"] = grad_case(2, {0}, [](std::vector<Tensor>& x) {
    return Outs{cat({x[1], x[0], x[1]}, 0)};
  });
  c["cat.empty"] = grad_case(2, {0, 1}, [](std::vector<Tensor>& x) {
    return Outs{cat({x[1], x[0]})};
  });
  c["stack.dim0"] = grad_case(2, {0, 1}, [](std::vector<Tensor>& x) {
    return Outs{stack({x[0], x[1]})};
  });
  c["stack.dim1"] = grad_case(2, {0, 1}, [](std::vector<Tensor>& x) {
    return Outs{stack({x[0], x[1].t()}, 1)};
  });
  c["stack.dim2"] = grad_case(2, {0, 1}, [](std::vector<Tensor>& x) {
    return Outs{stack({x[0], x[1]}, 2)};
  });

  // ---- indexed ops
  c["index_select"] =
      grad_case(2, {0}, [](std::vector<Tensor>& x) { return Outs{x[0].index_select(0, x[1])}; });
  c["index_select.dim1.t"] = grad_case(
      2, {0}, [](std::vector<Tensor>& x) { return Outs{x[0].t().index_select(1, x[1])}; });
  c["gather"] =
      grad_case(2, {0}, [](std::vector<Tensor>& x) { return Outs{x[0].gather(0, x[1])}; });
  c["gather.dim1"] =
      grad_case(2, {0}, [](std::vector<Tensor>& x) { return Outs{x[0].gather(1, x[1])}; });
  c["scatter.src"] = grad_case(
      3, {0, 2}, [](std::vector<Tensor>& x) { return Outs{x[0].scatter(0, x[1], x[2])}; });
  c["scatter.value"] =
      grad_case(2, {0}, [](std::vector<Tensor>& x) { return Outs{x[0].scatter(0, x[1], 1.5)}; });
  c["scatter_add"] = grad_case(
      3, {0, 2}, [](std::vector<Tensor>& x) { return Outs{x[0].scatter_add(0, x[1], x[2])}; });
  c["scatter_.src"] = grad_case(
      3, {0, 2}, [](std::vector<Tensor>& x) { return Outs{x[0].clone().scatter_(0, x[1], x[2])}; });
  c["scatter_.value"] = grad_case(
      2, {0}, [](std::vector<Tensor>& x) { return Outs{x[0].clone().scatter_(0, x[1], -2.0)}; });
  c["scatter_add_"] = grad_case(3, {0, 2}, [](std::vector<Tensor>& x) {
    return Outs{x[0].clone().scatter_add_(0, x[1], x[2])};
  });
  c["index_add"] = grad_case(
      3, {0, 2}, [](std::vector<Tensor>& x) { return Outs{x[0].index_add(0, x[1], x[2])}; });
  c["index_add.alpha.dim1"] = grad_case(
      3, {0, 2}, [](std::vector<Tensor>& x) { return Outs{x[0].index_add(1, x[1], x[2], 2.0)}; });
  c["index_add_"] = grad_case(3, {0, 2}, [](std::vector<Tensor>& x) {
    return Outs{x[0].clone().index_add_(0, x[1], x[2], -0.5)};
  });

  // ---- sort / topk
  c["sort"] = one([](const Tensor& x) { return std::get<0>(x.sort(1, true)); });
  c["sort.dim0.t"] = one([](const Tensor& x) { return std::get<0>(x.t().sort(0)); });
  c["topk"] = one([](const Tensor& x) { return std::get<0>(x.topk(2, 0)); });
  c["topk.smallest"] = one([](const Tensor& x) { return std::get<0>(x.topk(3, 1, false)); });

  run_parity("autograd_shape", c);
}
