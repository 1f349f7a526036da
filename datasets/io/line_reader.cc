#include "datasets/io/line_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mnemo {
namespace {

constexpr size_t kBlock = 1 << 20;
constexpr uint64_t kNoLimit = ~uint64_t{0};

bool EndsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// A decoder that can stop at a compressed byte (`limit`, exclusive) and be resumed past it:
// what a piece reads its own bytes and then the rest of its last line through.
class RangedReader : public LineReader {
 public:
  using LineReader::LineReader;
  int64_t ReadRange(char* buf, size_t cap) { return Read(buf, cap); }
  void set_limit(uint64_t limit) { limit_ = limit; }

 protected:
  uint64_t limit_ = kNoLimit;
};

// `f` is positioned at compressed byte `start` (0 for a whole file).
class PlainReader : public RangedReader {
 public:
  PlainReader(std::string path, FILE* f, uint64_t start = 0)
      : RangedReader(std::move(path)), f_(f), pos_(start) {}
  ~PlainReader() override { std::fclose(f_); }

 protected:
  int64_t Read(char* buf, size_t cap) override {
    if (limit_ != kNoLimit) cap = static_cast<size_t>(std::min<uint64_t>(cap, limit_ - pos_));
    if (cap == 0) return 0;
    size_t n = std::fread(buf, 1, cap, f_);
    if (n == 0 && std::ferror(f_)) {
      status_ = Status::IoError(path_ + ": read failed: " + std::strerror(errno));
      return -1;
    }
    pos_ += n;
    return static_cast<int64_t>(n);
  }

 private:
  FILE* f_;
  uint64_t pos_;
};

class GzipReader : public LineReader {
 public:
  GzipReader(std::string path, FILE* f) : LineReader(std::move(path)), f_(f), in_(kBlock) {
    std::memset(&zs_, 0, sizeof zs_);
    inflateInit2(&zs_, 15 + 32);  // gzip or zlib header, concatenated members handled below
  }
  ~GzipReader() override {
    inflateEnd(&zs_);
    std::fclose(f_);
  }

 protected:
  int64_t Read(char* buf, size_t cap) override {
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(cap);
    while (zs_.avail_out == cap) {
      if (zs_.avail_in == 0) {
        size_t n = std::fread(in_.data(), 1, in_.size(), f_);
        if (n == 0) {
          if (!stream_end_) {
            status_ = Status::InvalidArgument(
                path_ + ": truncated gzip stream at compressed byte " + std::to_string(consumed_));
            return -1;
          }
          return 0;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
        zs_.avail_in = static_cast<uInt>(n);
      }
      if (stream_end_) {  // another member follows
        inflateReset(&zs_);
        stream_end_ = false;
      }
      uInt before = zs_.avail_in;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      consumed_ += before - zs_.avail_in;
      if (rc == Z_STREAM_END) {
        stream_end_ = true;
        if (zs_.avail_out != cap) break;
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        status_ = Status::InvalidArgument(path_ + ": corrupt gzip stream at compressed byte " +
                                          std::to_string(consumed_) + ": " +
                                          (zs_.msg != nullptr ? zs_.msg : "inflate failed"));
        return -1;
      }
    }
    return static_cast<int64_t>(cap - zs_.avail_out);
  }

 private:
  FILE* f_;
  std::vector<char> in_;
  z_stream zs_;
  bool stream_end_ = false;
  uint64_t consumed_ = 0;
};

// `f` is positioned at compressed byte `start`, a frame start (0 for a whole file).
class ZstdReader : public RangedReader {
 public:
  ZstdReader(std::string path, FILE* f, uint64_t start = 0)
      : RangedReader(std::move(path)),
        f_(f),
        in_(ZSTD_DStreamInSize()),
        ds_(ZSTD_createDStream()),
        consumed_(start),
        file_pos_(start) {
    ZSTD_initDStream(ds_);
  }
  ~ZstdReader() override {
    ZSTD_freeDStream(ds_);
    std::fclose(f_);
  }

 protected:
  int64_t Read(char* buf, size_t cap) override {
    ZSTD_outBuffer out{buf, cap, 0};
    while (out.pos == 0) {
      if (input_.pos == input_.size) {
        size_t want = in_.size();
        if (limit_ != kNoLimit)
          want = static_cast<size_t>(std::min<uint64_t>(want, limit_ - file_pos_));
        size_t n = want == 0 ? 0 : std::fread(in_.data(), 1, want, f_);
        file_pos_ += n;
        if (n == 0) {
          if (last_ret_ != 0) {
            status_ = Status::InvalidArgument(
                path_ +
                (limit_ != kNoLimit && file_pos_ == limit_
                     ? ": a zstd frame runs past compressed byte " + std::to_string(limit_) +
                           ", which is not a frame boundary"
                     : ": truncated zstd stream at compressed byte " + std::to_string(consumed_)));
            return -1;
          }
          return 0;
        }
        input_ = ZSTD_inBuffer{in_.data(), n, 0};
      }
      size_t before = input_.pos;
      size_t ret = ZSTD_decompressStream(ds_, &out, &input_);
      consumed_ += input_.pos - before;
      if (ZSTD_isError(ret)) {
        status_ =
            Status::InvalidArgument(path_ + ": corrupt zstd stream at compressed byte " +
                                    std::to_string(consumed_) + ": " + ZSTD_getErrorName(ret));
        return -1;
      }
      last_ret_ = ret;
    }
    return static_cast<int64_t>(out.pos);
  }

 private:
  FILE* f_;
  std::vector<char> in_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  size_t last_ret_ = 0;
  uint64_t consumed_ = 0;
  uint64_t file_pos_ = 0;  // the next compressed byte fread returns
};

// A piece's lines (corpus_pieces.h) out of a decoder positioned at the piece's first byte:
// discards through the first '\n' unless a line starts there, returns the bytes up to `end`,
// then (when the last of them is not '\n') the rest of that line from beyond `end`.
class PieceReader : public LineReader {
 public:
  PieceReader(std::string path, std::unique_ptr<RangedReader> src, bool skip_partial_line)
      : LineReader(std::move(path)), src_(std::move(src)), skip_(skip_partial_line) {}

 protected:
  int64_t Read(char* buf, size_t cap) override {
    while (phase_ != Phase::kDone) {
      int64_t got = src_->ReadRange(buf, cap);
      if (got < 0) {
        status_ = src_->status();
        return -1;
      }
      if (got == 0) {
        // The piece's bytes are read: finish the last owned line, if it is not finished.
        if (phase_ == Phase::kBody && emitted_ && last_ != '\n') {
          phase_ = Phase::kTail;
          src_->set_limit(kNoLimit);
          continue;
        }
        phase_ = Phase::kDone;
        break;
      }
      size_t len = static_cast<size_t>(got);
      if (skip_) {  // the partial line at `begin` belongs to the piece before
        const void* nl = std::memchr(buf, '\n', len);
        if (nl == nullptr) continue;
        const size_t k = static_cast<size_t>(static_cast<const char*>(nl) - buf) + 1;
        skip_ = false;
        std::memmove(buf, buf + k, len - k);
        len -= k;
        if (len == 0) continue;
      }
      if (phase_ == Phase::kTail) {
        const void* nl = std::memchr(buf, '\n', len);
        if (nl != nullptr) {
          len = static_cast<size_t>(static_cast<const char*>(nl) - buf) + 1;
          phase_ = Phase::kDone;
        }
      }
      emitted_ = true;
      last_ = buf[len - 1];
      return static_cast<int64_t>(len);
    }
    return 0;
  }

 private:
  enum class Phase { kBody, kTail, kDone };
  std::unique_ptr<RangedReader> src_;
  bool skip_;
  Phase phase_ = Phase::kBody;
  bool emitted_ = false;
  char last_ = '\n';
};

Status OpenError(const std::string& path) {
  return Status(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                path + ": cannot open: " + std::strerror(errno));
}

// The last decoded byte of the compressed range [from, to) of a .zst file (both frame
// starts), or -1 when the range decodes to nothing.
Result<int> LastDecodedByte(const std::string& path, uint64_t from, uint64_t to) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return OpenError(path);
  if (fseeko(f, static_cast<off_t>(from), SEEK_SET) != 0) {
    std::fclose(f);
    return Status::IoError(path + ": cannot seek to byte " + std::to_string(from));
  }
  ZstdReader r(path, f, from);
  r.set_limit(to);
  std::vector<char> scratch(kBlock);
  int last = -1;
  for (;;) {
    int64_t n = r.ReadRange(scratch.data(), scratch.size());
    if (n < 0) return r.status();
    if (n == 0) return last;
    last = static_cast<unsigned char>(scratch[static_cast<size_t>(n) - 1]);
  }
}

// Whether a decoded line starts at compressed byte `begin` (> 0, a frame start) of a .zst
// file: whether the decoded byte before it is '\n'. Decodes the frame before `begin` (the cost
// of one extra frame per piece), and the ones before that only while they decode to nothing.
Result<bool> ZstdLineStartsAt(const std::string& path, uint64_t begin, uint64_t prev_frame) {
  std::vector<uint64_t> starts;  // frame starts before `begin`, found only when needed
  bool have_starts = false;
  auto frame_before = [&](uint64_t at) -> Result<uint64_t> {
    if (!have_starts) {
      auto cuts = ZstdCutPoints(path);
      if (!cuts.ok()) return cuts.status();
      starts.push_back(0);
      starts.insert(starts.end(), cuts->begin(), cuts->end());
      have_starts = true;
    }
    auto it = std::lower_bound(starts.begin(), starts.end(), at);
    if (it == starts.begin()) return Status::Internal(path + ": no frame before byte 0");
    return *(it - 1);
  };
  uint64_t to = begin;
  uint64_t from = prev_frame;
  if (from == CorpusPiece::kUnplanned || from >= begin) {
    auto f = frame_before(begin);
    if (!f.ok()) return f.status();
    from = *f;
  }
  for (;;) {
    auto last = LastDecodedByte(path, from, to);
    if (!last.ok()) return last.status();
    if (*last >= 0) return *last == '\n';
    if (from == 0) return true;  // nothing decodes before `begin`: the stream starts there
    to = from;
    auto f = frame_before(from);
    if (!f.ok()) return f.status();
    from = *f;
  }
}

bool IsGzip(const std::string& path) {
  return EndsWith(path, ".gz");
}
bool IsZstd(const std::string& path) {
  return EndsWith(path, ".zst");
}

}  // namespace

Result<std::vector<uint64_t>> ZstdCutPoints(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IoError(path + ": cannot stat: " + std::strerror(errno));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  std::vector<uint64_t> cuts;
  if (size == 0) {
    ::close(fd);
    return cuts;
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return Status::IoError(path + ": cannot map: " + std::strerror(errno));
  ::madvise(map, size, MADV_RANDOM);  // only block headers are touched
  const auto* p = static_cast<const unsigned char*>(map);
  size_t pos = 0;
  bool regular_seen = false;
  Status error;
  while (pos < size) {
    const size_t n = ZSTD_findFrameCompressedSize(p + pos, size - pos);
    if (ZSTD_isError(n)) {
      error = Status::InvalidArgument(path + ": corrupt zstd frame table at compressed byte " +
                                      std::to_string(pos) + ": " + ZSTD_getErrorName(n));
      break;
    }
    const uint32_t magic = static_cast<uint32_t>(p[pos]) | static_cast<uint32_t>(p[pos + 1]) << 8 |
                           static_cast<uint32_t>(p[pos + 2]) << 16 |
                           static_cast<uint32_t>(p[pos + 3]) << 24;
    const bool skippable = (magic & 0xFFFFFFF0u) == ZSTD_MAGIC_SKIPPABLE_START;
    if (!skippable) {
      if (regular_seen) cuts.push_back(pos);
      regular_seen = true;
    }
    pos += n;
  }
  ::munmap(map, size);
  if (!error.ok()) return error;
  return cuts;
}

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return OpenError(path);
  std::unique_ptr<LineReader> r;
  if (IsGzip(path)) {
    r = std::make_unique<GzipReader>(path, f);
  } else if (IsZstd(path)) {
    r = std::make_unique<ZstdReader>(path, f);
  } else {
    r = std::make_unique<PlainReader>(path, f);
  }
  return r;
}

Result<std::unique_ptr<LineReader>> LineReader::OpenPiece(const CorpusPiece& piece) {
  const std::string& path = piece.path;
  const std::string range =
      "bytes " + std::to_string(piece.begin) + ".." + std::to_string(piece.end);
  if (piece.begin > piece.end)
    return Status::InvalidArgument(path + ": piece " + range + " ends before it begins");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return OpenError(path);
  struct stat st {};
  if (::fstat(fileno(f), &st) != 0) {
    std::fclose(f);
    return Status::IoError(path + ": cannot stat: " + std::strerror(errno));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (piece.end > size) {
    std::fclose(f);
    return Status::InvalidArgument(path + ": piece " + range + " lies past the file's end (" +
                                   std::to_string(size) +
                                   " bytes); did the file change after the shards were planned?");
  }
  if (IsGzip(path)) {
    if (piece.begin != 0 || piece.end != size) {
      std::fclose(f);
      return Status::InvalidArgument(path + ": piece " + range + " of " + std::to_string(size) +
                                     " bytes: a .gz file is read whole (gzip has no cut points)");
    }
    return std::unique_ptr<LineReader>(std::make_unique<GzipReader>(path, f));
  }
  bool skip = false;  // whether the bytes at `begin` continue a line of the piece before
  if (piece.begin > 0) {
    if (IsZstd(path)) {
      auto starts = ZstdLineStartsAt(path, piece.begin, piece.prev_frame);
      if (!starts.ok()) {
        std::fclose(f);
        return starts.status();
      }
      skip = !*starts;
    } else {
      char before = 0;
      if (::pread(fileno(f), &before, 1, static_cast<off_t>(piece.begin - 1)) != 1) {
        std::fclose(f);
        return Status::IoError(path + ": cannot read byte " + std::to_string(piece.begin - 1));
      }
      skip = before != '\n';
    }
  }
  if (fseeko(f, static_cast<off_t>(piece.begin), SEEK_SET) != 0) {
    std::fclose(f);
    return Status::IoError(path + ": cannot seek to byte " + std::to_string(piece.begin));
  }
  std::unique_ptr<RangedReader> src;
  if (IsZstd(path)) {
    src = std::make_unique<ZstdReader>(path, f, piece.begin);
  } else {
    src = std::make_unique<PlainReader>(path, f, piece.begin);
  }
  src->set_limit(piece.end);
  return std::unique_ptr<LineReader>(std::make_unique<PieceReader>(path, std::move(src), skip));
}

bool LineReader::Next(std::string_view* line) {
  if (!status_.ok()) return false;
  for (;;) {
    size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > pos_ && buf_[end - 1] == '\r') --end;
      *line = std::string_view(buf_.data() + pos_, end - pos_);
      pos_ = nl + 1;
      ++line_no_;
      return true;
    }
    if (eof_) {
      if (pos_ < buf_.size()) {
        size_t end = buf_.size();
        if (buf_[end - 1] == '\r') --end;
        *line = std::string_view(buf_.data() + pos_, end - pos_);
        pos_ = buf_.size();
        ++line_no_;
        return true;
      }
      return false;
    }
    // Compact, then read another block after the partial line.
    buf_.erase(0, pos_);
    pos_ = 0;
    size_t old = buf_.size();
    buf_.resize(old + kBlock);
    int64_t n = Read(buf_.data() + old, kBlock);
    if (n < 0) {
      buf_.resize(old);
      return false;
    }
    buf_.resize(old + static_cast<size_t>(n));
    if (n == 0) eof_ = true;
  }
}

}  // namespace mnemo
