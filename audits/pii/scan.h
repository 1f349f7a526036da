// The streaming scan: files (plain text, one document per line, or JSONL with the text at a
// dotted field path; plain, .gz or .zst) through a oneTBB pipeline — a serial reader cuts
// batches of whole lines (about 4 MB), the scanner runs on them in parallel, and a serial
// writer hands every document with its findings to a sink in input order. Memory is bounded
// by a few batches per thread plus the longest line. Also: the memorised continuations of a
// run's memorisation audit (table mem_probes, rows with exact=1 or approx=1).
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
#include "harness/core/status.h"
#include "harness/store/run_store.h"

struct sqlite3;

namespace mnemo::pii {

struct InputOptions {
  std::vector<std::string> paths;  // files or glob patterns
  std::string format = "auto";     // auto (.jsonl/.json/.ndjson[.gz|.zst] are JSONL) | jsonl | text
  std::string field = "text";      // JSONL: dotted path of the text
  std::string id_field = "id";     // JSONL: the document id (absent: the line number)
  size_t batch_bytes = size_t{4} << 20;
  int threads = 0;            // 0: all cores
  bool keep_records = false;  // keep parsed JSONL records for the sink (redaction)
};

// One scanned document, valid during the sink call.
struct ScannedDoc {
  std::string origin;  // "file:<path>" or "mem_probes"
  std::string doc;     // id field, else the 1-based line number; probe_id for mem_probes
  std::string model;   // mem_probes: the run's name of the model that wrote the output
  int64_t line = 0;
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
};

Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& patterns);
bool IsJsonlInput(const std::string& path, const std::string& format);

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
