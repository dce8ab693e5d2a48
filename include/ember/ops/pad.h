#pragma once
// torch.nn.functional.pad: pads the last len(pad) / 2 dims of the input;
// pad lists (left, right) pairs starting from the last dim.
//  - "constant": any number of dims up to input.dim(), negative values crop;
//    filled with value (0 if none). The output is in the input's suggested
//    memory format (a crop-only pad is a clone); grad_fn
//    ConstantPadNdBackward0, as torch's.
//  - "reflect", "replicate", "circular": 2 values on a 2-D/3-D input, 4 on
//    3-D/4-D, 6 on 4-D/5-D (torch's rule); reflect needs pad < size,
//    circular pad <= size. reflect and replicate map each output position
//    onto the whole (uncropped) input, as torch's kernels; circular crops,
//    then wraps. A new contiguous tensor, as torch's kernels write; built by
//    index_select, so the grad_fn names are its, not torch's
//    ReflectionPad2DBackward0 etc.
#include <optional>
#include <string>

#include "ember/core/tensor.h"

namespace ember {

Tensor pad(const Tensor& input, IntArrayRef pad, const std::string& mode = "constant",
           std::optional<double> value = std::nullopt);

}  // namespace ember
