#include "datasets/io/block_reader.h"

#include <algorithm>
#include <cstring>

namespace mnemo {

void ByteBlock::Reserve(size_t cap) {
  if (cap <= cap_) return;
  cap = std::max(cap, cap_ + cap_ / 2);
  std::unique_ptr<char[]> grown(new char[cap]);  // uninitialised on purpose
  if (size_ != 0) std::memcpy(grown.get(), buf_.get(), size_);
  buf_ = std::move(grown);
  cap_ = cap;
}

Result<std::unique_ptr<BlockReader>> BlockReader::Open(const std::string& path,
                                                       size_t block_bytes) {
  auto source = LineReader::Open(path);
  if (!source.ok()) return source.status();
  if (block_bytes < 4096) block_bytes = 4096;
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(source).value(), block_bytes));
}

Result<std::unique_ptr<BlockReader>> BlockReader::OpenPiece(const CorpusPiece& piece,
                                                            size_t block_bytes) {
  auto source = LineReader::OpenPiece(piece);
  if (!source.ok()) return source.status();
  if (block_bytes < 4096) block_bytes = 4096;
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(source).value(), block_bytes));
}

bool BlockReader::Next(ByteBlock* block, uint64_t* offset) {
  block->size_ = 0;
  if (!status_.ok() || (eof_ && carry_.empty())) return false;
  block->Reserve(std::max(block_, carry_.size() + block_ / 2));
  if (!carry_.empty()) std::memcpy(block->buf_.get(), carry_.data(), carry_.size());
  block->size_ = carry_.size();
  carry_.clear();
  *offset = offset_;
  size_t scanned = 0;  // bytes already known to hold no '\n' (a line longer than a block)
  for (;;) {
    if (eof_) break;
    size_t old = block->size_;
    size_t want = block_ > old ? block_ - old : block_;
    block->Reserve(old + want);
    int64_t n = source_->Read(block->buf_.get() + old, want);
    if (n < 0) {
      status_ = source_->status();
      block->size_ = 0;
      return false;
    }
    block->size_ = old + static_cast<size_t>(n);
    if (n == 0) {
      eof_ = true;
      break;
    }
    // Cut after the last '\n' once the block is full enough.
    if (block->size_ >= block_) {
      const char* b = block->buf_.get();
      const void* nl = memrchr(b + scanned, '\n', block->size_ - scanned);
      if (nl != nullptr) {
        size_t cut = static_cast<size_t>(static_cast<const char*>(nl) - b) + 1;
        carry_.assign(b + cut, block->size_ - cut);
        block->size_ = cut;
        break;
      }
      scanned = block->size_;
    }
  }
  offset_ += block->size_;
  return block->size_ != 0 || !eof_;
}

}  // namespace mnemo
