#include "harness/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mnemo {
namespace {

LogLevel InitialLevel() {
  const char* env = std::getenv("MNEMO_LOG");
  if (env == nullptr) return LogLevel::kWarn;
  if (std::strcmp(env, "debug") == 0) return LogLevel::kDebug;
  if (std::strcmp(env, "info") == 0) return LogLevel::kInfo;
  if (std::strcmp(env, "error") == 0) return LogLevel::kError;
  if (std::strcmp(env, "quiet") == 0) return LogLevel::kQuiet;
  return LogLevel::kWarn;
}

std::atomic<int>& Level() {
  static std::atomic<int> level(static_cast<int>(InitialLevel()));
  return level;
}

std::mutex& Mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void SetLogLevel(LogLevel level) {
  Level().store(static_cast<int>(level));
}
LogLevel GetLogLevel() {
  return static_cast<LogLevel>(Level().load());
}

void Log(LogLevel level, const std::string& message) {
  if (static_cast<int>(level) < Level().load()) return;
  static const char* kNames[] = {"debug", "info", "warning", "error", ""};
  std::lock_guard<std::mutex> lock(Mutex());
  std::fprintf(stderr, "mnemo: %s: %s\n", kNames[static_cast<int>(level)], message.c_str());
}

}  // namespace mnemo
