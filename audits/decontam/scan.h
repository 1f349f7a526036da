// The corpus side: streams training corpora (JSON Lines or text; plain, .gz, .zst; Parquet,
// its rows as JSONL lines; many files) through a oneTBB pipeline and marks which eval n-grams
// occur, with evidence.
//
// Stages: a serial reader cuts each file into ~4 MiB blocks of whole lines (decompressing
// .gz/.zst); blocks are processed in parallel (per line: find the text field with a fast
// JSON walker and unescape only that string, falling back to nlohmann for odd lines;
// normalise and hash units in one pass into a per-thread buffer of about a thousand units;
// then, per buffer, roll prefix hashes and the run of vocabulary units branch-free, and
// probe the prefilter for every candidate n-gram in a tight loop of independent loads);
// a serial in-order stage numbers lines and keeps the first K evidence documents per item in
// corpus order, so results are deterministic whatever the thread count. A document is one
// JSONL line or one text line; n-gram windows never span two documents.
//
// Memory: (2 x threads + 1) blocks in flight + the eval index + per-thread bitsets; the bound
// is computed before the scan (ScanResult::memory_bound_bytes) and printed by the CLI.
//
// Thread-safety: ScanCorpus is reentrant; it uses its own task arena.
#ifndef MNEMO_AUDITS_DECONTAM_SCAN_H_
#define MNEMO_AUDITS_DECONTAM_SCAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "audits/decontam/eval_index.h"
#include "audits/decontam/units.h"
#include "datasets/io/corpus_pieces.h"
#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

struct ScanOptions {
  std::vector<std::string> files;  // this shard's files, in order
  std::vector<uint32_t> file_ids;  // each file's index in the whole (unsharded) list
  // Non-empty: files[k] is pieces[k].path and only that byte range is read (a shard's part,
  // corpus_pieces.h); lines then count from each piece's first line (Evidence::piece_line),
  // except in Parquet pieces (row groups), whose lines are file rows.
  std::vector<CorpusPiece> pieces;
  // auto (.parquet: Parquet; .jsonl/.json/.ndjson[.gz|.zst]: JSONL; else text) | jsonl | text |
  // parquet. Parquet rows are read as JSONL lines with the text and id fields
  // (datasets/io/block_reader.h); a .parquet file is never read as text or JSONL.
  std::string format = "auto";
  std::string text_field = "text";
  std::string id_field = "id";
  size_t threads = 0;  // 0: all cores
  size_t block_bytes = size_t{4} << 20;
  size_t evidence = 3;          // evidence documents kept per item
  size_t evidence_bytes = 300;  // longest matched text kept per evidence entry
};

struct Evidence {
  uint32_t file_id = 0;  // index in the whole corpus file list
  std::string file;
  int64_t line = 0;          // 1-based line (Parquet: row) (in its piece when piece_line)
  std::string doc;           // the document's id field, or "<file stem>:<line>"
  uint32_t piece = 0;        // the piece's ordinal in its file (CorpusPiece::ordinal)
  bool piece_line = false;   // `line` (and a fallback `doc`) count from the piece's first line
  bool fallback_id = false;  // `doc` is "<file stem>:<line>" (no id field)
  int64_t offset = -1;  // byte offset of the match in the document's (decoded) text; -1 unknown
  int64_t length = 0;
  int64_t ngrams = 0;  // matched n-gram positions in this document for this item
  std::string text;    // the matched corpus text (truncated to evidence_bytes)
};

struct ScanStats {
  int64_t files = 0;  // files begun (a piece that does not start its file does not count)
  int64_t bytes = 0;  // decoded bytes (Parquet: of the rows' generated JSONL lines)
  int64_t lines = 0;
  int64_t documents = 0;
  int64_t missing_field = 0;
  std::vector<std::string> first_missing;  // "<file>:<line>", first 5
  int64_t slow_lines = 0;                  // lines parsed by the full JSON parser
  double seconds = 0;
  size_t memory_bound_bytes = 0;
};

struct ScanResult {
  std::vector<uint64_t> matched;                // bitset over the index's n-gram ranks
  std::vector<std::vector<Evidence>> evidence;  // per item, corpus order
  std::vector<int64_t> docs;                    // per item: documents with a match
  ScanStats stats;
  // A scan of pieces: the pieces (ScanOptions::pieces) and each one's line count, so a merge
  // can turn piece lines into file lines (FileLineBase).
  std::vector<CorpusPiece> pieces;
  std::vector<int64_t> piece_lines;
};

// The pre-flight memory bound for a scan with these options and index.
size_t ScanMemoryBound(const EvalIndex& index, const ScanOptions& options);

Result<ScanResult> ScanCorpus(const EvalIndex& index, const TokenEncoder* encoder,
                              const ScanOptions& options);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_SCAN_H_
