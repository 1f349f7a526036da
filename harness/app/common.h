// Shared plumbing for the CLI subcommands: exit codes, error printing, the model options
// every model-using command takes, signal handling.
#ifndef MNEMO_HARNESS_APP_COMMON_H_
#define MNEMO_HARNESS_APP_COMMON_H_

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/jobs/opened_model.h"
#include "harness/jobs/run_session.h"
#include "harness/store/run_store.h"
#include "tasks/chat/chat_format.h"

namespace mnemo {

// Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input, 130 interrupted.
enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitInterrupted = 130 };

// Prints "mnemo: error: <message>" and returns the exit code for the status.
int ReportError(const Status& status);

// Common options every model-using command takes (-t/--threads among them).
void AddModelOptions(boost::program_options::options_description* desc, ModelOptions* options);

// lm-eval's instruct-formatting flags: --apply-chat-template [NAME], --system-instruction TEXT
// and, with `fewshot`, --fewshot-as-multiturn [true|false]. ChatOptionsFromFlags reads them back
// after parsing.
struct ChatFlags {
  std::string template_name, system_instruction, multiturn;
};
void AddChatOptions(boost::program_options::options_description* desc, ChatFlags* flags,
                    bool fewshot);
Result<chat::ChatOptions> ChatOptionsFromFlags(const boost::program_options::variables_map& vm,
                                               const ChatFlags& flags);

// A model spec as typed: BACKEND:PATH, or a bare path ending in .gguf, which stands for
// llamacpp:PATH (as llama.cpp's -m). Anything else is returned unchanged.
std::string ExpandModelSpec(const std::string& spec);
// The value of a --model option: stores ExpandModelSpec(what was typed) in *target.
boost::program_options::typed_value<std::string>* ModelSpecValue(std::string* target);

// Outputs: every option that names a file to write takes "-" for stdout. A command whose
// output goes to stdout prints its own summary lines to stderr (SummaryStream).
bool IsStdout(const std::string& path);
FILE* SummaryStream(const std::string& output);
// Writes `text` to `path` ("-": stdout); a file is written whole (a temporary file renamed).
Status WriteOutput(const std::string& path, const std::string& text);
// A path a library opens with std::ofstream: "-" becomes /dev/stdout.
std::string OutputPathForLibrary(const std::string& path);

// Run stores. Without --db, `eval` keeps its results in DefaultStoreDir()/<name>.db, where
// DefaultStoreDir() is $XDG_CACHE_HOME/mnemo/runs (default ~/.cache/mnemo/runs).
std::string DefaultStoreDir();
// The folder a store file goes in must exist, be a folder and be writable: otherwise an
// InvalidArgument (exit 2) that names the store and says which.
Status CheckStoreFolder(const std::string& db);
// CheckStoreFolder, then RunStore::Open.
Result<std::unique_ptr<RunStore>> OpenStoreForWriting(const std::string& db);

// Run configs: the line (1-based) of the JSON text where `field` is given: an object member
// by its key ("jobs[0].prefx", "models[1].model", "threads"), an array element by its value
// ("jobs[2]"); 0 when the text does not hold it.
size_t JsonFieldLine(const std::string& text, const std::string& field);
// "<config>: field 'F' ..." becomes "<config>:<line>: field 'F' ..." (the line of F in the
// config file); any other status is returned unchanged.
Status WithConfigLine(const Status& status, const std::string& config_path);

// Refuses the first key of the JSON object `obj` not in `known`: "<config>: field
// '<prefix>.<key>' is not known (known: ...)" (InvalidArgument; WithConfigLine adds the line).
Status CheckConfigKeys(const nlohmann::json& obj, std::initializer_list<const char*> known,
                       const std::string& config_path, const std::string& prefix);

// --limit as lm-eval: an integer N is the first N documents (0 = all); 0 < X < 1 is a share
// of each task's documents, ceil(X * documents); X >= 1 is int(X).
struct DocLimit {
  size_t count = 0;       // 0 = all (or see fraction)
  double fraction = 0.0;  // in (0, 1) when the limit is a share
  nlohmann::json ToJson() const;
};
Result<DocLimit> ParseDocLimit(const std::string& text);

// First Ctrl-C asks the scheduler to stop after the batches in flight and says what it waits
// for; a second one aborts with exit code 130 (harness/jobs/interrupt.h).
void InstallInterruptHandler();

// With --db: opens the store at `db` and starts (or joins) the command's run in it with
// begin(store), a Result<RunSession>. Without (`db` empty) both stay empty.
template <typename Begin>
Status OpenRun(const std::string& db, std::unique_ptr<RunStore>* store,
               std::optional<RunSession>* session, Begin begin) {
  if (db.empty()) return Status::Ok();
  auto s = OpenStoreForWriting(db);
  if (!s.ok()) return s.status();
  *store = std::move(s).value();
  auto r = begin(store->get());
  if (!r.ok()) return r.status();
  session->emplace(std::move(r).value());
  return Status::Ok();
}

// A double option whose help shows its default as typed ("0.05", not Boost's
// "0.050000000000000003"): the shortest text that reads back as the same double.
boost::program_options::typed_value<double>* DoubleValue(double* target, double default_value);

// The non-empty items of a comma-separated option value ("a,,b" -> {"a", "b"}).
std::vector<std::string> SplitComma(const std::string& s);

// Parses argv for a subcommand; prints help (returns kExitOk via *exit_code) or usage errors.
// Returns true when the command should run.
bool ParseCommandLine(int argc, char** argv, const char* usage,
                      const boost::program_options::options_description& desc,
                      const boost::program_options::positional_options_description* positional,
                      boost::program_options::variables_map* vm, int* exit_code);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_COMMON_H_
