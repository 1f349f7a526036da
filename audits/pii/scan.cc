#include "audits/pii/scan.h"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include "audits/memorization/pii_hook.h"
#include "datasets/io/block_reader.h"
#include "datasets/io/corpus_reader.h"
#include "datasets/io/line_reader.h"
#include "datasets/io/parquet_reader.h"

namespace mnemo::pii {
namespace {

struct DocResult {
  std::string doc;
  int64_t line = 0;
  size_t raw_off = 0, raw_len = 0;
  std::string text;          // JSONL: the decoded field
  bool text_is_raw = false;  // plain text: the text is the raw line
  bool has_text = false;
  bool doc_is_line = false;  // no id: doc is the line number
  nlohmann::json record;
  std::vector<Finding> findings;
};

struct Batch {
  size_t file = 0;
  int piece = -1;           // index into InputOptions::pieces; -1: a whole file
  bool piece_line = false;  // lines count from the piece's first line (not Parquet rows)
  std::string buf;
  std::vector<std::pair<size_t, size_t>> lines;  // offset, length in buf
  int64_t first_line = 0;
  std::vector<DocResult> docs;
  ScanStats stats;
  int64_t missing = 0;
  std::vector<std::string> first_missing;
  Status status;
};

// "<file>:<line>", and for a line counted in a piece that does not start its file, where the
// piece starts (its file line is not known here).
std::string LineWhere(const std::string& file, int64_t line, const CorpusPiece* piece) {
  std::string out = file + ":" + std::to_string(line);
  if (piece != nullptr && !piece->starts_file())
    out += " (line of the piece from byte " + std::to_string(piece->begin) + ")";
  return out;
}

void ProcessBatch(const Scanner& scanner, const InputOptions& opt, const std::string& file,
                  bool jsonl, Batch* b) {
  const CorpusPiece* piece = b->piece_line ? &opt.pieces[static_cast<size_t>(b->piece)] : nullptr;
  b->docs.resize(b->lines.size());
  for (size_t i = 0; i < b->lines.size(); ++i) {
    DocResult& d = b->docs[i];
    // A reused batch's results keep their capacity, not their contents.
    d.doc.clear();
    d.text.clear();
    d.text_is_raw = false;
    d.has_text = false;
    d.doc_is_line = false;
    d.record = nlohmann::json();
    d.findings.clear();
    d.line = b->first_line + static_cast<int64_t>(i);
    d.raw_off = b->lines[i].first;
    d.raw_len = b->lines[i].second;
    std::string_view raw(b->buf.data() + d.raw_off, d.raw_len);
    if (!jsonl) {
      d.doc = std::to_string(d.line);
      d.doc_is_line = true;
      d.text_is_raw = true;
      d.has_text = true;
    } else {
      bool blank = raw.find_first_not_of(" \t\r") == std::string_view::npos;
      if (blank) continue;  // blank lines are not documents
      nlohmann::json rec = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
      if (rec.is_discarded() || !rec.is_object()) {
        b->status = Status::InvalidArgument(LineWhere(file, d.line, piece) +
                                            ": not a JSON object (JSONL input)");
        return;
      }
      const nlohmann::json* t = JsonAtPath(rec, opt.field);
      if (t == nullptr || !t->is_string()) {
        ++b->missing;
        if (b->first_missing.size() < 5) b->first_missing.push_back(LineWhere(file, d.line, piece));
      } else {
        d.text = t->get<std::string>();
        d.has_text = true;
      }
      const nlohmann::json* id = opt.id_field.empty() ? nullptr : JsonAtPath(rec, opt.id_field);
      if (id != nullptr && id->is_string()) {
        d.doc = id->get<std::string>();
      } else if (id != nullptr && id->is_number()) {
        d.doc = id->dump();
      } else {
        d.doc = std::to_string(d.line);
        d.doc_is_line = true;
      }
      if (opt.keep_records) d.record = std::move(rec);
    }
    if (!d.has_text) continue;
    std::string_view text = d.text_is_raw ? raw : std::string_view(d.text);
    Status s = scanner.Scan(text, &d.findings, &b->stats);
    if (!s.ok()) {
      b->status = Status(s.code(), LineWhere(file, d.line, piece) + ": " + s.message());
      return;
    }
  }
}

}  // namespace

Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& patterns) {
  return ExpandCorpusPaths(patterns);
}

bool IsParquetInput(const std::string& path, const std::string& format) {
  return format == "parquet" || (format == "auto" && IsParquetPath(path));
}

bool IsJsonlInput(const std::string& path, const std::string& format) {
  if (format == "jsonl" || format == "parquet") return true;
  if (format == "text") return false;
  return IsJsonlPath(path) || IsParquetPath(path);
}

nlohmann::json* MutableJsonAtPath(nlohmann::json* obj, const std::string& dotted) {
  nlohmann::json* cur = obj;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    std::string key = dotted.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!cur->is_object()) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Status ScanFiles(const Scanner& scanner, const InputOptions& opt, DocSink* sink,
                 ScanTotals* totals) {
  if (opt.format != "auto" && opt.format != "jsonl" && opt.format != "text" &&
      opt.format != "parquet")
    return Status::InvalidArgument("--format must be auto, jsonl, text or parquet (got '" +
                                   opt.format + "')");
  auto files = ExpandInputs(opt.paths);
  if (!files.ok()) return files.status();
  // Parquet rows are read as generated JSONL lines (datasets/io/block_reader.h); a .parquet
  // file is never read as lines of text.
  std::vector<bool> parquet;
  for (const auto& f : *files) {
    parquet.push_back(IsParquetInput(f, opt.format));
    if (!parquet.back() && IsParquetPath(f))
      return Status::InvalidArgument(f + ": format '" + opt.format +
                                     "' would read a Parquet file as lines of text; use format "
                                     "auto or parquet");
  }
  const ParquetColumns columns{opt.field, opt.id_field, ""};
  if (opt.use_pieces) {
    for (const CorpusPiece& p : opt.pieces)
      if (p.file_index >= files->size() || (*files)[p.file_index] != p.path)
        return Status::InvalidArgument("pii: piece of '" + p.path + "' (file " +
                                       std::to_string(p.file_index) +
                                       ") is not a file of the scan's inputs");
    if (totals->piece_lines.size() < opt.pieces.size())
      totals->piece_lines.resize(opt.pieces.size(), 0);
  }
  auto t0 = std::chrono::steady_clock::now();
  int threads = opt.threads > 0
                    ? opt.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Status input_status, output_status;
  std::atomic<bool> stop{false};
  size_t file_idx = 0;
  std::unique_ptr<LineReader> reader;
  std::vector<bool> jsonl;
  for (const auto& f : *files) jsonl.push_back(IsJsonlInput(f, opt.format));
  // Written batches go back to a pool: their buffers keep their capacity, so a batch costs
  // neither the reallocations of growing them nor the page faults of fresh memory.
  std::mutex pool_mu;
  std::vector<std::unique_ptr<Batch>> pool;
  auto recycle = [&](std::unique_ptr<Batch> b) {
    if (!b) return;
    std::lock_guard<std::mutex> lock(pool_mu);
    pool.push_back(std::move(b));
  };

  // A batch from the pool (cleared) or a new one.
  auto take_batch = [&]() {
    std::unique_ptr<Batch> b;
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!pool.empty()) {
        b = std::move(pool.back());
        pool.pop_back();
      }
    }
    if (b) {
      b->buf.clear();
      b->lines.clear();
      b->stats = ScanStats();
      b->missing = 0;
      b->first_missing.clear();
      b->status = Status::Ok();
    } else {
      b = std::make_unique<Batch>();
      b->buf.reserve(opt.batch_bytes + (size_t{64} << 10));
    }
    return b;
  };

  // Block readers (a shard's pieces, and Parquet files): each block of whole lines is one
  // batch, split into lines as LineReader splits them (at '\n', a '\r' before it dropped, a
  // last line without '\n' kept).
  size_t piece_idx = 0;
  std::unique_ptr<BlockReader> block_reader;
  ByteBlock block;
  int64_t piece_line_no = 0;  // lines of the current piece (or Parquet file) read so far
  // The next batch of block_reader's lines: false at its end (it is reset) or on an error
  // (input_status set, the pipeline stopped).
  auto block_batch = [&](tbb::flow_control& fc, std::unique_ptr<Batch>* out) -> bool {
    while (true) {
      uint64_t offset = 0;
      if (!block_reader->Next(&block, &offset)) {
        if (!block_reader->status().ok()) {
          input_status = block_reader->status();
          fc.stop();
        }
        block_reader.reset();
        return false;
      }
      std::unique_ptr<Batch> b = take_batch();
      // Parquet lines are file rows: first_line() is the piece's first row.
      b->first_line = block_reader->first_line() + piece_line_no;
      b->buf.assign(block.data(), block.size());
      size_t pos = 0;
      const size_t size = b->buf.size();
      while (pos < size) {
        const void* nl = std::memchr(b->buf.data() + pos, '\n', size - pos);
        const size_t end = nl != nullptr
                               ? static_cast<size_t>(static_cast<const char*>(nl) - b->buf.data())
                               : size;
        size_t len = end - pos;
        if (len > 0 && b->buf[pos + len - 1] == '\r') --len;
        b->lines.emplace_back(pos, len);
        pos = end + 1;
      }
      piece_line_no += static_cast<int64_t>(b->lines.size());
      if (b->lines.empty()) {
        recycle(std::move(b));
        continue;
      }
      *out = std::move(b);
      return true;
    }
  };
  auto read_piece = [&](tbb::flow_control& fc) -> Batch* {
    while (true) {
      if (!block_reader) {
        if (piece_idx >= opt.pieces.size()) {
          fc.stop();
          return nullptr;
        }
        const CorpusPiece& piece = opt.pieces[piece_idx];
        auto r = parquet[piece.file_index]
                     ? BlockReader::OpenParquetPiece(piece, columns, opt.batch_bytes)
                     : BlockReader::OpenPiece(piece, opt.batch_bytes);
        if (!r.ok()) {
          input_status = r.status();
          fc.stop();
          return nullptr;
        }
        block_reader = std::move(r).value();
        piece_line_no = 0;
      }
      std::unique_ptr<Batch> b;
      if (!block_batch(fc, &b)) {
        if (!input_status.ok()) return nullptr;
        ++piece_idx;
        continue;
      }
      const CorpusPiece& piece = opt.pieces[piece_idx];
      b->file = piece.file_index;
      b->piece = static_cast<int>(piece_idx);
      b->piece_line = !piece.starts_file() && !parquet[piece.file_index];
      return b.release();
    }
  };

  auto read = [&](tbb::flow_control& fc) -> Batch* {
    if (stop.load()) {
      fc.stop();
      return nullptr;
    }
    if (opt.use_pieces) return read_piece(fc);
    while (true) {
      if (!reader && !block_reader) {
        if (file_idx >= files->size()) {
          fc.stop();
          return nullptr;
        }
        if (parquet[file_idx]) {
          auto r = BlockReader::OpenParquet((*files)[file_idx], columns, opt.batch_bytes);
          if (!r.ok()) {
            input_status = r.status();
            fc.stop();
            return nullptr;
          }
          block_reader = std::move(r).value();
          piece_line_no = 0;
        } else {
          auto r = LineReader::Open((*files)[file_idx]);
          if (!r.ok()) {
            input_status = r.status();
            fc.stop();
            return nullptr;
          }
          reader = std::move(r).value();
        }
      }
      if (block_reader) {
        std::unique_ptr<Batch> b;
        if (!block_batch(fc, &b)) {
          if (!input_status.ok()) return nullptr;
          ++file_idx;
          continue;
        }
        b->file = file_idx;
        b->piece = -1;
        b->piece_line = false;
        return b.release();
      }
      std::unique_ptr<Batch> b = take_batch();
      b->file = file_idx;
      b->piece = -1;
      b->piece_line = false;
      b->first_line = reader->line_number() + 1;
      std::string_view line;
      while (b->buf.size() < opt.batch_bytes && b->lines.size() < 65536 && reader->Next(&line)) {
        b->lines.emplace_back(b->buf.size(), line.size());
        b->buf.append(line.data(), line.size());
      }
      if (!reader->status().ok()) {
        input_status = reader->status();
        fc.stop();
        return nullptr;
      }
      if (b->lines.empty()) {  // end of this file
        recycle(std::move(b));
        reader.reset();
        ++file_idx;
        continue;
      }
      return b.release();
    }
  };
  auto scan = [&](Batch* b) -> Batch* {
    if (b == nullptr) return nullptr;
    if (!stop.load()) ProcessBatch(scanner, opt, (*files)[b->file], jsonl[b->file], b);
    return b;
  };
  auto write = [&](Batch* b) {
    struct Recycle {  // whatever way the batch leaves, it goes back to the pool
      std::unique_ptr<Batch> owned;
      decltype(recycle)& to;
      ~Recycle() { to(std::move(owned)); }
    } owned{std::unique_ptr<Batch>(b), recycle};
    if (b == nullptr || stop.load()) return;
    if (!b->status.ok()) {
      output_status = b->status;
      stop.store(true);
      return;
    }
    totals->stats.Add(b->stats);
    totals->lines += static_cast<int64_t>(b->lines.size());
    if (b->piece >= 0)
      totals->piece_lines[static_cast<size_t>(b->piece)] += static_cast<int64_t>(b->lines.size());
    totals->missing_field += b->missing;
    for (auto& m : b->first_missing)
      if (totals->first_missing.size() < 5) totals->first_missing.push_back(m);
    ScannedDoc sd;
    sd.origin = "file:" + (*files)[b->file];
    sd.piece = b->piece;
    sd.piece_line = b->piece_line;
    for (auto& d : b->docs) {
      totals->input_bytes += static_cast<int64_t>(d.raw_len) + 1;
      if (d.doc.empty() && !d.has_text) continue;  // blank JSONL line
      sd.doc = d.doc;
      sd.line = d.line;
      sd.doc_is_line = d.doc_is_line;
      sd.raw = std::string_view(b->buf.data() + d.raw_off, d.raw_len);
      sd.text = d.text_is_raw ? sd.raw : std::string_view(d.text);
      sd.has_text = d.has_text;
      sd.record = opt.keep_records && !d.record.is_null() ? &d.record : nullptr;
      sd.findings = &d.findings;
      if (d.has_text) ++totals->docs;
      Status s = sink->OnDoc(sd);
      if (!s.ok()) {
        output_status = s;
        stop.store(true);
        return;
      }
    }
  };
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) * 3,
        tbb::make_filter<void, Batch*>(tbb::filter_mode::serial_in_order, read) &
            tbb::make_filter<Batch*, Batch*>(tbb::filter_mode::parallel, scan) &
            tbb::make_filter<Batch*, void>(tbb::filter_mode::serial_in_order, write));
  });
  totals->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!input_status.ok()) return input_status;
  return output_status;
}

Result<int64_t> LatestRunWithProbes(sqlite3* db) {
  return memorization::LatestRunWithProbes(db);
}

Status ScanMemorized(const Scanner& scanner, RunStore* store, int64_t run_id, DocSink* sink,
                     ScanTotals* totals) {
  auto t0 = std::chrono::steady_clock::now();
  auto memorised = memorization::ListMemorizedContinuations(store->db(), run_id, 0,
                                                            memorization::MemorizedSelect::kApprox);
  if (!memorised.ok()) return memorised.status();
  // job -> the run's name of its model
  std::map<int64_t, std::string> model_of_job;
  {
    auto jobs = store->ListJobs(run_id);
    if (!jobs.ok()) return jobs.status();
    auto models = store->ListRunModels(run_id);
    if (!models.ok()) return models.status();
    for (const auto& j : *jobs)
      for (const auto& m : *models)
        if (m.model_id == j.model_id) model_of_job[j.id] = m.name;
  }
  Status status;
  int64_t n = 0;
  std::vector<Finding> findings;
  for (const memorization::MemorizedContinuation& m : *memorised) {
    ++n;
    findings.clear();
    status = scanner.Scan(m.output_text, &findings, &totals->stats);
    if (!status.ok()) break;
    ScannedDoc sd;
    sd.origin = "mem_probes";
    sd.doc = m.probe_id;
    sd.probe_job = m.job_id;
    auto model = model_of_job.find(m.job_id);
    if (model != model_of_job.end()) sd.model = model->second;
    sd.line = n;
    sd.text = m.output_text;
    sd.has_text = true;
    sd.findings = &findings;
    ++totals->docs;
    ++totals->lines;
    totals->input_bytes += static_cast<int64_t>(m.output_text.size());
    status = sink->OnDoc(sd);
    if (!status.ok()) break;
  }
  totals->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return status;
}

}  // namespace mnemo::pii
