// `mnemo merge SHARD.db... --db ALL.db`: combines the stores of a run's `--shard i/N` parts
// into one store that holds what a single-process run of the same config holds (every job
// kind's rows and metrics, jobs, models, cached responses; harness/jobs/shard_merge.h). Every
// refusal (missing, duplicate, incomplete or mismatched shards) is exit 2 naming the store(s), and
// comes before ALL.db is created or touched.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/job_kinds.h"
#include "harness/core/metric_format.h"
#include "harness/jobs/shard_merge.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

int RunMergeCommand(int argc, char** argv) {
  std::vector<std::string> inputs;
  std::string db;
  bool quiet = false;
  po::options_description desc("mnemo merge");
  desc.add_options()("help,h", "show this help")(
      "shards", po::value<std::vector<std::string>>(&inputs)->required(),
      "the shard stores (one per shard i/N, any order)")(
      "db", po::value<std::string>(&db)->required(),
      "the merged store (created if needed; the merged run is added to it)")(
      "quiet,q", po::bool_switch(&quiet), "no metrics table");
  po::positional_options_description pos;
  pos.add("shards", -1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv, "usage: mnemo merge SHARD.db... --db ALL.db", desc, &pos, &vm,
                        &code))
    return code;
  std::error_code ec;
  for (const auto& in : inputs) {
    if (fs::exists(db) && fs::equivalent(in, db, ec))
      return ReportError(Status::InvalidArgument("merge: --db '" + db +
                                                 "' is one of the shard stores; merge into a "
                                                 "new store"));
  }
  std::vector<std::unique_ptr<RunStore>> owned;
  std::vector<RunStore*> shards;
  for (const auto& in : inputs) {
    if (!fs::is_regular_file(in, ec))
      return ReportError(Status::InvalidArgument("merge: shard store '" + in + "' is not a file"));
    auto s = RunStore::OpenReadOnly(in);
    if (!s.ok()) return ReportError(s.status());
    shards.push_back(s->get());
    owned.push_back(std::move(s).value());
  }
  // Every refusal before the merged store exists.
  const std::vector<JobMergeKind> kinds = JobMergeKinds();
  if (Status s = CheckShardRuns(inputs, shards, kinds); !s.ok()) return ReportError(s);
  auto into = OpenStoreForWriting(db);
  if (!into.ok()) return ReportError(into.status());
  auto merged = MergeShardRuns(inputs, shards, kinds, into->get());
  if (!merged.ok()) return ReportError(merged.status());
  if (!quiet) {
    auto jobs = (*into)->ListJobs(merged->run_id);
    if (!jobs.ok()) return ReportError(jobs.status());
    std::printf("%-20s %-16s %-16s %11s %9s %6s\n", "job", "metric", "filter", "value", "stderr",
                "n");
    for (const auto& j : *jobs) {
      auto metrics = (*into)->GetMetrics(j.id);
      if (!metrics.ok()) return ReportError(metrics.status());
      for (const auto& m : *metrics)
        std::printf("%-20s %-16s %-16s %11s %9s %6lld\n", j.name.c_str(), m.name.c_str(),
                    m.filter.c_str(), FormatMetric(m.value).c_str(),
                    FormatStderr(m.stderr_value).c_str(), static_cast<long long>(m.n));
    }
  }
  std::fprintf(stderr, "mnemo: merge: %u shards, %zu jobs, %zu rows into run %lld of %s\n",
               static_cast<unsigned>(merged->shards), merged->jobs, merged->rows,
               static_cast<long long>(merged->run_id), fs::absolute(db).string().c_str());
  return kExitOk;
}

}  // namespace mnemo
