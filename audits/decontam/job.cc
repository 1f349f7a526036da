#include "audits/decontam/job.h"

#include <filesystem>

#include "audits/decontam/eval_index.h"
#include "datasets/io/corpus_reader.h"
#include "tasks/config/task_registry.h"

namespace mnemo::decontam {

nlohmann::json DecontamJob::Plan() const {
  nlohmann::json j = {{"tasks", config_.tasks},   {"eval", config_.eval_file},
                      {"corpus", config_.corpus}, {"method", MethodName(config_.method)},
                      {"n", config_.n},           {"boilerplate", config_.boilerplate},
                      {"rescore", rescore_}};
  if (!config_.shard.empty()) j["shard"] = config_.shard;
  return j;
}

Status DecontamJob::Shard(const ShardSpec& shard) {
  if (shard.count == 0 || shard.index >= shard.count)
    return Status::InvalidArgument("shard " + shard.ToString() + " is not i/N with 0 <= i < N");
  config_.shard = shard.ToString();
  return Status::Ok();
}

Status DecontamJob::RunOnce(const RunContext& ctx, JobOutcome* out) {
  AuditConfig cfg = config_;
  cfg.store = ctx.store;
  cfg.run_id = ctx.store ? ctx.run_id : 0;
  cfg.quiet = ctx.quiet;
  if (!tokenizer_.empty()) cfg.tokenizer = tokenizer_;
  // A shard's run holds only its shard's documents of each task: the merge rescores.
  if (rescore_ && cfg.shard.empty()) cfg.rescore_run = ctx.run_id;
  if (rescore_ && !cfg.shard.empty()) cfg.rescore_after_merge = true;
  std::unique_ptr<TokenEncoder> enc;
  if (cfg.encoder == nullptr && !tokenizer_.empty()) {
    auto e = OpenSentencePiece(tokenizer_);
    if (!e.ok()) return e.status();
    enc = std::move(e).value();
    cfg.encoder = enc.get();
  }
  report_ = AuditReport();
  MNEMO_RETURN_IF_ERROR(RunAudit(cfg, &report_));
  Summarise("", out);
  return Status::Ok();
}

void DecontamJob::Summarise(const std::string&, JobOutcome* out) const {
  const char* method = MethodName(config_.method);
  for (const auto& t : report_.tasks) {
    for (const auto& [s, c] : t.counts)
      out->lines.push_back({"", "decontam " + t.task, s + "_share", method,
                            t.items ? static_cast<double>(c) / t.items : 0.0, std::nullopt,
                            t.items});
    out->lines.push_back({"", "decontam " + t.task, "shared_only_items", method,
                          static_cast<double>(t.shared_only), std::nullopt, t.items});
  }
  for (const auto& l : report_.rescored) {
    out->lines.push_back({l.model, "decontam " + l.task, l.metric + "_clean", l.filter, l.clean,
                          std::nullopt, l.n_clean});
    out->lines.push_back({l.model, "decontam " + l.task, l.metric + "_clean_delta", l.filter,
                          l.clean - l.all, std::nullopt, l.n_clean});
  }
}

namespace {

Status StringList(const nlohmann::json& job, const char* key, const JobParseContext& ctx,
                  bool resolve, std::vector<std::string>* out) {
  if (!job.contains(key)) return Status::Ok();
  const auto& v = job[key];
  if (v.is_string()) {
    out->push_back(resolve ? ctx.resolve(v.get<std::string>()) : v.get<std::string>());
    return Status::Ok();
  }
  if (!v.is_array()) return ctx.Error(key, "must be a string or a list of strings");
  for (const auto& x : v) {
    if (!x.is_string()) return ctx.Error(key, "must be a string or a list of strings");
    out->push_back(resolve ? ctx.resolve(x.get<std::string>()) : x.get<std::string>());
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<JobDriver>> ParseDecontamJob(const nlohmann::json& job,
                                                    const JobParseContext& ctx) {
  MNEMO_RETURN_IF_ERROR(ctx.CheckKeys(
      job, {"kind",      "tasks",       "task_dirs",   "limit",      "eval",     "eval_field",
            "eval_id",   "corpus",      "format",      "text_field", "id_field", "method",
            "n",         "boilerplate", "short_items", "threshold",  "evidence", "threads",
            "tokenizer", "output",      "rescore",     "shard"},
      "decontam"));
  AuditConfig c;
  std::string tokenizer;
  bool rescore = false;
  MNEMO_RETURN_IF_ERROR(StringList(job, "tasks", ctx, false, &c.tasks));
  MNEMO_RETURN_IF_ERROR(StringList(job, "task_dirs", ctx, true, &c.task_dirs));
  MNEMO_RETURN_IF_ERROR(StringList(job, "corpus", ctx, true, &c.corpus));
  auto str = [&](const char* key, std::string* out, bool resolve) -> Status {
    if (!job.contains(key)) return Status::Ok();
    if (!job[key].is_string()) return ctx.Error(key, "must be a string");
    *out = resolve ? ctx.resolve(job[key].get<std::string>()) : job[key].get<std::string>();
    return Status::Ok();
  };
  auto uint = [&](const char* key, size_t* out) -> Status {
    if (!job.contains(key)) return Status::Ok();
    if (!job[key].is_number_unsigned()) return ctx.Error(key, "must be a non-negative integer");
    *out = job[key].get<size_t>();
    return Status::Ok();
  };
  MNEMO_RETURN_IF_ERROR(str("eval", &c.eval_file, true));
  MNEMO_RETURN_IF_ERROR(str("eval_field", &c.eval_field, false));
  MNEMO_RETURN_IF_ERROR(str("eval_id", &c.eval_id, false));
  MNEMO_RETURN_IF_ERROR(str("format", &c.format, false));
  MNEMO_RETURN_IF_ERROR(str("text_field", &c.text_field, false));
  MNEMO_RETURN_IF_ERROR(str("id_field", &c.id_field, false));
  MNEMO_RETURN_IF_ERROR(str("tokenizer", &tokenizer, true));
  MNEMO_RETURN_IF_ERROR(str("output", &c.output, true));
  MNEMO_RETURN_IF_ERROR(uint("limit", &c.limit));
  MNEMO_RETURN_IF_ERROR(uint("n", &c.n));
  MNEMO_RETURN_IF_ERROR(uint("boilerplate", &c.boilerplate));
  MNEMO_RETURN_IF_ERROR(uint("evidence", &c.evidence));
  MNEMO_RETURN_IF_ERROR(uint("threads", &c.threads));
  if (c.tasks.empty() == c.eval_file.empty())
    return ctx.Error("tasks", "give either 'tasks' or 'eval' (with 'eval_field')");
  if (!c.eval_file.empty() && c.eval_field.empty())
    return ctx.Error("eval_field", "is required with 'eval'");
  if (c.corpus.empty()) return ctx.Error("corpus", "must name at least one corpus file");
  if (c.format != "auto" && c.format != "jsonl" && c.format != "text" && c.format != "parquet")
    return ctx.Error("format", "must be auto, jsonl, text or parquet");
  if (job.contains("method")) {
    if (!job["method"].is_string()) return ctx.Error("method", "must be gpt3, palm or llama2");
    auto m = ParseMethod(job["method"].get<std::string>());
    if (!m.ok()) return ctx.Error("method", m.status().message());
    c.method = *m;
  }
  if (c.n > EvalIndex::kMaxN) return ctx.Error("n", "must be at most 255");
  if (job.contains("short_items")) {
    if (!job["short_items"].is_string() ||
        (job["short_items"] != "whole" && job["short_items"] != "none"))
      return ctx.Error("short_items", "must be 'whole' or 'none'");
    c.short_items = job["short_items"] == "whole";
  }
  if (job.contains("threshold")) {
    if (!job["threshold"].is_number() || job["threshold"].get<double>() <= 0 ||
        job["threshold"].get<double>() > 1)
      return ctx.Error("threshold", "must be a number in (0, 1]");
    c.palm_threshold = job["threshold"].get<double>();
  }
  if (job.contains("shard")) {
    auto shard = job["shard"].is_string() ? ParseShardSpec(job["shard"].get<std::string>())
                                          : Result<ShardSpec>(Status::InvalidArgument(""));
    if (!shard.ok()) return ctx.Error("shard", "must be \"i/N\" with 0 <= i < N, e.g. \"0/4\"");
    c.shard = shard->ToString();
  }
  if (job.contains("rescore")) {
    if (!job["rescore"].is_boolean()) return ctx.Error("rescore", "must be true or false");
    rescore = job["rescore"].get<bool>();
  }
  // The files it will read, checked now: a missing corpus fails before the run's first job.
  if (auto files = ExpandCorpusPaths(c.corpus); !files.ok())
    return Status(files.status().code(), ctx.Error("corpus", files.status().message()).message());
  auto file = [&](const char* key, const std::string& path) {
    std::error_code ec;
    if (path.empty() || std::filesystem::is_regular_file(path, ec)) return Status::Ok();
    return Status::NotFound(ctx.Error(key, "names '" + path + "', which is not a file").message());
  };
  if (!c.tasks.empty()) {  // names only; the data is read when the job runs
    TaskRegistry registry;
    for (const auto& d : c.task_dirs) registry.AddDir(d);
    registry.Scan();
    if (auto names = registry.Resolve(c.tasks); !names.ok())
      return Status(names.status().code(), ctx.Error("tasks", names.status().message()).message());
  }
  MNEMO_RETURN_IF_ERROR(file("eval", c.eval_file));
  MNEMO_RETURN_IF_ERROR(file("tokenizer", tokenizer));
  return std::unique_ptr<JobDriver>(
      std::make_unique<DecontamJob>(std::move(c), tokenizer, rescore));
}

}  // namespace mnemo::decontam
