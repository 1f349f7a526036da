#include "datasets/io/block_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mnemo {
namespace {

bool EndsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Reads fully from a file descriptor (retrying short reads and EINTR).
int64_t ReadFd(int fd, char* buf, size_t cap) {
  size_t got = 0;
  while (got < cap) {
    ssize_t n = ::read(fd, buf + got, cap - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<int64_t>(got);
}

class PlainBlocks : public BlockReader {
 public:
  PlainBlocks(std::string path, size_t block, int fd)
      : BlockReader(std::move(path), block), fd_(fd) {
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }
  ~PlainBlocks() override {
    ::close(fd_);
  }

 protected:
  int64_t Read(char* buf, size_t cap) override {
    int64_t n = ReadFd(fd_, buf, cap);
    if (n < 0) status_ = Status::IoError(path_ + ": read failed: " + std::strerror(errno));
    return n;
  }

 private:
  int fd_;
};

class GzipBlocks : public BlockReader {
 public:
  GzipBlocks(std::string path, size_t block, int fd)
      : BlockReader(std::move(path), block), fd_(fd), in_(1 << 20) {
    std::memset(&zs_, 0, sizeof zs_);
    inflateInit2(&zs_, 15 + 32);
  }
  ~GzipBlocks() override {
    inflateEnd(&zs_);
    ::close(fd_);
  }

 protected:
  int64_t Read(char* buf, size_t cap) override {
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(cap);
    while (zs_.avail_out == cap) {
      if (zs_.avail_in == 0) {
        int64_t n = ReadFd(fd_, in_.data(), in_.size());
        if (n < 0) {
          status_ = Status::IoError(path_ + ": read failed: " + std::strerror(errno));
          return -1;
        }
        if (n == 0) {
          if (!stream_end_) {
            status_ = Status::IoError(path_ + ": truncated gzip stream at compressed byte " +
                                      std::to_string(consumed_));
            return -1;
          }
          return 0;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
        zs_.avail_in = static_cast<uInt>(n);
      }
      if (stream_end_) {  // another gzip member follows
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
        status_ = Status::IoError(path_ + ": corrupt gzip stream at compressed byte " +
                                  std::to_string(consumed_) + ": " +
                                  (zs_.msg != nullptr ? zs_.msg : "inflate failed"));
        return -1;
      }
    }
    return static_cast<int64_t>(cap - zs_.avail_out);
  }

 private:
  int fd_;
  std::vector<char> in_;
  z_stream zs_;
  bool stream_end_ = false;
  uint64_t consumed_ = 0;
};

class ZstdBlocks : public BlockReader {
 public:
  ZstdBlocks(std::string path, size_t block, int fd)
      : BlockReader(std::move(path), block),
        fd_(fd),
        in_(ZSTD_DStreamInSize()),
        ds_(ZSTD_createDStream()) {
    ZSTD_initDStream(ds_);
  }
  ~ZstdBlocks() override {
    ZSTD_freeDStream(ds_);
    ::close(fd_);
  }

 protected:
  int64_t Read(char* buf, size_t cap) override {
    ZSTD_outBuffer out{buf, cap, 0};
    while (out.pos < cap) {
      if (input_.pos == input_.size) {
        int64_t n = ReadFd(fd_, in_.data(), in_.size());
        if (n < 0) {
          status_ = Status::IoError(path_ + ": read failed: " + std::strerror(errno));
          return -1;
        }
        if (n == 0) {
          if (last_ret_ != 0) {
            status_ = Status::IoError(path_ + ": truncated zstd stream at compressed byte " +
                                      std::to_string(consumed_));
            return -1;
          }
          break;
        }
        input_ = ZSTD_inBuffer{in_.data(), static_cast<size_t>(n), 0};
      }
      size_t before = input_.pos;
      size_t ret = ZSTD_decompressStream(ds_, &out, &input_);
      consumed_ += input_.pos - before;
      if (ZSTD_isError(ret)) {
        status_ = Status::IoError(path_ + ": corrupt zstd stream at compressed byte " +
                                  std::to_string(consumed_) + ": " + ZSTD_getErrorName(ret));
        return -1;
      }
      last_ret_ = ret;
    }
    return static_cast<int64_t>(out.pos);
  }

 private:
  int fd_;
  std::vector<char> in_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  size_t last_ret_ = 0;
  uint64_t consumed_ = 0;
};

}  // namespace

Result<std::unique_ptr<BlockReader>> BlockReader::Open(const std::string& path,
                                                       size_t block_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                  path + ": cannot open: " + std::strerror(errno));
  }
  if (block_bytes < 4096) block_bytes = 4096;
  std::unique_ptr<BlockReader> r;
  if (EndsWith(path, ".gz")) {
    r.reset(new GzipBlocks(path, block_bytes, fd));
  } else if (EndsWith(path, ".zst")) {
    r.reset(new ZstdBlocks(path, block_bytes, fd));
  } else {
    r.reset(new PlainBlocks(path, block_bytes, fd));
  }
  return r;
}

bool BlockReader::Next(std::string* block, uint64_t* offset) {
  if (!status_.ok() || (eof_ && carry_.empty())) return false;
  block->swap(carry_);
  carry_.clear();
  *offset = offset_;
  for (;;) {
    if (eof_) break;
    size_t old = block->size();
    size_t want = block_ > old ? block_ - old : block_;
    block->resize(old + want);
    int64_t n = Read(block->data() + old, want);
    if (n < 0) {
      block->resize(old);
      return false;
    }
    block->resize(old + static_cast<size_t>(n));
    if (n == 0) {
      eof_ = true;
      break;
    }
    // Cut after the last '\n' once the block is full enough.
    if (block->size() >= block_) {
      size_t nl = block->rfind('\n');
      if (nl != std::string::npos) {
        carry_.assign(*block, nl + 1, std::string::npos);
        block->resize(nl + 1);
        break;
      }
    }
  }
  offset_ += block->size();
  return !block->empty() || !eof_;
}

}  // namespace mnemo
