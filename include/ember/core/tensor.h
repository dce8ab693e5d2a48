#pragma once
// Tensor: a cheap, shared handle to a TensorImpl. Copying a Tensor copies the
// handle; views share storage. The methods mirror torch.Tensor's; they are
// implemented by the ops layer (src/ops/), each next to its free function.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/error.h"
#include "ember/core/memory_format.h"
#include "ember/core/removable_handle.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor_impl.h"
#include "ember/core/tensor_options.h"

namespace ember {

class Tensor;
class Generator;
namespace autograd {
class Node;
}
using TensorList = ArrayRef<Tensor>;

// A slice for Tensor::index: Slice(start, stop, step) with Python's defaults.
struct Slice {
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  Slice() = default;
  Slice(std::optional<int64_t> start_, std::optional<int64_t> stop_ = std::nullopt,
        int64_t step_ = 1)
      : start(start_), stop(stop_), step(step_) {}
};
struct Ellipsis {};
struct NewAxis {};  // None in Python indexing
inline constexpr Ellipsis kEllipsis{};
inline constexpr NewAxis kNone{};

// One entry of an index expression: an integer, a Slice, "...", or None.
class TensorIndex {
 public:
  enum class Kind { Int, Slice, Ellipsis, None };
  TensorIndex(int64_t i) : kind_(Kind::Int), i_(i) {}
  TensorIndex(int i) : kind_(Kind::Int), i_(i) {}
  TensorIndex(Slice s) : kind_(Kind::Slice), s_(s) {}
  TensorIndex(Ellipsis) : kind_(Kind::Ellipsis) {}
  TensorIndex(NewAxis) : kind_(Kind::None) {}
  Kind kind() const { return kind_; }
  int64_t integer() const { return i_; }
  const Slice& slice() const { return s_; }

 private:
  Kind kind_;
  int64_t i_ = 0;
  Slice s_;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(TensorImplPtr impl) : impl_(std::move(impl)) {}

  // ---- identity and metadata (core/tensor.cpp)
  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const TensorImplPtr& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  long use_count() const { return impl_.use_count(); }

  IntArrayRef sizes() const { return initialized()->sizes(); }
  IntArrayRef strides() const { return initialized("stride")->strides(); }
  IntArrayRef shape() const { return sizes(); }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return initialized("dim")->dim(); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return initialized("numel")->numel(); }
  DType dtype() const { return checked()->dtype(); }
  DType scalar_type() const { return dtype(); }
  Device device() const { return checked()->device(); }
  bool is_cpu() const { return device().is_cpu(); }
  bool is_meta() const { return device().is_meta(); }
  bool is_cuda() const { return device().is_cuda(); }
  bool is_floating_point() const { return ember::is_floating_point(dtype()); }
  bool is_signed() const { return ember::is_signed(dtype()); }
  size_t element_size() const { return element_size_of(dtype()); }
  size_t itemsize() const { return element_size(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  int64_t storage_offset() const { return initialized("storage_offset")->storage_offset(); }
  const StoragePtr& storage() const { return initialized("storage")->storage(); }
  TensorOptions options() const;

  bool is_contiguous(MemoryFormat fmt = MemoryFormat::Contiguous) const {
    return initialized("is_contiguous")->is_contiguous(fmt);
  }
  bool is_non_overlapping_and_dense() const {
    return initialized("is_non_overlapping_and_dense")->is_non_overlapping_and_dense();
  }
  // PyTorch's suggest_memory_format: ChannelsLast(3d) when the strides say so.
  MemoryFormat suggest_memory_format() const;

  // Raw and typed data access (throws for meta tensors; typed access checks dtype).
  void* data_ptr() const { return initialized("data_ptr")->data(); }
  template <typename T>
  T* data_ptr() const {
    check_dtype_access(dtype_of<T>);
    return static_cast<T*>(initialized("data_ptr")->data());
  }
  template <typename T>
  const T* const_data_ptr() const {
    return data_ptr<T>();
  }

  // ---- autograd (autograd/tensor_autograd.cpp), with torch.Tensor's semantics
  bool requires_grad() const {
    const TensorImpl* i = checked();
    return i->requires_grad() || (i->is_view() && i->view_base()->requires_grad());
  }
  // Only leaves may change the flag; only floating-point tensors may require grad.
  Tensor& requires_grad_(bool r = true);
  void set_requires_grad(bool r) { requires_grad_(r); }
  bool is_leaf() const;
  // The accumulated gradient (undefined until a backward reaches this leaf).
  const Tensor& grad() const;
  Tensor& mutable_grad() const;
  // x.grad = g (an undefined g resets it); g must match in shape, dtype and device.
  void set_grad(const Tensor& g) const;
  // The node that made this tensor (nullptr for leaves and tensors without history).
  std::shared_ptr<autograd::Node> grad_fn() const;
  uint32_t output_nr() const { return checked()->output_nr(); }
  // Keep .grad for a non-leaf during backward.
  void retain_grad() const;
  bool retains_grad() const;
  // Computes the gradient of this tensor w.r.t. the leaves of its graph and
  // accumulates it into their .grad (torch.Tensor.backward).
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, const std::vector<Tensor>& inputs = {}) const;
  // hook(grad) runs when this tensor's gradient is computed; returning a tensor
  // replaces the gradient (return nothing, or an undefined tensor, to keep it).
  template <typename F>
  RemovableHandle register_hook(F&& hook) const {
    if constexpr (std::is_void_v<std::invoke_result_t<F, const Tensor&>>) {
      return register_hook_impl([h = std::forward<F>(hook)](const Tensor& g) {
        h(g);
        return Tensor();
      });
    } else {
      return register_hook_impl(std::function<Tensor(const Tensor&)>(std::forward<F>(hook)));
    }
  }
  // hook(leaf) runs after a gradient has been accumulated into leaf.grad.
  RemovableHandle register_post_accumulate_grad_hook(std::function<void(Tensor&)> hook) const;
  // x.data: the same data without history, with its own version counter, so
  // that changes through it are invisible to autograd.
  Tensor data() const;
  // x.data = new_data: this tensor now holds new_data's storage and geometry,
  // keeping its own autograd identity.
  void set_data(const Tensor& new_data) const;
  uint32_t _version() const { return checked()->version(); }
  bool is_inference() const { return checked()->is_inference(); }
  bool is_view() const { return checked()->is_view(); }
  // The tensor this one is a view of (undefined if it is not a view).
  Tensor _base() const;

  // ---- element access (ops/copy.cpp)
  Scalar item() const;
  template <typename T>
  T item() const {
    return item().to<T>();
  }
  // Element at a multi-index, for tests and small programs.
  Scalar at(IntArrayRef index) const;
  // Copies the data out, converted to T, in logical (row-major) order.
  template <typename T>
  std::vector<T> tolist() const;

  // ---- copies and conversions (ops/copy.cpp)
  Tensor& copy_(const Tensor& src, bool non_blocking = false);
  Tensor to(DType dtype, bool non_blocking = false, bool copy = false,
            MemoryFormat fmt = MemoryFormat::Preserve) const;
  Tensor to(const Device& device, std::optional<DType> dtype = std::nullopt,
            bool non_blocking = false, bool copy = false,
            MemoryFormat fmt = MemoryFormat::Preserve) const;
  Tensor to(MemoryFormat fmt) const;
  Tensor to(const Tensor& other, bool non_blocking = false, bool copy = false) const;
  Tensor cpu() const { return to(kCPU); }
  Tensor float_() const { return to(kFloat32); }  // torch's .float()
  Tensor double_() const { return to(kFloat64); }
  Tensor half() const { return to(kFloat16); }
  Tensor bfloat16() const { return to(kBFloat16); }
  Tensor long_() const { return to(kInt64); }
  Tensor int_() const { return to(kInt32); }
  Tensor bool_() const { return to(kBool); }
  Tensor clone(MemoryFormat fmt = MemoryFormat::Preserve) const;
  Tensor contiguous(MemoryFormat fmt = MemoryFormat::Contiguous) const;
  Tensor& fill_(const Scalar& value);
  Tensor& fill_(const Tensor& value);  // 0-dim tensor
  Tensor& zero_();
  // Random fills (ops/random.cpp); gen = nullptr uses the default generator.
  Tensor& uniform_(double from = 0, double to = 1, Generator* gen = nullptr);
  Tensor& normal_(double mean = 0, double std = 1, Generator* gen = nullptr);
  Tensor& bernoulli_(double p = 0.5, Generator* gen = nullptr);
  Tensor& random_(int64_t from, int64_t to, Generator* gen = nullptr);  // integers in [from, to)
  // Resizes in place (storage grows as needed), PyTorch's resize_.
  Tensor& resize_(IntArrayRef sizes, std::optional<MemoryFormat> fmt = std::nullopt);
  Tensor detach() const;  // same storage, no autograd history
  Tensor& detach_();

  // ---- views (ops/view.cpp): all share storage with *this
  Tensor view(IntArrayRef sizes) const;
  Tensor view_as(const Tensor& other) const;
  Tensor reshape(IntArrayRef sizes) const;  // a view when the strides allow, else a copy
  Tensor reshape_as(const Tensor& other) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, IntArrayRef sizes) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor squeeze(IntArrayRef dims) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor permute(IntArrayRef dims) const;
  Tensor movedim(int64_t source, int64_t destination) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor mT() const;  // transpose of the last two dims
  Tensor expand(IntArrayRef sizes) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor slice(int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  Tensor as_strided(IntArrayRef sizes, IntArrayRef strides,
                    std::optional<int64_t> storage_offset = std::nullopt) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  // x[0, 1:3, ..., None] as x.index({0, Slice(1, 3), kEllipsis, kNone}).
  Tensor index(std::initializer_list<TensorIndex> indices) const;
  Tensor index(ArrayRef<TensorIndex> indices) const;
  Tensor operator[](int64_t i) const { return select(0, i); }

  // ---- elementwise (ops/unary.cpp, ops/binary.cpp, ops/compare.cpp)
  Tensor add(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor add(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor& add_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& add_(const Scalar& other, const Scalar& alpha = 1);
  Tensor sub(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor sub(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor& sub_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& sub_(const Scalar& other, const Scalar& alpha = 1);
  Tensor mul(const Tensor& other) const;
  Tensor mul(const Scalar& other) const;
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(const Scalar& other);
  // rounding_mode: "" (true division), "trunc" or "floor".
  Tensor div(const Tensor& other, const std::string& rounding_mode = "") const;
  Tensor div(const Scalar& other, const std::string& rounding_mode = "") const;
  Tensor& div_(const Tensor& other, const std::string& rounding_mode = "");
  Tensor& div_(const Scalar& other, const std::string& rounding_mode = "");
  Tensor remainder(const Tensor& other) const;
  Tensor remainder(const Scalar& other) const;
  Tensor fmod(const Tensor& other) const;
  Tensor fmod(const Scalar& other) const;
  Tensor floor_divide(const Tensor& other) const;
  Tensor floor_divide(const Scalar& other) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(const Scalar& exponent) const;
  Tensor& pow_(const Scalar& exponent);
  Tensor atan2(const Tensor& other) const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor lerp(const Tensor& end, const Scalar& weight) const;
  Tensor bitwise_and(const Tensor& other) const;
  Tensor bitwise_or(const Tensor& other) const;
  Tensor bitwise_xor(const Tensor& other) const;
  Tensor bitwise_not() const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor logical_not() const;
  Tensor eq(const Tensor& other) const;
  Tensor eq(const Scalar& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor ne(const Scalar& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor lt(const Scalar& other) const;
  Tensor le(const Tensor& other) const;
  Tensor le(const Scalar& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor gt(const Scalar& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor ge(const Scalar& other) const;
  bool equal(const Tensor& other) const;
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8,
                bool equal_nan = false) const;
  Tensor isclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8,
                 bool equal_nan = false) const;

  Tensor neg() const;
  Tensor& neg_();
  Tensor abs() const;
  Tensor& abs_();
  Tensor sqrt() const;
  Tensor& sqrt_();
  Tensor rsqrt() const;
  Tensor exp() const;
  Tensor& exp_();
  Tensor exp2() const;
  Tensor expm1() const;
  Tensor log() const;
  Tensor& log_();
  Tensor log2() const;
  Tensor log10() const;
  Tensor log1p() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tan() const;
  Tensor asin() const;
  Tensor acos() const;
  Tensor atan() const;
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor tanh() const;
  Tensor& tanh_();
  Tensor asinh() const;
  Tensor acosh() const;
  Tensor atanh() const;
  Tensor sigmoid() const;
  Tensor& sigmoid_();
  Tensor relu() const;
  Tensor& relu_();
  Tensor erf() const;
  Tensor erfc() const;
  Tensor erfinv() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;
  Tensor trunc() const;
  Tensor frac() const;
  Tensor sign() const;
  Tensor reciprocal() const;
  Tensor square() const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isfinite() const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp(const Tensor& min, const Tensor& max) const;
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor clamp_min(const Scalar& min) const;
  Tensor clamp_max(const Scalar& max) const;
  Tensor masked_fill(const Tensor& mask, const Scalar& value) const;
  Tensor& masked_fill_(const Tensor& mask, const Scalar& value);
  Tensor where(const Tensor& condition, const Tensor& other) const;  // condition ? *this : other

  // ---- reductions (ops/reduce.cpp). dtype: accumulate and return in this dtype.
  Tensor sum(std::optional<DType> dtype = std::nullopt) const;
  Tensor sum(IntArrayRef dims, bool keepdim = false,
             std::optional<DType> dtype = std::nullopt) const;
  Tensor mean(std::optional<DType> dtype = std::nullopt) const;
  Tensor mean(IntArrayRef dims, bool keepdim = false,
              std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(int64_t dim, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor amax(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor amin(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  // correction: 1 is Bessel's (unbiased) estimate, as torch.var's default.
  Tensor var(std::optional<std::vector<int64_t>> dims = std::nullopt, double correction = 1,
             bool keepdim = false) const;
  Tensor std(std::optional<std::vector<int64_t>> dims = std::nullopt, double correction = 1,
             bool keepdim = false) const;
  Tensor norm(const Scalar& p = 2, std::optional<std::vector<int64_t>> dims = std::nullopt,
              bool keepdim = false) const;
  Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(int64_t dim, bool keepdim = false) const;
  Tensor any() const;
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor softmax(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  Tensor log_softmax(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  Tensor cumsum(int64_t dim, std::optional<DType> dtype = std::nullopt) const;

  // ---- indexing, sorting (ops/index.cpp, ops/sort.cpp)
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_(int64_t dim, const Tensor& index, const Scalar& value);
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor& scatter_add_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha = 1) const;
  Tensor& index_add_(int64_t dim, const Tensor& index, const Tensor& source,
                     const Scalar& alpha = 1);
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true,
                                  bool sorted = true) const;
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false,
                                  bool stable = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false, bool stable = false) const;

  // ---- linear algebra (ops/linalg.cpp)
  Tensor mm(const Tensor& mat2) const;
  Tensor bmm(const Tensor& mat2) const;
  Tensor matmul(const Tensor& other) const;
  Tensor mv(const Tensor& vec) const;
  Tensor dot(const Tensor& other) const;
  Tensor addmm(const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
               const Scalar& alpha = 1) const;

  // ---- printing (ops/print.cpp): PyTorch's repr, "tensor([1., 2.])".
  std::string str() const;

 private:
  TensorImpl* checked() const {
    EMBER_CHECK(impl_, RuntimeError, "operation on an undefined tensor");
    return impl_.get();
  }
  // checked(), and an uninitialised (lazy) tensor's shape and data may not be
  // read: `what` names the accessor in torch's "Attempted to use an
  // uninitialized parameter in ..." ValueError; nullptr gives torch's "Can't
  // access the shape ..." RuntimeError. One predictable branch.
  TensorImpl* initialized(const char* what = nullptr) const {
    TensorImpl* i = checked();
    if (i->is_uninitialized()) [[unlikely]]
      throw_uninitialized(what);
    return i;
  }
  [[noreturn]] void throw_uninitialized(const char* what) const;
  static size_t element_size_of(DType t) { return ember::element_size(t); }
  void check_dtype_access(DType want) const;
  RemovableHandle register_hook_impl(std::function<Tensor(const Tensor&)> hook) const;

  TensorImplPtr impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Arithmetic and comparison operators, as in Python.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator%(const Tensor& a, const Tensor& b);
Tensor operator%(const Tensor& a, const Scalar& b);
Tensor operator-(const Tensor& a);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator~(const Tensor& a);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Scalar& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Scalar& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Scalar& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Scalar& b);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, const Scalar& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Scalar& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Scalar& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Scalar& b);

// Wraps a possibly negative dim into [0, ndim); IndexError as PyTorch words it.
int64_t wrap_dim(int64_t dim, int64_t ndim, bool wrap_scalar = true);

}  // namespace ember

namespace ember {
template <typename T>
std::vector<T> Tensor::tolist() const {
  Tensor c = to(dtype_of<T>).contiguous();
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}
}  // namespace ember
