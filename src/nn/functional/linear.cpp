#include "ember/nn/functional/linear.h"

namespace ember::nn::functional {

Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight,
                const std::optional<Tensor>& bias) {
  EMBER_CHECK(input1.dim() == input2.dim(), RuntimeError,
              "bilinear(): input dimensions do not match: got ", input1.dim(), " and ",
              input2.dim());
  for (int64_t i = 0; i + 1 < input1.dim(); ++i)
    EMBER_CHECK(input1.size(i) == input2.size(i), RuntimeError,
                "bilinear(): input batch dimensions do not match at dim ", i, ": got ",
                input1.size(i), " and ", input2.size(i));
  const int64_t in1 = input1.size(-1), in2 = input2.size(-1);
  EMBER_CHECK(in1 == weight.size(1), RuntimeError,
              "bilinear(): input1 size does not match weight size: got ", in1, " but expected ",
              weight.size(1));
  EMBER_CHECK(in2 == weight.size(2), RuntimeError,
              "bilinear(): input2 size does not match weight size: got ", in2, " but expected ",
              weight.size(2));
  const bool has_bias = bias && bias->defined();
  EMBER_CHECK(!has_bias || bias->size(0) == weight.size(0), RuntimeError,
              "bilinear(): bias size does not match weight size: got ", bias->size(0),
              " but expected ", weight.size(0));
  for (const Tensor* t : {&input2, &weight})
    EMBER_CHECK(t->dtype() == input1.dtype(), RuntimeError, "expected scalar type ",
                scalar_type_name(input1.dtype()), " but found ", scalar_type_name(t->dtype()));
  const int64_t out = weight.size(0);
  DimVector out_size(input1.sizes().begin(), input1.sizes().end() - 1);
  out_size.push_back(out);
  // rows [N, in1] @ weight as [in1, out * in2] -> [N, out, in2], then each
  // (o, :) row dotted with that row's input2: bmm with [N, in2, 1].
  const Tensor x1 = input1.reshape({-1, in1});
  const Tensor x2 = input2.reshape({-1, in2});
  const int64_t N = x1.size(0);
  const Tensor w = weight.permute({1, 0, 2}).reshape({in1, out * in2});
  Tensor y = bmm(mm(x1, w).view({N, out, in2}), x2.unsqueeze(2)).reshape(out_size);
  if (has_bias) y = y + *bias;
  return y;
}

}  // namespace ember::nn::functional
