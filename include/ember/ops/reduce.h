#pragma once
// Reductions, as torch.sum / mean / prod / max / min / amax / argmax / var /
// std / norm / logsumexp / all / any, and the dim-wise softmax, log_softmax and
// cumsum. The Tensor methods of the same names call these.
//
// dims: negative dims count from the end; an empty list means every dim; a dim
// listed twice is an error. keepdim keeps each reduced dim with size 1.
// dtype: the input is cast to dtype first and the result has that dtype.
#include <optional>
#include <tuple>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

// Sum; bool and integer inputs give int64 unless dtype says otherwise.
Tensor sum(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor sum(const Tensor& t, IntArrayRef dims, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
// Mean of a floating tensor (or with a floating dtype); nan when nothing is reduced.
Tensor mean(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& t, IntArrayRef dims, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
// Product; bool and integer inputs give int64 unless dtype says otherwise.
Tensor prod(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor prod(const Tensor& t, int64_t dim, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);

// Largest / smallest element (NaN wins). With a dim: (values, int64 indices),
// the index of the first occurrence.
Tensor max(const Tensor& t);
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& t);
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& t, IntArrayRef dims = {}, bool keepdim = false);
Tensor amin(const Tensor& t, IntArrayRef dims = {}, bool keepdim = false);
// Index of the first max / min; without a dim, into the flattened tensor.
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// Variance and standard deviation over dims (all when none) with the divisor
// N - correction (inf or nan when that is <= 0, as PyTorch).
Tensor var(const Tensor& t, std::optional<std::vector<int64_t>> dims = std::nullopt,
           double correction = 1, bool keepdim = false);
Tensor std(const Tensor& t, std::optional<std::vector<int64_t>> dims = std::nullopt,
           double correction = 1, bool keepdim = false);
// (var, mean) and (std, mean), as torch.var_mean / std_mean.
std::tuple<Tensor, Tensor> var_mean(const Tensor& t,
                                    std::optional<std::vector<int64_t>> dims = std::nullopt,
                                    double correction = 1, bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& t,
                                    std::optional<std::vector<int64_t>> dims = std::nullopt,
                                    double correction = 1, bool keepdim = false);

// Vector p-norm over dims (all when none): p = 2, 1, inf, -inf, 0 (count of
// non-zeros) or any other p. Floating inputs only.
Tensor norm(const Tensor& t, const Scalar& p = 2,
            std::optional<std::vector<int64_t>> dims = std::nullopt, bool keepdim = false);
// log(sum(exp(t))) over dims, computed stably; integer inputs give the default dtype.
Tensor logsumexp(const Tensor& t, IntArrayRef dims, bool keepdim = false);

// Whether all / any elements are non-zero: bool, or uint8 for uint8 input.
Tensor all(const Tensor& t);
Tensor all(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor any(const Tensor& t);
Tensor any(const Tensor& t, int64_t dim, bool keepdim = false);

// Softmax / log-softmax along dim (floating; dtype casts the input first).
// Half and BFloat16 compute in float.
Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
// Cumulative sum along dim; bool and integer inputs give int64 unless dtype says otherwise.
Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace ember
