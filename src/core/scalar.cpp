#include "ember/core/scalar.h"

#include <sstream>

namespace ember {

std::string Scalar::str() const {
  std::ostringstream os;
  switch (kind_) {
    case Kind::Bool:
      os << (i_ ? "True" : "False");
      break;
    case Kind::Int:
      os << i_;
      break;
    case Kind::Float:
      os << d_;
      break;
  }
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) { return os << s.str(); }

namespace detail {
void throw_scalar_overflow(const char* type_name) {
  throw RuntimeError(std::string("value cannot be converted to type ") + type_name +
                     " without overflow");
}
}  // namespace detail

}  // namespace ember
