// `mnemo bench memorization`: probes per second of the memorisation audit's greedy decoding,
// measured three ways in one run on the same model, threads and probes:
//   batched   the audit's path: the scheduler sends --batch probes per execute call and the
//             llamacpp backend decodes them as parallel sequences in shared llama_decode calls;
//   one-by-one  the same requests, one execute call per probe (a plain decode loop);
//   llama-batched-bench  llama.cpp's own batched decoding at the same batch size, prompt and
//             generation lengths (-npp P+1 -ntg S -npl batch, unified KV cache as mnemo's),
//             probes/s = batch / its total time for the round.
// Every continuation is forced to S tokens (end-of-sequence ignored) so all three do the same
// work. Printed last: batched / one-by-one and batched / llama-batched-bench.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "audits/memorization/corpus_sampler.h"
#include "audits/memorization/probe_builder.h"
#include "harness/cli/commands.h"
#include "harness/cli/common.h"
#include "harness/scheduler/scheduler.h"

#ifndef MNEMO_DEFAULT_LLAMA_BATCHED_BENCH
#define MNEMO_DEFAULT_LLAMA_BATCHED_BENCH "llama-batched-bench"
#endif

namespace mnemo {
namespace po = boost::program_options;
namespace mem = memorization;

namespace {

struct ToolResult {
  double seconds = 0;  // prompt + generation of one round
  double probes_per_second = 0;
  double single_seconds = 0;  // the same for -npl 1
  double single_probes_per_second = 0;
};

Result<ToolResult> RunBatchedBench(const std::string& tool, const std::string& model, size_t prompt,
                                   size_t gen, size_t batch, uint32_t threads) {
  const size_t ctx = batch * (prompt + gen) + 256;
  std::string cmd = "'" + tool + "' -m '" + model + "' -c " + std::to_string(ctx) +
                    " -b 2048 -ub 512 -kvu -npp " + std::to_string(prompt) + " -ntg " +
                    std::to_string(gen) + " -npl 1," + std::to_string(batch) + " -t " +
                    std::to_string(threads) + " --output-format jsonl 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return Status::IoError("cannot start " + tool);
  std::string output;
  char buf[4096];
  while (fgets(buf, sizeof buf, p) != nullptr) output += buf;
  int rc = pclose(p);
  std::istringstream lines(output);
  std::string line;
  ToolResult r;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("t") || !j.contains("pl")) continue;
    const double t = j["t"].get<double>();
    const double pl = j["pl"].get<double>();
    if (pl == 1 && batch != 1) {
      r.single_seconds = t;
      r.single_probes_per_second = 1.0 / t;
    } else {
      r.seconds = t;
      r.probes_per_second = pl / t;
    }
  }
  if (r.seconds > 0) return r;
  return Status::Internal("llama-batched-bench (exit " + std::to_string(WEXITSTATUS(rc)) +
                          ") printed no result line:\n" +
                          output.substr(output.size() > 1500 ? output.size() - 1500 : 0));
}

}  // namespace

int RunBenchMemorizationCommand(int argc, char** argv) {
  std::string model_spec, probes_path, corpus, tool = MNEMO_DEFAULT_LLAMA_BATCHED_BENCH;
  size_t limit = 64, batch = 32, single_limit = 0, prefix = 50, suffix = 50;
  ModelOptions mopt;
  po::options_description desc("mnemo bench memorization");
  desc.add_options()("help,h", "show this help")("what", po::value<std::string>(), "memorization")(
      "model,m", po::value<std::string>(&model_spec)->required(), "llamacpp:PATH")(
      "probes", po::value<std::string>(&probes_path), "probe file (as the audit reads it)")(
      "corpus", po::value<std::string>(&corpus),
      "or: a corpus to sample --limit probes from (documents)")(
      "limit", po::value<size_t>(&limit)->default_value(64), "probes for the batched run")(
      "single-limit", po::value<size_t>(&single_limit)->default_value(0),
      "probes for the one-by-one loop (0 = --limit)")(
      "batch", po::value<size_t>(&batch)->default_value(32),
      "probes decoded together (mnemo and llama-batched-bench)")(
      "prefix", po::value<size_t>(&prefix)->default_value(50), "prefix tokens")(
      "suffix", po::value<size_t>(&suffix)->default_value(50), "suffix tokens")(
      "llama-batched-bench", po::value<std::string>(&tool), "path of llama-batched-bench");
  AddModelOptions(&desc, &mopt);
  po::positional_options_description pos;
  pos.add("what", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo bench memorization --model llamacpp:PATH --probes FILE "
                        "[--limit 64] [--batch 32] [--threads N]",
                        desc, &pos, &vm, &code))
    return code;
  if (mopt.threads == 0) mopt.threads = DefaultThreads();
  if (probes_path.empty() == corpus.empty())
    return ReportError(Status::InvalidArgument("give one of --probes FILE or --corpus FILE"));
  if (batch == 0 || limit == 0)
    return ReportError(Status::InvalidArgument("--batch and --limit must be at least 1"));
  if (single_limit == 0) single_limit = limit;
  mopt.n_seq = static_cast<uint32_t>(batch);
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());
  const ModelInfo& info = om->model->info();
  mem::WindowSpec spec{prefix, suffix, info.add_bos ? info.bos_token : -1};
  mem::TokenizeFn tok = [&](std::string_view t) { return om->model->Tokenize(t, false); };
  std::vector<mem::Probe> probes;
  if (!probes_path.empty()) {
    auto pf = mem::LoadProbeFile(probes_path, tok, spec);
    if (!pf.ok()) return ReportError(pf.status());
    probes = std::move(pf->probes);
  } else {
    CorpusOptions co;
    co.paths = {corpus};
    mem::SamplingOptions so;
    so.samples = limit;
    auto sr = mem::SampleCorpus(co, tok, spec, so);
    if (!sr.ok()) return ReportError(sr.status());
    probes = std::move(sr->probes);
  }
  if (probes.empty()) return ReportError(Status::InvalidArgument("no probes"));
  // Repeat the probe list if it is shorter than --limit: the work, not the data, is measured.
  std::vector<Request> reqs;
  for (size_t i = 0; reqs.size() < limit; ++i) {
    Request r;
    r.kind = MN_REQ_GENERATE;
    r.context = probes[i % probes.size()].prefix;
    r.gen.max_tokens = static_cast<uint32_t>(suffix);
    r.gen.greedy = true;
    r.gen.stop_at_eos = false;
    reqs.push_back(std::move(r));
  }
  const size_t prompt_len = reqs[0].context.size();

  // 1. Batched, through the scheduler as the audit runs.
  SchedulerOptions so;
  so.show_progress = false;
  so.use_cache = false;
  so.max_batch = batch;
  so.max_batch_tokens = batch * (prompt_len + suffix) + 1;
  Scheduler scheduler({om->instance.get()}, nullptr, info.fingerprint, so);
  std::vector<Response> responses;
  RunStats stats;
  if (Status s = scheduler.Run(reqs, &responses, &stats); !s.ok()) return ReportError(s);
  if (stats.failed > 0) return ReportError(Status::Internal("a batched probe failed"));
  const double batched_pps = static_cast<double>(reqs.size()) / stats.seconds;

  // 2. One probe per execute call.
  const size_t n_single = std::min(single_limit, reqs.size());
  auto t0 = std::chrono::steady_clock::now();
  size_t bad = 0;
  for (size_t i = 0; i < n_single; ++i) {
    std::vector<const Request*> one = {&reqs[i]};
    Status s = om->instance->Execute(one, [&](size_t, Response&& r) { bad += !r.ok(); });
    if (!s.ok()) return ReportError(s);
  }
  const double single_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (bad > 0) return ReportError(Status::Internal("a one-by-one probe failed"));
  const double single_pps = static_cast<double>(n_single) / single_s;

  // 3. llama.cpp's own batched decoding at the same batch size.
  { OpenedModel done = std::move(om).value(); }  // free the model before the tool loads it
  auto tr = RunBatchedBench(tool, ParseModelSpec(model_spec)->path, prompt_len, suffix, batch,
                            mopt.threads);
  if (!tr.ok()) return ReportError(tr.status());

  std::printf(
      "bench memorization: %zu probes, prompt %zu tokens (BOS + P), %zu generated tokens each, "
      "batch %zu, %u threads\n",
      reqs.size(), prompt_len, suffix, batch, mopt.threads);
  std::printf("  mnemo batched (scheduler, %zu per call)  %8.2f probes/s  (%zu probes in %.2fs)\n",
              batch, batched_pps, reqs.size(), stats.seconds);
  std::printf("  mnemo one probe at a time              %8.2f probes/s  (%zu probes in %.2fs)\n",
              single_pps, n_single, single_s);
  std::printf("  llama-batched-bench -npl %-4zu          %8.2f probes/s  (%zu probes in %.2fs)\n",
              batch, tr->probes_per_second, batch, tr->seconds);
  if (tr->single_seconds > 0)
    std::printf(
        "  llama-batched-bench -npl 1              %8.2f probes/s  (its own batching gain: "
        "%.2fx)\n",
        tr->single_probes_per_second, tr->probes_per_second / tr->single_probes_per_second);
  std::printf("  ratio batched/one-at-a-time: %.2fx   ratio batched/llama-batched-bench: %.3f\n",
              batched_pps / single_pps, batched_pps / tr->probes_per_second);
  return kExitOk;
}

}  // namespace mnemo
