#include "ember/nn/utils/convert_parameters.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "autograd/record.h"
#include "ember/core/parallel.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "nn/traversal.h"

namespace ember::nn::utils {

namespace {

// PyTorch's _check_param_device: the CUDA index, or -1 for any other device.
int check_param_device(const Tensor& param, std::optional<int> old) {
  EMBER_CHECK(param.defined(), AttributeError, "'NoneType' object has no attribute 'is_cuda'");
  const int dev = param.is_cuda() ? param.device().index : -1;
  if (old)
    EMBER_CHECK(dev == *old, TypeError,
                "Found two parameters on different devices, this is currently not supported.");
  return dev;
}

}  // namespace

Tensor parameters_to_vector(const std::vector<Tensor>& parameters) {
  std::optional<int> device;
  // Fast path: every parameter contiguous, of one dtype and device. Then the
  // vector is one allocation and one memcpy per parameter, with no
  // per-parameter view: about what a copy of the bytes costs.
  bool fast = !parameters.empty();
  std::vector<int64_t> offsets;  // in bytes
  std::vector<const char*> src;
  offsets.reserve(parameters.size() + 1);
  src.reserve(parameters.size());
  offsets.push_back(0);
  int64_t total = 0;
  const TensorImpl* first = parameters.empty() ? nullptr : parameters[0].impl();
  for (const auto& p : parameters) {
    device = check_param_device(p, device);
    const TensorImpl* i = p.impl();
    if (!i->is_contiguous()) {
      (void)p.view({-1});  // view's error where PyTorch's p.view(-1) fails
      fast = false;
    }
    fast = fast && i->dtype() == first->dtype() && i->device() == first->device();
    total += i->numel();
    offsets.push_back(offsets.back() + i->numel() * static_cast<int64_t>(i->itemsize()));
    src.push_back(static_cast<const char*>(i->data_unchecked()));
  }
  if (!fast) {
    // Mixed dtypes (promoted) or devices, strided parameters: torch.cat of the views.
    std::vector<Tensor> flat;
    flat.reserve(parameters.size());
    for (const auto& p : parameters) flat.push_back(p.view({-1}));
    return cat(flat);
  }
  Tensor out = empty({total}, {.dtype = first->dtype(), .device = first->device()});
  if (!out.is_meta() && total > 0) {
    // Back to back into out: piece i goes to its offset there.
    char* base = static_cast<char*>(out.data_ptr());
    std::vector<char*> dst;
    dst.reserve(src.size());
    for (size_t i = 0; i < src.size(); ++i) dst.push_back(base + offsets[i]);
    internal::copy_pieces(dst, src, offsets);
  }
  if (!autograd::grad_needed_list(parameters) || !out.is_floating_point()) return out;
  // cat's node, straight onto the parameters (PyTorch has a ViewBackward0 in
  // between): each parameter's gradient is its slice of g in its shape.
  std::vector<DimVector> shapes;
  shapes.reserve(parameters.size());
  for (const auto& p : parameters) shapes.emplace_back(p.sizes());
  auto node = autograd::make_node_list(
      "CatBackward0",
      [shapes = std::move(shapes)](autograd::FormulaNodeBase& n, autograd::variable_list& g) {
        autograd::variable_list r(shapes.size());
        int64_t offset = 0;
        for (size_t i = 0; i < shapes.size(); ++i) {
          int64_t numel = 1;
          for (auto s : shapes[i]) numel *= s;
          if (n.needs_input_grad(i)) r[i] = g[0].narrow(0, offset, numel).view(shapes[i]);
          offset += numel;
        }
        return r;
      },
      parameters);
  autograd::set_history(out, node);
  return out;
}

void vector_to_parameters(const Tensor& vec, const std::vector<Tensor>& parameters) {
  EMBER_CHECK(vec.defined(), TypeError, "expected torch.Tensor, but got: NoneType");
  constexpr const char* kIncompatible =
      "Attempted to call `variable.set_data(tensor)`, but `variable` and `tensor` have "
      "incompatible tensor type.";
  constexpr const char* kNotFloating =
      "data set to a tensor that requires gradients must be floating point or complex dtype";
  std::optional<int> device;
  // A 1-D vec with unit stride (the usual case) has a contiguous slice per
  // parameter: its geometry is computed directly, without the three tensors
  // vec[a:b].view_as(p).data makes. Otherwise those views are made.
  const bool dense = vec.dim() == 1 && vec.stride(0) == 1;
  const int64_t length = vec.dim() ? vec.size(0) : 0;
  std::vector<Tensor> slices;  // general path only
  if (!dense) slices.reserve(parameters.size());
  // Everything is checked first, so that a failure leaves all the parameters as they were.
  int64_t pointer = 0;
  for (const auto& p : parameters) {
    device = check_param_device(p, device);
    const int64_t n = p.numel();
    if (!dense || pointer + n > length) {
      Tensor s = vec.slice(0, pointer, pointer + n).view_as(p).data();  // view's errors
      if (!dense) slices.push_back(std::move(s));
    }
    EMBER_CHECK(vec.device().type == p.device().type, RuntimeError, kIncompatible);
    EMBER_CHECK(!p.requires_grad() || vec.is_floating_point(), RuntimeError, kNotFloating);
    pointer += n;
  }
  pointer = 0;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Tensor& p = parameters[i];
    if (!dense) {
      p.set_data(slices[i]);
      continue;
    }
    // What set_data(vec[pointer:pointer + n].view_as(p)) does, in place.
    TensorImpl* impl = p.impl();
    const int64_t n = impl->numel();
    const DimVector sizes(impl->sizes());
    impl->set_storage(vec.storage());
    impl->set_dtype(vec.dtype());
    impl->set_sizes_and_strides(sizes, contiguous_strides(sizes), vec.storage_offset() + pointer);
    pointer += n;
  }
}

}  // namespace ember::nn::utils
