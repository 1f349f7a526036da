#include "llama_log.h"

#include <atomic>

#include "llama.h"
#include "mnemo/backend_sdk.hpp"

namespace mnemo::llamacpp {
namespace {

std::atomic<bool> g_verbose{false};
thread_local std::string t_first_error;
thread_local std::string t_last_warning;
thread_local std::string t_line;  // a line llama emits in several pieces (CONT)
thread_local ggml_log_level t_line_level = GGML_LOG_LEVEL_NONE;

void Flush() {
  while (!t_line.empty() && (t_line.back() == '\n' || t_line.back() == '\r')) t_line.pop_back();
  if (t_line.empty()) return;
  // The first error names the cause ("tensor ... not within the file bounds"); later ones
  // only say that loading failed.
  if (t_line_level == GGML_LOG_LEVEL_ERROR && t_first_error.empty()) t_first_error = t_line;
  if (t_line_level == GGML_LOG_LEVEL_WARN) t_last_warning = t_line;
  if (g_verbose.load(std::memory_order_relaxed)) mnemo::log(MN_LOG_DEBUG, "llama: " + t_line);
  t_line.clear();
}

void OnLog(ggml_log_level level, const char* text, void* /*user_data*/) {
  if (text == nullptr) return;
  if (level != GGML_LOG_LEVEL_CONT) {
    Flush();
    t_line_level = level;
  }
  t_line += text;
  if (!t_line.empty() && t_line.back() == '\n') Flush();
}

}  // namespace

void InstallLlamaLog(bool verbose) {
  g_verbose.store(verbose, std::memory_order_relaxed);
  llama_log_set(&OnLog, nullptr);
}

std::string TakeLlamaError() {
  Flush();
  std::string out = t_first_error.empty() ? t_last_warning : t_first_error;
  t_first_error.clear();
  t_last_warning.clear();
  return out;
}

}  // namespace mnemo::llamacpp
