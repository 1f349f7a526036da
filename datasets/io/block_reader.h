// Reads a plain, gzip (.gz) or zstd (.zst) file in large blocks of whole lines, for parallel
// corpus scans: each block ends just after a '\n' (or at the end of the file), so blocks can
// be processed independently. A line longer than the block size makes that block longer.
// A corrupt or truncated compressed stream is an error naming the file and the compressed
// byte offset, as LineReader does.
//
// Thread-safety: one reader per thread (the scan's serial input stage); a Block is used by one
// thread at a time.
#ifndef MNEMO_DATASETS_IO_BLOCK_READER_H_
#define MNEMO_DATASETS_IO_BLOCK_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "datasets/io/corpus_pieces.h"
#include "datasets/io/line_reader.h"
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
  // Opens `path`; the format is chosen by extension (.gz, .zst, else plain).
  static Result<std::unique_ptr<BlockReader>> Open(const std::string& path,
                                                   size_t block_bytes = size_t{4} << 20);
  // Opens one piece of a file (corpus_pieces.h): blocks hold exactly the lines the piece owns,
  // and Next's offsets count from the piece's first owned line (0 for a piece that starts its
  // file, so whole-file offsets are unchanged).
  static Result<std::unique_ptr<BlockReader>> OpenPiece(const CorpusPiece& piece,
                                                        size_t block_bytes = size_t{4} << 20);
  ~BlockReader() = default;

  // Replaces *block's contents with the next block of whole lines; *offset is the block's
  // first byte in the decoded stream. Returns false at the end or on error (check status()).
  bool Next(ByteBlock* block, uint64_t* offset);
  const Status& status() const { return status_; }
  const std::string& path() const { return path_; }

 private:
  BlockReader(std::unique_ptr<LineReader> source, size_t block)
      : source_(std::move(source)), path_(source_->path()), block_(block) {}

  // The decoder (plain, gzip or zstd) is LineReader's; only its raw Read is used.
  std::unique_ptr<LineReader> source_;
  std::string path_;
  Status status_;
  size_t block_;
  std::string carry_;  // the partial line after the last block's final '\n'
  uint64_t offset_ = 0;
  bool eof_ = false;
};

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_BLOCK_READER_H_
