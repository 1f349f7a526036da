// PLACEHOLDER until the decontam audit lands: refuses, so nothing pretends to work.
#include "harness/cli/commands.h"
#include "harness/cli/common.h"
#include "harness/cli/run_job.h"

namespace mnemo {

int RunAuditDecontamCommand(int, char**) {
  return ReportError(Status::Unsupported("the decontam audit is not built yet"));
}

Result<std::unique_ptr<RunJob>> ParseDecontamJob(const nlohmann::json&,
                                                 const JobParseContext& ctx) {
  return ctx.Error("kind", "'decontam' jobs are not built yet");
}

}  // namespace mnemo
