// Splitting corpus files into the byte ranges of shards (docs/slurm.md, "How corpora split"),
// so one 1 TB file becomes N pieces and shard i of N reads only its own.
//
// The corpus's files (in their expanded order) are laid end to end by their size on disk, and
// shard i gets the bytes [i*T/N, (i+1)*T/N) of that total T, balanced by bytes:
// - a plain file is cut at any byte; a piece [begin, end) owns every line whose first byte lies
//   in it (the line across `end` is read to its end, the partial line at `begin` belongs to the
//   piece before), so pieces never split or lose a line;
// - a .zst file is cut at frame boundaries only (the cut moves to the nearest boundary; a
//   skippable frame goes with the frame before it; a single-frame file is never cut), with the
//   same line rule in the decoded stream;
// - a .gz file is never cut (the cut moves to the nearer end of the file);
// - a .parquet file is cut at row-group boundaries only: it is laid out not by its size on disk
//   but by its row groups' compressed bytes (parquet_metadata), each group a unit, and a
//   piece's [begin, end) are row-group indices, not bytes. Its rows keep their file row
//   numbers in any piece, so Parquet needs no line fix-up (piece_line is false).
// A cut halfway between two allowed places goes to the earlier one. Empty files get no piece.
// A shard may get no piece (more shards than cuts); that is not an error.
//
// Lines: a piece that does not start its file cannot know its first line's number without
// reading what precedes it, so its readers count lines from the piece's first owned line
// (1-based) and say so (CorpusDocument::piece_line); each piece's line count goes into the
// shard's plan, and a merge turns piece lines into file lines by adding the line counts of the
// file's earlier pieces (FileLineBase).
//
// Thread-safety: pure functions; a reader is used by one thread.
#ifndef MNEMO_DATASETS_IO_CORPUS_PIECES_H_
#define MNEMO_DATASETS_IO_CORPUS_PIECES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {

struct CorpusPiece {
  size_t file_index = 0;  // place in the expanded file list
  std::string path;
  uint64_t begin = 0;    // byte range of the file on disk (compressed bytes for .gz/.zst);
  uint64_t end = 0;      // for .parquet, [begin, end) are row groups (indices from 0)
  uint32_t ordinal = 0;  // the piece's place among its file's pieces over all shards (0: the
                         // piece that starts the file)
  uint32_t shard = 0;    // the shard the plan gave it to
  // .zst only, when begin > 0: the start of the frame before `begin`, decoded (and discarded)
  // only to learn whether the decoded byte before `begin` ends a line, so a piece costs one
  // extra frame. kUnplanned (a piece built by hand) makes the reader find that frame by
  // walking the frame table's headers from the start of the file.
  static constexpr uint64_t kUnplanned = ~uint64_t{0};
  uint64_t prev_frame = kUnplanned;
  bool starts_file() const { return begin == 0; }
  // {"file", "path", "begin", "end", "ordinal"}: a piece rebuilt from it (prev_frame
  // unplanned) reads the same lines.
  nlohmann::json ToJson() const;
};

// The pieces of shard `index` of `count` over `files` (already expanded, in corpus order), in
// corpus order. Depends only on the files' sizes, (.zst) frame tables and (.parquet) row
// groups, so every shard plans the same cuts. Errors: a file that cannot be opened, a corrupt
// .zst frame table, or a .parquet file that is not Parquet or a build without DuckDB, naming
// the file.
Result<std::vector<CorpusPiece>> PlanCorpusPieces(const std::vector<std::string>& files,
                                                  uint32_t index, uint32_t count);

// Every piece of every shard of `count`, in shard order (what a merge uses to order pieces
// and find each file's earlier pieces).
Result<std::vector<CorpusPiece>> PlanAllCorpusPieces(const std::vector<std::string>& files,
                                                     uint32_t count);

// The number of lines in the pieces of file `file_index` before piece `ordinal`, so line
// `piece_line` (1-based, counted in the piece) of that piece is file line base + piece_line;
// given each piece's line count: `lines[k]` belongs to `pieces[k]` (all pieces of every shard,
// any order; CorpusStats::piece_lines or the newlines of BlockReader::OpenPiece's blocks).
// NotFound when an earlier piece of the file has no count.
Result<int64_t> FileLineBase(const std::vector<CorpusPiece>& pieces,
                             const std::vector<int64_t>& lines, size_t file_index,
                             uint32_t ordinal);

// The inputs' identity, for fingerprints and refusals: per file its path as given, size, mtime
// (nanoseconds) and an XXH3-128 of its first and last MiB (not the whole file: a TB corpus is
// not read twice to be fingerprinted). [{"path", "size", "mtime_ns", "hash"}]
Result<nlohmann::json> InputIdentity(const std::vector<std::string>& files);

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_CORPUS_PIECES_H_
