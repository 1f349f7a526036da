// PLACEHOLDER until reports land: refuses, so nothing pretends to work.
#include "harness/cli/commands.h"
#include "harness/cli/common.h"

namespace mnemo {

int RunCompareCommand(int, char**) {
  return ReportError(Status::Unsupported("'compare' is not built yet"));
}

}  // namespace mnemo
