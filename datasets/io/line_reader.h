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

#include "harness/core/status.h"

namespace mnemo {

class LineReader {
 public:
  // Opens `path`; the format is chosen by extension (.gz, .zst, else plain).
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path);
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

}  // namespace mnemo

#endif  // MNEMO_DATASETS_IO_LINE_READER_H_
