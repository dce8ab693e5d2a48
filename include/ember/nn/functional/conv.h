#pragma once
// torch.nn.functional.conv1d / conv2d / conv3d: the ops of ember/ops/conv.h
// under nn::functional (same arguments, padding integers or "same"/"valid").
#include "ember/ops/conv.h"

namespace ember::nn::functional {

using ember::conv1d;
using ember::conv2d;
using ember::conv3d;
using ember::conv_transpose1d;
using ember::conv_transpose2d;
using ember::conv_transpose3d;

}  // namespace ember::nn::functional
