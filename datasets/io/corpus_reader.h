// Training-corpus input shared by the audits: several files or glob patterns, each JSON Lines
// (a text field by dotted path, optional id and source fields) or plain text (one document
// per line, or one per file), plain, .gz or .zst, or Parquet (a document per row, the fields
// being columns; parquet_reader.h; needs a build with DuckDB).
//
// A JSONL line without the text field (or with a non-string one) is not a document: it is
// counted, and the first few locations are kept so the caller can report them; it never
// stops the read. A line that is not JSON does stop it, with file and line in status().
//
// Thread-safety: one reader per thread.
#ifndef MNEMO_DATASETS_IO_CORPUS_READER_H_
#define MNEMO_DATASETS_IO_CORPUS_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/io/corpus_pieces.h"
#include "datasets/io/line_reader.h"
#include "datasets/io/parquet_reader.h"
#include "harness/core/status.h"

namespace mnemo {

struct CorpusOptions {
  std::vector<std::string> paths;  // files or glob patterns; each must match something
  // "auto": .jsonl/.json/.ndjson (optionally .gz/.zst) is JSONL, .parquet is Parquet,
  // anything else text. Parquet: the fields below are column names (or dotted paths through
  // struct columns), a row is a document whatever text_unit says, `line` is its 1-based row.
  std::string format = "auto";      // auto | jsonl | text | parquet
  std::string text_field = "text";  // dotted path ("meta.body") into each JSONL object
  std::string id_field = "id";      // optional per line; absent -> "<file stem>:<line>"
  std::string source_field;         // empty or absent per line -> the file's stem
  std::string text_unit = "line";   // plain text only: "line" or "file" per document
  // Non-empty: read only these pieces of the expanded files, in this order (a shard's part,
  // corpus_pieces.h), instead of every file whole. Each piece must name its file as the
  // expanded paths do (same place, same path). With text_unit "file" a file is one document,
  // which cannot be split: the piece that starts the file (ordinal 0) reads the whole file and
  // the file's other pieces read nothing, so every document is read once over all shards.
  // Locations in a piece that does not start its file read "<file>@<begin byte>:<piece line>".
  // A Parquet piece is a range of row groups (planned only for .parquet names); its rows keep
  // their file row numbers, so its locations read "<file>:<row>" and piece_line is false.
  std::vector<CorpusPiece> pieces;
  // True: read only `pieces` even when there are none (a shard may get no piece, and must then
  // read nothing, not every file). Implied by a non-empty `pieces`.
  bool pieces_only = false;
};

struct CorpusDocument {
  std::string id;
  std::string text;
  std::string source;
  std::string file;  // the file it came from
  int64_t line = 0;  // 1-based line of the document's start (see piece_line)
  int piece = -1;    // index into CorpusOptions::pieces; -1 when files are read whole
  // True when `line` counts from the first line of a piece that does not start its file (the
  // id fallback "<file stem>:<line>" then uses that piece line too; corpus_pieces.h says how a
  // merge restores file lines).
  bool piece_line = false;
  nlohmann::json record;  // the whole JSONL object (null for plain text)
};

struct CorpusStats {
  int64_t documents = 0;
  int64_t lines = 0;                       // lines read, blank ones included
  int64_t missing_field = 0;               // JSONL lines (Parquet rows) without string text
  std::vector<std::string> first_missing;  // "<file>:<line>" of the first kMaxLocations
  // With CorpusOptions::pieces: the lines read from each piece (same order), what
  // FileLineBase takes; empty when files are read whole.
  std::vector<int64_t> piece_lines;
  static constexpr size_t kMaxLocations = 5;
};

// Expands glob patterns (sorted within each pattern) and checks every path exists; a pattern
// that matches nothing is NotFound naming it.
Result<std::vector<std::string>> ExpandCorpusPaths(const std::vector<std::string>& patterns);

// The value at a dotted path ("a.b.c") of a JSON object, or nullptr.
const nlohmann::json* JsonAtPath(const nlohmann::json& obj, const std::string& dotted);

// Whether `path` is read as JSONL under format "auto".
bool IsJsonlPath(const std::string& path);

class CorpusReader {
 public:
  // Expands the patterns and checks the options; no file is opened yet.
  static Result<std::unique_ptr<CorpusReader>> Open(const CorpusOptions& options);

  // Fills *doc with the next document. False at the end or on error (see status()).
  bool Next(CorpusDocument* doc);
  const Status& status() const { return status_; }
  const CorpusStats& stats() const { return stats_; }
  const std::vector<std::string>& files() const { return files_; }
  // "N lines lack a string field 'text' (first at a.jsonl:3, ...)", or "" when none.
  std::string MissingFieldSummary() const;

 private:
  CorpusReader(CorpusOptions options, std::vector<std::string> files)
      : options_(std::move(options)), files_(std::move(files)) {}
  bool OpenNextFile();
  bool NextJsonl(CorpusDocument* doc);
  bool NextText(CorpusDocument* doc);
  bool NextParquet(CorpusDocument* doc);
  // "<file>:<line>", or "<file>@<begin>:<piece line>" in a piece that does not start its file.
  std::string Where() const;
  void CountLine();
  void SetPlace(CorpusDocument* doc) const;

  CorpusOptions options_;
  std::vector<std::string> files_;
  size_t next_file_ = 0;   // files read whole
  size_t next_piece_ = 0;  // or pieces
  int piece_ = -1;         // the piece being read
  bool piece_line_ = false;
  std::unique_ptr<LineReader> lines_;       // the file or piece being read: these lines,
  std::unique_ptr<ParquetReader> parquet_;  // or these rows
  int64_t parquet_row_ = 0;                 // the last row read
  bool jsonl_ = false;
  std::string stem_;
  Status status_;
  CorpusStats stats_;
};

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_CORPUS_READER_H_
