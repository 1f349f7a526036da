#include "audits/decontam/audit.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "audits/decontam/eval_index.h"
#include "audits/decontam/eval_items.h"
#include "audits/decontam/item_table.h"
#include "audits/decontam/ngram_dump.h"
#include "audits/decontam/scan.h"
#include "audits/decontam/shard_state.h"
#include "datasets/io/corpus_pieces.h"
#include "datasets/io/corpus_reader.h"
#include "harness/core/hash.h"
#include "harness/jobs/job_driver.h"
#include "harness/store/owned_tables.h"
#include "tasks/stats/aggregation.h"

namespace mnemo {
namespace decontam {
namespace {

std::string Mib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

nlohmann::json EvidenceJson(const Evidence& e) {
  nlohmann::json j = {{"doc", e.doc}, {"file", e.file}, {"line", e.line}};
  if (e.offset >= 0) {
    j["offset"] = e.offset;
    j["length"] = e.length;
  }
  j["ngrams"] = e.ngrams;
  j["text"] = e.text;
  return j;
}

// One metric's per-document values over a set of samples, aggregated as the task job did
// (tasks/stats/aggregation.h); nullopt when the aggregation cannot be recomputed from them.
struct Acc {
  std::vector<SampleValue> values;
  bool bad = false;
  int64_t n = 0;
  void Add(const nlohmann::json& data, const std::string& metric, std::optional<Aggregation> agg) {
    ++n;
    auto v = agg ? SampleValueOf(data, metric, *agg) : std::nullopt;
    if (v) {
      values.push_back(*v);
    } else {
      bad = true;
    }
  }
  std::optional<double> Value(std::optional<Aggregation> agg) const {
    if (bad || values.empty() || !agg || !IsRecomputable(*agg)) return std::nullopt;
    double v = AggregateValues(*agg, values);
    if (!std::isfinite(v)) return std::nullopt;
    return v;
  }
};

// Inside the caller's transaction (WriteTaskRows).
Status WriteItems(RunStore* store, int64_t job_id, const std::vector<EvalItem>& items,
                  const std::vector<size_t>& which, const std::vector<ItemVerdict>& verdicts,
                  const std::vector<nlohmann::json>& evidence, const char* method) {
  sqlite3* db = store->db();
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "INSERT OR REPLACE INTO decontam_items (job_id, task, item_id, doc_index, method, status, "
      "overlap, evidence_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
    return Status::IoError("run store '" + store->path() + "': " + sqlite3_errmsg(db));
  Status s;
  for (size_t i : which) {
    std::string ev = evidence[i].dump();
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, job_id);
    sqlite3_bind_text(st, 2, items[i].task.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, items[i].id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, items[i].index);
    sqlite3_bind_text(st, 5, method, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, verdicts[i].status.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 7, verdicts[i].overlap);
    sqlite3_bind_text(st, 8, ev.c_str(), static_cast<int>(ev.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) {
      s = Status::IoError("run store '" + store->path() + "': " + sqlite3_errmsg(db));
      break;
    }
  }
  sqlite3_finalize(st);
  return s;
}

}  // namespace

Result<AuditIndex> BuildAuditIndex(const AuditConfig& cfg) {
  AuditIndex ai;
  Result<std::vector<EvalItem>> loaded =
      cfg.eval_file.empty() ? LoadTaskItems(cfg.tasks, cfg.task_dirs, cfg.limit)
                            : LoadJsonlItems(cfg.eval_file, cfg.eval_field, cfg.eval_id);
  if (!loaded.ok()) return loaded.status();
  ai.items = std::move(loaded).value();
  if (ai.items.empty()) return Status::InvalidArgument("no eval items to audit");
  ai.options.n = cfg.n != 0 ? cfg.n : DefaultN(cfg.method);
  ai.options.boilerplate = cfg.boilerplate;
  ai.options.short_items = cfg.short_items.value_or(cfg.method == Method::kGpt3);
  auto index = EvalIndex::Build(ai.items, cfg.encoder, ai.options);
  if (!index.ok()) return index.status();
  ai.index.emplace(std::move(index).value());
  return ai;
}

nlohmann::json AuditParams(const AuditConfig& cfg) {
  nlohmann::json j = {{"tasks", cfg.tasks},
                      {"task_dirs", cfg.task_dirs},
                      {"limit", cfg.limit},
                      {"eval", cfg.eval_file},
                      {"eval_field", cfg.eval_field},
                      {"eval_id", cfg.eval_id},
                      {"corpus", cfg.corpus},
                      {"format", cfg.format},
                      {"text_field", cfg.text_field},
                      {"id_field", cfg.id_field},
                      {"method", MethodName(cfg.method)},
                      {"n", cfg.n},
                      {"boilerplate", cfg.boilerplate},
                      {"short_items", nullptr},
                      {"threshold", cfg.palm_threshold},
                      {"evidence", cfg.evidence},
                      {"tokenizer", cfg.tokenizer},
                      {"units", cfg.encoder ? cfg.encoder->name() : "janitor words"},
                      {"rescore", cfg.rescore_after_merge}};
  if (cfg.short_items) j["short_items"] = *cfg.short_items;
  return j;
}

Result<AuditConfig> AuditConfigFromParams(const nlohmann::json& j) {
  AuditConfig c;
  try {
    c.tasks = j.at("tasks").get<std::vector<std::string>>();
    c.task_dirs = j.at("task_dirs").get<std::vector<std::string>>();
    c.limit = j.at("limit").get<size_t>();
    c.eval_file = j.at("eval").get<std::string>();
    c.eval_field = j.at("eval_field").get<std::string>();
    c.eval_id = j.at("eval_id").get<std::string>();
    c.corpus = j.at("corpus").get<std::vector<std::string>>();
    c.format = j.at("format").get<std::string>();
    c.text_field = j.at("text_field").get<std::string>();
    c.id_field = j.at("id_field").get<std::string>();
    auto m = ParseMethod(j.at("method").get<std::string>());
    if (!m.ok()) return Status::InvalidArgument("field 'method': " + m.status().message());
    c.method = *m;
    c.n = j.at("n").get<size_t>();
    c.boilerplate = j.at("boilerplate").get<size_t>();
    if (!j.at("short_items").is_null()) c.short_items = j.at("short_items").get<bool>();
    c.palm_threshold = j.at("threshold").get<double>();
    c.evidence = j.at("evidence").get<size_t>();
    c.tokenizer = j.at("tokenizer").get<std::string>();
    c.rescore_after_merge = j.at("rescore").get<bool>();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("the audit parameters are malformed: ") + e.what());
  }
  return c;
}

nlohmann::json AuditJobConfig(const AuditConfig& cfg, const IndexOptions& io, const ScanStats& ss) {
  nlohmann::json j = {{"method", MethodName(cfg.method)},
                      {"n", io.n},
                      {"boilerplate", io.boilerplate},
                      {"short_items", io.short_items},
                      {"units", cfg.encoder ? cfg.encoder->name() : "janitor words"},
                      {"corpus", cfg.corpus},
                      {"text_field", cfg.text_field},
                      {"shard", cfg.shard},
                      {"merged", cfg.merge_states},
                      {"corpus_bytes", ss.bytes},
                      {"corpus_documents", ss.documents},
                      {"missing_field", ss.missing_field}};
  if (cfg.method == Method::kPalm) j["threshold"] = cfg.palm_threshold;
  return j;
}

void JudgeItems(const AuditConfig& cfg, const AuditIndex& ai, const ScanResult& scan,
                std::vector<ItemVerdict>* verdicts, std::vector<nlohmann::json>* evidence) {
  MethodOptions mo;
  mo.method = cfg.method;
  mo.palm_threshold = cfg.palm_threshold;
  verdicts->assign(ai.items.size(), ItemVerdict());
  evidence->assign(ai.items.size(), nlohmann::json());
  for (size_t i = 0; i < ai.items.size(); ++i) {
    (*verdicts)[i] = Judge(*ai.index, i, scan.matched, mo);
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& e : scan.evidence[i]) ev.push_back(EvidenceJson(e));
    (*evidence)[i] = std::move(ev);
  }
}

Status WriteTaskRows(const AuditConfig& cfg, const AuditIndex& ai, const std::vector<size_t>& which,
                     const std::vector<ItemVerdict>& verdicts,
                     const std::vector<nlohmann::json>& evidence, int64_t job_id,
                     const nlohmann::json* shard_plan, TaskSummary* ts) {
  const char* method = MethodName(cfg.method);
  ts->items = static_cast<int64_t>(which.size());
  std::map<std::string, int64_t> counts;
  double sum = 0;
  for (size_t i : which) {
    ++counts[verdicts[i].status];
    sum += verdicts[i].overlap;
    if (verdicts[i].shared_only) ++ts->shared_only;
  }
  ts->mean_overlap = which.empty() ? 0 : sum / static_cast<double>(which.size());
  for (const auto& s : MethodStatuses(cfg.method)) ts->counts.emplace_back(s, counts[s]);
  ts->job_id = job_id;
  if (cfg.store == nullptr) return Status::Ok();
  RunStore* store = cfg.store;
  std::vector<MetricRecord> metrics;
  double nn = static_cast<double>(which.size());
  auto share = [&](const std::string& name, int64_t c) {
    metrics.push_back({name, method, nn > 0 ? c / nn : 0.0, std::nullopt, ts->items, false});
  };
  for (const auto& [s, c] : ts->counts) share(s + "_share", c);
  if (cfg.method == Method::kLlama2) {
    share("not_clean_share", counts["not_clean"] + counts["dirty"]);
    share("not_dirty_share", counts["clean"] + counts["not_clean"]);
  }
  metrics.push_back({"mean_overlap", method, ts->mean_overlap, std::nullopt, ts->items, false});
  metrics.push_back(
      {"items", method, static_cast<double>(ts->items), std::nullopt, ts->items, true});
  metrics.push_back({"shared_only_items", method, static_cast<double>(ts->shared_only),
                     std::nullopt, ts->items, false});
  MNEMO_RETURN_IF_ERROR(EnsureOwnedTables(store, kItemTables));
  // One transaction: a shard's completion marker exists exactly when its rows do.
  MNEMO_RETURN_IF_ERROR(store->Begin());
  Status w = WriteItems(store, job_id, ai.items, which, verdicts, evidence, method);
  if (w.ok()) w = store->PutMetrics(job_id, metrics);
  if (w.ok()) w = store->FinishJob(job_id, "finished", 0, 0);
  if (w.ok() && shard_plan != nullptr) w = store->CompleteJobShard(job_id, *shard_plan);
  if (w.ok()) w = store->Commit();
  if (!w.ok()) {
    (void)store->Rollback();
    return w;
  }
  return Status::Ok();
}

Status RescoreTasks(const AuditConfig& cfg, const IndexOptions& io,
                    const std::map<std::string, std::map<int64_t, bool>>& clean_of,
                    AuditReport* report, std::vector<int64_t>* job_ids) {
  auto note = [&](const std::string& line) {
    report->notes.push_back(line);
    if (!cfg.quiet) std::fprintf(stderr, "mnemo: decontam: %s\n", line.c_str());
  };
  if (cfg.store == nullptr) return Status::InvalidArgument("--rescore-run needs --db");
  const char* method = MethodName(cfg.method);
  auto run = cfg.store->GetRun(cfg.rescore_run);
  if (!run.ok()) return run.status();
  auto jobs = cfg.store->ListJobs(cfg.rescore_run);
  if (!jobs.ok()) return jobs.status();
  size_t rescored_jobs = 0;
  for (const auto& job : *jobs) {
    auto task = clean_of.find(job.name);
    if (job.kind != "task" || task == clean_of.end()) continue;
    const std::map<int64_t, bool>& by_index = task->second;
    auto samples = cfg.store->GetSamples(job.id);
    if (!samples.ok()) return samples.status();
    // (metric, filter) -> all / clean / dirty accumulators.
    std::map<std::pair<std::string, std::string>, Acc[3]> acc;
    int64_t unmatched = 0;
    for (const auto& s : *samples) {
      auto it = by_index.find(s.doc_index);
      if (it == by_index.end()) {
        ++unmatched;
        continue;
      }
      bool clean = it->second;
      std::string filter = s.data.value("filter", std::string("none"));
      if (!s.data.contains("metrics") || !s.data["metrics"].is_array()) continue;
      for (const auto& m : s.data["metrics"]) {
        if (!m.is_string()) continue;
        std::string name = m.get<std::string>();
        if (!s.data.contains(name)) continue;
        auto& a = acc[{name, filter}];
        auto agg = AggregationForJobMetric(job.config, name);
        a[0].Add(s.data, name, agg);
        a[clean ? 1 : 2].Add(s.data, name, agg);
      }
    }
    if (unmatched > 0)
      note("run " + std::to_string(cfg.rescore_run) + " job " + std::to_string(job.id) + " (" +
           job.name + "): " + std::to_string(unmatched) +
           " samples have no audited item (was the audit run with another --limit?)");
    std::string model = job.config.value("model_name", std::to_string(job.model_id));
    JobRecord rj;
    rj.run_id = cfg.run_id != 0 ? cfg.run_id : cfg.rescore_run;
    rj.model_id = job.model_id;
    rj.kind = "decontam_rescore";
    rj.name = job.name;
    rj.config = {{"source_run", cfg.rescore_run},
                 {"source_job", job.id},
                 {"model_name", model},
                 {"method", method},
                 {"n", io.n},
                 {"boilerplate", io.boilerplate}};
    MNEMO_RETURN_IF_ERROR(cfg.store->BeginJob(&rj));
    std::vector<MetricRecord> metrics;
    for (const auto& [key, a] : acc) {
      auto agg = AggregationForJobMetric(job.config, key.first);
      auto all = a[0].Value(agg), clean = a[1].Value(agg), dirty = a[2].Value(agg);
      if (!all) continue;
      RescoreLine rl{
          job.name, model, key.first, key.second, *all, clean.value_or(NAN), dirty.value_or(NAN),
          a[0].n,   a[1].n};
      report->rescored.push_back(rl);
      bool hib = key.first.find("perplexity") == std::string::npos && key.first != "bits_per_byte";
      metrics.push_back({key.first, key.second, *all, std::nullopt, a[0].n, hib});
      if (clean) {
        metrics.push_back({key.first + "_clean", key.second, *clean, std::nullopt, a[1].n, hib});
        metrics.push_back(
            {key.first + "_clean_delta", key.second, *clean - *all, std::nullopt, a[1].n, hib});
      }
      if (dirty)
        metrics.push_back({key.first + "_dirty", key.second, *dirty, std::nullopt, a[2].n, hib});
    }
    MNEMO_RETURN_IF_ERROR(cfg.store->PutMetrics(rj.id, metrics));
    MNEMO_RETURN_IF_ERROR(cfg.store->FinishJob(rj.id, "finished", 0, 0));
    if (job_ids != nullptr) job_ids->push_back(rj.id);
    ++rescored_jobs;
  }
  if (rescored_jobs == 0)
    note("run " + std::to_string(cfg.rescore_run) + " has no task job for the audited tasks");
  return Status::Ok();
}

namespace {

// What makes a shard's results what they are, whatever its index: the audit's parameters, the
// eval index and the corpus files' identity.
Result<std::string> ShardFingerprint(const AuditConfig& cfg, const EvalIndex& index,
                                     const std::vector<std::string>& files) {
  auto identity = InputIdentity(files);
  if (!identity.ok()) return identity.status();
  Hasher h;
  h.Field(AuditParams(cfg).dump());
  h.Field(index.fingerprint());
  h.Field(identity->dump());
  return h.HexDigest();
}

}  // namespace

Status RunAudit(const AuditConfig& cfg, AuditReport* report) {
  auto note = [&](const std::string& line) {
    report->notes.push_back(line);
    if (!cfg.quiet) std::fprintf(stderr, "mnemo: decontam: %s\n", line.c_str());
  };
  // 1-2. Eval items and their index.
  auto built = BuildAuditIndex(cfg);
  if (!built.ok()) return built.status();
  const AuditIndex& ai = *built;
  const std::vector<EvalItem>& items = ai.items;
  const EvalIndex* index = &*ai.index;
  const IndexOptions& io = ai.options;
  const IndexStats& is = index->stats();
  note(std::to_string(is.items) + " items, " + std::to_string(is.positions) + " " +
       std::to_string(io.n) + "-gram positions, " + std::to_string(is.distinct) + " distinct, " +
       std::to_string(is.boilerplate_distinct) + " dropped as boilerplate (held by more than " +
       std::to_string(io.boilerplate) + (io.boilerplate == 1 ? " item text" : " item texts") +
       (io.boilerplate == 0 ? ": disabled" : "") + "), " + std::to_string(is.kept) + " kept (" +
       std::to_string(is.shared_kept) + " shared by several item texts); " +
       std::to_string(is.short_items) + " short items matched whole, " +
       std::to_string(is.empty_items) + " items with no n-gram, " +
       std::to_string(is.duplicate_items) + " items repeating another's text");
  char bpn[160];
  std::snprintf(bpn, sizeof bpn,
                "n-gram set %s (%.2f bytes per distinct n-gram), with postings %s (%.2f)",
                Mib(index->SetBytes()).c_str(),
                is.kept ? static_cast<double>(index->SetBytes()) / is.kept : 0.0,
                Mib(index->MemoryBytes()).c_str(),
                is.kept ? static_cast<double>(index->MemoryBytes()) / is.kept : 0.0);
  note(bpn);
  if (!cfg.dump_ngrams.empty()) {
    if (cfg.encoder != nullptr) return Status::InvalidArgument("--dump-ngrams needs word units");
    MNEMO_RETURN_IF_ERROR(DumpNgrams(items, *index, cfg.dump_ngrams));
  }

  // 3. Scan (the whole corpus, or shard i's pieces), or merge shard states.
  ScanResult scan;
  std::optional<ShardSpec> shard;
  std::string fingerprint;
  if (!cfg.merge_states.empty()) {
    auto merged = MergeShardStates(cfg.merge_states, *index, cfg.evidence);
    if (!merged.ok()) return merged.status();
    scan = std::move(merged).value();
    note("merged " + std::to_string(cfg.merge_states.size()) + " shard states");
  } else {
    if (cfg.corpus.empty()) return Status::InvalidArgument("no --corpus given");
    auto files = ExpandCorpusPaths(cfg.corpus);
    if (!files.ok()) return files.status();
    ScanOptions so;
    if (!cfg.shard.empty()) {
      auto spec = ParseShardSpec(cfg.shard);
      if (!spec.ok()) return spec.status();
      shard = *spec;
      auto pieces = PlanCorpusPieces(*files, shard->index, shard->count);
      if (!pieces.ok()) return pieces.status();
      for (const auto& p : *pieces) {
        so.files.push_back(p.path);
        so.file_ids.push_back(static_cast<uint32_t>(p.file_index));
      }
      so.pieces = std::move(pieces).value();
      if (cfg.store != nullptr) {
        auto fp = ShardFingerprint(cfg, *index, *files);
        if (!fp.ok()) return fp.status();
        fingerprint = std::move(fp).value();
      }
    } else {
      so.files = *files;
    }
    so.format = cfg.format;
    so.text_field = cfg.text_field;
    so.id_field = cfg.id_field;
    so.threads = cfg.threads;
    so.evidence = cfg.evidence;
    if (so.files.empty()) {
      note("shard " + cfg.shard + " has no corpus pieces");
      scan.matched.assign((index->set().size() + 63) / 64, 0);
      scan.evidence.resize(items.size());
      scan.docs.assign(items.size(), 0);
    } else {
      note("scanning " + std::to_string(so.files.size()) +
           (so.pieces.empty() ? " corpus files" : " corpus pieces") + "; memory bound " +
           Mib(ScanMemoryBound(*index, so)));
      auto r = ScanCorpus(*index, cfg.encoder, so);
      if (!r.ok()) return r.status();
      scan = std::move(r).value();
    }
    if (!cfg.state_out.empty())
      MNEMO_RETURN_IF_ERROR(WriteShardState(cfg.state_out, *index, cfg.shard, scan));
  }
  const ScanStats& ss = scan.stats;
  char line[320];
  // A shard's piece that does not start its file begins no file: count its pieces too.
  const std::string pieces =
      shard ? " (shard " + cfg.shard + ": " + std::to_string(scan.pieces.size()) + " pieces)" : "";
  std::snprintf(line, sizeof line,
                "corpus: %lld files%s, %.1f MB, %lld documents, %.2f s (%.0f MB/s); %lld "
                "lines through the full JSON parser",
                static_cast<long long>(ss.files), pieces.c_str(), ss.bytes / 1e6,
                static_cast<long long>(ss.documents), ss.seconds,
                ss.seconds > 0 ? ss.bytes / 1e6 / ss.seconds : 0.0,
                static_cast<long long>(ss.slow_lines));
  note(line);
  if (ss.missing_field > 0) {
    std::string m = std::to_string(ss.missing_field) + " lines lack a string field '" +
                    cfg.text_field + "' (first at ";
    for (size_t i = 0; i < ss.first_missing.size(); ++i) m += (i ? ", " : "") + ss.first_missing[i];
    note(m + ")");
  }

  // 4. Verdicts and outputs.
  std::vector<ItemVerdict> verdicts;
  std::vector<nlohmann::json> evidence;
  JudgeItems(cfg, ai, scan, &verdicts, &evidence);
  if (!cfg.output.empty()) {
    std::ofstream out(cfg.output, std::ios::binary);
    if (!out) return Status::IoError(cfg.output + ": cannot write");
    for (size_t i = 0; i < items.size(); ++i) {
      nlohmann::json j = {{"id", items[i].id},
                          {"task", items[i].task},
                          {"index", items[i].index},
                          {"method", MethodName(cfg.method)},
                          {"status", verdicts[i].status},
                          {"overlap", verdicts[i].overlap},
                          {"coverage", verdicts[i].coverage},
                          {"ngrams", verdicts[i].ngrams},
                          {"matched", verdicts[i].matched},
                          {"docs", scan.docs[i]},
                          {"shared_only", verdicts[i].shared_only},
                          {"evidence", evidence[i]}};
      out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    out.close();
    if (!out) return Status::IoError(cfg.output + ": write failed");
  }

  // Per task summaries (in item order).
  std::map<std::string, std::vector<size_t>> by_task;
  std::vector<std::string> order;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!by_task.count(items[i].task)) order.push_back(items[i].task);
    by_task[items[i].task].push_back(i);
  }
  const nlohmann::json job_config = AuditJobConfig(cfg, io, ss);
  for (const auto& task : order) {
    const auto& which = by_task[task];
    TaskSummary ts;
    ts.task = task;
    int64_t job_id = 0;
    std::optional<nlohmann::json> plan;  // a shard's merge plan (shard_merge.h)
    if (cfg.store != nullptr) {
      JobRecord job;
      job.run_id = cfg.run_id;
      job.kind = "decontam";
      job.name = task;
      job.config = job_config;
      MNEMO_RETURN_IF_ERROR(cfg.store->BeginJob(&job));
      job_id = job.id;
      if (shard) {
        JobShardRecord sr;
        sr.job_id = job.id;
        sr.index = shard->index;
        sr.count = shard->count;
        sr.config_fingerprint = fingerprint;
        sr.plan = {{"audit", AuditParams(cfg)}, {"task", task}, {"tasks", order}};
        MNEMO_RETURN_IF_ERROR(cfg.store->BeginJobShard(sr));
        plan = sr.plan;
        (*plan)["state"] = ShardStateJson(*index, cfg.shard, scan, &which);
      }
    }
    MNEMO_RETURN_IF_ERROR(
        WriteTaskRows(cfg, ai, which, verdicts, evidence, job_id, plan ? &*plan : nullptr, &ts));
    if (ts.shared_only > 0)
      note(task + ": " + std::to_string(ts.shared_only) +
           " items are not clean only through n-grams shared with other eval items (clean with "
           "--boilerplate 1)");
    report->tasks.push_back(std::move(ts));
  }

  // 5. Clean-subset rescoring of an existing run's task jobs.
  if (cfg.rescore_after_merge && shard)
    note("shard " + cfg.shard +
         ": no clean-subset rescoring here (this shard's task jobs hold only its documents); "
         "merging the shards rescores");
  if (cfg.rescore_run > 0) {
    std::map<std::string, std::map<int64_t, bool>> clean;
    for (const auto& [task, which] : by_task)
      for (size_t i : which) clean[task][items[i].index] = verdicts[i].status == "clean";
    MNEMO_RETURN_IF_ERROR(RescoreTasks(cfg, io, clean, report, nullptr));
  }
  return Status::Ok();
}

}  // namespace decontam
}  // namespace mnemo
