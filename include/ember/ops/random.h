#pragma once
// Random tensors, as torch.rand / randn / randint / randperm / normal / bernoulli.
// Every function takes an optional Generator (nullptr: the default generator,
// seeded by ember::manual_seed). Numbers come from Philox-4x32-10 counters, so a
// seed gives the same tensor whatever the thread count. The in-place fills
// (uniform_, normal_, bernoulli_, random_) are Tensor methods (tensor.h).
#include <cstdint>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"
#include "ember/ops/factory.h"

namespace ember {

// Uniform on [0, 1); floating dtypes only.
Tensor rand(IntArrayRef sizes, const TensorOptions& options = {}, Generator* gen = nullptr);
// Standard normal; floating dtypes only.
Tensor randn(IntArrayRef sizes, const TensorOptions& options = {}, Generator* gen = nullptr);
// Integers uniform on [low, high); dtype int64 unless options say otherwise.
Tensor randint(int64_t low, int64_t high, IntArrayRef sizes, const TensorOptions& options = {},
               Generator* gen = nullptr);
Tensor randint(int64_t high, IntArrayRef sizes, const TensorOptions& options = {},
               Generator* gen = nullptr);
// A random permutation of 0 .. n-1; dtype int64 unless options say otherwise.
Tensor randperm(int64_t n, const TensorOptions& options = {}, Generator* gen = nullptr);
// Normal with the given mean and standard deviation.
Tensor normal(double mean, double std, IntArrayRef sizes, const TensorOptions& options = {},
              Generator* gen = nullptr);
// 0/1 drawn elementwise with probability p (floating, values in [0, 1]); the
// result has p's dtype, shape and memory format.
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);

// *_like: shape, dtype and device of t unless options say otherwise.
Tensor rand_like(const Tensor& t, const LikeOptions& options = {}, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, const LikeOptions& options = {}, Generator* gen = nullptr);
Tensor randint_like(const Tensor& t, int64_t high, const LikeOptions& options = {},
                    Generator* gen = nullptr);
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, const LikeOptions& options = {},
                    Generator* gen = nullptr);

}  // namespace ember
