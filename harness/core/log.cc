#include "harness/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

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

// WarnOnce's record: message -> subjects, in order of arrival (a subject may repeat).
struct Repeats {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> subjects;
  ~Repeats() { PrintWarningSummary(); }
};

Repeats& Seen() {
  Mutex();  // constructed first, so destroyed after the summary at exit
  static Repeats r;
  return r;
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

void WarnOnce(const std::string& message, const std::string& subject) {
  if (static_cast<int>(LogLevel::kWarn) < Level().load()) return;
  Repeats& r = Seen();
  std::lock_guard<std::mutex> lock(Mutex());
  auto [it, fresh] = r.subjects.try_emplace(message);
  it->second.push_back(subject);
  if (!fresh) return;
  r.order.push_back(message);
  std::fprintf(stderr, "mnemo: warning: %s\n", message.c_str());
}

void PrintWarningSummary() {
  Repeats& r = Seen();
  std::lock_guard<std::mutex> lock(Mutex());
  for (const auto& m : r.order) {
    const auto& subjects = r.subjects[m];
    if (subjects.size() < 2) continue;
    std::vector<std::string> distinct;
    for (const auto& s : subjects) {
      bool dup = s.empty();
      for (const auto& d : distinct) dup = dup || d == s;
      if (!dup) distinct.push_back(s);
    }
    std::string names;
    for (const auto& s : distinct) names += (names.empty() ? " (for " : ", ") + s;
    if (!names.empty()) names += ")";
    // The warning's start names it; it was printed whole when first given.
    const size_t kShown = 72;
    const std::string head = m.size() <= kShown ? m : m.substr(0, kShown) + "...";
    std::fprintf(stderr, "mnemo: warning: given %zu times%s, shown once: %s\n", subjects.size(),
                 names.c_str(), head.c_str());
  }
  r.order.clear();
  r.subjects.clear();
}

}  // namespace mnemo
