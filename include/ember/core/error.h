#pragma once
// ember's exceptions. Every bad input ends in one of these, never in an abort.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace ember {

// Base of every error ember throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// PyTorch's RuntimeError: shapes, states and arguments that do not fit together.
class RuntimeError : public Error {
 public:
  using Error::Error;
};
// PyTorch's IndexError: a dimension or an index out of range.
class IndexError : public Error {
 public:
  using Error::Error;
};
// PyTorch's TypeError: a dtype or argument type an op does not accept.
class TypeError : public Error {
 public:
  using Error::Error;
};
// PyTorch's ValueError: a value outside an argument's domain.
class ValueError : public Error {
 public:
  using Error::Error;
};
// A feature, dtype or device this build does not provide.
class NotImplementedError : public Error {
 public:
  using Error::Error;
};
// Device not available in this build (cuda without CUDA), or a device mix-up.
class DeviceError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};
// PyTorch's KeyError: a name that is missing, malformed or already taken.
class KeyError : public Error {
 public:
  using Error::Error;
};
// PyTorch's AttributeError: a dotted path naming no such member.
class AttributeError : public Error {
 public:
  using Error::Error;
};
// A file that cannot be read or written, or whose content is malformed.
class SerializationError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace ember

// Throws ErrorType with the streamed message when cond is false. The message is
// only built on failure.
#define EMBER_CHECK(cond, ErrorType, ...)                     \
  do {                                                        \
    if (!(cond)) [[unlikely]] {                               \
      throw ErrorType(::ember::detail::str_cat(__VA_ARGS__)); \
    }                                                         \
  } while (0)
