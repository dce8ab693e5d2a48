// Trains the network of PyTorch's classic MNIST example on Fashion-MNIST
// (Debian's dataset-fashion-mnist): conv(1->32, 3), ReLU, conv(32->64, 3),
// ReLU, max-pool 2, dropout 0.25, flatten, linear(9216->128), ReLU, dropout
// 0.5, linear(128->10), log_softmax; Adadelta (lr 1.0) and StepLR (gamma 0.7),
// batch 64. Shows a progress bar, reports each epoch's time per phase (data,
// forward, backward, optimizer) and test accuracy, and saves the model's
// state_dict (PyTorch's keys and shapes) as a .pt file that
// `model.load_state_dict(torch.load(path))` reads.
//
// examples/fashion_mnist_check.py loads the checkpoint into the same network
// in PyTorch and checks its test accuracy (the tests run both, with
// --max-batches to keep it short); bench/fashion_mnist.py trains the same
// network in PyTorch and ember, one after the other, and compares.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ember/ember.h>
using namespace ember;

struct Net : nn::Module {
  nn::Handle<nn::Conv2d> conv1 = register_module("conv1", nn::make<nn::Conv2d>(1, 32, 3));
  nn::Handle<nn::Conv2d> conv2 = register_module("conv2", nn::make<nn::Conv2d>(32, 64, 3));
  nn::Handle<nn::Dropout> dropout1 = register_module("dropout1", nn::make<nn::Dropout>(0.25));
  nn::Handle<nn::Dropout> dropout2 = register_module("dropout2", nn::make<nn::Dropout>(0.5));
  nn::Handle<nn::Linear> fc1 = register_module("fc1", nn::make<nn::Linear>(9216, 128));
  nn::Handle<nn::Linear> fc2 = register_module("fc2", nn::make<nn::Linear>(128, 10));

  Tensor forward(const Tensor& x) {
    Tensor y = conv2(conv1(x).relu()).relu();
    y = dropout1(max_pool2d(y, {2, 2})).flatten(1);
    y = dropout2(fc1(y).relu());
    return fc2(y).log_softmax(1);
  }
};

struct Flags {
  int64_t epochs = 1, batch_size = 64, threads = 2, seed = 1, max_batches = -1;
  double lr = 1.0, gamma = 0.7;
  bool channels_last = false;
  std::string root = data::FashionMNIST::kDefaultRoot, checkpoint = "fashion_mnist.pt";
  std::string report;  // JSON figures per epoch, for bench/fashion_mnist.py
};

void usage() {
  std::cout
      << "fashion_mnist: trains PyTorch's MNIST example network on Fashion-MNIST\n"
         "  --epochs N         epochs (1)\n"
         "  --batch-size N     training batch size (64)\n"
         "  --lr X             Adadelta learning rate (1.0)\n"
         "  --gamma X          StepLR decay per epoch (0.7)\n"
         "  --threads N        threads for ember's kernels (2)\n"
         "  --seed N           seed for initialisation, shuffling and dropout (1)\n"
         "  --channels-last    run the convolutions in channels_last\n"
         "  --root DIR         the idx .gz files (/usr/share/datasets/fashion-mnist)\n"
         "  --checkpoint FILE  where the trained state_dict goes (fashion_mnist.pt: PyTorch's\n"
         "                     format; a .safetensors name writes safetensors)\n"
         "  --max-batches N    stop each epoch after N batches, and test on N batches\n"
         "  --report FILE      write each epoch's times (per phase) and accuracy as JSON\n";
}

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("missing value after " + a);
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else if (a == "--epochs") {
      f.epochs = std::stoll(next());
    } else if (a == "--batch-size") {
      f.batch_size = std::stoll(next());
    } else if (a == "--lr") {
      f.lr = std::stod(next());
    } else if (a == "--gamma") {
      f.gamma = std::stod(next());
    } else if (a == "--threads") {
      f.threads = std::stoll(next());
    } else if (a == "--seed") {
      f.seed = std::stoll(next());
    } else if (a == "--channels-last") {
      f.channels_last = true;
    } else if (a == "--root") {
      f.root = next();
    } else if (a == "--checkpoint") {
      f.checkpoint = next();
    } else if (a == "--report") {
      f.report = next();
    } else if (a == "--max-batches") {
      f.max_batches = std::stoll(next());
    } else {
      throw ValueError("unknown flag " + a + " (see --help)");
    }
  }
  return f;
}

int main(int argc, char** argv) try {
  const Flags f = parse(argc, argv);
  set_num_threads(static_cast<int>(f.threads));
  manual_seed(static_cast<uint64_t>(f.seed));
  const data::Normalize norm({0.1307}, {0.3081});
  auto train = std::make_shared<data::FashionMNIST>(f.root, true, norm);
  auto test = std::make_shared<data::FashionMNIST>(f.root, false, norm);
  Generator shuffle_gen(static_cast<uint64_t>(f.seed));
  data::DataLoader<> train_loader(
      train, {.batch_size = f.batch_size, .shuffle = true, .generator = &shuffle_gen});
  data::DataLoader<> test_loader(test, {.batch_size = 1000});

  auto net = nn::make<Net>();
  if (f.channels_last) net->to(kChannelsLast);
  optim::Adadelta opt(net->parameters(), {.lr = f.lr});
  optim::StepLR sched(opt, 1, f.gamma);
  const int64_t batches =
      f.max_batches > 0 ? std::min(f.max_batches, train_loader.size()) : train_loader.size();
  double accuracy = 0;
  std::string report = "[";
  // Seconds spent in each phase of the last epoch's training loop.
  double t_data = 0, t_forward = 0, t_backward = 0, t_optim = 0, t_epoch = 0;
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  for (int64_t epoch = 1; epoch <= f.epochs; ++epoch) {
    net->train();
    const auto t0 = Clock::now();
    t_data = t_forward = t_backward = t_optim = 0;
    double running = 0;
    int64_t done = 0;
    auto t_begin = Clock::now();
    auto it = train_loader.begin();  // starts the loader's threads, waits for batch 1
    t_data += since(t_begin);
    while (done < batches) {
      auto t = Clock::now();
      if (it == train_loader.end()) break;
      const auto& batch = *it;
      Tensor x = f.channels_last ? batch[0].contiguous(kChannelsLast) : batch[0];
      t_data += since(t);
      t = Clock::now();
      opt.zero_grad();
      Tensor loss = nll_loss(net(x), batch[1]);
      const double loss_value = loss.item<double>();
      t_forward += since(t);
      t = Clock::now();
      loss.backward();
      t_backward += since(t);
      t = Clock::now();
      opt.step();
      t_optim += since(t);
      t = Clock::now();
      ++it;  // the next batch (waits for the loader's threads if they are behind)
      t_data += since(t);
      running = done == 0 ? loss_value : 0.98 * running + 0.02 * loss_value;
      ++done;
      if (done % 20 == 0 || done == batches) {
        const double s = since(t0);
        const double rate = static_cast<double>(done * f.batch_size) / s;
        const int width = 30, filled = static_cast<int>(width * done / batches);
        std::printf("\repoch %lld [%s%s] %lld/%lld  %.0f img/s  loss %.4f  %.0f s left ",
                    static_cast<long long>(epoch), std::string(filled, '#').c_str(),
                    std::string(width - filled, '.').c_str(), static_cast<long long>(done),
                    static_cast<long long>(batches), rate, running,
                    static_cast<double>(batches - done) * f.batch_size / rate);
        std::fflush(stdout);
      }
    }
    t_epoch = since(t0);
    std::printf("\nepoch %lld: %.1f s (data %.1f, forward %.1f, backward %.1f, optimizer %.1f)",
                static_cast<long long>(epoch), t_epoch, t_data, t_forward, t_backward, t_optim);
    sched.step();
    net->eval();
    NoGradGuard no_grad;
    int64_t correct = 0, seen = 0, test_batches = 0;
    for (auto& batch : test_loader) {
      if (f.max_batches > 0 && test_batches++ == f.max_batches) break;
      Tensor x = f.channels_last ? batch[0].contiguous(kChannelsLast) : batch[0];
      Tensor pred = Tensor(net(x)).argmax(1);
      correct += pred.eq(batch[1]).sum().item<int64_t>();
      seen += batch[1].size(0);
    }
    accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    std::printf(", test accuracy %.4f (%lld/%lld)\n", accuracy, static_cast<long long>(correct),
                static_cast<long long>(seen));
    char line[512];
    std::snprintf(line, sizeof line,
                  "%s\n {\"epoch\": %lld, \"images\": %lld, \"train_s\": %.4f, \"data_s\": %.4f, "
                  "\"forward_s\": %.4f, \"backward_s\": %.4f, \"optimizer_s\": %.4f, "
                  "\"accuracy\": %.6f}",
                  epoch > 1 ? "," : "", static_cast<long long>(epoch),
                  static_cast<long long>(std::min(batches * f.batch_size, train->size())), t_epoch,
                  t_data, t_forward, t_backward, t_optim, accuracy);
    report += line;
  }
  if (!f.report.empty()) {
    FILE* out = std::fopen(f.report.c_str(), "w");
    if (!out) throw RuntimeError("cannot write the report " + f.report);
    std::fprintf(out, "%s\n]\n", report.c_str());
    std::fclose(out);
  }
  const std::string ext = ".safetensors";
  if (f.checkpoint.size() > ext.size() &&
      f.checkpoint.compare(f.checkpoint.size() - ext.size(), ext.size(), ext) == 0)
    save_safetensors(f.checkpoint, net->state_dict());
  else
    save_pt(f.checkpoint, net->state_dict());  // torch.load reads it
  // The last test accuracy beside it, for examples/fashion_mnist_check.py.
  if (FILE* acc = std::fopen((f.checkpoint + ".accuracy").c_str(), "w")) {
    std::fprintf(acc, "%.6f\n", accuracy);
    std::fclose(acc);
  }
  std::printf("saved %s\n", f.checkpoint.c_str());
  return 0;
} catch (const Error& e) {
  std::cerr << "fashion_mnist: " << e.what() << "\n";
  return 1;
}
