#pragma once
// safetensors (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the raw little-endian data. Reading maps the file and never reads outside
// it; malformed files give SerializationError naming what is wrong.
#include <map>
#include <string>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"

namespace ember {

struct SafetensorsData {
  OrderedDict<Tensor> tensors;                  // in the file's data order
  std::map<std::string, std::string> metadata;  // "__metadata__"
};

// Loads every tensor. Tensors share one private (copy-on-write) mapping of the
// file when their data is aligned, so loading is zero-copy; writes to them never
// reach the file.
SafetensorsData load_safetensors(const std::string& path);
// The same from bytes in memory (copied).
SafetensorsData load_safetensors_from_buffer(const void* data, size_t size);

// Writes atomically (temporary file + rename). Tensors must be on the cpu;
// non-contiguous ones are written in logical order.
void save_safetensors(const std::string& path, const OrderedDict<Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
std::string save_safetensors_to_buffer(const OrderedDict<Tensor>& tensors,
                                       const std::map<std::string, std::string>& metadata = {});

// "F32" <-> float32, the format's dtype names.
const char* safetensors_dtype_name(DType t);
DType parse_safetensors_dtype(const std::string& name);

}  // namespace ember
