// Tensor::str() and set_printoptions. Expected strings are Python's str(tensor)
// for the same tensors (PyTorch 1.13); tests/parity/print_test.cpp checks many
// more against PyTorch directly.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "ember/ember.h"

using namespace ember;

namespace {

// i / d for i in [0, n), computed in float as torch.arange(n.) / d is.
Tensor thirds(int n, float d) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i) / d;
  return from_vector(v);
}

// Restores the default options and dtype after each test.
class print : public ::testing::Test {
 protected:
  void TearDown() override {
    set_printoptions({});
    set_default_dtype(kFloat32);
  }
};

}  // namespace

TEST_F(print, Floats) {
  EXPECT_EQ(tensor({1.5f, 2.25f}).str(), "tensor([1.5000, 2.2500])");
  EXPECT_EQ(tensor({1.0f, 2.0f, -3.0f}).str(), "tensor([ 1.,  2., -3.])");
  EXPECT_EQ(tensor({1e-5f, 2.0f, 3.0f, 4.0f}).view({2, 2}).str(),
            "tensor([[1.0000e-05, 2.0000e+00],\n        [3.0000e+00, 4.0000e+00]])");
  EXPECT_EQ(tensor({1.0f, 10000.0f}).str(), "tensor([1.0000e+00, 1.0000e+04])");
  EXPECT_EQ(tensor({NAN, INFINITY, -INFINITY, 1.5f}).str(),
            "tensor([   nan,    inf,   -inf, 1.5000])");
  EXPECT_EQ(tensor({NAN, 2.0f}).str(), "tensor([nan, 2.])");
  EXPECT_EQ(zeros({3}).str(), "tensor([0., 0., 0.])");
  // widths come from the finite non-zero values only
  EXPECT_EQ(tensor({-0.0f, 1.5f}).str(), "tensor([-0.0000, 1.5000])");
}

TEST_F(print, IntegersAndBool) {
  EXPECT_EQ(tensor<int64_t>({1, 2, 3}).str(), "tensor([1, 2, 3])");
  EXPECT_EQ(tensor<int64_t>({-1, 20, 300}).str(), "tensor([ -1,  20, 300])");
  EXPECT_EQ(tensor({1, 2}, {.dtype = kInt32}).str(), "tensor([1, 2], dtype=torch.int32)");
  EXPECT_EQ(tensor({true, false}).str(), "tensor([ True, False])");
  EXPECT_EQ(arange(6).view({2, 3}).str(), "tensor([[0, 1, 2],\n        [3, 4, 5]])");
}

TEST_F(print, DtypeSuffixes) {
  EXPECT_EQ(tensor({1.5, -2.0}).str(), "tensor([ 1.5000, -2.0000], dtype=torch.float64)");
  EXPECT_EQ(tensor({0.1f, 0.2f}, {.dtype = kBFloat16}).str(),
            "tensor([0.1001, 0.2002], dtype=torch.bfloat16)");
  EXPECT_EQ(tensor({0.1f}, {.dtype = kFloat16}).str(), "tensor([0.1000], dtype=torch.float16)");
  EXPECT_EQ(tensor({7}, {.dtype = kUInt8}).str(), "tensor([7], dtype=torch.uint8)");
  // The default dtype is the one left out.
  set_default_dtype(kFloat64);
  EXPECT_EQ(tensor({1.0f}).str(), "tensor([1.], dtype=torch.float32)");
  EXPECT_EQ(tensor({1.5}).str(), "tensor([1.5000])");
  EXPECT_EQ(zeros({0}, {.dtype = kFloat32}).str(), "tensor([], dtype=torch.float32)");
  EXPECT_EQ(empty({2}, {.dtype = kFloat32, .device = kMeta}).str(),
            "tensor(..., device='meta', size=(2,), dtype=torch.float32)");
}

TEST_F(print, ZeroDim) {
  EXPECT_EQ(scalar_tensor(3.5).str(), "tensor(3.5000)");
  EXPECT_EQ(scalar_tensor(3.0).str(), "tensor(3.)");
  EXPECT_EQ(scalar_tensor(3).str(), "tensor(3)");
  EXPECT_EQ(scalar_tensor(true).str(), "tensor(True)");
  EXPECT_EQ(scalar_tensor(7, {.dtype = kInt32}).str(), "tensor(7, dtype=torch.int32)");
  EXPECT_EQ(scalar_tensor(std::nan("")).str(), "tensor(nan)");
}

TEST_F(print, EmptyAndMeta) {
  EXPECT_EQ(zeros({0}).str(), "tensor([])");
  EXPECT_EQ(zeros({0, 3}).str(), "tensor([], size=(0, 3))");
  EXPECT_EQ(zeros({0}, {.dtype = kInt64}).str(), "tensor([], dtype=torch.int64)");
  EXPECT_EQ(zeros({2, 0}, {.dtype = kBool}).str(), "tensor([], size=(2, 0), dtype=torch.bool)");
  EXPECT_EQ(empty({2, 3}, {.device = kMeta}).str(), "tensor(..., device='meta', size=(2, 3))");
  EXPECT_EQ(empty({4}, {.dtype = kInt64, .device = kMeta}).str(),
            "tensor(..., device='meta', size=(4,), dtype=torch.int64)");
  EXPECT_EQ(empty({}, {.device = kMeta}).str(), "tensor(..., device='meta', size=())");
}

TEST_F(print, RequiresGrad) {
  EXPECT_EQ(tensor({0.1f, 0.2f}, {.dtype = kBFloat16, .requires_grad = true}).str(),
            "tensor([0.1001, 0.2002], dtype=torch.bfloat16, requires_grad=True)");
  EXPECT_EQ(zeros({0}, {.requires_grad = true}).str(), "tensor([], requires_grad=True)");
  EXPECT_EQ(empty({3}, {.device = kMeta, .requires_grad = true}).str(),
            "tensor(..., device='meta', size=(3,), requires_grad=True)");
}

TEST_F(print, StridedViewsPrintLogicalOrder) {
  Tensor m = arange(6.0).view({2, 3});
  EXPECT_EQ(m.t().str(), "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])");
  EXPECT_EQ(arange(10).slice(0, 1, 10, 3).str(), "tensor([1, 4, 7])");
  EXPECT_EQ(arange(3).expand({2, 3}).str(), "tensor([[0, 1, 2],\n        [0, 1, 2]])");
}

TEST_F(print, Summarised) {
  // Python: str(torch.arange(2000).view(40, 50))
  EXPECT_EQ(arange(2000).view({40, 50}).str(),
            "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
            "        [  50,   51,   52,  ...,   97,   98,   99],\n"
            "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
            "        ...,\n"
            "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n"
            "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n"
            "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]])");
  // 1000 elements is not over the threshold.
  EXPECT_EQ(arange(1000).str().find("..."), std::string::npos);
  EXPECT_NE(arange(1001).str().find("...,"), std::string::npos);
}

TEST_F(print, LineWrapping) {
  // 80 - 7 columns for elements of width 6 + ", ": 9 per line
  const std::string s = thirds(20, 3).str();
  EXPECT_EQ(s,
            "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n"
            "        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n"
            "        6.0000, 6.3333])");
}

TEST_F(print, SetPrintoptionsPrecision) {
  set_printoptions({.precision = 2});
  EXPECT_EQ(tensor({1.12345f}).str(), "tensor([1.12])");
  EXPECT_EQ(get_printoptions().precision, 2);
  EXPECT_EQ(get_printoptions().threshold, 1000);
  set_printoptions({.precision = 0});
  EXPECT_EQ(tensor({1.5f, 2.25f}).str(), "tensor([2, 2])");  // "{:.0f}": no point, as Python
}

TEST_F(print, SetPrintoptionsThresholdAndEdgeitems) {
  set_printoptions({.threshold = 5});
  EXPECT_EQ(arange(10).str(), "tensor([0, 1, 2,  ..., 7, 8, 9])");
  EXPECT_EQ(arange(5).str(), "tensor([0, 1, 2, 3, 4])");
  set_printoptions({.threshold = 5, .edgeitems = 1});
  EXPECT_EQ(arange(10).str(), "tensor([0,  ..., 9])");
  set_printoptions(PrintOptions::profile("full"));
  EXPECT_EQ(arange(5000).str().find("..."), std::string::npos);
}

TEST_F(print, SetPrintoptionsSciMode) {
  set_printoptions({.sci_mode = true});
  EXPECT_EQ(tensor({1.5f, 2.25f}).str(), "tensor([1.5000e+00, 2.2500e+00])");
  EXPECT_EQ(zeros({2}).str(), "tensor([0., 0.])");  // no finite non-zero value: option unused
  set_printoptions({.sci_mode = false});
  // Python keeps the width it measured in sci notation
  EXPECT_EQ(tensor({1e-5f, 1.0f}).str(), "tensor([    0.0000,     1.0000])");
}

TEST_F(print, SetPrintoptionsLinewidth) {
  set_printoptions({.linewidth = 20});
  EXPECT_EQ(arange(10.0).str(),
            "tensor([0., 1., 2.,\n        3., 4., 5.,\n        6., 7., 8.,\n        9.])");
  // A suffix that no longer fits goes to its own line.
  set_printoptions({.linewidth = 30});
  EXPECT_EQ(tensor({1.5, 2.5}).str(), "tensor([1.5000, 2.5000],\n       dtype=torch.float64)");
}

TEST_F(print, Profiles) {
  set_printoptions(PrintOptions::profile("short"));
  EXPECT_EQ(thirds(2000, 7).str(), "tensor([0.00e+00, 1.43e-01,  ..., 2.85e+02, 2.86e+02])");
  PrintOptions d = PrintOptions::profile("default");
  EXPECT_EQ(d.precision, 4);
  EXPECT_EQ(d.edgeitems, 3);
  EXPECT_EQ(d.linewidth, 80);
  EXPECT_FALSE(d.sci_mode.has_value());
  EXPECT_TRUE(std::isinf(PrintOptions::profile("full").threshold));
  EXPECT_THROW(PrintOptions::profile("long"), ValueError);
}

TEST_F(print, BadOptionsAndTensors) {
  EXPECT_THROW(set_printoptions({.precision = -1}), ValueError);
  EXPECT_THROW(set_printoptions({.edgeitems = -2}), ValueError);
  EXPECT_EQ(get_printoptions().precision, 4);  // unchanged by the failed calls
  EXPECT_THROW(Tensor().str(), RuntimeError);
}

TEST_F(print, StreamOperator) {
  std::ostringstream os;
  os << tensor<int64_t>({4, 5}) << "|" << scalar_tensor(0.5);
  EXPECT_EQ(os.str(), "tensor([4, 5])|tensor(0.5000)");
}
