// `mnemo perplexity`: perplexity by position within the context window (issue 20, item 2).
//
// Every document of a JSONL file is tokenized with the model's BOS rule and cut into
// non-overlapping windows of --ctx tokens, llama-perplexity's layout (tasks/longctx/
// position_ppl.h): each window is one SCORE request whose context is BOS and whose continuation
// is the window's other tokens, so the backend's per-token log-probabilities give every
// token's NLL at its position. The output is one JSON object: per position bucket the token
// count, mean NLL, perplexity and standard error; the totals; and llama-perplexity's own
// estimate (the second half of every full window), which `llama-perplexity -c N` on the same
// text reproduces. With --db the run, its job and its metrics go to the run store, whose
// request cache makes a rerun free.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/io/jsonl_reader.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/scheduler/scheduler.h"
#include "tasks/longctx/position_ppl.h"
#ifdef MNEMO_HAVE_KV_AUDIT
#include "audits/kv/kv_report.h"
#endif

namespace mnemo {
namespace po = boost::program_options;

namespace {

struct Window {
  size_t doc = 0;  // index among the documents read
  bool full = false;
};

struct Documents {
  size_t read = 0;
  size_t scored = 0;
  size_t too_short = 0;  // under 2 tokens with BOS: nothing to score
  uint64_t tokens = 0;   // with BOS
};

// Cuts one document into window requests (position_ppl.h's layout).
void AddWindows(const std::vector<int32_t>& toks, uint32_t n_ctx, int32_t bos, size_t doc,
                std::vector<Request>* requests, std::vector<Window>* windows) {
  for (size_t start = 0; start < toks.size(); start += n_ctx) {
    const size_t len = std::min<size_t>(n_ctx, toks.size() - start);
    if (len < 2) break;  // a lone last token: its place is BOS's, nothing to score
    Request r;
    r.kind = MN_REQ_SCORE;
    r.context = {bos >= 0 ? bos : toks[start]};
    r.continuation.assign(toks.begin() + start + 1, toks.begin() + start + len);
    requests->push_back(std::move(r));
    windows->push_back({doc, len == n_ctx});
  }
}

std::vector<MetricRecord> Metrics(const longctx::PositionPpl& acc) {
  auto metric = [](const std::string& name, const longctx::NllStats& s) {
    MetricRecord m;
    m.name = name;
    m.value = s.Ppl();
    // The delta method: se(exp(mean)) = exp(mean) * se(mean).
    if (s.tokens >= 2) m.stderr_value = s.Ppl() * s.Stderr();
    m.n = static_cast<int64_t>(s.tokens);
    m.higher_is_better = false;
    return m;
  };
  std::vector<MetricRecord> out;
  if (acc.total().tokens > 0) out.push_back(metric("ppl", acc.total()));
  if (acc.llama_estimate().tokens > 0) out.push_back(metric("ppl_llama", acc.llama_estimate()));
  for (const auto& b : acc.buckets())
    if (b.stats.tokens > 0)
      out.push_back(
          metric("ppl_pos_" + std::to_string(b.from) + "_" + std::to_string(b.to), b.stats));
  return out;
}

void PrintSummary(FILE* f, const longctx::PositionPpl& acc, const Documents& docs) {
  std::fprintf(f, "%-15s %10s %10s %12s %10s\n", "positions", "tokens", "mean_nll", "ppl",
               "stderr");
  for (const auto& b : acc.buckets()) {
    const std::string range = std::to_string(b.from) + "-" + std::to_string(b.to - 1);
    if (b.stats.tokens == 0) {
      std::fprintf(f, "%-15s %10d %10s %12s %10s\n", range.c_str(), 0, "-", "-", "-");
      continue;
    }
    std::fprintf(f, "%-15s %10llu %10.4f %12.4f %10.4f\n", range.c_str(),
                 static_cast<unsigned long long>(b.stats.tokens), b.stats.MeanNll(), b.stats.Ppl(),
                 b.stats.Stderr());
  }
  const auto& t = acc.total();
  const auto& l = acc.llama_estimate();
  std::fprintf(f,
               "mnemo: perplexity: %zu documents (%zu too short), %llu full + %llu partial "
               "windows of %u, %llu tokens scored: PPL %.4f\n",
               docs.read, docs.too_short, static_cast<unsigned long long>(acc.full_windows()),
               static_cast<unsigned long long>(acc.partial_windows()), acc.n_ctx(),
               static_cast<unsigned long long>(t.tokens), t.Ppl());
  if (l.tokens > 0)
    std::fprintf(f,
                 "mnemo: llama-perplexity estimate (second half of full windows): PPL = %.4f "
                 "+/- %.5f\n",
                 l.Ppl(), l.Ppl() * l.Stderr());
  else
    std::fprintf(f, "mnemo: no full window: no llama-perplexity estimate\n");
}

}  // namespace

int RunPerplexityCommand(int argc, char** argv) {
  std::string model_spec, data, field, output, db;
  uint32_t bucket = 256;
  size_t limit_docs = 0;
  bool log_buckets = false, quiet = false;
  ModelOptions mopt;
  po::options_description desc("mnemo perplexity");
  desc.add_options()("help,h", "show this help")(
      "model,m", ModelSpecValue(&model_spec)->required(),
      "BACKEND:PATH, e.g. llamacpp:model.gguf (a bare PATH.gguf means llamacpp)")(
      "data", po::value<std::string>(&data)->required(), "the documents, JSONL")(
      "field", po::value<std::string>(&field)->default_value("text"),
      "the field holding each document's text")(
      "bucket", po::value<uint32_t>(&bucket)->default_value(256),
      "position bucket width in tokens (with --log-buckets: the first bucket's)")(
      "log-buckets", po::bool_switch(&log_buckets),
      "log-spaced buckets: [0,w), [w,2w), [2w,4w), ...")(
      "limit-docs", po::value<size_t>(&limit_docs)->default_value(0),
      "score only the first N documents (0 = all)")(
      "output,o", po::value<std::string>(&output)->default_value("-"),
      "where to write the JSON ('-': stdout)")(
      "db", po::value<std::string>(&db),
      "run store: the run, a 'perplexity' job and its metrics; its cache makes a rerun free")(
      "quiet,q", po::bool_switch(&quiet), "no progress display");
  AddModelOptions(&desc, &mopt);  // --ctx: the window
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo perplexity -m BACKEND:PATH --data FILE.jsonl [--field text] "
                        "--ctx N [--bucket 256] [--limit-docs N] [-o out.json] [--db PATH]",
                        desc, nullptr, &vm, &code))
    return code;
  if (bucket == 0) return ReportError(Status::InvalidArgument("--bucket must be at least 1"));
  InstallInterruptHandler();
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());
  const Model& model = *om->model;
  if (!model.Has(MN_CAP_SCORE | MN_CAP_TOKEN_LOGPROBS))
    return ReportError(
        Status::Unsupported("backend '" + om->backend->plugin().manifest.name +
                            "' cannot give per-token log-probabilities of a prompt"));
  const ModelInfo& info = model.info();
  const uint32_t n_ctx = mopt.n_ctx != 0 ? mopt.n_ctx : info.n_ctx;
  // Refused up front rather than window by window: the backend may give less than asked.
  if (n_ctx > info.n_ctx)
    return ReportError(Status::InvalidArgument(
        "--ctx " + std::to_string(n_ctx) +
        " is longer than the context the backend gives this model (" + std::to_string(info.n_ctx) +
        "; trained at " + std::to_string(info.n_ctx_train) + ")"));
  auto acc = longctx::PositionPpl::Create(n_ctx, {bucket, log_buckets});
  if (!acc.ok()) return ReportError(acc.status());
  // The window starts with BOS when the model's own rule adds one, as llama-perplexity.
  const int32_t bos = info.add_bos && info.bos_token >= 0 ? info.bos_token : -1;

  auto reader = JsonlReader::Open(data);
  if (!reader.ok()) return ReportError(reader.status());
  Documents docs;
  std::vector<Request> requests;
  std::vector<Window> windows;
  nlohmann::json obj;
  while ((limit_docs == 0 || docs.read < limit_docs) && (*reader)->Next(&obj)) {
    const std::string where = data + ":" + std::to_string((*reader)->line_number());
    if (!obj.contains(field) || !obj[field].is_string())
      return ReportError(
          Status::InvalidArgument(where + ": field '" + field + "' is missing or not a string"));
    auto toks = model.Tokenize(obj[field].get<std::string>(), /*add_special=*/true);
    if (!toks.ok())
      return ReportError(Status(toks.status().code(), where + ": " + toks.status().message()));
    const size_t before = requests.size();
    AddWindows(*toks, n_ctx, bos, docs.read, &requests, &windows);
    docs.tokens += toks->size();
    (requests.size() > before ? docs.scored : docs.too_short) += 1;
    ++docs.read;
  }
  if (!(*reader)->status().ok()) return ReportError((*reader)->status());
  if (requests.empty())
    return ReportError(Status::InvalidArgument(data + ": no document has 2 tokens to score"));

  const nlohmann::json config = {{"command", "perplexity"},
                                 {"model", model_spec},
                                 {"data", data},
                                 {"field", field},
                                 {"ctx", n_ctx},
                                 {"bucket", bucket},
                                 {"log_buckets", log_buckets},
                                 {"limit_docs", limit_docs}};
  std::unique_ptr<RunStore> store;
  std::optional<RunSession> session;
  Status opened = OpenRun(db, &store, &session, [&](RunStore* st) {
    return RunSession::Begin(st, "perplexity", config, 0);
  });
  if (!opened.ok()) return ReportError(opened);
  JobRecord job;
  if (session) {
    // Named as `mnemo longctx` names it (the file's stem), so reports and compare pair the two.
    const std::string stem = std::filesystem::path(model_spec).stem().string();
    auto rec = session->RecordModel(*om, stem.empty() ? model_spec : stem);
    if (!rec.ok()) return ReportError(rec.status());
    job.run_id = session->run_id();
    job.model_id = rec->id;
    job.kind = "perplexity";
    job.name = "perplexity";
    job.config = config;
#ifdef MNEMO_HAVE_KV_AUDIT
    // The model's KV report at --ctx, for the HTML report's memory table (it never reads the
    // GGUF); a file the KV audit cannot read only leaves it out.
    if (rec->backend == "llamacpp") {
      auto spec = kv::ReadModelSpec(rec->path);
      kv::KvReportOptions ko;
      ko.contexts = {n_ctx};
      if (spec.ok()) {
        ko.windows = {1024};
        if (spec->n_swa > 0 && spec->n_swa != 1024)
          ko.windows.insert(ko.windows.begin(), spec->n_swa);
        auto report = kv::BuildKvReport(*spec, ko);
        if (report.ok()) job.config["kv_report"] = kv::KvReportJson(*report);
      }
    }
#endif
    if (Status s = store->BeginJob(&job); !s.ok()) return ReportError(s);
  }
  SchedulerOptions so;
  so.show_progress = !quiet;
  so.label = "perplexity";
  Scheduler scheduler({om->instance.get()}, store.get(), info.CacheIdentity(), so);
  std::vector<Response> responses;
  RunStats stats;
  Status st = scheduler.Run(requests, &responses, &stats);
  size_t failed = 0;
  std::string first_error;
  for (size_t i = 0; st.ok() && i < responses.size(); ++i) {
    const Response& r = responses[i];
    if (!r.ok()) {
      if (failed++ == 0) first_error = r.error;
      continue;
    }
    if (r.token_logprobs.size() != requests[i].continuation.size()) {
      st = Status::Internal("the backend gave " + std::to_string(r.token_logprobs.size()) +
                            " token log-probabilities for a window of " +
                            std::to_string(requests[i].continuation.size()) + " scored tokens");
      break;
    }
    st = acc->AddWindow(r.token_logprobs.data(), r.token_logprobs.size(), windows[i].full);
  }
  if (st.ok() && failed > 0)
    st = Status::Unavailable(std::to_string(failed) + " of " + std::to_string(requests.size()) +
                             " windows failed; the first: " + first_error);
  if (st.ok() && stats.interrupted) st = Status::Cancelled("interrupted");
  if (session) {
    Status w = st.ok() ? store->PutMetrics(job.id, Metrics(*acc)) : Status::Ok();
    const std::string status =
        st.ok() ? "finished" : (stats.interrupted ? "interrupted" : "failed");
    if (w.ok())
      w = store->FinishJob(job.id, status, static_cast<int64_t>(stats.total),
                           static_cast<int64_t>(stats.cached));
    if (st.ok()) st = w;
    session->Finish(st);
  }
  if (!st.ok()) return ReportError(st);

  nlohmann::ordered_json out = {{"model", model_spec},
                                {"data", data},
                                {"field", field},
                                {"documents",
                                 {{"read", docs.read},
                                  {"scored", docs.scored},
                                  {"too_short", docs.too_short},
                                  {"tokens", docs.tokens}}}};
  const nlohmann::ordered_json by_position = acc->ToJson();  // a named object: items() refers to it
  for (const auto& [k, v] : by_position.items()) out[k] = v;
  if (session) out["run"] = session->run_id();
  if (Status s = WriteOutput(output, out.dump(2) + "\n"); !s.ok()) return ReportError(s);
  PrintSummary(SummaryStream(output), *acc, docs);
  return kExitOk;
}

}  // namespace mnemo
