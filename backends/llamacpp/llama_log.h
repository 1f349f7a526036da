// Routes llama.cpp/ggml log output into the host log.
//
// llama.cpp logs through one process-wide callback. With verbose on, every line goes to the
// host log at MN_LOG_DEBUG; otherwise nothing is forwarded. Either way the first error (or
// last warning) of the calling thread is remembered, so a failed llama call (e.g. a model
// load) can quote llama's own reason in the error it raises.
//
// Thread-safety: all functions are thread-safe; the remembered error is per thread.
#ifndef MNEMO_BACKENDS_LLAMACPP_LLAMA_LOG_H_
#define MNEMO_BACKENDS_LLAMACPP_LLAMA_LOG_H_

#include <string>

namespace mnemo::llamacpp {

// Installs the callback (idempotent) and sets verbosity for the whole process: the most
// recent backend_init's config wins.
void InstallLlamaLog(bool verbose);
// Returns the calling thread's first llama error line since the previous call (else its last
// warning, else "") and forgets them. Call it before a llama call to start afresh.
std::string TakeLlamaError();

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_LLAMA_LOG_H_
