// Porting a PyTorch model: modules, calling them, hooks, state_dict, clone.
// The README quotes the part between the markers; the tests run this file.
#include <cstdio>
#include <iostream>

#include <ember/ember.h>
using namespace ember;

// tour-begin
struct Block : nn::Module {
  nn::Handle<nn::Linear> fc = register_module("fc", nn::make<nn::Linear>(8, 8));
  Tensor forward(const Tensor& x) { return fc(x).relu() + x; }
};

struct Net : nn::Module {
  nn::Handle<nn::Linear> stem = register_module("stem", nn::make<nn::Linear>(4, 8));
  nn::Handle<nn::Sequential> blocks =
      register_module("blocks", nn::make<nn::Sequential>(nn::make<Block>(), nn::make<Block>()));
  nn::Handle<nn::Linear> head = register_module("head", nn::make<nn::Linear>(8, 2));
  Tensor scale = register_buffer("scale", ones({1}));
  Tensor forward(const Tensor& x) { return head(blocks(stem(x))) * scale; }
};

int main() {
  auto net = nn::make<Net>();  // a shared handle; net(x) runs hooks + forward
  std::cout << *net << "\n";   // the tree, as print(net)
  // A forward hook on every Linear: record the output shapes.
  std::vector<std::string> shapes;
  for (const auto& [name, m] : net->named_modules())
    if (m->name() == "Linear")
      m->register_forward_hook([&shapes, name](nn::Module&, const nn::Args&, const nn::Value& out) {
        shapes.push_back(name + " -> " + out.repr());
      });
  // A full backward hook that halves the gradient flowing into the head.
  auto h = net->head->register_full_backward_hook(
      [](nn::Module&, const std::vector<Tensor>& grad_input, const std::vector<Tensor>&) {
        return std::vector<Tensor>{grad_input[0] * 0.5};
      });
  Tensor x = randn({16, 4});
  Tensor y = net(x);
  y.square().mean().backward();
  h.remove();

  save_safetensors("net.safetensors", net->state_dict());  // keys as PyTorch's: blocks.0.fc.weight
  auto restored = nn::make<Net>();
  auto keys = restored->load_state_dict(load_safetensors("net.safetensors").tensors);
  save_pt("net.pt", net->state_dict());  // torch.save's format: torch.load("net.pt") reads it
  auto keys_pt = restored->load_state_dict(load_pt_state_dict("net.pt"));  // and torch.save's files
  auto twin = nn::clone(net);                                              // a deep copy
  twin->double_();
  Tensor flat = nn::utils::parameters_to_vector(net->parameters());
  // tour-end

  for (const auto& s : shapes) std::cout << s << "\n";
  std::cout << keys << ", " << flat.numel() << " parameters\n";
  const bool ok =
      keys.empty() && keys_pt.empty() && shapes.size() == 4 && Tensor(restored(x)).allclose(y) &&
      Tensor(twin(x.to(kFloat64))).to(kFloat32).allclose(y, 1e-5, 1e-5) &&
      flat.numel() == 4 * 8 + 8 + 2 * (8 * 8 + 8) + 8 * 2 + 2 && net->stem->weight.grad().defined();
  std::remove("net.safetensors");
  std::remove("net.pt");
  std::cout << (ok ? "module tour ok" : "module tour FAILED") << "\n";
  return ok ? 0 : 1;
}
