#include "datasets/io/line_reader.h"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mnemo {
namespace {

constexpr size_t kBlock = 1 << 20;

bool EndsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

class PlainReader : public LineReader {
 public:
  PlainReader(std::string path, FILE* f) : LineReader(std::move(path)), f_(f) {}
  ~PlainReader() override { std::fclose(f_); }

 protected:
  int64_t Read(char* buf, size_t cap) override {
    size_t n = std::fread(buf, 1, cap, f_);
    if (n == 0 && std::ferror(f_)) {
      status_ = Status::IoError(path_ + ": read failed: " + std::strerror(errno));
      return -1;
    }
    return static_cast<int64_t>(n);
  }

 private:
  FILE* f_;
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

class ZstdReader : public LineReader {
 public:
  ZstdReader(std::string path, FILE* f)
      : LineReader(std::move(path)), f_(f), in_(ZSTD_DStreamInSize()), ds_(ZSTD_createDStream()) {
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
        size_t n = std::fread(in_.data(), 1, in_.size(), f_);
        if (n == 0) {
          if (last_ret_ != 0) {
            status_ = Status::InvalidArgument(
                path_ + ": truncated zstd stream at compressed byte " + std::to_string(consumed_));
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
};

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                  path + ": cannot open: " + std::strerror(errno));
  }
  std::unique_ptr<LineReader> r;
  if (EndsWith(path, ".gz")) {
    r = std::make_unique<GzipReader>(path, f);
  } else if (EndsWith(path, ".zst")) {
    r = std::make_unique<ZstdReader>(path, f);
  } else {
    r = std::make_unique<PlainReader>(path, f);
  }
  return r;
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
