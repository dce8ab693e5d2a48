// The channels_last <-> oneDNN blocked reorders (kernels/cpu/channel_block_
// reorder.h) against oneDNN's own reorder, element for element, and the
// layouts they leave to oneDNN.
#include <gtest/gtest.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <vector>

#include "kernels/cpu/channel_block_reorder.h"

using dnnl::memory;
using tag = memory::format_tag;

namespace {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

std::vector<float> pattern(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i % 9973) * 0.5f - 7.f;
  return v;
}

// Reorders dims from layout a to layout b: ember's result equals oneDNN's,
// bit for bit.
void check_pair(const memory::dims& dims, tag a, tag b) {
  const memory::desc ma(dims, memory::data_type::f32, a), mb(dims, memory::data_type::f32, b);
  std::vector<float> src = pattern(ma.get_size() / 4);
  std::vector<float> got(mb.get_size() / 4, -1.f), want(mb.get_size() / 4, -2.f);
  memory s(ma, engine(), src.data()), g(mb, engine(), got.data()), w(mb, engine(), want.data());
  ASSERT_TRUE(ember::kernels::channel_block_reorder(s, g));
  dnnl::stream st(engine());
  dnnl::reorder(s, w).execute(st, s, w);
  st.wait();
  EXPECT_EQ(got, want);
}

}  // namespace

TEST(ChannelBlockReorder, ActivationsNhwcToBlocked) {
  check_pair({3, 32, 5, 7}, tag::acdb, tag::aBcd16b);
  check_pair({1, 16, 1, 1}, tag::acdb, tag::aBcd16b);
  check_pair({2, 64, 4, 4}, tag::acdb, tag::aBcd16b);
}

TEST(ChannelBlockReorder, WeightsOhwiToBlocked) {
  check_pair({32, 48, 3, 3}, tag::acdb, tag::ABcd16b16a);  // forward, weight gradient
  check_pair({32, 48, 3, 3}, tag::acdb, tag::ABcd16a16b);  // backward data
  check_pair({64, 16, 1, 1}, tag::acdb, tag::ABcd16b16a);
  check_pair({16, 64, 5, 2}, tag::acdb, tag::ABcd16a16b);
}

TEST(ChannelBlockReorder, LeavesOtherLayoutsToOneDnn) {
  auto handled = [](const memory::dims& dims, tag a, tag b) {
    const memory::desc ma(dims, memory::data_type::f32, a), mb(dims, memory::data_type::f32, b);
    std::vector<float> x(ma.get_size() / 4), y(mb.get_size() / 4);
    memory s(ma, engine(), x.data()), d(mb, engine(), y.data());
    return ember::kernels::channel_block_reorder(s, d);
  };
  EXPECT_FALSE(handled({2, 32, 4, 4}, tag::abcd, tag::aBcd16b));      // NCHW: oneDNN's jit:blk
  EXPECT_FALSE(handled({2, 24, 4, 4}, tag::acdb, tag::aBcd16b));      // a padded channel block
  EXPECT_FALSE(handled({24, 32, 3, 3}, tag::acdb, tag::ABcd16b16a));  // padded output channels
  EXPECT_FALSE(handled({2, 32, 4, 4}, tag::acdb, tag::abcd));         // plain to plain
  EXPECT_FALSE(handled({2, 32, 4, 4}, tag::aBcd16b, tag::acdb));      // blocked to plain
  EXPECT_FALSE(handled({32, 32, 3, 3}, tag::ABcd16b16a, tag::acdb));
  EXPECT_FALSE(handled({2, 32, 4, 4, 4}, tag::acdeb, tag::aBcde16b));  // 5-D
}
