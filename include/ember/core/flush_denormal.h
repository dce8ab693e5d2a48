#pragma once
// torch.set_flush_denormal: denormal floats read as zero and results that would
// be denormal are written as zero (x86's DAZ and FTZ). Denormal arithmetic runs
// tens of times slower on most CPUs; a net whose gradients underflow (a model
// fitted to its data, tiny learning rates) can lose half its speed to it.

namespace ember {

// Turns flushing on or off for the calling thread and ember's worker threads
// (the OpenMP pool that ember, oneDNN and OpenBLAS share); threads this thread
// starts afterwards inherit it. Returns whether the CPU supports it (x86 with
// SSE3), as torch does; on other CPUs it changes nothing and returns false.
bool set_flush_denormal(bool on);

// Whether the calling thread flushes denormals.
bool flush_denormal();

}  // namespace ember
