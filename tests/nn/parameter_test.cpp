// nn::Parameter, UninitializedParameter / UninitializedBuffer, materialize, is_lazy.
#include <gtest/gtest.h>

#include "ember/ember.h"
#include "support/expect.h"

using namespace ember;

namespace {

struct LazyNet : nn::Module {
  Tensor w = register_parameter("w", nn::UninitializedParameter());
  Tensor b = register_buffer("b", nn::UninitializedBuffer());
};

}  // namespace

TEST(Parameter, SharesDataAndRequiresGrad) {
  Tensor data = ones({2});
  nn::Parameter p(data);
  EXPECT_TRUE(p.requires_grad());
  EXPECT_TRUE(nn::is_parameter(p));
  EXPECT_FALSE(nn::is_lazy(p));
  EXPECT_EQ(p.data_ptr(), data.data_ptr());
}

TEST(UninitializedParameter, Defaults) {
  nn::UninitializedParameter p;
  EXPECT_TRUE(nn::is_lazy(p));
  EXPECT_TRUE(nn::is_parameter(p));
  EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(p.dtype(), kFloat32);
  EXPECT_TRUE(p.is_cpu());
  EXPECT_TRUE(p.is_floating_point());
  EXPECT_EQ(p.str(), "<UninitializedParameter>");
  nn::UninitializedParameter q(false, kCPU, kFloat64);
  EXPECT_FALSE(q.requires_grad());
  EXPECT_EQ(q.dtype(), kFloat64);

  nn::UninitializedBuffer b;
  EXPECT_TRUE(nn::is_lazy(b));
  EXPECT_FALSE(nn::is_parameter(b));
  EXPECT_FALSE(b.requires_grad());
  EXPECT_EQ(b.str(), "<UninitializedBuffer>");
  std::ostringstream os;
  os << b;
  EXPECT_EQ(os.str(), "<UninitializedBuffer>");
  EXPECT_FALSE(nn::is_lazy(Tensor()));
}

TEST(UninitializedParameter, ShapeAndUseThrow) {
  nn::UninitializedParameter p;
  EXPECT_THROW_MSG((void)p.sizes(), RuntimeError,
                   "Can't access the shape of an uninitialized parameter or buffer.");
  EXPECT_THROW((void)p.shape(), RuntimeError);
  EXPECT_THROW((void)p.size(0), Error);
  EXPECT_THROW_MSG((void)p.dim(), ValueError,
                   "Attempted to use an uninitialized parameter in <method 'dim' of "
                   "'torch._C._TensorBase' objects>. This error happens when you are using a "
                   "`LazyModule` or explicitly manipulating "
                   "`torch.nn.parameter.UninitializedParameter` objects.");
  EXPECT_THROW_MSG((void)p.numel(), ValueError, "in <method 'numel'");
  EXPECT_THROW_MSG((void)p.data_ptr(), ValueError, "in <method 'data_ptr'");
  EXPECT_THROW_MSG((void)p.data_ptr<float>(), ValueError, "in <method 'data_ptr'");
  EXPECT_THROW((void)p.strides(), ValueError);
  EXPECT_THROW((void)p.is_contiguous(), ValueError);
  EXPECT_THROW((void)p.storage(), ValueError);
  // ops read shape or data first: they refuse it too
  EXPECT_THROW((void)(p + 1), Error);
  EXPECT_THROW((void)matmul(ones({2, 2}), p), Error);
  EXPECT_THROW((void)p.sum(), Error);
  nn::UninitializedBuffer b;
  EXPECT_THROW_MSG((void)b.dim(), ValueError, "`torch.nn.parameter.UninitializedBuffer` objects");
  // still lazy after all that
  EXPECT_TRUE(nn::is_lazy(p));
}

TEST(UninitializedParameter, MaterializeInPlace) {
  nn::UninitializedParameter p;
  Tensor handle = p;  // a module's slot, a member: the same TensorImpl
  p.materialize({2, 3});
  EXPECT_FALSE(nn::is_lazy(handle));
  EXPECT_TRUE(handle.is_same(p));
  EXPECT_EQ(handle.sizes(), (IntArrayRef{2, 3}));
  EXPECT_EQ(handle.dtype(), kFloat32);
  EXPECT_TRUE(handle.requires_grad());
  EXPECT_TRUE(nn::is_parameter(handle));
  EXPECT_EQ(p.str().rfind("Parameter containing:", 0), 0u);
  // an ordinary parameter now
  Tensor y = (handle * 2).sum();
  y.backward();
  EXPECT_EQ(handle.grad().sizes(), (IntArrayRef{2, 3}));
  EXPECT_THROW_MSG(p.materialize({2, 3}), AttributeError,
                   "'Parameter' object has no attribute 'materialize'");

  nn::UninitializedBuffer b(false, std::nullopt, kFloat64);
  b.materialize({4}, std::nullopt, kFloat16);
  EXPECT_EQ(b.dtype(), kFloat16);
  EXPECT_EQ(b.numel(), 4);
  EXPECT_THROW_MSG(b.materialize({2}), AttributeError,
                   "'Tensor' object has no attribute 'materialize'");
  EXPECT_THROW_MSG(nn::materialize(ones({2}), {2}), AttributeError, "'Tensor' object");
}

TEST(UninitializedParameter, MaterializeBadShapeChangesNothing) {
  nn::UninitializedParameter p(true, std::nullopt, kFloat64);
  EXPECT_THROW_MSG(p.materialize({2, -1}), RuntimeError,
                   "Trying to create tensor with negative dimension -1: [2, -1]");
  EXPECT_TRUE(nn::is_lazy(p));
  EXPECT_EQ(p.dtype(), kFloat64);
  p.materialize({0});
  EXPECT_EQ(p.numel(), 0);
}

TEST(UninitializedParameter, ModuleConversionsKeepItLazy) {
  auto m = nn::make<LazyNet>();
  m->to(kFloat64);
  EXPECT_TRUE(nn::is_lazy(m->w));
  EXPECT_TRUE(nn::is_lazy(m->b));
  EXPECT_EQ(m->w.dtype(), kFloat64);
  EXPECT_EQ(m->b.dtype(), kFloat64);
  m->half();
  EXPECT_EQ(m->w.dtype(), kFloat16);
  m->float_();
  m->to(kCPU, kFloat64, false, MemoryFormat::ChannelsLast);
  m->cpu();
  m->type(kFloat32);
  EXPECT_TRUE(nn::is_lazy(m->w));
  EXPECT_EQ(m->w.dtype(), kFloat32);
  m->double_();
  // materialize takes the converted dtype
  nn::materialize(m->w, {3});
  EXPECT_EQ(m->w.dtype(), kFloat64);
  EXPECT_EQ(m->get_parameter("w").numel(), 3);
  EXPECT_TRUE(nn::is_lazy(m->b));
  EXPECT_THROW_MSG(m->share_memory(), RuntimeError,
                   "Can't share memory on an uninitialized parameter or buffer.");
  EXPECT_TRUE(m->is_training());
  m->zero_grad();
  m->requires_grad_(false);
  EXPECT_FALSE(m->w.requires_grad());
}

TEST(UninitializedParameter, StateDict) {
  // ember's state_dict holds a detached handle that stays lazy (torch keeps the
  // UninitializedParameter itself): printing it gives "<UninitializedParameter>",
  // its shape cannot be read, and loading it into an initialised module gives
  // torch's "Can't access the shape ..." error.
  auto m = nn::make<LazyNet>();
  nn::StateDict sd = m->state_dict();
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_TRUE(nn::is_lazy(sd.at("w")));
  EXPECT_TRUE(nn::is_lazy(sd.at("b")));
  EXPECT_EQ(sd.at("w").str(), "<UninitializedParameter>");
  EXPECT_EQ(sd.at("b").str(), "<UninitializedBuffer>");
  EXPECT_FALSE(sd.at("w").requires_grad());
  // keep_vars: the module's own tensors
  EXPECT_TRUE(m->state_dict("", true).at("w").is_same(m->w));

  struct Plain : nn::Module {
    Tensor w = register_parameter("w", ones({3}));
    Tensor b = register_buffer("b", ones({2}));
  };
  auto plain = nn::make<Plain>();
  EXPECT_THROW_MSG(plain->load_state_dict(sd), RuntimeError,
                   "Can't access the shape of an uninitialized parameter or buffer.");
  EXPECT_EQ(plain->w.sum().item<float>(), 3.f);
}
