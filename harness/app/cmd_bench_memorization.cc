// `mnemo bench memorization`: probes per second of the memorisation audit's greedy decoding,
// measured three ways in one run on the same model, threads and probes:
//   batched   the audit's path: the scheduler sends --batch probes per execute call and the
//             llamacpp backend decodes them as parallel sequences in shared llama_decode calls;
//   one-by-one  the same requests, one execute call per probe (a plain decode loop);
//   llama-batched-bench  llama.cpp's own batched decoding at the same batch size, prompt and
//             generation lengths (-npp P+1 -ntg S -npl batch, unified KV cache as mnemo's),
//             probes/s = batch / its total time for the round.
// Every continuation is forced to S tokens (end-of-sequence ignored) so all three do the same
// work. A fourth line bounds what batching can gain: the same P+S tokens per probe sent as
// prompts (max_tokens 1), i.e. every token processed at prompt-processing speed, batched the
// same way. The one-by-one loop already processes its P prompt tokens in one call; only its S
// decode steps can get cheaper, so (bound / one-by-one) is the most batching can give on this
// machine and model.
// Each measurement runs --rounds times, mnemo's and llama-batched-bench's alternating; the
// best round of each is reported, as other load on the machine only ever slows a round down.
// mnemo's lines also give the process CPU time of their best round. --thread-counts repeats
// everything per thread count. Each block ends with batched / one-by-one and batched /
// llama-batched-bench (wall time), then the mnemo ratios by CPU time.
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "audits/memorization/corpus_sampler.h"
#include "audits/memorization/probe_builder.h"
#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/scheduler/scheduler.h"

#ifndef MNEMO_DEFAULT_LLAMA_BATCHED_BENCH
#define MNEMO_DEFAULT_LLAMA_BATCHED_BENCH "llama-batched-bench"
#endif

namespace mnemo {
namespace po = boost::program_options;
namespace mem = memorization;

namespace {

struct ToolResult {
  double seconds = 0;  // prompt + generation of one round (the best round)
  double probes_per_second = 0;
  double single_seconds = 0;  // the same for -npl 1
  double single_probes_per_second = 0;
};

// One llama-batched-bench invocation with `rounds` alternating -npl 1 and -npl batch entries.
// llama.cpp's logger is asynchronous and never flushed at exit, so the tool's last line(s)
// are sometimes lost (most often when the machine is loaded); a trailing -npl 1 entry whose
// result is not needed absorbs that, and a run that still lacks a -npl batch line is retried.
Result<ToolResult> RunBatchedBench(const std::string& tool, const std::string& model, size_t prompt,
                                   size_t gen, size_t batch, uint32_t threads, size_t rounds) {
  const size_t ctx = batch * (prompt + gen) + 256;
  std::string npl;
  for (size_t i = 0; i < rounds; ++i) npl += "1," + std::to_string(batch) + ",";
  npl += "1";
  const std::string cmd = "'" + tool + "' -m '" + model + "' -c " + std::to_string(ctx) +
                          " -b 2048 -ub 512 -kvu -npp " + std::to_string(prompt) + " -ntg " +
                          std::to_string(gen) + " -npl " + npl + " -t " + std::to_string(threads) +
                          " --output-format jsonl 2>&1";
  std::string output, how;
  for (int attempt = 0; attempt < 3; ++attempt) {
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return Status::IoError("cannot start " + tool);
    output.clear();
    char buf[4096];
    while (fgets(buf, sizeof buf, p) != nullptr) output += buf;
    const int rc = pclose(p);
    how = WIFSIGNALED(rc) ? "killed by signal " + std::to_string(WTERMSIG(rc))
                          : "exit " + std::to_string(WEXITSTATUS(rc));
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) break;
    std::istringstream lines(output);
    std::string line;
    ToolResult r;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] != '{') continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("t") || !j.contains("pl")) continue;
      const double t = j["t"].get<double>();
      const double pl = j["pl"].get<double>();
      if (t <= 0) continue;
      if (pl == 1 && batch != 1) {
        if (r.single_seconds == 0 || t < r.single_seconds) r.single_seconds = t;
      } else if (r.seconds == 0 || t < r.seconds) {
        r.seconds = t;
      }
    }
    if (r.seconds > 0) {
      r.probes_per_second = static_cast<double>(batch) / r.seconds;
      if (r.single_seconds > 0) r.single_probes_per_second = 1.0 / r.single_seconds;
      return r;
    }
    std::fprintf(stderr, "mnemo: llama-batched-bench printed no -npl %zu line; running it again\n",
                 batch);
  }
  return Status::Internal("llama-batched-bench (" + how + ") printed no result line for -npl " +
                          std::to_string(batch) + ":\n" + cmd + "\n" +
                          output.substr(output.size() > 1500 ? output.size() - 1500 : 0));
}

struct Measured {
  double batched_s = 0, single_s = 0, bound_s = 0;  // wall time, best round of each
  // Process CPU time (all threads), best round of each: time spent descheduled by other load
  // does not count, so at one thread these ratios are steadier than the wall-time ones.
  double batched_cpu = 0, single_cpu = 0, bound_cpu = 0;
  size_t n_batched = 0, n_single = 0;
};

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

void Better(double* best, double s) {
  if (*best == 0 || s < *best) *best = s;
}

// One round of each mnemo measurement; keeps the best (shortest) times in *m.
Status MeasureMnemo(Instance* instance, const std::string& fingerprint,
                    const std::vector<Request>& reqs, size_t single_limit, size_t batch,
                    Measured* m) {
  const size_t prompt_len = reqs[0].context.size();
  const size_t suffix = reqs[0].gen.max_tokens;
  SchedulerOptions so;
  so.show_progress = false;
  so.use_cache = false;
  so.max_batch = batch;
  so.max_batch_tokens = batch * (prompt_len + suffix) + 1;
  m->n_batched = reqs.size();
  m->n_single = std::min(single_limit, reqs.size());
  // 1. Batched, through the scheduler as the audit runs.
  Scheduler scheduler({instance}, nullptr, fingerprint, so);
  std::vector<Response> responses;
  RunStats stats;
  double cpu0 = ProcessCpuSeconds();
  if (Status s = scheduler.Run(reqs, &responses, &stats); !s.ok()) return s;
  Better(&m->batched_cpu, ProcessCpuSeconds() - cpu0);
  if (stats.failed > 0) return Status::Internal("a batched probe failed");
  Better(&m->batched_s, stats.seconds);

  // 2. One probe per execute call.
  cpu0 = ProcessCpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  size_t bad = 0;
  for (size_t i = 0; i < m->n_single; ++i) {
    std::vector<const Request*> one = {&reqs[i]};
    Status s = instance->Execute(one, [&](size_t, Response&& r) { bad += !r.ok(); });
    if (!s.ok()) return s;
  }
  Better(&m->single_s,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  Better(&m->single_cpu, ProcessCpuSeconds() - cpu0);
  if (bad > 0) return Status::Internal("a one-by-one probe failed");

  // 3. The bound: prefix + the first S-1 generated tokens as the prompt, one token to
  // generate, so each probe puts the same P+S tokens through the model at prompt speed.
  std::vector<Request> bound;
  for (size_t i = 0; i < reqs.size(); ++i) {
    Request r = reqs[i];
    const std::vector<int32_t>& out = responses[i].tokens;
    r.context.insert(r.context.end(), out.begin(),
                     out.begin() + std::min(out.size(), suffix > 0 ? suffix - 1 : 0));
    r.gen.max_tokens = 1;
    bound.push_back(std::move(r));
  }
  Scheduler bound_scheduler({instance}, nullptr, fingerprint, so);
  cpu0 = ProcessCpuSeconds();
  if (Status s = bound_scheduler.Run(bound, &responses, &stats); !s.ok()) return s;
  Better(&m->bound_cpu, ProcessCpuSeconds() - cpu0);
  if (stats.failed > 0) return Status::Internal("a prompt-speed bound probe failed");
  Better(&m->bound_s, stats.seconds);
  return Status::Ok();
}

std::vector<uint32_t> ParseThreadCounts(const std::string& list) {
  std::vector<uint32_t> out;
  std::istringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v == 0 || v > 1024) return {};
    out.push_back(static_cast<uint32_t>(v));
  }
  return out;
}

}  // namespace

int RunBenchMemorizationCommand(int argc, char** argv) {
  std::string model_spec, probes_path, corpus, thread_list,
      tool = MNEMO_DEFAULT_LLAMA_BATCHED_BENCH;
  size_t limit = 64, batch = 32, single_limit = 0, prefix = 50, suffix = 50, rounds = 3;
  ModelOptions mopt;
  po::options_description desc("mnemo bench memorization");
  desc.add_options()("help,h", "show this help")("what", po::value<std::string>(), "memorization")(
      "model,m", ModelSpecValue(&model_spec)->required(), "llamacpp:PATH (or PATH.gguf)")(
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
      "rounds", po::value<size_t>(&rounds)->default_value(3),
      "runs of each measurement; the best is reported")(
      "thread-counts", po::value<std::string>(&thread_list),
      "comma-separated thread counts to measure in turn (default: --threads)")(
      "llama-batched-bench", po::value<std::string>(&tool), "path of llama-batched-bench");
  AddModelOptions(&desc, &mopt);
  po::positional_options_description pos;
  pos.add("what", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo bench memorization --model llamacpp:PATH --probes FILE "
                        "[--limit 64] [--batch 32] [--threads N | --thread-counts 1,2] "
                        "[--rounds 3]",
                        desc, &pos, &vm, &code))
    return code;
  if (mopt.threads == 0) mopt.threads = DefaultThreads();
  if (probes_path.empty() == corpus.empty())
    return ReportError(Status::InvalidArgument("give one of --probes FILE or --corpus FILE"));
  if (batch == 0 || limit == 0 || rounds == 0)
    return ReportError(Status::InvalidArgument("--batch, --limit and --rounds must be at least 1"));
  std::vector<uint32_t> thread_counts = {mopt.threads};
  if (!thread_list.empty()) {
    thread_counts = ParseThreadCounts(thread_list);
    if (thread_counts.empty())
      return ReportError(Status::InvalidArgument("--thread-counts wants e.g. 1,2"));
  }
  if (single_limit == 0) single_limit = limit;
  mopt.n_seq = static_cast<uint32_t>(batch);

  std::vector<Request> reqs;
  for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
    mopt.threads = thread_counts[ti];
    auto om = OpenModelSpec(model_spec, mopt);
    if (!om.ok()) return ReportError(om.status());
    if (reqs.empty()) {
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
      // Repeat the probe list if it is shorter than --limit: the work, not the data, is
      // measured.
      for (size_t i = 0; reqs.size() < limit; ++i) {
        Request r;
        r.kind = MN_REQ_GENERATE;
        r.context = probes[i % probes.size()].prefix;
        r.gen.max_tokens = static_cast<uint32_t>(suffix);
        r.gen.greedy = true;
        r.gen.stop_at_eos = false;
        reqs.push_back(std::move(r));
      }
    }
    const size_t prompt_len = reqs[0].context.size();
    // Rounds alternate mnemo and llama-batched-bench, so a quiet or busy spell on the shared
    // machine does not favour one of them.
    Measured best;
    ToolResult tool_best;
    for (size_t round = 0; round < rounds; ++round) {
      if (round > 0) {
        om = OpenModelSpec(model_spec, mopt);
        if (!om.ok()) return ReportError(om.status());
      }
      Status s = MeasureMnemo(om->instance.get(), om->model->info().fingerprint, reqs, single_limit,
                              batch, &best);
      if (!s.ok()) return ReportError(s);
      { OpenedModel done = std::move(om).value(); }  // free the model before the tool loads it
      // llama.cpp's own batched decoding at the same batch size.
      auto tr = RunBatchedBench(tool, ParseModelSpec(model_spec)->path, prompt_len, suffix, batch,
                                mopt.threads, 1);
      if (!tr.ok()) return ReportError(tr.status());
      if (tool_best.seconds == 0 || tr->seconds < tool_best.seconds) {
        tool_best.seconds = tr->seconds;
        tool_best.probes_per_second = tr->probes_per_second;
      }
      if (tr->single_seconds > 0 &&
          (tool_best.single_seconds == 0 || tr->single_seconds < tool_best.single_seconds)) {
        tool_best.single_seconds = tr->single_seconds;
        tool_best.single_probes_per_second = tr->single_probes_per_second;
      }
    }
    const Measured* m = &best;
    const ToolResult* tr = &tool_best;

    const double batched_pps = static_cast<double>(m->n_batched) / m->batched_s;
    const double single_pps = static_cast<double>(m->n_single) / m->single_s;
    const double bound_pps = static_cast<double>(m->n_batched) / m->bound_s;
    if (ti > 0) std::printf("\n");
    std::printf(
        "bench memorization: %zu probes, prompt %zu tokens (BOS + P), %zu generated tokens each, "
        "batch %zu, %u threads, best of %zu rounds\n",
        reqs.size(), prompt_len, suffix, batch, mopt.threads, rounds);
    std::printf(
        "  mnemo batched (scheduler, %zu per call)  %8.2f probes/s  (%zu probes in %.2fs, %.2f "
        "CPU-s)\n",
        batch, batched_pps, m->n_batched, m->batched_s, m->batched_cpu);
    std::printf(
        "  mnemo one probe at a time              %8.2f probes/s  (%zu probes in %.2fs, %.2f "
        "CPU-s)\n",
        single_pps, m->n_single, m->single_s, m->single_cpu);
    std::printf("  llama-batched-bench -npl %-4zu          %8.2f probes/s  (%zu probes in %.2fs)\n",
                batch, tr->probes_per_second, batch, tr->seconds);
    if (tr->single_seconds > 0)
      std::printf(
          "  llama-batched-bench -npl 1              %8.2f probes/s  (its own batching gain: "
          "%.2fx)\n",
          tr->single_probes_per_second, tr->probes_per_second / tr->single_probes_per_second);
    std::printf(
        "  bound: P+S tokens as prompts, batched  %8.2f probes/s  (%zu probes in %.2fs, %.2f "
        "CPU-s; most batching can gain: %.2fx)\n",
        bound_pps, m->n_batched, m->bound_s, m->bound_cpu, bound_pps / single_pps);
    std::printf("  ratio batched/one-at-a-time: %.2fx   ratio batched/llama-batched-bench: %.3f\n",
                batched_pps / single_pps, batched_pps / tr->probes_per_second);
    const double single_cpu_pp = m->single_cpu / static_cast<double>(m->n_single);
    std::printf(
        "  by CPU time per probe: batched %.2fx and bound %.2fx faster than one at a time\n",
        single_cpu_pp / (m->batched_cpu / static_cast<double>(m->n_batched)),
        single_cpu_pp / (m->bound_cpu / static_cast<double>(m->n_batched)));
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace mnemo
