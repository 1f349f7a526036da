#include "harness/app/job_kinds.h"

#include "audits/decontam/job.h"
#include "audits/decontam/shard_merge.h"
#include "audits/longctx/job.h"
#include "audits/memorization/job.h"
#include "audits/memorization/shard_merge.h"
#include "audits/pii/job.h"
#include "audits/pii/shard_merge.h"
#include "tasks/eval/shard_merge.h"
#include "tasks/eval/tasks_job.h"

namespace mnemo {

const JobKind* JobKinds(int* n) {
  static const JobKind kKinds[] = {
      {"tasks", &ParseTasksJob},
      {"memorization", &memorization::ParseMemorizationJob},
      {"pii", &pii::ParsePiiJob},
      {"decontam", &decontam::ParseDecontamJob},
      {"long_context", &longctx::ParseLongContextJob},
  };
  *n = static_cast<int>(sizeof kKinds / sizeof kKinds[0]);
  return kKinds;
}

std::vector<JobMergeKind> JobMergeKinds() {
  return {TaskMergeKind(), memorization::MemorizationMergeKind(), decontam::DecontamMergeKind(),
          decontam::DecontamRescoreMergeKind(), pii::PiiMergeKind()};
}

}  // namespace mnemo
