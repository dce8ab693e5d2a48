// Views: sizes, strides and storage offsets as PyTorch computes them, storage
// sharing (writes through a view reach the base), and each error with its message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using I64 = std::vector<int64_t>;

namespace {

I64 vec(IntArrayRef a) { return a.vec(); }
std::vector<double> vals(const Tensor& t) { return t.tolist<double>(); }
// 0, 1, ..., n-1 as float32.
Tensor farange(int64_t n) { return arange(0, n, 1, {.dtype = kFloat32}); }
// A 2x3x4 float tensor holding 0..23.
Tensor base234() { return farange(24).view({2, 3, 4}); }

// Checks sizes, strides, offset and that the view aliases `base`'s storage.
void expect_view(const Tensor& v, const Tensor& base, const I64& sizes, const I64& strides,
                 int64_t offset) {
  EXPECT_EQ(vec(v.sizes()), sizes);
  EXPECT_EQ(vec(v.strides()), strides);
  EXPECT_EQ(v.storage_offset(), offset);
  EXPECT_EQ(v.storage().get(), base.storage().get());
}

}  // namespace

TEST(View, ViewInfersMinusOne) {
  Tensor x = base234();
  Tensor v = x.view({-1, 4});
  expect_view(v, x, {6, 4}, {4, 1}, 0);
  expect_view(x.view({4, -1}), x, {4, 6}, {6, 1}, 0);
  expect_view(x.view({24}), x, {24}, {1}, 0);
  expect_view(x.view({2, 1, 12, 1}), x, {2, 1, 12, 1}, {12, 12, 1, 1}, 0);
  // A 0-dim tensor views as any shape of one element with unit strides.
  Tensor s = full({}, 5.0);
  expect_view(s.view({1, 1}), s, {1, 1}, {1, 1}, 0);
  expect_view(s.view({-1}), s, {1}, {1}, 0);
  Tensor one = farange(1);
  expect_view(one.view({}), one, {}, {}, 0);
}

TEST(View, ViewWritesThrough) {
  Tensor x = base234();
  Tensor v = x.view({6, 4});
  v.select(0, 5).fill_(-1.0);
  EXPECT_EQ(x.at({1, 2, 3}).to_double(), -1.0);
  EXPECT_EQ(x.at({1, 2, 0}).to_double(), -1.0);
  EXPECT_EQ(x.at({1, 1, 3}).to_double(), 19.0);
}

TEST(View, ViewOfNonContiguousWhenStridesAllow) {
  // [2, 6] with every second column: [2, 3] @ [6, 2] still views as [6] @ [2].
  Tensor x = farange(12).view({2, 6});
  Tensor s = x.slice(1, 0, std::nullopt, 2);
  expect_view(s, x, {2, 3}, {6, 2}, 0);
  expect_view(s.view({6}), x, {6}, {2}, 0);
  expect_view(s.view({2, 3, 1}), x, {2, 3, 1}, {6, 2, 2}, 0);
  EXPECT_EQ(vals(s.view({6})), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  // Splitting and merging dims inside one contiguous chunk of a permuted tensor.
  Tensor p = farange(24).view({4, 2, 3}).slice(0, 1).permute({1, 0, 2});  // [2,3,3] @ [3,6,1]
  expect_view(p, p, {2, 3, 3}, {3, 6, 1}, 6);
  expect_view(p.view({2, 3, 3, 1}), p, {2, 3, 3, 1}, {3, 6, 1, 1}, 6);
  EXPECT_THROW(p.view({2, 9}), RuntimeError);
}

TEST(View, ViewErrors) {
  Tensor x = farange(6).view({2, 3});
  EXPECT_THROW_MSG(x.view({2, 5}), RuntimeError, "shape '[2, 5]' is invalid for input of size 6");
  EXPECT_THROW_MSG(x.t().view({6}), RuntimeError,
                   "view size is not compatible with input tensor's size and stride (at least one "
                   "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  EXPECT_THROW_MSG(x.view({-1, -1}), RuntimeError, "only one dimension can be inferred");
  EXPECT_THROW_MSG(x.view({-2, 3}), RuntimeError, "invalid shape dimension -2");
  EXPECT_THROW_MSG(x.view({4, -1}), RuntimeError, "shape '[4, -1]' is invalid for input of size 6");
  EXPECT_THROW_MSG(zeros({0, 3}).view({-1, 0}), RuntimeError,
                   "cannot reshape tensor of 0 elements into shape [-1, 0] because the "
                   "unspecified dimension size -1 can be any value and is ambiguous");
  EXPECT_THROW_MSG(farange(3).view({2, 3}), RuntimeError,
                   "shape '[2, 3]' is invalid for input of size 3");
}

TEST(View, ViewAsAndReshapeAs) {
  Tensor x = farange(6);
  Tensor other = zeros({3, 2});
  expect_view(x.view_as(other), x, {3, 2}, {2, 1}, 0);
  expect_view(x.reshape_as(other), x, {3, 2}, {2, 1}, 0);
}

TEST(View, ReshapeViewsOrCopies) {
  Tensor x = farange(6).view({2, 3});
  Tensor r = x.reshape({3, 2});
  expect_view(r, x, {3, 2}, {2, 1}, 0);
  // Transposed: no view possible, so reshape copies (new storage, contiguous).
  Tensor t = x.t();
  Tensor c = t.reshape({6});
  EXPECT_NE(c.storage().get(), x.storage().get());
  EXPECT_EQ(vec(c.strides()), I64{1});
  EXPECT_EQ(c.storage_offset(), 0);
  EXPECT_EQ(vals(c), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  c.fill_(9.0);
  EXPECT_EQ(x.at({0, 0}).to_double(), 0.0);  // the copy does not alias
  EXPECT_THROW_MSG(x.reshape({4, 2}), RuntimeError,
                   "shape '[4, 2]' is invalid for input of size 6");
  // Slicing the batch of a permuted tensor still reshapes as a view where it can.
  Tensor p = zeros({4, 2, 3}).slice(0, 1).permute({1, 0, 2});  // [2, 3, 3] @ [3, 6, 1]
  Tensor a = p.reshape({2, 9});
  EXPECT_EQ(vec(a.strides()), (I64{9, 1}));  // copy: the 3x3 block is not one chunk
  EXPECT_NE(a.storage().get(), p.storage().get());
  Tensor b = p.reshape({2, 3, 3});
  expect_view(b, p, {2, 3, 3}, {3, 6, 1}, 6);
}

TEST(View, Flatten) {
  Tensor x = base234();
  expect_view(x.flatten(), x, {24}, {1}, 0);
  expect_view(x.flatten(1), x, {2, 12}, {12, 1}, 0);
  expect_view(x.flatten(0, 1), x, {6, 4}, {4, 1}, 0);
  expect_view(x.flatten(-2, -1), x, {2, 12}, {12, 1}, 0);
  EXPECT_TRUE(x.flatten(1, 1).is_same(x));  // start == end returns self
  // Transposed inner dims: flatten(0, 1) can view, flatten(1) must copy.
  Tensor t = base234().transpose(1, 2);  // [2, 4, 3] @ [12, 1, 4]
  EXPECT_EQ(vec(t.flatten(0, 1).strides()), (I64{3, 1}));
  EXPECT_NE(t.flatten(0, 1).storage().get(), t.storage().get());
  Tensor f = t.flatten(1);
  EXPECT_EQ(vec(f.strides()), (I64{12, 1}));
  EXPECT_NE(f.storage().get(), t.storage().get());
  // 0-dim flattens to [1].
  Tensor s = full({}, 2.0);
  EXPECT_EQ(vec(s.flatten().sizes()), I64{1});
  EXPECT_EQ(vec(s.flatten(0, -1).sizes()), I64{1});
  EXPECT_THROW_MSG(x.flatten(2, 1), RuntimeError,
                   "flatten() has invalid args: start_dim cannot come after end_dim");
  EXPECT_THROW_MSG(x.flatten(3), IndexError,
                   "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
}

TEST(View, Unflatten) {
  Tensor x = farange(12).view({2, 6});
  expect_view(x.unflatten(1, {2, 3}), x, {2, 2, 3}, {6, 3, 1}, 0);
  expect_view(x.unflatten(1, {-1, 3}), x, {2, 2, 3}, {6, 3, 1}, 0);
  expect_view(x.unflatten(-1, {6, 1}), x, {2, 6, 1}, {6, 1, 1}, 0);
  expect_view(x.unflatten(0, {1, 2}), x, {1, 2, 6}, {12, 6, 1}, 0);
  EXPECT_THROW_MSG(zeros({2, 3}).unflatten(1, {2, 5}), RuntimeError,
                   "unflatten: Provided sizes [2, 5] don't multiply up to the size of dim 1 (3) "
                   "in the input tensor");
  EXPECT_THROW_MSG(x.unflatten(1, {-1, 5}), RuntimeError,
                   "unflatten: Provided sizes [-1, 5] don't multiply up to the size of dim 1 (6)");
  EXPECT_THROW_MSG(x.unflatten(1, {}), RuntimeError, "unflatten: sizes must be non-empty");
  EXPECT_THROW_MSG(x.unflatten(2, {1, 6}), IndexError, "Dimension out of range");
  EXPECT_THROW_MSG(full({}, 1.0).unflatten(0, {1}), IndexError,
                   "Dimension specified as 0 but tensor has no dimensions");
}

TEST(View, Squeeze) {
  Tensor x = zeros({3, 1, 4, 1});
  expect_view(x.squeeze(), x, {3, 4}, {4, 1}, 0);
  expect_view(x.squeeze(1), x, {3, 4, 1}, {4, 1, 1}, 0);
  expect_view(x.squeeze(0), x, {3, 1, 4, 1}, {4, 4, 1, 1}, 0);  // size 3: unchanged
  expect_view(x.squeeze(-1), x, {3, 1, 4}, {4, 4, 1}, 0);
  expect_view(x.squeeze(I64{1, 3}), x, {3, 4}, {4, 1}, 0);
  expect_view(x.squeeze(I64{0, -1}), x, {3, 1, 4}, {4, 4, 1}, 0);
  Tensor s = full({}, 1.0);
  EXPECT_EQ(s.squeeze().dim(), 0);
  EXPECT_EQ(s.squeeze(0).dim(), 0);
  EXPECT_EQ(s.squeeze(-1).dim(), 0);
  EXPECT_THROW_MSG(s.squeeze(1), IndexError,
                   "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  EXPECT_THROW_MSG(x.squeeze(4), IndexError,
                   "Dimension out of range (expected to be in range of [-4, 3], but got 4)");
  EXPECT_THROW_MSG(x.squeeze(I64{1, 1}), RuntimeError, "dim 1 appears multiple times");
}

TEST(View, Unsqueeze) {
  Tensor x = farange(6).view({2, 3});
  expect_view(x.unsqueeze(0), x, {1, 2, 3}, {6, 3, 1}, 0);
  expect_view(x.unsqueeze(1), x, {2, 1, 3}, {3, 3, 1}, 0);
  expect_view(x.unsqueeze(2), x, {2, 3, 1}, {3, 1, 1}, 0);
  expect_view(x.unsqueeze(-1), x, {2, 3, 1}, {3, 1, 1}, 0);
  expect_view(x.unsqueeze(-3), x, {1, 2, 3}, {6, 3, 1}, 0);
  expect_view(x.t().unsqueeze(1), x, {3, 1, 2}, {1, 6, 3}, 0);
  Tensor s = full({}, 1.0);
  expect_view(s.unsqueeze(0), s, {1}, {1}, 0);
  expect_view(s.unsqueeze(-1), s, {1}, {1}, 0);
  EXPECT_THROW_MSG(x.unsqueeze(3), IndexError,
                   "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  EXPECT_THROW_MSG(s.unsqueeze(1), IndexError,
                   "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

TEST(View, PermuteMovedimTranspose) {
  Tensor x = base234();
  Tensor p = x.permute({2, 0, 1});
  expect_view(p, x, {4, 2, 3}, {1, 12, 4}, 0);
  EXPECT_EQ(p.at({3, 1, 2}).to_double(), x.at({1, 2, 3}).to_double());
  expect_view(x.permute({-1, -2, -3}), x, {4, 3, 2}, {1, 4, 12}, 0);
  expect_view(x.movedim(0, 2), x, {3, 4, 2}, {4, 1, 12}, 0);
  expect_view(x.movedim(-1, 0), x, {4, 2, 3}, {1, 12, 4}, 0);
  expect_view(x.movedim(1, 1), x, {2, 3, 4}, {12, 4, 1}, 0);
  expect_view(x.transpose(0, 2), x, {4, 3, 2}, {1, 4, 12}, 0);
  expect_view(x.transpose(-1, 1), x, {2, 4, 3}, {12, 1, 4}, 0);
  expect_view(x.mT(), x, {2, 4, 3}, {12, 1, 4}, 0);
  Tensor m = farange(6).view({2, 3});
  expect_view(m.t(), m, {3, 2}, {1, 3}, 0);
  expect_view(m.mT(), m, {3, 2}, {1, 3}, 0);
  Tensor v = farange(3);
  expect_view(v.t(), v, {3}, {1}, 0);
  Tensor s = full({}, 1.0);
  EXPECT_EQ(s.t().dim(), 0);
  EXPECT_EQ(s.transpose(0, -1).dim(), 0);
  EXPECT_EQ(s.movedim(0, 0).dim(), 0);
  EXPECT_EQ(s.permute({}).dim(), 0);
  // Writes through a permuted view.
  p.select(0, 3).fill_(-5.0);  // x[:, :, 3]
  EXPECT_EQ(vals(x.select(2, 3)), (std::vector<double>(6, -5.0)));
  EXPECT_EQ(x.at({0, 0, 2}).to_double(), 2.0);
}

TEST(View, PermuteErrors) {
  Tensor x = zeros({2, 3});
  EXPECT_THROW_MSG(x.permute({0, 0}), RuntimeError, "permute(): duplicate dims are not allowed.");
  EXPECT_THROW_MSG(x.permute({0, 1, 2}), RuntimeError,
                   "number of dimensions in the tensor input does not match the length of the "
                   "desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) "
                   "= 3");
  EXPECT_THROW_MSG(x.permute({0, 2}), IndexError,
                   "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_THROW_MSG(x.transpose(0, 2), IndexError,
                   "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_THROW_MSG(zeros({2, 3, 4}).movedim(3, 0), IndexError,
                   "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  EXPECT_THROW_MSG(zeros({2, 3, 4}).t(), RuntimeError,
                   "t() expects a tensor with <= 2 dimensions, but self is 3D");
  EXPECT_THROW_MSG(
      zeros({3}).mT(), RuntimeError,
      "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.");
}

TEST(View, Expand) {
  Tensor x = farange(3).view({3, 1});
  Tensor e = x.expand({3, 4});
  expect_view(e, x, {3, 4}, {1, 0}, 0);
  expect_view(x.expand({-1, 4}), x, {3, 4}, {1, 0}, 0);
  expect_view(x.expand({2, 3, 4}), x, {2, 3, 4}, {0, 1, 0}, 0);
  expect_view(x.expand({1, 3, 1}), x, {1, 3, 1}, {3, 1, 1}, 0);
  Tensor z3 = zeros({3}), z1 = zeros({1});
  expect_view(z3.expand({2, 1, 3}), z3, {2, 1, 3}, {0, 3, 1}, 0);
  expect_view(z1.expand({0}), z1, {0}, {0}, 0);
  expect_view(z3.expand({0, 3}), z3, {0, 3}, {0, 1}, 0);
  // A 0-dim tensor expands with all-zero strides, size-1 dims included.
  Tensor s = full({}, 5.0);
  expect_view(s.expand({1, 1}), s, {1, 1}, {0, 0}, 0);
  expect_view(s.expand({2, 1}), s, {2, 1}, {0, 0}, 0);
  EXPECT_EQ(s.expand({}).dim(), 0);
  EXPECT_EQ(vals(e), (std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}));
  Tensor y = zeros({3, 1});
  expect_view(y.expand_as(zeros({3, 5})), y, {3, 5}, {1, 0}, 0);
  // Writing the base shows through every expanded element.
  x.select(0, 1).fill_(7.0);
  EXPECT_EQ(vals(e.select(0, 1)), (std::vector<double>(4, 7.0)));
}

TEST(View, ExpandErrors) {
  EXPECT_THROW_MSG(zeros({2, 3}).expand({3}), RuntimeError,
                   "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) "
                   "must be greater or equal to the number of dimensions in the tensor (2)");
  EXPECT_THROW_MSG(zeros({2, 3}, {.dtype = kInt8}).expand({3}), RuntimeError,
                   "expand(torch.CharTensor{[2, 3]}, size=[3])");
  EXPECT_THROW_MSG(zeros({2, 3}, {.dtype = kBool}).expand({3}), RuntimeError,
                   "expand(CPUBoolType{[2, 3]}, size=[3])");
  EXPECT_THROW_MSG(empty({2, 3}, {.device = kMeta}).expand({3}), RuntimeError,
                   "expand(MetaFloatType{[2, 3]}, size=[3])");
  EXPECT_THROW_MSG(zeros({2, 3}).expand({3, 3}), RuntimeError,
                   "The expanded size of the tensor (3) must match the existing size (2) at "
                   "non-singleton dimension 0.  Target sizes: [3, 3].  Tensor sizes: [2, 3]");
  EXPECT_THROW_MSG(zeros({3}).expand({-1, 3}), RuntimeError,
                   "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                   "dimension 0");
  EXPECT_THROW_MSG(zeros({3}).expand({2, -1, 3}), RuntimeError,
                   "isn't allowed in a leading, non-existing dimension 1");
  EXPECT_THROW(zeros({1, 3}).expand({-2, 3}), RuntimeError);
}

TEST(View, Narrow) {
  Tensor x = farange(12).view({3, 4});
  expect_view(x.narrow(0, 1, 2), x, {2, 4}, {4, 1}, 4);
  expect_view(x.narrow(1, 1, 2), x, {3, 2}, {4, 1}, 1);
  expect_view(x.narrow(-1, -3, 3), x, {3, 3}, {4, 1}, 1);
  expect_view(x.narrow(0, 3, 0), x, {0, 4}, {4, 1}, 12);
  EXPECT_EQ(vals(x.narrow(1, 2, 2)), (std::vector<double>{2, 3, 6, 7, 10, 11}));
  x.narrow(1, 0, 1).fill_(-1.0);
  EXPECT_EQ(vals(x.select(1, 0)), (std::vector<double>{-1, -1, -1}));
  EXPECT_THROW_MSG(x.narrow(1, 3, 2), RuntimeError,
                   "start (3) + length (2) exceeds dimension size (4).");
  EXPECT_THROW(x.narrow(1, 5, 0), IndexError);
  EXPECT_THROW(x.narrow(1, -5, 0), IndexError);
  EXPECT_THROW(x.narrow(1, 0, -1), RuntimeError);
  EXPECT_THROW_MSG(full({}, 1.0).narrow(0, 0, 1), RuntimeError,
                   "narrow() cannot be applied to a 0-dim tensor.");
}

TEST(View, Select) {
  Tensor x = base234();
  expect_view(x.select(0, 1), x, {3, 4}, {4, 1}, 12);
  expect_view(x.select(1, -1), x, {2, 4}, {12, 1}, 8);
  expect_view(x.select(2, 3), x, {2, 3}, {12, 4}, 3);
  expect_view(x[1][2], x, {4}, {1}, 20);
  EXPECT_EQ(x[1][2][3].item().to_double(), 23.0);
  EXPECT_EQ(x.select(-1, -4).select(0, 1).select(0, 2).item().to_double(), 20.0);
  x.select(1, 0).fill_(0.5);
  EXPECT_EQ(x.at({1, 0, 2}).to_double(), 0.5);
  EXPECT_THROW_MSG(zeros({3, 4}).select(0, 5), IndexError,
                   "select(): index 5 out of range for tensor of size [3, 4] at dimension 0");
  EXPECT_THROW_MSG(zeros({3, 4}).select(1, -5), IndexError,
                   "select(): index -5 out of range for tensor of size [3, 4] at dimension 1");
  EXPECT_THROW_MSG(full({}, 1.0).select(0, 0), IndexError,
                   "select() cannot be applied to a 0-dim tensor.");
  EXPECT_THROW_MSG(zeros({3, 4}).select(2, 0), IndexError, "Dimension out of range");
}

TEST(View, SliceWithStepAndBounds) {
  Tensor x = farange(10);
  expect_view(x.slice(0, 2, 8, 3), x, {2}, {3}, 2);
  EXPECT_EQ(vals(x.slice(0, 2, 8, 3)), (std::vector<double>{2, 5}));
  EXPECT_EQ(vals(x.slice(0, 1, std::nullopt, 4)), (std::vector<double>{1, 5, 9}));
  EXPECT_EQ(vals(x.slice(0, -3)), (std::vector<double>{7, 8, 9}));
  EXPECT_EQ(vals(x.slice(0, std::nullopt, -7)), (std::vector<double>{0, 1, 2}));
  // Out-of-range bounds clamp; an empty slice past the end keeps offset = size * stride.
  expect_view(x.slice(0, -100, 100), x, {10}, {1}, 0);
  expect_view(x.slice(0, 20), x, {0}, {1}, 10);
  expect_view(x.slice(0, 5, 2), x, {0}, {1}, 5);
  expect_view(x.slice(0, -1, -5), x, {0}, {1}, 9);
  Tensor m = farange(12).view({3, 4});
  expect_view(m.slice(1, 5), m, {3, 0}, {4, 1}, 4);
  expect_view(m.slice(1, -1), m, {3, 1}, {4, 1}, 3);
  expect_view(m.slice(0, 0, std::nullopt, 2), m, {2, 4}, {8, 1}, 0);
  expect_view(m.slice(1, 1, std::nullopt, 2).slice(0, 1), m, {2, 2}, {4, 2}, 5);
  m.slice(1, 1, std::nullopt, 2).fill_(-1.0);
  EXPECT_EQ(vals(m.select(0, 0)), (std::vector<double>{0, -1, 2, -1}));
  EXPECT_THROW_MSG(x.slice(0, 0, 5, 0), RuntimeError, "slice step must be positive");
  EXPECT_THROW_MSG(x.slice(0, 0, 5, -1), RuntimeError, "slice step must be positive");
  EXPECT_THROW_MSG(full({}, 1.0).slice(0), IndexError,
                   "slice() cannot be applied to a 0-dim tensor.");
  EXPECT_THROW(x.slice(1), IndexError);
}

TEST(View, AsStrided) {
  Tensor x = farange(10);
  Tensor a = x.as_strided({3, 3}, {1, 1});  // overlapping windows
  expect_view(a, x, {3, 3}, {1, 1}, 0);
  EXPECT_EQ(vals(a), (std::vector<double>{0, 1, 2, 1, 2, 3, 2, 3, 4}));
  expect_view(x.as_strided({2, 2}, {3, 1}, 4), x, {2, 2}, {3, 1}, 4);
  EXPECT_EQ(vals(x.as_strided({2, 2}, {3, 1}, 4)), (std::vector<double>{4, 5, 7, 8}));
  // Without an offset, the view's own offset is kept.
  expect_view(x.slice(0, 2).as_strided({3}, {2}), x, {3}, {2}, 2);
  // Exactly at the end of the storage is fine; one past is not.
  expect_view(x.as_strided({5}, {2}, 1), x, {5}, {2}, 1);
  EXPECT_THROW_MSG(x.as_strided({5}, {2}, 2), RuntimeError,
                   "setStorage: sizes [5], strides [2], storage offset 2, and itemsize 4 requiring "
                   "a storage size of 44 are out of bounds for storage of size 40");
  EXPECT_THROW_MSG(zeros({4}).as_strided({3}, {2}), RuntimeError,
                   "requiring a storage size of 20 are out of bounds for storage of size 16");
  // Empty views may point anywhere.
  EXPECT_EQ(vec(x.as_strided({0}, {100}, 50).sizes()), I64{0});
  EXPECT_THROW_MSG(
      x.as_strided({3}, {-1}), RuntimeError,
      "as_strided: Negative strides are not supported at the moment, got strides: [-1]");
  EXPECT_THROW_MSG(x.as_strided({3}, {1}, -1), RuntimeError, "Tensor: invalid storage offset -1");
  EXPECT_THROW_MSG(x.as_strided({3}, {1, 2}), RuntimeError,
                   "mismatch in length of strides and shape");
  EXPECT_THROW(x.as_strided({-3}, {1}), RuntimeError);
  // Meta tensors check against their (byte-less) storage size too.
  Tensor mt = empty({4}, {.device = kMeta});
  EXPECT_EQ(vec(mt.as_strided({2, 2}, {2, 1}).sizes()), (I64{2, 2}));
  EXPECT_THROW(mt.as_strided({5}, {1}), RuntimeError);
}

TEST(View, Split) {
  Tensor x = farange(10);
  auto parts = x.split(4);
  ASSERT_EQ(parts.size(), 3u);
  expect_view(parts[0], x, {4}, {1}, 0);
  expect_view(parts[1], x, {4}, {1}, 4);
  expect_view(parts[2], x, {2}, {1}, 8);
  EXPECT_EQ(x.split(10).size(), 1u);
  EXPECT_EQ(x.split(20).size(), 1u);
  EXPECT_EQ(vec(x.split(20)[0].sizes()), I64{10});
  Tensor m = farange(12).view({3, 4});
  auto cols = m.split(3, 1);
  ASSERT_EQ(cols.size(), 2u);
  expect_view(cols[1], m, {3, 1}, {4, 1}, 3);
  auto e = zeros({0}).split(5);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(vec(e[0].sizes()), I64{0});
  EXPECT_EQ(zeros({0}).split(0).size(), 1u);
  auto ws = x.split_with_sizes({2, 0, 8});
  ASSERT_EQ(ws.size(), 3u);
  expect_view(ws[1], x, {0}, {1}, 2);
  expect_view(ws[2], x, {8}, {1}, 2);
  auto ws2 = x.split(I64{3, 7});
  ASSERT_EQ(ws2.size(), 2u);
  EXPECT_EQ(vals(ws2[0]), (std::vector<double>{0, 1, 2}));
  parts[2].fill_(-2.0);
  EXPECT_EQ(x.at({9}).to_double(), -2.0);

  EXPECT_THROW_MSG(zeros({5}).split(0), RuntimeError,
                   "split_size can only be 0 if dimension size is 0, but got dimension size of 5");
  EXPECT_THROW_MSG(zeros({5}).split(-1), RuntimeError,
                   "split expects split_size be non-negative, but got split_size=-1");
  EXPECT_THROW_MSG(full({}, 1.0).split(2), RuntimeError,
                   "split expects at least a 1-dimensional tensor");
  EXPECT_THROW_MSG(
      zeros({5}).split_with_sizes({2, 2}), RuntimeError,
      "split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at "
      "dimension 0), but got split_sizes=[2, 2]");
  EXPECT_THROW_MSG(
      zeros({5}).split_with_sizes({2, 4}), RuntimeError,
      "sum exactly to 5 (input tensor's size at dimension 0), but got split_sizes=[2, 4]");
  EXPECT_THROW_MSG(zeros({5}).split_with_sizes({2, -1, 4}), RuntimeError,
                   "split_with_sizes expects split_sizes have only non-negative entries, but got "
                   "split_sizes=[2, -1, 4]");
  EXPECT_THROW(zeros({5}).split(2, 1), IndexError);
}

TEST(View, ChunkCounts) {
  // PyTorch's chunk gives ceil(n / chunks)-sized pieces, so fewer than `chunks` at times.
  struct C {
    int64_t n, chunks;
    I64 sizes;
  };
  const C cases[] = {{5, 4, {2, 2, 1}},
                     {6, 4, {2, 2, 2}},
                     {0, 3, {0, 0, 0}},
                     {1, 3, {1}},
                     {10, 3, {4, 4, 2}},
                     {3, 5, {1, 1, 1}},
                     {7, 7, {1, 1, 1, 1, 1, 1, 1}},
                     {2, 1, {2}},
                     {13, 6, {3, 3, 3, 3, 1}}};
  for (const auto& c : cases) {
    Tensor x = zeros({c.n});
    auto parts = x.chunk(c.chunks);
    I64 got;
    for (const auto& p : parts) got.push_back(p.size(0));
    EXPECT_EQ(got, c.sizes) << "chunk(" << c.n << ", " << c.chunks << ")";
  }
  Tensor m = farange(12).view({2, 6});
  auto parts = m.chunk(4, -1);
  ASSERT_EQ(parts.size(), 3u);
  expect_view(parts[2], m, {2, 2}, {6, 1}, 4);
  EXPECT_THROW_MSG(zeros({5}).chunk(0), RuntimeError,
                   "chunk expects `chunks` to be greater than 0, got: 0");
  EXPECT_THROW_MSG(full({}, 1.0).chunk(2), RuntimeError,
                   "chunk expects at least a 1-dimensional tensor");
}

TEST(View, Unbind) {
  Tensor x = farange(6).view({2, 3});
  auto rows = x.unbind();
  ASSERT_EQ(rows.size(), 2u);
  expect_view(rows[1], x, {3}, {1}, 3);
  auto cols = x.unbind(-1);
  ASSERT_EQ(cols.size(), 3u);
  expect_view(cols[2], x, {2}, {3}, 2);
  EXPECT_EQ(vals(cols[2]), (std::vector<double>{2, 5}));
  EXPECT_TRUE(zeros({0, 3}).unbind().empty());
  EXPECT_THROW_MSG(full({}, 1.0).unbind(), IndexError,
                   "Dimension specified as 0 but tensor has no dimensions");
  EXPECT_THROW(x.unbind(2), IndexError);
}

TEST(View, Diagonal) {
  Tensor m = farange(12).view({3, 4});
  expect_view(m.diagonal(), m, {3}, {5}, 0);
  EXPECT_EQ(vals(m.diagonal()), (std::vector<double>{0, 5, 10}));
  EXPECT_EQ(vals(m.diagonal(1)), (std::vector<double>{1, 6, 11}));
  EXPECT_EQ(vals(m.diagonal(2)), (std::vector<double>{2, 7}));
  EXPECT_EQ(vals(m.diagonal(-1)), (std::vector<double>{4, 9}));
  expect_view(m.diagonal(-2), m, {1}, {5}, 8);
  expect_view(m.diagonal(4), m, {0}, {5}, 0);  // off the end: empty, offset untouched
  expect_view(m.diagonal(-3), m, {0}, {5}, 0);
  EXPECT_EQ(vals(m.diagonal(0, 1, 0)), (std::vector<double>{0, 5, 10}));
  Tensor x = farange(60).view({3, 4, 5});
  expect_view(x.diagonal(5), x, {5, 0}, {1, 25}, 0);
  expect_view(x.diagonal(-1, 0, 2), x, {4, 2}, {5, 21}, 20);
  expect_view(x.diagonal(2, -1, 1), x, {3, 2}, {20, 6}, 10);
  m.diagonal().fill_(-1.0);
  EXPECT_EQ(m.at({2, 2}).to_double(), -1.0);
  EXPECT_EQ(m.at({2, 1}).to_double(), 9.0);
  EXPECT_THROW_MSG(m.diagonal(0, 1, -1), RuntimeError,
                   "diagonal dimensions cannot be identical 1, -1");
  EXPECT_THROW_MSG(zeros({3}).diagonal(), IndexError,
                   "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

TEST(View, IndexIntsSlicesEllipsisNone) {
  Tensor x = farange(60).view({3, 4, 5});
  expect_view(x.index({1}), x, {4, 5}, {5, 1}, 20);
  expect_view(x.index({1, 2}), x, {5}, {1}, 30);
  EXPECT_EQ(x.index({1, 2, 3}).item().to_double(), 33.0);
  expect_view(x.index({-1, Slice(1, 3)}), x, {2, 5}, {5, 1}, 45);
  expect_view(x.index({Slice(), Slice(std::nullopt, std::nullopt, 2)}), x, {3, 2, 5}, {20, 10, 1},
              0);
  expect_view(x.index({kEllipsis, 1}), x, {3, 4}, {20, 5}, 1);
  expect_view(x.index({0, kEllipsis, 1}), x, {4}, {5}, 1);
  expect_view(x.index({kNone, 0}), x, {1, 4, 5}, {60, 5, 1}, 0);
  expect_view(x.index({kEllipsis, kNone}), x, {3, 4, 5, 1}, {20, 5, 1, 1}, 0);
  expect_view(x.index({Slice(), kNone, kEllipsis, kNone, 2}), x, {3, 1, 4, 1}, {20, 20, 5, 5}, 2);
  expect_view(x.index({Slice(-100, 100)}), x, {3, 4, 5}, {20, 5, 1}, 0);
  expect_view(x.index({Slice(2, 1)}), x, {0, 4, 5}, {20, 5, 1}, 40);
  expect_view(x.index({kEllipsis}), x, {3, 4, 5}, {20, 5, 1}, 0);
  Tensor m = zeros({3, 4});
  expect_view(m.index({kNone, kEllipsis, kNone}), m, {1, 3, 4, 1}, {12, 4, 1, 1}, 0);
  expect_view(m.index({kEllipsis, 1}), m, {3}, {4}, 1);
  // x[1, ..., 2:4] = -1 through the view.
  x.index({1, kEllipsis, Slice(2, 4)}).fill_(-1.0);
  EXPECT_EQ(x.at({1, 3, 3}).to_double(), -1.0);
  EXPECT_EQ(x.at({1, 3, 4}).to_double(), 39.0);
  EXPECT_EQ(x.at({0, 3, 3}).to_double(), 18.0);
  // Scalars index with None and ellipsis.
  Tensor s = full({}, 4.0);
  expect_view(s.index({kNone}), s, {1}, {1}, 0);
  EXPECT_EQ(s.index({kEllipsis}).dim(), 0);
}

TEST(View, IndexErrors) {
  Tensor m = zeros({3, 4});
  EXPECT_THROW_MSG(m.index({5}), IndexError,
                   "index 5 is out of bounds for dimension 0 with size 3");
  EXPECT_THROW_MSG(m.index({Slice(), 5}), IndexError,
                   "index 5 is out of bounds for dimension 1 with size 4");
  EXPECT_THROW_MSG(m.index({0, 5}), IndexError,
                   "index 5 is out of bounds for dimension 1 with size 4");
  EXPECT_THROW_MSG(m.index({kNone, 0, 5}), IndexError,
                   "index 5 is out of bounds for dimension 2 with size 4");
  EXPECT_THROW_MSG(m.index({-4}), IndexError,
                   "index -4 is out of bounds for dimension 0 with size 3");
  EXPECT_THROW_MSG(m.index({0, 0, 0}), IndexError, "too many indices for tensor of dimension 2");
  EXPECT_THROW_MSG(m.index({kEllipsis, kEllipsis}), IndexError,
                   "an index can only have a single ellipsis ('...')");
  EXPECT_THROW_MSG(m.index({Slice(std::nullopt, std::nullopt, -1)}), ValueError,
                   "step must be greater than zero");
  EXPECT_THROW_MSG(m.index({Slice(std::nullopt, std::nullopt, 0)}), ValueError,
                   "slice step cannot be zero");
  EXPECT_THROW_MSG(full({}, 1.0).index({0}), IndexError, "invalid index of a 0-dim tensor.");
}

TEST(View, DetachSharesStorage) {
  Tensor x = zeros({2, 2});
  Tensor d = x.detach();
  expect_view(d, x, {2, 2}, {2, 1}, 0);
  EXPECT_FALSE(d.is_same(x));
  d.fill_(3.0);
  EXPECT_EQ(x.at({1, 1}).to_double(), 3.0);
}

TEST(View, ViewsKeepStorageAlive) {
  Tensor v;
  {
    Tensor x = farange(6);
    v = x.view({2, 3}).select(0, 1);
  }
  EXPECT_EQ(vals(v), (std::vector<double>{3, 4, 5}));
  // v and its _base (x, the root of the view chain) hold the storage.
  EXPECT_EQ(v.storage().use_count(), 2);
  EXPECT_EQ(v._base().storage().get(), v.storage().get());
  EXPECT_FALSE(v._base().is_view());
}
