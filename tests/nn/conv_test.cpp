// nn::Conv1d/2d/3d, the pooling modules, pad and
// nn::utils::convert_conv2d_weight_memory_format (torch parity of values and
// texts: tests/parity/nn_conv_modules_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "ember/ember.h"

using namespace ember;
using autograd::gradcheck;

namespace {

std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace

TEST(ConvModule, ShapesAndRepr) {
  auto c = nn::make<nn::Conv2d>(3, 64, 3, nn::Conv2dOptions{.stride = 2, .padding = 1});
  EXPECT_EQ(c->weight.sizes(), IntArrayRef({64, 3, 3, 3}));
  EXPECT_EQ(c->bias.sizes(), IntArrayRef({64}));
  EXPECT_EQ(repr(*c), "Conv2d(3, 64, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))");
  Tensor y = c(randn({2, 3, 16, 16}));
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 64, 8, 8}));
  auto names = c->named_parameters();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].first, "weight");
  EXPECT_EQ(names[1].first, "bias");
  auto nb = nn::make<nn::Conv1d>(2, 4, 3, nn::Conv1dOptions{.bias = false});
  EXPECT_FALSE(nb->bias.defined());
  EXPECT_EQ(nb->named_parameters().size(), 1u);
}

TEST(ConvModule, ErrorsLeaveNothing) {
  EXPECT_THROW(nn::make<nn::Conv2d>(3, 4, 3, nn::Conv2dOptions{.groups = 2}), ValueError);
  EXPECT_THROW(nn::make<nn::Conv2d>(4, 4, 3, nn::Conv2dOptions{.padding = "foo"}), ValueError);
  EXPECT_THROW(nn::make<nn::Conv2d>(4, 4, 3, nn::Conv2dOptions{.padding_mode = "zero"}),
               ValueError);
  EXPECT_THROW(nn::make<nn::Conv2d>(4, -4, 3), RuntimeError);
}

TEST(ConvModule, DefaultInitStatistics) {
  // kaiming_uniform_(a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias too.
  auto c = nn::make<nn::Conv2d>(64, 128, 3);
  const double bound = 1 / std::sqrt(64.0 * 9);
  EXPECT_LE(c->weight.abs().max().item<float>(), bound);
  EXPECT_NEAR(c->weight.mean().item<float>(), 0, bound / 50);
  EXPECT_NEAR(c->weight.std().item<float>(), bound / std::sqrt(3.0), bound / 50);
  EXPECT_LE(c->bias.abs().max().item<float>(), bound);
  EXPECT_GT(c->bias.abs().max().item<float>(), bound / 2);
}

TEST(ConvModule, PaddingModesGradcheck) {
  for (const char* mode : {"zeros", "reflect", "replicate", "circular"}) {
    auto c = nn::make<nn::Conv2d>(
        2, 3, 3, nn::Conv2dOptions{.padding = {1, 2}, .padding_mode = mode, .dtype = kFloat64});
    Tensor x = randn({1, 2, 4, 5}, {.dtype = kFloat64}).requires_grad_();
    EXPECT_TRUE(gradcheck(
        [&](const std::vector<Tensor>& in) {
          return nn::functional::conv2d(pad(in[0], c->reversed_padding_repeated_twice,
                                            std::string(mode) == "zeros" ? "constant" : mode),
                                        in[1], in[2]);
        },
        {x, c->weight, c->bias}))
        << mode;
    Tensor y = c(x);
    EXPECT_EQ(y.sizes(), IntArrayRef({1, 3, 4, 7})) << mode;
  }
}

TEST(Pad, GradcheckAndErrors) {
  Tensor x = randn({2, 3, 4, 5}, {.dtype = kFloat64}).requires_grad_();
  for (const char* mode : {"constant", "reflect", "replicate", "circular"})
    EXPECT_TRUE(gradcheck(
        [&](const std::vector<Tensor>& in) {
          return pad(in[0], {1, 2, 3, 1}, mode);
        },
        {x}))
        << mode;
  EXPECT_THROW(pad(x, {5, 0, 0, 0}, "reflect"), RuntimeError);   // pad >= size
  EXPECT_THROW(pad(x, {1, 0}, "reflect"), NotImplementedError);  // one pair on 4-D
  EXPECT_THROW(pad(x, {1}), RuntimeError);
  EXPECT_THROW(pad(x, {1, 1}, "bogus"), NotImplementedError);
}

TEST(PoolModule, ForwardAndIndices) {
  auto p = nn::make<nn::MaxPool2d>(2, nn::MaxPool2dOptions{.return_indices = true});
  Tensor x = arange(16.0).view({1, 1, 4, 4});
  auto [y, idx] = p->forward_with_indices(x);
  EXPECT_TRUE(y.equal(p(x)));
  EXPECT_EQ(idx.flatten().tolist<int64_t>(), (std::vector<int64_t>{5, 7, 13, 15}));
  auto p1 = nn::make<nn::MaxPool1d>(2, nn::MaxPool1dOptions{.return_indices = true});
  auto [y1, i1] = p1->forward_with_indices(arange(6.0).view({1, 1, 6}));
  EXPECT_EQ(i1.flatten().tolist<int64_t>(), (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(y1.sizes(), IntArrayRef({1, 1, 3}));
  auto a = nn::make<nn::AdaptiveAvgPool2d>(1);
  EXPECT_EQ(a(randn({2, 5, 7, 3})).sizes(), IntArrayRef({2, 5, 1, 1}));
}

TEST(MemoryFormatUtils, ConvertConv2dWeightKeepsTheParameter) {
  auto seq = nn::make<nn::Sequential>(nn::make<nn::Conv2d>(3, 8, 3), nn::make<nn::Conv3d>(2, 2, 1));
  auto c2 = std::dynamic_pointer_cast<nn::Conv2d>(seq->children()[0]);
  auto c3 = std::dynamic_pointer_cast<nn::Conv3d>(seq->children()[1]);
  Tensor handle = c2->weight;
  Tensor before = c2->weight.clone();
  nn::utils::convert_conv2d_weight_memory_format(seq, MemoryFormat::ChannelsLast);
  EXPECT_TRUE(c2->weight.is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_FALSE(c2->weight.is_contiguous());
  EXPECT_TRUE(handle.is_same(c2->weight));
  EXPECT_TRUE(handle.equal(before));
  EXPECT_TRUE(c3->weight.is_contiguous());  // Conv3d untouched by the 2-d one
  nn::utils::convert_conv3d_weight_memory_format(seq, MemoryFormat::ChannelsLast3d);
  EXPECT_TRUE(c3->weight.is_contiguous(MemoryFormat::ChannelsLast3d));
  // The output of a channels_last weight is channels_last (PyTorch's rule).
  EXPECT_TRUE(c2->forward(randn({1, 3, 8, 8})).is_contiguous(MemoryFormat::ChannelsLast));
}

TEST(ConvTranspose, GradcheckAndShapes) {
  // groups, stride, padding, output_padding, dilation; channels_last input.
  Tensor x = randn({2, 4, 3, 4}, {.dtype = kFloat64}).requires_grad_();
  Tensor w = randn({4, 3, 3, 2}, {.dtype = kFloat64}).requires_grad_();
  Tensor b = randn({6}, {.dtype = kFloat64}).requires_grad_();
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) {
        return conv_transpose2d(in[0], in[1], in[2], {2, 3}, {1, 0}, {1, 2}, 2, {1, 2});
      },
      {x, w, b}));
  Tensor xc = randn({1, 2, 3, 3}, {.dtype = kFloat64}).contiguous(kChannelsLast).requires_grad_();
  Tensor wc = randn({2, 2, 2, 2}, {.dtype = kFloat64}).requires_grad_();
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) { return conv_transpose2d(in[0], in[1], std::nullopt, 2); },
      {xc, wc}));
  Tensor x1 = randn({1, 2, 5}, {.dtype = kFloat64}).requires_grad_();
  Tensor w1 = randn({2, 3, 3}, {.dtype = kFloat64}).requires_grad_();
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) {
        return conv_transpose1d(in[0], in[1], std::nullopt, 2, 1, 1);
      },
      {x1, w1}));
  // float32 (oneDNN) against float64 (reference).
  Tensor y32 = conv_transpose2d(x.detach().to(kFloat32), w.detach().to(kFloat32),
                                b.detach().to(kFloat32), {2, 3}, {1, 0}, {1, 2}, 2, {1, 2});
  Tensor y64 =
      conv_transpose2d(x.detach(), w.detach(), b.detach(), {2, 3}, {1, 0}, {1, 2}, 2, {1, 2});
  EXPECT_TRUE(y32.to(kFloat64).allclose(y64, 1e-4, 1e-4));
  auto m = nn::make<nn::ConvTranspose2d>(
      16, 33, 3, nn::ConvTranspose2dOptions{.stride = 2, .padding = 1, .output_padding = 1});
  EXPECT_EQ(m->weight.sizes(), IntArrayRef({16, 33, 3, 3}));
  EXPECT_EQ(m(randn({1, 16, 5, 5})).sizes(), IntArrayRef({1, 33, 10, 10}));
  EXPECT_EQ(repr(*m),
            "ConvTranspose2d(16, 33, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
            "output_padding=(1, 1))");
}

TEST(LazyConv, MaterializesFromTheFirstInput) {
  auto m = nn::make<nn::LazyConv2d>(33, 3, nn::Conv2dOptions{.stride = 2});
  EXPECT_EQ(repr(*m), "LazyConv2d(0, 33, kernel_size=(3, 3), stride=(2, 2))");
  EXPECT_TRUE(m->has_uninitialized_params());
  Tensor y = m(randn({2, 4, 9, 9}));
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 33, 4, 4}));
  EXPECT_EQ(m->weight.sizes(), IntArrayRef({33, 4, 3, 3}));
  EXPECT_EQ(repr(*m), "Conv2d(4, 33, kernel_size=(3, 3), stride=(2, 2))");
  const double bound = 1 / std::sqrt(4.0 * 9);
  EXPECT_LE(m->weight.abs().max().item<float>(), bound);
  // groups must divide the inferred in_channels; unbatched input.
  auto g = nn::make<nn::LazyConv1d>(4, 3, nn::Conv1dOptions{.groups = 2});
  EXPECT_THROW(g(randn({2, 3, 5})), ValueError);
  auto t = nn::make<nn::LazyConvTranspose2d>(6, 3, nn::ConvTranspose2dOptions{.groups = 2});
  EXPECT_EQ(t(randn({4, 5, 5})).sizes(), IntArrayRef({6, 7, 7}));
  EXPECT_EQ(t->weight.sizes(), IntArrayRef({4, 3, 3, 3}));
  EXPECT_EQ(repr(*t), "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(1, 1), groups=2)");
  // load_state_dict materializes.
  auto src = nn::make<nn::Conv3d>(2, 5, 1);
  auto l = nn::make<nn::LazyConv3d>(5, 1);
  l->load_state_dict(src->state_dict());
  EXPECT_TRUE(l->weight.equal(src->weight));
  EXPECT_EQ(l(randn({1, 2, 3, 3, 3})).sizes(), IntArrayRef({1, 5, 3, 3, 3}));
  EXPECT_EQ(l->in_channels, 2);
}
