// `mnemo bench scoring`: scoring throughput of a backend next to llama.cpp's own
// llama-perplexity on the same text, context and thread count, measured in the same run.
//
// Both sides push the same tokens through the model in windows of --ctx tokens: mnemo as
// rolling log-likelihood requests (every token scored once), llama-perplexity as its chunks.
// The figure compared is forward throughput in tokens processed per second, without model
// load; the ratio mnemo / llama-perplexity is printed last.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#include "harness/scheduler/scheduler.h"
#include "tasks/config/task_registry.h"
#include "tasks/eval/evaluator.h"
#include "tasks/eval/task_data.h"

#ifndef MNEMO_DEFAULT_LLAMA_PERPLEXITY
#define MNEMO_DEFAULT_LLAMA_PERPLEXITY "llama-perplexity"
#endif

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ToolRun {
  double tokens_per_second = 0;
  double ms = 0;
  long tokens = 0;
  std::string output;
};

// Runs llama-perplexity and reads its own prompt-eval timing line.
Result<ToolRun> RunLlamaPerplexity(const std::string& tool, const std::string& model,
                                   const std::string& text_file, uint32_t ctx, uint32_t threads,
                                   size_t chunks) {
  std::string cmd = "'" + tool + "' -m '" + model + "' -f '" + text_file + "' -c " +
                    std::to_string(ctx) + " -b " + std::to_string(ctx) + " -t " +
                    std::to_string(threads) + " --chunks " + std::to_string(chunks) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return Status::IoError("cannot start " + tool);
  ToolRun out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p) != nullptr) out.output += buf;
  int rc = pclose(p);
  if (rc != 0) {
    return Status::Internal(
        "llama-perplexity failed (exit " + std::to_string(WEXITSTATUS(rc)) +
        "): " + out.output.substr(out.output.size() > 2000 ? out.output.size() - 2000 : 0));
  }
  // llama-perplexity stamps its log lines (M.SS.mmm.uuu); its compute time is from "calculating
  // perplexity" to "Final estimate", model load and tokenization excluded.
  auto stamp = [&](const char* what, double* seconds) {
    std::smatch m;
    std::regex re(std::string(R"((\d+)\.(\d+)\.(\d+)\.(\d+) I )") + what);
    if (!std::regex_search(out.output, m, re)) return false;
    *seconds =
        std::stod(m[1]) * 60 + std::stod(m[2]) + std::stod(m[3]) / 1e3 + std::stod(m[4]) / 1e6;
    return true;
  };
  double t0 = 0, t1 = 0;
  if (!stamp("perplexity: calculating perplexity", &t0) || !stamp("Final estimate", &t1) ||
      t1 <= t0) {
    return Status::Internal(
        "could not read llama-perplexity's timing from its log:\n" +
        out.output.substr(out.output.size() > 1500 ? out.output.size() - 1500 : 0));
  }
  std::smatch m;
  std::regex chunks_re(R"(calculating perplexity over (\d+) chunks, n_ctx=(\d+))");
  if (!std::regex_search(out.output, m, chunks_re))
    return Status::Internal("could not read llama-perplexity's chunk count");
  out.tokens = std::stol(m[1]) * std::stol(m[2]);
  out.ms = (t1 - t0) * 1000.0;
  out.tokens_per_second = out.tokens / (t1 - t0);
  return out;
}

}  // namespace

namespace {

// Multiple choice: a task's items through mnemo (shared-context prefill) and through
// llama-perplexity --hellaswag (which also evaluates a shared prefix once) on the same
// contexts and threads. Contexts are put on one line, as the HellaSwag format needs.
int BenchMultipleChoice(const std::string& model_spec, const std::string& task_name, size_t limit,
                        const std::string& tool, ModelOptions mopt) {
  TaskRegistry registry;
  registry.Scan();
  auto it = registry.tasks().find(task_name);
  if (it == registry.tasks().end())
    return ReportError(Status::NotFound("unknown task '" + task_name + "'"));
  TaskConfig cfg = it->second;
  if (cfg.output_type != OutputType::kMultipleChoice || !cfg.doc_to_text.is_string()) {
    return ReportError(Status::InvalidArgument(
        "task '" + task_name + "' is not a multiple-choice task with a text template"));
  }
  std::string tmpl = cfg.doc_to_text.get<std::string>();
  for (size_t p = tmpl.find('\n'); p != std::string::npos; p = tmpl.find('\n', p)) tmpl[p] = ' ';
  cfg.doc_to_text = tmpl;
  cfg.num_fewshot = 0;
  auto task = Task::Create(cfg);
  if (!task.ok()) return ReportError(task.status());
  auto docs = LoadSplit(cfg, cfg.EvalSplit(), limit);
  if (!docs.ok()) return ReportError(docs.status());
  std::string hs;
  for (const auto& d : *docs) {
    auto ctx = (*task)->DocToText(d);
    auto choices = (*task)->DocToChoice(d);
    auto gold = (*task)->DocToTarget(d);
    if (!ctx.ok() || !choices.ok() || !gold.ok() || choices->size() != 4 ||
        !gold->is_number_integer())
      return ReportError(Status::InvalidArgument(
          "task '" + task_name + "' needs four choices and an index target per item"));
    hs += ctx->get<std::string>() + "\n" + std::to_string(gold->get<int>()) + "\n";
    for (const auto& c : *choices) hs += c + "\n";
  }
  fs::path tmp =
      fs::temp_directory_path() / ("mnemo-bench-hs-" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(tmp);
    out << hs;
  }
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());
  EvalOptions opt;
  opt.limit = limit;
  opt.show_progress = false;
  opt.bootstrap_iters = 0;
  Evaluator ev(om->model.get(), om->instance.get(), nullptr, opt);
  auto r = ev.Run(**task);
  if (!r.ok()) return ReportError(r.status());
  // The same logical work on both sides: every item's context once plus its four endings.
  size_t tokens = 0;
  for (const auto& s : r->samples) {
    auto ctx_toks = om->model->Tokenize(s["arguments"][0][0].get<std::string>(), true);
    if (ctx_toks.ok()) tokens += ctx_toks->size();
    for (const auto& n : s["continuation_tokens"]) tokens += n.get<size_t>();
  }
  double mnemo_s = r->stats.seconds;
  std::string cmd = "'" + tool + "' -m '" + ParseModelSpec(model_spec)->path + "' -f '" +
                    tmp.string() + "' --hellaswag --hellaswag-tasks " +
                    std::to_string(docs->size()) + " -t " + std::to_string(mopt.threads) +
                    " -c 2048 2>&1";
  auto t0 = std::chrono::steady_clock::now();
  FILE* p = popen(cmd.c_str(), "r");
  std::string output;
  char buf[4096];
  while (p != nullptr && fgets(buf, sizeof buf, p) != nullptr) output += buf;
  int rc = p != nullptr ? pclose(p) : -1;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::remove(tmp);
  std::smatch m;
  std::regex start(R"((\d+)\.(\d+)\.(\d+)\.(\d+) I hellaswag_score : calculating)");
  if (rc != 0 || !std::regex_search(output, m, start)) {
    return ReportError(
        Status::Internal("llama-perplexity --hellaswag failed or printed no timing:\n" +
                         output.substr(output.size() > 1500 ? output.size() - 1500 : 0)));
  }
  // Its log stamps start at process start; what follows "calculating" is the scoring.
  double setup =
      std::stod(m[1]) * 60 + std::stod(m[2]) + std::stod(m[3]) / 1e3 + std::stod(m[4]) / 1e6;
  double tool_s = wall - setup;
  std::regex acc_re(std::to_string(docs->size()) + R"(\t([0-9.]+)%)");
  std::string tool_acc = std::regex_search(output, m, acc_re) ? m[1].str() + "%" : "?";
  double ours_acc = 0;
  for (const auto& mm : r->metrics)
    if (mm.name == "acc_norm") ours_acc = mm.value;
  std::printf(
      "bench multiple_choice: task %s, %zu items x 4 choices, %zu tokens (contexts once + "
      "endings), %u threads\n",
      task_name.c_str(), docs->size(), tokens, mopt.threads);
  std::printf("  mnemo (shared-context prefill)  %9.1f tokens/s  %7.1f items/s  (%.2fs)\n",
              tokens / mnemo_s, docs->size() / mnemo_s, mnemo_s);
  std::printf(
      "  llama-perplexity --hellaswag    %9.1f tokens/s  %7.1f items/s  (%.2fs after its set-up)\n",
      tokens / tool_s, docs->size() / tool_s, tool_s);
  std::printf(
      "  ratio mnemo/llama-perplexity: %.3f   (acc_norm: mnemo by characters %.4f, "
      "llama-perplexity by tokens %s)\n",
      tool_s / mnemo_s, ours_acc, tool_acc.c_str());
  return kExitOk;
}

}  // namespace

int RunBenchMemorizationCommand(int argc, char** argv);   // cmd_bench_memorization.cc
int RunBenchDeterministicCommand(int argc, char** argv);  // cmd_bench_deterministic.cc

int RunBenchCommand(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "report")
    return RunBenchReportCommand(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "memorization")
    return RunBenchMemorizationCommand(argc - 1, argv + 1);
  if (argc > 1 && std::string(argv[1]) == "deterministic")
    return RunBenchDeterministicCommand(argc - 1, argv + 1);
  std::string what, model_spec, text_path, task_name, tool = MNEMO_DEFAULT_LLAMA_PERPLEXITY;
  size_t limit = 0;
  uint32_t ctx = 512;
  size_t chunks = 16;
  int repeats = 1;
  ModelOptions mopt;
  po::options_description desc("mnemo bench");
  desc.add_options()("help,h", "show this help")(
      "what", po::value<std::string>(&what)->default_value("scoring"),
      "benchmark: scoring | multiple_choice")(
      "task", po::value<std::string>(&task_name)->default_value("tiny_geo"),
      "multiple_choice: the task")("limit", po::value<size_t>(&limit)->default_value(0),
                                   "multiple_choice: first N items")(
      "model,m", ModelSpecValue(&model_spec)->required(), "llamacpp:PATH (or PATH.gguf)")(
      "text", po::value<std::string>(&text_path), "scoring: plain text file to score")(
      "window", po::value<uint32_t>(&ctx)->default_value(512), "tokens per window / chunk")(
      "chunks", po::value<size_t>(&chunks)->default_value(16), "number of windows")(
      "repeats", po::value<int>(&repeats)->default_value(1),
      "measure each side this many times (best kept)")(
      "llama-perplexity", po::value<std::string>(&tool), "path of llama-perplexity");
  AddModelOptions(&desc, &mopt);
  po::positional_options_description pos;
  pos.add("what", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(
          argc, argv,
          "usage: mnemo bench scoring --model llamacpp:PATH --text FILE [--threads N]\n"
          "       mnemo bench multiple_choice --model llamacpp:PATH [--task tiny_geo] [--threads "
          "N]\n"
          "\nevery bench (each has --help):\n"
          "  scoring         mnemo's rolling scoring vs llama-perplexity on the same text\n"
          "  multiple_choice mnemo's multiple choice vs llama-perplexity's --multiple-choice\n"
          "  memorization    probes/s: batched greedy decoding vs one by one vs "
          "llama-batched-bench\n"
          "  deterministic   --deterministic (batch-invariant) vs the default, per workload\n"
          "  report          reading a run store and writing the HTML report\n"
          "  (scripts/bench-decontam.sh and bench/: corpus scans for decontamination and PII)",
          desc, &pos, &vm, &code))
    return code;
  if (mopt.threads == 0) mopt.threads = DefaultThreads();
  if (what == "multiple_choice")
    return BenchMultipleChoice(model_spec, task_name, limit, tool, mopt);
  if (what != "scoring")
    return ReportError(Status::InvalidArgument("unknown benchmark '" + what +
                                               "' (known: scoring, multiple_choice)"));
  if (text_path.empty())
    return ReportError(Status::InvalidArgument("bench scoring needs --text FILE"));
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());
  auto text = ReadFile(text_path);
  if (!text.ok()) return ReportError(text.status());
  auto toks = om->model->Tokenize(*text, /*add_special=*/false);
  if (!toks.ok()) return ReportError(toks.status());
  size_t need = static_cast<size_t>(ctx) * chunks;
  if (toks->size() < need) {
    return ReportError(Status::InvalidArgument("'" + text_path + "' has " +
                                               std::to_string(toks->size()) + " tokens; need " +
                                               std::to_string(need)));
  }
  // The same tokens on both sides: the text the tool reads is the detokenized prefix.
  std::vector<int32_t> used(toks->begin(), toks->begin() + static_cast<std::ptrdiff_t>(need));
  auto used_text = om->model->Detokenize(used);
  if (!used_text.ok()) return ReportError(used_text.status());
  fs::path tmp = fs::temp_directory_path() / ("mnemo-bench-" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(tmp);
    out << *used_text;
  }

  // mnemo: one rolling request per window-sized slice, so both sides decode `chunks` windows.
  std::vector<Request> requests;
  for (size_t c = 0; c < chunks; ++c) {
    Request r;
    r.kind = MN_REQ_SCORE_ROLLING;
    r.context.assign(used.begin() + static_cast<std::ptrdiff_t>(c * ctx),
                     used.begin() + static_cast<std::ptrdiff_t>((c + 1) * ctx - 1));
    r.window = ctx;
    requests.push_back(std::move(r));
  }
  double best_mnemo = 0;
  for (int i = 0; i < repeats; ++i) {
    SchedulerOptions so;
    so.show_progress = false;
    so.use_cache = false;
    Scheduler scheduler({om->instance.get()}, nullptr, om->model->info().fingerprint, so);
    std::vector<Response> responses;
    RunStats stats;
    Status st = scheduler.Run(requests, &responses, &stats);
    if (!st.ok()) return ReportError(st);
    if (stats.failed > 0) return ReportError(Status::Internal(responses[0].error));
    double tps = static_cast<double>(chunks * ctx) / stats.seconds;
    best_mnemo = std::max(best_mnemo, tps);
  }
  double best_tool = 0;
  ToolRun last;
  for (int i = 0; i < repeats; ++i) {
    auto tr = RunLlamaPerplexity(tool, ParseModelSpec(model_spec)->path, tmp.string(), ctx,
                                 mopt.threads, chunks);
    if (!tr.ok()) {
      fs::remove(tmp);
      return ReportError(tr.status());
    }
    last = *tr;
    best_tool = std::max(best_tool, tr->tokens_per_second);
  }
  fs::remove(tmp);
  std::printf("bench scoring: model %s, %zu windows x %u tokens, %u threads\n",
              om->model->info().name.c_str(), chunks, ctx, mopt.threads);
  std::printf("  mnemo (rolling score)   %10.1f tokens/s\n", best_mnemo);
  std::printf(
      "  llama-perplexity        %10.1f tokens/s  (%ld tokens in %.1f ms, from its own log)\n",
      best_tool, last.tokens, last.ms);
  std::printf("  ratio mnemo/llama-perplexity: %.3f\n", best_mnemo / best_tool);
  return kExitOk;
}

}  // namespace mnemo
