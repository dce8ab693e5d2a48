#include "ember/nn/value.h"

#include <sstream>

namespace ember::nn {

Value Value::list(std::vector<Value> items) {
  Value v;
  v.v_ = ListBox{std::make_shared<const std::vector<Value>>(std::move(items))};
  return v;
}
Value Value::tuple(std::vector<Value> items) {
  Value v;
  v.v_ = TupleBox{std::make_shared<const std::vector<Value>>(std::move(items))};
  return v;
}
Value Value::dict(OrderedDict<Value> items) {
  Value v;
  v.v_ = DictBox{std::make_shared<const OrderedDict<Value>>(std::move(items))};
  return v;
}
Value Value::object(std::any obj) {
  Value v;
  v.v_ = ObjectBox{std::make_shared<const std::any>(std::move(obj))};
  return v;
}

const char* Value::type_name() const {
  switch (kind()) {
    case Kind::None:
      return "NoneType";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Double:
      return "float";
    case Kind::String:
      return "str";
    case Kind::Tensor:
      return "Tensor";
    case Kind::List:
      return "list";
    case Kind::Tuple:
      return "tuple";
    case Kind::Dict:
      return "dict";
    case Kind::Object:
      return "object";
  }
  return "object";
}

void Value::wrong_kind(const char* expected) const {
  throw TypeError(detail::str_cat("expected ", expected, ", got ", type_name()));
}

const Tensor& Value::tensor() const {
  if (const auto* t = std::get_if<Tensor>(&v_)) return *t;
  wrong_kind("a Tensor");
}
Tensor Value::optional_tensor() const {
  if (is_none()) return Tensor();
  return tensor();
}
bool Value::to_bool() const {
  if (const auto* b = std::get_if<bool>(&v_)) return *b;
  wrong_kind("a bool");
}
int64_t Value::to_int() const {
  if (const auto* i = std::get_if<int64_t>(&v_)) return *i;
  wrong_kind("an int");
}
double Value::to_double() const {
  if (const auto* d = std::get_if<double>(&v_)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  wrong_kind("a float");
}
const std::string& Value::str() const {
  if (const auto* s = std::get_if<std::string>(&v_)) return *s;
  wrong_kind("a str");
}
const std::vector<Value>& Value::items() const {
  if (const auto* l = std::get_if<ListBox>(&v_)) return *l->items;
  if (const auto* t = std::get_if<TupleBox>(&v_)) return *t->items;
  wrong_kind("a list or tuple");
}
const OrderedDict<Value>& Value::dict() const {
  if (const auto* d = std::get_if<DictBox>(&v_)) return *d->items;
  wrong_kind("a dict");
}
const std::any& Value::object() const {
  if (const auto* o = std::get_if<ObjectBox>(&v_)) return *o->obj;
  wrong_kind("an object");
}

std::string Value::repr() const {
  std::ostringstream os;
  switch (kind()) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return to_bool() ? "True" : "False";
    case Kind::Int:
      return std::to_string(to_int());
    case Kind::Double:
      os << to_double();
      return os.str();
    case Kind::String:
      return "'" + str() + "'";
    case Kind::Tensor:
      os << "Tensor" << tensor().sizes();
      return os.str();
    case Kind::List:
    case Kind::Tuple: {
      const bool tuple = is_tuple();
      os << (tuple ? "(" : "[");
      const auto& xs = items();
      for (size_t i = 0; i < xs.size(); ++i) os << (i ? ", " : "") << xs[i].repr();
      if (tuple && xs.size() == 1) os << ",";
      os << (tuple ? ")" : "]");
      return os.str();
    }
    case Kind::Dict: {
      os << "{";
      bool first = true;
      for (const auto& [k, x] : dict()) {
        os << (first ? "" : ", ") << "'" << k << "': " << x.repr();
        first = false;
      }
      os << "}";
      return os.str();
    }
    case Kind::Object:
      return std::string("<object ") + object().type().name() + ">";
  }
  return "";
}

std::ostream& operator<<(std::ostream& os, const Value& v) { return os << v.repr(); }

}  // namespace ember::nn
