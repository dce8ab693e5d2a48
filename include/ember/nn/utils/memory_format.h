#pragma once
// torch.nn.utils.convert_conv2d_weight_memory_format /
// convert_conv3d_weight_memory_format: the weight of every Conv2d and
// ConvTranspose2d (Conv3d and ConvTranspose3d) in
// the tree (the module and its descendants) is given `memory_format`, in
// place: the weight keeps its TensorImpl (user handles and optimizer state stay
// valid), only its data is replaced by a copy in the new layout. Returns module.
#include "ember/core/memory_format.h"
#include "ember/nn/module.h"

namespace ember::nn::utils {

ModulePtr convert_conv2d_weight_memory_format(const ModulePtr& module, MemoryFormat memory_format);
ModulePtr convert_conv3d_weight_memory_format(const ModulePtr& module, MemoryFormat memory_format);

}  // namespace ember::nn::utils
