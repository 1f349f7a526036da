// `mnemo audit decontam`: n-gram overlap between benchmark items and training corpora
// (audits/decontam), through the decontam job driver (audits/decontam/job.h) that run configs
// use too.
#include <cstdio>
#include <optional>
#include <sstream>

#include "audits/decontam/audit.h"
#include "audits/decontam/job.h"
#include "audits/decontam/shard_state.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/run_loop.h"
#include "harness/core/log.h"
#include "harness/jobs/run_session.h"

namespace po = boost::program_options;

namespace mnemo {
// Prints the per-task counts and the rescoring table (to stderr when the items go to stdout).
void PrintDecontamReport(FILE* to, const decontam::AuditConfig& cfg,
                         const decontam::AuditReport& r) {
  // "shared only": items not clean only through n-grams shared with other eval items.
  std::fprintf(to, "%-20s %-8s %7s  %-40s %12s %11s\n", "task", "method", "items", "counts",
               "mean overlap", "shared only");
  for (const auto& t : r.tasks) {
    std::string counts;
    for (const auto& [s, c] : t.counts)
      counts += (counts.empty() ? "" : ", ") + s + " " + std::to_string(c);
    std::fprintf(to, "%-20s %-8s %7lld  %-40s %12.4f %11lld\n", t.task.c_str(),
                 decontam::MethodName(cfg.method), static_cast<long long>(t.items), counts.c_str(),
                 t.mean_overlap, static_cast<long long>(t.shared_only));
  }
  if (!r.rescored.empty()) {
    std::fprintf(to, "\nclean-subset rescoring (clean = status 'clean'):\n");
    std::fprintf(to, "%-16s %-20s %-16s %-14s %9s %9s %9s %9s %7s %7s\n", "task", "model", "metric",
                 "filter", "all", "clean", "dirty", "delta", "n", "n_clean");
    for (const auto& l : r.rescored)
      std::fprintf(to, "%-16s %-20s %-16s %-14s %9.4f %9.4f %9.4f %+9.4f %7lld %7lld\n",
                   l.task.c_str(), l.model.c_str(), l.metric.c_str(), l.filter.c_str(), l.all,
                   l.clean, l.dirty, l.clean - l.all, static_cast<long long>(l.n_all),
                   static_cast<long long>(l.n_clean));
  }
}

int RunAuditDecontamCommand(int argc, char** argv) {
  decontam::AuditConfig cfg;
  std::string tasks_arg, method = "gpt3", short_items, tokenizer, model_spec, db;
  int64_t boilerplate = static_cast<int64_t>(decontam::kDefaultBoilerplate);
  po::options_description desc("mnemo audit decontam");
  desc.add_options()("help,h", "show this help")(
      "tasks", po::value<std::string>(&tasks_arg),
      "eval side: tasks, groups or tags, comma separated")(
      "task-dir", po::value<std::vector<std::string>>(&cfg.task_dirs)->composing(),
      "extra folder of task YAMLs (repeatable)")(
      "limit", po::value<size_t>(&cfg.limit)->default_value(0),
      "only the first N documents of each task (0 = all)")(
      "eval", po::value<std::string>(&cfg.eval_file), "eval side: a JSON Lines file")(
      "eval-field", po::value<std::string>(&cfg.eval_field),
      "--eval: the text field (dotted path)")("eval-id", po::value<std::string>(&cfg.eval_id),
                                              "--eval: the id field (default: the line number)")(
      "corpus", po::value<std::vector<std::string>>(&cfg.corpus)->multitoken()->composing(),
      "training corpus files or globs: JSONL or text (plain, .gz or .zst), or Parquet")(
      "format", po::value<std::string>(&cfg.format)->default_value("auto"),
      "corpus format: auto (by extension), jsonl, text (one document per line)")(
      "text-field", po::value<std::string>(&cfg.text_field)->default_value("text"),
      "corpus JSONL text field (dotted path)")(
      "id-field", po::value<std::string>(&cfg.id_field)->default_value("id"),
      "corpus JSONL document id field (evidence)")(
      "method", po::value<std::string>(&method)->default_value("gpt3"), "gpt3, palm or llama2")(
      "n", po::value<size_t>(&cfg.n)->default_value(0),
      "n-gram length (llama2: minimum match length L); 0 = the method's default (13, 8, 10)")(
      "boilerplate", po::value<int64_t>(&boilerplate)->default_value(boilerplate),
      "ignore eval n-grams found in more than K distinct eval item texts (1: only n-grams "
      "specific to one item count; 0 = keep all)")(
      "short-items", po::value<std::string>(&short_items),
      "items shorter than n: 'whole' (GPT-3: dirty if the whole item occurs; default for gpt3) "
      "or 'none' (lm-eval's janitor: never dirty)")(
      "threshold", DoubleValue(&cfg.palm_threshold, 0.7),
      "palm: dirty when the matched share of 8-grams is >= this")(
      "evidence", po::value<size_t>(&cfg.evidence)->default_value(3),
      "corpus documents kept as evidence per item")(
      "tokenizer", po::value<std::string>(&tokenizer),
      "token units from a SentencePiece model file instead of janitor words")(
      "model", ModelSpecValue(&model_spec),
      "token units from this model's tokenizer (BACKEND:PATH)")(
      "threads,t", po::value<size_t>(&cfg.threads)->default_value(0), "scan threads (0 = all)")(
      "shard", po::value<std::string>(&cfg.shard),
      "scan only shard i of N (i/N): the corpus split by bytes into line-aligned pieces "
      "(.zst by frame, .gz whole); write --state to merge later")(
      "state", po::value<std::string>(&cfg.state_out), "write the scan state (for --merge)")(
      "merge", po::value<std::vector<std::string>>(&cfg.merge_states)->multitoken()->composing(),
      "combine shard states instead of scanning")(
      "db", po::value<std::string>(&db), "run store: items, counts and rescoring are stored")(
      "rescore-run", po::value<int64_t>(&cfg.rescore_run)->default_value(0),
      "rescore this run's task jobs on their clean items (needs --db)")(
      "output,o", po::value<std::string>(&cfg.output),
      "NDJSON, one line per item {id, status, overlap, evidence, ...} ('-': stdout, the "
      "tables on stderr)")(
      "dump-ngrams", po::value<std::string>(&cfg.dump_ngrams),
      "also write the eval n-grams kept, as normalised text (for grep -F baselines)")(
      "quiet,q", po::bool_switch(&cfg.quiet), "no progress notes and no warnings (errors still)");
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo audit decontam (--tasks A,B | --eval FILE --eval-field F "
                        "[--eval-id ID]) --corpus PATH... [--method gpt3|palm|llama2] [--n 13] "
                        "[--boilerplate K] [--db PATH] --output items.jsonl",
                        desc, nullptr, &vm, &code))
    return code;
  auto usage = [](const std::string& m) { return ReportError(Status::InvalidArgument(m)); };
  if (tasks_arg.empty() == cfg.eval_file.empty())
    return usage("give either --tasks or --eval FILE --eval-field F");
  if (!cfg.eval_file.empty() && cfg.eval_field.empty()) return usage("--eval needs --eval-field");
  cfg.tasks = SplitComma(tasks_arg);
  if (cfg.corpus.empty() && cfg.merge_states.empty())
    return usage("give --corpus PATH... (or --merge STATE...)");
  if (!cfg.corpus.empty() && !cfg.merge_states.empty())
    return usage("--merge combines shard states; it takes no --corpus");
  if (cfg.output.empty() && db.empty() && cfg.state_out.empty())
    return usage("give --output items.jsonl (and/or --db, --state)");
  if (!cfg.shard.empty()) {
    size_t i = 0, n = 0;
    if (Status s = decontam::ParseShard(cfg.shard, &i, &n); !s.ok()) return ReportError(s);
  }
  if (cfg.quiet) SetLogLevel(LogLevel::kError);  // -q: no warnings either
  auto m = decontam::ParseMethod(method);
  if (!m.ok()) return ReportError(m.status());
  cfg.method = *m;
  if (boilerplate < 0) return usage("--boilerplate must be >= 0");
  cfg.boilerplate = static_cast<size_t>(boilerplate);
  if (!short_items.empty()) {
    if (short_items != "whole" && short_items != "none")
      return usage("--short-items must be 'whole' or 'none'");
    cfg.short_items = short_items == "whole";
  }
  if (cfg.palm_threshold <= 0 || cfg.palm_threshold > 1)
    return usage("--threshold must be in (0, 1]");
  if (cfg.rescore_run > 0 && db.empty()) return usage("--rescore-run needs --db");
  if (cfg.rescore_run > 0 && !cfg.shard.empty())
    return usage(
        "--rescore-run rescores on every item's verdict: run it with --merge, not --shard");
  if (!tokenizer.empty() && !model_spec.empty())
    return usage("give --tokenizer or --model, not both");

  std::unique_ptr<decontam::TokenEncoder> encoder;
  OpenedModel om;
  if (!tokenizer.empty()) {
    auto e = decontam::OpenSentencePiece(tokenizer);
    if (!e.ok()) return ReportError(e.status());
    encoder = std::move(e).value();
    cfg.tokenizer = tokenizer;  // a merge of shard stores reopens it
  } else if (!model_spec.empty()) {
    ModelOptions mopt;
    auto o = OpenModelSpec(model_spec, mopt);
    if (!o.ok()) return ReportError(o.status());
    om = std::move(o).value();
    std::shared_ptr<Model> model = om.model;
    encoder = decontam::MakeFunctionEncoder("model:" + model_spec, [model](std::string_view t) {
      return model->Tokenize(t, /*add_special=*/false);
    });
  }
  cfg.encoder = encoder.get();

  std::unique_ptr<RunStore> store;
  std::optional<RunSession> session;
  Status opened = OpenRun(db, &store, &session, [&](RunStore* st) {
    return RunSession::Begin(st, "audit decontam",
                             {{"command", "audit decontam"},
                              {"tasks", cfg.tasks},
                              {"eval", cfg.eval_file},
                              {"corpus", cfg.corpus},
                              {"method", method},
                              {"n", cfg.n},
                              {"boilerplate", cfg.boilerplate}},
                             0);
  });
  if (!opened.ok()) return ReportError(opened);
  const std::string output = cfg.output;  // '-': the items on stdout
  cfg.output = OutputPathForLibrary(cfg.output);
  // --rescore-run names the run to rescore; the job's own "rescore" means its own run.
  decontam::DecontamJob job(cfg, /*tokenizer=*/"", /*rescore=*/false);
  job.set_encoder(encoder.get());
  RunContext ctx;
  ctx.store = store.get();
  ctx.run_id = session ? session->run_id() : 0;
  ctx.quiet = cfg.quiet;
  JobOutcome outcome;
  Status st = RunJobOnce(&job, ctx, &outcome);
  if (session) session->Finish(st);
  if (!st.ok()) return ReportError(st);
  PrintDecontamReport(SummaryStream(output), job.config(), job.report());
  if (session)
    std::fprintf(stderr, "mnemo: decontam: run %lld in %s\n",
                 static_cast<long long>(session->run_id()), db.c_str());
  return kExitOk;
}

}  // namespace mnemo
