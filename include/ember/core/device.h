#pragma once
// Where a tensor lives: cpu, meta (shapes only) or cuda:N.
#include <cstdint>
#include <ostream>
#include <string>

namespace ember {

enum class DeviceType : int8_t { CPU, Meta, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = -1;  // -1: no index given ("cuda" means the current device)

  Device() = default;
  Device(DeviceType t, int idx = -1) : type(t), index(idx) {}
  // "cpu", "meta", "cuda", "cuda:1". Throws RuntimeError on anything else.
  Device(const std::string& spec);
  Device(const char* spec) : Device(std::string(spec)) {}

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_meta() const { return type == DeviceType::Meta; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool has_index() const { return index >= 0; }
  std::string str() const;
  friend bool operator==(const Device& a, const Device& b) {
    return a.type == b.type && a.index == b.index;
  }
};

inline const Device kCPU{DeviceType::CPU};
inline const Device kMeta{DeviceType::Meta};

std::ostream& operator<<(std::ostream& os, const Device& d);
std::string to_string(DeviceType t);

// Throws DeviceError when this build has no backend for the device (cuda today).
void check_device_available(const Device& d);
bool cuda_is_available();

}  // namespace ember
