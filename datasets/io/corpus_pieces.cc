#include "datasets/io/corpus_pieces.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "datasets/io/line_reader.h"
#include "datasets/io/parquet_reader.h"
#include "harness/core/hash.h"

namespace mnemo {
namespace {

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Where a file may be cut: every byte (plain), frame starts (.zst), row-group starts
// (.parquet) or only its ends (.gz).
struct FileCuts {
  std::string path;
  uint64_t size = 0;   // bytes on disk; .parquet: its row groups' compressed bytes
  uint64_t start = 0;  // the file's first byte in the corpus laid end to end
  enum class Kind { kPlain, kZstd, kGzip, kParquet } kind = Kind::kPlain;
  std::vector<uint64_t> points;  // .zst, .parquet: 0, every cut point, size (ascending)

  // The allowed cut nearest to `x` (0 < x < size), ties to the earlier one.
  uint64_t Snap(uint64_t x) const {
    switch (kind) {
      case Kind::kPlain:
        return x;
      case Kind::kGzip:
        return x <= size - x ? 0 : size;
      case Kind::kZstd:
      case Kind::kParquet: {
        auto hi = std::lower_bound(points.begin(), points.end(), x);  // points.back() == size
        if (*hi == x || hi == points.begin()) return *hi;
        const uint64_t lo = *(hi - 1);
        return x - lo <= *hi - x ? lo : *hi;
      }
    }
    return x;
  }
  // The place of cut point `x` among `points` (.parquet: a row-group index).
  uint64_t Index(uint64_t x) const {
    return static_cast<uint64_t>(std::lower_bound(points.begin(), points.end(), x) -
                                 points.begin());
  }
  // The frame start before `begin` (> 0) of a .zst file.
  uint64_t FrameBefore(uint64_t begin) const {
    auto it = std::lower_bound(points.begin(), points.end(), begin);
    return *(it - 1);
  }
};

Result<std::vector<FileCuts>> ScanFiles(const std::vector<std::string>& files) {
  std::vector<FileCuts> out;
  uint64_t start = 0;
  for (const auto& path : files) {
    FileCuts f;
    f.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      return Status(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                    path + ": cannot stat: " + std::strerror(errno));
    f.size = static_cast<uint64_t>(st.st_size);
    if (IsParquetPath(path)) {
      // A row group is the unit, weighted by its compressed bytes (at least 1, so every
      // group has its own cut point); the footer and page indexes are not counted.
      auto groups = ParquetRowGroups(path);
      if (!groups.ok()) return groups.status();
      f.kind = FileCuts::Kind::kParquet;
      f.points.push_back(0);
      for (const auto& g : *groups)
        f.points.push_back(f.points.back() + std::max<uint64_t>(g.compressed_bytes, 1));
      f.size = f.points.back();
    }
    f.start = start;
    start += f.size;
    if (EndsWith(path, ".gz")) {
      f.kind = FileCuts::Kind::kGzip;
    } else if (EndsWith(path, ".zst")) {
      f.kind = FileCuts::Kind::kZstd;
      auto cuts = ZstdCutPoints(path);
      if (!cuts.ok()) return cuts.status();
      f.points.push_back(0);
      f.points.insert(f.points.end(), cuts->begin(), cuts->end());
      f.points.push_back(f.size);
    }
    out.push_back(std::move(f));
  }
  return out;
}

// Shard s of `count` holds the corpus bytes [cuts[s], cuts[s + 1]): i*T/N moved to the nearest
// place its file may be cut. Snapping is monotone, so the ranges never overlap.
std::vector<uint64_t> ShardCuts(const std::vector<FileCuts>& files, uint32_t count) {
  const uint64_t total = files.empty() ? 0 : files.back().start + files.back().size;
  std::vector<uint64_t> cuts(count + 1, 0);
  cuts[count] = total;
  size_t f = 0;
  for (uint32_t i = 1; i < count; ++i) {
    const auto c = static_cast<uint64_t>(static_cast<unsigned __int128>(total) * i / count);
    while (f < files.size() && files[f].start + files[f].size <= c) ++f;
    if (f == files.size() || c == files[f].start) {
      cuts[i] = c;
      continue;
    }
    cuts[i] = files[f].start + files[f].Snap(c - files[f].start);
  }
  return cuts;
}

std::vector<CorpusPiece> AllPieces(const std::vector<FileCuts>& files, uint32_t count) {
  const std::vector<uint64_t> cuts = ShardCuts(files, count);
  std::vector<CorpusPiece> out;
  std::vector<uint32_t> ordinals(files.size(), 0);
  for (uint32_t s = 0; s < count; ++s) {
    for (size_t i = 0; i < files.size(); ++i) {
      const FileCuts& f = files[i];
      const uint64_t lo = std::max(cuts[s], f.start);
      const uint64_t hi = std::min(cuts[s + 1], f.start + f.size);
      if (lo >= hi) continue;
      CorpusPiece p;
      p.file_index = i;
      p.path = f.path;
      p.begin = lo - f.start;
      p.end = hi - f.start;
      p.ordinal = ordinals[i]++;
      p.shard = s;
      if (f.kind == FileCuts::Kind::kZstd && p.begin > 0) p.prev_frame = f.FrameBefore(p.begin);
      if (f.kind == FileCuts::Kind::kParquet) {  // bytes -> row-group indices
        p.begin = f.Index(p.begin);
        p.end = f.Index(p.end);
      }
      out.push_back(std::move(p));
    }
  }
  return out;
}

Status CheckCount(uint32_t count) {
  if (count == 0) return Status::InvalidArgument("shard count must be at least 1");
  return Status::Ok();
}

}  // namespace

nlohmann::json CorpusPiece::ToJson() const {
  return {
      {"file", file_index}, {"path", path}, {"begin", begin}, {"end", end}, {"ordinal", ordinal}};
}

Result<std::vector<CorpusPiece>> PlanAllCorpusPieces(const std::vector<std::string>& files,
                                                     uint32_t count) {
  Status st = CheckCount(count);
  if (!st.ok()) return st;
  auto scanned = ScanFiles(files);
  if (!scanned.ok()) return scanned.status();
  return AllPieces(*scanned, count);
}

Result<std::vector<CorpusPiece>> PlanCorpusPieces(const std::vector<std::string>& files,
                                                  uint32_t index, uint32_t count) {
  Status st = CheckCount(count);
  if (!st.ok()) return st;
  if (index >= count)
    return Status::InvalidArgument("shard index " + std::to_string(index) + " is not below " +
                                   std::to_string(count));
  auto all = PlanAllCorpusPieces(files, count);
  if (!all.ok()) return all.status();
  std::vector<CorpusPiece> mine;
  for (auto& p : *all)
    if (p.shard == index) mine.push_back(std::move(p));
  return mine;
}

Result<int64_t> FileLineBase(const std::vector<CorpusPiece>& pieces,
                             const std::vector<int64_t>& lines, size_t file_index,
                             uint32_t ordinal) {
  if (pieces.size() != lines.size())
    return Status::InvalidArgument("FileLineBase: " + std::to_string(pieces.size()) +
                                   " pieces but " + std::to_string(lines.size()) + " line counts");
  std::map<uint32_t, int64_t> earlier;  // ordinal -> lines
  std::string path;
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (pieces[k].file_index != file_index || pieces[k].ordinal >= ordinal) continue;
    earlier[pieces[k].ordinal] = lines[k];
    path = pieces[k].path;
  }
  int64_t base = 0;
  for (uint32_t o = 0; o < ordinal; ++o) {
    auto it = earlier.find(o);
    if (it == earlier.end())
      return Status::NotFound("file #" + std::to_string(file_index) +
                              (path.empty() ? "" : " (" + path + ")") + ": piece " +
                              std::to_string(o) + " has no line count");
    base += it->second;
  }
  return base;
}

Result<nlohmann::json> InputIdentity(const std::vector<std::string>& files) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  nlohmann::json out = nlohmann::json::array();
  std::string buf;
  for (const auto& path : files) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return Status(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                    path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return Status::IoError(path + ": cannot stat: " + std::strerror(errno));
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                             static_cast<int64_t>(st.st_mtim.tv_nsec);
    // The first MiB and the last MiB (the whole file when it is at most 2 MiB).
    Hasher h;
    const uint64_t head = std::min(size, kMiB);
    const uint64_t tail_from = std::max(head, size >= kMiB ? size - kMiB : 0);
    for (auto [from, to] : {std::pair{uint64_t{0}, head}, std::pair{tail_from, size}}) {
      buf.resize(static_cast<size_t>(to - from));
      size_t got = 0;
      while (got < buf.size()) {
        const ssize_t n =
            ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(from + got));
        if (n <= 0) {
          ::close(fd);
          return Status::IoError(path + ": read failed at byte " + std::to_string(from + got) +
                                 (n < 0 ? std::string(": ") + std::strerror(errno) : ""));
        }
        got += static_cast<size_t>(n);
      }
      h.Update(buf.data(), buf.size());
    }
    ::close(fd);
    out.push_back(
        {{"path", path}, {"size", size}, {"mtime_ns", mtime_ns}, {"hash", h.HexDigest()}});
  }
  return out;
}

}  // namespace mnemo
