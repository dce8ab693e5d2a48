#pragma once
// Printing tensors exactly as PyTorch's str(tensor) / repr(tensor) does
// (torch/_tensor_str.py): Tensor::str() and `os << tensor` give
// "tensor([1.0000, 2.5000], dtype=torch.float64)".
#include <optional>
#include <string>

#include "ember/core/tensor.h"

namespace ember {

// torch.set_printoptions's knobs, with its defaults.
struct PrintOptions {
  int precision = 4;                            // digits after the decimal point
  double threshold = 1000;                      // more elements than this are summarised with "..."
  int edgeitems = 3;                            // items kept at each end of a summarised dim
  int linewidth = 80;                           // characters per line before wrapping
  std::optional<bool> sci_mode = std::nullopt;  // none: chosen from the values

  // PyTorch's profiles: "default", "short" (precision 2, edgeitems 2) and
  // "full" (never summarise). ValueError for other names.
  static PrintOptions profile(const std::string& name);
};

// Replaces every option (fields left out take their defaults, unlike Python's
// keyword form, which keeps them; start from get_printoptions() to change one).
// ValueError for a negative precision or edgeitems.
void set_printoptions(const PrintOptions& options = {});
PrintOptions get_printoptions();

}  // namespace ember
