#pragma once
// DataLoader, as torch.utils.data.DataLoader over a map-style dataset:
// batch_size, shuffle (a fresh permutation of the generator each epoch),
// drop_last, a collate function (default: stack each field), and num_workers
// worker THREADS that prefetch up to num_workers * prefetch_factor batches
// while the caller works. Batches come in sampler order whatever the worker
// count; an error raised while a worker builds a batch is re-raised in the
// caller when it reaches that batch. Leaving the loop early (break, exception)
// stops and joins the workers.
//
//   auto ds = std::make_shared<ember::data::FashionMNIST>();
//   ember::data::DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .num_workers = 2});
//   for (auto& batch : loader) { Tensor x = batch[0], y = batch[1]; ... }
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ember/data/dataset.h"
#include "ember/ops/index.h"

namespace ember::data {

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  int64_t num_workers = 0;
  int64_t prefetch_factor = 2;
  bool drop_last = false;
  // The shuffle's generator (nullptr: the default generator); not owned.
  Generator* generator = nullptr;
};

// default_collate for tensors: stacks the examples' tensors (field by field).
inline TensorExample default_collate(std::vector<TensorExample>&& examples) {
  EMBER_CHECK(!examples.empty(), IndexError, "list index out of range");
  const size_t fields = examples[0].size();
  for (const auto& e : examples)
    EMBER_CHECK(e.size() == fields, RuntimeError,
                "each element in list of batch should be of equal size");
  TensorExample out;
  out.reserve(fields);
  std::vector<Tensor> column(examples.size());
  for (size_t f = 0; f < fields; ++f) {
    for (size_t i = 0; i < examples.size(); ++i) column[i] = examples[i][f];
    out.push_back(stack(column, 0));
  }
  return out;
}
inline Tensor default_collate(std::vector<Tensor>&& examples) { return stack(examples, 0); }

namespace detail {
// Validates the options with torch's messages.
void check_loader_options(const DataLoaderOptions& o);
// The batches of one epoch: indices 0..n-1 (or a permutation), cut into batches.
std::vector<std::vector<int64_t>> epoch_batches(int64_t n, const DataLoaderOptions& o);
// Limits ember's (OpenMP) loops to one thread in the calling worker thread.
void set_worker_thread_state();
}  // namespace detail

template <typename Example = TensorExample, typename Batch = Example>
class DataLoader {
 public:
  using Collate = std::function<Batch(std::vector<Example>&&)>;

  // Default collate (Batch must equal Example: tensors or TensorExample).
  template <typename D>
  DataLoader(std::shared_ptr<D> dataset, DataLoaderOptions options = {})
      : DataLoader(DatasetPtr<Example>(std::move(dataset)), options, nullptr) {}
  DataLoader(DatasetPtr<Example> dataset, DataLoaderOptions options, Collate collate)
      : dataset_(std::move(dataset)), options_(options), collate_(std::move(collate)) {
    detail::check_loader_options(options_);
    EMBER_CHECK(dataset_ != nullptr, ValueError, "DataLoader: dataset is null");
    if constexpr (std::is_same_v<Batch, Example>) {
      if (!collate_) {
        use_stacked_ = true;
        collate_ = [](std::vector<Example>&& e) -> Batch { return default_collate(std::move(e)); };
      }
    }
    EMBER_CHECK(collate_ != nullptr, ValueError, "DataLoader: a collate function is required");
  }

  // len(loader): the number of batches.
  int64_t size() const {
    const int64_t n = dataset_->size(), b = options_.batch_size;
    return options_.drop_last ? n / b : (n + b - 1) / b;
  }
  const DataLoaderOptions& options() const { return options_; }
  const DatasetPtr<Example>& dataset() const { return dataset_; }

 private:
  // One pass over the data: the batches' indices, the workers and their results.
  class Epoch {
   public:
    Epoch(DatasetPtr<Example> ds, const DataLoaderOptions& o, Collate collate, bool stacked)
        : dataset_(std::move(ds)),
          batches_(detail::epoch_batches(dataset_->size(), o)),
          collate_(std::move(collate)),
          stacked_(stacked),
          window_(o.num_workers * o.prefetch_factor) {
      for (int64_t w = 0; w < o.num_workers; ++w) workers_.emplace_back([this] { work(); });
    }
    ~Epoch() {
      {
        std::lock_guard lock(mu_);
        stop_ = true;
      }
      cv_.notify_all();
      for (auto& t : workers_) t.join();
    }
    // The next batch into `out`; false at the end. Re-raises a worker's error.
    bool next(std::optional<Batch>& out) {
      if (consumed_ >= static_cast<int64_t>(batches_.size())) return false;
      const int64_t k = consumed_++;
      if (workers_.empty()) {
        out.emplace(fetch(k));
        return true;
      }
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return results_.contains(k); });
      auto node = results_.extract(k);
      lock.unlock();
      cv_.notify_all();  // a prefetch slot is free
      if (node.mapped().error) std::rethrow_exception(node.mapped().error);
      out.emplace(std::move(*node.mapped().batch));
      return true;
    }

   private:
    struct Result {
      std::optional<Batch> batch;
      std::exception_ptr error;
    };
    Batch fetch(int64_t k) {
      const auto& idx = batches_[static_cast<size_t>(k)];
      if (stacked_) {
        if constexpr (std::is_same_v<Batch, Example>)
          if (auto b = dataset_->get_stacked(idx)) return std::move(*b);
      }
      std::vector<Example> examples;
      examples.reserve(idx.size());
      for (int64_t i : idx) examples.push_back(dataset_->get(i));
      return collate_(std::move(examples));
    }
    void work() {
      detail::set_worker_thread_state();
      const int64_t total = static_cast<int64_t>(batches_.size());
      for (;;) {
        int64_t k;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] {
            return stop_ || dispatched_ >= total || dispatched_ < consumed_ + window_;
          });
          if (stop_ || dispatched_ >= total) return;
          k = dispatched_++;
        }
        Result r;
        try {
          r.batch.emplace(fetch(k));
        } catch (...) {
          r.error = std::current_exception();
        }
        {
          std::lock_guard lock(mu_);
          results_.emplace(k, std::move(r));
        }
        cv_.notify_all();
      }
    }

    DatasetPtr<Example> dataset_;
    std::vector<std::vector<int64_t>> batches_;
    Collate collate_;
    bool stacked_;
    int64_t window_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    int64_t dispatched_ = 0;             // batches handed to workers (under mu_)
    std::atomic<int64_t> consumed_ = 0;  // batches taken by the caller
    std::map<int64_t, Result> results_;
    std::vector<std::thread> workers_;
  };

 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = Batch*;
    using reference = Batch&;

    iterator() = default;
    Batch& operator*() const { return *state_->current; }
    Batch* operator->() const { return &*state_->current; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(const iterator& o) const { return state_ == o.state_; }

   private:
    friend class DataLoader;
    struct State {
      std::unique_ptr<Epoch> epoch;
      std::optional<Batch> current;
    };
    explicit iterator(std::unique_ptr<Epoch> e) : state_(std::make_shared<State>()) {
      state_->epoch = std::move(e);
      advance();
    }
    void advance() {
      state_->current.reset();
      // A worker's error propagates from here; the iterator stays usable and
      // the next ++ goes on with the following batch.
      if (!state_->epoch->next(state_->current))
        state_.reset();  // the end; the workers are joined here
    }
    std::shared_ptr<State> state_;
  };

  // A new epoch (a fresh shuffle); its workers start at once.
  iterator begin() const {
    return iterator(std::make_unique<Epoch>(dataset_, options_, collate_, use_stacked_));
  }
  iterator end() const { return iterator(); }

 private:
  DatasetPtr<Example> dataset_;
  DataLoaderOptions options_;
  Collate collate_;
  bool use_stacked_ = false;
};

template <typename D>
DataLoader(std::shared_ptr<D>, DataLoaderOptions = {}) -> DataLoader<typename D::ExampleType>;

}  // namespace ember::data
