// Corpus pieces for shards: planning by bytes (plain cut anywhere, .zst at frames, .gz whole),
// reading a piece's lines (BlockReader::OpenPiece, CorpusReader with pieces), file lines from
// piece lines, and input identity. The truth is the generated files' contents (the strings
// written, and the frame table built while writing them), never a reader's own output.
#include "datasets/io/corpus_pieces.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "datasets/io/block_reader.h"
#include "datasets/io/corpus_reader.h"
#include "tests/support/compress_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing_util::Gzip;
using testing_util::TempDir;
using testing_util::WriteFile;
using testing_util::Zstd;

// Random lines: lengths 0..max_len, some blank or whitespace-only, some CRLF, every
// `long_every`-th one `long_len` bytes (longer than a piece); no trailing '\n' when asked.
std::string Lines(uint32_t seed, size_t n, size_t max_len, size_t long_every, size_t long_len,
                  bool trailing_newline) {
  std::mt19937 rng(seed);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    size_t len = rng() % (max_len + 1);
    if (long_every != 0 && i % long_every == long_every / 2) len = long_len;
    std::string l = "s" + std::to_string(seed) + "l" + std::to_string(i) + " ";
    for (size_t k = 0; k < len; ++k) l.push_back(static_cast<char>('a' + rng() % 26));
    if (rng() % 17 == 0) l.clear();
    if (rng() % 31 == 0) l = " \t ";
    out += l;
    out += rng() % 5 == 0 ? "\r\n" : "\n";
  }
  if (!trailing_newline) out += "tail without newline " + std::to_string(seed);
  return out;
}

// A skippable frame (magic 0x184D2A50, little-endian size, payload).
std::string Skippable(const std::string& payload) {
  std::string f = {'\x50', '\x2A', '\x4D', '\x18'};
  const uint32_t n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return f + payload;
}

// One file as written: its bytes on disk, its decoded text, and the decoded offset of every
// compressed offset at which a piece may begin or end (the whole map for plain files).
struct TestFile {
  std::string path;
  std::string text;
  std::map<uint64_t, uint64_t> decoded_at;  // compressed -> decoded, .zst/.gz only
  bool plain = true;
  uint64_t Decoded(uint64_t compressed) const {
    if (plain) return compressed;
    auto it = decoded_at.find(compressed);
    EXPECT_NE(it, decoded_at.end())
        << path << ": piece bound " << compressed << " is not a frame boundary";
    return it == decoded_at.end() ? 0 : it->second;
  }
};

TestFile Plain(const std::string& path, const std::string& text) {
  WriteFile(path, text);
  return {path, text, {}, true};
}

TestFile Gz(const std::string& path, const std::string& text) {
  const std::string bytes = Gzip(text);
  WriteFile(path, bytes);
  return {path, text, {{0, 0}, {bytes.size(), text.size()}}, false};
}

// Frames made with libzstd per chunk (with checksums, as the zstd tool writes), cut at `cuts`
// (decoded offsets). Chunk "E" is an empty frame, "S" a skippable frame: both may sit anywhere,
// neither is a line boundary. Recorded boundaries: the start of every regular frame but the first,
// 0 and the end.
TestFile ZstdFrames(const std::string& path, const std::string& text, std::vector<size_t> cuts,
                    bool leading_skippable, size_t empty_after, size_t skippable_after) {
  TestFile f{path, text, {}, false};
  std::string bytes;
  if (leading_skippable) bytes += Skippable("lead");
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  f.decoded_at[0] = 0;
  size_t prev = 0;
  bool first = true;
  auto regular = [&](const std::string& chunk, uint64_t decoded_start) {
    if (!first) f.decoded_at[bytes.size()] = decoded_start;
    first = false;
    bytes += Zstd(chunk, /*checksum=*/true);
  };
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : text.size();
    regular(text.substr(prev, end - prev), prev);
    if (i == empty_after) regular("", end);
    if (i == skippable_after) bytes += Skippable("skip me");
    prev = end;
  }
  f.decoded_at[bytes.size()] = text.size();
  WriteFile(path, bytes);
  return f;
}

// Decoded offsets: half of them right after a '\n', half anywhere (mostly mid-line).
std::vector<size_t> FrameCuts(const std::string& text, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<size_t> cuts;
  for (size_t i = 0; i < n; ++i) {
    size_t c = 1 + rng() % (text.size() - 1);
    if (i % 2 == 0) {
      const size_t nl = text.find('\n', c);
      if (nl == std::string::npos || nl + 1 >= text.size()) continue;
      c = nl + 1;
    }
    cuts.push_back(c);
  }
  return cuts;
}

// The lines a piece owns, by the rule written out on the decoded text: those whose first byte
// lies in the piece's decoded range, each to its end.
std::string Owned(const TestFile& f, const CorpusPiece& p) {
  const uint64_t db = f.Decoded(p.begin), de = f.Decoded(p.end);
  const std::string& t = f.text;
  uint64_t s = db;
  while (s < t.size() && s > 0 && t[s - 1] != '\n') ++s;
  if (s >= de || s >= t.size()) return "";
  uint64_t e = de;
  while (e < t.size() && t[e - 1] != '\n') ++e;
  return t.substr(s, e - s);
}

int64_t CountLines(const std::string& s) {
  int64_t n = std::count(s.begin(), s.end(), '\n');
  if (!s.empty() && s.back() != '\n') ++n;
  return n;
}

// The text documents of a file, split here: (line, text) of each non-blank line.
struct Doc {
  std::string file;
  int64_t line;
  std::string text;
  bool operator==(const Doc& o) const { return file == o.file && line == o.line && text == o.text; }
};
std::ostream& operator<<(std::ostream& os, const Doc& d) {
  return os << d.file << ":" << d.line << " '" << d.text.substr(0, 40) << "'";
}

std::vector<Doc> TruthDocs(const std::vector<TestFile>& files) {
  std::vector<Doc> out;
  for (const auto& f : files) {
    size_t pos = 0;
    int64_t line = 0;
    while (pos < f.text.size()) {
      size_t nl = f.text.find('\n', pos);
      if (nl == std::string::npos) nl = f.text.size();
      std::string l = f.text.substr(pos, nl - pos);
      if (!l.empty() && l.back() == '\r') l.pop_back();
      ++line;
      if (l.find_first_not_of(" \t\r") != std::string::npos) out.push_back({f.path, line, l});
      pos = nl + 1;
    }
  }
  return out;
}

std::vector<std::string> Paths(const std::vector<TestFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.path);
  return out;
}

std::string ReadPieceBlocks(const CorpusPiece& p, size_t block, Status* status) {
  auto r = BlockReader::OpenPiece(p, block);
  if (!r.ok()) {
    *status = r.status();
    return "";
  }
  std::string joined;
  ByteBlock b;
  uint64_t offset = 0;
  while ((*r)->Next(&b, &offset)) {
    EXPECT_EQ(offset, joined.size()) << p.path << " piece " << p.ordinal;
    joined.append(b.view());
  }
  *status = (*r)->status();
  return joined;
}

// The corpus every sharding test runs over: plain (long lines, CRLF, no final '\n'), a
// multi-frame .zst (cuts mid-line and at line ends, leading, middle and empty frames), a
// single-frame .zst, a .gz, an empty file and a tiny CRLF file.
std::vector<TestFile> MixedCorpus(const TempDir& dir) {
  std::vector<TestFile> files;
  files.push_back(Plain(dir.File("a.txt"), Lines(1, 2500, 120, 400, 9000, false)));
  const std::string b = Lines(2, 1500, 90, 700, 5000, true);
  files.push_back(ZstdFrames(dir.File("b.txt.zst"), b, FrameCuts(b, 40, 7), true, 11, 23));
  files.push_back(
      ZstdFrames(dir.File("c.txt.zst"), Lines(3, 600, 80, 0, 0, false), {}, false, 99, 99));
  files.push_back(Gz(dir.File("d.txt.gz"), Lines(4, 700, 100, 0, 0, true)));
  files.push_back(Plain(dir.File("e.txt"), ""));
  files.push_back(Plain(dir.File("f.txt"), "x\r\n\r\ny y\r\n"));
  return files;
}

void CheckSharding(const std::vector<TestFile>& files, uint32_t n, bool check_plan_per_shard) {
  SCOPED_TRACE("N = " + std::to_string(n));
  const std::vector<std::string> paths = Paths(files);
  auto all = PlanAllCorpusPieces(paths, n);
  ASSERT_TRUE(all.ok()) << all.status().message();

  // Every shard plans the same cuts; pieces come in shard order and tile each file.
  std::vector<std::vector<CorpusPiece>> by_shard(n);
  for (const auto& p : *all) {
    ASSERT_LT(p.shard, n);
    if (!by_shard[p.shard].empty()) {
      EXPECT_GT(p.file_index, by_shard[p.shard].back().file_index);
    }
    by_shard[p.shard].push_back(p);
  }
  for (uint32_t s = 0; check_plan_per_shard && s < n; ++s) {
    auto mine = PlanCorpusPieces(paths, s, n);
    ASSERT_TRUE(mine.ok()) << mine.status().message();
    ASSERT_EQ(mine->size(), by_shard[s].size()) << "shard " << s;
    for (size_t k = 0; k < mine->size(); ++k)
      EXPECT_EQ((*mine)[k].ToJson(), by_shard[s][k].ToJson());
  }
  std::vector<std::vector<CorpusPiece>> by_file(files.size());
  for (const auto& p : *all) by_file[p.file_index].push_back(p);
  for (size_t i = 0; i < files.size(); ++i) {
    const uint64_t size = std::filesystem::file_size(files[i].path);
    if (size == 0) {
      EXPECT_TRUE(by_file[i].empty());
      continue;
    }
    ASSERT_FALSE(by_file[i].empty()) << files[i].path;
    uint64_t at = 0;
    for (uint32_t o = 0; o < by_file[i].size(); ++o) {
      const CorpusPiece& p = by_file[i][o];
      EXPECT_EQ(p.ordinal, o);
      EXPECT_EQ(p.path, files[i].path);
      EXPECT_EQ(p.begin, at) << p.path;
      EXPECT_LT(p.begin, p.end);
      files[i].Decoded(p.begin);  // a frame boundary (checked inside) for .zst and .gz
      at = p.end;
    }
    EXPECT_EQ(at, size) << files[i].path;
  }

  // Blocks of every piece, in shard order: exactly the owned lines; they tile each file.
  std::vector<std::string> rebuilt(files.size());
  std::vector<int64_t> lines(all->size());
  for (size_t k = 0; k < all->size(); ++k) {
    const CorpusPiece& p = (*all)[k];
    Status st;
    const std::string got = ReadPieceBlocks(p, 4096, &st);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(got, Owned(files[p.file_index], p)) << p.path << " " << p.begin << ".." << p.end;
    rebuilt[p.file_index] += got;
    lines[k] = CountLines(got);
  }
  for (size_t i = 0; i < files.size(); ++i)
    EXPECT_EQ(rebuilt[i], files[i].text) << files[i].path << ": every line exactly once";

  // CorpusReader over each shard's pieces, shards in order: the whole corpus's documents, with
  // file lines restored from piece lines.
  std::vector<Doc> docs;
  size_t first_of_shard = 0;
  for (uint32_t s = 0; s < n; ++s) {
    CorpusOptions opt;
    opt.paths = paths;
    opt.pieces = by_shard[s];
    opt.pieces_only = true;  // a shard with no piece reads nothing
    auto r = CorpusReader::Open(opt);
    ASSERT_TRUE(r.ok()) << r.status().message();
    CorpusDocument d;
    while ((*r)->Next(&d)) {
      ASSERT_GE(d.piece, 0);
      const CorpusPiece& p = by_shard[s][d.piece];
      EXPECT_EQ(d.piece_line, !p.starts_file());
      int64_t line = d.line;
      if (d.piece_line) {
        auto base = FileLineBase(*all, lines, p.file_index, p.ordinal);
        ASSERT_TRUE(base.ok()) << base.status().message();
        line += *base;
      }
      const std::string stem = std::filesystem::path(d.file).filename().string();
      EXPECT_EQ(d.id, stem.substr(0, stem.find('.')) + ":" + std::to_string(d.line));
      docs.push_back({d.file, line, d.text});
    }
    ASSERT_TRUE((*r)->status().ok()) << (*r)->status().message();
    // Each piece's line count, as the reader counted it, is the owned lines' count.
    const auto& counted = (*r)->stats().piece_lines;
    ASSERT_EQ(counted.size(), by_shard[s].size());
    for (size_t k = 0; k < counted.size(); ++k)
      EXPECT_EQ(counted[k], lines[first_of_shard + k]) << "shard " << s << " piece " << k;
    first_of_shard += by_shard[s].size();
  }
  EXPECT_EQ(docs, TruthDocs(files));
}

TEST(CorpusPieces, ShardsOfAMixedCorpusReadEveryLineOnceInOrder) {
  TempDir dir;
  const std::vector<TestFile> files = MixedCorpus(dir);
  // Whole-file reading agrees with the truth the sharded reads are held to.
  CorpusOptions whole;
  whole.paths = Paths(files);
  auto r = CorpusReader::Open(whole);
  ASSERT_TRUE(r.ok());
  std::vector<Doc> docs;
  CorpusDocument d;
  while ((*r)->Next(&d)) {
    EXPECT_EQ(d.piece, -1);
    EXPECT_FALSE(d.piece_line);
    docs.push_back({d.file, d.line, d.text});
  }
  ASSERT_TRUE((*r)->status().ok());
  EXPECT_TRUE((*r)->stats().piece_lines.empty());
  ASSERT_EQ(docs, TruthDocs(files));

  for (uint32_t n = 1; n <= 9; ++n) CheckSharding(files, n, true);
}

TEST(CorpusPieces, MoreShardsThanLinesLeaveSomeShardsEmpty) {
  TempDir dir;
  std::vector<TestFile> files;
  files.push_back(Plain(dir.File("a.txt"), Lines(11, 40, 30, 9, 300, false)));
  const std::string b = Lines(12, 30, 20, 0, 0, true);
  files.push_back(ZstdFrames(dir.File("b.txt.zst"), b, FrameCuts(b, 12, 3), false, 4, 6));
  files.push_back(Gz(dir.File("c.txt.gz"), Lines(13, 10, 20, 0, 0, false)));
  const uint64_t total = std::filesystem::file_size(files[0].path) +
                         std::filesystem::file_size(files[1].path) +
                         std::filesystem::file_size(files[2].path);
  for (uint32_t n : {97u, static_cast<uint32_t>(total) + 13}) {
    auto all = PlanAllCorpusPieces(Paths(files), n);
    ASSERT_TRUE(all.ok());
    std::vector<bool> has(n, false);
    for (const auto& p : *all) has[p.shard] = true;
    EXPECT_LT(std::count(has.begin(), has.end(), true), static_cast<long>(n));
    CheckSharding(files, n, false);
  }
}

TEST(CorpusPieces, PlainSharesAreWithinOneLineOfTheirByteShare) {
  TempDir dir;
  const std::string text = Lines(21, 40000, 300, 0, 0, true);
  const size_t longest = [&] {
    size_t best = 0, pos = 0;
    while (pos < text.size()) {
      const size_t nl = text.find('\n', pos);
      best = std::max(best, nl + 1 - pos);
      pos = nl + 1;
    }
    return best;
  }();
  const TestFile f = Plain(dir.File("big.txt"), text);
  for (uint32_t n = 1; n <= 9; ++n) {
    double total_owned = 0;
    for (uint32_t s = 0; s < n; ++s) {
      auto mine = PlanCorpusPieces({f.path}, s, n);
      ASSERT_TRUE(mine.ok());
      ASSERT_EQ(mine->size(), 1u);
      Status st;
      const double owned = static_cast<double>(ReadPieceBlocks(mine->front(), 1 << 16, &st).size());
      ASSERT_TRUE(st.ok());
      const double share = static_cast<double>(text.size()) / n;
      EXPECT_LE(std::abs(owned - share), static_cast<double>(longest) + 1)
          << "shard " << s << " of " << n;
      total_owned += owned;
    }
    EXPECT_EQ(total_owned, static_cast<double>(text.size()));
  }
}

TEST(CorpusPieces, ZstdIsCutOnlyAtFramesAndGzipNever) {
  TempDir dir;
  const std::string text = Lines(31, 3000, 60, 0, 0, true);
  // Four equal frames: four shards cut exactly at them.
  const std::vector<size_t> quarters = {text.size() / 4, text.size() / 2, 3 * text.size() / 4};
  const TestFile z = ZstdFrames(dir.File("q.txt.zst"), text, quarters, false, 99, 99);
  auto cuts = ZstdCutPoints(z.path);
  ASSERT_TRUE(cuts.ok());
  std::vector<uint64_t> want;
  for (const auto& [c, d] : z.decoded_at)
    if (c != 0 && d != text.size()) want.push_back(c);
  EXPECT_EQ(*cuts, want);
  // A single frame is one unit, whatever N.
  const TestFile one = ZstdFrames(dir.File("one.txt.zst"), text, {}, false, 99, 99);
  auto p1 = PlanAllCorpusPieces({one.path}, 8);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->size(), 1u);
  // Cuts 1..4 of 8 (up to the middle; ties go to the start) move to byte 0, cuts 5..7 to the
  // end: shard 4 gets the file.
  EXPECT_EQ(p1->front().shard, 4u);
  // .gz: two files of different sizes, two shards: the middle cut moves to the nearer end.
  const TestFile g1 = Gz(dir.File("g1.txt.gz"), Lines(32, 3000, 60, 0, 0, true));
  const TestFile g2 = Gz(dir.File("g2.txt.gz"), Lines(33, 300, 60, 0, 0, true));
  auto pg = PlanAllCorpusPieces({g1.path, g2.path}, 2);
  ASSERT_TRUE(pg.ok());
  ASSERT_EQ(pg->size(), 2u);
  EXPECT_EQ((*pg)[0].shard, 0u);
  EXPECT_EQ((*pg)[0].end, std::filesystem::file_size(g1.path));
  EXPECT_EQ((*pg)[1].shard, 1u);
  // A .gz piece that is not the whole file is refused, naming the file.
  CorpusPiece half = (*pg)[0];
  half.end /= 2;
  auto bad = BlockReader::OpenPiece(half);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("g1.txt.gz"));
}

TEST(CorpusPieces, UnplannedZstdPiecesAndEmptyFramesBeforeThem) {
  TempDir dir;
  const std::string text = "first line\nsecond li" + std::string("ne\nthird\n");
  // Frames: "first line\nsecond li" | "" | "ne\nthird\n", and the same with the cut at "\n".
  const TestFile mid = ZstdFrames(dir.File("mid.txt.zst"), text, {20}, false, 0, 0);
  const TestFile at = ZstdFrames(dir.File("at.txt.zst"), text, {11}, false, 0, 0);
  for (const TestFile* f : {&mid, &at}) {
    auto cuts = ZstdCutPoints(f->path);
    ASSERT_TRUE(cuts.ok());
    ASSERT_EQ(cuts->size(), 2u);  // the empty frame's start and the last frame's
    const uint64_t size = std::filesystem::file_size(f->path);
    for (uint64_t b : *cuts) {
      CorpusPiece head{0, f->path, 0, b};
      CorpusPiece rest{0, f->path, b, size};  // prev_frame left unplanned
      rest.ordinal = 1;
      Status st;
      const std::string h = ReadPieceBlocks(head, 4096, &st);
      ASSERT_TRUE(st.ok()) << st.message();
      const std::string r = ReadPieceBlocks(rest, 4096, &st);
      ASSERT_TRUE(st.ok()) << st.message();
      EXPECT_EQ(h, Owned(*f, head));
      EXPECT_EQ(r, Owned(*f, rest));
      EXPECT_EQ(h + r, text);
    }
  }
  // A piece end that is not a frame boundary is an error naming the file.
  CorpusPiece odd{0, mid.path, 0, 5};
  Status st;
  ReadPieceBlocks(odd, 4096, &st);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("mid.txt.zst"));
}

TEST(CorpusPieces, AZstdPieceDecodesOnlyTheFrameBeforeIt) {
  TempDir dir;
  const std::string text = Lines(61, 4000, 80, 0, 0, true);
  const std::vector<size_t> cuts = {text.size() / 4 + 3, text.size() / 2, 3 * text.size() / 4};
  const TestFile f = ZstdFrames(dir.File("z.txt.zst"), text, cuts, false, 99, 99);
  auto all = PlanAllCorpusPieces({f.path}, 4);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  const CorpusPiece third = (*all)[2];
  ASSERT_EQ(third.prev_frame, (*all)[1].begin);
  // Garble the middle of the first frame's compressed data (its block headers, which the frame
  // table needs, stay): the whole file no longer decodes, the third piece still does.
  std::string bytes = testing_util::ReadFile(f.path);
  for (size_t k = (*all)[1].begin / 2; k < (*all)[1].begin / 2 + 64; ++k) bytes[k] ^= 0x5A;
  WriteFile(f.path, bytes);
  Status st;
  ReadPieceBlocks((*all)[0], 4096, &st);
  ASSERT_FALSE(st.ok()) << "the garbled frame should not decode";
  EXPECT_THAT(st.message(), HasSubstr("z.txt.zst"));
  const std::string got = ReadPieceBlocks(third, 4096, &st);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(got, Owned(f, third));
}

TEST(CorpusPieces, BadInputsAreErrorsNamingTheFile) {
  TempDir dir;
  WriteFile(dir.File("junk.txt.zst"), "this is not zstd at all\n");
  auto junk = PlanCorpusPieces({dir.File("junk.txt.zst")}, 0, 2);
  ASSERT_FALSE(junk.ok());
  EXPECT_THAT(junk.status().message(), HasSubstr("junk.txt.zst"));
  const std::string frame = Zstd(Lines(41, 200, 50, 0, 0, true));
  WriteFile(dir.File("cut.txt.zst"), frame + frame.substr(0, frame.size() / 2));
  auto cut = PlanCorpusPieces({dir.File("cut.txt.zst")}, 0, 2);
  ASSERT_FALSE(cut.ok());
  EXPECT_THAT(cut.status().message(),
              HasSubstr("cut.txt.zst: corrupt zstd frame table at compressed byte " +
                        std::to_string(frame.size())));
  auto missing = PlanCorpusPieces({dir.File("nope.txt")}, 0, 2);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(PlanCorpusPieces({dir.File("nope.txt")}, 2, 2).ok());
  EXPECT_FALSE(PlanAllCorpusPieces({}, 0).ok());

  // A piece that names another file than the corpus's is refused when the reader opens.
  WriteFile(dir.File("a.txt"), "a\n");
  WriteFile(dir.File("b.txt"), "b\n");
  CorpusOptions opt;
  opt.paths = {dir.File("a.txt"), dir.File("b.txt")};
  opt.pieces = {CorpusPiece{1, dir.File("a.txt"), 0, 2}};
  auto r = CorpusReader::Open(opt);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("b.txt"));
}

TEST(CorpusPieces, JsonlPiecesUsePieceLinesForIdsAndLocations) {
  TempDir dir;
  std::string text;
  for (int i = 1; i <= 30; ++i)
    text += i % 7 == 0 ? "{\"body\": 1}\n" : "{\"text\": \"doc " + std::to_string(i) + "\"}\n";
  const TestFile f = Plain(dir.File("web.jsonl"), text);
  auto all = PlanAllCorpusPieces({f.path}, 3);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  std::vector<int64_t> lines;
  std::vector<std::string> missing;
  int next_doc = 1;
  for (size_t k = 0; k < all->size(); ++k) {
    CorpusOptions opt;
    opt.paths = {f.path};
    opt.pieces = {(*all)[k]};
    auto r = CorpusReader::Open(opt);
    ASSERT_TRUE(r.ok());
    CorpusDocument d;
    while ((*r)->Next(&d)) {
      int64_t base = 0;
      const std::vector<CorpusPiece> earlier(all->begin(), all->begin() + k);
      if (d.piece_line) base = FileLineBase(earlier, lines, 0, (*all)[k].ordinal).value();
      if (next_doc % 7 == 0) ++next_doc;
      EXPECT_EQ(d.text, "doc " + std::to_string(next_doc));
      EXPECT_EQ(base + d.line, next_doc);
      EXPECT_EQ(d.id, "web:" + std::to_string(d.line));
      ++next_doc;
    }
    ASSERT_TRUE((*r)->status().ok());
    for (const auto& m : (*r)->stats().first_missing) missing.push_back(m);
    lines.push_back((*r)->stats().piece_lines[0]);
  }
  EXPECT_EQ(next_doc, 31);
  ASSERT_EQ(missing.size(), 4u);         // lines 7, 14, 21, 28
  EXPECT_EQ(missing[0], f.path + ":7");  // piece 0 starts the file: file lines
  EXPECT_EQ(missing[3], f.path + "@" + std::to_string((*all)[2].begin) + ":" +
                            std::to_string(28 - lines[0] - lines[1]));
}

TEST(CorpusPieces, FileTextUnitReadsEachFileOnceByItsFirstPiece) {
  TempDir dir;
  const std::string text = Lines(51, 500, 40, 0, 0, false);
  const TestFile f = Plain(dir.File("book.txt"), text);
  auto all = PlanAllCorpusPieces({f.path}, 4);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  std::vector<std::string> texts;
  for (const auto& p : *all) {
    CorpusOptions opt;
    opt.paths = {f.path};
    opt.text_unit = "file";
    opt.pieces = {p};
    auto r = CorpusReader::Open(opt);
    ASSERT_TRUE(r.ok());
    CorpusDocument d;
    while ((*r)->Next(&d)) {
      EXPECT_EQ(p.ordinal, 0u);
      EXPECT_FALSE(d.piece_line);
      EXPECT_EQ(d.id, "book");
      texts.push_back(d.text);
    }
    ASSERT_TRUE((*r)->status().ok());
  }
  std::string want = text;  // the reader joins lines with '\n', dropping '\r'
  for (size_t pos; (pos = want.find("\r\n")) != std::string::npos;) want.erase(pos, 1);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0], want);
}

TEST(CorpusPieces, FileLineBaseNeedsEveryEarlierPiece) {
  std::vector<CorpusPiece> pieces(4);
  pieces[0] = {0, "a", 0, 10, 0};
  pieces[1] = {0, "a", 10, 20, 1};
  pieces[2] = {1, "b", 0, 5, 0};
  pieces[3] = {0, "a", 20, 30, 2};
  auto base = FileLineBase(pieces, {3, 4, 100, 5}, 0, 2);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*base, 7);
  EXPECT_EQ(FileLineBase(pieces, {3, 4, 100, 5}, 0, 0).value(), 0);
  std::vector<CorpusPiece> gap = {pieces[0], pieces[3]};
  EXPECT_EQ(FileLineBase(gap, {3, 5}, 0, 2).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(FileLineBase(pieces, {1}, 0, 1).ok());
}

TEST(CorpusPieces, InputIdentityChangesWithContentSizeAndMtime) {
  TempDir dir;
  const std::string path = dir.File("c.txt");
  const std::string small = "one\ntwo\n";
  WriteFile(path, small);
  auto stamp = [&](int64_t sec) {
    struct timespec ts[2] = {{sec, 5}, {sec, 5}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), ts, 0), 0);
  };
  auto id = [&] {
    auto j = InputIdentity({path});
    EXPECT_TRUE(j.ok());
    return j.ok() ? (*j)[0] : nlohmann::json();
  };
  stamp(1000);
  const nlohmann::json a = id();
  EXPECT_EQ(a["path"], path);
  EXPECT_EQ(a["size"], small.size());
  EXPECT_EQ(a["mtime_ns"], int64_t{1000} * 1000000000 + 5);
  EXPECT_EQ(a["hash"].get<std::string>().size(), 32u);
  EXPECT_EQ(id(), a);  // deterministic

  WriteFile(path, "one\ntwX\n");  // same size and mtime, other content
  stamp(1000);
  const nlohmann::json b = id();
  EXPECT_NE(b["hash"], a["hash"]);
  EXPECT_EQ(b["size"], a["size"]);

  WriteFile(path, small + "x");
  stamp(1000);
  EXPECT_NE(id()["size"], a["size"]);

  WriteFile(path, small);
  stamp(2000);
  const nlohmann::json c = id();
  EXPECT_NE(c["mtime_ns"], a["mtime_ns"]);
  EXPECT_EQ(c["hash"], a["hash"]);

  // A large file: its first and last MiB are hashed, so a change in either shows.
  std::string big(3 << 20, 'a');
  WriteFile(path, big);
  stamp(1000);
  const nlohmann::json d = id();
  big[big.size() - 10] = 'b';
  WriteFile(path, big);
  stamp(1000);
  EXPECT_NE(id()["hash"], d["hash"]);
  EXPECT_FALSE(InputIdentity({dir.File("gone.txt")}).ok());
}

}  // namespace
}  // namespace mnemo
