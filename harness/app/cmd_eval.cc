// `mnemo eval`: benchmark tasks on one model, with lm-eval's semantics and results layout.
// Without --db the results go to a store under the user's cache folder (DefaultStoreDir()),
// named after the model, so a rerun reuses every result; its path is printed to stderr.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/run_loop.h"
#include "harness/core/metric_format.h"
#include "harness/jobs/run_session.h"
#include "harness/scheduler/scheduler.h"
#include "tasks/eval/tasks_job.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

int RunEvalCommand(int argc, char** argv) {
  std::string model_spec, tasks_arg, db, output, limit_arg = "0", shard_arg, data_root;
  std::vector<std::string> task_dirs;
  int num_fewshot = -1;
  int bootstrap_iters = 100000;
  uint64_t fewshot_seed = 1234;
  bool quiet = false;
  ModelOptions mopt;
  ChatFlags chat_flags;
  po::options_description desc("mnemo eval");
  desc.add_options()("help,h", "show this help")("model,m", ModelSpecValue(&model_spec)->required(),
                                                 "BACKEND:PATH, e.g. llamacpp:model.gguf (a bare "
                                                 "PATH.gguf means llamacpp)")(
      "tasks", po::value<std::string>(&tasks_arg)->required(),
      "tasks, groups or tags, comma separated; wildcards as lm-eval ('mmlu_*')")(
      "num-fewshot", po::value<int>(&num_fewshot),
      "override every task's number of few-shot examples")(
      "limit", po::value<std::string>(&limit_arg)->default_value("0"),
      "the first N documents of each task (0 = all), or a share of them as lm-eval: 0 < X < 1 "
      "takes ceil(X * documents)")("task-dir",
                                   po::value<std::vector<std::string>>(&task_dirs)->composing(),
                                   "extra folder of task YAMLs (repeatable)")(
      "data-root", po::value<std::string>(&data_root),
      "folder of Hugging Face dataset snapshots: a task's dataset_path NAME that is no local "
      "path is read from DIR/NAME (huggingface-cli download --local-dir DIR/NAME)")(
      "db", po::value<std::string>(&db),
      "run store: every result is cached there "
      "(default: ~/.cache/mnemo/runs/MODEL.db)")(
      "output,o", po::value<std::string>(&output),
      "results JSON in lm-eval's layout (samples_<task>.jsonl beside it; '-': the JSON on "
      "stdout, the table on stderr)")(
      "bootstrap-iters", po::value<int>(&bootstrap_iters)->default_value(100000),
      "bootstrap iterations for stderr of non-mean metrics (0 = none)")(
      "fewshot-seed", po::value<uint64_t>(&fewshot_seed)->default_value(1234),
      "few-shot sampler seed")(
      "shard", po::value<std::string>(&shard_arg),
      "i/N: evaluate only shard i of N of each task's documents (contiguous ranges) and mark "
      "the store for `mnemo merge`")("quiet,q", po::bool_switch(&quiet), "no progress display");
  AddModelOptions(&desc, &mopt);
  AddChatOptions(&desc, &chat_flags, /*fewshot=*/true);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo eval --model llamacpp:PATH --tasks A,B [--num-fewshot N] "
                        "[--limit N|X] [--task-dir DIR] [--data-root DIR] [--db PATH] "
                        "[--output results.json] [--shard i/N] "
                        "[--apply-chat-template [NAME]] [--system-instruction TEXT]",
                        desc, nullptr, &vm, &code))
    return code;
  auto limit = ParseDocLimit(limit_arg);
  if (!limit.ok()) return ReportError(limit.status());
  auto chat = ChatOptionsFromFlags(vm, chat_flags);
  if (!chat.ok()) return ReportError(chat.status());
  InstallInterruptHandler();
  TaskRegistry registry;
  for (const auto& d : task_dirs) registry.AddDir(d);
  if (!data_root.empty()) registry.SetDataRoot(fs::absolute(data_root).lexically_normal().string());
  std::vector<std::string> requested = SplitComma(tasks_arg);
  EvalOptions opt;
  if (num_fewshot >= 0) opt.num_fewshot = num_fewshot;
  opt.limit = limit->count;
  opt.limit_fraction = limit->fraction;
  opt.fewshot_seed = fewshot_seed;
  opt.bootstrap_iters = bootstrap_iters;
  opt.chat = *chat;
  // Every task is built before the model loads: a typo fails in a second, not after an hour.
  auto created = TasksJob::Create(std::move(registry), requested, opt);
  if (!created.ok()) return ReportError(created.status());
  TasksJob* tasks = created->get();
  std::optional<ShardSpec> shard;
  if (vm.count("shard")) {
    auto parsed = ParseShardSpec(shard_arg);
    if (!parsed.ok()) return ReportError(parsed.status());
    shard = *parsed;
    if (Status s = tasks->Shard(*shard); !s.ok()) return ReportError(s);
  }
  std::vector<std::unique_ptr<JobDriver>> jobs;
  jobs.push_back(std::move(created).value());
  auto spec = ParseModelSpec(model_spec);
  if (!spec.ok()) return ReportError(spec.status());
  const std::string model_name = fs::path(spec->path).stem().string();
  if (db.empty()) {
    std::error_code ec;
    fs::create_directories(DefaultStoreDir(), ec);
    db = (fs::path(DefaultStoreDir()) / ((model_name.empty() ? "eval" : model_name) + ".db"))
             .string();
    std::fprintf(stderr, "mnemo: eval: results in %s (--db PATH to choose)\n", db.c_str());
  }
  auto store = OpenStoreForWriting(db);
  if (!store.ok()) return ReportError(store.status());
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());

  nlohmann::json run_config = {{"command", "eval"},
                               {"model", model_spec},
                               {"tasks", tasks->task_names()},
                               {"limit", limit->ToJson()},
                               {"bootstrap_iters", bootstrap_iters},
                               {"fewshot_seed", fewshot_seed}};
  if (num_fewshot >= 0) run_config["num_fewshot"] = num_fewshot;
  if (shard) run_config["shard"] = shard->ToString();
  if (!data_root.empty()) run_config["data_root"] = fs::absolute(data_root).string();
  run_config.update(chat->ToJson());
  auto session = RunSession::Begin(store->get(), "eval " + tasks_arg, run_config, fewshot_seed);
  if (!session.ok()) return ReportError(session.status());
  std::vector<RunModel> models = {{model_name, model_spec, mopt, &*om}};
  RunContext ctx;
  ctx.quiet = quiet;
  JobOutcome outcome;
  Status st = RunJobs(&*session, models, jobs, ctx, &outcome);
  session->Finish(st);
  const std::vector<TaskResult>& results = tasks->results();

  // Whatever finished is reported and written, even when a later task failed. With
  // --output - the results JSON owns stdout and the table goes to stderr.
  FILE* table = SummaryStream(output);
  std::fprintf(table, "%-20s %-16s %-16s %11s %9s %6s\n", "task", "metric", "filter", "value",
               "stderr", "n");
  auto print = [table](const std::string& name, const std::vector<EvalMetric>& ms) {
    for (const auto& m : ms)
      std::fprintf(table, "%-20s %-16s %-16s %11s %9s %6lld\n", name.c_str(), m.name.c_str(),
                   m.filter.c_str(), FormatMetric(m.value).c_str(),
                   FormatStderr(m.stderr_value).c_str(), static_cast<long long>(m.n));
  };
  for (const auto& g : tasks->groups()) {  // groups first, parents before their subgroups
    print(g.group, g.metrics);
    if (!g.missing.empty())
      std::fprintf(table, "%-20s not scored: %s\n", g.group.c_str(), g.missing.c_str());
  }
  for (const auto& r : results) print(r.task, r.metrics);
  if (!output.empty()) {
    nlohmann::json cfg = run_config;
    cfg["model_fingerprint"] = om->model->info().fingerprint;
    cfg["run_id"] = session->run_id();
    cfg["db"] = fs::absolute(db).string();
    auto j = ResultsJson(results, tasks->groups(), cfg);
    if (IsStdout(output)) {  // the results only: per-sample files need a folder
      Status s = WriteOutput(
          output, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      if (!s.ok()) return ReportError(s);
    } else {
      if (Status s = WriteResults(output, j, results); !s.ok()) return ReportError(s);
      std::printf("results: %s\n", fs::absolute(output).string().c_str());
    }
  }
  std::fprintf(table, "run %lld in %s\n", static_cast<long long>(session->run_id()),
               fs::absolute(db).string().c_str());
  if (shard)
    std::fprintf(table,
                 "shard %s: the metrics above are this shard's documents only; `mnemo merge` "
                 "combines the %u shard stores\n",
                 shard->ToString().c_str(), static_cast<unsigned>(shard->count));
  if (!st.ok()) return ReportError(st);
  return kExitOk;
}

}  // namespace mnemo
