// Parity of the tensor core with PyTorch (references from gen_core.py): promotion
// grids, view chains, dtype conversions, copies and layouts, factories.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ops/op_utils.h"
#include "support/parity.h"

using namespace ember;
using ember::testing::Case;
using ember::testing::CaseOptions;
using ember::testing::ParityFile;
using I64 = std::vector<int64_t>;
using Outs = std::vector<Tensor>;
using In = std::vector<Tensor>;

namespace {

const DType kAll[] = {kBool,  kUInt8,   kInt8,     kInt16,   kInt32,
                      kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};
const Scalar kScalars[] = {Scalar(true), Scalar(1), Scalar(1.5)};

int64_t code(DType t) { return static_cast<int64_t>(t); }

Tensor codes(const std::vector<std::vector<DType>>& rows) {
  std::vector<int64_t> flat;
  for (const auto& r : rows)
    for (DType d : r) flat.push_back(code(d));
  return from_vector(flat,
                     {static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())});
}

Tensor dim_tensor(DType t) { return ones({2}, {.dtype = t}); }
Tensor zero_dim_tensor(DType t) { return ones({}, {.dtype = t}); }

// The grids gen_core.py writes, computed by ember.
std::map<std::string, Tensor> promotion_grids() {
  std::vector<std::vector<DType>> promote, dz, zd, zz, ds, zs, ss;
  for (DType a : kAll) {
    std::vector<DType> p, r1, r2, r3, r4, r5;
    for (DType b : kAll) {
      p.push_back(promote_types(a, b));
      r1.push_back(ops::result_type(dim_tensor(a), zero_dim_tensor(b)));
      r2.push_back(ops::result_type(zero_dim_tensor(a), dim_tensor(b)));
      r3.push_back(ops::result_type(zero_dim_tensor(a), zero_dim_tensor(b)));
    }
    for (const Scalar& s : kScalars) {
      r4.push_back(ops::result_type(dim_tensor(a), s));
      r5.push_back(ops::result_type(zero_dim_tensor(a), s));
    }
    promote.push_back(p);
    dz.push_back(r1);
    zd.push_back(r2);
    zz.push_back(r3);
    ds.push_back(r4);
    zs.push_back(r5);
  }
  for (const Scalar& s : kScalars) {
    std::vector<DType> row;
    for (const Scalar& t : kScalars)
      row.push_back(ops::result_type(ArrayRef<Tensor>(), std::vector<Scalar>{s, t}));
    ss.push_back(row);
  }
  return {{"promote_types", codes(promote)},       {"result_type_dim_zero", codes(dz)},
          {"result_type_zero_dim", codes(zd)},     {"result_type_zero_zero", codes(zz)},
          {"result_type_dim_scalar", codes(ds)},   {"result_type_zero_scalar", codes(zs)},
          {"result_type_scalar_scalar", codes(ss)}};
}

using Fn = std::function<Tensor(const Tensor&)>;
struct Chain {
  Fn prep;   // base -> root
  Fn chain;  // root -> view
  bool write;
};
const Fn kIdent = [](const Tensor& x) { return x; };
const Fn kToCL = [](const Tensor& x) { return x.contiguous(kChannelsLast); };
const std::nullopt_t none = std::nullopt;

std::map<std::string, Chain> view_chains() {
  using T = const Tensor&;
  return {
      {"view_infer",
       {kIdent,
        [](T x) {
          return x.view({-1, 20});
        },
        true}},
      {"view_split_dim",
       {kIdent,
        [](T x) {
          return x.view({2, 3, 2, 2, 5});
        },
        true}},
      {"view_of_slice",
       {[](T x) { return x.slice(2, 1, 3); },
        [](T r) {
          return r.view({2, 3, 10});
        },
        true}},
      {"view_scalar",
       {kIdent,
        [](T x) {
          return x.index({1, 2, 3, 4}).view({1, 1});
        },
        true}},
      {"view_empty",
       {kIdent,
        [](T x) {
          return x.slice(1, 0, 0).reshape({-1, 4, 5});
        },
        true}},
      {"reshape_copy",
       {kIdent,
        [](T x) {
          return x.transpose(1, 2).reshape({2, 12, 5});
        },
        true}},
      {"reshape_view",
       {kIdent,
        [](T x) {
          return x.permute({1, 0, 2, 3}).reshape({3, 2, 20});
        },
        true}},
      {"flatten_mid", {kIdent, [](T x) { return x.flatten(1, 2); }, true}},
      {"flatten_perm_copy",
       {kIdent,
        [](T x) {
          return x.permute({0, 2, 1, 3}).flatten(2);
        },
        true}},
      {"flatten_scalar",
       {kIdent,
        [](T x) {
          return x.index({0, 0, 0, 0}).flatten();
        },
        true}},
      {"unflatten",
       {kIdent,
        [](T x) {
          return x.unflatten(-1, {5, 1});
        },
        true}},
      {"unflatten_infer",
       {kIdent,
        [](T x) {
          return x.flatten().unflatten(0, {-1, 6, 4});
        },
        true}},
      {"squeeze_all", {kIdent, [](T x) { return x.slice(1, 0, 1).squeeze(); }, true}},
      {"squeeze_dim",
       {kIdent, [](T x) { return x.slice(1, 0, 1).slice(3, 2, 3).squeeze(1); }, true}},
      {"squeeze_noop", {kIdent, [](T x) { return x.squeeze(0); }, true}},
      {"unsqueeze_mid", {kIdent, [](T x) { return x.unsqueeze(2); }, true}},
      {"unsqueeze_of_t",
       {kIdent,
        [](T x) {
          return x.index({0, 0}).t().unsqueeze(1);
        },
        true}},
      {"permute",
       {kIdent,
        [](T x) {
          return x.permute({3, 1, 0, 2});
        },
        true}},
      {"permute_neg",
       {kIdent,
        [](T x) {
          return x.permute({-1, -2, -3, -4});
        },
        true}},
      {"movedim", {kIdent, [](T x) { return x.movedim(1, -1); }, true}},
      {"transpose", {kIdent, [](T x) { return x.transpose(0, 3); }, true}},
      {"mT", {kIdent, [](T x) { return x.mT(); }, true}},
      {"t_of_select",
       {kIdent,
        [](T x) {
          return x.index({0, 0}).t();
        },
        true}},
      {"expand_singletons",
       {kIdent,
        [](T x) {
          return x.slice(1, 0, 1).slice(2, 0, 1).expand({2, 3, 4, 5});
        },
        false}},
      {"expand_new_dims",
       {kIdent,
        [](T x) {
          return x.index({0, 0, 0}).expand({3, 2, 5});
        },
        false}},
      {"expand_minus_one",
       {kIdent,
        [](T x) {
          return x.slice(2, 0, 1).expand({-1, -1, 6, -1});
        },
        false}},
      {"expand_scalar",
       {kIdent,
        [](T x) {
          return x.index({1, 1, 1, 1}).expand({2, 1, 3});
        },
        false}},
      {"narrow", {kIdent, [](T x) { return x.narrow(2, 1, 2); }, true}},
      {"narrow_neg", {kIdent, [](T x) { return x.narrow(-1, -3, 2); }, true}},
      {"narrow_empty_end", {kIdent, [](T x) { return x.narrow(1, 3, 0); }, true}},
      {"select", {kIdent, [](T x) { return x.select(1, -1); }, true}},
      {"select_chain", {kIdent, [](T x) { return x.select(3, 2).select(0, 1); }, true}},
      {"slice_step",
       {kIdent,
        [](T x) {
          return x.index({Slice(), Slice(1), Slice(none, none, 3)});
        },
        true}},
      {"slice_neg",
       {kIdent,
        [](T x) {
          return x.index({kEllipsis, Slice(-4, -1, 2)});
        },
        true}},
      {"slice_past_end",
       {kIdent,
        [](T x) {
          return x.index({Slice(), Slice(5)});
        },
        true}},
      {"slice_clamped",
       {kIdent,
        [](T x) {
          return x.index({Slice(-100, 100), Slice(1, -100)});
        },
        true}},
      {"slice_reversed_bounds",
       {kIdent,
        [](T x) {
          return x.index({Slice(), Slice(), Slice(3, 1)});
        },
        true}},
      {"as_strided",
       {kIdent,
        [](T x) {
          return x.as_strided({3, 4}, {7, 2}, 5);
        },
        true}},
      {"as_strided_overlap",
       {kIdent,
        [](T x) {
          return x.as_strided({4, 4}, {1, 1});
        },
        true}},
      {"as_strided_keep_offset",
       {kIdent,
        [](T x) {
          return x.select(0, 1).as_strided({2, 3}, {10, 1});
        },
        true}},
      {"split", {kIdent, [](T x) { return x.split(2, 2)[1]; }, true}},
      {"split_last", {kIdent, [](T x) { return x.split(3, -1)[1]; }, true}},
      {"split_sizes",
       {kIdent,
        [](T x) {
          return x.split(I64{1, 3, 1}, 3)[1];
        },
        true}},
      {"chunk", {kIdent, [](T x) { return x.chunk(3, -1)[2]; }, true}},
      {"chunk_uneven", {kIdent, [](T x) { return x.chunk(4, 1)[1]; }, true}},
      {"unbind", {kIdent, [](T x) { return x.unbind(1)[2]; }, true}},
      {"diagonal", {kIdent, [](T x) { return x.diagonal(0, 2, 3); }, true}},
      {"diagonal_pos", {kIdent, [](T x) { return x.diagonal(1, -1, 1); }, true}},
      {"diagonal_neg", {kIdent, [](T x) { return x.diagonal(-2, 0, 2); }, true}},
      {"diagonal_off_end", {kIdent, [](T x) { return x.diagonal(9, 2, 3); }, true}},
      {"index_mix",
       {kIdent,
        [](T x) {
          return x.index({1, kEllipsis, kNone, Slice(2, 4)});
        },
        true}},
      {"index_none",
       {kIdent,
        [](T x) {
          return x.index({kNone, Slice(), 0, kNone});
        },
        true}},
      {"index_ellipsis_int",
       {kIdent,
        [](T x) {
          return x.index({kEllipsis, 3});
        },
        true}},
      {"index_negative",
       {kIdent,
        [](T x) {
          return x.index({-1, -2, Slice(none, none, 2), -1});
        },
        true}},
      {"long_chain",
       {kIdent,
        [](T x) {
          return x.permute({2, 0, 3, 1})
              .index({Slice(1, 3), Slice(), Slice(none, none, 2)})
              .transpose(0, 3)
              .unsqueeze(1)
              .narrow(3, 1, 2);
        },
        true}},
      {"cl_view",
       {kToCL,
        [](T r) {
          return r.permute({0, 2, 3, 1}).view({2, 20, 3});
        },
        true}},
      {"cl_slice",
       {kToCL,
        [](T r) {
          return r.index({Slice(), Slice(1), Slice(none, none, 2)});
        },
        true}},
      {"cl_flatten_copy", {kToCL, [](T r) { return r.flatten(2); }, true}},
      {"cl_select",
       {kToCL,
        [](T r) {
          return r.index({Slice(), Slice(), 2}).mT();
        },
        true}},
  };
}

Tensor ints(IntArrayRef v) { return from_vector<int64_t>(v.vec()); }

std::map<std::string, Fn> copy_cases() {
  using T = const Tensor&;
  auto into = [](DType dt, IntArrayRef shape, MemoryFormat fmt = kContiguous) {
    return zeros(shape, {.dtype = dt, .memory_format = fmt});
  };
  return {
      {"copy_cl_src_to_f64",
       [=](T x) {
         return into(kFloat64, {2, 3, 4, 5}).copy_(x.contiguous(kChannelsLast));
       }},
      {"copy_to_cl_dst_f16",
       [=](T x) {
         return into(kFloat16, {2, 3, 4, 5}, kChannelsLast).copy_(x);
       }},
      {"copy_perm_src_to_i32",
       [=](T x) {
         return into(kInt32, {2, 4, 5, 3}).copy_(x.permute({0, 2, 3, 1}));
       }},
      {"copy_broadcast_bf16",
       [=](T x) {
         return into(kBFloat16, {2, 3, 4, 5}).copy_(x.slice(1, 0, 1).slice(3, 0, 1));
       }},
      {"copy_scalar_src_i8",
       [=](T x) {
         return into(kInt8, {3, 4}).copy_(x.index({1, 2, 3, 4}));
       }},
      {"copy_into_strided_dst",
       [](T x) {
         Tensor big = zeros({2, 3, 4, 10}, {.dtype = kFloat64});
         big.index({kEllipsis, Slice(none, none, 2)}).copy_(x);
         return big;
       }},
      {"copy_into_permuted_dst",
       [](T x) {
         Tensor big = zeros({5, 3, 4, 2}, {.dtype = kInt16}).permute({3, 1, 2, 0});
         big.index({Slice(), Slice(), Slice(), Slice(1)})
             .copy_(x.transpose(0, 1).index({kEllipsis, Slice(none, 4)}).transpose(0, 1));
         return big.contiguous();
       }},
  };
}

std::map<std::string, Fn> layout_cases() {
  using T = const Tensor&;
  auto every2 = [](T x, int64_t d) { return x.slice(d, none, none, 2); };
  return {
      {"to_cl_f16", [](T x) { return x.contiguous(kChannelsLast).to(kFloat16); }},
      {"to_perm_f64",
       [](T x) {
         return x.permute({0, 2, 3, 1}).to(kFloat64);
       }},
      {"to_sliced_i32", [=](T x) { return every2(x, 2).to(kInt32); }},
      {"to_cl_sliced_bf16",
       [](T x) { return x.contiguous(kChannelsLast).slice(1, 1).to(kBFloat16); }},
      {"to_expanded_f64",
       [](T x) {
         return x.slice(1, 0, 1).expand({2, 3, 4, 5}).to(kFloat64);
       }},
      {"to_fmt_cl_f64", [](T x) { return x.to(kFloat64, false, false, kChannelsLast); }},
      {"to_fmt_contig_from_cl",
       [](T x) { return x.contiguous(kChannelsLast).to(kFloat64, false, false, kContiguous); }},
      {"to_memory_format_cl", [](T x) { return x.to(kChannelsLast); }},
      {"to_memory_format_c1", [](T x) { return x.slice(1, 0, 1).to(kChannelsLast); }},
      {"to_memory_format_t",
       [](T x) {
         return x.index({0, 0}).t().to(kContiguous);
       }},
      {"clone_perm",
       [](T x) {
         return x.permute({0, 2, 3, 1}).clone();
       }},
      {"clone_cl_sliced", [=](T x) { return every2(x.contiguous(kChannelsLast), 2).clone(); }},
      {"clone_to_cl", [](T x) { return x.transpose(0, 1).clone(kChannelsLast); }},
      {"clone_expanded",
       [](T x) {
         return x.slice(0, 0, 1).slice(2, 0, 1).expand({2, 3, 4, 5}).clone();
       }},
      {"clone_diagonal", [](T x) { return x.diagonal(0, 2, 3).clone(); }},
      {"contiguous_of_t", [](T x) { return x.transpose(1, 3).contiguous(); }},
      {"contiguous_cl_of_perm",
       [](T x) {
         return x.permute({0, 2, 3, 1}).contiguous(kChannelsLast);
       }},
      {"contiguous_cl3d",
       [](T x) {
         return x.view({2, 3, 2, 2, 5}).contiguous(kChannelsLast3d);
       }},
      {"zeros_like_sliced",
       [=](T x) {
         return zeros_like(every2(x.permute({0, 2, 3, 1}), 2));
       }},
      {"ones_like_expanded",
       [](T x) {
         return ones_like(x.slice(2, 0, 1).expand({2, 3, 4, 5}), {.dtype = kInt32});
       }},
      {"full_like_cl",
       [](T x) { return full_like(x.contiguous(kChannelsLast), 2.5, {.dtype = kFloat64}); }},
  };
}

std::map<std::string, std::function<Tensor()>> factory_cases() {
  auto dt = [](DType d) { return TensorOptions{.dtype = d}; };
  return {
      {"arange_int", [] { return arange(-7, 20, 3); }},
      {"arange_neg_step", [] { return arange(10, -3, -4); }},
      {"arange_float", [] { return arange(-1.5, 2.5, 0.3); }},
      {"arange_float_neg", [] { return arange(2.0, -1.0, -0.7); }},
      {"arange_f64", [=] { return arange(0, 1, 0.1, dt(kFloat64)); }},
      {"arange_f16", [=] { return arange(0, 3, 0.1, dt(kFloat16)); }},
      {"arange_bf16", [=] { return arange(-2, 2, 0.15, dt(kBFloat16)); }},
      {"arange_i32_from_float", [=] { return arange(0.5, 9, 1.5, dt(kInt32)); }},
      {"arange_i64_from_float", [=] { return arange(0.5, 9, 1.5, dt(kInt64)); }},
      {"arange_u8_wrap", [=] { return arange(-3, 3, 1, dt(kUInt8)); }},
      {"arange_i16_neg", [=] { return arange(100, -100, -7.5, dt(kInt16)); }},
      {"arange_large", [=] { return arange(0, 100000, 7, dt(kFloat32)); }},
      {"linspace_f32", [] { return linspace(-3, 7, 13); }},
      {"linspace_f64", [=] { return linspace(0, 1, 50, dt(kFloat64)); }},
      {"linspace_f16", [=] { return linspace(-1, 3, 15, dt(kFloat16)); }},
      {"linspace_bf16", [=] { return linspace(0.5, 100, 15, dt(kBFloat16)); }},
      {"linspace_i64", [=] { return linspace(-10, 10, 7, dt(kInt64)); }},
      {"linspace_i64_float_ends", [=] { return linspace(0.5, 10.7, 5, dt(kInt64)); }},
      {"linspace_u8", [=] { return linspace(-5, 5, 3, dt(kUInt8)); }},
      {"linspace_i8_desc", [=] { return linspace(100, -100, 9, dt(kInt8)); }},
      {"linspace_one", [] { return linspace(2, 5, 1); }},
      {"linspace_empty", [] { return linspace(2, 5, 0); }},
      {"eye_rect", [] { return eye(3, 5); }},
      {"eye_tall_i64", [=] { return eye(4, 2, dt(kInt64)); }},
      {"full_int",
       [] {
         return full({2, 3}, 7);
       }},
      {"full_bool", [] { return full({2}, true); }},
      {"full_float", [] { return full({3}, -1.25); }},
      {"full_i8_from_float", [=] { return full({2}, -3.9, dt(kInt8)); }},
      {"ones_default",
       [] {
         return ones({2, 2});
       }},
      {"zeros_bf16", [=] { return zeros({3}, dt(kBFloat16)); }},
  };
}

// Rows of [K, 5] sizes / strides, padded with -1, into the layout flags and
// empty_like strides gen_core.py records.
Outs layout_flags(const In& in) {
  const auto sizes = in[0].tolist<int64_t>();
  const auto strides = in[1].tolist<int64_t>();
  const int64_t k = in[0].size(0);
  std::vector<int64_t> flags, like;
  for (int64_t r = 0; r < k; ++r) {
    I64 sz, st;
    for (int64_t j = 0; j < 5 && sizes[r * 5 + j] >= 0; ++j) {
      sz.push_back(sizes[r * 5 + j]);
      st.push_back(strides[r * 5 + j]);
    }
    Tensor x = empty_strided(sz, st);
    const MemoryFormat s = x.suggest_memory_format();
    flags.insert(flags.end(), {x.is_contiguous(), x.is_contiguous(kChannelsLast),
                               x.is_contiguous(kChannelsLast3d),
                               s == kChannelsLast     ? 1
                               : s == kChannelsLast3d ? 2
                                                      : 0});
    I64 ls = empty_like(x).strides().vec();
    ls.resize(5, -1);
    like.insert(like.end(), ls.begin(), ls.end());
  }
  return {from_vector(flags, {k, 4}), from_vector(like, {k, 5})};
}

std::map<std::string, Case> all_cases() {
  std::map<std::string, Case> cases;
  for (const auto& [name, grid] : promotion_grids()) {
    Tensor g = grid;
    cases[name] = {[g](const In&) { return Outs{g}; }};
  }
  for (const auto& [name, c] : view_chains()) {
    cases["view_" + name] = {[c](const In& in) {
      Tensor root = c.prep(in[0].clone());
      Tensor v = c.chain(root);
      Outs outs{v.clone(), ints(v.sizes()), ints(v.strides()), ints(I64{v.storage_offset()})};
      if (c.write) {
        v.fill_(-1);
        outs.push_back(root.clone());
      }
      return outs;
    }};
  }
  for (DType src : kAll)
    for (DType dst : kAll)
      cases[std::string("to_") + dtype_name(src) + "_" + dtype_name(dst)] = {
          [dst](const In& in) { return Outs{in[0].to(dst)}; }};
  for (DType src : {kFloat16, kBFloat16, kFloat32, kFloat64})
    for (DType dst : {kFloat16, kBFloat16, kFloat32, kFloat64, kBool})
      cases[std::string("special_") + dtype_name(src) + "_" + dtype_name(dst)] = {
          [dst](const In& in) { return Outs{in[0].to(dst)}; }};
  for (const auto& [name, fn] : copy_cases())
    cases[name] = {[fn](const In& in) { return Outs{fn(in[0])}; }};
  for (const auto& [name, fn] : layout_cases())
    cases[name] = {[fn](const In& in) { return Outs{fn(in[0])}; },
                   CaseOptions{.tol = std::nullopt, .check_strides = true}};
  cases["layout_flags"] = {layout_flags};
  for (const auto& [name, fn] : factory_cases())
    cases["factory_" + name] = {[fn](const In&) { return Outs{fn()}; }};
  return cases;
}

}  // namespace

TEST(core, AllCases) { ember::testing::run_parity("core", all_cases()); }

// The promotion grids read directly, so a mismatch names the dtypes involved.
TEST(core, PromotionGridsByName) {
  ParityFile f("core");
  for (const auto& [name, mine] : promotion_grids()) {
    const Tensor want = f.outputs(name).at(0);
    ASSERT_EQ(want.sizes().vec(), mine.sizes().vec()) << name;
    const auto w = want.tolist<int64_t>(), m = mine.tolist<int64_t>();
    const int64_t cols = want.size(1);
    for (size_t i = 0; i < w.size(); ++i) {
      const int64_t r = static_cast<int64_t>(i) / cols, c = static_cast<int64_t>(i) % cols;
      const std::string row =
          name == "result_type_scalar_scalar" ? kScalars[r].str() : dtype_name(kAll[r]);
      const std::string col =
          name.find("scalar") != std::string::npos ? kScalars[c].str() : dtype_name(kAll[c]);
      EXPECT_EQ(m[i], w[i]) << name << "(" << row << ", " << col << "): ember gives "
                            << dtype_name(kAll[m[i]]) << ", PyTorch " << dtype_name(kAll[w[i]]);
    }
  }
}

// The layout table row by row, naming the sizes and strides of a mismatch.
TEST(core, LayoutFlagsByPattern) {
  ParityFile f("core");
  const In in = f.inputs("layout_flags");
  const Outs want = f.outputs("layout_flags");
  const Outs mine = layout_flags(in);
  const auto sizes = in[0].tolist<int64_t>(), strides = in[1].tolist<int64_t>();
  const auto wf = want[0].tolist<int64_t>(), mf = mine[0].tolist<int64_t>();
  const auto wl = want[1].tolist<int64_t>(), ml = mine[1].tolist<int64_t>();
  ASSERT_EQ(wf.size(), mf.size());
  ASSERT_GT(in[0].size(0), 300);
  for (int64_t r = 0; r < in[0].size(0); ++r) {
    const I64 sz(sizes.begin() + r * 5, sizes.begin() + r * 5 + 5);
    const I64 st(strides.begin() + r * 5, strides.begin() + r * 5 + 5);
    const I64 w(wf.begin() + r * 4, wf.begin() + r * 4 + 4),
        m(mf.begin() + r * 4, mf.begin() + r * 4 + 4);
    const I64 wlr(wl.begin() + r * 5, wl.begin() + r * 5 + 5),
        mlr(ml.begin() + r * 5, ml.begin() + r * 5 + 5);
    EXPECT_EQ(m, w) << "flags [contiguous, channels_last, channels_last_3d, suggest] of sizes "
                    << IntArrayRef(sz) << " strides " << IntArrayRef(st);
    EXPECT_EQ(mlr, wlr) << "empty_like strides of sizes " << IntArrayRef(sz) << " strides "
                        << IntArrayRef(st);
  }
}
