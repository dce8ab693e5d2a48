// nn::Module's tree against torch.nn.Module: the model of gen_nn_module.py
// (a shared submodule, a tied parameter, a module under two names, None
// members), its traversals in order, and the registration / lookup errors.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "ember/ember.h"
#include "support/nn_tree.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::error_text;
using ember::testing::Leaf;
using ember::testing::ParityFile;

namespace {

struct Multi : nn::Module {
  std::string extra_repr() const override { return "first line\nsecond line"; }
};

struct Block : nn::Module {
  explicit Block(std::shared_ptr<Leaf> shared) {
    register_module("a", nn::make<Leaf>());
    register_module("shared", std::move(shared));
    register_module("missing", std::shared_ptr<nn::Module>());
    register_module("b", nn::make<Leaf>());
  }
};

struct Net : ember::testing::TreeNet {
  Net() {
    register_module("multi", nn::make<Multi>());
    register_module("plain", std::make_shared<nn::Module>("Module"));
  }
};

template <typename Pairs>
std::string names(const Pairs& pairs) {
  std::string s;
  for (size_t i = 0; i < pairs.size(); ++i) s += (i ? "\n" : "") + pairs[i].first;
  return s;
}

}  // namespace

TEST(NnModuleParity, TreeAndErrorsMatchPyTorch) {
  ParityFile f("nn_module");
  auto net = nn::make<Net>();
  std::map<std::string, std::string> got = {
      {"named_modules", names(net->named_modules())},
      {"named_modules_dup", names(net->named_modules(nullptr, "", false))},
      {"named_modules_prefix", names(net->named_modules(nullptr, "model"))},
      {"named_children", names(net->named_children())},
      {"named_parameters", names(net->named_parameters())},
      {"named_parameters_prefix", names(net->named_parameters("m"))},
      {"named_parameters_local", names(net->named_parameters("", false))},
      {"named_parameters_dup", names(net->named_parameters("", true, false))},
      {"named_buffers", names(net->named_buffers())},
      {"named_buffers_dup", names(net->named_buffers("", true, false))},
      {"num_parameters", std::to_string(net->parameters().size())},
      {"num_modules", std::to_string(net->modules().size())},
      {"err_submodule_missing", error_text([&] { net->get_submodule("first.nope"); })},
      {"err_submodule_param", error_text([&] { net->get_submodule("first.a.weight"); })},
      {"err_submodule_none", error_text([&] { net->get_submodule("first.missing"); })},
      {"err_parameter_buffer", error_text([&] { net->get_parameter("head.running"); })},
      {"err_parameter_missing", error_text([&] { net->get_parameter("head.nope"); })},
      {"err_parameter_none", error_text([&] { net->get_parameter("head.bias"); })},
      {"err_buffer_param", error_text([&] { net->get_buffer("head.weight"); })},
      {"err_buffer_missing", error_text([&] { net->get_buffer("nope"); })},
      {"err_param_dot", error_text([&] { net->register_parameter("a.b", Tensor()); })},
      {"err_param_empty", error_text([&] { net->register_parameter("", Tensor()); })},
      {"err_param_taken", error_text([&] { net->register_parameter("head", Tensor()); })},
      {"err_param_attr", error_text([&] { net->register_parameter("training", Tensor()); })},
      {"err_buffer_dot", error_text([&] { net->register_buffer("a.b", Tensor()); })},
      {"err_buffer_empty", error_text([&] { net->register_buffer("", Tensor()); })},
      {"err_buffer_taken", error_text([&] { net->register_buffer("tied", Tensor()); })},
      {"err_module_dot", error_text([&] { net->add_module("a.b", nn::ModulePtr()); })},
      {"err_module_empty", error_text([&] { net->add_module("", nn::ModulePtr()); })},
      {"err_module_taken", error_text([&] { net->add_module("tied", nn::ModulePtr()); })},
      {"repr", net->str()},
      {"repr_leaf", Leaf().str()},
      {"parameter_repr", nn::Parameter(tensor({1.0f, 2.0f})).str()},
      {"parameter_repr_nograd", nn::Parameter(tensor({1.0f, 2.0f}), false).str()},
  };
  ember::testing::expect_texts(f.metadata(), got);
}
