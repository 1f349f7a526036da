// Errors as values for module boundaries inside the host.
//
// Status carries a code and a message that names what failed (file, line, field). Result<T>
// is either a value or a non-OK Status. Both are cheap to move; neither throws.
#ifndef MNEMO_HARNESS_CORE_STATUS_H_
#define MNEMO_HARNESS_CORE_STATUS_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace mnemo {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input: file contents, flags, configuration
  kNotFound,         // missing file, plugin, model, run
  kUnsupported,      // the backend or model cannot do this
  kUnavailable,      // retryable: a server is down or busy
  kIoError,          // reading or writing a file or the database failed
  kAbiMismatch,      // a plugin built for another ABI
  kCancelled,        // the user interrupted
  kInternal,         // a bug
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status AbiMismatch(std::string m) { return {StatusCode::kAbiMismatch, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace mnemo

// Returns early with the status when `expr` (a Status) is not OK.
#define MNEMO_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::mnemo::Status mnemo_status_ = (expr);        \
    if (!mnemo_status_.ok()) return mnemo_status_; \
  } while (0)

#endif  // MNEMO_HARNESS_CORE_STATUS_H_
