// LineReader over plain, gzip and zstd files. Expected lines are the lists the fixtures are
// built from, never the reader's own output; compressed fixtures are made with zlib/libzstd
// encoders and, where installed, the gzip/zstd command-line tools.
#include "datasets/io/line_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/compress_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Gzip;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::SampleLines;
using testing_util::TempDir;
using testing_util::WriteFile;
using testing_util::Zstd;

constexpr size_t kMiB = size_t{1} << 20;  // the reader's block size

struct ReadOutcome {
  std::vector<std::string> lines;
  std::vector<int64_t> numbers;  // line_number() after each line
  Status status;
};

ReadOutcome ReadAll(const std::string& path) {
  ReadOutcome out;
  auto r = LineReader::Open(path);
  if (!r.ok()) {
    out.status = r.status();
    return out;
  }
  std::string_view line;
  while ((*r)->Next(&line)) {
    out.lines.emplace_back(line);
    out.numbers.push_back((*r)->line_number());
  }
  out.status = (*r)->status();
  // End of input (or an error) is sticky.
  EXPECT_FALSE((*r)->Next(&line));
  return out;
}

std::string Join(const std::vector<std::string>& lines, const std::string& eol) {
  std::string s;
  for (const auto& l : lines) s += l + eol;
  return s;
}

// The number after "compressed byte " in an error message, or -1.
int64_t OffsetIn(const std::string& message) {
  const std::string key = "compressed byte ";
  size_t at = message.find(key);
  if (at == std::string::npos) return -1;
  at += key.size();
  size_t end = message.find_first_not_of("0123456789", at);
  if (end == at) return -1;
  return std::stoll(message.substr(at, end - at));
}

bool HaveTool(const std::string& tool) {
  return RunCommand("command -v " + tool + " >/dev/null").exit_code == 0;
}

TEST(LineReaderTest, PlainLines) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "alpha\nbeta\ngamma\n");
  ReadOutcome r = ReadAll(dir.File("a.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(r.numbers, (std::vector<int64_t>{1, 2, 3}));
}

TEST(LineReaderTest, CrlfLinesLoseTheirCarriageReturn) {
  TempDir dir;
  // Only a '\r' right before the '\n' (or at the very end) is dropped; an inner one stays.
  WriteFile(dir.File("a.txt"), "one\r\ntwo\r\n\r\nin\rside\r\nlast\r");
  ReadOutcome r = ReadAll(dir.File("a.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"one", "two", "", "in\rside", "last"}));
}

TEST(LineReaderTest, LastLineWithoutNewline) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "first\nsecond");
  ReadOutcome r = ReadAll(dir.File("a.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(r.numbers, (std::vector<int64_t>{1, 2}));
}

TEST(LineReaderTest, EmptyLinesAreReturnedAndCounted) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "\n\nthird\n\nfifth\n");
  ReadOutcome r = ReadAll(dir.File("a.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"", "", "third", "", "fifth"}));
  EXPECT_EQ(r.numbers, (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

TEST(LineReaderTest, EmptyFileHasNoLines) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "");
  ReadOutcome r = ReadAll(dir.File("a.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.lines.empty());
  WriteFile(dir.File("b.txt"), "\n");
  r = ReadAll(dir.File("b.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{""}));
}

TEST(LineReaderTest, TwentyMegabyteLineIsReadWhole) {
  TempDir dir;
  std::string big(20 * kMiB + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + (i * 31 + i / 1000) % 26);
  WriteFile(dir.File("big.txt"), "head\n" + big + "\ntail\n");
  auto r = LineReader::Open(dir.File("big.txt"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string_view line;
  ASSERT_TRUE((*r)->Next(&line));
  EXPECT_EQ(line, "head");
  ASSERT_TRUE((*r)->Next(&line));
  ASSERT_EQ(line.size(), big.size());
  EXPECT_TRUE(line == big);  // not EXPECT_EQ: a failure would print 20 MB
  EXPECT_EQ((*r)->line_number(), 2);
  ASSERT_TRUE((*r)->Next(&line));
  EXPECT_EQ(line, "tail");
  EXPECT_FALSE((*r)->Next(&line));
  EXPECT_TRUE((*r)->status().ok());
}

TEST(LineReaderTest, CarriageReturnAndNewlineSplitAcrossBlocks) {
  TempDir dir;
  // The '\r' is the last byte of the first 1 MiB block, its '\n' the first of the next.
  std::string a(kMiB - 1, 'x');
  // Here the '\n' itself is the last byte of a block.
  std::string b(kMiB - 1, 'y');
  WriteFile(dir.File("a.txt"), a + "\r\nnext\n");
  ReadOutcome r = ReadAll(dir.File("a.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[0].size(), a.size());
  EXPECT_TRUE(r.lines[0] == a);
  EXPECT_EQ(r.lines[1], "next");
  WriteFile(dir.File("b.txt"), b + "\nnext");
  r = ReadAll(dir.File("b.txt"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_TRUE(r.lines[0] == b);
  EXPECT_EQ(r.lines[1], "next");
}

TEST(LineReaderTest, GzipAndZstdGiveTheLinesOfThePlainFile) {
  TempDir dir;
  // About 1.3 MB of short lines and one 2.5 MiB line: several output blocks each.
  const std::vector<std::string> lines = SampleLines(30000, 5 * kMiB / 2);
  const std::string text = Join(lines, "\n");
  WriteFile(dir.File("d.jsonl"), text);
  WriteFile(dir.File("d.jsonl.gz"), Gzip(text));
  WriteFile(dir.File("d.jsonl.zst"), Zstd(text));
  WriteFile(dir.File("crlf.zst"), Zstd(Join(lines, "\r\n")));
  for (const char* name : {"d.jsonl", "d.jsonl.gz", "d.jsonl.zst", "crlf.zst"}) {
    ReadOutcome r = ReadAll(dir.File(name));
    ASSERT_TRUE(r.status.ok()) << name << ": " << r.status.ToString();
    ASSERT_EQ(r.lines.size(), lines.size()) << name;
    for (size_t i = 0; i < lines.size(); ++i) {
      ASSERT_TRUE(r.lines[i] == lines[i]) << name << " line " << i + 1;
      ASSERT_EQ(r.numbers[i], static_cast<int64_t>(i + 1)) << name;
    }
  }
}

TEST(LineReaderTest, MultiMemberGzip) {
  TempDir dir;
  // Members break in the middle of a line; an empty member sits in between.
  WriteFile(dir.File("m.gz"), Gzip("one\ntw") + Gzip("") + Gzip("o\nthree\n") + Gzip("four"));
  ReadOutcome r = ReadAll(dir.File("m.gz"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"one", "two", "three", "four"}));
}

TEST(LineReaderTest, MultiMemberGzipOfTwoGzipFiles) {
  TempDir dir;
  const std::vector<std::string> first = SampleLines(20000, 0);
  const std::vector<std::string> second = {"after the join", "", "end"};
  std::string a = Gzip(Join(first, "\n")), b = Gzip(Join(second, "\n"));
  WriteFile(dir.File("a.gz"), a);
  WriteFile(dir.File("b.gz"), b);
  // The way `cat a.gz b.gz > ab.gz` makes one.
  WriteFile(dir.File("ab.gz"), ReadFile(dir.File("a.gz")) + ReadFile(dir.File("b.gz")));
  ReadOutcome r = ReadAll(dir.File("ab.gz"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::vector<std::string> want = first;
  want.insert(want.end(), second.begin(), second.end());
  EXPECT_EQ(r.lines, want);
}

TEST(LineReaderTest, MultiFrameZstd) {
  TempDir dir;
  WriteFile(dir.File("m.zst"), Zstd("one\ntw") + Zstd("") + Zstd("o\nthree\n", true));
  ReadOutcome r = ReadAll(dir.File("m.zst"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(LineReaderTest, FilesFromTheGzipAndZstdTools) {
  TempDir dir;
  const std::vector<std::string> lines = SampleLines(5000, 3 * kMiB / 2);
  WriteFile(dir.File("p.txt"), Join(lines, "\n"));
  std::vector<std::string> names;
  if (HaveTool("gzip")) {
    auto c = RunCommand("gzip -c " + Quote(dir.File("p.txt")) + " > " + Quote(dir.File("p.gz")));
    ASSERT_EQ(c.exit_code, 0) << c.output;
    // A second member appended by the tool itself.
    c = RunCommand("printf 'x\\ny\\n' | gzip -c >> " + Quote(dir.File("p.gz")));
    ASSERT_EQ(c.exit_code, 0) << c.output;
    names.push_back("p.gz");
  }
  if (HaveTool("zstd")) {
    auto c =
        RunCommand("zstd -q -c " + Quote(dir.File("p.txt")) + " > " + Quote(dir.File("p.zst")) +
                   " && printf 'x\\ny\\n' | zstd -q -c >> " + Quote(dir.File("p.zst")));
    ASSERT_EQ(c.exit_code, 0) << c.output;
    names.push_back("p.zst");
  }
  if (names.empty()) GTEST_SKIP() << "neither gzip nor zstd is installed";
  std::vector<std::string> want = lines;
  want.push_back("x");
  want.push_back("y");
  for (const auto& name : names) {
    ReadOutcome r = ReadAll(dir.File(name));
    ASSERT_TRUE(r.status.ok()) << name << ": " << r.status.ToString();
    ASSERT_EQ(r.lines.size(), want.size()) << name;
    for (size_t i = 0; i < want.size(); ++i) ASSERT_TRUE(r.lines[i] == want[i]) << name << " " << i;
  }
}

// Every line a failing reader returned must be a line of the original, in order.
void ExpectPrefixOf(const std::vector<std::string>& got, const std::vector<std::string>& all) {
  ASSERT_LE(got.size(), all.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_TRUE(got[i] == all[i]) << "line " << i + 1;
}

TEST(LineReaderTest, TruncatedGzipIsBadInputNamingFileAndOffset) {
  TempDir dir;
  const std::vector<std::string> lines = SampleLines(40000, 0);
  const std::string gz = Gzip(Join(lines, "\n"));
  // Cut in the middle of the deflate data, and cut only the 8-byte trailer's last 4 bytes:
  // both must fail rather than look like a shorter, valid file.
  for (size_t keep : {gz.size() / 2, gz.size() - 4}) {
    const std::string path = dir.File("t" + std::to_string(keep) + ".gz");
    WriteFile(path, gz.substr(0, keep));
    ReadOutcome r = ReadAll(path);
    ASSERT_FALSE(r.status.ok()) << keep;
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
    // All `keep` bytes were fed to the decoder before the input ran out.
    EXPECT_EQ(r.status.message(),
              path + ": truncated gzip stream at compressed byte " + std::to_string(keep));
    ExpectPrefixOf(r.lines, lines);
    if (keep == gz.size() / 2) {
      EXPECT_LT(r.lines.size(), lines.size());
    }
  }
}

TEST(LineReaderTest, CorruptGzipIsBadInputNamingFileAndOffset) {
  TempDir dir;
  const std::vector<std::string> lines = SampleLines(40000, 0);
  std::string gz = Gzip(Join(lines, "\n"));
  const size_t at = gz.size() / 2;
  for (size_t i = at; i < at + 32; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  const std::string path = dir.File("c.gz");
  WriteFile(path, gz);
  ReadOutcome r = ReadAll(path);
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message().rfind(path + ": corrupt gzip stream at compressed byte ", 0), 0u)
      << r.status.message();
  int64_t offset = OffsetIn(r.status.message());
  // Nothing before the damage is wrong, so the error cannot be found before it.
  EXPECT_GE(offset, static_cast<int64_t>(at));
  EXPECT_LE(offset, static_cast<int64_t>(gz.size()));
  // Lines decoded from the damaged part may be handed out before the damage is detected (at
  // the latest by the CRC at the member's end): the error status is what marks the file.

  // Not gzip at all.
  WriteFile(dir.File("n.gz"), "this is plain text\n");
  r = ReadAll(dir.File("n.gz"));
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status.message().find(dir.File("n.gz")), std::string::npos);
  EXPECT_GE(OffsetIn(r.status.message()), 0) << r.status.message();
  EXPECT_TRUE(r.lines.empty());
}

TEST(LineReaderTest, TruncatedZstdIsBadInputNamingFileAndOffset) {
  TempDir dir;
  const std::vector<std::string> lines = SampleLines(40000, 0);
  const std::string zst = Zstd(Join(lines, "\n"), /*checksum=*/true);
  // Mid-frame, and only the 4-byte content checksum missing.
  for (size_t keep : {zst.size() / 2, zst.size() - 4}) {
    const std::string path = dir.File("t" + std::to_string(keep) + ".zst");
    WriteFile(path, zst.substr(0, keep));
    ReadOutcome r = ReadAll(path);
    ASSERT_FALSE(r.status.ok()) << keep;
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status.message(),
              path + ": truncated zstd stream at compressed byte " + std::to_string(keep));
    ExpectPrefixOf(r.lines, lines);
  }
}

TEST(LineReaderTest, CorruptZstdIsBadInputNamingFileAndOffset) {
  TempDir dir;
  const std::vector<std::string> lines = SampleLines(40000, 0);
  const std::string zst = Zstd(Join(lines, "\n"), /*checksum=*/true);

  std::string damaged = zst;
  const size_t at = damaged.size() / 2;
  for (size_t i = at; i < at + 32; ++i) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  std::string bad_magic = zst;
  bad_magic[0] = 'X';
  bad_magic[1] = 'Y';
  const std::vector<std::pair<std::string, std::string>> cases = {{"d.zst", damaged},
                                                                  {"m.zst", bad_magic}};
  for (const auto& [name, bytes] : cases) {
    const std::string path = dir.File(name);
    WriteFile(path, bytes);
    ReadOutcome r = ReadAll(path);
    ASSERT_FALSE(r.status.ok()) << name;
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status.message().rfind(path + ": corrupt zstd stream at compressed byte ", 0), 0u)
        << r.status.message();
    int64_t offset = OffsetIn(r.status.message());
    EXPECT_GE(offset, 0) << r.status.message();
    EXPECT_LE(offset, static_cast<int64_t>(bytes.size()));
  }
}

TEST(LineReaderTest, MissingFileIsNotFoundNamingThePath) {
  TempDir dir;
  for (const char* name : {"nope.txt", "nope.gz", "nope.zst"}) {
    const std::string path = dir.File(name);
    auto r = LineReader::Open(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  }
}

TEST(LineReaderTest, PathIsReported) {
  TempDir dir;
  WriteFile(dir.File("a.txt"), "x\n");
  auto r = LineReader::Open(dir.File("a.txt"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->path(), dir.File("a.txt"));
  EXPECT_EQ((*r)->line_number(), 0);
}

}  // namespace
}  // namespace mnemo
