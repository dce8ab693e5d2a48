// nn::Module's conversions (to, cpu, cuda, type, float_/double_/half/bfloat16,
// to_empty, share_memory, _apply): members keep their TensorImpls, only the
// tensors PyTorch converts change, bad calls change nothing, and shared memory
// really is shared with a fork()ed child. (Against torch: tests/parity/
// nn_conversions_test.cpp.)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ember/core/shared_memory.h"
#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

namespace {

struct Conv : nn::Module {
  explicit Conv(const Device& device = kCPU) {
    weight =
        register_parameter("weight", arange(0.0, 24.0, 1.0, {.device = device}).view({2, 3, 2, 2}));
    bias = register_parameter("bias", full({2}, 0.5, {.device = device}));
    steps = register_buffer("steps", full({1}, 7, {.dtype = kInt64, .device = device}));
    mean = register_buffer("mean", ones({3}, {.device = device}));
  }
  Tensor weight, bias, steps, mean;
};

struct Net : nn::Module {
  explicit Net(const Device& device = kCPU) {
    conv = register_module("conv", nn::make<Conv>(device));
    scale = register_parameter("scale", full({2, 2}, 2.0, {.device = device}));
  }
  std::shared_ptr<Conv> conv;
  Tensor scale;
};

// The module's state, to check that a failed call changed nothing.
std::string state(nn::Module& m) {
  std::string s;
  for (auto& [n, t] : m.named_parameters())
    s += n + ":" + to_string(t.dtype()) + ":" + t.device().str() + ":" +
         std::to_string(t.stride(0)) + (t.is_meta() ? "" : ":" + t.str()) + "\n";
  for (auto& [n, t] : m.named_buffers())
    s += n + ":" + to_string(t.dtype()) + ":" + t.device().str() + "\n";
  return s;
}

std::vector<int64_t> strides(const Tensor& t) { return {t.strides().begin(), t.strides().end()}; }

}  // namespace

TEST(ModuleConversions, ToDTypeConvertsFloatingTensorsInPlace) {
  auto net = nn::make<Net>();
  Tensor w = net->conv->weight;
  const TensorImpl* impl = w.impl();
  net->conv->weight.sum().backward();  // weight gets a grad
  EXPECT_EQ(&net->to(kFloat64), net.get());
  // The member handles are the module's tensors, now float64.
  EXPECT_EQ(w.impl(), impl);
  EXPECT_TRUE(net->get_parameter("conv.weight").is_same(w));
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_EQ(net->conv->bias.dtype(), kFloat64);
  EXPECT_EQ(net->scale.dtype(), kFloat64);
  EXPECT_EQ(net->conv->mean.dtype(), kFloat64);
  EXPECT_EQ(net->conv->steps.dtype(), kInt64);  // integer buffers keep their dtype
  EXPECT_EQ(net->conv->steps.item<int64_t>(), 7);
  EXPECT_EQ(w.at({1, 2, 1, 0}).to<double>(), 22.0);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(nn::is_parameter(w));
  EXPECT_FALSE(net->conv->mean.requires_grad());
  // The grad follows, and backward accumulates into the converted tensors.
  EXPECT_EQ(w.grad().dtype(), kFloat64);
  w.mul(w).sum().backward();
  EXPECT_EQ(w.grad().at({1, 2, 1, 0}).to<double>(), 1.0 + 2 * 22.0);
  EXPECT_EQ(net->scale.grad().defined(), false);

  net->half();
  EXPECT_EQ(w.dtype(), kFloat16);
  EXPECT_EQ(w.grad().dtype(), kFloat16);
  EXPECT_EQ(net->conv->steps.dtype(), kInt64);
  net->bfloat16();
  EXPECT_EQ(net->scale.dtype(), kBFloat16);
  net->double_();
  EXPECT_EQ(net->scale.dtype(), kFloat64);
  net->float_();
  EXPECT_EQ(net->scale.dtype(), kFloat32);
  EXPECT_EQ(net->scale.at({1, 1}).to<float>(), 2.0f);
  EXPECT_EQ(net->conv->steps.dtype(), kInt64);
}

TEST(ModuleConversions, ToOverloads) {
  auto net = nn::make<Net>();
  net->to(kCPU, kFloat16);
  EXPECT_EQ(net->scale.dtype(), kFloat16);
  EXPECT_EQ(net->conv->steps.dtype(), kInt64);
  net->to(zeros({1}, {.dtype = kFloat64}));
  EXPECT_EQ(net->conv->weight.dtype(), kFloat64);
  EXPECT_EQ(net->conv->steps.dtype(), kInt64);
  // Nothing to change: the same storage.
  const void* p = net->scale.data_ptr();
  net->to(kFloat64).cpu().to(Device("cpu:0"));
  EXPECT_EQ(net->scale.data_ptr(), p);
}

TEST(ModuleConversions, ToNonFloatingDTypeIsATypeErrorAndChangesNothing) {
  auto net = nn::make<Net>();
  const std::string before = state(*net);
  EXPECT_THROW_MSG(net->to(kInt64), TypeError,
                   "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                   "dtype=torch.int64");
  EXPECT_THROW_MSG(net->to(kCPU, kBool), TypeError, "desired dtype=torch.bool");
  EXPECT_THROW_MSG(net->to(zeros({1}, {.dtype = kInt32})), TypeError, "desired dtype=torch.int32");
  EXPECT_EQ(state(*net), before);
}

TEST(ModuleConversions, ToMemoryFormatChangesOnly4DOr5DTensors) {
  auto net = nn::make<Net>();
  Tensor t2 = net->scale.t();  // a transposed 2-D buffer stays transposed
  net->register_buffer("t2", t2);
  net->to(kChannelsLast);
  EXPECT_EQ(strides(net->conv->weight), (std::vector<int64_t>{12, 1, 6, 3}));
  EXPECT_TRUE(net->conv->weight.is_contiguous(kChannelsLast));
  EXPECT_EQ(net->conv->weight.at({1, 2, 1, 0}).to<float>(), 22.0f);
  EXPECT_EQ(strides(t2), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(net->conv->weight.dtype(), kFloat32);
  // contiguous_format: 4-D back to contiguous, the 2-D transposed one untouched.
  net->to(kContiguous);
  EXPECT_EQ(strides(net->conv->weight), (std::vector<int64_t>{12, 4, 2, 1}));
  EXPECT_EQ(strides(t2), (std::vector<int64_t>{1, 2}));
  // With a device and dtype.
  net->to(kCPU, kFloat64, false, kChannelsLast);
  EXPECT_EQ(strides(net->conv->weight), (std::vector<int64_t>{12, 1, 6, 3}));
  EXPECT_EQ(net->conv->weight.dtype(), kFloat64);
}

TEST(ModuleConversions, ChannelsLastOnA5DTensorFailsBeforeAnyChange) {
  auto net = nn::make<Net>();
  net->register_buffer("vol", zeros({1, 2, 1, 2, 2}));
  const std::string before = state(*net);
  EXPECT_THROW_MSG(net->to(kChannelsLast), RuntimeError,
                   "required rank 4 tensor to use channels_last format");
  EXPECT_EQ(state(*net), before);
  EXPECT_TRUE(net->conv->weight.is_contiguous());  // converted first in PyTorch's order
  EXPECT_THROW_MSG(net->to(kChannelsLast3d), RuntimeError,
                   "required rank 5 tensor to use channels_last_3d format");
  auto vol_only = nn::make<nn::Module>();
  Tensor vol = vol_only->register_buffer("vol", zeros({1, 2, 1, 2, 2}));
  vol_only->to(kChannelsLast3d);
  EXPECT_EQ(strides(vol), (std::vector<int64_t>{8, 1, 8, 4, 2}));
}

TEST(ModuleConversions, TypeConvertsEveryTensor) {
  auto net = nn::make<Net>();
  const std::string before = state(*net);
  EXPECT_THROW_MSG(net->type(kInt32), RuntimeError,
                   "data set to a tensor that requires gradients must be floating point or "
                   "complex dtype");
  EXPECT_EQ(state(*net), before);
  net->requires_grad_(false);
  net->type(kInt32);
  EXPECT_EQ(net->conv->weight.dtype(), kInt32);
  EXPECT_EQ(net->conv->steps.dtype(), kInt32);
  EXPECT_EQ(net->conv->mean.dtype(), kInt32);
  EXPECT_EQ(net->conv->weight.at({1, 2, 1, 1}).to<int>(), 23);
  net->type(kFloat64);  // integer tensors too (unlike to())
  EXPECT_EQ(net->conv->steps.dtype(), kFloat64);
  EXPECT_EQ(net->conv->bias.at({0}).to<double>(), 0.0);  // 0.5 went through int32
}

TEST(ModuleConversions, CudaIpuXpuFailWithoutABackendAndChangeNothing) {
  auto net = nn::make<Net>();
  const std::string before = state(*net);
  EXPECT_THROW_MSG(net->cuda(), DeviceError, "Torch not compiled with CUDA enabled");
  EXPECT_THROW(net->cuda(1), DeviceError);
  EXPECT_THROW(net->to(Device("cuda")), DeviceError);
  EXPECT_THROW(net->to_empty(Device("cuda:0")), DeviceError);
  EXPECT_THROW_MSG(net->ipu(), DeviceError, "not linked with support for ipu devices");
  EXPECT_THROW_MSG(net->xpu(0), DeviceError, "not linked with support for xpu devices");
  EXPECT_EQ(state(*net), before);
  // Nothing to move: no error, as in PyTorch.
  auto empty_module = nn::make<nn::Module>();
  EXPECT_NO_THROW(empty_module->cuda().ipu().xpu());
}

TEST(ModuleConversions, MetaModuleGetsStorageFromToEmpty) {
  auto net = nn::make<Net>(kMeta);
  Tensor w = net->conv->weight;
  EXPECT_TRUE(w.is_meta());
  net->to(kChannelsLast);  // conversions work on meta
  EXPECT_EQ(strides(w), (std::vector<int64_t>{12, 1, 6, 3}));
  const std::string before = state(*net);
  EXPECT_THROW_MSG(net->to(kCPU), NotImplementedError, "Cannot copy out of meta tensor; no data!");
  EXPECT_THROW(net->cpu(), NotImplementedError);
  EXPECT_THROW_MSG(net->share_memory(), RuntimeError, "only available on CPU");
  EXPECT_EQ(state(*net), before);

  net->to_empty(kCPU);
  EXPECT_TRUE(w.is_cpu());
  EXPECT_TRUE(net->get_parameter("conv.weight").is_same(w));
  EXPECT_EQ(w.sizes().vec(), (std::vector<int64_t>{2, 3, 2, 2}));
  EXPECT_EQ(strides(w), (std::vector<int64_t>{12, 1, 6, 3}));  // strides kept (empty_like)
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(nn::is_parameter(w));
  EXPECT_EQ(net->conv->steps.dtype(), kInt64);
  EXPECT_TRUE(net->conv->steps.is_cpu());
  ASSERT_NE(w.data_ptr(), nullptr);
  {
    NoGradGuard g;
    w.fill_(3);
  }
  EXPECT_EQ(w.sum().item<float>(), 72.0f);
  // And back to meta: the TensorImpl again stays.
  net->to(kMeta);
  EXPECT_TRUE(w.is_meta());
  EXPECT_TRUE(net->conv->steps.is_meta());
}

TEST(ModuleConversions, TiedAndSharedTensorsStayShared) {
  auto net = nn::make<Net>();
  net->register_parameter("tied", net->conv->weight);
  auto other = net->register_module("again", net->conv);  // the same module twice
  net->to(kFloat64);
  EXPECT_TRUE(net->get_parameter("tied").is_same(net->conv->weight));
  EXPECT_EQ(net->conv->weight.dtype(), kFloat64);
  EXPECT_EQ(other->bias.dtype(), kFloat64);
}

namespace {
// A module that refreshes derived state after its tensors change, through _apply.
struct Counting : nn::Module {
  Tensor w = register_parameter("w", ones({2}));
  int applied = 0;
  int64_t seen_bytes = 0;
  Module& _apply(const std::function<Tensor(const Tensor&)>& fn) override {
    Module::_apply(fn);
    ++applied;
    seen_bytes = static_cast<int64_t>(w.nbytes());
    return *this;
  }
  void scale_all(double s) {
    _apply([s](const Tensor& t) { return t.is_floating_point() ? t * s : t; });
  }
};
}  // namespace

TEST(ModuleConversions, ApplyIsVirtualAndRunsWithoutGrad) {
  auto root = nn::make<nn::Module>();
  auto c = root->register_module("c", nn::make<Counting>());
  root->to(kFloat64);
  EXPECT_EQ(c->applied, 1);
  EXPECT_EQ(c->seen_bytes, 16);
  c->scale_all(3);
  EXPECT_EQ(c->applied, 2);
  // fn ran under no_grad: the parameter is still a leaf holding 3s.
  EXPECT_TRUE(c->w.is_leaf());
  EXPECT_TRUE(c->w.requires_grad());
  EXPECT_EQ(c->w.grad_fn(), nullptr);
  EXPECT_EQ(c->w.sum().item<double>(), 6.0);
}

TEST(ModuleConversions, TensorShareMemory) {
  Tensor t = arange(0.0, 6.0, 1.0);
  Tensor view = t.narrow(0, 2, 3);
  EXPECT_FALSE(is_shared(t));
  EXPECT_TRUE(share_memory_(t).is_same(t));
  EXPECT_TRUE(is_shared(t));
  EXPECT_TRUE(is_shared(view));  // the same storage
  EXPECT_EQ(view.tolist<float>(), (std::vector<float>{2, 3, 4}));
  const void* p = t.data_ptr();
  share_memory_(t);  // already shared: nothing moves
  EXPECT_EQ(t.data_ptr(), p);
  EXPECT_THROW_MSG(t.resize_({100}), RuntimeError,
                   "Trying to resize storage that is not resizable");
  Tensor e = empty({0});
  share_memory_(e);
  EXPECT_TRUE(is_shared(e));
  EXPECT_THROW_MSG(share_memory_(empty({3}, {.device = kMeta})), RuntimeError,
                   "_share_fd_: only available on CPU");
  EXPECT_FALSE(is_shared(empty({3}, {.device = kMeta})));
  // The allocator hands out shared blocks directly.
  Storage s(100, shared_memory_allocator());
  EXPECT_TRUE(is_shared(s));
}

TEST(ModuleConversions, ShareMemorySharesWritesWithAForkedChild) {
  auto net = nn::make<Net>();
  Tensor w = net->conv->weight;
  Tensor steps = net->conv->steps;
  EXPECT_FALSE(is_shared(w));
  EXPECT_EQ(&net->share_memory(), net.get());
  for (auto& p : net->parameters()) EXPECT_TRUE(is_shared(p));
  for (auto& b : net->buffers()) EXPECT_TRUE(is_shared(b));
  EXPECT_TRUE(net->get_parameter("conv.weight").is_same(w));
  EXPECT_EQ(w.at({1, 2, 1, 0}).to<float>(), 22.0f);  // the bytes came along
  EXPECT_TRUE(w.requires_grad());

  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child: in-place updates, then leave without running anything else.
    {
      NoGradGuard g;
      w.add_(100);
      steps.fill_(-1);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(w.at({1, 2, 1, 0}).to<float>(), 122.0f);
  EXPECT_EQ(w.at({0, 0, 0, 0}).to<float>(), 100.0f);
  EXPECT_EQ(steps.item<int64_t>(), -1);
  // Not shared: a private copy in the child leaves the parent's data alone.
  Tensor priv = ones({4});
  const pid_t pid2 = fork();
  ASSERT_GE(pid2, 0);
  if (pid2 == 0) {
    priv.fill_(5);
    _exit(0);
  }
  ASSERT_EQ(waitpid(pid2, &status, 0), pid2);
  EXPECT_EQ(priv.sum().item<float>(), 4.0f);
}
