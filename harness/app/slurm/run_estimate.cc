#include "harness/app/slurm/run_estimate.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "datasets/io/corpus_reader.h"

namespace mnemo {
namespace slurm {
namespace {

namespace fs = std::filesystem;

// Slow CPU rates per core (docs/slurm.md, "Resource estimates").
constexpr double kScanBytesPerSec = 100e6;     // decontamination scan (measured ~300 MB/s)
constexpr double kPiiBytesPerSec = 50e6;       // PII scan
constexpr double kTokeniseBytesPerSec = 20e6;  // memorisation corpus passes (tokenising)
constexpr double kMemoryBandwidth = 5e9;       // bytes/s one decode step streams the weights at
constexpr double kLoadBytesPerSec = 200e6;     // reading a model from a shared filesystem
constexpr double kTaskJobSeconds = 1800;       // flat allowance per task job and model
constexpr uint64_t kBaseBytes = uint64_t{1} << 30;     // the process, indexes, buffers
constexpr uint64_t kIndexBytes = uint64_t{512} << 20;  // a decontamination job's eval index
constexpr uint64_t kMinSeconds = 600;

std::string Human(double bytes) {
  char b[32];
  if (bytes >= 1e9)
    std::snprintf(b, sizeof b, "%.1f GB", bytes / 1e9);
  else
    std::snprintf(b, sizeof b, "%.1f MB", bytes / 1e6);
  return b;
}

// Total bytes of the files a job field names (a string or a list of paths or patterns).
Result<uint64_t> FieldBytes(const nlohmann::json& job, const char* key, const std::string& dir,
                            const std::string& where) {
  if (!job.contains(key)) return uint64_t{0};
  std::vector<std::string> patterns;
  const auto& v = job[key];
  auto resolve = [&](const std::string& p) {
    return fs::path(p).is_relative() ? (fs::path(dir) / p).lexically_normal().string() : p;
  };
  if (v.is_string()) patterns.push_back(resolve(v.get<std::string>()));
  if (v.is_array())
    for (const auto& p : v)
      if (p.is_string()) patterns.push_back(resolve(p.get<std::string>()));
  auto files = ExpandCorpusPaths(patterns);
  if (!files.ok())
    return Status::InvalidArgument(where + "." + key + ": " + files.status().message());
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : *files) total += fs::file_size(f, ec);
  return total;
}

}  // namespace

Result<ShardEstimate> EstimateRunShard(const nlohmann::json& config, const std::string& dir,
                                       size_t shards, size_t cpus) {
  ShardEstimate e;
  shards = std::max<size_t>(shards, 1);
  cpus = std::max<size_t>(cpus, 1);
  uint64_t max_model = 0, all_models = 0;
  size_t n_models = 0;
  for (const auto& m : config.value("models", nlohmann::json::array())) {
    const std::string spec = m.value("model", std::string());
    const size_t colon = spec.find(':');
    if (colon == std::string::npos || spec.find("://") != std::string::npos) continue;
    fs::path p = spec.substr(colon + 1);
    if (p.is_relative()) p = fs::path(dir) / p;
    std::error_code ec;
    const uint64_t bytes = fs::file_size(p, ec);
    if (ec) continue;  // not a file (a server URL): no local weights
    max_model = std::max(max_model, bytes);
    all_models += bytes;
    ++n_models;
  }
  double seconds = 0;
  uint64_t mem = kBaseBytes + max_model + max_model / 4;  // weights + KV cache and compute
  if (n_models > 0) {
    e.basis.push_back(std::to_string(n_models) + " local model(s), largest " + Human(max_model) +
                      ": memory weights x 1.25, load at 200 MB/s");
    seconds += all_models / kLoadBytesPerSec;
  }
  const double decode_step = std::max(1e-3, max_model / kMemoryBandwidth);  // s per token
  const auto jobs = config.value("jobs", nlohmann::json::array());
  bool index = false;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto& j = jobs[i];
    const std::string kind = j.value("kind", std::string());
    const std::string where = "jobs[" + std::to_string(i) + "]";
    if (kind == "decontam") {
      auto b = FieldBytes(j, "corpus", dir, where);
      if (!b.ok()) return b.status();
      seconds += *b / static_cast<double>(shards) / (kScanBytesPerSec * cpus);
      index = true;
      e.basis.push_back(where + " decontam: " + Human(*b) + " corpus / " + std::to_string(shards) +
                        " shards at 100 MB/s per CPU, eval index 512 MB");
    } else if (kind == "pii" && !j.contains("paths")) {
      e.basis.push_back(where + " pii: the run's memorised outputs (seconds)");
    } else if (kind == "pii") {
      auto b = FieldBytes(j, "paths", dir, where);
      if (!b.ok()) return b.status();
      seconds += *b / static_cast<double>(shards) / (kPiiBytesPerSec * cpus);
      e.basis.push_back(where + " pii: " + Human(*b) + " / " + std::to_string(shards) +
                        " shards at 50 MB/s per CPU");
    } else if (kind == "memorization" || kind == "memorisation") {
      auto b = FieldBytes(j, "corpus", dir, where);
      if (!b.ok()) return b.status();
      auto pb = FieldBytes(j, "probes", dir, where);
      if (!pb.ok()) return pb.status();
      // Probes: the sample size, or about one per 200 bytes of a probes file.
      const double probes = j.contains("probes") ? *pb / 200.0 : j.value("samples", 1000.0);
      const double tokens = j.value("suffix", 50.0) + j.value("prefix", 50.0) / 16.0;
      const double decode = std::max<size_t>(n_models, 1) * probes / shards * tokens * decode_step;
      seconds += *b / (kTokeniseBytesPerSec * cpus) + decode;
      mem += uint64_t{256} << 20;  // the token cache
      e.basis.push_back(where + " memorization: " + Human(*b) + " corpus read whole by every " +
                        "shard at 20 MB/s per CPU; ~" + std::to_string(static_cast<long>(probes)) +
                        " probes / " + std::to_string(shards) + " decoded at " +
                        std::to_string(static_cast<long>(1.0 / decode_step)) + " tokens/s");
    } else if (kind == "tasks") {
      seconds += kTaskJobSeconds * std::max<size_t>(n_models, 1) / shards;
      e.basis.push_back(where + " tasks: a flat 30 min per model / " + std::to_string(shards) +
                        " shards (documents are not counted)");
    }
  }
  if (index) mem += kIndexBytes;
  e.mem_bytes = mem;
  e.seconds = std::max<uint64_t>(kMinSeconds, static_cast<uint64_t>(2 * seconds) + 60);
  const uint64_t gib = (mem + (uint64_t{1} << 30) - 1) >> 30;
  e.mem = std::to_string(gib) + "G";
  const uint64_t minutes = (e.seconds + 59) / 60;
  char t[32];
  std::snprintf(t, sizeof t, "%02llu:%02llu:00", static_cast<unsigned long long>(minutes / 60),
                static_cast<unsigned long long>(minutes % 60));
  e.time = t;
  return e;
}

}  // namespace slurm
}  // namespace mnemo
