"""ResNet-18 (CIFAR form) checkpoint parity (tests/parity/nn_resnet_test.cpp).

The model is torchvision's ResNet-18 code (torchvision 0.14's resnet.py, which
is not installed here) with the CIFAR stem: 3x3 stride-1 conv, no max-pool.
PyTorch writes its state_dict (after a few training-mode batches, so that the
running stats and the batch-norm affine parameters are not their defaults), a
batch and, for float64 and float32, NCHW and channels_last: the eval-mode
logits, the train-mode cross-entropy loss, the input's gradient and the
running stats after that training step. The parameters' gradients are stored
once: the float64 NCHW run's, rounded to float32 (PyTorch's two float64
formats are checked here to agree). float64 is the exact check of the model's
wiring and backward; float32 (the oneDNN path) flips a few ReLU masks where a
pre-activation lies within rounding of zero (PyTorch's float32 can as well),
which moves whole channels' gradients through the batch norms, so its
gradients are compared in norm (see the C++ test).

Keys: "state/<key>", "x", "target", "grad/<param>", "<dt>/<fmt>/logits",
"<dt>/<fmt>/loss", "<dt>/<fmt>/grad_input", "<dt>/<fmt>/stats/<buffer key>";
texts "keys" (state_dict keys in order) and "repr" (the printed model)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, layers=(2, 2, 2, 2), num_classes=10):
        super().__init__()
        self.inplanes = 64
        self.conv1 = conv3x3(3, 64)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * BasicBlock.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * BasicBlock.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * BasicBlock.expansion, stride),
                                       nn.BatchNorm2d(planes * BasicBlock.expansion))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * BasicBlock.expansion
        for _ in range(1, blocks):
            layers.append(BasicBlock(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


BATCH = 4


def run(state, x, target, channels_last, dtype):
    """eval logits, then one training step's loss, grads and running stats."""
    model = ResNet()
    model.load_state_dict(state, strict=True)
    model = model.to(dtype)
    x = x.to(dtype)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    model.train()
    xg = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(xg), target)
    loss.backward()
    grads = {k: p.grad.contiguous() for k, p in model.named_parameters()}
    stats = {k: v.clone() for k, v in model.state_dict().items() if "running" in k or "num_batches" in k}
    return logits, loss.detach(), xg.grad.contiguous(), grads, stats


def generate(cases):
    torch.manual_seed(0)
    model = ResNet()
    # Non-default batch-norm parameters and running stats, as after some training.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.2 * torch.randn_like(m.bias))
        model.train()
        for _ in range(3):
            model(torch.randn(8, 3, 32, 32))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    cases.text("keys", "\n".join(state.keys()))
    cases.text("repr", repr(model))
    for k, v in state.items():
        cases.tensors["state/" + k] = v
    x = torch.randn(BATCH, 3, 32, 32)
    target = torch.randint(0, 10, (BATCH,))
    cases.tensors["x"] = x
    cases.tensors["target"] = target
    ref_grads = None
    for dt, dtype in (("f64", torch.float64), ("f32", torch.float32)):
        for fmt, cl in (("nchw", False), ("channels_last", True)):
            logits, loss, gx, grads, stats = run(state, x, target, cl, dtype)
            key = dt + "/" + fmt
            cases.tensors[key + "/logits"] = logits
            cases.tensors[key + "/loss"] = loss
            cases.tensors[key + "/grad_input"] = gx
            for k, v in stats.items():
                cases.tensors[key + "/stats/" + k] = v
            if ref_grads is None:
                # The parameters' gradients of the float64 run, rounded to float32.
                ref_grads = grads
                for k, g in grads.items():
                    cases.tensors["grad/" + k] = g.float()
            elif dtype == torch.float64:  # PyTorch's two formats agree
                for k, g in grads.items():
                    assert (g - ref_grads[k]).abs().max().item() <= 1e-9 * ref_grads[k].abs().max().item(), k
