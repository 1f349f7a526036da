// PLACEHOLDER until the memorization audit lands: refuses, so nothing pretends to work.
#include "harness/cli/commands.h"
#include "harness/cli/common.h"
#include "harness/cli/run_job.h"

namespace mnemo {

int RunAuditMemorizationCommand(int, char**) {
  return ReportError(Status::Unsupported("the memorization audit is not built yet"));
}

Result<std::unique_ptr<RunJob>> ParseMemorizationJob(const nlohmann::json&,
                                                     const JobParseContext& ctx) {
  return ctx.Error("kind", "'memorization' jobs are not built yet");
}

}  // namespace mnemo
