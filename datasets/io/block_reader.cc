#include "datasets/io/block_reader.h"

namespace mnemo {

Result<std::unique_ptr<BlockReader>> BlockReader::Open(const std::string& path,
                                                       size_t block_bytes) {
  auto source = LineReader::Open(path);
  if (!source.ok()) return source.status();
  if (block_bytes < 4096) block_bytes = 4096;
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(source).value(), block_bytes));
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
    int64_t n = source_->Read(block->data() + old, want);
    if (n < 0) {
      status_ = source_->status();
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
