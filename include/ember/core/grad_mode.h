#pragma once
// Thread-local autograd modes. They live in core because every TensorImpl reads
// the inference flag when it is made; the autograd layer only consults them.
namespace ember {

// Whether ops record autograd history on this thread (PyTorch's GradMode).
bool is_grad_enabled();
void set_grad_enabled(bool enabled);
// Whether this thread is inside an InferenceModeGuard.
bool is_inference_mode_enabled();

// torch.no_grad(): ops run without recording history.
class NoGradGuard {
 public:
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// torch.enable_grad(): recording back on inside a no-grad region.
class EnableGradGuard {
 public:
  EnableGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(true); }
  ~EnableGradGuard() { set_grad_enabled(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

// torch.set_grad_enabled(mode) as a scope.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : prev_(is_grad_enabled()) { set_grad_enabled(enabled); }
  ~AutoGradMode() { set_grad_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

// torch.inference_mode(mode): no history and no version tracking; tensors made
// inside are inference tensors, which autograd refuses to save later and which
// cannot be modified in place outside inference mode.
class InferenceModeGuard {
 public:
  explicit InferenceModeGuard(bool enabled = true);
  ~InferenceModeGuard();
  InferenceModeGuard(const InferenceModeGuard&) = delete;
  InferenceModeGuard& operator=(const InferenceModeGuard&) = delete;

 private:
  bool prev_grad_, prev_inference_;
};

}  // namespace ember
