// Autograd the way a PyTorch user writes it: leaves that require grad, a
// forward pass, backward(), reading .grad, updating under no_grad, plus hooks,
// autograd::grad with create_graph, and gradcheck. Run by the tests.
#include <cmath>
#include <cstdio>
#include <iostream>

#include <ember/ember.h>
using namespace ember;

int main() {
  // Fit y = 3x - 2 + noise with plain gradient descent.
  Generator gen(0);
  Tensor x = randn({256, 1}, {}, &gen);
  Tensor y = x * 3.0 - 2.0 + randn({256, 1}, {}, &gen) * 0.01;
  Tensor w = zeros({1, 1}).requires_grad_();
  Tensor b = zeros({1}).requires_grad_();
  float loss_value = 0;
  for (int step = 0; step < 200; ++step) {
    Tensor pred = x.matmul(w) + b;
    Tensor loss = (pred - y).square().mean();
    loss.backward();
    {
      NoGradGuard no_grad;  // torch.no_grad(): the update is not recorded
      w.sub_(w.grad() * 0.1);
      b.sub_(b.grad() * 0.1);
    }
    w.set_grad(Tensor());  // optimizer.zero_grad(set_to_none=True)
    b.set_grad(Tensor());
    loss_value = loss.item<float>();
    if (step % 50 == 0) std::printf("step %3d  loss %.5f\n", step, loss_value);
  }
  std::cout << "w = " << w << "\nb = " << b << "\n";

  // A hook sees (and may replace) a gradient on its way back.
  Tensor h = w * 2.0;
  auto handle = h.register_hook([](const Tensor& g) { return g.clamp(-1, 1); });
  (h * 100.0).sum().backward();  // the hook clips 100 -> 1, so w.grad = 2
  const double clipped = w.grad().item<double>();
  handle.remove();
  w.set_grad(Tensor());

  // Second derivatives: d2/dt2 t^3 = 6t.
  Tensor t = ember::tensor({2.0}, {.dtype = kFloat64}).requires_grad_();
  Tensor dt = autograd::grad({t.pow(3)}, {t}, {}, std::nullopt, /*create_graph=*/true)[0];
  Tensor d2t = autograd::grad({dt}, {t})[0];
  std::cout << "d/dt t^3 = " << dt << ", d2/dt2 = " << d2t << "\n";

  // gradcheck compares autograd with finite differences.
  Tensor a = randn({3, 4}, {.dtype = kFloat64}, &gen).requires_grad_();
  const bool checked = autograd::gradcheck(
      [](const std::vector<Tensor>& in) { return in[0].tanh().softmax(1).sum(0); }, {a});

  const bool ok = loss_value < 1e-3 && std::abs(w.item<float>() - 3) < 0.01 &&
                  std::abs(b.item<float>() + 2) < 0.01 && clipped == 2.0 &&
                  dt.item<double>() == 12.0 && d2t.item<double>() == 12.0 && checked;
  std::cout << (ok ? "autograd tour ok" : "autograd tour FAILED") << "\n";
  return ok ? 0 : 1;
}
