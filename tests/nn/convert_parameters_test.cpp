// nn::utils::parameters_to_vector / vector_to_parameters with PyTorch's
// semantics: one flat copy out; parameters that alias the vector back in; the
// errors of torch.nn.utils.convert_parameters, with nothing changed on error.
#include "ember/nn/utils/convert_parameters.h"

#include <gtest/gtest.h>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;
using nn::utils::parameters_to_vector;
using nn::utils::vector_to_parameters;

namespace {

std::vector<Tensor> make_params() {
  return {nn::Parameter(arange(0.0, 6.0, 1.0).view({2, 3})), nn::Parameter(full({4}, 9.0)),
          nn::Parameter(full({}, -1.0))};
}

// A zero-size tensor that claims to live on cuda:index (ember has no CUDA
// backend; the device check needs no data).
Tensor fake_cuda(int index) {
  auto storage = std::make_shared<Storage>(DataPtr(), 0, Device(DeviceType::CUDA, index));
  return Tensor(std::make_shared<TensorImpl>(storage, kFloat32, IntArrayRef{0}, IntArrayRef{1}, 0));
}

}  // namespace

TEST(ConvertParameters, ParametersToVectorConcatenatesInOrder) {
  auto params = make_params();
  Tensor v = parameters_to_vector(params);
  EXPECT_EQ(v.tolist<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5, 9, 9, 9, 9, -1}));
  EXPECT_EQ(v.dtype(), kFloat32);
  EXPECT_NE(v.storage().get(), params[0].storage().get());  // a copy
  // History: the vector's gradient flows back to each parameter.
  ASSERT_NE(v.grad_fn(), nullptr);
  EXPECT_EQ(v.grad_fn()->name(), "CatBackward0");
  v.mul(arange(0.0, 11.0, 1.0)).sum().backward();
  EXPECT_EQ(params[0].grad().tolist<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(params[2].grad().item<float>(), 10.0f);
  {
    NoGradGuard g;
    EXPECT_EQ(parameters_to_vector(params).grad_fn(), nullptr);
  }
  // Mixed dtypes promote (torch.cat).
  Tensor mixed = parameters_to_vector({ones({2}), full({1}, 3, {.dtype = kFloat64})});
  EXPECT_EQ(mixed.dtype(), kFloat64);
  EXPECT_EQ(mixed.tolist<double>(), (std::vector<double>{1, 1, 3}));
  // Integer tensors are fine too.
  EXPECT_EQ(parameters_to_vector({arange(3)}).tolist<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
}

TEST(ConvertParameters, ParametersToVectorLargeEmptyAndStridedParameters) {
  // Big enough for the copy to split over threads, with an empty parameter
  // between, and a strided one that still views flat (the torch.cat path).
  std::vector<Tensor> params = {arange(0.0, 300000.0, 1.0).view({600, 500}), zeros({0, 3}),
                                full({5}, -2.0), arange(0.0, 140000.0, 1.0).view({2, 70000})};
  Tensor v = parameters_to_vector(params);
  ASSERT_EQ(v.numel(), 300000 + 5 + 140000);
  EXPECT_EQ(v.narrow(0, 0, 300000).equal(arange(0.0, 300000.0, 1.0)), true);
  EXPECT_EQ(v.narrow(0, 300000, 5).tolist<float>(), (std::vector<float>(5, -2.0f)));
  EXPECT_EQ(v.narrow(0, 300005, 140000).equal(arange(0.0, 140000.0, 1.0)), true);
  Tensor strided = arange(0.0, 10.0, 1.0).slice(0, 0, 10, 2);
  EXPECT_EQ(parameters_to_vector({ones({1}), strided}).tolist<float>(),
            (std::vector<float>{1, 0, 2, 4, 6, 8}));
  // Meta parameters give a meta vector.
  Tensor m =
      parameters_to_vector({empty({2, 3}, {.device = kMeta}), empty({4}, {.device = kMeta})});
  EXPECT_TRUE(m.is_meta());
  EXPECT_EQ(m.numel(), 10);
}

TEST(ConvertParameters, ParametersToVectorErrors) {
  EXPECT_THROW_MSG(parameters_to_vector({}), RuntimeError,
                   "torch.cat(): expected a non-empty list of Tensors");
  EXPECT_THROW_MSG(parameters_to_vector({ones({2}), Tensor()}), AttributeError,
                   "'NoneType' object has no attribute 'is_cuda'");
  // view(-1) of a transposed parameter fails, as in PyTorch.
  EXPECT_THROW_MSG(parameters_to_vector({ones({2, 3}).t()}), RuntimeError,
                   "view size is not compatible with input tensor's size and stride");
  EXPECT_THROW_MSG(parameters_to_vector({ones({2}), fake_cuda(0)}), TypeError,
                   "Found two parameters on different devices, this is currently not supported.");
  EXPECT_THROW(parameters_to_vector({fake_cuda(0), fake_cuda(1)}), TypeError);
  EXPECT_THROW(parameters_to_vector({fake_cuda(0), ones({2})}), TypeError);
}

TEST(ConvertParameters, VectorToParametersMakesTheParametersAliasTheVector) {
  auto params = make_params();
  std::vector<const TensorImpl*> impls;
  for (auto& p : params) impls.push_back(p.impl());
  params[0].sum().backward();
  Tensor vec = arange(100.0, 112.0, 1.0, {.dtype = kFloat64});  // one element to spare
  vector_to_parameters(vec, params);
  for (size_t i = 0; i < params.size(); ++i) EXPECT_EQ(params[i].impl(), impls[i]);
  EXPECT_EQ(params[0].dtype(), kFloat64);  // vec's dtype, as PyTorch's .data =
  EXPECT_EQ(params[0].sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(params[0].tolist<double>(), (std::vector<double>{100, 101, 102, 103, 104, 105}));
  EXPECT_EQ(params[1].tolist<double>(), (std::vector<double>{106, 107, 108, 109}));
  EXPECT_EQ(params[2].dim(), 0);
  EXPECT_EQ(params[2].item<double>(), 110.0);
  EXPECT_TRUE(params[0].requires_grad());
  EXPECT_TRUE(params[0].is_leaf());
  EXPECT_TRUE(params[0].grad().defined());  // the grad is left alone
  // Aliasing: the parameters view vec's storage.
  EXPECT_EQ(params[1].storage().get(), vec.storage().get());
  EXPECT_EQ(params[1].storage_offset(), 6);
  vec.fill_(0.5);
  EXPECT_EQ(params[2].item<double>(), 0.5);
  // Round trip.
  Tensor v = parameters_to_vector(params);
  EXPECT_EQ(v.numel(), 11);
  vector_to_parameters(v.detach() * 4.0, params);
  EXPECT_EQ(params[1].tolist<double>(), (std::vector<double>{2, 2, 2, 2}));
  // A 2-D vec slices its rows, as vec[a:b] does in Python.
  Tensor p = nn::Parameter(zeros({2, 3}));
  vector_to_parameters(arange(0.0, 6.0, 1.0).view({2, 3}), {p});
  EXPECT_EQ(p.tolist<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  // A strided vec works where view_as can view it.
  vector_to_parameters(arange(0.0, 12.0, 1.0).slice(0, 0, 12, 2), {p});
  EXPECT_EQ(p.tolist<float>(), (std::vector<float>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(p.stride(0), 6);
}

TEST(ConvertParameters, VectorToParametersErrorsChangeNothing) {
  auto params = make_params();
  auto values = [&] {
    std::vector<std::vector<float>> out;
    for (auto& p : params) out.push_back(p.tolist<float>());
    return out;
  };
  const auto before = values();
  EXPECT_THROW_MSG(vector_to_parameters(Tensor(), params), TypeError,
                   "expected torch.Tensor, but got: NoneType");
  // Too short for the second parameter: the first keeps its data too.
  EXPECT_THROW_MSG(vector_to_parameters(arange(0.0, 8.0, 1.0), params), RuntimeError,
                   "shape '[4]' is invalid for input of size 2");
  EXPECT_THROW_MSG(vector_to_parameters(arange(11), params), RuntimeError,
                   "data set to a tensor that requires gradients must be floating point or "
                   "complex dtype");
  EXPECT_THROW_MSG(vector_to_parameters(empty({11}, {.device = kMeta}), params), RuntimeError,
                   "Attempted to call `variable.set_data(tensor)`, but `variable` and `tensor` "
                   "have incompatible tensor type.");
  EXPECT_THROW_MSG(vector_to_parameters(zeros({11}), {params[0], Tensor()}), AttributeError,
                   "'NoneType' object has no attribute 'is_cuda'");
  EXPECT_THROW_MSG(vector_to_parameters(zeros({11}), {params[0], fake_cuda(0)}), TypeError,
                   "Found two parameters on different devices");
  EXPECT_EQ(values(), before);
  EXPECT_EQ(params[0].dtype(), kFloat32);
  // Parameters that do not require grad take integer data.
  Tensor q = zeros({3});
  vector_to_parameters(arange(3), {q});
  EXPECT_EQ(q.dtype(), kInt64);
  // No parameters: nothing to do.
  EXPECT_NO_THROW(vector_to_parameters(zeros({1}), {}));
}
