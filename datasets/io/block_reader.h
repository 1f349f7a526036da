// Reads a plain, gzip (.gz) or zstd (.zst) file in large blocks of whole lines, for parallel
// corpus scans: each block ends just after a '\n' (or at the end of the file), so blocks can
// be processed independently. A line longer than the block size makes that block longer.
// A corrupt or truncated compressed stream is an error naming the file and the compressed
// byte offset, as LineReader does.
//
// Parquet (docs/slurm.md, "How corpora split"): a .parquet file is never read as text. Opened
// with the scan's JSONL fields (ParquetColumns), its rows become a stream of generated JSONL
// lines, one per row in file order: {"<id>": id, "<text>": text, "<source>": source}, each key
// present only when its value is not NULL (a dotted field is nested objects, as JsonAtPath
// reads it), escaped exactly as nlohmann's dump escapes (tested byte for byte; DuckDB's strings
// are valid UTF-8), so the scans' JSONL paths read them unchanged. Line k of a whole file is
// row k; a row-group piece's lines keep their file row numbers (first_line()), so Parquet
// pieces need no line fix-up. Offsets count bytes of the generated stream, from the reader's
// first row. Without DuckDB, opening one is Unsupported naming the file.
//
// Thread-safety: one reader per thread (the scan's serial input stage); a Block is used by one
// thread at a time.
#ifndef MNEMO_DATASETS_IO_BLOCK_READER_H_
#define MNEMO_DATASETS_IO_BLOCK_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/io/corpus_pieces.h"
#include "datasets/io/line_reader.h"
#include "datasets/io/parquet_reader.h"
#include "harness/core/status.h"

namespace mnemo {

// A byte buffer that keeps its capacity across blocks and never zero-fills it (a 4 MB
// std::string resize per block cost a memset and, once reallocated, page faults).
class ByteBlock {
 public:
  const char* data() const { return buf_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {buf_.get(), size_}; }

 private:
  friend class BlockReader;
  // Makes room for `cap` bytes, keeping the first size() bytes.
  void Reserve(size_t cap);
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

class BlockReader {
 public:
  // Opens `path`; the format is chosen by extension (.gz, .zst, else plain). A .parquet name
  // is refused (InvalidArgument naming it): its rows need the overload with columns.
  static Result<std::unique_ptr<BlockReader>> Open(const std::string& path,
                                                   size_t block_bytes = size_t{4} << 20);
  // Opens one piece of a file (corpus_pieces.h): blocks hold exactly the lines the piece owns,
  // and Next's offsets count from the piece's first owned line (0 for a piece that starts its
  // file, so whole-file offsets are unchanged). A .parquet piece is refused as Open does.
  static Result<std::unique_ptr<BlockReader>> OpenPiece(const CorpusPiece& piece,
                                                        size_t block_bytes = size_t{4} << 20);
  // Parquet: the rows of `path` (whatever its name) as generated JSONL lines with the keys
  // `fields` names. Errors as ParquetReader::Open's (no text column, not Parquet, no DuckDB),
  // and fields whose paths overlap (one equal to or a prefix of another: no one object holds
  // both), naming the file.
  static Result<std::unique_ptr<BlockReader>> OpenParquet(const std::string& path,
                                                          const ParquetColumns& fields,
                                                          size_t block_bytes = size_t{4} << 20);
  // A .parquet piece: the rows of its row groups [begin, end). The piece's path must end in
  // .parquet (pieces are planned by name: another name's piece is bytes).
  static Result<std::unique_ptr<BlockReader>> OpenParquetPiece(const CorpusPiece& piece,
                                                               const ParquetColumns& fields,
                                                               size_t block_bytes = size_t{4}
                                                                                    << 20);
  ~BlockReader();

  // Replaces *block's contents with the next block of whole lines; *offset is the block's
  // first byte in the decoded stream (Parquet: the generated one). Returns false at the end or
  // on error (check status()).
  bool Next(ByteBlock* block, uint64_t* offset);
  const Status& status() const { return status_; }
  const std::string& path() const { return path_; }
  // Whether the lines are generated from Parquet rows.
  bool parquet() const { return parquet_ != nullptr; }
  // The file line number of the first line read: 1, but for a Parquet piece its first row's
  // number (its lines are file rows); a text piece that does not start its file counts its
  // own lines (corpus_pieces.h) and says 1 too.
  int64_t first_line() const { return first_line_; }

 private:
  BlockReader(std::unique_ptr<LineReader> source, size_t block)
      : source_(std::move(source)), path_(source_->path()), block_(block) {}
  BlockReader(std::unique_ptr<ParquetReader> parquet, const ParquetColumns& fields,
              int64_t first_line, size_t block);
  bool NextParquet(ByteBlock* block, uint64_t* offset);

  // The decoder (plain, gzip or zstd) is LineReader's; only its raw Read is used.
  std::unique_ptr<LineReader> source_;
  // Parquet mode: the rows, the JSON keys (split at dots) and the row expected next.
  std::unique_ptr<ParquetReader> parquet_;
  std::vector<std::vector<std::string>> keys_;  // id, text, source ({} when unused)
  // No dotted field: each field's '"key":' (nlohmann's escaping), and lines are written here
  // directly (nlohmann's UTF-8 checking dump was 43% of a decontam scan's time, the serial
  // reader its bottleneck); dotted fields go through nlohmann.
  bool flat_ = false;
  std::vector<std::string> key_json_;
  std::string line_;
  ParquetRow row_;
  int64_t first_line_ = 1;
  int64_t next_row_ = 1;
  std::string path_;
  Status status_;
  size_t block_;
  std::string carry_;  // the partial line after the last block's final '\n'
  uint64_t offset_ = 0;
  bool eof_ = false;
};

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_BLOCK_READER_H_
