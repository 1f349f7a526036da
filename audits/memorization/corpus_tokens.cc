#include "audits/memorization/corpus_tokens.h"

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "harness/scheduler/progress.h"

namespace mnemo {
namespace memorization {
namespace {

constexpr size_t kBatchBytes = size_t{256} << 10;
constexpr size_t kMaxBatchDocs = 256;

struct Batch {
  size_t bytes = 0;  // text bytes read (for progress)
  std::vector<CorpusDocument> docs;
  std::vector<Result<std::vector<int32_t>>> tokens;
};

Status Replay(const CorpusTokenCache::Entry& entry, const TokenizedDocFn& fn, CorpusStats* stats,
              const PassProgress& pp) {
  Progress progress(pp.job + ": " + pp.what + " (tokens from an earlier pass)", entry.docs.size(),
                    pp.enabled);
  for (const auto& d : entry.docs) {
    Status s = fn(d.meta, d.tokens);
    if (!s.ok()) {
      progress.Stop();
      return s;
    }
    progress.Advance();
  }
  if (stats != nullptr) *stats = entry.stats;
  return Status::Ok();
}

}  // namespace

Status ForEachTokenizedDocument(const CorpusOptions& corpus, const TokenizeFn& tokenize,
                                const TokenizedDocFn& fn, CorpusStats* stats,
                                const TokenCacheRef& cache, const PassProgress& pp) {
  std::string key;
  if (cache.cache != nullptr) {
    auto k = CorpusTokenCache::Key(corpus, cache.tokenizer_id);
    if (k.ok()) {
      key = std::move(k).value();
      if (const auto* entry = cache.cache->Find(key)) return Replay(*entry, fn, stats, pp);
    }
  }
  auto reader = CorpusReader::Open(corpus);
  if (!reader.ok()) return reader.status();
  // The files' size estimates the text to come (JSON syntax and ids make it a little more);
  // a compressed file's decoded size is not known in advance.
  uint64_t total = 0;
  for (const auto& f : (*reader)->files()) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(f, ec);
    const bool compressed =
        f.size() > 3 && (f.compare(f.size() - 3, 3, ".gz") == 0 ||
                         (f.size() > 4 && f.compare(f.size() - 4, 4, ".zst") == 0));
    if (ec || compressed) {
      total = Progress::kUnknownTotal;
      break;
    }
    total += size;
  }
  Progress progress(pp.job + ": tokenising corpus, " + pp.what, total, pp.enabled,
                    Progress::Unit::kBytes);
  // Collected for the cache while they fit its budget.
  bool collect = !key.empty();
  CorpusTokenCache::Entry collected;

  // The serial stages run on different threads: each has its own status; `stop` ends both.
  Status input_status, output_status;
  std::atomic<bool> stop{false};
  bool more = true;
  auto read = [&](tbb::flow_control& fc) -> Batch* {
    if (stop || !more) {
      fc.stop();
      return nullptr;
    }
    auto batch = std::make_unique<Batch>();
    size_t bytes = 0;
    while (bytes < kBatchBytes && batch->docs.size() < kMaxBatchDocs) {
      batch->docs.emplace_back();
      if (!(more = (*reader)->Next(&batch->docs.back()))) {
        batch->docs.pop_back();
        break;
      }
      bytes += batch->docs.back().text.size() + 1;
    }
    batch->bytes = bytes;
    if (!(*reader)->status().ok()) {
      input_status = (*reader)->status();
      stop = true;
      fc.stop();
      return nullptr;
    }
    if (batch->docs.empty()) {
      fc.stop();
      return nullptr;
    }
    return batch.release();
  };
  auto tokenize_batch = [&](Batch* b) -> Batch* {
    b->tokens.reserve(b->docs.size());
    for (auto& d : b->docs) {
      b->tokens.push_back(tokenize(d.text));
      std::string().swap(d.text);  // the text is not needed after this stage
      d.record = nullptr;
    }
    return b;
  };
  auto deliver = [&](Batch* raw) {
    std::unique_ptr<Batch> b(raw);
    for (size_t i = 0; i < b->docs.size() && !stop; ++i) {
      CorpusDocument& d = b->docs[i];
      auto& toks = b->tokens[i];
      if (!toks.ok()) {
        output_status = Status(toks.status().code(), d.file + ":" + std::to_string(d.line) + ": " +
                                                         toks.status().message());
        stop = true;
        break;
      }
      Status s = fn(d, *toks);
      if (!s.ok()) {
        output_status = s;
        stop = true;
        break;
      }
      if (collect) {
        CorpusTokenCache::Doc doc{std::move(d), std::move(toks).value()};
        // Model::Tokenize leaves room for a token per text byte; keep only the tokens.
        doc.tokens.shrink_to_fit();
        collected.bytes += CorpusTokenCache::DocBytes(doc);
        collected.docs.push_back(std::move(doc));
        if (collected.bytes > cache.cache->budget()) {
          collect = false;
          collected = CorpusTokenCache::Entry();
        }
      }
    }
    progress.Advance(b->bytes);
  };
  const size_t live = static_cast<size_t>(tbb::this_task_arena::max_concurrency()) * 8;
  tbb::parallel_pipeline(
      live, tbb::make_filter<void, Batch*>(tbb::filter_mode::serial_in_order, read) &
                tbb::make_filter<Batch*, Batch*>(tbb::filter_mode::parallel, tokenize_batch) &
                tbb::make_filter<Batch*, void>(tbb::filter_mode::serial_in_order, deliver));
  // A document's problem comes before a read error found further on.
  if (!output_status.ok() || !input_status.ok()) progress.Stop();
  if (!output_status.ok()) return output_status;
  if (!input_status.ok()) return input_status;
  progress.Finish();
  if (stats != nullptr) *stats = (*reader)->stats();
  if (collect) {
    collected.stats = (*reader)->stats();
    cache.cache->Insert(key, std::move(collected));
  }
  return Status::Ok();
}

}  // namespace memorization
}  // namespace mnemo
