#pragma once
// The C++ half of the PyTorch parity harness. tests/parity/gen_<area>.py writes
// <area>.safetensors into $EMBER_PARITY_DIR holding, for each case, its inputs
// "<case>/in0", "<case>/in1" ... and PyTorch's outputs "<case>/out0" ... The C++
// test registers one function per case that computes the outputs from the
// inputs; run_parity() runs them all and checks every case in the file has a
// function and every function a case, so neither side can silently drop one.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace ember::testing {

// Loads $EMBER_PARITY_DIR/<area>.safetensors; throws (failing the test) if absent.
class ParityFile {
 public:
  explicit ParityFile(const std::string& area);
  std::vector<std::string> cases() const;
  std::vector<Tensor> inputs(const std::string& c) const;
  std::vector<Tensor> outputs(const std::string& c) const;
  Tensor get(const std::string& key) const;
  bool has(const std::string& key) const { return data_.tensors.contains(key); }
  const std::map<std::string, std::string>& metadata() const { return data_.metadata; }

 private:
  std::string path_;
  SafetensorsData data_;
};

struct Tolerance {
  double rtol, atol;
};
// Per-dtype defaults (as torch.testing.assert_close): exact for integers and bool.
Tolerance default_tolerance(DType t);

// Empty string if actual matches expected (dtype, shape, values within tol;
// NaNs must match), else a description of the first mismatch.
std::string compare(const Tensor& actual, const Tensor& expected,
                    std::optional<Tolerance> tol = std::nullopt);

using CaseFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& in)>;
struct CaseOptions {
  std::optional<Tolerance> tol;
  bool check_strides =
      false;  // also require the output strides PyTorch gave (saved as <case>/strides0..)
};
struct Case {
  CaseFn fn;
  CaseOptions options = {};
};

// Runs every case; adds a gtest failure per mismatch, missing or extra case.
void run_parity(const std::string& area, const std::map<std::string, Case>& cases);

// fn's error as the generators write Python's: "<type(e).__name__>: <message>"
// (ember's error classes carry Python's names), or "no error".
std::string error_text(const std::function<void()>& fn);

// Text cases: every case PyTorch wrote equals ember's, and neither side has a
// case the other lacks.
void expect_texts(const std::map<std::string, std::string>& want,
                  const std::map<std::string, std::string>& got);

}  // namespace ember::testing
