// Minimal leveled logging to stderr. Thread-safe: each message is written whole.
#ifndef MNEMO_HARNESS_CORE_LOG_H_
#define MNEMO_HARNESS_CORE_LOG_H_

#include <string>

namespace mnemo {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kQuiet = 4 };

// Messages below the threshold are dropped. Default kWarn; $MNEMO_LOG=debug|info|warn|error|
// quiet overrides at start-up. A command's -q/--quiet means kError: no progress, no
// warnings, errors still shown (as `pip -q`, `wget -q`; lm-eval's --verbosity ERROR).
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void Log(LogLevel level, const std::string& message);

// Warnings that repeat for each model or job of a run (the same probe file, the same corpus):
// the first of each distinct message is printed at once ("mnemo: warning: <message>"); later
// ones with the same message are not printed, only counted with their subject (a model's
// name). PrintWarningSummary prints one line per warning that repeated ("mnemo: warning:
// given 2 times (for a, b), shown once: <the message's first 72 characters>...") and forgets
// them; it runs at exit if nothing called it. Nothing is printed, and nothing counted, when
// warnings are below the level (-q).
void WarnOnce(const std::string& message, const std::string& subject);
void PrintWarningSummary();

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_LOG_H_
