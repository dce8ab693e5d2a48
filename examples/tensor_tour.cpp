// placeholder tour (replaced once the op families land)
#include <iostream>

#include "ember/ember.h"

int main() {
  auto x = ember::arange(0, 24).view({2, 3, 4});
  auto y = x.permute({0, 2, 1}).contiguous();
  std::cout << "sizes " << y.sizes() << " strides " << y.strides() << "\n";
  return 0;
}
