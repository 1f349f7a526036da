// The streaming scan: files (plain text, one document per line, or JSONL with the text at a
// dotted field path; plain, .gz or .zst; or Parquet, each row read as a JSONL line with the
// text and id fields, datasets/io/block_reader.h) through a oneTBB pipeline — a serial reader cuts
// batches of whole lines (about 4 MB), the scanner runs on them in parallel, and a serial
// writer hands every document with its findings to a sink in input order. Memory is bounded
// by a few batches per thread plus the longest line. Also: the memorised continuations of a
// run's memorisation audit (table mem_probes, rows with exact=1 or approx=1).
//
// Shard runs (docs/slurm.md) read pieces of the files instead (InputOptions::pieces,
// datasets/io/corpus_pieces.h): in a piece that does not start its file, lines count from the
// piece's first line (but Parquet pieces' lines are file rows), and a document without an id
// says so (ScannedDoc::piece_line), so a merge
// can restore file lines from every piece's line count (ScanTotals::piece_lines).
//
// Thread-safety: ScanFiles and ScanMemorized call the sink from one thread at a time.
#ifndef MNEMO_AUDITS_PII_SCAN_H_
#define MNEMO_AUDITS_PII_SCAN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/pii/engine.h"
#include "datasets/io/corpus_pieces.h"
#include "harness/core/status.h"
#include "harness/store/run_store.h"

struct sqlite3;

namespace mnemo::pii {

struct InputOptions {
  std::vector<std::string> paths;  // files or glob patterns
  // auto (.jsonl/.json/.ndjson[.gz|.zst] are JSONL, .parquet Parquet) | jsonl | text | parquet
  std::string format = "auto";
  std::string field = "text";   // JSONL: dotted path of the text
  std::string id_field = "id";  // JSONL: the document id (absent: the line number)
  size_t batch_bytes = size_t{4} << 20;
  int threads = 0;            // 0: all cores
  bool keep_records = false;  // keep parsed JSONL records for the sink (redaction)
  // true: read only `pieces` (a shard's part of the expanded `paths`, in corpus order; may be
  // empty) instead of every file whole. Each piece's file_index and path must name the file at
  // that place in the expansion of `paths`.
  bool use_pieces = false;
  std::vector<CorpusPiece> pieces;
};

// One scanned document, valid during the sink call.
struct ScannedDoc {
  std::string origin;  // "file:<path>" or "mem_probes"
  std::string doc;     // id field, else the 1-based line number; probe_id for mem_probes
  std::string model;   // mem_probes: the run's name of the model that wrote the output
  int64_t line = 0;  // 1-based (Parquet: the file row); from the piece's first line when piece_line
  int piece = -1;    // index into InputOptions::pieces; -1 when files are read whole
  bool piece_line = false;           // `line` counts from a piece that does not start its file
  bool doc_is_line = false;          // `doc` is `line` (plain text, or JSONL without the id field)
  int64_t probe_job = 0;             // mem_probes: the memorisation job whose probe this is
  std::string_view raw;              // the input line as read ("" for mem_probes)
  std::string_view text;             // what was scanned
  bool has_text = false;             // false: a JSONL line without the text field (not scanned)
  nlohmann::json* record = nullptr;  // the parsed JSONL line when keep_records
  const std::vector<Finding>* findings = nullptr;
};

class DocSink {
 public:
  virtual ~DocSink() = default;
  virtual Status OnDoc(const ScannedDoc& doc) = 0;
};

struct ScanTotals {
  ScanStats stats;
  int64_t docs = 0;                        // documents scanned
  int64_t lines = 0;                       // lines read
  int64_t input_bytes = 0;                 // bytes of input lines (decompressed)
  int64_t missing_field = 0;               // JSONL lines without a string text field
  std::vector<std::string> first_missing;  // "<file>:<line>", at most 5
  double seconds = 0.0;
  std::vector<int64_t> piece_lines;  // use_pieces: lines read per piece (InputOptions::pieces)
};

Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& patterns);
// Whether `path` is read as JSONL lines (Parquet rows are), and as Parquet, under `format`.
bool IsJsonlInput(const std::string& path, const std::string& format);
bool IsParquetInput(const std::string& path, const std::string& format);

Status ScanFiles(const Scanner& scanner, const InputOptions& options, DocSink* sink,
                 ScanTotals* totals);

// The run whose mem_probes are scanned by default: the latest run that has any; NotFound if none.
Result<int64_t> LatestRunWithProbes(sqlite3* db);
// Scans output_text of every mem_probes row of `run_id`'s jobs with exact=1 or approx=1; each
// document names the model (the run's name for it) whose output it is.
Status ScanMemorized(const Scanner& scanner, RunStore* store, int64_t run_id, DocSink* sink,
                     ScanTotals* totals);

// The value at a dotted path, created if missing (for writing a redacted field back).
nlohmann::json* MutableJsonAtPath(nlohmann::json* obj, const std::string& dotted);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_SCAN_H_
