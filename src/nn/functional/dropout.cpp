#include "ember/nn/functional/dropout.h"

#include "ember/ops/dropout.h"
#include "nn/modules/py_format.h"

namespace ember::nn::functional {

namespace {

void check_p(double p) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, ValueError,
              "dropout probability has to be between 0 and 1, but got ", nn::detail::py_float(p));
}

Tensor feature(const Tensor& x, double p, bool training, bool inplace, Generator* gen) {
  if (!inplace) return ember::feature_dropout(x, p, training, gen);
  Tensor y = x;
  ember::feature_dropout_(y, p, training, gen);
  return y;
}

// Unbatched inputs get a batch dim for the mask, removed again.
Tensor feature_maybe_unbatched(const Tensor& x, bool batched, double p, bool training, bool inplace,
                               Generator* gen) {
  if (batched) return feature(x, p, training, inplace, gen);
  if (inplace) {
    Tensor y = x;
    Tensor u = y.unsqueeze(0);
    ember::feature_dropout_(u, p, training, gen);
    return y;
  }
  return feature(x.unsqueeze(0), p, training, false, gen).squeeze(0);
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, bool inplace, Generator* gen) {
  check_p(p);
  if (!inplace) return ember::dropout(x, p, training, gen);
  Tensor y = x;
  ember::dropout_(y, p, training, gen);
  return y;
}

Tensor alpha_dropout(const Tensor& x, double p, bool training, bool inplace, Generator* gen) {
  check_p(p);
  if (!inplace) return ember::alpha_dropout(x, p, training, gen);
  Tensor y = x;
  ember::alpha_dropout_(y, p, training, gen);
  return y;
}

Tensor feature_alpha_dropout(const Tensor& x, double p, bool training, bool inplace,
                             Generator* gen) {
  check_p(p);
  if (!inplace) return ember::feature_alpha_dropout(x, p, training, gen);
  Tensor y = x;
  ember::feature_alpha_dropout_(y, p, training, gen);
  return y;
}

Tensor dropout1d(const Tensor& x, double p, bool training, bool inplace, Generator* gen) {
  check_p(p);
  const int64_t d = x.dim();
  EMBER_CHECK(d == 2 || d == 3, RuntimeError, "dropout1d: Expected 2D or 3D input, but received a ",
              d,
              "D input. Note that dropout1d exists to provide channel-wise dropout on inputs with "
              "1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D "
              "or 3D inputs).");
  return feature_maybe_unbatched(x, d == 3, p, training, inplace, gen);
}

Tensor dropout2d(const Tensor& x, double p, bool training, bool inplace, Generator* gen) {
  check_p(p);
  return feature(x, p, training, inplace, gen);
}

Tensor dropout3d(const Tensor& x, double p, bool training, bool inplace, Generator* gen) {
  check_p(p);
  return feature_maybe_unbatched(x, x.dim() == 5, p, training, inplace, gen);
}

}  // namespace ember::nn::functional
