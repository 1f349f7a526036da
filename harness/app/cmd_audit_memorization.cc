// `mnemo audit memorization`: Gemma-style discoverable extraction on one model. Probes come
// from a targeted probe file (--probes) and/or a seeded sample of a training corpus
// (--corpus, --samples); every prefix is decoded greedily through the scheduler, scored
// (exact, approximate, Pythia score, LCP, character similarity, trivial flags), counted
// against the corpus (suffix duplicates) and summarised with Wilson intervals. Everything
// lands in the run store (--db): a jobs row of kind "memorization", mem_probes rows, metrics.
// The library is audits/memorization; this command runs its job driver (job.h), as a run
// config's "memorization" job does.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "audits/memorization/job.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/run_loop.h"
#include "harness/core/log.h"
#include "harness/core/metric_format.h"
#include "harness/jobs/run_session.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace mem = memorization;

namespace {

std::vector<std::string> SplitCommaList(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    std::stringstream ss(s);
    std::string x;
    while (std::getline(ss, x, ','))
      if (!x.empty()) out.push_back(x);
  }
  return out;
}

void PrintGroups(FILE* to, const std::vector<mem::GroupSummary>& groups) {
  std::fprintf(to, "%-24s %6s %6s %8s %17s %6s %8s %17s %7s\n", "group", "n", "exact", "rate",
               "95% CI", "approx", "rate", "95% CI", "ratio");
  for (const auto& g : groups) {
    const auto e = g.exact_ci(), a = g.approx_ci();
    auto r = g.approx_exact_ratio();
    char ratio[32];
    if (r) {
      std::snprintf(ratio, sizeof ratio, "%7.2f", *r);
    } else {
      std::snprintf(ratio, sizeof ratio, "%7s", "-");
    }
    std::fprintf(to, "%-24s %6lld %6lld %8s [%6s, %6s] %6lld %8s [%6s, %6s] %s\n", g.group.c_str(),
                 static_cast<long long>(g.n), static_cast<long long>(g.exact),
                 FormatMetric(g.exact_rate()).c_str(), FormatMetric(e.low).c_str(),
                 FormatMetric(e.high).c_str(), static_cast<long long>(g.approx),
                 FormatMetric(g.approx_rate()).c_str(), FormatMetric(a.low).c_str(),
                 FormatMetric(a.high).c_str(), ratio);
  }
}

}  // namespace

int RunAuditMemorizationCommand(int argc, char** argv) {
  mem::AuditConfig cfg;
  std::string model_spec, db, output, approx_rule = "le";
  std::vector<std::string> group_by;
  bool quiet = false, no_dups = false, ignore_eos = false;
  uint64_t seed = 1234;
  ModelOptions mopt;
  po::options_description desc("mnemo audit memorization");
  desc.add_options()("help,h", "show this help")("model,m", ModelSpecValue(&model_spec)->required(),
                                                 "BACKEND:PATH (a bare PATH.gguf means llamacpp)")(
      "corpus", po::value<std::vector<std::string>>(&cfg.corpus.paths)->composing(),
      "training corpus file or glob (repeatable): JSONL or text (plain/.gz/.zst) or Parquet; "
      "sampled with "
      "--samples, and used for suffix duplication counts")(
      "samples", po::value<size_t>(&cfg.samples)->default_value(0),
      "probes to sample from the corpus (per source with --per-source)")(
      "sampling", po::value<std::string>(&cfg.sampling.unit)->default_value("documents"),
      "documents (window at each sampled document's start) | positions (uniform over token "
      "positions)")("per-source", po::bool_switch(&cfg.sampling.per_source),
                    "stratify: --samples per source")(
      "seed", po::value<uint64_t>(&seed)->default_value(1234), "sampling seed")(
      "probes", po::value<std::string>(&cfg.probes_path),
      "targeted probe file (JSONL: prefix+text, text, or prefix_tokens+suffix_tokens; other "
      "fields become grouping keys)")(
      "prefix", po::value<size_t>(&cfg.prefix_len)->default_value(50), "prefix tokens P")(
      "suffix", po::value<size_t>(&cfg.suffix_len)->default_value(50), "suffix tokens S")(
      "group-by", po::value<std::vector<std::string>>(&group_by)->composing(),
      "grouping key(s) of the probes, e.g. repeats (repeatable or comma separated)")(
      "text-field", po::value<std::string>(&cfg.corpus.text_field)->default_value("text"),
      "JSONL text field (dotted path)")(
      "id-field", po::value<std::string>(&cfg.corpus.id_field)->default_value("id"),
      "JSONL id field")("source-field", po::value<std::string>(&cfg.corpus.source_field),
                        "JSONL source field (default: the file's stem)")(
      "format", po::value<std::string>(&cfg.corpus.format)->default_value("auto"),
      "corpus format: auto | jsonl | text")(
      "approx-ratio", DoubleValue(&cfg.approx.ratio, 0.10),
      "approximate: token edit distance within this fraction of S")(
      "approx-rule", po::value<std::string>(&approx_rule)->default_value("le"),
      "le (<=, Gemma 2/3) | lt (<, Gemini 1.5)")("no-duplicates", po::bool_switch(&no_dups),
                                                 "skip the corpus duplication counts")(
      "ignore-eos", po::bool_switch(&ignore_eos),
      "never stop at end-of-sequence (always S tokens, as Pythia's min_length)")(
      "probe-separator", po::value<std::string>(&cfg.probe_file.separator)->default_value(" "),
      "joins a probe record's prefix and text")(
      "name", po::value<std::string>(&cfg.name)->default_value("memorization"), "job name")(
      "max-batch", po::value<size_t>(&cfg.max_batch)->default_value(64), "probes per backend call")(
      "db", po::value<std::string>(&db)->required(), "run store: every result is cached there")(
      "output,o", po::value<std::string>(&output),
      "summary JSON ('-': stdout, the table on stderr)")(
      "quiet,q", po::bool_switch(&quiet), "no progress display and no warnings (errors still)");
  AddModelOptions(&desc, &mopt);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo audit memorization --model llamacpp:PATH --corpus FILE "
                        "[--samples N] [--probes FILE] [--prefix 50] [--suffix 50] [--group-by "
                        "FIELD] --db PATH --output summary.json",
                        desc, nullptr, &vm, &code))
    return code;
  cfg.group_by = SplitCommaList(group_by);
  cfg.sampling.samples = cfg.samples;
  cfg.sampling.seed = seed;
  cfg.count_duplicates = !no_dups;
  cfg.stop_at_eos = !ignore_eos;
  cfg.show_progress = !quiet;
  if (quiet) SetLogLevel(LogLevel::kError);
  if (approx_rule != "le" && approx_rule != "lt")
    return ReportError(Status::InvalidArgument("--approx-rule must be le or lt"));
  cfg.approx.rule = approx_rule == "le" ? mem::ApproxRule::kLessEqual : mem::ApproxRule::kLess;
  if (Status s = cfg.Validate(); !s.ok()) return ReportError(s);
  if (!cfg.corpus.paths.empty()) {
    auto files = ExpandCorpusPaths(cfg.corpus.paths);
    if (!files.ok()) return ReportError(files.status());
  }
  if (!cfg.probes_path.empty() && !fs::exists(cfg.probes_path))
    return ReportError(Status::NotFound("probe file '" + cfg.probes_path + "' does not exist"));
  InstallInterruptHandler();
  auto store = OpenStoreForWriting(db);
  if (!store.ok()) return ReportError(store.status());
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());
  const std::string model_name = fs::path(ParseModelSpec(model_spec)->path).stem().string();
  auto owned = std::make_unique<mem::MemorizationJob>(cfg);
  mem::MemorizationJob* job = owned.get();
  // Refused before the run: a context that cannot hold P + S.
  if (Status s = job->CheckModel({&*om, DescribeModel(*om, model_name), model_name}); !s.ok())
    return ReportError(s);
  std::vector<std::unique_ptr<JobDriver>> jobs;
  jobs.push_back(std::move(owned));

  auto session = RunSession::Begin(
      store->get(), "audit memorization " + cfg.name,
      {{"command", "audit memorization"}, {"model", model_spec}, {"job", cfg.ToJson()}}, seed);
  if (!session.ok()) return ReportError(session.status());
  std::vector<RunModel> models = {{model_name, model_spec, mopt, &*om}};
  RunContext ctx;
  ctx.quiet = quiet;
  JobOutcome outcome;
  Status st = RunJobs(&*session, models, jobs, ctx, &outcome);
  session->Finish(st);
  const mem::AuditResult& result = job->result();
  if (!result.groups.empty()) {
    PrintGroups(SummaryStream(output), result.groups);
    if (!output.empty()) {
      nlohmann::json j = mem::SummaryJson(cfg, result, model_name);
      j["run_id"] = session->run_id();
      j["db"] = fs::absolute(db).string();
      j["model_fingerprint"] = om->model->info().fingerprint;
      if (Status s = WriteOutput(output, j.dump(2) + "\n"); !s.ok()) return ReportError(s);
      if (!IsStdout(output)) std::printf("summary: %s\n", fs::absolute(output).string().c_str());
    }
  }
  std::fprintf(SummaryStream(output), "run %lld in %s\n", static_cast<long long>(session->run_id()),
               fs::absolute(db).string().c_str());
  if (!st.ok()) return ReportError(st);
  return kExitOk;
}

}  // namespace mnemo
