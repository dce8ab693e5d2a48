#include "ember/core/grad_mode.h"

namespace ember {

namespace {
thread_local bool tls_grad_enabled = true;
thread_local bool tls_inference_mode = false;
}  // namespace

bool is_grad_enabled() { return tls_grad_enabled; }
void set_grad_enabled(bool enabled) { tls_grad_enabled = enabled; }
bool is_inference_mode_enabled() { return tls_inference_mode; }

InferenceModeGuard::InferenceModeGuard(bool enabled)
    : prev_grad_(tls_grad_enabled), prev_inference_(tls_inference_mode) {
  tls_inference_mode = enabled;
  tls_grad_enabled = !enabled;  // as c10::InferenceMode: inference_mode(false) enables grad
}

InferenceModeGuard::~InferenceModeGuard() {
  tls_grad_enabled = prev_grad_;
  tls_inference_mode = prev_inference_;
}

}  // namespace ember
