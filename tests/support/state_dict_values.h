#pragma once
// Parity sweeps of modules: a case carries torch's state_dict values, in
// torch's key order, from some input on.
#include <vector>

#include "ember/ember.h"

namespace ember::testing {

// Loads in[first], in[first + 1] ... under m's state_dict keys, in m's order:
// a key order or shape that differs from torch's fails the load, as does a
// count that differs.
inline void load_state_dict_values(nn::Module& m, const std::vector<Tensor>& in, size_t first) {
  nn::StateDict sd;
  size_t i = first;
  for (const auto& [key, value] : m.state_dict()) {
    EMBER_CHECK(i < in.size(), RuntimeError, "the case has fewer state_dict values than ", key);
    sd.insert(key, in[i++]);
  }
  EMBER_CHECK(i == in.size(), RuntimeError, "the case has more state_dict values than ember's");
  m.load_state_dict(sd);
}

}  // namespace ember::testing
