// Minimal leveled logging to stderr. Thread-safe: each message is written whole.
#ifndef MNEMO_HARNESS_CORE_LOG_H_
#define MNEMO_HARNESS_CORE_LOG_H_

#include <string>

namespace mnemo {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kQuiet = 4 };

// Messages below the threshold are dropped. Default kWarn; $MNEMO_LOG=debug|info|warn|error
// overrides at start-up.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void Log(LogLevel level, const std::string& message);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_LOG_H_
