// Parity with PyTorch for reductions, softmax and cumsum. The grids here
// mirror tests/parity/gen_reduce.py case for case: run_parity fails on a case
// that only one side has.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/parity.h"

using namespace ember;
using namespace ember::testing;

namespace {

using Dims = std::vector<int64_t>;
using Outs = std::vector<Tensor>;

const std::vector<std::pair<std::string, DType>> kDTypes = {
    {"f32", kFloat32}, {"f64", kFloat64}, {"f16", kFloat16}, {"bf16", kBFloat16}, {"u8", kUInt8},
    {"i8", kInt8},     {"i16", kInt16},   {"i32", kInt32},   {"i64", kInt64},     {"b", kBool}};

std::vector<std::string> floats() { return {"f32", "f64", "f16", "bf16"}; }
std::vector<std::string> all_dtypes() {
  std::vector<std::string> v;
  for (const auto& [n, d] : kDTypes) v.push_back(n);
  return v;
}
bool is_float_name(const std::string& n) {
  return n == "f32" || n == "f64" || n == "f16" || n == "bf16";
}

struct Layout {
  int rank;
  std::function<Tensor(const Tensor&)> view;
};
// The same transforms as gen_reduce.py's LAYOUTS, applied to the saved base.
const std::map<std::string, Layout>& layouts() {
  static const std::map<std::string, Layout> m = {
      {"c2", {2, [](const Tensor& x) { return x; }}},
      {"t2", {2, [](const Tensor& x) { return x.transpose(0, 1); }}},
      {"s2", {2, [](const Tensor& x) { return x.slice(1, std::nullopt, std::nullopt, 2); }}},
      {"c3", {3, [](const Tensor& x) { return x; }}},
      {"p3",
       {3,
        [](const Tensor& x) {
          return x.permute({2, 0, 1});
        }}},
      {"s3", {3, [](const Tensor& x) { return x.slice(1, std::nullopt, std::nullopt, 2); }}},
      {"c4", {4, [](const Tensor& x) { return x; }}},
      {"cl4", {4, [](const Tensor& x) { return x.contiguous(kChannelsLast); }}},
  };
  return m;
}
std::vector<std::string> all_layouts() { return {"c2", "t2", "s2", "c3", "p3", "s3", "c4", "cl4"}; }
bool keepdim_layout(const std::string& l) { return l == "c2" || l == "c3" || l == "cl4"; }

std::vector<Dims> dim_lists(int rank) {
  if (rank == 2) return {{}, {0}, {1}, {-1}, {0, 1}};
  if (rank == 3) return {{}, {0}, {1}, {2}, {0, 2}, {-1, -2}};
  return {{1}, {2, 3}, {0, 2, 3}, {0, 1, 2, 3}};
}
Dims single_dims(int rank) {
  Dims d;
  for (int64_t i = 0; i < rank; ++i) d.push_back(i);
  d.push_back(-1);
  return d;
}
std::string dims_name(const Dims& dims) {
  if (dims.empty()) return "dall";
  std::string s = "d";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += "_";
    if (dims[i] < 0) s += 'm';
    s += std::to_string(dims[i] < 0 ? -dims[i] : dims[i]);
  }
  return s;
}
std::optional<std::vector<int64_t>> opt_dims(const Dims& d) {
  if (d.empty()) return std::nullopt;
  return d;
}

class Registry {
 public:
  void add(const std::string& name, std::function<Outs(const Tensor&)> fn) {
    EXPECT_FALSE(cases_.count(name)) << "duplicate case " << name;
    cases_[name] = Case{[fn](const std::vector<Tensor>& in) { return fn(in.at(0)); }};
  }
  // A case on a layout: fn gets the transformed input.
  void add(const std::string& name, const std::string& layout,
           std::function<Outs(const Tensor&)> fn) {
    auto view = layouts().at(layout).view;
    add(name, [view, fn](const Tensor& x) { return fn(view(x)); });
  }
  const std::map<std::string, Case>& cases() const { return cases_; }

 private:
  std::map<std::string, Case> cases_;
};

std::string k(bool kd) { return kd ? "k1" : "k0"; }

void reductions(Registry& r) {
  for (const auto& dt : all_dtypes())
    for (const auto& lay : all_layouts())
      for (const Dims& dims : dim_lists(layouts().at(lay).rank))
        for (bool kd :
             keepdim_layout(lay) ? std::vector<bool>{false, true} : std::vector<bool>{false}) {
          const std::string tail = dt + "." + lay + "." + dims_name(dims) + "." + k(kd);
          r.add("sum." + tail, lay, [=](const Tensor& v) { return Outs{v.sum(dims, kd)}; });
          if (is_float_name(dt))
            r.add("mean." + tail, lay, [=](const Tensor& v) { return Outs{v.mean(dims, kd)}; });
        }
  for (const auto& dt : all_dtypes())
    for (const std::string lay : {"c2", "t2", "s3", "p3", "cl4"}) {
      for (const Dims& dims : dim_lists(layouts().at(lay).rank)) {
        const std::string tail = dt + "." + lay + "." + dims_name(dims) + ".k0";
        r.add("amax." + tail, lay, [=](const Tensor& v) { return Outs{v.amax(dims)}; });
        r.add("amin." + tail, lay, [=](const Tensor& v) { return Outs{v.amin(dims)}; });
      }
      r.add("amax." + dt + "." + lay + ".dall.k1", lay,
            [](const Tensor& v) { return Outs{v.amax({}, true)}; });
    }
  for (const std::string dt : {"f64", "f32", "i64", "i32", "bf16", "f16", "b"})
    for (const auto& lay : all_layouts()) {
      r.add("prod." + dt + "." + lay + ".dall.k0", lay,
            [](const Tensor& v) { return Outs{v.prod()}; });
      for (int64_t d : single_dims(layouts().at(lay).rank))
        r.add("prod." + dt + "." + lay + "." + dims_name({d}) + ".k0", lay,
              [=](const Tensor& v) { return Outs{v.prod(d)}; });
    }
}

void max_min(Registry& r) {
  for (const auto& dt : all_dtypes())
    for (const auto& lay : all_layouts()) {
      for (int64_t d : single_dims(layouts().at(lay).rank))
        for (bool kd : lay == "c2" ? std::vector<bool>{false, true} : std::vector<bool>{false}) {
          const std::string tail = dt + "." + lay + "." + dims_name({d}) + "." + k(kd);
          r.add("max." + tail, lay, [=](const Tensor& v) {
            auto [a, b] = v.max(d, kd);
            return Outs{a, b};
          });
          r.add("min." + tail, lay, [=](const Tensor& v) {
            auto [a, b] = v.min(d, kd);
            return Outs{a, b};
          });
        }
      r.add("max." + dt + "." + lay + ".dall.k0", lay,
            [](const Tensor& v) { return Outs{v.max()}; });
      r.add("min." + dt + "." + lay + ".dall.k0", lay,
            [](const Tensor& v) { return Outs{v.min()}; });
    }
  for (const auto& dt : all_dtypes()) {
    if (dt == "b") continue;
    for (const std::string lay : {"c2", "t2", "p3", "cl4"}) {
      for (const std::string op : {"argmax", "argmin"}) {
        const bool is_max = op == "argmax";
        r.add(op + "." + dt + "." + lay + ".dall.k0", lay,
              [=](const Tensor& v) { return Outs{is_max ? v.argmax() : v.argmin()}; });
        for (int64_t d : single_dims(layouts().at(lay).rank))
          r.add(op + "." + dt + "." + lay + "." + dims_name({d}) + ".k0", lay,
                [=](const Tensor& v) { return Outs{is_max ? v.argmax(d) : v.argmin(d)}; });
      }
      r.add("argmax." + dt + "." + lay + ".dall.k1", lay,
            [](const Tensor& v) { return Outs{v.argmax(std::nullopt, true)}; });
    }
  }
  for (const auto& dt : floats())
    for (const std::string lay : {"c2", "t2", "cl4"}) {
      r.add("nan.max." + dt + "." + lay, lay, [](const Tensor& v) {
        auto [a, b] = v.max(0);
        auto [c, d] = v.min(-1);
        return Outs{a, b, c, d};
      });
      r.add("nan.amax." + dt + "." + lay, lay, [](const Tensor& v) {
        return Outs{v.amax(), v.amin({0, 1})};
      });
      r.add("nan.arg." + dt + "." + lay, lay, [](const Tensor& v) {
        return Outs{v.argmax(), v.argmin(1)};
      });
    }
}

void var_norm_lse(Registry& r) {
  for (const auto& dt : floats())
    for (const std::string lay : {"c2", "t2", "s3", "p3", "cl4"}) {
      auto lists = dim_lists(layouts().at(lay).rank);
      std::vector<Dims> use(lists.begin(), lists.begin() + 3);
      if (lists.size() > 3) use.push_back(lists.back());
      for (const Dims& dims : use)
        for (int corr : {0, 1, 2})
          for (const std::string op : {"var", "std"}) {
            const bool kd = keepdim_layout(lay) && corr == 1;
            const bool is_var = op == "var";
            r.add(op + "." + dt + "." + lay + "." + dims_name(dims) + "." + k(kd) + ".c" +
                      std::to_string(corr),
                  lay, [=](const Tensor& v) {
                    return Outs{is_var ? v.var(opt_dims(dims), corr, kd)
                                       : v.std(opt_dims(dims), corr, kd)};
                  });
          }
    }
  for (const std::string dt : {"f32", "f64", "bf16"})
    for (const Dims& dims : {Dims{1}, Dims{0, 2}}) {
      r.add("var_mean." + dt + ".c3." + dims_name(dims) + ".k0.c1", [=](const Tensor& x) {
        auto [a, b] = var_mean(x, dims, 1, false);
        return Outs{a, b};
      });
      r.add("std_mean." + dt + ".c3." + dims_name(dims) + ".k0.c1", [=](const Tensor& x) {
        auto [a, b] = std_mean(x, dims, 1, false);
        return Outs{a, b};
      });
    }
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, double>> ps = {{"2", 2},       {"1", 1},  {"inf", inf},
                                                          {"minf", -inf}, {"0", 0},  {"3", 3},
                                                          {"0.5", 0.5},   {"m1", -1}};
  for (const auto& dt : floats())
    for (const std::string lay : {"c2", "t2", "p3", "cl4"}) {
      auto lists = dim_lists(layouts().at(lay).rank);
      for (const Dims& dims : {lists[0], lists[1], lists.back()})
        for (const auto& [pname, p] : ps)
          r.add("norm." + dt + "." + lay + "." + dims_name(dims) + ".k0.p" + pname, lay,
                [=](const Tensor& v) { return Outs{v.norm(p, opt_dims(dims))}; });
    }
  r.add("norm.f32.c3.d1.k1.p2", [](const Tensor& x) { return Outs{x.norm(2, Dims{1}, true)}; });
  for (const std::string dt : {"f32", "f64", "bf16", "f16", "i64"})
    for (const auto& lay : all_layouts()) {
      auto lists = dim_lists(layouts().at(lay).rank);
      for (const Dims& dims : {lists[1], lists.back()})
        r.add("logsumexp." + dt + "." + lay + "." + dims_name(dims) + ".k0", lay,
              [=](const Tensor& v) { return Outs{v.logsumexp(dims)}; });
    }
}

void all_any_softmax_cumsum(Registry& r) {
  for (const auto& dt : all_dtypes())
    for (const std::string lay : {"c2", "t2", "s3", "cl4"})
      for (const std::string op : {"all", "any"}) {
        const bool is_all = op == "all";
        r.add(op + "." + dt + "." + lay + ".dall.k0", lay,
              [=](const Tensor& v) { return Outs{is_all ? v.all() : v.any()}; });
        for (int64_t d : {0, -1})
          r.add(op + "." + dt + "." + lay + "." + dims_name({d}) + ".k0", lay,
                [=](const Tensor& v) { return Outs{is_all ? v.all(d) : v.any(d)}; });
      }
  for (const auto& dt : floats())
    for (const auto& lay : all_layouts())
      for (int64_t d : single_dims(layouts().at(lay).rank)) {
        r.add("softmax." + dt + "." + lay + "." + dims_name({d}) + ".k0", lay,
              [=](const Tensor& v) { return Outs{v.softmax(d)}; });
        r.add("log_softmax." + dt + "." + lay + "." + dims_name({d}) + ".k0", lay,
              [=](const Tensor& v) { return Outs{v.log_softmax(d)}; });
      }
  for (const std::string dt : {"f32", "f64", "f16", "bf16", "i32", "i64", "u8", "b"})
    for (const auto& lay : all_layouts())
      for (int64_t d : single_dims(layouts().at(lay).rank))
        r.add("cumsum." + dt + "." + lay + "." + dims_name({d}) + ".k0", lay,
              [=](const Tensor& v) { return Outs{v.cumsum(d)}; });
}

void specials(Registry& r) {
  r.add("dtype.sum.i32_f32", [](const Tensor& x) { return Outs{x.sum({1}, false, kFloat32)}; });
  r.add("dtype.sum.f32_f64", [](const Tensor& x) { return Outs{x.sum({0}, false, kFloat64)}; });
  r.add("dtype.sum.f32_i64", [](const Tensor& x) { return Outs{x.sum(kInt64)}; });
  r.add("dtype.sum.i32_i8", [](const Tensor& x) { return Outs{x.sum({1}, false, kInt8)}; });
  r.add("dtype.mean.f16_f32", [](const Tensor& x) { return Outs{x.mean({1}, false, kFloat32)}; });
  r.add("dtype.mean.i32_f64", [](const Tensor& x) { return Outs{x.mean(kFloat64)}; });
  r.add("dtype.prod.f32_f64", [](const Tensor& x) {
    // x / 20, as PyTorch's side: computed here without elementwise ops
    std::vector<float> v = x.tolist<float>();
    for (auto& e : v) e /= 20;
    return Outs{from_vector(v, x.sizes()).prod(1, false, kFloat64)};
  });
  r.add("dtype.cumsum.i32_f32", [](const Tensor& x) { return Outs{x.cumsum(0, kFloat32)}; });
  r.add("dtype.cumsum.f32_i64", [](const Tensor& x) { return Outs{x.cumsum(1, kInt64)}; });
  r.add("dtype.softmax.f32_f64", [](const Tensor& x) { return Outs{x.softmax(1, kFloat64)}; });
  r.add("dtype.log_softmax.i32_f32",
        [](const Tensor& x) { return Outs{x.log_softmax(0, kFloat32)}; });
  r.add("dtype.softmax.f32_bf16", [](const Tensor& x) { return Outs{x.softmax(1, kBFloat16)}; });

  r.add("large.sum.f32", [](const Tensor& x) {
    return Outs{x.sum(), x.mean(), x.var(), x.logsumexp({0})};
  });
  r.add("large.norm.f32", [](const Tensor& x) { return Outs{x.norm(), x.norm(1)}; });
  r.add("large.sum.f32_cascade", [](const Tensor& x) {
    Tensor v = x.view({1000, 1000});
    return Outs{v.sum(), v.sum({0}), v.sum({1})};
  });
  r.add("large.sum_dim0.f32", [](const Tensor& x) {
    return Outs{x.sum({0}), x.mean({0}), x.amax({0}), x.t().sum({1}), x.var(Dims{0})};
  });
  r.add("large.sum.f16", [](const Tensor& x) {
    return Outs{x.sum(), x.view({100, 1000}).sum({0})};
  });
  r.add("large.sum.f64", [](const Tensor& x) {
    return Outs{x.sum(), x.amax(), x.argmax(), x.std()};
  });
  r.add("large.softmax.f32", [](const Tensor& x) {
    return Outs{x.softmax(1), x.log_softmax(0), x.logsumexp({1}), x.cumsum(1)};
  });
  r.add("large.sum.i32", [](const Tensor& x) {
    return Outs{x.sum(), x.cumsum(0), x.amax(), x.argmin()};
  });
  for (const std::string dt : {"f32", "f64", "f16", "bf16", "i8", "i32", "u8", "b"})
    for (int w : {16, 32, 48, 64}) {
      const bool fl = is_float_name(dt);
      r.add("narrow." + dt + ".w" + std::to_string(w), [fl](const Tensor& x) {
        Outs o{x.sum({0}), x.amax({0}), x.all(0)};
        if (fl) {
          o.push_back(x.mean({0}));
          o.push_back(x.norm(1, Dims{0}));
        }
        return o;
      });
    }
  r.add("zerodim.f32", [](const Tensor& s) {
    return Outs{s.sum(),     s.mean({0}), s.amax({0}),      s.softmax(0), s.log_softmax(-1),
                s.cumsum(0), s.norm(),    s.logsumexp({0}), s.all(),      s.argmax()};
  });
}

}  // namespace

TEST(reduce, Parity) {
  Registry r;
  reductions(r);
  max_min(r);
  var_norm_lse(r);
  all_any_softmax_cumsum(r);
  specials(r);
  EXPECT_GT(r.cases().size(), 4000u);
  run_parity("reduce", r.cases());
}
