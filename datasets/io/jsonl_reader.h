// JSON Lines over LineReader: one object per non-blank line, errors naming file and line.
#ifndef MNEMO_DATASETS_IO_JSONL_READER_H_
#define MNEMO_DATASETS_IO_JSONL_READER_H_

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "datasets/io/line_reader.h"
#include "harness/core/status.h"

namespace mnemo {

class JsonlReader {
 public:
  static Result<std::unique_ptr<JsonlReader>> Open(const std::string& path);

  // Parses the next non-blank line into *obj. Returns false at the end or on error; a line
  // that is not a JSON object sets status() to "<file>:<line>: ..." and stops the reader.
  // The ordered_json overload keeps each object's keys in the line's order (task documents).
  bool Next(nlohmann::json* obj);
  bool Next(nlohmann::ordered_json* obj);
  const Status& status() const { return status_; }
  int64_t line_number() const { return lines_->line_number(); }
  const std::string& path() const { return lines_->path(); }

  // "<file>:<line>: field '<name>' <problem>": the message shape for field errors.
  std::string FieldError(const std::string& field, const std::string& problem) const;

 private:
  template <typename JsonT>
  bool NextAs(JsonT* obj);
  explicit JsonlReader(std::unique_ptr<LineReader> lines) : lines_(std::move(lines)) {}
  std::unique_ptr<LineReader> lines_;
  Status status_;
};

// Reads a whole JSON Lines file into memory (for small inputs: fixtures, configs, probe files).
Result<std::vector<nlohmann::json>> ReadJsonl(const std::string& path);

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_JSONL_READER_H_
