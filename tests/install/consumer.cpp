#include <ember/ember.h>

#include <iostream>

int main() {
  auto x = ember::arange(0, 6).view({2, 3}).to(ember::kFloat64);
  auto y = x.t().contiguous();
  const bool ok = y.sizes() == ember::IntArrayRef({3, 2}) && y.at({2, 1}).to_double() == 5.0;
  std::cout << (ok ? "consumer ok" : "consumer FAILED") << "\n";
  return ok ? 0 : 1;
}
