#include "audits/pii/job.h"

#include <cstdio>
#include <fstream>

#include "audits/pii/catalogue.h"
#include "datasets/io/corpus_pieces.h"
#include "harness/core/hash.h"

namespace mnemo::pii {
namespace {

// What makes a PII job's findings what they are, whatever the shard: its jobs row's config,
// the allow list's values (the row holds only their count), and the identity of the files it
// reads (inputs and entities file). Equal for every shard of the same job.
Result<std::string> PiiConfigFingerprint(const PiiConfig& c, const nlohmann::json& job_config,
                                         const std::vector<std::string>& files) {
  Hasher h;
  h.Field("pii");
  h.Field(job_config.dump());
  h.Field(static_cast<uint64_t>(c.allow_list.size()));
  for (const auto& v : c.allow_list) h.Field(v);
  if (!files.empty()) {
    auto id = InputIdentity(files);
    if (!id.ok()) return id.status();
    h.Field(id->dump());
  }
  if (!c.entities_file.empty()) {
    auto id = InputIdentity({c.entities_file});
    if (!id.ok()) return id.status();
    h.Field(id->dump());
  }
  return h.HexDigest();
}

// The job_shards plan: the shard's pieces (with each one's line count once read) and, at the
// end, the documents scanned.
nlohmann::json ShardPlan(const PiiConfig& c, const std::vector<CorpusPiece>& pieces,
                         const ScanTotals* totals) {
  nlohmann::json plan = nlohmann::json::object();
  if (c.memorized) {
    plan["memorized"] = true;
  } else {
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < pieces.size(); ++i) {
      nlohmann::json p = pieces[i].ToJson();
      if (totals != nullptr)
        p["lines"] = i < totals->piece_lines.size() ? totals->piece_lines[i] : 0;
      list.push_back(std::move(p));
    }
    plan["pieces"] = std::move(list);
  }
  if (totals != nullptr) plan["docs"] = totals->docs;
  return plan;
}

}  // namespace

Result<std::vector<std::string>> SplitPiiList(const std::string& s) {
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

Result<std::unique_ptr<Scanner>> BuildScanner(const PiiConfig& c) {
  auto cat = Catalogue::Default();
  if (!cat.ok()) return cat.status();
  if (!c.entities_file.empty()) {
    auto user = Catalogue::LoadFile(c.entities_file, &*cat);
    if (!user.ok()) return user.status();
    cat->Merge(*user);
  }
  auto min = ParseLikelihood(c.min_likelihood);
  if (!min.ok()) return min.status();
  ScanOptions opt;
  opt.entities = c.entities;
  opt.min_likelihood = *min;
  opt.use_context = c.context;
  opt.prefilter = c.prefilter;
  opt.allow_list = c.allow_list;
  return Scanner::Create(*cat, opt);
}

Status RunPii(const PiiConfig& c, RunStore* store, int64_t run_id, PiiOutcome* out) {
  if (c.memorized && store == nullptr)
    return Status::InvalidArgument("--memorized reads a run store: give --db PATH");
  if (c.memorized && !c.paths.empty())
    return Status::InvalidArgument("give input files or --memorized, not both");
  if (!c.memorized && c.paths.empty())
    return Status::InvalidArgument("no input: give files to scan or --memorized");
  if (c.memorized && !c.redact.empty())
    return Status::InvalidArgument("--redact writes a copy of input files; not with --memorized");
  if (c.shard && store == nullptr)
    return Status::InvalidArgument("a PII scan run as shard " + c.shard->ToString() +
                                   " records its part in a run store: give --db PATH");
  if (c.shard && (!c.output.empty() || !c.redact.empty()))
    return Status::InvalidArgument("a PII scan run as shard " + c.shard->ToString() +
                                   " cannot write NDJSON or a redacted copy (every shard would "
                                   "write the same file); merge the shard stores instead");
  auto scanner = BuildScanner(c);
  if (!scanner.ok()) return scanner.status();
  auto quote = ParseQuoteMode(c.quote);
  if (!quote.ok()) return quote.status();
  auto redact_mode = ParseRedactMode(c.redact_mode);
  if (!redact_mode.ok()) return redact_mode.status();
  std::vector<std::string> files;
  if (!c.memorized) {
    auto f = ExpandInputs(c.paths);
    if (!f.ok()) return f.status();
    files = std::move(f).value();
  }
  std::vector<CorpusPiece> pieces;  // shard runs of files: this shard's part
  std::string fingerprint;
  if (c.shard) {
    if (!c.memorized) {
      auto p = PlanCorpusPieces(files, c.shard->index, c.shard->count);
      if (!p.ok()) return p.status();
      pieces = std::move(p).value();
    }
    auto fp = PiiConfigFingerprint(c, c.ToJson(), files);
    if (!fp.ok()) return fp.status();
    fingerprint = std::move(fp).value();
  }

  SinkList sinks;
  Counter counter(scanner->get());
  sinks.Add(&counter);
  std::unique_ptr<NdjsonWriter> ndjson;
  if (!c.output.empty()) {
    auto w = NdjsonWriter::Open(c.output, scanner->get(), *quote, files.size() > 1);
    if (!w.ok()) return w.status();
    ndjson = std::move(w).value();
    sinks.Add(ndjson.get());
  }
  std::unique_ptr<Redactor> redactor;
  if (!c.redact.empty()) {
    auto r = Redactor::Open(c.redact, scanner->get(), *redact_mode, c.field);
    if (!r.ok()) return r.status();
    redactor = std::move(r).value();
    sinks.Add(redactor.get());
  }

  JobRecord job;
  std::vector<int64_t> replaced;  // earlier scans of the same memorised outputs
  std::unique_ptr<SqliteFindingsWriter> sql;
  if (store != nullptr) {
    if (run_id == 0) return Status::Internal("a pii job with a store needs its run");
    job.run_id = run_id;
    job.model_id = 0;
    job.kind = "pii";
    job.name = c.memorized ? "pii:memorized" : "pii";
    job.config = c.ToJson();
    if (c.memorized) {
      // A rerun replaces the scan of this run's memorised outputs (once it has finished).
      auto jobs = store->ListJobs(run_id);
      if (!jobs.ok()) return jobs.status();
      for (const auto& j : *jobs)
        if (j.kind == job.kind && j.name == job.name) replaced.push_back(j.id);
    }
    MNEMO_RETURN_IF_ERROR(store->BeginJob(&job));
    if (c.shard) {
      JobShardRecord shard;
      shard.job_id = job.id;
      shard.index = c.shard->index;
      shard.count = c.shard->count;
      shard.config_fingerprint = fingerprint;
      shard.plan = ShardPlan(c, pieces, nullptr);
      MNEMO_RETURN_IF_ERROR(store->BeginJobShard(shard));
    }
    auto w = SqliteFindingsWriter::Open(store, job.id, scanner->get(), *quote);
    if (!w.ok()) return w.status();
    sql = std::move(w).value();
    sinks.Add(sql.get());
  }

  Status s;
  if (c.memorized) {
    s = ScanMemorized(**scanner, store, run_id, &sinks, &out->totals);
    out->threads = 1;
  } else {
    InputOptions in;
    in.paths = files;
    in.field = c.field;
    in.id_field = c.id_field;
    in.format = c.format;
    in.threads = c.threads;
    in.keep_records = redactor != nullptr;
    in.use_pieces = c.shard.has_value();
    in.pieces = pieces;
    out->threads = c.threads > 0 ? c.threads : static_cast<int>(DefaultThreads());
    s = ScanFiles(**scanner, in, &sinks, &out->totals);
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
    // One transaction: a shard's completion marker exists exactly when its metrics (the job's
    // last rows, after every finding) do.
    Status ws = store->Begin();
    if (ws.ok()) ws = store->PutMetrics(job.id, metrics);
    if (ws.ok()) ws = store->FinishJob(job.id, s.ok() ? "finished" : "failed", out->totals.docs, 0);
    if (ws.ok() && s.ok() && c.shard)
      ws = store->CompleteJobShard(job.id, ShardPlan(c, pieces, &out->totals));
    if (ws.ok()) ws = store->Commit();
    if (!ws.ok()) {
      (void)store->Rollback();
      (void)store->FinishJob(job.id, "failed", out->totals.docs, 0);
      if (s.ok()) s = ws;
    }
    out->job_id = job.id;
    if (s.ok())
      for (int64_t id : replaced) s = store->DeleteJob(id);
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

nlohmann::json PiiJob::Plan() const {
  nlohmann::json j = config_.ToJson();
  if (config_.shard) j["shard"] = config_.shard->ToString();
  return j;
}

Status PiiJob::Shard(const ShardSpec& shard) {
  if (shard.count == 0 || shard.index >= shard.count)
    return Status::InvalidArgument("shard " + shard.ToString() + " is not i/N with 0 <= i < N");
  if (!config_.output.empty())
    return Status::InvalidArgument("pii job writes NDJSON to '" + config_.output +
                                   "': a shard run cannot (every shard would write the same "
                                   "file); drop \"output\" and merge the shard stores");
  config_.shard = shard;
  return Status::Ok();
}

Status PiiJob::RunOnce(const RunContext& ctx, JobOutcome* out) {
  outcome_ = PiiOutcome();
  if (!ctx.shard.whole() && !config_.shard) MNEMO_RETURN_IF_ERROR(Shard(ctx.shard));
  Status s = RunPii(config_, ctx.store, ctx.store ? ctx.run_id : 0, &outcome_);
  if (!ctx.quiet && s.ok())
    PrintSummary(outcome_, !label_.empty()     ? label_
                           : config_.memorized ? "memorised outputs"
                                               : "files");
  Summarise("", out);
  return s;
}

void PiiJob::Summarise(const std::string&, JobOutcome* out) const {
  std::string job = config_.memorized ? "pii:memorized" : "pii";
  for (const auto& [name, c] : outcome_.counts)
    out->lines.push_back({"", job, "findings", name, static_cast<double>(c.findings), std::nullopt,
                          outcome_.totals.docs});
  out->lines.push_back({"", job, "docs_with_findings", "all",
                        static_cast<double>(outcome_.docs_with_findings), std::nullopt,
                        outcome_.totals.docs});
}

Result<std::unique_ptr<JobDriver>> ParsePiiJob(const nlohmann::json& job,
                                               const JobParseContext& ctx) {
  MNEMO_RETURN_IF_ERROR(ctx.CheckKeys(
      job,
      {"kind", "memorized", "paths", "field", "id_field", "format", "entities", "entities_file",
       "min_likelihood", "context", "allow_list", "quote", "output", "threads", "shard"},
      "pii"));
  PiiConfig c;
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
  if (job.contains("shard")) {
    auto shard = job["shard"].is_string() ? ParseShardSpec(job["shard"].get<std::string>())
                                          : Result<ShardSpec>(Status::InvalidArgument(""));
    if (!shard.ok()) return ctx.Error("shard", "must be \"i/N\" with 0 <= i < N, e.g. \"0/4\"");
    if (!c.output.empty())
      return ctx.Error("shard", "cannot be set with \"output\" (every shard would write it)");
    c.shard = *shard;
  }
  if (c.memorized == !c.paths.empty())
    return ctx.Error("", "needs either \"memorized\": true or \"paths\"");
  // The files it will scan, checked now: a missing one fails before the run's first job.
  if (!c.paths.empty()) {
    if (auto files = ExpandInputs(c.paths); !files.ok())
      return Status(files.status().code(), ctx.Error("paths", files.status().message()).message());
  }
  // Check everything that can be checked before any model runs.
  if (!ParseLikelihood(c.min_likelihood).ok())
    return ctx.Error("min_likelihood", ParseLikelihood(c.min_likelihood).status().message());
  if (!ParseQuoteMode(c.quote).ok()) return ctx.Error("quote", "must be none, redacted or full");
  if (c.format != "auto" && c.format != "jsonl" && c.format != "text" && c.format != "parquet")
    return ctx.Error("format", "must be auto, jsonl, text or parquet");
  auto scanner = BuildScanner(c);
  if (!scanner.ok())
    return Status(scanner.status().code(),
                  ctx.config_path + ": " + ctx.field + ": " + scanner.status().message());
  return std::unique_ptr<JobDriver>(std::make_unique<PiiJob>(std::move(c)));
}

}  // namespace mnemo::pii
