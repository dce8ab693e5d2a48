#pragma once
// PyTorch's checkpoint format: what torch.save writes and torch.load reads
// (a zip archive holding a pickle, "archive/data.pkl", and one entry per
// tensor storage, "archive/data/<key>"). ember reads files torch.save wrote
// (PyTorch 1.6 and later) and writes files torch.load reads.
//
// Reading is restricted as torch.load(weights_only=True) is: the file may hold
// tensors (and Parameters), dicts, OrderedDicts, lists, tuples, None, bools,
// ints, floats and strings, nested; anything else (a pickled module or any
// other Python object) is a SerializationError naming the Python global it
// needs. Nothing in the file is ever executed. Tensors come back on the cpu
// (torch.load's map_location='cpu'); tensors that shared a storage in PyTorch
// share one in ember, with their offsets and strides; a Parameter comes back as
// a tensor with requires_grad. Dict keys are strings as in a state_dict; int
// keys (an optimizer's state) become their decimal text ("0"), other key
// types are an error. A state_dict's "_metadata" is dropped (see
// nn/state_dict.h). Loading maps the file: aligned tensors alias a private
// copy-on-write mapping (no copy), and every entry's CRC-32 is checked.
//
// Writing produces what torch.save(obj, f) does in PyTorch 1.13 (protocol 2,
// storages aligned to 64 bytes, zip64 past 4 GiB): an OrderedDict for a state
// dict, and dicts, lists, tuples, numbers, strings and cpu tensors for a
// nn::Value. Tensors sharing a storage are written once. The file is written
// atomically (temporary file + rename).
#include <cstddef>
#include <string>

#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"
#include "ember/nn/value.h"

namespace ember {

// torch.load(path, map_location='cpu', weights_only=True).
nn::Value load_pt(const std::string& path);
nn::Value load_pt_from_buffer(const void* data, size_t size);

// A state_dict from a file that holds one (e.g. torch.save(model.state_dict(), f)).
// The top object must be a dict whose values are tensors (None is kept as an
// undefined tensor, as for extra state); otherwise SerializationError naming
// the first offending key and its Python type.
OrderedDict<Tensor> load_pt_state_dict(const std::string& path);

// torch.save(obj, path). Throws SerializationError (naming the key path) for an
// opaque object, a non-cpu tensor or a string that is not UTF-8.
void save_pt(const std::string& path, const nn::Value& obj);
// torch.save(state_dict, path): an OrderedDict of tensors (undefined ones as None).
void save_pt(const std::string& path, const OrderedDict<Tensor>& state_dict);
std::string save_pt_to_buffer(const nn::Value& obj);
std::string save_pt_to_buffer(const OrderedDict<Tensor>& state_dict);

// Between a state dict and a dict value (tensors; undefined ones as None).
nn::Value state_dict_to_value(const OrderedDict<Tensor>& state_dict);
// The dict's values must be tensors or None; `what` names it in errors.
OrderedDict<Tensor> value_to_state_dict(const nn::Value& v, const std::string& what = "value");

}  // namespace ember
