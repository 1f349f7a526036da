// PLACEHOLDER until the pii audit lands: refuses, so nothing pretends to work.
#include "harness/cli/commands.h"
#include "harness/cli/common.h"
#include "harness/cli/run_job.h"

namespace mnemo {

int RunAuditPiiCommand(int, char**) {
  return ReportError(Status::Unsupported("the pii audit is not built yet"));
}

Result<std::unique_ptr<RunJob>> ParsePiiJob(const nlohmann::json&, const JobParseContext& ctx) {
  return ctx.Error("kind", "'pii' jobs are not built yet");
}

}  // namespace mnemo
