#include "ember/nn/utils/memory_format.h"

#include "ember/core/grad_mode.h"
#include "ember/nn/modules/conv.h"

namespace ember::nn::utils {

namespace {

template <typename Conv, typename ConvT>
ModulePtr convert(const ModulePtr& module, MemoryFormat fmt) {
  ConvNd* conv = dynamic_cast<Conv*>(module.get());
  if (!conv) conv = dynamic_cast<ConvT*>(module.get());
  if (conv) {
    NoGradGuard g;
    // torch: weight.detach().clone().contiguous(memory_format).resize_(memory_format)
    // assigned to .data: exactly fmt's strides.
    Tensor w = conv->weight.detach().clone(fmt);
    conv->weight.set_data(w);
  }
  for (const auto& child : module->children()) convert<Conv, ConvT>(child, fmt);
  return module;
}

}  // namespace

ModulePtr convert_conv2d_weight_memory_format(const ModulePtr& module, MemoryFormat memory_format) {
  return convert<Conv2d, ConvTranspose2d>(module, memory_format);
}

ModulePtr convert_conv3d_weight_memory_format(const ModulePtr& module, MemoryFormat memory_format) {
  return convert<Conv3d, ConvTranspose3d>(module, memory_format);
}

}  // namespace ember::nn::utils
