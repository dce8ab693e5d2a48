#pragma once
// Keyword arguments of factory functions, as designated initialisers:
//   ember::zeros({2, 3}, {.dtype = ember::kFloat64, .requires_grad = true})
#include <optional>

#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/memory_format.h"

namespace ember {

struct TensorOptions {
  std::optional<DType> dtype = std::nullopt;  // none: the default dtype (float32)
  Device device = Device(DeviceType::CPU);
  bool requires_grad = false;
  MemoryFormat memory_format = MemoryFormat::Contiguous;

  DType dtype_or_default() const { return dtype ? *dtype : get_default_dtype(); }
};

}  // namespace ember
