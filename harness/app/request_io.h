// Reading request files for `mnemo generate` / `mnemo score` and running them: validation with
// file:line:field errors before any compute, the scheduler with an optional run store, and
// JSONL output in input order.
#ifndef MNEMO_HARNESS_APP_REQUEST_IO_H_
#define MNEMO_HARNESS_APP_REQUEST_IO_H_

#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/io/jsonl_reader.h"
#include "harness/app/common.h"
#include "harness/core/request.h"
#include "harness/core/status.h"
#include "harness/scheduler/scheduler.h"

namespace mnemo {

struct InputItem {
  nlohmann::json id;  // string or number, echoed back as given
  Request request;
  // The prompt as the chat template rendered it (or the conversation a chat backend renders),
  // echoed in the output; null without --apply-chat-template.
  nlohmann::json chat_prompt;
};

// What a line parser reads a line against: the model and, with --apply-chat-template, the
// resolved format and the options (system instruction).
struct LineContext {
  const Model& model;
  const chat::ChatFormat* chat = nullptr;
  const chat::ChatOptions* chat_options = nullptr;
};

// Typed field access for one JSONL line; every error is "<file>:<line>: field '<f>' ...".
class LineFields {
 public:
  LineFields(const nlohmann::json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}
  // The line the reader just read.
  LineFields(const JsonlReader& reader, const nlohmann::json& obj)
      : LineFields(obj, reader.path() + ":" + std::to_string(reader.line_number())) {}
  // Starts a request line: refuses a field not in `known` (naming it and the known ones),
  // reads the id and sets the request's kind.
  Status Start(mn_request_kind kind, std::initializer_list<const char*> known,
               InputItem* item) const;
  bool Has(const char* f) const { return obj_.contains(f) && !obj_[f].is_null(); }
  Status Error(const char* f, const std::string& problem) const {
    return Status::InvalidArgument(where_ + ": field '" + f + "' " + problem);
  }
  Status String(const char* f, std::string* out) const;
  Status Tokens(const char* f, std::vector<int32_t>* out) const;
  Status UInt(const char* f, uint32_t* out) const;
  Status UInt64(const char* f, uint64_t* out) const;
  Status Float(const char* f, float* out) const;
  Status Bool(const char* f, bool* out) const;
  Status StringList(const char* f, std::vector<std::string>* out) const;
  Status Id(nlohmann::json* out) const;

 private:
  const nlohmann::json& obj_;
  std::string where_;
};

// Runs the items through a scheduler (with `db` as cache and store when not empty).
struct ExecOptions {
  std::string db;
  bool show_progress = true;
  std::string label;
};
Status ExecuteItems(OpenedModel& om, const std::vector<InputItem>& items, const ExecOptions& opt,
                    std::vector<Response>* responses, RunStats* stats);

// Writes one line per item ("-": to stdout); failures become {"id", "error"} lines. Returns
// the number of failed items, or an error if the file cannot be written.
Result<size_t> WriteOutputs(const std::string& path, const std::vector<InputItem>& items,
                            const std::vector<Response>& responses,
                            nlohmann::ordered_json (*render)(const InputItem&, const Response&));

// One request-file command (`mnemo generate`, `mnemo score`): options, model, capability check,
// every line validated before any compute, the run, the outputs (whatever completed is written
// even when the run fails part-way) and the summary line. Returns the process exit code.
struct RequestFileCommand {
  const char* name;         // "generate"
  const char* input_help;   // --input's help text
  const char* output_help;  // --output's help text
  uint64_t capability;      // MN_CAP_*
  const char* cannot;       // "cannot generate": what the error says of a backend without it
  const char* noun;         // "generations": the summary's count
  Status (*parse)(const JsonlReader& reader, const nlohmann::json& obj, const LineContext& ctx,
                  InputItem* item);
  nlohmann::ordered_json (*render)(const InputItem&, const Response&);
  bool chat = false;  // takes --apply-chat-template and --system-instruction
};
int RunRequestFileCommand(const RequestFileCommand& cmd, int argc, char** argv);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_REQUEST_IO_H_
