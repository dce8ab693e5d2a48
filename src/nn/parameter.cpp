#include "ember/nn/parameter.h"

namespace ember::nn {

Parameter::Parameter(const Tensor& data, bool requires_grad)
    : Tensor(data.defined() ? data.detach() : Tensor()) {
  EMBER_CHECK(defined(), TypeError, "Parameter: data is an undefined tensor");
  requires_grad_(requires_grad);
  impl()->set_is_parameter(true);
}

}  // namespace ember::nn
