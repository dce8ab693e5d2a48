#pragma once
// nn::Value: what module hooks see of a forward call's arguments and result
// (Python objects in PyTorch). A value is None, a bool, an int, a double, a
// string, a Tensor, a list or tuple of values, a dict of named values, or an
// opaque object of any other copyable C++ type. Args are the positional
// arguments, Kwargs the keyword arguments (an insertion-ordered name -> value map).
//
// A typed forward's arguments become values only when the module has hooks,
// and back again for forward (see nn/module_call.h); ValueTraits<T> says how
// (specialise it to give your own types a structured form).
#include <any>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"

namespace ember::nn {

namespace detail {
// nn's own detail namespace would hide ember::detail's helpers.
using ember::detail::str_cat;
}  // namespace detail

class Value;
using Args = std::vector<Value>;

class Value {
 public:
  enum class Kind : uint8_t { None, Bool, Int, Double, String, Tensor, List, Tuple, Dict, Object };

  Value() = default;  // None
  Value(std::nullopt_t) {}
  Value(bool b) : v_(b) {}
  template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) Value(I i)
      : v_(static_cast<int64_t>(i)) {}
  template <typename F>
  requires std::is_floating_point_v<F> Value(F d) : v_(static_cast<double>(d)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  // An undefined tensor is None (as an optional tensor argument).
  Value(Tensor t) {
    if (t.defined()) v_ = std::move(t);
  }

  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value dict(OrderedDict<Value> items);
  // Any other copyable C++ value, carried opaquely.
  static Value object(std::any obj);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_none() const { return kind() == Kind::None; }
  bool is_tensor() const { return kind() == Kind::Tensor; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_tuple() const { return kind() == Kind::Tuple; }
  bool is_dict() const { return kind() == Kind::Dict; }
  // Python's type name: "NoneType", "bool", "int", "float", "str", "Tensor",
  // "list", "tuple", "dict", or "object".
  const char* type_name() const;

  // Typed access; TypeError ("expected a Tensor, got tuple") on another kind.
  const Tensor& tensor() const;
  bool to_bool() const;
  int64_t to_int() const;
  double to_double() const;  // ints too
  const std::string& str() const;
  // The items of a list or a tuple.
  const std::vector<Value>& items() const;
  const OrderedDict<Value>& dict() const;
  const std::any& object() const;
  // A tensor, or an undefined tensor for None.
  Tensor optional_tensor() const;

  // Lets `Tensor y = seq(x);` read a value that holds a tensor.
  operator Tensor() const { return tensor(); }

  // Python's repr, tensors by shape: "(Tensor[2, 3], None, 1, 'a')".
  std::string repr() const;

 private:
  using Seq = std::shared_ptr<const std::vector<Value>>;
  struct ListBox {
    Seq items;
  };
  struct TupleBox {
    Seq items;
  };
  struct DictBox {
    std::shared_ptr<const OrderedDict<Value>> items;
  };
  struct ObjectBox {
    std::shared_ptr<const std::any> obj;
  };
  [[noreturn]] void wrong_kind(const char* expected) const;

  std::variant<std::monostate, bool, int64_t, double, std::string, Tensor, ListBox, TupleBox,
               DictBox, ObjectBox>
      v_;
};

using Kwargs = OrderedDict<Value>;

std::ostream& operator<<(std::ostream& os, const Value& v);

// ---- conversions between C++ types and values

// ValueTraits<T>::to(const T&) -> Value and ValueTraits<T>::from(const Value&) -> T.
// The primary template carries T opaquely (Value::object); specialisations
// give structure to Tensor, numbers, strings, optionals, vectors (lists),
// tuples and pairs, and string-keyed maps (dicts).
template <typename T, typename = void>
struct ValueTraits {
  static Value to(const T& x) {
    if constexpr (std::is_copy_constructible_v<T>)
      return Value::object(std::any(x));
    else
      throw TypeError("a hooked module call can only pass copyable arguments");
  }
  static T from(const Value& v) {
    if constexpr (std::is_copy_constructible_v<T>) {
      const T* p = std::any_cast<T>(&v.object());
      EMBER_CHECK(p, TypeError, "a hook replaced an argument of C++ type ", typeid(T).name(),
                  " by a value of another type");
      return *p;
    } else {
      throw TypeError("a hooked module call can only pass copyable arguments");
    }
  }
};

template <>
struct ValueTraits<Value> {
  static Value to(const Value& v) { return v; }
  static Value from(const Value& v) { return v; }
};
template <>
struct ValueTraits<Tensor> {
  static Value to(const Tensor& t) { return Value(t); }
  // None gives an undefined tensor (an optional tensor argument).
  static Tensor from(const Value& v) { return v.optional_tensor(); }
};
template <>
struct ValueTraits<bool> {
  static Value to(bool b) { return Value(b); }
  static bool from(const Value& v) { return v.to_bool(); }
};
template <typename I>
struct ValueTraits<I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>> {
  static Value to(I i) { return Value(i); }
  static I from(const Value& v) { return static_cast<I>(v.to_int()); }
};
template <typename F>
struct ValueTraits<F, std::enable_if_t<std::is_floating_point_v<F>>> {
  static Value to(F d) { return Value(d); }
  static F from(const Value& v) { return static_cast<F>(v.to_double()); }
};
template <>
struct ValueTraits<std::string> {
  static Value to(const std::string& s) { return Value(s); }
  static std::string from(const Value& v) { return v.str(); }
};
template <typename T>
struct ValueTraits<std::optional<T>> {
  static Value to(const std::optional<T>& o) { return o ? ValueTraits<T>::to(*o) : Value(); }
  static std::optional<T> from(const Value& v) {
    if (v.is_none()) return std::nullopt;
    return ValueTraits<T>::from(v);
  }
};
template <typename T>
struct ValueTraits<std::vector<T>> {
  static Value to(const std::vector<T>& xs) {
    std::vector<Value> items;
    items.reserve(xs.size());
    for (const auto& x : xs) items.push_back(ValueTraits<T>::to(x));
    return Value::list(std::move(items));
  }
  // A list or a tuple.
  static std::vector<T> from(const Value& v) {
    std::vector<T> xs;
    xs.reserve(v.items().size());
    for (const auto& x : v.items()) xs.push_back(ValueTraits<T>::from(x));
    return xs;
  }
};
template <typename... Ts>
struct ValueTraits<std::tuple<Ts...>> {
  static Value to(const std::tuple<Ts...>& t) {
    return std::apply(
        [](const auto&... x) {
          return Value::tuple({ValueTraits<std::decay_t<decltype(x)>>::to(x)...});
        },
        t);
  }
  static std::tuple<Ts...> from(const Value& v) {
    const auto& items = v.items();
    EMBER_CHECK(items.size() == sizeof...(Ts), TypeError, "expected a tuple of ", sizeof...(Ts),
                " values, got ", items.size());
    return [&]<size_t... I>(std::index_sequence<I...>) {
      return std::tuple<Ts...>(ValueTraits<Ts>::from(items[I])...);
    }
    (std::index_sequence_for<Ts...>{});
  }
};
template <typename A, typename B>
struct ValueTraits<std::pair<A, B>> {
  static Value to(const std::pair<A, B>& p) {
    return Value::tuple({ValueTraits<A>::to(p.first), ValueTraits<B>::to(p.second)});
  }
  static std::pair<A, B> from(const Value& v) {
    auto t = ValueTraits<std::tuple<A, B>>::from(v);
    return {std::move(std::get<0>(t)), std::move(std::get<1>(t))};
  }
};
template <typename T>
struct ValueTraits<OrderedDict<T>> {
  static Value to(const OrderedDict<T>& d) {
    Kwargs out;
    for (const auto& [k, x] : d) out.insert(k, ValueTraits<T>::to(x));
    return Value::dict(std::move(out));
  }
  static OrderedDict<T> from(const Value& v) {
    OrderedDict<T> out;
    for (const auto& [k, x] : v.dict()) out.insert(k, ValueTraits<T>::from(x));
    return out;
  }
};
template <typename T>
struct ValueTraits<std::map<std::string, T>> {
  static Value to(const std::map<std::string, T>& d) {
    Kwargs out;
    for (const auto& [k, x] : d) out.insert(k, ValueTraits<T>::to(x));
    return Value::dict(std::move(out));
  }
  static std::map<std::string, T> from(const Value& v) {
    std::map<std::string, T> out;
    for (const auto& [k, x] : v.dict()) out.emplace(k, ValueTraits<T>::from(x));
    return out;
  }
};

template <typename T>
Value to_value(const T& x) {
  if constexpr (std::is_convertible_v<const T&, const char*>)
    return Value(static_cast<const char*>(x));
  else if constexpr (std::is_base_of_v<Tensor, T>)  // nn::Parameter
    return Value(static_cast<const Tensor&>(x));
  else
    return ValueTraits<T>::to(x);
}
template <typename T>
T from_value(const Value& v) {
  return ValueTraits<T>::from(v);
}

}  // namespace ember::nn
