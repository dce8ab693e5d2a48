// torch.nn's padding layers against PyTorch: values, input gradients, printed
// modules (gen_nn_padding.py); errors are ember::pad's (its own tests check
// their text), so here only their class and that they name the sizes.
#include <gtest/gtest.h>

#include <functional>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::ParityFile;

namespace {

using Maker = std::function<std::shared_ptr<nn::Module>()>;

template <typename M, typename... A>
Maker mk(A... a) {
  return [=] { return std::static_pointer_cast<nn::Module>(nn::make<M>(a...)); };
}

const std::map<std::string, Maker>& makers() {
  using V = std::vector<int64_t>;
  static const std::map<std::string, Maker> m = {
      {"constant1d", mk<nn::ConstantPad1d>(int64_t(2), Scalar(3.5))},
      {"constant1d_pair", mk<nn::ConstantPad1d>(V{1, 3}, Scalar(int64_t(-1)))},
      {"constant2d", mk<nn::ConstantPad2d>(V{1, 0, 2, 1}, Scalar(int64_t(0)))},
      {"constant2d_crop", mk<nn::ConstantPad2d>(V{-1, 1, 0, -1}, Scalar(2.0))},
      {"constant3d", mk<nn::ConstantPad3d>(int64_t(1), Scalar(0.25))},
      {"zero2d", mk<nn::ZeroPad2d>(V{2, 1, 0, 1})},
      {"zero2d_int", mk<nn::ZeroPad2d>(int64_t(1))},
      {"reflection1d", mk<nn::ReflectionPad1d>(V{2, 1})},
      {"reflection2d", mk<nn::ReflectionPad2d>(int64_t(2))},
      {"reflection3d", mk<nn::ReflectionPad3d>(V{1, 0, 1, 1, 0, 1})},
      {"replication1d", mk<nn::ReplicationPad1d>(int64_t(3))},
      {"replication2d", mk<nn::ReplicationPad2d>(V{0, 2, 1, 3})},
      {"replication3d", mk<nn::ReplicationPad3d>(int64_t(1))},
  };
  return m;
}

}  // namespace

TEST(NnPaddingParity, ValuesGradsAndReprs) {
  std::map<std::string, Case> cases;
  ParityFile f("nn_padding");
  for (const auto& [name, make] : makers()) {
    auto m = make();
    cases[name] = {[m](const std::vector<Tensor>& in) {
      Tensor x = in[0].clone().requires_grad_(true);
      Tensor y = m->call({x}).tensor();
      y.backward(in[1]);
      return std::vector<Tensor>{y.detach(), x.grad()};
    }};
    EXPECT_EQ(m->str(), f.metadata().at("repr:" + name)) << name;
  }
  ember::testing::run_parity("nn_padding", cases);
}

TEST(NnPaddingParity, Errors) {
  ParityFile f("nn_padding");
  EXPECT_NE(f.metadata().at("err_reflect_too_big").find("RuntimeError"), std::string::npos);
  EXPECT_THROW(nn::make<nn::ReflectionPad1d>(int64_t(3))->forward(zeros({1, 2, 3})), RuntimeError);
  EXPECT_THROW(nn::make<nn::ReplicationPad2d>(int64_t(1))->forward(zeros({3})), Error);
  // A padding list of the wrong length, before any input.
  try {
    nn::make<nn::ReflectionPad2d>(std::vector<int64_t>{1, 2, 3});
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "ReflectionPad2d: padding must be an int or a tuple of 4 ints, got 3 values");
  }
}
