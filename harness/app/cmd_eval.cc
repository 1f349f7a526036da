// `mnemo eval`: benchmark tasks on one model, with lm-eval's semantics and results layout.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/task_jobs.h"
#include "harness/scheduler/scheduler.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, ','))
    if (!x.empty()) out.push_back(x);
  return out;
}
}  // namespace

int RunEvalCommand(int argc, char** argv) {
  std::string model_spec, tasks_arg, db, output;
  std::vector<std::string> task_dirs;
  int num_fewshot = -1;
  size_t limit = 0;
  int bootstrap_iters = 100000;
  uint64_t fewshot_seed = 1234;
  bool quiet = false;
  ModelOptions mopt;
  po::options_description desc("mnemo eval");
  desc.add_options()("help,h", "show this help")("model,m",
                                                 po::value<std::string>(&model_spec)->required(),
                                                 "BACKEND:PATH, e.g. llamacpp:model.gguf")(
      "tasks", po::value<std::string>(&tasks_arg)->required(),
      "tasks, groups or tags, comma separated")(
      "num-fewshot", po::value<int>(&num_fewshot),
      "override every task's number of few-shot examples")(
      "limit", po::value<size_t>(&limit)->default_value(0),
      "evaluate only the first N documents (0 = all)")(
      "task-dir", po::value<std::vector<std::string>>(&task_dirs)->composing(),
      "extra folder of task YAMLs (repeatable)")("db", po::value<std::string>(&db)->required(),
                                                 "run store: every result is cached there")(
      "output,o", po::value<std::string>(&output),
      "results JSON in lm-eval's layout (samples_<task>.jsonl beside it)")(
      "bootstrap-iters", po::value<int>(&bootstrap_iters)->default_value(100000),
      "bootstrap iterations for stderr of non-mean metrics (0 = none)")(
      "fewshot-seed", po::value<uint64_t>(&fewshot_seed)->default_value(1234),
      "few-shot sampler seed")("quiet,q", po::bool_switch(&quiet), "no progress display");
  AddModelOptions(&desc, &mopt);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo eval --model llamacpp:PATH --tasks A,B [--num-fewshot N] "
                        "[--limit N] [--task-dir DIR] --db PATH --output results.json",
                        desc, nullptr, &vm, &code))
    return code;
  InstallInterruptHandler();
  TaskRegistry registry;
  for (const auto& d : task_dirs) registry.AddDir(d);
  registry.Scan();
  std::vector<std::string> requested = SplitComma(tasks_arg);
  auto names = registry.Resolve(requested);
  if (!names.ok()) return ReportError(names.status());
  // Validate every task before loading the model: a typo fails in a second, not after an hour.
  for (const auto& n : *names) {
    auto t = Task::Create(registry.tasks().at(n));
    if (!t.ok()) return ReportError(t.status());
  }
  auto store = RunStore::Open(db);
  if (!store.ok()) return ReportError(store.status());
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());

  RunRecord run;
  run.name = "eval " + tasks_arg;
  run.config = {{"command", "eval"},
                {"model", model_spec},
                {"tasks", *names},
                {"limit", limit},
                {"bootstrap_iters", bootstrap_iters},
                {"fewshot_seed", fewshot_seed}};
  if (num_fewshot >= 0) run.config["num_fewshot"] = num_fewshot;
  run.mnemo_version = MNEMO_VERSION;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  run.host = host;
  run.seed = fewshot_seed;
  if (Status s = (*store)->BeginRun(&run); !s.ok()) return ReportError(s);
  ModelRecord model;
  if (Status s = RecordModel(store->get(), run.id, *om,
                             fs::path(ParseModelSpec(model_spec)->path).stem().string(), &model);
      !s.ok())
    return ReportError(s);

  EvalOptions opt;
  if (num_fewshot >= 0) opt.num_fewshot = num_fewshot;
  opt.limit = limit;
  opt.fewshot_seed = fewshot_seed;
  opt.bootstrap_iters = bootstrap_iters;
  opt.show_progress = !quiet;
  std::vector<TaskResult> results;
  Status st = RunTaskJobs(store->get(), run.id, model, &*om, registry, *names, opt, &results);
  auto groups = GroupResults(registry, requested, results);
  if (!groups.ok() && st.ok()) st = groups.status();
  (void)(*store)->FinishRun(run.id, st.ok()                               ? "finished"
                                    : st.code() == StatusCode::kCancelled ? "interrupted"
                                                                          : "failed");

  // Whatever finished is reported and written, even when a later task failed.
  std::printf("%-20s %-16s %-16s %11s %9s %6s\n", "task", "metric", "filter", "value", "stderr",
              "n");
  auto print = [](const std::string& name, const std::vector<EvalMetric>& ms) {
    for (const auto& m : ms) {
      std::string se = m.stderr_value ? std::to_string(*m.stderr_value).substr(0, 8) : "N/A";
      std::printf("%-20s %-16s %-16s %11.4f %9s %6lld\n", name.c_str(), m.name.c_str(),
                  m.filter.c_str(), m.value, se.c_str(), static_cast<long long>(m.n));
    }
  };
  if (groups.ok())
    for (const auto& g : *groups) print(g.group, g.metrics);
  for (const auto& r : results) print(r.task, r.metrics);
  if (!output.empty()) {
    nlohmann::json cfg = run.config;
    cfg["model_fingerprint"] = om->model->info().fingerprint;
    cfg["run_id"] = run.id;
    cfg["db"] = fs::absolute(db).string();
    auto j = ResultsJson(results, groups.ok() ? *groups : std::vector<GroupResult>{}, cfg);
    if (Status s = WriteResults(output, j, results); !s.ok()) return ReportError(s);
    std::printf("results: %s\n", fs::absolute(output).string().c_str());
  }
  std::printf("run %lld in %s\n", static_cast<long long>(run.id),
              fs::absolute(db).string().c_str());
  if (!st.ok()) return ReportError(st);
  return kExitOk;
}

}  // namespace mnemo
