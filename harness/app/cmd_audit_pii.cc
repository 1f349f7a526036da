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
// The engine, catalogue, outputs and the job driver live in audits/pii/; this file wires
// options to the driver (audits/pii/job.h) and picks the run its job joins.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>

#include "audits/pii/job.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/app/run_loop.h"
#include "harness/jobs/run_session.h"

namespace mnemo {
namespace po = boost::program_options;

using pii::BuildScanner;
using pii::LatestRunWithProbes;
using pii::PiiConfig;
using pii::PiiJob;
using pii::ReadAllowList;
using pii::SplitPiiList;

int RunAuditPiiCommand(int argc, char** argv) {
  PiiConfig c;
  std::string entities, allow_file, db;
  bool no_context = false, quiet = false;
  po::options_description desc("mnemo audit pii");
  desc.add_options()("help,h", "show this help")(
      "paths", po::value<std::vector<std::string>>(&c.paths)->multitoken(),
      "files or globs: text (one document per line), JSONL (plain, .gz or .zst) or Parquet")(
      "field", po::value<std::string>(&c.field)->default_value("text"),
      "JSONL: dotted path of the text to scan")(
      "id-field", po::value<std::string>(&c.id_field)->default_value("id"),
      "JSONL: document id field (absent: the line number)")(
      "format", po::value<std::string>(&c.format)->default_value("auto"),
      "auto | jsonl | text | parquet (auto: by extension)")(
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
    auto list = SplitPiiList(entities);
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
  std::optional<RunSession> session;
  // Memorised outputs: the job joins the run that stored them; files: a run of its own.
  Status opened = OpenRun(db, &store, &session, [&](RunStore* st) -> Result<RunSession> {
    if (!c.memorized)
      return RunSession::Begin(st, "audit pii", {{"command", "audit pii"}, {"pii", c.ToJson()}}, 0);
    int64_t run_id = c.run;
    if (run_id == 0) {
      auto latest = LatestRunWithProbes(st->db());
      if (!latest.ok())
        return Status(latest.status().code(), st->path() + ": " + latest.status().message());
      run_id = *latest;
    }
    return RunSession::Attach(st, run_id);
  });
  if (!opened.ok()) return ReportError(opened);
  PiiJob job(c);
  job.set_summary_label(
      c.memorized
          ? db + " run " + std::to_string(session ? session->run_id() : 0) + " (memorised outputs)"
          : (c.paths.size() == 1 ? c.paths[0] : std::to_string(c.paths.size()) + " inputs"));
  RunContext ctx;
  ctx.store = store.get();
  ctx.run_id = session ? session->run_id() : 0;
  ctx.quiet = quiet;
  JobOutcome outcome;
  Status s = RunJobOnce(&job, ctx, &outcome);
  if (session) session->Finish(s);
  if (!s.ok()) return ReportError(s);
  return kExitOk;
}

}  // namespace mnemo
