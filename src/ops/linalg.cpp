// mm, bmm, matmul, addmm, baddbmm, mv, dot, linear: argument checks with
// PyTorch's wording, then one call of kernels::addmm_kernel on views of the
// operands (no copies: transposed operands reach BLAS through its flags).
#include "ember/ops/linalg.h"

#include <cstring>

#include "autograd/record.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/factory.h"
#include "kernels/cpu/gemm.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

void check_defined(const Tensor& t, const char* op, const char* arg) {
  EMBER_CHECK(t.defined(), RuntimeError, op, ": argument '", arg, "' is an undefined tensor");
}

// PyTorch's CPU kernels for these ops are not built for bool.
void check_not_bool(DType t, const char* kernel_name) {
  EMBER_CHECK(t != DType::Bool, TypeError, "\"", kernel_name, "\" not implemented for '",
              scalar_type_name(t), "'");
}

void check_scalar_type(const Tensor& expected, const Tensor& found) {
  EMBER_CHECK(expected.dtype() == found.dtype(), RuntimeError, "expected scalar type ",
              scalar_type_name(expected.dtype()), " but found ", scalar_type_name(found.dtype()));
}

// A checked product, ready to run: the result's shape, the kernel's views of
// the operands ((..., m, k) and (..., k, n)) and the shape (..., m, n) under
// which the kernel sees the result.
struct Plan {
  DimVector out_shape;
  DimVector kernel_shape;
  Tensor a, b;
  DType dtype;
  Device device;
  const char* kernel_name;            // for the bool error
  bool init_in_kernel_shape = false;  // `init` broadcasts to kernel_shape, not out_shape
};

// dst (fresh, contiguous) = src broadcast. A bias row repeated over the rows is
// a serial memcpy per row: it is O(m n) next to the product's O(m n k), and a
// parallel region of its own would cost a second thread fork/join per call.
void fill_from(Tensor dst, const Tensor& src) {
  const int64_t nd = dst.dim();
  if (dst.numel() == 0) return;
  if (nd >= 1 && src.dtype() == dst.dtype() && dst.is_contiguous()) {
    const Tensor s = src.expand(dst.sizes());
    bool row = s.stride(nd - 1) == 1 || dst.size(nd - 1) <= 1;
    for (int64_t d = 0; d + 1 < nd && row; ++d) row = s.stride(d) == 0 || dst.size(d) <= 1;
    if (row) {
      const int64_t n = dst.size(nd - 1), rows = n ? dst.numel() / n : 0;
      const size_t bytes = static_cast<size_t>(n) * dst.element_size();
      const char* from = static_cast<const char*>(s.data_ptr());
      char* to = static_cast<char*>(dst.data_ptr());
      for (int64_t r = 0; r < rows; ++r) std::memcpy(to + r * bytes, from, bytes);
      return;
    }
  }
  dst.copy_(src);
}

// Allocates the result, fills it with `init` (broadcast) when given, and runs
// out = beta * out + alpha * a @ b. Meta operands: the shape only.
Tensor run(const Plan& p, const Tensor* init = nullptr, const Scalar& beta = 0,
           const Scalar& alpha = 1) {
  Tensor out = empty(p.out_shape, {.dtype = p.dtype, .device = p.device});
  if (out.is_meta() || (init && init->is_meta())) return out;
  check_not_bool(p.dtype, p.kernel_name);
  const bool use_init = init && beta.to_double() != 0.0;
  Tensor kout = out.view(p.kernel_shape);
  if (use_init) fill_from(p.init_in_kernel_shape ? kout : out, *init);
  kernels::addmm_kernel(kout, p.a, p.b, use_init ? beta : Scalar(0), alpha);
  return out;
}

// ---- the checks of each op, as PyTorch orders them

Plan plan_mm(const Tensor& self, const Tensor& mat2) {
  check_defined(self, "mm", "self");
  check_defined(mat2, "mm", "mat2");
  ops::check_same_device("mm", {self, mat2});
  EMBER_CHECK(self.dim() == 2, RuntimeError, "self must be a matrix");
  EMBER_CHECK(mat2.dim() == 2, RuntimeError, "mat2 must be a matrix");
  EMBER_CHECK(self.dtype() == mat2.dtype(), RuntimeError,
              "expected mat1 and mat2 to have the same dtype, but got: ",
              typemeta_name(self.dtype()), " != ", typemeta_name(mat2.dtype()));
  EMBER_CHECK(self.size(1) == mat2.size(0), RuntimeError,
              "mat1 and mat2 shapes cannot be multiplied (", self.size(0), "x", self.size(1),
              " and ", mat2.size(0), "x", mat2.size(1), ")");
  const DimVector shape{self.size(0), mat2.size(1)};
  return {shape, shape, self, mat2, self.dtype(), self.device(), "addmm_impl_cpu_"};
}

Plan plan_mv(const Tensor& self, const Tensor& vec) {
  check_defined(self, "mv", "self");
  check_defined(vec, "mv", "vec");
  ops::check_same_device("mv", {self, vec});
  // PyTorch checks through addmv, whose `self` is the 1-D result.
  EMBER_CHECK(self.dim() == 2 && vec.dim() == 1, RuntimeError,
              "vector + matrix @ vector expected, got 1, ", self.dim(), ", ", vec.dim());
  EMBER_CHECK(self.size(1) == vec.size(0), RuntimeError, "size mismatch, got ", self.size(0), ", ",
              self.size(0), "x", self.size(1), ",", vec.size(0));
  check_scalar_type(self, vec);
  return {DimVector{self.size(0)},
          DimVector{self.size(0), 1},
          self,
          vec.unsqueeze(1),
          self.dtype(),
          self.device(),
          "addmv_impl_cpu"};
}

Plan plan_dot(const Tensor& self, const Tensor& other) {
  check_defined(self, "dot", "self");
  check_defined(other, "dot", "tensor");
  ops::check_same_device("dot", {self, other});
  EMBER_CHECK(self.dim() == 1 && other.dim() == 1, RuntimeError, "1D tensors expected, but got ",
              self.dim(), "D and ", other.dim(), "D tensors");
  EMBER_CHECK(self.dtype() == other.dtype(), RuntimeError,
              "dot : expected both vectors to have same dtype, but found ",
              scalar_type_name(self.dtype()), " and ", scalar_type_name(other.dtype()));
  EMBER_CHECK(self.numel() == other.numel(), RuntimeError,
              "inconsistent tensor size, expected tensor [", self.numel(), "] and src [",
              other.numel(), "] to have the same number of elements, but got ", self.numel(),
              " and ", other.numel(), " elements respectively");
  return {DimVector{},
          DimVector{1, 1},
          self.unsqueeze(0),
          other.unsqueeze(1),
          self.dtype(),
          self.device(),
          "dot"};
}

// bmm's checks on 3-D operands; `batch1`/`batch2` may be broadcast views.
Plan plan_bmm(const Tensor& batch1, const Tensor& batch2, const char* kernel_name = "bmm") {
  check_defined(batch1, "bmm", "self");
  check_defined(batch2, "bmm", "mat2");
  ops::check_same_device("bmm", {batch1, batch2});
  EMBER_CHECK(batch1.dim() == 3, RuntimeError, "batch1 must be a 3D tensor");
  EMBER_CHECK(batch2.dim() == 3, RuntimeError, "batch2 must be a 3D tensor");
  const int64_t bs = batch1.size(0), contraction = batch1.size(2);
  EMBER_CHECK(batch2.size(0) == bs && batch2.size(1) == contraction, RuntimeError,
              "Expected size for first two dimensions of batch2 tensor to be: [", bs, ", ",
              contraction, "] but got: [", batch2.size(0), ", ", batch2.size(1), "].");
  check_scalar_type(batch1, batch2);
  const DimVector shape{bs, batch1.size(1), batch2.size(2)};
  return {shape, shape, batch1, batch2, batch1.dtype(), batch1.device(), kernel_name};
}

int64_t product(IntArrayRef s) {
  int64_t n = 1;
  for (auto v : s) n *= v;
  return n;
}

// PyTorch's should_fold (no autograd here): the larger operand, transposed if it
// is the right one, can be viewed as one (batch * rows) x cols matrix, so a
// single mm or mv does the whole product. Size-1 dims do not block the view.
bool should_fold(const Tensor& t1, const Tensor& t2) {
  const bool t1_larger = t1.dim() >= t2.dim();
  const Tensor big = t1_larger ? t1 : t2.mT();
  const int64_t dim_big = big.dim();
  const int64_t dim_small = t1_larger ? t2.dim() : t1.dim();
  if (!(dim_big >= 3 && dim_small <= 2)) return false;
  // 2-D @ N-D would need the result transposed and copied: batched instead.
  if (t1.dim() == 2) return false;
  if (big.numel() == 0) return true;
  // dims 0 .. dim_big - 2 must merge into one: each stride = next stride * next size.
  int64_t expected = -1;
  for (int64_t i = dim_big - 2; i >= 0; --i) {
    if (big.size(i) == 1) continue;
    if (expected >= 0 && big.stride(i) != expected) return false;
    expected = big.stride(i) * big.size(i);
  }
  return true;
}

Plan plan_matmul(const Tensor& t1, const Tensor& t2) {
  check_defined(t1, "matmul", "self");
  check_defined(t2, "matmul", "other");
  const int64_t d1 = t1.dim(), d2 = t2.dim();
  EMBER_CHECK(d1 != 0 && d2 != 0, RuntimeError,
              "both arguments to matmul need to be at least 1D, but they are ", d1, "D and ", d2,
              "D");
  if (d1 == 1 && d2 == 1) return plan_dot(t1, t2);
  if (d1 == 2 && d2 == 1) return plan_mv(t1, t2);
  if (d1 == 1 && d2 == 2) {
    Plan p = plan_mm(t1.unsqueeze(0), t2);
    p.out_shape = DimVector{t2.size(1)};
    return p;
  }
  if (d1 == 2 && d2 == 2) return plan_mm(t1, t2);
  if (should_fold(t1, t2)) {
    // Fold the batch of the larger operand into its rows: one mm / mv.
    const bool transpose = d2 > d1;  // only 1-D @ N-D here (see should_fold)
    const Tensor big = transpose ? t2.mT() : t1;
    const Tensor small = transpose ? t1 : t2;
    IntArrayRef sizes = big.sizes();
    DimVector out_shape(sizes.begin(), sizes.end() - 1);
    const int64_t rows = product(out_shape);
    if (small.dim() == 2) out_shape.push_back(small.size(1));
    // Not view(-1, k): the -1 is ambiguous when k is 0.
    const Tensor folded = big.reshape({rows, sizes.back()});
    Plan p = small.dim() == 2 ? plan_mm(folded, small) : plan_mv(folded, small);
    p.out_shape = out_shape;
    return p;
  }
  // Batched: broadcast the batch dims, run every product of the batch (the
  // kernel takes the broadcast views as they are, without materialising them).
  ops::check_same_device("matmul", {t1, t2});
  const int64_t n = d1 > 1 ? t1.size(-2) : 1;
  const int64_t m1 = t1.size(-1);
  const IntArrayRef batch1 = t1.sizes().slice(0, std::max<int64_t>(d1 - 2, 0));
  const int64_t m2 = d2 > 1 ? t2.size(-2) : t2.size(0);
  const int64_t p = d2 > 1 ? t2.size(-1) : 1;
  const IntArrayRef batch2 = t2.sizes().slice(0, std::max<int64_t>(d2 - 2, 0));
  const DimVector batch = ops::broadcast_shapes(batch1, batch2);
  const int64_t bs = product(batch);
  EMBER_CHECK(m1 == m2, RuntimeError,
              "Expected size for first two dimensions of batch2 tensor to be: [", bs, ", ", m1,
              "] but got: [", bs, ", ", m2, "].");
  check_scalar_type(t1, t2);

  DimVector s1(batch), s2(batch), kshape(batch), out_shape(batch);
  s1.push_back(n);
  s1.push_back(m1);
  s2.push_back(m2);
  if (d2 > 1) s2.push_back(p);
  kshape.push_back(n);
  kshape.push_back(p);
  if (d1 > 1) out_shape.push_back(n);
  if (d2 > 1) out_shape.push_back(p);
  Tensor a = t1.expand(s1);
  Tensor b = d2 == 1 ? t2.expand(s2).unsqueeze(-1) : t2.expand(s2);
  return {out_shape, kshape, a, b, t1.dtype(), t1.device(), "bmm"};
}

// addmm's checks (PyTorch's order: dtypes, dims, shapes, then self's broadcast).
Plan plan_addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, Tensor& self_expanded) {
  check_defined(self, "addmm", "self");
  check_defined(mat1, "addmm", "mat1");
  check_defined(mat2, "addmm", "mat2");
  ops::check_same_device("addmm", {self, mat1, mat2});
  EMBER_CHECK(self.dtype() == mat2.dtype(), RuntimeError,
              "self and mat2 must have the same dtype, but got ", scalar_type_name(self.dtype()),
              " and ", scalar_type_name(mat2.dtype()));
  EMBER_CHECK(mat1.dtype() == mat2.dtype(), RuntimeError,
              "mat1 and mat2 must have the same dtype, but got ", scalar_type_name(mat1.dtype()),
              " and ", scalar_type_name(mat2.dtype()));
  EMBER_CHECK(mat1.dim() == 2, RuntimeError, "mat1 must be a matrix, got ", mat1.dim(),
              "-D tensor");
  EMBER_CHECK(mat2.dim() == 2, RuntimeError, "mat2 must be a matrix, got ", mat2.dim(),
              "-D tensor");
  EMBER_CHECK(mat1.size(1) == mat2.size(0), RuntimeError,
              "mat1 and mat2 shapes cannot be multiplied (", mat1.size(0), "x", mat1.size(1),
              " and ", mat2.size(0), "x", mat2.size(1), ")");
  const DimVector shape{mat1.size(0), mat2.size(1)};
  self_expanded = self.expand(shape);
  return {shape, shape, mat1, mat2, mat1.dtype(), mat1.device(), "addmm_impl_cpu_"};
}

// ---- autograd

using autograd::FormulaNodeBase;
using autograd::variable_list;

bool is_one(const Scalar& s) {
  return s.is_floating_point() ? s.to_double() == 1.0 : s.to_long() == 1;
}
Tensor maybe_multiply(const Tensor& t, const Scalar& s) { return is_one(s) ? t : t * s; }

// A matrix stored column by column (the transpose of a contiguous one).
bool is_column_major(const Tensor& t) {
  return t.dim() == 2 && t.stride(0) == 1 && t.stride(1) == t.size(0);
}

// Gradients of mat1 @ mat2 (PyTorch's mm_mat1_backward / mm_mat2_backward):
// products of transposed views (BLAS reads them through its flags, nothing is
// copied), laid out as the input was, so a column-major input (a weight seen
// through .t()) gets a column-major gradient and its .grad needs no copy.
Tensor mm_mat1_grad(const Tensor& g, const Tensor& mat2, bool mat1_column_major,
                    const Scalar& alpha) {
  if (mat1_column_major) return maybe_multiply(mat2.mm(g.t()).t(), alpha);
  return maybe_multiply(g.mm(mat2.t()), alpha);
}
Tensor mm_mat2_grad(const Tensor& g, const Tensor& mat1, bool mat2_column_major,
                    const Scalar& alpha) {
  if (mat2_column_major) return maybe_multiply(g.t().mm(mat1).t(), alpha);
  return maybe_multiply(mat1.t().mm(g), alpha);
}

// The inputs a product's gradients read: a's gradient needs b and b's needs a.
template <typename NodePtr>
void save_operands(const NodePtr& node, const Tensor& a, const Tensor& b) {
  node->save(autograd::requires_grad(a) ? b : Tensor());
  node->save(autograd::requires_grad(b) ? a : Tensor());
}

// mat1 @ mat2 as PyTorch's mm / addmm record it; `bias` (addmm's self) may be undefined.
Tensor mm_rec(const Tensor* bias, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
              const Scalar& alpha) {
  auto impl = [&] {
    if (!bias) return run(plan_mm(mat1, mat2));
    Tensor init;
    Plan p = plan_addmm(*bias, mat1, mat2, init);
    return run(p, &init, beta, alpha);
  };
  const bool record =
      bias ? autograd::grad_needed(*bias, mat1, mat2) : autograd::grad_needed(mat1, mat2);
  if (!record) return impl();
  Tensor out = autograd::untracked(impl);
  const bool cm1 = is_column_major(mat1), cm2 = is_column_major(mat2);
  std::shared_ptr<FormulaNodeBase> node;
  if (!bias) {
    node = autograd::make_node(
        "MmBackward0",
        [cm1, cm2](FormulaNodeBase& n, variable_list& g) {
          return variable_list{
              n.needs_input_grad(0) ? mm_mat1_grad(g[0], n.saved(0), cm1, 1) : Tensor(),
              n.needs_input_grad(1) ? mm_mat2_grad(g[0], n.saved(1), cm2, 1) : Tensor()};
        },
        mat1, mat2);
  } else {
    // self's gradient is beta g at the product's shape: the engine sums it
    // down to self's (a bias row gets g summed over the batch).
    node = autograd::make_node(
        "AddmmBackward0",
        [cm1, cm2, beta, alpha](FormulaNodeBase& n, variable_list& g) {
          return variable_list{
              n.needs_input_grad(0) ? maybe_multiply(g[0], beta) : Tensor(),
              n.needs_input_grad(1) ? mm_mat1_grad(g[0], n.saved(0), cm1, alpha) : Tensor(),
              n.needs_input_grad(2) ? mm_mat2_grad(g[0], n.saved(1), cm2, alpha) : Tensor()};
        },
        *bias, mat1, mat2);
  }
  save_operands(node, mat1, mat2);
  autograd::set_history(out, node);
  return out;
}

// batch1 @ batch2 (BmmBackward0) or beta self + alpha batch1 @ batch2 (BaddbmmBackward0).
Tensor bmm_rec(const Tensor* self, const Tensor& b1, const Tensor& b2, const Scalar& beta,
               const Scalar& alpha) {
  auto impl = [&] {
    if (!self) return run(plan_bmm(b1, b2));
    check_defined(*self, "baddbmm", "self");
    Plan p = plan_bmm(b1, b2, "baddbmm");
    ops::check_same_device("baddbmm", {*self, b1});
    check_scalar_type(b1, *self);
    Tensor init = self->expand(p.out_shape);
    return run(p, &init, beta, alpha);
  };
  const bool record = self ? autograd::grad_needed(*self, b1, b2) : autograd::grad_needed(b1, b2);
  if (!record) return impl();
  Tensor out = autograd::untracked(impl);
  std::shared_ptr<FormulaNodeBase> node;
  if (!self) {
    node = autograd::make_node(
        "BmmBackward0",
        [](FormulaNodeBase& n, variable_list& g) {
          return variable_list{n.needs_input_grad(0) ? g[0].bmm(n.saved(0).mT()) : Tensor(),
                               n.needs_input_grad(1) ? n.saved(1).mT().bmm(g[0]) : Tensor()};
        },
        b1, b2);
  } else {
    node = autograd::make_node(
        "BaddbmmBackward0",
        [beta, alpha](FormulaNodeBase& n, variable_list& g) {
          return variable_list{
              n.needs_input_grad(0) ? maybe_multiply(g[0], beta) : Tensor(),
              n.needs_input_grad(1) ? maybe_multiply(g[0].bmm(n.saved(0).mT()), alpha) : Tensor(),
              n.needs_input_grad(2) ? maybe_multiply(n.saved(1).mT().bmm(g[0]), alpha) : Tensor()};
        },
        *self, b1, b2);
  }
  save_operands(node, b1, b2);
  autograd::set_history(out, node);
  return out;
}

// t (contiguous, fresh: nobody else holds it) with a new shape, sharing its
// storage but not tracked as a view of it: PyTorch's _unsafe_view, which
// matmul's results go through, so that an in-place op on the result is an
// ordinary in-place op (no CopySlices). Recorded as `name` (UnsafeViewBackward0,
// or SqueezeBackward3 for the squeeze_ PyTorch does on 1-D @ 2-D).
Tensor unsafe_view(const Tensor& t, IntArrayRef shape, const char* name = "UnsafeViewBackward0") {
  DimVector strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  Tensor out(
      std::make_shared<TensorImpl>(t.storage(), t.dtype(), shape, strides, t.storage_offset()));
  if (!autograd::grad_needed(t)) return out;
  const DimVector in_shape(t.sizes());
  auto node = autograd::make_node(
      name,
      [in_shape](FormulaNodeBase&, variable_list& g) {
        return variable_list{g[0].reshape(in_shape)};
      },
      t);
  autograd::set_history(out, node);
  return out;
}

// torch.matmul with autograd, as PyTorch composes it: dot, mv, mm, a folded
// mm / mv, or a batched bmm, with views and reshapes around them, so the
// graph is made of those ops' nodes.
Tensor matmul_composite(const Tensor& t1, const Tensor& t2) {
  // PyTorch's checks and messages (the plan's views are not recorded).
  autograd::untracked([&] { return plan_matmul(t1, t2); });
  const int64_t d1 = t1.dim(), d2 = t2.dim();
  if (d1 == 1 && d2 == 1) return dot(t1, t2);
  if (d1 == 2 && d2 == 1) return mv(t1, t2);
  if (d1 == 1 && d2 == 2)
    return unsafe_view(mm(t1.unsqueeze(0), t2), {t2.size(1)}, "SqueezeBackward3");
  if (d1 == 2 && d2 == 2) return mm(t1, t2);
  if (d1 >= 3 && d2 <= 2) {
    // Fold t1's batch into its rows: one mm / mv.
    IntArrayRef sizes = t1.sizes();
    DimVector out_shape(sizes.begin(), sizes.end() - 1);
    const Tensor folded = t1.reshape({product(out_shape), sizes.back()});
    if (d2 == 1) return unsafe_view(mv(folded, t2), out_shape);
    out_shape.push_back(t2.size(1));
    return unsafe_view(mm(folded, t2), out_shape);
  }
  // Batched: broadcast the batch dims, flatten them, one bmm.
  const int64_t n = d1 > 1 ? t1.size(-2) : 1, m1 = t1.size(-1);
  const int64_t m2 = d2 > 1 ? t2.size(-2) : t2.size(0), p = d2 > 1 ? t2.size(-1) : 1;
  const DimVector batch = ops::broadcast_shapes(t1.sizes().slice(0, std::max<int64_t>(d1 - 2, 0)),
                                                t2.sizes().slice(0, std::max<int64_t>(d2 - 2, 0)));
  const int64_t bs = product(batch);
  DimVector s1(batch), s2(batch), out_shape(batch);
  s1.push_back(n);
  s1.push_back(m1);
  s2.push_back(m2);
  s2.push_back(p);
  if (d1 > 1) out_shape.push_back(n);
  if (d2 > 1) out_shape.push_back(p);
  const Tensor a = t1.expand(s1).reshape({bs, n, m1});
  const Tensor b = (d2 == 1 ? t2.unsqueeze(-1) : t2).expand(s2).reshape({bs, m2, p});
  return unsafe_view(bmm(a, b), out_shape);
}

}  // namespace

Tensor mm(const Tensor& self, const Tensor& mat2) { return mm_rec(nullptr, self, mat2, 0, 1); }

Tensor bmm(const Tensor& self, const Tensor& mat2) { return bmm_rec(nullptr, self, mat2, 0, 1); }

Tensor matmul(const Tensor& self, const Tensor& other) {
  if (autograd::grad_needed(self, other)) return matmul_composite(self, other);
  return run(plan_matmul(self, other));
}

Tensor mv(const Tensor& self, const Tensor& vec) {
  if (!autograd::grad_needed(self, vec)) return run(plan_mv(self, vec));
  Tensor out = autograd::untracked([&] { return run(plan_mv(self, vec)); });
  auto node = autograd::make_node(
      "MvBackward0",
      [](FormulaNodeBase& n, variable_list& g) {
        // self: the outer product g vec^T; vec: self^T g.
        return variable_list{n.needs_input_grad(0) ? g[0].unsqueeze(1) * n.saved(0) : Tensor(),
                             n.needs_input_grad(1) ? n.saved(1).t().mv(g[0]) : Tensor()};
      },
      self, vec);
  save_operands(node, self, vec);
  autograd::set_history(out, node);
  return out;
}

Tensor dot(const Tensor& self, const Tensor& other) {
  if (!autograd::grad_needed(self, other)) return run(plan_dot(self, other));
  Tensor out = autograd::untracked([&] { return run(plan_dot(self, other)); });
  auto node = autograd::make_node(
      "DotBackward0",
      [](FormulaNodeBase& n, variable_list& g) {
        return variable_list{n.needs_input_grad(0) ? g[0] * n.saved(0) : Tensor(),
                             n.needs_input_grad(1) ? g[0] * n.saved(1) : Tensor()};
      },
      self, other);
  save_operands(node, self, other);
  autograd::set_history(out, node);
  return out;
}

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  return mm_rec(&self, mat1, mat2, beta, alpha);
}

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
               const Scalar& alpha) {
  return bmm_rec(&self, batch1, batch2, beta, alpha);
}

namespace {

// linear with autograd, composed as PyTorch composes it: addmm for a 2-D (or
// contiguous 3-D, flattened) input with a bias (AddmmBackward0, one fused
// product), matmul without a bias (MmBackward0 for 2-D), else matmul then an
// in-place bias add (AddBackward0).
Tensor linear_composite(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  const Tensor wt = weight.t();
  if (!bias.defined()) return matmul(input, wt);
  if (input.dim() == 2) return addmm(bias, input, wt);
  if (input.dim() == 3 && input.is_contiguous() && wt.dim() == 2) {
    const Tensor flat = input.view({input.size(0) * input.size(1), input.size(2)});
    return addmm(bias, flat, wt).view({input.size(0), input.size(1), wt.size(1)});
  }
  Tensor out = matmul(input, wt);
  ops::check_same_device("linear", {input, bias});
  out.add_(bias);
  return out;
}

}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias_opt) {
  check_defined(input, "linear", "input");
  check_defined(weight, "linear", "weight");
  const bool has_bias = bias_opt && bias_opt->defined();
  if (autograd::grad_needed(input, weight, has_bias ? *bias_opt : Tensor()))
    return linear_composite(input, weight, has_bias ? *bias_opt : Tensor());
  const Tensor wt = weight.t();  // a view: BLAS reads weight as W^T through its flag
  if (!has_bias) return matmul(input, wt);
  const Tensor& bias = *bias_opt;
  // As PyTorch: 2-D input (and contiguous 3-D input, folded to 2-D) is addmm(bias, x, W^T).
  if (input.dim() == 2) return addmm(bias, input, wt);
  if (input.dim() == 3 && input.is_contiguous() && wt.dim() == 2) {
    Tensor init;
    Plan p = plan_addmm(bias, input.view({input.size(0) * input.size(1), input.size(2)}), wt, init);
    p.out_shape = DimVector{input.size(0), input.size(1), wt.size(1)};
    p.init_in_kernel_shape = true;
    return run(p, &init, 1, 1);
  }
  // Otherwise matmul(x, W^T).add_(bias): bias must broadcast into the result,
  // which it initialises (beta = 1) instead of a separate pass.
  Plan p = plan_matmul(input, wt);
  ops::check_same_device("linear", {input, bias});
  const DimVector bshape = ops::broadcast_shapes(p.out_shape, bias.sizes());
  EMBER_CHECK(bshape == p.out_shape, RuntimeError, "output with shape ", IntArrayRef(p.out_shape),
              " doesn't match the broadcast shape ", IntArrayRef(bshape));
  EMBER_CHECK(ops::can_cast(bias.dtype(), p.dtype), RuntimeError, "result type ",
              scalar_type_name(bias.dtype()), " can't be cast to the desired output type ",
              scalar_type_name(p.dtype));
  return run(p, &bias, 1, 1);
}

// ---- Tensor methods

Tensor Tensor::mm(const Tensor& mat2) const { return ember::mm(*this, mat2); }
Tensor Tensor::bmm(const Tensor& mat2) const { return ember::bmm(*this, mat2); }
Tensor Tensor::matmul(const Tensor& other) const { return ember::matmul(*this, other); }
Tensor Tensor::mv(const Tensor& vec) const { return ember::mv(*this, vec); }
Tensor Tensor::dot(const Tensor& other) const { return ember::dot(*this, other); }
Tensor Tensor::addmm(const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
                     const Scalar& alpha) const {
  return ember::addmm(*this, mat1, mat2, beta, alpha);
}

}  // namespace ember
