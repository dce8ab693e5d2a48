// A short tour of ember's tensor: make, view, convert, multiply, save, load.
// `make demo` builds and runs this program.
#include <cstdio>
#include <iostream>

#include "ember/ember.h"

int main() {
  using namespace ember;
  manual_seed(0);

  std::cout << "== making tensors\n";
  Tensor x = arange(0, 12, 1, {.dtype = kFloat32}).view({3, 4});
  std::cout << "x = " << x << "\n";
  std::cout << "zeros({2, 2}, float64) = " << zeros({2, 2}, {.dtype = kFloat64}) << "\n";
  std::cout << "randn({2, 3}) = " << randn({2, 3}) << "\n";

  std::cout << "\n== views share storage\n";
  Tensor row = x.select(0, 1);         // x[1]
  Tensor col = x.index({Slice(), 2});  // x[:, 2]
  Tensor xt = x.t();
  row.mul_(10);  // writes through to x
  std::cout << "after x[1] *= 10: x = " << x << "\n";
  std::cout << "x[:, 2] = " << col << ", x.t() is contiguous? " << std::boolalpha
            << xt.is_contiguous() << ", strides " << xt.strides() << "\n";

  std::cout << "\n== dtypes and promotion\n";
  Tensor i = tensor({1, 2, 3});  // int32 from C++ ints
  std::cout << "int32 + 0.5 = " << (i + 0.5) << "\n";
  std::cout << "x.half() = " << x.half() << "\n";
  std::cout << "x.to(bfloat16).to(float64)[2] = " << x.to(kBFloat16).to(kFloat64)[2] << "\n";

  std::cout << "\n== memory formats\n";
  Tensor img = rand({2, 3, 4, 5});
  Tensor cl = img.contiguous(kChannelsLast);
  std::cout << "NCHW strides " << img.strides() << " -> channels_last strides " << cl.strides()
            << ", suggest_memory_format: " << cl.suggest_memory_format() << "\n";
  Tensor y = cl * 2 + 1;  // elementwise ops keep channels_last
  std::cout << "(cl * 2 + 1) is channels_last? " << y.is_contiguous(kChannelsLast)
            << ", equal to NCHW result? " << y.allclose(img * 2 + 1) << "\n";

  std::cout << "\n== arithmetic and reductions\n";
  Tensor a = randn({4, 3}), b = randn({3, 2});
  Tensor c = matmul(a, b);
  std::cout << "matmul([4, 3], [3, 2]) -> " << c.sizes() << "\n" << c << "\n";
  std::cout << "softmax(c, 1).sum(1) = " << c.softmax(1).sum({1}) << "\n";
  auto [vals, idx] = c.max(1);
  std::cout << "c.max(1) = values " << vals << ", indices " << idx << "\n";

  std::cout << "\n== saving and loading (safetensors)\n";
  const std::string path = "tensor_tour.safetensors";
  save_safetensors(path, {{"x", x}, {"c", c}, {"img", cl}}, {{"made_by", "ember tensor_tour"}});
  SafetensorsData back = load_safetensors(path);
  std::cout << "loaded " << back.tensors.size() << " tensors from " << path
            << "; x round-trips: " << back.tensors.at("x").equal(x)
            << "; img round-trips: " << back.tensors.at("img").equal(cl)
            << "; metadata made_by = " << back.metadata.at("made_by") << "\n";

  std::cout << "\n== errors are exceptions with PyTorch's messages\n";
  try {
    mm(rand({128, 784}), rand({100, 10}));
  } catch (const Error& e) {
    std::cout << "mm: " << e.what() << "\n";
  }
  try {
    x.view({5, -1});
  } catch (const Error& e) {
    std::cout << "view: " << e.what() << "\n";
  }
  std::remove(path.c_str());
  return 0;
}
