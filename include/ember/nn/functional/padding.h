#pragma once
// torch.nn.functional.pad: ember::pad (ember/ops/pad.h) under nn::functional.
#include "ember/ops/pad.h"

namespace ember::nn::functional {

using ember::pad;

}  // namespace ember::nn::functional
