// Data loading against torch (tests/parity/gen_data.py): Fashion-MNIST labels,
// pixel sums and converted images, DataLoader batches, random_split lengths and
// the loader's option errors.
#include <gtest/gtest.h>

#include "support/parity.h"

using namespace ember;
using namespace ember::data;
using ember::testing::Case;
using ember::testing::error_text;
using ember::testing::run_parity;

namespace {
std::vector<Tensor> fmnist(bool train, const std::vector<Tensor>& in) {
  FashionMNIST ds(FashionMNIST::kDefaultRoot, train);
  FashionMNIST normed(FashionMNIST::kDefaultRoot, train, Normalize({0.2860}, {0.3530}));
  const int64_t n = ds.size();
  Tensor sums = ds.data().view({n, -1}).to(kInt64).sum({1});
  std::vector<int64_t> idx = in[0].tolist<int64_t>();
  std::vector<Tensor> imgs, fused_normed, get_normed;
  for (int64_t i : idx) {
    imgs.push_back(ds.get(i)[0]);
    get_normed.push_back(normed.get(i)[0]);
  }
  Tensor fused = normed.get_stacked(idx).value()[0];
  EXPECT_TRUE(fused.allclose(stack(get_normed, 0), 1e-6, 1e-6));
  return {ds.targets(), sums, stack(imgs, 0), fused};
}

std::vector<Tensor> loader(bool drop_last, const std::vector<Tensor>& in) {
  DataLoader l(std::make_shared<TensorDataset>(std::vector<Tensor>{in[0], in[1]}),
               {.batch_size = 4, .drop_last = drop_last});
  std::vector<Tensor> out{scalar_tensor(l.size(), {.dtype = kInt64})};
  for (auto& b : l) out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<Tensor> split(const std::vector<Tensor>& in) {
  const int64_t n = in[0].item<int64_t>();
  auto ds = std::make_shared<TensorDataset>(std::vector<Tensor>{arange(n)});
  Generator g(0);
  std::vector<int64_t> lengths;
  for (auto& p : random_split(ds, in[1].tolist<double>(), &g)) lengths.push_back(p->size());
  return {from_vector(lengths)};
}
}  // namespace

TEST(DataParity, Cases) {
  std::map<std::string, Case> cases;
  cases["fmnist_train"] = {[](auto& in) { return fmnist(true, in); }};
  cases["fmnist_t10k"] = {[](auto& in) { return fmnist(false, in); }};
  cases["loader_drop0"] = {[](auto& in) { return loader(false, in); }};
  cases["loader_drop1"] = {[](auto& in) { return loader(true, in); }};
  for (const char* c : {"split_a", "split_b", "split_c", "split_d", "split_e"})
    cases[c] = {[](auto& in) { return split(in); }};
  run_parity("data", cases);
}

TEST(DataParity, Errors) {
  ember::testing::ParityFile f("data");
  auto ds = std::make_shared<TensorDataset>(std::vector<Tensor>{zeros({10, 3})});
  std::map<std::string, std::string> got;
  got["err_split_sum"] = error_text([&] { random_split(ds, {3, 6}); });
  got["err_split_fraction"] = error_text([&] { random_split(ds, {1.5, -0.5}); });
  got["err_num_workers"] = error_text([&] { DataLoader(ds, {.num_workers = -1}); });
  got["err_prefetch"] = error_text([&] { DataLoader(ds, {.prefetch_factor = 4}); });
  got["err_batch_size"] = error_text([&] { DataLoader(ds, {.batch_size = 0}); });
  ember::testing::expect_texts(f.metadata(), got);
}
