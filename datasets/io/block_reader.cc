#include "datasets/io/block_reader.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <nlohmann/json.hpp>

namespace mnemo {
namespace {

Status NotText(const std::string& path) {
  return Status::InvalidArgument(path +
                                 ": a Parquet file is not lines of text; it is read as JSONL "
                                 "rows with the scan's fields (format auto or parquet)");
}

std::vector<std::string> SplitDots(const std::string& dotted) {
  std::vector<std::string> out;
  if (dotted.empty()) return out;
  size_t start = 0;
  for (;;) {
    const size_t dot = dotted.find('.', start);
    out.push_back(dotted.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

// Whether one key path equals or begins the other (both cannot live in one object).
bool Overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return false;
  const size_t n = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
}

Status CheckFields(const std::string& path, const ParquetColumns& fields) {
  if (fields.text.empty()) return Status::InvalidArgument(path + ": no text field to read");
  const std::pair<const char*, const std::string*> named[] = {
      {"text", &fields.text}, {"id", &fields.id}, {"source", &fields.source}};
  for (size_t i = 0; i < 3; ++i)
    for (size_t j = i + 1; j < 3; ++j)
      if (Overlap(SplitDots(*named[i].second), SplitDots(*named[j].second)))
        return Status::InvalidArgument(
            path + ": the " + named[i].first + " field '" + *named[i].second + "' and the " +
            named[j].first + " field '" + *named[j].second +
            "' overlap, so no JSONL line of a Parquet row can hold both; pick other fields");
  return Status::Ok();
}

}  // namespace

BlockReader::BlockReader(std::unique_ptr<ParquetReader> parquet, const ParquetColumns& fields,
                         int64_t first_line, size_t block)
    : parquet_(std::move(parquet)),
      keys_{SplitDots(fields.id), SplitDots(fields.text), SplitDots(fields.source)},
      first_line_(first_line),
      next_row_(first_line),
      path_(parquet_->path()),
      block_(block) {
  flat_ = true;
  for (const auto& k : keys_) {
    flat_ = flat_ && k.size() <= 1;
    key_json_.push_back(k.empty() ? "" : nlohmann::json(k[0]).dump() + ":");
  }
}

BlockReader::~BlockReader() = default;

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
  if (IsParquetPath(path)) return NotText(path);
  auto source = LineReader::Open(path);
  if (!source.ok()) return source.status();
  if (block_bytes < 4096) block_bytes = 4096;
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(source).value(), block_bytes));
}

Result<std::unique_ptr<BlockReader>> BlockReader::OpenPiece(const CorpusPiece& piece,
                                                            size_t block_bytes) {
  if (IsParquetPath(piece.path)) return NotText(piece.path);
  auto source = LineReader::OpenPiece(piece);
  if (!source.ok()) return source.status();
  if (block_bytes < 4096) block_bytes = 4096;
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(source).value(), block_bytes));
}

Result<std::unique_ptr<BlockReader>> BlockReader::OpenParquet(const std::string& path,
                                                              const ParquetColumns& fields,
                                                              size_t block_bytes) {
  MNEMO_RETURN_IF_ERROR(CheckFields(path, fields));
  auto rows = ParquetReader::Open(path, fields);
  if (!rows.ok()) return rows.status();
  if (block_bytes < 4096) block_bytes = 4096;
  return std::unique_ptr<BlockReader>(
      new BlockReader(std::move(rows).value(), fields, 1, block_bytes));
}

Result<std::unique_ptr<BlockReader>> BlockReader::OpenParquetPiece(const CorpusPiece& piece,
                                                                   const ParquetColumns& fields,
                                                                   size_t block_bytes) {
  if (!IsParquetPath(piece.path))
    return Status::InvalidArgument(piece.path +
                                   ": read as Parquet, but its piece is a byte range (pieces are "
                                   "planned by file name); name Parquet files .parquet");
  MNEMO_RETURN_IF_ERROR(CheckFields(piece.path, fields));
  // The piece's first row number, from the footer (the rows keep their file numbers).
  int64_t first_line = 1;
  if (piece.begin > 0) {
    auto groups = ParquetRowGroups(piece.path);
    if (!groups.ok()) return groups.status();
    if (piece.begin < groups->size())
      first_line = static_cast<int64_t>((*groups)[piece.begin].first_row) + 1;
  }
  auto rows = ParquetReader::Open(piece.path, fields, piece.begin, piece.end);
  if (!rows.ok()) return rows.status();
  if (block_bytes < 4096) block_bytes = 4096;
  return std::unique_ptr<BlockReader>(
      new BlockReader(std::move(rows).value(), fields, first_line, block_bytes));
}

namespace {

// Sets the value at key path `keys` (objects created on the way; CheckFields keeps paths
// apart).
void Put(nlohmann::ordered_json* obj, const std::vector<std::string>& keys, std::string value) {
  nlohmann::ordered_json* cur = obj;
  for (size_t i = 0; i + 1 < keys.size(); ++i) cur = &(*cur)[keys[i]];
  (*cur)[keys.back()] = std::move(value);
}

// Appends `s` as a JSON string, quotes included, escaped as nlohmann's dump escapes valid
// UTF-8 (ensure_ascii off): \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00xx, every
// other byte as it is. DuckDB's VARCHARs are valid UTF-8 (it checks them when it reads).
void AppendJsonString(const std::string& s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  static const auto kEscaped = [] {  // the bytes that are not copied as they are
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = true;
    t['"'] = t['\\'] = true;
    return t;
  }();
  out->push_back('"');
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end && !kEscaped[static_cast<unsigned char>(*p)]) ++p;
    out->append(run, static_cast<size_t>(p - run));
    if (p == end) break;
    const unsigned char c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(u, sizeof(u));
      }
    }
  }
  out->push_back('"');
}

}  // namespace

bool BlockReader::NextParquet(ByteBlock* block, uint64_t* offset) {
  *offset = offset_;
  block->Reserve(block_ + block_ / 4);
  while (block->size_ < block_) {
    if (!parquet_->Next(&row_)) {
      if (!parquet_->status().ok()) {
        status_ = parquet_->status();
        block->size_ = 0;
        return false;
      }
      break;
    }
    // Lines are rows: a gap would misnumber every later document.
    if (row_.row != next_row_) {
      status_ = Status::Internal(path_ + ": Parquet row " + std::to_string(row_.row) +
                                 " came where row " + std::to_string(next_row_) + " was due");
      block->size_ = 0;
      return false;
    }
    ++next_row_;
    const std::string* values[] = {row_.has_id ? &row_.id : nullptr,
                                   row_.has_text ? &row_.text : nullptr,
                                   row_.has_source ? &row_.source : nullptr};
    if (flat_) {
      line_.assign(1, '{');
      bool first = true;
      for (size_t k = 0; k < 3; ++k) {
        if (values[k] == nullptr || keys_[k].empty()) continue;
        if (!first) line_.push_back(',');
        first = false;
        line_.append(key_json_[k]);
        AppendJsonString(*values[k], &line_);
      }
      line_.push_back('}');
    } else {
      // Dotted fields: nested objects, shared prefixes merged.
      nlohmann::ordered_json obj = nlohmann::ordered_json::object();
      for (size_t k = 0; k < 3; ++k)
        if (values[k] != nullptr && !keys_[k].empty()) Put(&obj, keys_[k], *values[k]);
      try {
        line_ = obj.dump();
      } catch (const nlohmann::json::exception& e) {  // invalid UTF-8
        status_ = Status::InvalidArgument(path_ + ":" + std::to_string(row_.row) +
                                          ": a field is not valid UTF-8: " + e.what());
        block->size_ = 0;
        return false;
      }
    }
    line_.push_back('\n');
    block->Reserve(block->size_ + line_.size());
    std::memcpy(block->buf_.get() + block->size_, line_.data(), line_.size());
    block->size_ += line_.size();
  }
  offset_ += block->size_;
  return block->size_ != 0;
}

bool BlockReader::Next(ByteBlock* block, uint64_t* offset) {
  block->size_ = 0;
  if (parquet_) return status_.ok() && NextParquet(block, offset);
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
