#pragma once
// Python's pickle, as much of it as PyTorch checkpoints use. The reader is a
// restricted unpickler (like torch.load(weights_only=True)): it builds None,
// bools, ints, floats, strings, bytes, tuples, lists, dicts and tensors, and
// calls only a fixed table of PyTorch's rebuild functions; any other global
// (a class, a function) is a SerializationError naming it. It never runs code
// from the file. The writer emits protocol 2, as torch.save does.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/dtype.h"
#include "ember/core/tensor.h"

namespace ember::serialize {

struct PyObj;
using PyRef = std::shared_ptr<PyObj>;

struct PyObj {
  enum class Kind {
    None,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    Tuple,
    List,
    Dict,
    Global,
    Storage,
    Tensor
  };
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                              // Str and Bytes; Global: the module
  std::string name;                           // Global: the name
  std::vector<PyRef> items;                   // Tuple, List
  std::vector<std::pair<PyRef, PyRef>> dict;  // Dict, in insertion order
  // Tensor; Storage: a 1-D contiguous tensor over the whole storage.
  Tensor tensor;
};

// Python's type name of an object ("int", "tuple", "torch.FloatStorage" ...).
std::string py_type_name(const PyObj& o);

// Resolves a persistent id (torch: ('storage', torch.FloatStorage, key,
// location, numel)) to a Storage object.
using PersistentLoad = std::function<PyRef(const PyObj& pid)>;

// `where` prefixes error messages.
PyRef unpickle(const char* data, size_t size, const PersistentLoad& persistent_load,
               const std::string& where);

// The storage class name torch pickles for a dtype ("FloatStorage"), and back.
const char* storage_class_name(DType t);
bool storage_class_dtype(const std::string& name, DType& out);

// Protocol-2 pickle writer; the caller emits a well-formed opcode sequence.
class PickleWriter {
 public:
  PickleWriter();  // writes PROTO 2
  void none();
  void boolean(bool b);
  void integer(int64_t v);
  void floating(double d);
  void str(const std::string& s);  // must be valid UTF-8 (checked by the caller)
  void global(const std::string& module, const std::string& name);
  void mark();
  void tuple();  // from the last mark
  void empty_tuple();
  void empty_list();
  void empty_dict();
  void appends();   // from the last mark
  void setitems();  // from the last mark
  void reduce();
  void binpersid();
  std::string finish();  // writes STOP

 private:
  std::string out_;
};

}  // namespace ember::serialize
