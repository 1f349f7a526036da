// `mnemo audit pii`: personal data and secrets in text files, JSONL corpora or a run's
// memorised outputs; and the "pii" job kind of `mnemo run`.
//
//   mnemo audit pii PATH... [--field text] [--entities LIST] [--min-likelihood L]
//                   [--redact OUT] [--db PATH] --output findings.jsonl
//   mnemo audit pii --db runs.db --memorized [--run ID] --output findings.jsonl
//
//   {"kind": "pii", "memorized": true}                    (in a run config: the run's own
//   {"kind": "pii", "paths": ["corpus.jsonl"], ...}         memorised outputs, or files)
//
// The engine, catalogue and outputs live in audits/pii/; this file wires options to them,
// records a jobs row (kind "pii", no model), per-entity counts in metrics, and prints the
// summary by entity on stderr.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>

#include "audits/pii/catalogue.h"
#include "audits/pii/engine.h"
#include "audits/pii/output.h"
#include "audits/pii/scan.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/run_job.h"

namespace mnemo {
namespace po = boost::program_options;

namespace {

struct PiiConfig {
  std::vector<std::string> paths;
  bool memorized = false;
  int64_t run = 0;  // 0: the latest run with probes (memorized)
  std::string field = "text";
  std::string id_field = "id";
  std::string format = "auto";
  std::vector<std::string> entities;
  std::string entities_file;
  std::string min_likelihood = "POSSIBLE";
  bool context = true;
  bool prefilter = true;
  std::vector<std::string> allow_list;
  int threads = 0;
  std::string output;  // NDJSON ("-" stdout, "" none)
  std::string redact;
  std::string redact_mode = "mask";
  std::string quote = "redacted";

  nlohmann::json ToJson() const {
    nlohmann::json j = {{"memorized", memorized},
                        {"field", field},
                        {"id_field", id_field},
                        {"format", format},
                        {"entities", entities},
                        {"entities_file", entities_file},
                        {"min_likelihood", min_likelihood},
                        {"context", context},
                        {"allow_list_size", allow_list.size()},
                        {"quote", quote}};
    if (!paths.empty()) j["paths"] = paths;
    if (memorized) j["run"] = run;
    return j;
  }
};

struct PiiOutcome {
  pii::ScanTotals totals;
  std::map<std::string, pii::EntityCount> counts;
  int64_t docs_with_findings = 0;
  int64_t findings = 0;
  int64_t run_id = 0;
  int64_t job_id = 0;
  int threads = 0;
};

Result<std::vector<std::string>> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? comma : comma - start);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::vector<std::string>> ReadAllowList(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open allow list '" + path + "'");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);  // empty terms are ignored (Presidio #2061)
  }
  return out;
}

Result<std::unique_ptr<pii::Scanner>> BuildScanner(const PiiConfig& c) {
  auto cat = pii::Catalogue::Default();
  if (!cat.ok()) return cat.status();
  if (!c.entities_file.empty()) {
    auto user = pii::Catalogue::LoadFile(c.entities_file, &*cat);
    if (!user.ok()) return user.status();
    cat->Merge(*user);
  }
  auto min = pii::ParseLikelihood(c.min_likelihood);
  if (!min.ok()) return min.status();
  pii::ScanOptions opt;
  opt.entities = c.entities;
  opt.min_likelihood = *min;
  opt.use_context = c.context;
  opt.prefilter = c.prefilter;
  opt.allow_list = c.allow_list;
  return pii::Scanner::Create(*cat, opt);
}

// Scans what `c` names; with a store, records a job in `run_id` (files and no run: a new run).
Status RunPii(const PiiConfig& c, RunStore* store, int64_t run_id, PiiOutcome* out) {
  if (c.memorized && store == nullptr)
    return Status::InvalidArgument("--memorized reads a run store: give --db PATH");
  if (c.memorized && !c.paths.empty())
    return Status::InvalidArgument("give input files or --memorized, not both");
  if (!c.memorized && c.paths.empty())
    return Status::InvalidArgument("no input: give files to scan or --memorized");
  if (c.memorized && !c.redact.empty())
    return Status::InvalidArgument("--redact writes a copy of input files; not with --memorized");
  auto scanner = BuildScanner(c);
  if (!scanner.ok()) return scanner.status();
  auto quote = pii::ParseQuoteMode(c.quote);
  if (!quote.ok()) return quote.status();
  auto redact_mode = pii::ParseRedactMode(c.redact_mode);
  if (!redact_mode.ok()) return redact_mode.status();
  std::vector<std::string> files;
  if (!c.memorized) {
    auto f = pii::ExpandInputs(c.paths);
    if (!f.ok()) return f.status();
    files = std::move(f).value();
  }

  pii::SinkList sinks;
  pii::Counter counter(scanner->get());
  sinks.Add(&counter);
  std::unique_ptr<pii::NdjsonWriter> ndjson;
  if (!c.output.empty()) {
    auto w = pii::NdjsonWriter::Open(c.output, scanner->get(), *quote, files.size() > 1);
    if (!w.ok()) return w.status();
    ndjson = std::move(w).value();
    sinks.Add(ndjson.get());
  }
  std::unique_ptr<pii::Redactor> redactor;
  if (!c.redact.empty()) {
    auto r = pii::Redactor::Open(c.redact, scanner->get(), *redact_mode, c.field);
    if (!r.ok()) return r.status();
    redactor = std::move(r).value();
    sinks.Add(redactor.get());
  }

  bool own_run = false;
  JobRecord job;
  std::unique_ptr<pii::SqliteFindingsWriter> sql;
  if (store != nullptr) {
    if (c.memorized && run_id == 0) {
      auto latest = pii::LatestRunWithProbes(store->db());
      if (!latest.ok())
        return Status(latest.status().code(), store->path() + ": " + latest.status().message());
      run_id = *latest;
    }
    if (run_id == 0) {
      RunRecord run;
      run.name = "audit pii";
      run.config = {{"command", "audit pii"}, {"pii", c.ToJson()}};
      run.mnemo_version = MNEMO_VERSION;
      char host[256] = {0};
      gethostname(host, sizeof host - 1);
      run.host = host;
      MNEMO_RETURN_IF_ERROR(store->BeginRun(&run));
      run_id = run.id;
      own_run = true;
    }
    job.run_id = run_id;
    job.model_id = 0;
    job.kind = "pii";
    job.name = c.memorized ? "pii:memorized" : "pii";
    job.config = c.ToJson();
    MNEMO_RETURN_IF_ERROR(store->BeginJob(&job));
    auto w = pii::SqliteFindingsWriter::Open(store->db(), job.id, scanner->get(), *quote);
    if (!w.ok()) return w.status();
    sql = std::move(w).value();
    sinks.Add(sql.get());
  }

  Status s;
  if (c.memorized) {
    s = pii::ScanMemorized(**scanner, store->db(), run_id, &sinks, &out->totals);
    out->threads = 1;
  } else {
    pii::InputOptions in;
    in.paths = files;
    in.field = c.field;
    in.id_field = c.id_field;
    in.format = c.format;
    in.threads = c.threads;
    in.keep_records = redactor != nullptr;
    out->threads = c.threads > 0 ? c.threads : static_cast<int>(DefaultThreads());
    s = pii::ScanFiles(**scanner, in, &sinks, &out->totals);
  }
  if (ndjson) {
    Status cs = ndjson->Close();
    if (s.ok()) s = cs;
  }
  if (redactor) {
    Status cs = redactor->Close();
    if (s.ok()) s = cs;
  }
  out->counts = counter.by_entity();
  out->docs_with_findings = counter.docs_with_findings();
  out->findings = counter.findings();
  out->run_id = run_id;
  if (store != nullptr) {
    Status fs = sql->Finish();
    if (s.ok()) s = fs;
    std::vector<MetricRecord> metrics;
    const int64_t n = out->totals.docs;
    for (const auto& e : (*scanner)->entities()) {
      auto it = out->counts.find(e.name);
      double v = it == out->counts.end() ? 0.0 : static_cast<double>(it->second.findings);
      metrics.push_back({"findings", e.name, v, std::nullopt, n, false});
      double d = it == out->counts.end() ? 0.0 : static_cast<double>(it->second.docs);
      metrics.push_back({"docs_with_findings", e.name, d, std::nullopt, n, false});
    }
    metrics.push_back(
        {"findings", "all", static_cast<double>(out->findings), std::nullopt, n, false});
    metrics.push_back({"docs_with_findings", "all", static_cast<double>(out->docs_with_findings),
                       std::nullopt, n, false});
    Status ms = store->PutMetrics(job.id, metrics);
    if (s.ok()) s = ms;
    (void)store->FinishJob(job.id, s.ok() ? "finished" : "failed", out->totals.docs, 0);
    if (own_run) (void)store->FinishRun(run_id, s.ok() ? "finished" : "failed");
    out->job_id = job.id;
  }
  return s;
}

void PrintSummary(const PiiOutcome& o, const std::string& where) {
  const auto& t = o.totals;
  double mb = static_cast<double>(t.input_bytes) / 1e6;
  std::fprintf(stderr,
               "mnemo: pii: %s: %lld documents, %.1f MB in %.2f s (%.1f MB/s, %d thread%s)\n",
               where.c_str(), static_cast<long long>(t.docs), mb, t.seconds,
               t.seconds > 0 ? mb / t.seconds : 0.0, o.threads, o.threads == 1 ? "" : "s");
  std::fprintf(stderr, "%-18s %9s %8s %11s %7s %8s %8s %13s\n", "entity", "findings", "docs",
               "VERY_LIKELY", "LIKELY", "POSSIBLE", "UNLIKELY", "VERY_UNLIKELY");
  for (const auto& [name, c] : o.counts)
    std::fprintf(
        stderr, "%-18s %9lld %8lld %11lld %7lld %8lld %8lld %13lld\n", name.c_str(),
        static_cast<long long>(c.findings), static_cast<long long>(c.docs),
        static_cast<long long>(c.by_likelihood[5]), static_cast<long long>(c.by_likelihood[4]),
        static_cast<long long>(c.by_likelihood[3]), static_cast<long long>(c.by_likelihood[2]),
        static_cast<long long>(c.by_likelihood[1]));
  std::fprintf(stderr, "%-18s %9lld %8lld\n", "total", static_cast<long long>(o.findings),
               static_cast<long long>(o.docs_with_findings));
  if (t.missing_field > 0) {
    std::string where_missing;
    for (const auto& m : t.first_missing) where_missing += (where_missing.empty() ? "" : ", ") + m;
    std::fprintf(stderr,
                 "mnemo: warning: %lld JSONL lines lack a string text field (first at %s)\n",
                 static_cast<long long>(t.missing_field), where_missing.c_str());
  }
  if (t.stats.set_fallbacks > 0)
    std::fprintf(stderr,
                 "mnemo: warning: the RE2::Set prefilter ran out of memory on %lld texts; they "
                 "were scanned pattern by pattern (nothing was skipped)\n",
                 static_cast<long long>(t.stats.set_fallbacks));
}

// --- The "pii" job kind.

class PiiJob : public RunJob {
 public:
  bool needs_model() const override { return false; }
  Status RunOnce(const RunContext& ctx, JobOutcome* out) override {
    PiiOutcome o;
    Status s = RunPii(config, ctx.store, ctx.run_id, &o);
    if (!ctx.quiet && s.ok()) PrintSummary(o, config.memorized ? "memorised outputs" : "files");
    std::string job = config.memorized ? "pii:memorized" : "pii";
    for (const auto& [name, c] : o.counts)
      out->lines.push_back({"", job, "findings", name, static_cast<double>(c.findings),
                            std::nullopt, o.totals.docs});
    out->lines.push_back({"", job, "docs_with_findings", "all",
                          static_cast<double>(o.docs_with_findings), std::nullopt, o.totals.docs});
    return s;
  }
  PiiConfig config;
};

}  // namespace

int RunAuditPiiCommand(int argc, char** argv) {
  PiiConfig c;
  std::string entities, allow_file, db;
  bool no_context = false, quiet = false;
  po::options_description desc("mnemo audit pii");
  desc.add_options()("help,h", "show this help")(
      "paths", po::value<std::vector<std::string>>(&c.paths)->multitoken(),
      "files or globs: text (one document per line) or JSONL, plain, .gz or .zst")(
      "field", po::value<std::string>(&c.field)->default_value("text"),
      "JSONL: dotted path of the text to scan")(
      "id-field", po::value<std::string>(&c.id_field)->default_value("id"),
      "JSONL: document id field (absent: the line number)")(
      "format", po::value<std::string>(&c.format)->default_value("auto"), "auto | jsonl | text")(
      "entities", po::value<std::string>(&entities),
      "comma-separated entity names (default: every enabled entity)")(
      "entities-file", po::value<std::string>(&c.entities_file),
      "your own catalogue (same format as audits/pii/entities.json): adds or replaces entities")(
      "min-likelihood", po::value<std::string>(&c.min_likelihood)->default_value("POSSIBLE"),
      "VERY_UNLIKELY | UNLIKELY | POSSIBLE | LIKELY | VERY_LIKELY")(
      "allow-list", po::value<std::string>(&allow_file),
      "file of values never reported, one per line")("no-context", po::bool_switch(&no_context),
                                                     "do not raise scores for context words")(
      "no-prefilter", po::bool_switch(),
      "run every pattern over every text without the RE2::Set (the benchmark's baseline)")(
      "redact", po::value<std::string>(&c.redact), "write a redacted copy of the input here")(
      "redact-mode", po::value<std::string>(&c.redact_mode)->default_value("mask"),
      "mask (<EMAIL_ADDRESS>) | hash (<EMAIL_ADDRESS:1a2b..>) | pseudonym (<EMAIL_ADDRESS_1>)")(
      "quote", po::value<std::string>(&c.quote)->default_value("redacted"),
      "quote of each finding in the output and the store: none | redacted | full")(
      "db", po::value<std::string>(&db),
      "run store: findings go to pii_findings, counts to metrics")(
      "memorized", po::bool_switch(&c.memorized),
      "scan the memorised continuations (mem_probes with exact or approx) of a run in --db")(
      "run", po::value<int64_t>(&c.run), "with --memorized: the run id (default: the latest)")(
      "threads,t", po::value<int>(&c.threads)->default_value(0), "threads (0: all cores)")(
      "output,o", po::value<std::string>(&c.output),
      "findings, one JSON object per line ('-': stdout)")("quiet,q", po::bool_switch(&quiet),
                                                          "no summary on stderr")(
      "list-patterns", po::bool_switch(),
      "print the selected patterns, one per line ((?i) where case-insensitive), and exit");
  po::positional_options_description pos;
  pos.add("paths", -1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo audit pii PATH... [--field text] [--entities LIST] "
                        "[--min-likelihood L] [--redact OUT] [--db PATH] --output findings.jsonl\n"
                        "       mnemo audit pii --db PATH --memorized [--run ID] --output "
                        "findings.jsonl",
                        desc, &pos, &vm, &code))
    return code;
  c.context = !no_context;
  c.prefilter = !vm["no-prefilter"].as<bool>();
  if (vm.count("entities")) {
    auto list = SplitList(entities);
    c.entities = std::move(list).value();
  }
  if (!allow_file.empty()) {
    auto allow = ReadAllowList(allow_file);
    if (!allow.ok()) return ReportError(allow.status());
    c.allow_list = std::move(allow).value();
  }
  if (vm["list-patterns"].as<bool>()) {
    auto scanner = BuildScanner(c);
    if (!scanner.ok()) return ReportError(scanner.status());
    for (const auto& e : (*scanner)->entities())
      for (const auto& p : e.patterns)
        std::printf("%s%s\n", p.case_sensitive ? "" : "(?i)", p.regex.c_str());
    return kExitOk;
  }
  if (c.output.empty() && db.empty())
    return ReportError(Status::InvalidArgument("give --output findings.jsonl (or --db PATH)"));
  if (vm.count("run") && !c.memorized)
    return ReportError(Status::InvalidArgument("--run selects the run of --memorized"));
  if (c.threads < 0) return ReportError(Status::InvalidArgument("--threads must be >= 0"));
  std::unique_ptr<RunStore> store;
  if (!db.empty()) {
    auto s = RunStore::Open(db);
    if (!s.ok()) return ReportError(s.status());
    store = std::move(s).value();
  }
  PiiOutcome o;
  Status s = RunPii(c, store.get(), c.memorized ? c.run : 0, &o);
  if (!s.ok()) return ReportError(s);
  if (!quiet) {
    std::string where =
        c.memorized
            ? db + " run " + std::to_string(o.run_id) + " (memorised outputs)"
            : (c.paths.size() == 1 ? c.paths[0] : std::to_string(c.paths.size()) + " inputs");
    PrintSummary(o, where);
  }
  return kExitOk;
}

Result<std::unique_ptr<RunJob>> ParsePiiJob(const nlohmann::json& job, const JobParseContext& ctx) {
  MNEMO_RETURN_IF_ERROR(ctx.CheckKeys(
      job,
      {"kind", "memorized", "paths", "field", "id_field", "format", "entities", "entities_file",
       "min_likelihood", "context", "allow_list", "quote", "output", "threads"},
      "pii"));
  auto j = std::make_unique<PiiJob>();
  PiiConfig& c = j->config;
  auto str = [&](const char* key, std::string* out) -> Status {
    if (!job.contains(key)) return Status::Ok();
    if (!job[key].is_string()) return ctx.Error(key, "must be a string");
    *out = job[key].get<std::string>();
    return Status::Ok();
  };
  auto strs = [&](const char* key, std::vector<std::string>* out) -> Status {
    if (!job.contains(key)) return Status::Ok();
    if (!job[key].is_array()) return ctx.Error(key, "must be a list of strings");
    for (const auto& v : job[key]) {
      if (!v.is_string()) return ctx.Error(key, "must be a list of strings");
      out->push_back(v.get<std::string>());
    }
    return Status::Ok();
  };
  if (job.contains("memorized")) {
    if (!job["memorized"].is_boolean()) return ctx.Error("memorized", "must be true or false");
    c.memorized = job["memorized"].get<bool>();
  }
  if (job.contains("context")) {
    if (!job["context"].is_boolean()) return ctx.Error("context", "must be true or false");
    c.context = job["context"].get<bool>();
  }
  if (job.contains("threads")) {
    if (!job["threads"].is_number_unsigned()) return ctx.Error("threads", "must be >= 0");
    c.threads = job["threads"].get<int>();
  }
  MNEMO_RETURN_IF_ERROR(strs("paths", &c.paths));
  for (auto& p : c.paths) p = ctx.resolve(p);
  MNEMO_RETURN_IF_ERROR(str("field", &c.field));
  MNEMO_RETURN_IF_ERROR(str("id_field", &c.id_field));
  MNEMO_RETURN_IF_ERROR(str("format", &c.format));
  MNEMO_RETURN_IF_ERROR(strs("entities", &c.entities));
  MNEMO_RETURN_IF_ERROR(str("entities_file", &c.entities_file));
  if (!c.entities_file.empty()) c.entities_file = ctx.resolve(c.entities_file);
  MNEMO_RETURN_IF_ERROR(str("min_likelihood", &c.min_likelihood));
  MNEMO_RETURN_IF_ERROR(strs("allow_list", &c.allow_list));
  MNEMO_RETURN_IF_ERROR(str("quote", &c.quote));
  MNEMO_RETURN_IF_ERROR(str("output", &c.output));
  if (!c.output.empty() && c.output != "-") c.output = ctx.resolve(c.output);
  if (c.memorized == !c.paths.empty())
    return ctx.Error("", "needs either \"memorized\": true or \"paths\"");
  // Check everything that can be checked before any model runs.
  if (!pii::ParseLikelihood(c.min_likelihood).ok())
    return ctx.Error("min_likelihood", pii::ParseLikelihood(c.min_likelihood).status().message());
  if (!pii::ParseQuoteMode(c.quote).ok())
    return ctx.Error("quote", "must be none, redacted or full");
  if (c.format != "auto" && c.format != "jsonl" && c.format != "text")
    return ctx.Error("format", "must be auto, jsonl or text");
  auto scanner = BuildScanner(c);
  if (!scanner.ok())
    return Status(scanner.status().code(),
                  ctx.config_path + ": " + ctx.field + ": " + scanner.status().message());
  return std::unique_ptr<RunJob>(std::move(j));
}

}  // namespace mnemo
