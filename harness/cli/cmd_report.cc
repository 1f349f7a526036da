// PLACEHOLDER until reports land: refuses, so nothing pretends to work.
#include "harness/cli/commands.h"
#include "harness/cli/common.h"

namespace mnemo {

int RunReportCommand(int, char**) {
  return ReportError(Status::Unsupported("'report' is not built yet"));
}

}  // namespace mnemo
