// `mnemo bench deterministic`: what the llamacpp backend's batch-invariant mode (opt-in with
// `--deterministic`; backends/llamacpp/decoder.h) costs, against the same backend's default
// {"deterministic": false} (llama.cpp's fastest shapes: 512-token calls, tiled attention, freed KV
// cells reused at once), measured in the same run on the same model, threads and tokens.
//
// Workloads, built from the documents of a JSONL corpus (field "text") with at least 340
// tokens: scoring (64 requests, 320 context + 20 continuation tokens), multiple choice (16
// contexts of 320 tokens x 4 one-token choices), rolling log-likelihood (16 documents of up to
// 1024 tokens, 512-token windows), generation (32 prompts of 64 tokens + 64 greedy tokens in
// one call) and one generation alone (128 tokens). Each workload runs --rounds times per mode,
// the modes alternating; the best round counts (other load only slows a round down). Printed:
// tokens/s per mode and the ratio deterministic / baseline per workload and for all of them
// together (total best times).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/app/commands.h"
#include "harness/app/common.h"

namespace mnemo {
namespace po = boost::program_options;

namespace {

struct Workload {
  const char* name;
  const char* unit;
  std::vector<Request> requests;
  double amount = 0;  // tokens (or requests) per round
  double best[2] = {1e30, 1e30};
};

Request Score(const std::vector<int32_t>& d, size_t ctx, size_t n) {
  Request r;
  r.kind = MN_REQ_SCORE;
  r.context.assign(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(ctx));
  r.continuation.assign(d.begin() + static_cast<std::ptrdiff_t>(ctx),
                        d.begin() + static_cast<std::ptrdiff_t>(ctx + n));
  return r;
}

Request Greedy(const std::vector<int32_t>& d, size_t prompt, uint32_t n) {
  Request r;
  r.kind = MN_REQ_GENERATE;
  r.context.assign(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(prompt));
  r.gen.max_tokens = n;
  r.gen.greedy = true;
  return r;
}

std::vector<Workload> BuildWorkloads(const std::vector<std::vector<int32_t>>& docs) {
  std::vector<Workload> w(5);
  w[0] = {"score", "tok/s", {}, 0, {1e30, 1e30}};
  for (const auto& d : docs) {
    w[0].requests.push_back(Score(d, 320, 20));
    w[0].amount += 340;
  }
  w[1] = {"multiple choice", "req/s", {}, 0, {1e30, 1e30}};
  for (size_t i = 0; i < 16; ++i) {
    for (size_t c = 0; c < 4; ++c) {
      Request r = Score(docs[i], 320, 0);
      r.continuation = {docs[i][320 + c]};
      w[1].requests.push_back(std::move(r));
    }
  }
  w[1].amount = 64;
  w[2] = {"rolling", "tok/s", {}, 0, {1e30, 1e30}};
  for (size_t i = 0; i < 16; ++i) {
    const size_t n = std::min<size_t>(docs[i].size(), 1025);
    Request r;
    r.kind = MN_REQ_SCORE_ROLLING;
    r.context.assign(docs[i].begin() + 1, docs[i].begin() + static_cast<std::ptrdiff_t>(n));
    r.window = 512;
    w[2].requests.push_back(std::move(r));
    w[2].amount += static_cast<double>(n - 1);
  }
  w[3] = {"generate x32", "tok/s", {}, 32 * 64, {1e30, 1e30}};
  for (size_t i = 0; i < 32; ++i) w[3].requests.push_back(Greedy(docs[i], 64, 64));
  w[4] = {"generate x1", "tok/s", {Greedy(docs[0], 64, 128)}, 128, {1e30, 1e30}};
  return w;
}

// One execute call; false (with a message) when any request failed.
bool RunOnce(Instance* instance, const std::vector<Request>& reqs, double* seconds) {
  std::vector<const Request*> ptrs;
  for (const Request& r : reqs) ptrs.push_back(&r);
  size_t bad = 0;
  std::string first_error;
  const auto start = std::chrono::steady_clock::now();
  Status s = instance->Execute(ptrs, [&](size_t, Response&& r) {
    if (!r.ok() && bad++ == 0) first_error = r.error;
  });
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) first_error = s.ToString();
  if (!s.ok() || bad > 0) {
    std::fprintf(stderr, "mnemo: error: bench request failed: %s\n", first_error.c_str());
    return false;
  }
  return true;
}

}  // namespace

int RunBenchDeterministicCommand(int argc, char** argv) {
  std::string model_spec, corpus;
  int rounds = 3;
  ModelOptions mopt;
  po::options_description desc("mnemo bench deterministic");
  desc.add_options()("help,h", "show this help")("model,m", ModelSpecValue(&model_spec)->required(),
                                                 "llamacpp:PATH (or PATH.gguf)")(
      "corpus", po::value<std::string>(&corpus)->required(),
      "JSONL documents with a \"text\" field (64 of at least 340 tokens are used)")(
      "rounds", po::value<int>(&rounds)->default_value(3), "rounds per mode (best kept)");
  AddModelOptions(&desc, &mopt);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo bench deterministic --model llamacpp:PATH --corpus FILE "
                        "[--rounds 3] [--threads N]",
                        desc, nullptr, &vm, &code))
    return code;
  if (mopt.threads == 0) mopt.threads = DefaultThreads();
  if (!mopt.extra_json.empty()) {
    return ReportError(Status::InvalidArgument(
        "bench deterministic sets --backend-options itself ({\"deterministic\": true|false})"));
  }
  ModelOptions on = mopt, off = mopt;
  on.extra_json = R"({"deterministic": true})";
  off.extra_json = R"({"deterministic": false})";
  on.deterministic = off.deterministic = false;  // the options above decide, not the flag
  auto det = OpenModelSpec(model_spec, on);
  if (!det.ok()) return ReportError(det.status());
  auto base = OpenModelSpec(model_spec, off);
  if (!base.ok()) return ReportError(base.status());

  std::vector<std::vector<int32_t>> docs;
  {
    std::ifstream in(corpus);
    if (!in) return ReportError(Status::NotFound("cannot read corpus '" + corpus + "'"));
    std::string line;
    size_t line_no = 0;
    while (docs.size() < 64 && std::getline(in, line)) {
      ++line_no;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string()) {
        return ReportError(Status::InvalidArgument(corpus + ":" + std::to_string(line_no) +
                                                   ": not a JSON object with a string \"text\""));
      }
      auto ids = det->model->Tokenize(j["text"].get<std::string>(), /*add_special=*/true);
      if (!ids.ok()) return ReportError(ids.status());
      if (ids->size() >= 340) docs.push_back(std::move(ids).value());
    }
    if (docs.size() < 64) {
      return ReportError(
          Status::InvalidArgument("'" + corpus + "' has " + std::to_string(docs.size()) +
                                  " documents of at least 340 tokens; the benchmark needs 64"));
    }
  }
  std::vector<Workload> work = BuildWorkloads(docs);
  Instance* instances[2] = {det->instance.get(), base->instance.get()};
  for (Instance* inst : instances) {  // warm-up: page in the weights, size the buffers
    double t = 0;
    if (!RunOnce(inst, {work[0].requests[0]}, &t)) return kExitFailure;
  }
  for (int round = 0; round < rounds; ++round) {
    for (Workload& w : work) {
      for (int m = 0; m < 2; ++m) {
        const int mode = (round + m) % 2;  // alternate which mode goes first
        double t = 0;
        if (!RunOnce(instances[mode], w.requests, &t)) return kExitFailure;
        w.best[mode] = std::min(w.best[mode], t);
      }
    }
  }
  std::printf("bench deterministic: model %s, %u threads, best of %d rounds\n",
              det->model->info().name.c_str(), mopt.threads, rounds);
  std::printf("  %-16s %14s %14s %8s\n", "workload", "deterministic", "baseline", "ratio");
  double total[2] = {0, 0};
  for (const Workload& w : work) {
    std::printf("  %-16s %8.1f %-5s %8.1f %-5s %8.3f\n", w.name, w.amount / w.best[0], w.unit,
                w.amount / w.best[1], w.unit, w.best[1] / w.best[0]);
    total[0] += w.best[0];
    total[1] += w.best[1];
  }
  std::printf("  %-16s %12.3f s %12.3f s %8.3f  (throughput deterministic / baseline)\n",
              "all workloads", total[0], total[1], total[1] / total[0]);
  return kExitOk;
}

}  // namespace mnemo
