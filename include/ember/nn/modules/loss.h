#pragma once
// torch.nn's loss modules (torch/nn/modules/loss.py): constructor arguments
// and defaults as torch's (without the deprecated size_average / reduce);
// `reduction` is checked when forward runs, as in torch. The weighted losses
// register "weight" (and BCEWithLogitsLoss "pos_weight") as buffers, None when
// not given, so state_dict keys match. forward(input, target), or the
// three-tensor forms of CosineEmbeddingLoss, MarginRankingLoss and
// TripletMarginLoss.
#include <cstdint>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"

namespace ember::nn {

class Loss : public Module {
 public:
  std::string reduction;

 protected:
  Loss(const char* name, std::string reduction) : Module(name), reduction(std::move(reduction)) {}
};

class WeightedLoss : public Loss {
 public:
  Tensor weight;  // buffer "weight" (undefined: None)

 protected:
  WeightedLoss(const char* name, const Tensor& weight, std::string reduction);
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(std::string reduction = "mean") : Loss("L1Loss", std::move(reduction)) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(std::string reduction = "mean") : Loss("MSELoss", std::move(reduction)) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};

class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(std::string reduction = "mean", double beta = 1.0)
      : Loss("SmoothL1Loss", std::move(reduction)), beta(beta) {}
  Tensor forward(const Tensor& input, const Tensor& target);
  double beta;
};

class HuberLoss : public Loss {
 public:
  explicit HuberLoss(std::string reduction = "mean", double delta = 1.0)
      : Loss("HuberLoss", std::move(reduction)), delta(delta) {}
  Tensor forward(const Tensor& input, const Tensor& target);
  double delta;
};

class NLLLoss : public WeightedLoss {
 public:
  explicit NLLLoss(const Tensor& weight = {}, int64_t ignore_index = -100,
                   std::string reduction = "mean")
      : WeightedLoss("NLLLoss", weight, std::move(reduction)), ignore_index(ignore_index) {}
  Tensor forward(const Tensor& input, const Tensor& target);
  int64_t ignore_index;
};

class CrossEntropyLoss : public WeightedLoss {
 public:
  explicit CrossEntropyLoss(const Tensor& weight = {}, int64_t ignore_index = -100,
                            std::string reduction = "mean", double label_smoothing = 0.0)
      : WeightedLoss("CrossEntropyLoss", weight, std::move(reduction)),
        ignore_index(ignore_index),
        label_smoothing(label_smoothing) {}
  Tensor forward(const Tensor& input, const Tensor& target);
  int64_t ignore_index;
  double label_smoothing;
};

class BCELoss : public WeightedLoss {
 public:
  explicit BCELoss(const Tensor& weight = {}, std::string reduction = "mean")
      : WeightedLoss("BCELoss", weight, std::move(reduction)) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(const Tensor& weight = {}, std::string reduction = "mean",
                             const Tensor& pos_weight = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  Tensor weight;      // buffer "weight"
  Tensor pos_weight;  // buffer "pos_weight"
};

class KLDivLoss : public Loss {
 public:
  explicit KLDivLoss(std::string reduction = "mean", bool log_target = false)
      : Loss("KLDivLoss", std::move(reduction)), log_target(log_target) {}
  Tensor forward(const Tensor& input, const Tensor& target);
  bool log_target;
};

class CosineEmbeddingLoss : public Loss {
 public:
  explicit CosineEmbeddingLoss(double margin = 0.0, std::string reduction = "mean")
      : Loss("CosineEmbeddingLoss", std::move(reduction)), margin(margin) {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  double margin;
};

class MarginRankingLoss : public Loss {
 public:
  explicit MarginRankingLoss(double margin = 0.0, std::string reduction = "mean")
      : Loss("MarginRankingLoss", std::move(reduction)), margin(margin) {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  double margin;
};

class TripletMarginLoss : public Loss {
 public:
  explicit TripletMarginLoss(double margin = 1.0, double p = 2.0, double eps = 1e-6,
                             bool swap = false, std::string reduction = "mean")
      : Loss("TripletMarginLoss", std::move(reduction)),
        margin(margin),
        p(p),
        eps(eps),
        swap(swap) {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  double margin, p, eps;
  bool swap;
};

}  // namespace ember::nn
