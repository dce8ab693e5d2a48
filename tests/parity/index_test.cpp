// Parity with PyTorch for cat, stack, index_select, gather, scatter,
// scatter_add, index_add, one_hot, sort, argsort and topk. The cases come from
// gen_index.py; the names are enumerated here with the same loops, so a case
// missing on either side fails. Each case's last input is a float64 params
// vector: (dim, transform, extra...), transform as documented in gen_index.py.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::run_parity;

namespace {

const char* kDTypes[] = {"bool",  "uint8",   "int8",     "int16",   "int32",
                         "int64", "float16", "bfloat16", "float32", "float64"};
const char* kTopkDTypes[] = {"uint8", "int8",     "int16",   "int32",
                             "int64", "bfloat16", "float32", "float64"};

using Ins = std::vector<Tensor>;

std::vector<double> params(const Ins& in) { return in.back().tolist<double>(); }

// The views gen_index.py's transform() applies to the tensor inputs.
Ins transformed(const Ins& in, int t) {
  Ins ts(in.begin(), in.end() - 1);  // drop params
  for (size_t i = 0; i < ts.size(); ++i) {
    if (t == 1 && ts[i].dim() == 2) ts[i] = ts[i].t();
    if (t == 2 || (t == 3 && i == 0)) ts[i] = ts[i].contiguous(kChannelsLast);
    if (t == 4) ts[i] = ts[i].slice(-1, std::nullopt, std::nullopt, 2);
  }
  return ts;
}

int64_t p_int(const std::vector<double>& p, size_t i) { return static_cast<int64_t>(p[i]); }

// Scalars as Python passes them: an integral value as int, else as float.
Scalar p_scalar(const std::vector<double>& p, size_t i) {
  if (p[i] == static_cast<double>(static_cast<int64_t>(p[i]))) return Scalar(p_int(p, i));
  return Scalar(p[i]);
}

Ins do_cat(const Ins& in) {
  auto p = params(in);
  return {cat(transformed(in, static_cast<int>(p[1])), p_int(p, 0))};
}
Ins do_stack(const Ins& in) {
  auto p = params(in);
  return {stack(transformed(in, static_cast<int>(p[1])), p_int(p, 0))};
}
Ins do_index_select(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  return {index_select(t[0], p_int(p, 0), t[1])};
}
Ins do_gather(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  return {t[0].gather(p_int(p, 0), t[1])};
}
Ins do_scatter(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  return {scatter(t[0], p_int(p, 0), t[1], t[2])};
}
Ins do_scatter_value(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  return {t[0].scatter(p_int(p, 0), t[1], p_scalar(p, 2))};
}
Ins do_scatter_add(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  // exercise the in-place form on a copy
  Tensor self = t[0].clone();
  self.scatter_add_(p_int(p, 0), t[1], t[2]);
  return {self};
}
Ins do_index_add(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  Scalar alpha = t[0].dtype() == kBool ? Scalar(true) : p_scalar(p, 2);
  return {index_add(t[0], p_int(p, 0), t[1], t[2], alpha)};
}
Ins do_one_hot(const Ins& in) { return {one_hot(in[0], p_int(params(in), 0))}; }
Ins do_sort(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  auto [v, i] = t[0].sort(p_int(p, 0), p[2] != 0, p[3] != 0);
  return {v, i};
}
Ins do_argsort(const Ins& in) {
  auto p = params(in);
  return {argsort(in[0], p_int(p, 0), p[2] != 0, p[3] != 0)};
}
Ins do_topk(const Ins& in) {
  auto p = params(in);
  auto t = transformed(in, static_cast<int>(p[1]));
  auto [v, i] = topk(t[0], p_int(p, 2), p_int(p, 0), p[3] != 0);
  return {v, i};
}

}  // namespace

TEST(index, Parity) {
  std::map<std::string, Case> c;
  const Case strided{do_cat, {.tol = std::nullopt, .check_strides = true}};
  for (std::string dt : kDTypes) {
    for (int d : {0, 1, 2}) c["cat_" + dt + "_d" + std::to_string(d)] = {do_cat};
    for (int d : {0, 2, -1}) c["stack_" + dt + "_d" + std::to_string(d)] = {do_stack};
    for (int d : {0, 1, 2}) {
      const std::string sd = "_d" + std::to_string(d);
      c["index_select_" + dt + sd] = {do_index_select};
      c["gather_" + dt + sd] = {do_gather};
      c["scatter_" + dt + sd] = {do_scatter};
      c["scatter_add_" + dt + sd] = {do_scatter_add};
      c["index_add_" + dt + sd] = {do_index_add};
      c["sort_" + dt + sd + "_asc"] = {do_sort};
      c["sort_" + dt + sd + "_desc"] = {do_sort};
    }
    c["scatter_value_" + dt] = {do_scatter_value};
  }
  for (std::string name :
       {"cat_neg_dim", "cat_promote", "cat_promote_half_bf16", "cat_skip_empty", "cat_noncontig"})
    c[name] = {do_cat};
  for (std::string name : {"cat_cl_d0", "cat_cl_d1", "cat_cl_d3", "cat_cl_mixed", "cat_cl_promote"})
    c[name] = strided;
  c["stack_promote"] = {do_stack};
  c["stack_noncontig"] = {do_stack};
  c["stack_cl_d1"] = {do_stack, {.tol = std::nullopt, .check_strides = true}};
  c["stack_cl_d4"] = {do_stack, {.tol = std::nullopt, .check_strides = true}};
  for (std::string name :
       {"index_select_int32", "index_select_noncontig", "index_select_scalar_index"})
    c[name] = {do_index_select};
  c["gather_noncontig"] = {do_gather};
  c["scatter_noncontig"] = {do_scatter};
  for (std::string name :
       {"index_add_alpha_int32", "index_add_broadcast", "index_add_noncontig", "index_add_1d"})
    c[name] = {do_index_add};
  c["one_hot_infer"] = {do_one_hot};
  c["one_hot_classes"] = {do_one_hot};
  c["sort_unstable_asc"] = {do_sort};
  c["sort_unstable_desc"] = {do_sort};
  for (std::string name : {"sort_noncontig", "sort_cl", "sort_slice"})
    c[name] = {do_sort, {.tol = std::nullopt, .check_strides = true}};
  c["sort_large"] = {do_sort};
  c["argsort_asc"] = {do_argsort};
  c["argsort_desc"] = {do_argsort};
  for (std::string dt : kTopkDTypes)
    for (int d : {0, 1, 2})
      for (std::string which : {"largest", "smallest"})
        c["topk_" + dt + "_d" + std::to_string(d) + "_" + which] = {do_topk};
  for (std::string which : {"largest", "smallest"}) {
    c["topk_nan_" + which] = {do_topk};
    c["topk_large_k50_" + which] = {do_topk};
    c["topk_large_k2000_" + which] = {do_topk};
  }
  c["topk_noncontig"] = {do_topk};
  c["topk_cl"] = {do_topk, {.tol = std::nullopt, .check_strides = true}};
  run_parity("index", c);
}
