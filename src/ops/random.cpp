#include "ember/ops/random.h"

#include <cmath>
#include <limits>

#include "autograd/record.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/random.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

Generator& gen_or_default(Generator* gen) { return gen ? *gen : default_generator(); }

// The C++ element type's name as PyTorch's random_ bound errors say it: the
// TypeMeta name, except that these messages print int64 as "long".
const char* cpp_type_name(DType t) { return t == DType::Int64 ? "long" : typemeta_name(t); }

// Largest finite value of a floating dtype.
double float_max(DType t) {
  switch (t) {
    case DType::Float16:
      return 65504.0;
    case DType::BFloat16:
      return 3.3895313892515355e38;
    case DType::Float32:
      return static_cast<double>(std::numeric_limits<float>::max());
    default:
      return std::numeric_limits<double>::max();
  }
}

// Mantissa digits of a floating dtype (std::numeric_limits<T>::digits).
int float_digits(DType t) {
  switch (t) {
    case DType::Float16:
      return 11;
    case DType::BFloat16:
      return 8;
    case DType::Float32:
      return 24;
    default:
      return 53;
  }
}

// [lowest, max] of an integral dtype (bool: [0, 1]).
std::pair<int64_t, int64_t> int_range(DType t) {
  switch (t) {
    case DType::Bool:
      return {0, 1};
    case DType::UInt8:
      return {0, 255};
    case DType::Int8:
      return {-128, 127};
    case DType::Int16:
      return {-32768, 32767};
    case DType::Int32:
      return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default:
      return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  }
}

// v rounded to dtype t (through float for the 16-bit floats), as a double.
double round_to(DType t, double v) {
  switch (t) {
    case DType::Float16:
      return static_cast<float>(Half(static_cast<float>(v)));
    case DType::BFloat16:
      return static_cast<float>(BFloat16(static_cast<float>(v)));
    case DType::Float32:
      return static_cast<float>(v);
    default:
      return v;
  }
}

// double -> int64 without undefined behaviour at the ends.
int64_t saturate_i64(double v) {
  if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// floor(log2(|v|)) (0 for v = 0), as PyTorch's shift loop computes it.
int floor_log2_abs(int64_t v) {
  uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  int n = 0;
  while (u >>= 1) ++n;
  return n;
}

// PyTorch's update_from / update_to: move the bounds of random_ on a floating
// dtype inwards so that every integer drawn still rounds into [from, to).
int64_t update_from(DType t, int64_t from) {
  const int64_t from_plus_1 = saturate_i64(round_to(t, static_cast<double>(from) + 1));
  if (from_plus_1 < from) {
    const int n = floor_log2_abs(from + 1);
    const int shift = n - float_digits(t) + 1;
    if (shift >= 0 && shift < 63) from = from_plus_1 + (int64_t{1} << shift);
  }
  return from;
}

int64_t update_to(DType t, int64_t to) {
  const int64_t to_minus_1 = saturate_i64(round_to(t, static_cast<double>(to) - 1));
  if (to_minus_1 >= to) {
    const int n = floor_log2_abs(to - 1);
    const int shift = n - float_digits(t) + 1;
    if (shift >= 0 && shift < 63) to = to_minus_1 - (int64_t{1} << shift);
  }
  return to;
}

void check_from_to_in_range(int64_t from, int64_t to_inc, DType t) {
  if (is_floating_point(t)) {
    const double max = float_max(t);
    EMBER_CHECK(static_cast<double>(from) >= -max && static_cast<double>(from) <= max, RuntimeError,
                "from is out of bounds for ", cpp_type_name(t));
    EMBER_CHECK(static_cast<double>(to_inc) >= -max && static_cast<double>(to_inc) <= max,
                RuntimeError, "to - 1 is out of bounds for ", cpp_type_name(t));
  } else {
    const auto [lo, hi] = int_range(t);
    EMBER_CHECK(from >= lo && from <= hi, RuntimeError, "from is out of bounds for ",
                cpp_type_name(t));
    EMBER_CHECK(to_inc >= lo && to_inc <= hi, RuntimeError, "to - 1 is out of bounds for ",
                cpp_type_name(t));
  }
}

// PyTorch only rejects the certain case: a broadcast (stride 0) dim of size > 1.
void check_no_internal_overlap(const Tensor& t) {
  if (t.is_non_overlapping_and_dense()) return;
  for (int64_t d = 0; d < t.dim(); ++d)
    EMBER_CHECK(!(t.strides()[d] == 0 && t.sizes()[d] > 1), RuntimeError,
                "unsupported operation: more than one element of the written-to tensor refers "
                "to a single memory location. Please clone() the tensor before performing the "
                "operation.");
}

// Runs kernel(dense) on self: directly when self is dense (memory order), else
// on a contiguous temporary copied into self. Meta and empty tensors: no-op.
// An in-place fill for autograd: the caller ran check_inplace first; a self
// that requires grad gets `name` (PyTorch's node), whose gradient is zero.
template <typename Kernel>
Tensor& fill_with(Tensor& self, const char* name, const Kernel& kernel) {
  std::shared_ptr<autograd::Node> node;
  if (autograd::grad_needed(self) && self.is_floating_point()) {
    node = autograd::make_node(
        name,
        [](autograd::FormulaNodeBase&, autograd::variable_list& g) {
          return autograd::variable_list{zeros_like(g[0])};
        },
        self);
  }
  if (!self.is_meta() && self.numel() != 0) {
    check_no_internal_overlap(self);
    if (self.is_non_overlapping_and_dense()) {
      kernel(self);
    } else {
      Tensor tmp = empty(self.sizes(), {.dtype = self.dtype(), .device = self.device()});
      kernel(tmp);
      kernels::copy_kernel(self, tmp);
    }
  }
  autograd::finish_inplace(self, node);
  return self;
}

// Allocates with the options (requires_grad checked up front, as PyTorch does),
// then fills an alias without history or shared version (t.data()) so the
// fill is no autograd event and the new tensor is at version 0.
template <typename Fill>
Tensor make_filled(IntArrayRef sizes, const TensorOptions& options, const Fill& fill) {
  Tensor t = empty(sizes, options);
  Tensor d = t.requires_grad() ? t.data() : t;
  fill(d);
  return t;
}

template <typename Fill>
Tensor make_like(const Tensor& like, const LikeOptions& options, const Fill& fill) {
  Tensor t = empty_like(like, options);
  Tensor d = t.requires_grad() ? t.data() : t;
  fill(d);
  return t;
}

}  // namespace

// ---- in-place fills

Tensor& Tensor::uniform_(double from, double to, Generator* gen) {
  autograd::check_inplace(*this);
  const DType t = dtype();
  EMBER_CHECK(ember::is_floating_point(t), TypeError,
              "\"check_uniform_bounds\" not implemented for '", scalar_type_name(t), "'");
  const double max = float_max(t);
  EMBER_CHECK(from >= -max && from <= max, RuntimeError, "from is out of bounds for ",
              cpp_type_name(t));
  EMBER_CHECK(to >= -max && to <= max, RuntimeError, "to is out of bounds for ", cpp_type_name(t));
  EMBER_CHECK(from <= to, RuntimeError,
              "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  EMBER_CHECK(to - from <= max, RuntimeError, "uniform_ expects to-from <= std::numeric_limits<",
              scalar_type_name(t), ">::max(), but found to=", to, " and from=", from,
              " which result in to-from to exceed the limit");
  Generator& g = gen_or_default(gen);
  return fill_with(*this, "UniformBackward0",
                   [&](const Tensor& d) { kernels::uniform_kernel(d, from, to, g); });
}

Tensor& Tensor::normal_(double mean, double std, Generator* gen) {
  autograd::check_inplace(*this);
  const DType t = dtype();
  EMBER_CHECK(ember::is_floating_point(t), TypeError, "\"normal_kernel_cpu\" not implemented for '",
              scalar_type_name(t), "'");
  EMBER_CHECK(std >= 0.0, RuntimeError, "normal expects std >= 0.0, but found std ", std);
  Generator& g = gen_or_default(gen);
  return fill_with(*this, "NormalBackward0",
                   [&](const Tensor& d) { kernels::normal_kernel(d, mean, std, g); });
}

Tensor& Tensor::bernoulli_(double p, Generator* gen) {
  autograd::check_inplace(*this);
  EMBER_CHECK(p >= 0 && p <= 1, RuntimeError,
              "bernoulli_ expects p to be in [0, 1], but got p=", p);
  Generator& g = gen_or_default(gen);
  return fill_with(*this, "BernoulliBackward2",
                   [&](const Tensor& d) { kernels::bernoulli_scalar_kernel(d, p, g); });
}

Tensor& Tensor::random_(int64_t from, int64_t to, Generator* gen) {
  autograd::check_inplace(*this);
  EMBER_CHECK(from < to, RuntimeError,
              "random_ expects 'from' to be less than 'to', but got from=", from, " >= to=", to);
  const DType t = dtype();
  check_from_to_in_range(from, to - 1, t);
  if (ember::is_floating_point(t)) {
    from = update_from(t, from);
    to = update_to(t, to);
    EMBER_CHECK(from < to, RuntimeError,
                "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but "
                "got from=",
                from, " >= to=", to);
  }
  const uint64_t range = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
  Generator& g = gen_or_default(gen);
  return fill_with(*this, "RandomBackward0",
                   [&](const Tensor& d) { kernels::random_from_to_kernel(d, from, range, g); });
}

// ---- factories

Tensor rand(IntArrayRef sizes, const TensorOptions& options, Generator* gen) {
  return make_filled(sizes, options, [&](Tensor& d) { d.uniform_(0, 1, gen); });
}

Tensor randn(IntArrayRef sizes, const TensorOptions& options, Generator* gen) {
  return make_filled(sizes, options, [&](Tensor& d) { d.normal_(0, 1, gen); });
}

Tensor normal(double mean, double std, IntArrayRef sizes, const TensorOptions& options,
              Generator* gen) {
  return make_filled(sizes, options, [&](Tensor& d) { d.normal_(mean, std, gen); });
}

Tensor randint(int64_t low, int64_t high, IntArrayRef sizes, const TensorOptions& options,
               Generator* gen) {
  TensorOptions o = options;
  if (!o.dtype) o.dtype = kInt64;
  return make_filled(sizes, o, [&](Tensor& d) { d.random_(low, high, gen); });
}

Tensor randint(int64_t high, IntArrayRef sizes, const TensorOptions& options, Generator* gen) {
  return randint(0, high, sizes, options, gen);
}

Tensor randperm(int64_t n, const TensorOptions& options, Generator* gen) {
  EMBER_CHECK(n >= 0, RuntimeError, "Trying to create tensor with negative dimension ", n, ": [", n,
              "]");
  const DType t = options.dtype ? *options.dtype : kInt64;
  EMBER_CHECK(t != DType::Bool, TypeError, "\"randperm\" not implemented for '",
              scalar_type_name(t), "'");
  const int64_t last = n > 0 ? n - 1 : 0;
  switch (t) {
    case DType::UInt8:
    case DType::Int8:
    case DType::Int16:
    case DType::Int32:
      EMBER_CHECK(last <= int_range(t).second, RuntimeError, "value cannot be converted to type ",
                  t == DType::UInt8 ? "uint8_t" : "", t == DType::Int8 ? "int8_t" : "",
                  t == DType::Int16 ? "int16_t" : "", t == DType::Int32 ? "int32_t" : "",
                  " without overflow");
      break;
    case DType::Float16:
      EMBER_CHECK(n <= (int64_t{1} << 11) + 1, RuntimeError,
                  "n cannot be greater than 2049 for Half type.");
      break;
    case DType::Float32:
      EMBER_CHECK(n <= (int64_t{1} << 24) + 1, RuntimeError,
                  "n cannot be greater than 2^24+1 for Float type.");
      break;
    case DType::Float64:
      EMBER_CHECK(n <= (int64_t{1} << 53) + 1, RuntimeError,
                  "n cannot be greater than 2^53+1 for Double type.");
      break;
    default:
      break;
  }
  TensorOptions o = options;
  o.dtype = t;
  Generator& g = gen_or_default(gen);
  return make_filled({n}, o, [&](Tensor& d) {
    if (!d.is_meta() && n > 0) kernels::randperm_kernel(d, g);
  });
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  const DType t = p.dtype();
  EMBER_CHECK(ember::is_floating_point(t), TypeError,
              "\"bernoulli_tensor_cpu_p_\" not implemented for '", scalar_type_name(t), "'");
  Tensor out = empty_like(p);
  if (p.is_meta() || p.numel() == 0) return out;
  // Check every probability before drawing anything.
  const bool same_layout = p.is_non_overlapping_and_dense() && out.strides() == p.strides();
  const Tensor pd = same_layout ? p : p.contiguous();
  EMBER_CHECK(kernels::all_probabilities(pd), RuntimeError,
              "Expected p_in >= 0 && p_in <= 1 to be true, but got false.");
  Generator& g = gen_or_default(gen);
  if (same_layout || out.is_contiguous()) {
    kernels::bernoulli_tensor_kernel(out, pd, g);
  } else {
    Tensor tmp = empty(p.sizes(), {.dtype = t, .device = p.device()});
    kernels::bernoulli_tensor_kernel(tmp, pd, g);
    out.copy_(tmp);
  }
  return out;
}

Tensor rand_like(const Tensor& t, const LikeOptions& options, Generator* gen) {
  return make_like(t, options, [&](Tensor& d) { d.uniform_(0, 1, gen); });
}

Tensor randn_like(const Tensor& t, const LikeOptions& options, Generator* gen) {
  return make_like(t, options, [&](Tensor& d) { d.normal_(0, 1, gen); });
}

Tensor randint_like(const Tensor& t, int64_t high, const LikeOptions& options, Generator* gen) {
  return randint_like(t, 0, high, options, gen);
}

Tensor randint_like(const Tensor& t, int64_t low, int64_t high, const LikeOptions& options,
                    Generator* gen) {
  return make_like(t, options, [&](Tensor& d) { d.random_(low, high, gen); });
}

}  // namespace ember
