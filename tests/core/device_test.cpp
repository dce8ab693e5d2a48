// Devices: parsing device strings as torch.device does, printing, and cuda
// tensors rejected with DeviceError in a build without CUDA.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

TEST(Device, ParseGoodStrings) {
  struct C {
    const char* spec;
    DeviceType type;
    int index;
    const char* str;
  };
  const C cases[] = {
      {"cpu", DeviceType::CPU, -1, "cpu"},       {"cpu:0", DeviceType::CPU, 0, "cpu:0"},
      {"cuda", DeviceType::CUDA, -1, "cuda"},    {"cuda:0", DeviceType::CUDA, 0, "cuda:0"},
      {"cuda:1", DeviceType::CUDA, 1, "cuda:1"}, {"cuda:12", DeviceType::CUDA, 12, "cuda:12"},
      {"meta", DeviceType::Meta, -1, "meta"},    {"meta:0", DeviceType::Meta, 0, "meta:0"},
  };
  for (const auto& c : cases) {
    Device d(c.spec);
    EXPECT_EQ(d.type, c.type) << c.spec;
    EXPECT_EQ(d.index, c.index) << c.spec;
    EXPECT_EQ(d.has_index(), c.index >= 0) << c.spec;
    EXPECT_EQ(d.str(), c.str);
    std::ostringstream os;
    os << d;
    EXPECT_EQ(os.str(), c.str);
    EXPECT_EQ(Device(d.str()), d);  // round trip
  }
  EXPECT_TRUE(Device("cpu").is_cpu());
  EXPECT_TRUE(Device("meta").is_meta());
  EXPECT_TRUE(Device("cuda:1").is_cuda());
  EXPECT_EQ(Device(std::string("cuda:3")), Device(DeviceType::CUDA, 3));
  EXPECT_FALSE(Device("cuda:1") == Device("cuda"));
  EXPECT_FALSE(Device("cpu") == Device("meta"));
  EXPECT_EQ(Device(), kCPU);
  EXPECT_EQ(to_string(DeviceType::CPU), "cpu");
  EXPECT_EQ(to_string(DeviceType::Meta), "meta");
  EXPECT_EQ(to_string(DeviceType::CUDA), "cuda");
}

TEST(Device, ParseBadStrings) {
  EXPECT_THROW_MSG(Device(""), RuntimeError, "Device string must not be empty");
  for (const char* bad : {"cuda:", "cuda:-1", "cuda:01", "cuda:1:2", "cuda:1 ", " cpu", "cuda:x",
                          ":1", "cu da", "cpu:"}) {
    EXPECT_THROW_MSG(Device{bad}, RuntimeError,
                     std::string("Invalid device string: '") + bad + "'");
  }
  for (const char* bad : {"CPU", "gpu", "cuda1", "xla"}) {
    EXPECT_THROW_MSG(Device{bad}, RuntimeError,
                     std::string("Expected one of cpu, cuda, meta device type at start of device "
                                 "string: ") +
                         bad);
  }
  EXPECT_THROW_MSG(
      Device("cuda:99999999999"), RuntimeError,
      "Could not parse device index '99999999999' in device string 'cuda:99999999999'");
  EXPECT_THROW_MSG(Device("cpu:1"), RuntimeError, "CPU device index must be -1 or zero, got 1");
}

TEST(Device, CudaIsRejected) {
  EXPECT_FALSE(cuda_is_available());
  const Device cuda("cuda");
  EXPECT_THROW_MSG(check_device_available(cuda), DeviceError,
                   "Cannot use device 'cuda': ember was built without CUDA support");
  EXPECT_NO_THROW(check_device_available(kCPU));
  EXPECT_NO_THROW(check_device_available(kMeta));
  EXPECT_THROW(allocator_for(Device("cuda:1")), DeviceError);
  EXPECT_THROW(empty({2}, {.device = cuda}), DeviceError);
  EXPECT_THROW(zeros({2}, {.device = Device("cuda:0")}), DeviceError);
  EXPECT_THROW(ones({2}, {.device = cuda}), DeviceError);
  EXPECT_THROW(full({2}, 1.0, {.device = cuda}), DeviceError);
  EXPECT_THROW(arange(3, {.device = cuda}), DeviceError);
  EXPECT_THROW(eye(3, std::nullopt, {.device = cuda}), DeviceError);
  EXPECT_THROW(empty_strided({2}, {1}, {.device = cuda}), DeviceError);
  Tensor x = ones({2});
  EXPECT_THROW_MSG(x.to(cuda), DeviceError, "Cannot use device 'cuda'");
  EXPECT_THROW(x.to(Device("cuda:1"), kFloat64), DeviceError);
  EXPECT_THROW(empty_like(x, {.device = cuda}), DeviceError);
  EXPECT_THROW(zeros_like(x, {.device = cuda}), DeviceError);
  float buf[2] = {0, 0};
  EXPECT_THROW(from_blob(buf, std::vector<int64_t>{2}, {.device = cuda}), DeviceError);
  // DeviceError is a RuntimeError, as PyTorch raises RuntimeError for device problems.
  EXPECT_THROW(x.to(cuda), RuntimeError);
  EXPECT_EQ(x.device(), kCPU);
}

TEST(Device, TensorDevices) {
  EXPECT_EQ(zeros({1}).device(), kCPU);
  EXPECT_EQ(zeros({1}).device().str(), "cpu");
  EXPECT_TRUE(zeros({1}).is_cpu());
  EXPECT_EQ(zeros({1}, {.device = Device("meta")}).device(), kMeta);
  EXPECT_EQ(zeros({1}).options().device, kCPU);
  EXPECT_EQ(zeros({1}, {.dtype = kInt8}).options().dtype, kInt8);
  EXPECT_EQ(cpu_allocator()->device(), kCPU);
  EXPECT_EQ(meta_allocator()->device(), kMeta);
  EXPECT_EQ(allocator_for(kCPU), cpu_allocator());
  EXPECT_EQ(allocator_for(Device("cpu:0")), cpu_allocator());
  EXPECT_EQ(allocator_for(kMeta), meta_allocator());
}
