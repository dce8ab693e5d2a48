#pragma once
// The module tree of tests/parity/gen_nn_module.py, for the nn parity tests: a
// shared submodule, a tied parameter, a module under two names, None members,
// a non-persistent buffer. Tests extend TreeNet with their own members.
#include <memory>
#include <string>

#include "ember/ember.h"

namespace ember::testing {

struct Leaf : nn::Module {
  Leaf() {
    register_parameter("weight", ones({2}));
    register_parameter("bias", Tensor());
    register_buffer("running", zeros({2}));
    register_buffer("scratch", zeros({1}), /*persistent=*/false);
  }
  std::string extra_repr() const override { return "features=2"; }
};

struct Block : nn::Module {
  explicit Block(std::shared_ptr<Leaf> shared) {
    register_module("a", nn::make<Leaf>());
    register_module("shared", std::move(shared));
    register_module("missing", std::shared_ptr<nn::Module>());
    register_module("b", nn::make<Leaf>());
  }
};

struct TreeNet : nn::Module {
  TreeNet() {
    auto shared = nn::make<Leaf>();
    auto first = register_module("first", nn::make<Block>(shared));
    register_module("second", nn::make<Block>(shared));
    register_parameter("tied", first->get_parameter("a.weight"));
    auto head = register_module("head", nn::make<Leaf>());
    register_module("alias", head);
  }
};

}  // namespace ember::testing
