// Streaming line reader over plain, gzip (.gz) and zstd (.zst) files.
//
// Reads in large blocks and hands out one line at a time without copying more than the
// current line. Memory is bounded by the block size plus the longest line. A corrupt
// compressed stream is an error naming the file and the compressed byte offset.
//
// Thread-safety: one reader per thread.
#ifndef MNEMO_DATASETS_IO_LINE_READER_H_
#define MNEMO_DATASETS_IO_LINE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/io/corpus_pieces.h"
#include "harness/core/status.h"

namespace mnemo {

class LineReader {
 public:
  // Opens `path`; the format is chosen by extension (.gz, .zst, else plain).
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path);
  // Opens one piece of a file (corpus_pieces.h): the reader yields exactly the lines the piece
  // owns, and line_number() counts from its first owned line. It seeks to the piece (a .zst
  // piece also decodes the one frame before it) and reads past `end` only to finish the last
  // owned line. A .gz piece must be the whole file (gzip has no cut points).
  static Result<std::unique_ptr<LineReader>> OpenPiece(const CorpusPiece& piece);
  virtual ~LineReader() = default;

  // Sets *line to the next line without its '\n' (and a trailing '\r'). Returns false at end
  // of input or on error; check status() afterwards. The view is valid until the next call.
  bool Next(std::string_view* line);
  const Status& status() const { return status_; }
  // 1-based number of the line last returned.
  int64_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }

 protected:
  friend class BlockReader;  // reads whole blocks through the same decoders
  explicit LineReader(std::string path) : path_(std::move(path)) {}
  // Appends up to `cap` decoded bytes to `buf`; returns bytes read, 0 at end, -1 on error
  // (with status_ set).
  virtual int64_t Read(char* buf, size_t cap) = 0;

  std::string path_;
  Status status_;

 private:
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  int64_t line_no_ = 0;
};

// The compressed offsets at which a .zst file may be cut: the start of every regular frame
// but the first (a skippable frame goes with the frame before it; leading ones with the
// first), ascending. Reads frame and block headers only (ZSTD_findFrameCompressedSize over a
// read-only mapping), never decodes. A corrupt or truncated frame is an error naming the file
// and the compressed byte.
Result<std::vector<uint64_t>> ZstdCutPoints(const std::string& path);

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_LINE_READER_H_
