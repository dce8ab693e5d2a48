#include "ember/core/device.h"

#include <cctype>

#include "ember/core/error.h"

namespace ember {

Device::Device(const std::string& spec) {
  // PyTorch's grammar: <type>[:<index>], type made of letters, digits and '_', index a
  // non-negative integer without leading zeros.
  EMBER_CHECK(!spec.empty(), RuntimeError, "Device string must not be empty");
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  bool ok = !kind.empty();
  for (char c : kind) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  int idx = -1;
  if (colon != std::string::npos) {
    const std::string num = spec.substr(colon + 1);
    ok = ok && !num.empty() && (num.size() == 1 || num[0] != '0');
    for (char c : num) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    EMBER_CHECK(ok, RuntimeError, "Invalid device string: '", spec, "'");
    EMBER_CHECK(num.size() < 10, RuntimeError, "Could not parse device index '", num,
                "' in device string '", spec, "'");
    idx = std::stoi(num);
  }
  EMBER_CHECK(ok, RuntimeError, "Invalid device string: '", spec, "'");
  if (kind == "cpu") {
    type = DeviceType::CPU;
    EMBER_CHECK(idx <= 0, RuntimeError, "CPU device index must be -1 or zero, got ", idx);
  } else if (kind == "meta") {
    type = DeviceType::Meta;
  } else if (kind == "cuda") {
    type = DeviceType::CUDA;
  } else {
    throw RuntimeError("Expected one of cpu, cuda, meta device type at start of device string: " +
                       spec);
  }
  index = idx;
}

std::string to_string(DeviceType t) {
  switch (t) {
    case DeviceType::CPU:
      return "cpu";
    case DeviceType::Meta:
      return "meta";
    case DeviceType::CUDA:
      return "cuda";
  }
  return "unknown";
}

std::string Device::str() const {
  std::string s = to_string(type);
  if (index >= 0) {
    s.push_back(':');
    s.append(std::to_string(index));
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

bool cuda_is_available() { return false; }

void check_device_available(const Device& d) {
  EMBER_CHECK(!d.is_cuda(), DeviceError, "Cannot use device '", d.str(),
              "': ember was built without CUDA support (Torch not compiled with CUDA enabled)");
}

}  // namespace ember
