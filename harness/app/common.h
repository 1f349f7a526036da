// Shared plumbing for the CLI subcommands: exit codes, error printing, the model options
// every model-using command takes, signal handling.
#ifndef MNEMO_HARNESS_APP_COMMON_H_
#define MNEMO_HARNESS_APP_COMMON_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "harness/core/status.h"
#include "harness/jobs/opened_model.h"
#include "harness/jobs/run_session.h"
#include "harness/store/run_store.h"

namespace mnemo {

// Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input, 130 interrupted.
enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitInterrupted = 130 };

// Prints "mnemo: error: <message>" and returns the exit code for the status.
int ReportError(const Status& status);

// Common options every model-using command takes.
void AddModelOptions(boost::program_options::options_description* desc, ModelOptions* options);

// First Ctrl-C asks the scheduler to stop after the batches in flight; a second one exits.
void InstallInterruptHandler();

// With --db: opens the store at `db` and starts (or joins) the command's run in it with
// begin(store), a Result<RunSession>. Without (`db` empty) both stay empty.
template <typename Begin>
Status OpenRun(const std::string& db, std::unique_ptr<RunStore>* store,
               std::optional<RunSession>* session, Begin begin) {
  if (db.empty()) return Status::Ok();
  auto s = RunStore::Open(db);
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
