// The README's "short tour", verbatim, so the README stays true: the tests build
// and run this file.
#include <cstdio>
#include <iostream>

#include <ember/ember.h>
using namespace ember;

int main() {
  Tensor x = arange(0, 12, 1, {.dtype = kFloat32}).view({3, 4});  // keyword args
  Tensor w = randn({4, 5}, {.dtype = kFloat64});
  Tensor y = matmul(x.to(kFloat64), w).relu();  // type promotion and broadcasting as in PyTorch
  Tensor col = x.index({Slice(), 2});           // x[:, 2], a view
  x.select(0, 1).mul_(10);                      // x[1] *= 10, writes through the view
  Tensor img = rand({8, 3, 32, 32}).contiguous(kChannelsLast);
  Tensor z = (img * 2 + 1).sum({2, 3}, /*keepdim=*/true);
  auto [values, indices] = y.max(/*dim=*/1);
  std::cout << y << "\n";  // tensor([[...]], dtype=torch.float64)
  save_safetensors("out.safetensors", {{"y", y}, {"img", img}});
  Tensor back = load_safetensors("out.safetensors").tensors.at("y");

  // Checks that the tour did what its comments say.
  const bool ok = col.at({1}).to_double() == 60.0 && back.equal(y) &&
                  z.sizes() == IntArrayRef({8, 3, 1, 1}) && values.sizes() == IntArrayRef({3}) &&
                  indices.dtype() == kInt64 && y.dtype() == kFloat64;
  std::remove("out.safetensors");
  std::cout << (ok ? "readme tour ok" : "readme tour FAILED") << "\n";
  return ok ? 0 : 1;
}
