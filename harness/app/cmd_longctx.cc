// `mnemo longctx`: the RULER-style long-context tasks (audits/longctx/job.h) on one model, at
// several lengths and needle depths, into a run store; accuracy by length and depth, the
// effective length, and per length the peak RSS, tokens/s and KV bytes. Without --db the results
// go to a store under the user's cache folder (DefaultStoreDir()), named after the model, so a
// rerun reuses every response; its path is printed to stderr.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "audits/longctx/job.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/run_loop.h"
#include "harness/core/metric_format.h"
#include "harness/jobs/run_session.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

Result<std::vector<size_t>> ParseLengths(const std::string& text) {
  std::vector<size_t> out;
  for (const auto& item : SplitComma(text)) {
    std::string digits = item;
    uint64_t scale = 1;
    if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'K')) {
      scale = 1024;
      digits.pop_back();
    }
    char* end = nullptr;
    errno = 0;
    unsigned long long v = digits.empty() ? 0 : std::strtoull(digits.c_str(), &end, 10);
    if (digits.empty() || digits[0] == '-' || *end != '\0' || errno != 0 || v == 0)
      return Status::InvalidArgument("--lengths: '" + item +
                                     "' is not a positive token count (a 'K' suffix means x1024)");
    out.push_back(static_cast<size_t>(v * scale));
  }
  if (out.empty()) return Status::InvalidArgument("--lengths is empty");
  return out;
}

Result<std::vector<double>> ParseDepths(const std::string& text) {
  std::vector<double> out;
  for (const auto& item : SplitComma(text)) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(v >= 0 && v <= 100))
      return Status::InvalidArgument("--depths: '" + item + "' is not a percent in 0..100");
    out.push_back(v);
  }
  if (out.empty()) return Status::InvalidArgument("--depths is empty");
  return out;
}

}  // namespace

int RunLongctxCommand(int argc, char** argv) {
  std::string model_spec, tasks_arg, lengths_arg, depths_arg = "0,50,100", db, output, name;
  longctx::LongContextConfig config;
  bool quiet = false;
  ModelOptions mopt;
  std::string default_tasks;
  for (const auto& t : longctx::DefaultLongContextTasks())
    default_tasks += (default_tasks.empty() ? "" : ",") + t;
  po::options_description desc("mnemo longctx");
  desc.add_options()("help,h", "show this help")(
      "model,m", ModelSpecValue(&model_spec)->required(),
      "BACKEND:PATH, e.g. llamacpp:model.gguf (a bare PATH.gguf means llamacpp)")(
      "tasks", po::value<std::string>(&tasks_arg)->default_value(default_tasks),
      "RULER tasks, comma separated: niah_single_{1,2,3}, niah_multikey_{1,2,3}, "
      "niah_multivalue, niah_multiquery, vt, cwe, fwe, qa")(
      "lengths", po::value<std::string>(&lengths_arg)->required(),
      "target lengths in the model's tokens (prompt + tokens to generate), comma separated; "
      "'4K' = 4096")("depths", po::value<std::string>(&depths_arg)->default_value("0,50,100"),
                     "needle depths, percent of the haystack, comma separated")(
      "samples", po::value<size_t>(&config.samples)->default_value(2),
      "samples per task, length and depth")(
      "seed", po::value<uint64_t>(&config.seed)->default_value(42), "generator seed")(
      "haystack", po::value<std::string>(&config.haystack)->required(),
      "JSONL corpus whose text fills the haystack")(
      "haystack-field", po::value<std::string>(&config.haystack_field)->default_value("text"),
      "the haystack's text field")("qa", po::value<std::string>(&config.qa),
                                   "JSONL of {context, question, answers} for task qa")(
      "threshold", po::value<double>(&config.threshold)->default_value(config.threshold),
      "effective length threshold, percent (RULER: Llama-2-7B at 4K, 85.6)")(
      "name", po::value<std::string>(&name)->default_value("ruler"), "the job's name in the store")(
      "db", po::value<std::string>(&db),
      "run store: every response is cached there (default: ~/.cache/mnemo/runs/MODEL.db)")(
      "output,o", po::value<std::string>(&output),
      "results JSON: summary (heat map cells, effective length), measured values per length "
      "('-': stdout)")("quiet,q", po::bool_switch(&quiet), "no progress display");
  AddModelOptions(&desc, &mopt);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo longctx -m llamacpp:PATH --lengths 1024,2048 --haystack "
                        "FILE.jsonl [--tasks A,B] [--depths 0,50,100] [--samples N] [--qa "
                        "FILE.jsonl] [--db PATH] [-o results.json] [--ctx N]",
                        desc, nullptr, &vm, &code))
    return code;
  auto lengths = ParseLengths(lengths_arg);
  if (!lengths.ok()) return ReportError(lengths.status());
  auto depths = ParseDepths(depths_arg);
  if (!depths.ok()) return ReportError(depths.status());
  // The same parsing and checks as a run config's job.
  nlohmann::json job = {{"name", name},
                        {"tasks", SplitComma(tasks_arg)},
                        {"lengths", *lengths},
                        {"depths", *depths},
                        {"samples", config.samples},
                        {"seed", config.seed},
                        {"haystack", fs::absolute(config.haystack).lexically_normal().string()},
                        {"haystack_field", config.haystack_field},
                        {"threshold", config.threshold}};
  if (!config.qa.empty()) job["qa"] = fs::absolute(config.qa).lexically_normal().string();
  auto parsed = longctx::ParseLongContextConfig(job, nullptr);
  if (!parsed.ok())
    return ReportError(Status(parsed.status().code(), "--" + parsed.status().message()));
  InstallInterruptHandler();
  auto driver = std::make_unique<longctx::LongContextJob>(*parsed);
  longctx::LongContextJob* lc = driver.get();
  std::vector<std::unique_ptr<JobDriver>> jobs;
  jobs.push_back(std::move(driver));
  if (Status s = jobs[0]->Validate(ValidateContext{}); !s.ok()) return ReportError(s);

  auto spec = ParseModelSpec(model_spec);
  if (!spec.ok()) return ReportError(spec.status());
  const std::string model_name = fs::path(spec->path).stem().string();
  if (db.empty()) {
    std::error_code ec;
    fs::create_directories(DefaultStoreDir(), ec);
    db = (fs::path(DefaultStoreDir()) / ((model_name.empty() ? "longctx" : model_name) + ".db"))
             .string();
    std::fprintf(stderr, "mnemo: longctx: results in %s (--db PATH to choose)\n", db.c_str());
  }
  auto store = OpenStoreForWriting(db);
  if (!store.ok()) return ReportError(store.status());
  std::vector<RunModel> models = {{model_name, model_spec, mopt, nullptr}};
  std::optional<OpenedModel> first;
  // A length above the context fails here, before the run is begun.
  if (Status s = PreflightModels(models, jobs, &first); !s.ok()) return ReportError(s);

  nlohmann::json run_config = {{"command", "longctx"}, {"model", model_spec}, {"job", job}};
  if (mopt.n_ctx != 0) run_config["ctx"] = mopt.n_ctx;
  auto session = RunSession::Begin(store->get(), "longctx " + name, run_config, parsed->seed);
  if (!session.ok()) return ReportError(session.status());
  RunContext ctx;
  ctx.quiet = quiet;
  ctx.model_options = mopt;
  JobOutcome outcome;
  Status st = RunJobs(&*session, models, jobs, ctx, &outcome);
  session->Finish(st);

  const longctx::LongContextResult& r = lc->result();
  FILE* table = SummaryStream(output);
  std::fprintf(table, "%-8s %-16s %9s %8s %12s %14s %14s\n", "length", "task", "accuracy", "n",
               "tokens/s", "peak RSS MiB", "KV MiB");
  for (const auto& m : r.measures) {
    const auto avg = r.summary.by_length.find(m.length);
    std::fprintf(
        table, "%-8zu %-16s %9s %8zu %12s %14.1f %14s\n", m.length, "(average)",
        avg == r.summary.by_length.end() ? "-" : FormatMetric(avg->second).c_str(), m.requests,
        m.tokens_per_second ? FormatMetric(*m.tokens_per_second).c_str() : "reused",
        static_cast<double>(m.peak_rss_bytes) / (1 << 20),
        m.kv_bytes ? FormatMetric(static_cast<double>(*m.kv_bytes) / (1 << 20)).c_str() : "-");
    for (const auto& [task, by_length] : r.summary.by_task_length) {
      auto it = by_length.find(m.length);
      if (it == by_length.end()) continue;
      std::fprintf(table, "%-8s %-16s %9s %8zu\n", "", task.c_str(),
                   FormatMetric(it->second.accuracy).c_str(), it->second.samples);
    }
  }
  if (!r.summary.by_length.empty())
    std::fprintf(table, "effective length (threshold %s%%): %zu\n",
                 FormatMetric(parsed->threshold).c_str(), r.summary.effective_length);
  if (!output.empty()) {
    nlohmann::json j = longctx::LongContextJson(*parsed, r, model_name);
    j["run_id"] = session->run_id();
    j["db"] = fs::absolute(db).string();
    Status s =
        WriteOutput(output, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (!s.ok()) return ReportError(s);
    if (!IsStdout(output)) std::printf("results: %s\n", fs::absolute(output).string().c_str());
  }
  std::fprintf(table, "requests: %zu reused from the run store, %zu computed\n", outcome.reused,
               outcome.computed);
  std::fprintf(table, "run %lld in %s\n", static_cast<long long>(session->run_id()),
               fs::absolute(db).string().c_str());
  if (!st.ok()) return ReportError(st);
  return kExitOk;
}

}  // namespace mnemo
