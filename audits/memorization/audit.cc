#include "audits/memorization/audit.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <set>

#include "audits/memorization/duplication.h"
#include "audits/memorization/probe_table.h"
#include "audits/memorization/store_writer.h"
#include "datasets/io/corpus_pieces.h"
#include "harness/core/hash.h"
#include "harness/core/log.h"

namespace mnemo {
namespace memorization {
namespace {

nlohmann::json ShortJson(const ShortCount& s) {
  return {{"count", s.count}, {"first", s.first}};
}

int32_t BosFor(const ModelInfo& info) {
  return info.add_bos && info.bos_token >= 0 ? info.bos_token : -1;
}

// What makes every shard of a job decode slices of one probe list: the job's plan (its
// normalised options), the identity of the files it reads (probe file, corpus) and P.
Result<std::string> ShardFingerprint(const AuditConfig& config, size_t total) {
  std::vector<std::string> files;
  if (!config.probes_path.empty()) files.push_back(config.probes_path);
  if (!config.corpus.paths.empty()) {
    auto corpus = ExpandCorpusPaths(config.corpus.paths);
    if (!corpus.ok()) return corpus.status();
    files.insert(files.end(), corpus->begin(), corpus->end());
  }
  auto identity = InputIdentity(files);
  if (!identity.ok()) return identity.status();
  Hasher h;
  h.Field(config.ToJson().dump());
  h.Field(identity->dump());
  h.Field(static_cast<uint64_t>(total));
  return h.HexDigest();
}

nlohmann::json SlicePlan(const AuditResult& r) {
  return {{"probes", r.total_probes},
          {"begin", r.slice_begin},
          {"end", r.slice_begin + r.probes.size()}};
}

}  // namespace

ProbeSlice SliceOf(const ShardSpec& shard, size_t total) {
  // P * N stays far below 2^64 for any probe list that fits in memory.
  const auto at = [&](uint64_t i) { return static_cast<size_t>(i * total / shard.count); };
  return {at(shard.index), at(shard.index + uint64_t{1})};
}

Status CheckContext(const AuditConfig& config, const ModelInfo& info) {
  const size_t need = config.prefix_len + config.suffix_len + (BosFor(info) >= 0 ? 1 : 0);
  if (info.n_ctx != 0 && need > info.n_ctx)
    return Status::InvalidArgument(
        "the model's context of " + std::to_string(info.n_ctx) +
        " tokens is shorter than prefix + suffix = " + std::to_string(config.prefix_len) + " + " +
        std::to_string(config.suffix_len) + (BosFor(info) >= 0 ? " + 1 (BOS)" : "") + " = " +
        std::to_string(need) + " tokens; nothing was run");
  return Status::Ok();
}

Status PrepareProbes(const AuditConfig& config, const Model& model, AuditResult* result,
                     CorpusTokenCache* cache) {
  MNEMO_RETURN_IF_ERROR(config.Validate());
  MNEMO_RETURN_IF_ERROR(CheckContext(config, model.info()));
  TokenizeFn tokenize = [&model](std::string_view text) { return model.Tokenize(text, false); };
  // Sampling and duplication counts read the corpus with the same tokenizer: the second pass
  // replays the first one's tokens, and so do later jobs and models with this tokenizer.
  // Without a fingerprint a shared cache could confuse models.
  CorpusTokenCache local;
  const std::string tokenizer = !model.info().tokenizer_fingerprint.empty()
                                    ? model.info().tokenizer_fingerprint
                                    : model.info().fingerprint;
  const TokenCacheRef tokens{cache != nullptr && !tokenizer.empty() ? cache : &local, tokenizer};
  const size_t replays_before = tokens.cache->hits();
  WindowSpec spec{config.prefix_len, config.suffix_len, BosFor(model.info())};
  const size_t need = config.prefix_len + config.suffix_len;
  result->inputs = nlohmann::json::object();
  std::vector<Probe>& probes = result->probes;
  if (!config.probes_path.empty()) {
    auto pf = LoadProbeFile(config.probes_path, tokenize, spec, config.probe_file);
    if (!pf.ok()) return pf.status();
    result->inputs["probe_file"] = {{"path", config.probes_path},
                                    {"records", pf->records},
                                    {"probes", pf->probes.size()},
                                    {"too_short", ShortJson(pf->too_short)}};
    if (pf->too_short.count > 0)
      result->warnings.push_back("probe file '" + config.probes_path +
                                 "': " + pf->too_short.Describe(need) + " were not probed");
    for (auto& p : pf->probes) {
      // Given token windows bring their own lengths; the context must hold each of them.
      const size_t len = p.prefix.size() + p.suffix.size();
      if (model.info().n_ctx != 0 && len > model.info().n_ctx)
        return Status::InvalidArgument(p.location + ": the probe's " + std::to_string(len) +
                                       " tokens exceed the model's context of " +
                                       std::to_string(model.info().n_ctx));
      probes.push_back(std::move(p));
    }
  }
  const bool have_corpus = !config.corpus.paths.empty();
  nlohmann::json corpus_json;
  auto note_missing = [&](const CorpusStats& st) {
    corpus_json["documents"] = st.documents;
    corpus_json["lines"] = st.lines;
    corpus_json["missing_field"] = st.missing_field;
    corpus_json["first_missing"] = st.first_missing;
    if (st.missing_field > 0) {
      std::string s = "corpus: " + std::to_string(st.missing_field) +
                      " lines lack a string field '" + config.corpus.text_field +
                      "' and were skipped (first at ";
      for (size_t i = 0; i < st.first_missing.size(); ++i)
        s += (i > 0 ? ", " : "") + st.first_missing[i];
      result->warnings.push_back(s + ")");
    }
    if (st.documents == 0)
      return Status::InvalidArgument(
          "corpus has no documents with a string field '" + config.corpus.text_field + "'" +
          (st.first_missing.empty() ? ""
                                    : " (first line without it: " + st.first_missing[0] + ")"));
    return Status::Ok();
  };
  if (config.samples > 0) {
    SamplingOptions so = config.sampling;
    so.samples = config.samples;
    auto sr = SampleCorpus(config.corpus, tokenize, spec, so, tokens,
                           {config.show_progress, config.name, "sampling probes"});
    if (!sr.ok()) return sr.status();
    MNEMO_RETURN_IF_ERROR(note_missing(sr->corpus));
    nlohmann::json sources = nlohmann::json::object();
    for (const auto& [name, sc] : sr->sources) {
      sources[name] = {{"documents", sc.documents},
                       {"eligible", sc.eligible},
                       {"tokens", sc.tokens},
                       {"probes", sc.probes},
                       {"too_short", ShortJson(sc.too_short)}};
      if (sc.too_short.count > 0)
        result->warnings.push_back("corpus source '" + name + "': " + sc.too_short.Describe(need) +
                                   " cannot be sampled");
    }
    corpus_json["sources"] = sources;
    std::set<std::string> ids;
    for (const auto& p : probes) ids.insert(p.id);
    for (auto& p : sr->probes) {
      if (ids.count(p.id)) p.id = "corpus:" + p.id;
      probes.push_back(std::move(p));
    }
    if (sr->probes.empty())
      result->warnings.push_back("no corpus document has prefix + suffix = " +
                                 std::to_string(need) + " tokens; nothing sampled");
  }
  for (size_t i = 0; i < probes.size(); ++i) probes[i].index = static_cast<int64_t>(i);
  result->outcomes.assign(probes.size(), ProbeOutcome{});
  if (have_corpus && config.count_duplicates && !probes.empty()) {
    CorpusStats st;
    auto counts = CountDuplicates(config.corpus, tokenize, probes, &st, tokens,
                                  {config.show_progress, config.name, "counting duplicates"});
    if (!counts.ok()) return counts.status();
    if (config.samples == 0) MNEMO_RETURN_IF_ERROR(note_missing(st));
    for (size_t i = 0; i < probes.size(); ++i) result->outcomes[i].duplicates = (*counts)[i];
    corpus_json["duplicates_window"] = config.suffix_len;
  }
  if (have_corpus) {
    corpus_json["files"] = config.corpus.paths;
    // Corpus passes answered from tokens an earlier pass of this run kept.
    corpus_json["passes_from_token_cache"] = tokens.cache->hits() - replays_before;
    result->inputs["corpus"] = corpus_json;
  }
  if (probes.empty())
    return Status::InvalidArgument("no probes to run" + (result->warnings.empty()
                                                             ? std::string()
                                                             : ": " + result->warnings.back()));
  result->total_probes = probes.size();
  result->slice_begin = 0;
  if (config.shard) {
    // Everything above ran on the whole job, as in every shard; this shard decodes its slice.
    // Probe indices stay global.
    const ProbeSlice slice = SliceOf(*config.shard, probes.size());
    const auto b = static_cast<std::ptrdiff_t>(slice.begin);
    const auto e = static_cast<std::ptrdiff_t>(slice.end);
    probes = std::vector<Probe>(std::make_move_iterator(probes.begin() + b),
                                std::make_move_iterator(probes.begin() + e));
    result->outcomes =
        std::vector<ProbeOutcome>(result->outcomes.begin() + b, result->outcomes.begin() + e);
    result->slice_begin = slice.begin;
  }
  return Status::Ok();
}

Status RunMemorizationAudit(const AuditConfig& config, Model* model, Instance* instance,
                            RunStore* store, int64_t run_id, int64_t model_id, AuditResult* result,
                            CorpusTokenCache* token_cache) {
  MNEMO_RETURN_IF_ERROR(config.Validate());
  MNEMO_RETURN_IF_ERROR(CheckContext(config, model->info()));
  MNEMO_RETURN_IF_ERROR(PrepareProbes(config, *model, result, token_cache));
  if (!config.quiet)
    for (const auto& w : result->warnings) WarnOnce(config.name + ": " + w, config.subject);

  JobRecord job;
  job.run_id = run_id;
  job.model_id = model_id;
  job.kind = "memorization";
  job.name = config.name;
  job.config = config.ToJson();
  job.config["inputs"] = result->inputs;
  job.config["n_probes"] = result->total_probes;
  if (store != nullptr) {
    MNEMO_RETURN_IF_ERROR(store->BeginJob(&job));
    result->job_id = job.id;
  }
  if (store != nullptr && config.shard) {
    JobShardRecord shard;
    shard.job_id = job.id;
    shard.index = config.shard->index;
    shard.count = config.shard->count;
    auto fingerprint = ShardFingerprint(config, result->total_probes);
    Status s = fingerprint.ok() ? Status::Ok() : fingerprint.status();
    if (s.ok()) {
      shard.config_fingerprint = *fingerprint;
      shard.plan = SlicePlan(*result);
      s = store->BeginJobShard(shard);
    }
    if (!s.ok()) {
      (void)store->FinishJob(job.id, "failed", 0, 0);
      return s;
    }
  }
  std::vector<Request> requests(result->probes.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    Request& r = requests[i];
    r.kind = MN_REQ_GENERATE;
    r.context = result->probes[i].prefix;
    r.gen.max_tokens = static_cast<uint32_t>(result->probes[i].suffix.size());
    r.gen.greedy = true;
    r.gen.stop_at_eos = config.stop_at_eos;
  }
  SchedulerOptions so;
  so.max_batch = config.max_batch;
  so.max_batch_tokens =
      std::max<size_t>(16384, config.max_batch * (config.prefix_len + config.suffix_len + 1));
  so.show_progress = config.show_progress;
  so.label = config.name + ": decoding";
  Scheduler scheduler({instance}, store, model->info().CacheIdentity(), so);
  std::vector<Response> responses;
  Status st = scheduler.Run(requests, &responses, &result->stats);
  if (!st.ok()) {
    if (store != nullptr) (void)store->FinishJob(job.id, "failed", 0, 0);
    return st;
  }
  for (size_t i = 0; i < result->probes.size(); ++i) {
    const Probe& p = result->probes[i];
    ProbeOutcome& o = result->outcomes[i];
    const Response& r = responses[i];
    auto suffix_text = model->Detokenize(p.suffix);
    o.suffix_text = suffix_text.ok() ? *suffix_text : std::string();
    if (!r.ok()) {
      o.failed = true;
      o.error = r.error;
      ++result->failed;
      continue;
    }
    o.output = r.tokens;
    o.output_text = r.text;
    o.finish_reason = r.finish_reason;
    o.metrics = ScoreContinuation(p.suffix, o.output, o.suffix_text, o.output_text, config.approx,
                                  config.trivial);
  }
  std::vector<std::string> group_by = config.group_by;
  result->groups = Summarize(result->probes, result->outcomes, group_by);
  if (store != nullptr) {
    const std::string status = result->stats.interrupted ? "interrupted"
                               : result->failed > 0      ? "incomplete"
                                                         : "finished";
    // One transaction: a shard's completion marker exists exactly when its rows do.
    MNEMO_RETURN_IF_ERROR(EnsureOwnedTables(store, kProbeTables));
    MNEMO_RETURN_IF_ERROR(store->Begin());
    Status w = PutProbeRows(store, job.id, result->probes, result->outcomes);
    if (w.ok()) w = store->PutMetrics(job.id, SummaryMetrics(result->groups));
    if (w.ok())
      w = store->FinishJob(job.id, status, static_cast<int64_t>(result->stats.total),
                           static_cast<int64_t>(result->stats.cached));
    if (w.ok() && config.shard && status == "finished")
      w = store->CompleteJobShard(job.id, SlicePlan(*result));
    if (w.ok()) w = store->Commit();
    if (!w.ok()) {
      (void)store->Rollback();
      return w;
    }
  }
  if (result->stats.interrupted)
    return Status::Cancelled("interrupted during memorization job '" + config.name + "'");
  if (result->failed > 0)
    return Status::Internal(std::to_string(result->failed) + " of " +
                            std::to_string(result->probes.size()) + " probes of job '" +
                            config.name + "' failed (first: " +
                            [&] {
                              for (const auto& o : result->outcomes)
                                if (o.failed) return o.error;
                              return std::string();
                            }() +
                            ")");
  return Status::Ok();
}

nlohmann::json SummaryJson(const AuditConfig& config, const AuditResult& result,
                           const std::string& model_name) {
  nlohmann::json groups = nlohmann::json::object();
  for (const auto& g : result.groups) groups[g.group] = GroupToJson(g);
  nlohmann::json j = {{"job", config.name},
                      {"job_id", result.job_id},
                      {"model", model_name},
                      {"config", config.ToJson()},
                      {"inputs", result.inputs},
                      {"warnings", result.warnings},
                      {"probes", result.probes.size()},
                      {"failed", result.failed},
                      {"requests",
                       {{"cached", result.stats.cached},
                        {"computed", result.stats.computed},
                        {"seconds", result.stats.seconds}}},
                      {"groups", groups}};
  if (!result.groups.empty()) {
    const GroupSummary& all = result.groups.front();
    j["exact_rate"] = all.exact_rate();
    j["approx_rate"] = all.approx_rate();
    j["exact_ci"] = {all.exact_ci().low, all.exact_ci().high};
    j["approx_ci"] = {all.approx_ci().low, all.approx_ci().high};
    auto r = all.approx_exact_ratio();
    j["approx_exact_ratio"] = r ? nlohmann::json(*r) : nlohmann::json(nullptr);
  }
  return j;
}

}  // namespace memorization
}  // namespace mnemo
