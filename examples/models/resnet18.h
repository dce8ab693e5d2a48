#pragma once
// ResNet-18 in its CIFAR form, ported from torchvision's resnet.py (1.13's
// torchvision/models/resnet.py) as a user would write it with ember: the same
// classes, module names and therefore the same state_dict keys ("conv1.weight",
// "layer1.0.bn1.running_mean", "layer2.0.downsample.0.weight", "fc.bias" ...),
// so a checkpoint written by PyTorch for the same model loads strictly.
//
// The CIFAR form differs from torchvision's ImageNet stem: a 3x3 stride-1
// convolution instead of the 7x7 stride-2 one, and no max-pool (32x32 inputs).
//
//   auto net = nn::make<models::ResNet18>(10);
//   net->to(kChannelsLast);            // optional: channels_last weights
//   Tensor logits = net(x);            // x: (N, 3, 32, 32)
#include <ember/ember.h>

#include <string>

namespace models {

using ember::Tensor;
namespace nn = ember::nn;

// torchvision's conv3x3 / conv1x1 helpers.
inline nn::Handle<nn::Conv2d> conv3x3(int64_t in_planes, int64_t out_planes, int64_t stride = 1) {
  return nn::make<nn::Conv2d>(in_planes, out_planes, 3,
                              nn::Conv2dOptions{.stride = stride, .padding = 1, .bias = false});
}
inline nn::Handle<nn::Conv2d> conv1x1(int64_t in_planes, int64_t out_planes, int64_t stride = 1) {
  return nn::make<nn::Conv2d>(in_planes, out_planes, 1,
                              nn::Conv2dOptions{.stride = stride, .bias = false});
}

// torchvision's BasicBlock (expansion 1): two 3x3 convolutions with batch
// norms, and the shortcut, a 1x1 convolution + batch norm where the shape changes.
struct BasicBlock : nn::Module {
  static constexpr int64_t expansion = 1;

  BasicBlock(int64_t inplanes, int64_t planes, int64_t stride = 1,
             nn::Handle<nn::Sequential> downsample_ = nullptr)
      : nn::Module("BasicBlock") {
    conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
    bn1 = register_module("bn1", nn::make<nn::BatchNorm2d>(planes));
    relu = register_module("relu", nn::make<nn::ReLU>(true));
    conv2 = register_module("conv2", conv3x3(planes, planes));
    bn2 = register_module("bn2", nn::make<nn::BatchNorm2d>(planes));
    // torchvision keeps a None downsample as a plain attribute, not a child.
    if (downsample_) downsample = register_module("downsample", std::move(downsample_));
  }

  Tensor forward(const Tensor& x) {
    Tensor identity = x;
    Tensor out = relu(bn1(conv1(x)));
    out = bn2(conv2(out));
    if (downsample) identity = downsample(x);
    out += identity;
    return relu(out);
  }

  nn::Handle<nn::Conv2d> conv1, conv2;
  nn::Handle<nn::BatchNorm2d> bn1, bn2;
  nn::Handle<nn::ReLU> relu;
  nn::Handle<nn::Sequential> downsample;
};

struct ResNet18 : nn::Module {
  explicit ResNet18(int64_t num_classes = 10) : nn::Module("ResNet") {
    conv1 = register_module("conv1", conv3x3(3, 64));
    bn1 = register_module("bn1", nn::make<nn::BatchNorm2d>(64));
    relu = register_module("relu", nn::make<nn::ReLU>(true));
    layer1 = register_module("layer1", make_layer(64, 2));
    layer2 = register_module("layer2", make_layer(128, 2, 2));
    layer3 = register_module("layer3", make_layer(256, 2, 2));
    layer4 = register_module("layer4", make_layer(512, 2, 2));
    avgpool = register_module("avgpool", nn::make<nn::AdaptiveAvgPool2d>(nn::ConvSize{1, 1}));
    fc = register_module("fc", nn::make<nn::Linear>(512 * BasicBlock::expansion, num_classes));
    // torchvision's initialisation (over the children: modules() needs the
    // finished shared object).
    init_weights(*this);
  }

  Tensor forward(const Tensor& x) {
    Tensor y = relu(bn1(conv1(x)));
    y = layer4(layer3(layer2(layer1(y))));
    return fc(Tensor(avgpool(y)).flatten(1));
  }

  nn::Handle<nn::Conv2d> conv1;
  nn::Handle<nn::BatchNorm2d> bn1;
  nn::Handle<nn::ReLU> relu;
  nn::Handle<nn::Sequential> layer1, layer2, layer3, layer4;
  nn::Handle<nn::AdaptiveAvgPool2d> avgpool;
  nn::Handle<nn::Linear> fc;

 private:
  int64_t inplanes_ = 64;

  static void init_weights(nn::Module& m) {
    for (const auto& [name, child] : m.named_children_local().items()) {
      if (!child) continue;
      if (auto* c = dynamic_cast<nn::Conv2d*>(child.get())) {
        nn::init::kaiming_normal_(c->weight, 0, "fan_out", "relu");
      } else if (auto* b = dynamic_cast<nn::BatchNorm2d*>(child.get())) {
        nn::init::constant_(b->weight, 1);
        nn::init::constant_(b->bias, 0);
      }
      init_weights(*child);
    }
  }

  // torchvision's _make_layer.
  nn::Handle<nn::Sequential> make_layer(int64_t planes, int64_t blocks, int64_t stride = 1) {
    nn::Handle<nn::Sequential> downsample;
    if (stride != 1 || inplanes_ != planes * BasicBlock::expansion)
      downsample =
          nn::make<nn::Sequential>(conv1x1(inplanes_, planes * BasicBlock::expansion, stride),
                                   nn::make<nn::BatchNorm2d>(planes * BasicBlock::expansion));
    auto layer = nn::make<nn::Sequential>();
    layer->append(nn::make<BasicBlock>(inplanes_, planes, stride, downsample));
    inplanes_ = planes * BasicBlock::expansion;
    for (int64_t i = 1; i < blocks; ++i) layer->append(nn::make<BasicBlock>(inplanes_, planes));
    return layer;
  }
};

}  // namespace models
