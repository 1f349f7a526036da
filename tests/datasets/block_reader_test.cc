// BlockReader: blocks of whole lines over plain, gzip and zstd files. The truth is the file's
// bytes as written (and the line list they are built from), never the reader's own output.
#include "datasets/io/block_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/compress_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Gzip;
using testing_util::SampleLines;
using testing_util::TempDir;
using testing_util::WriteFile;
using testing_util::Zstd;

constexpr size_t kBlock = 4096;  // the smallest block the reader allows

struct Blocks {
  std::vector<std::string> data;
  std::vector<uint64_t> offsets;
  Status status;
};

Blocks ReadBlocks(const std::string& path, size_t block) {
  Blocks out;
  auto r = BlockReader::Open(path, block);
  if (!r.ok()) {
    out.status = r.status();
    return out;
  }
  ByteBlock b;  // reused, as the scan reuses its blocks
  uint64_t offset = 0;
  while ((*r)->Next(&b, &offset)) {
    out.data.emplace_back(b.view());
    out.offsets.push_back(offset);
  }
  out.status = (*r)->status();
  EXPECT_FALSE((*r)->Next(&b, &offset));  // the end is sticky
  return out;
}

// Every block but the last ends with '\n' and is at least `block` bytes unless the next line
// alone would not fit; the blocks concatenate to the file; offsets are running sums.
void ExpectBlocksOf(const Blocks& got, const std::string& file, size_t block) {
  ASSERT_TRUE(got.status.ok()) << got.status.message();
  std::string joined;
  for (size_t i = 0; i < got.data.size(); ++i) {
    EXPECT_EQ(got.offsets[i], joined.size()) << "block " << i;
    const std::string& d = got.data[i];
    ASSERT_FALSE(d.empty()) << "block " << i;
    if (i + 1 < got.data.size()) {
      EXPECT_EQ(d.back(), '\n') << "block " << i << " cuts a line";
      // A block is cut at its last '\n' once it holds `block` bytes, so it holds at least
      // the bytes up to the last line start before `block`.
      const std::string& next = got.data[i + 1];
      const size_t first_line = std::min(next.find('\n'), next.size() - 1) + 1;
      EXPECT_GE(d.size() + first_line, block) << "block " << i;
    }
    joined += d;
  }
  EXPECT_EQ(joined, file);
}

TEST(BlockReaderTest, PlainGzipAndZstdGiveWholeLinesConcatenatingToTheFile) {
  TempDir dir;
  // Lines around the block size, one of 5 blocks, a final line without '\n'.
  std::vector<std::string> lines = SampleLines(3000, 5 * kBlock + 17);
  std::string file;
  for (const auto& l : lines) file += l + "\n";
  file += "last line without a newline";
  WriteFile(dir.path() + "/c.txt", file);
  WriteFile(dir.path() + "/c.txt.gz", Gzip(file));
  WriteFile(dir.path() + "/c.txt.zst", Zstd(file));
  for (const char* name : {"/c.txt", "/c.txt.gz", "/c.txt.zst"}) {
    SCOPED_TRACE(name);
    Blocks got = ReadBlocks(dir.path() + name, kBlock);
    EXPECT_GT(got.data.size(), size_t{10});
    ExpectBlocksOf(got, file, kBlock);
    // The long line sits whole in one block.
    size_t whole = 0;
    for (const auto& d : got.data) whole += d.find(lines[1501]) != std::string::npos;
    EXPECT_EQ(whole, size_t{1});
  }
}

TEST(BlockReaderTest, ALineLongerThanManyBlocksStaysInOneBlock) {
  TempDir dir;
  const std::string big(40 * kBlock + 3, 'x');
  const std::string file = "a\n" + big + "\nb\n";
  WriteFile(dir.path() + "/l.txt", file);
  WriteFile(dir.path() + "/l.txt.gz", Gzip(file));
  for (const char* name : {"/l.txt", "/l.txt.gz"}) {
    SCOPED_TRACE(name);
    Blocks got = ReadBlocks(dir.path() + name, kBlock);
    ExpectBlocksOf(got, file, kBlock);
    // The first block ends before the long line (its first block's worth holds no '\n' after
    // "a\n"); one block holds the whole long line.
    ASSERT_GE(got.data.size(), size_t{2});
    EXPECT_EQ(got.data[0], "a\n");
    EXPECT_EQ(got.data[1].compare(0, big.size() + 1, big + "\n"), 0);
  }
}

TEST(BlockReaderTest, MissingFileIsAnError) {
  TempDir dir;
  auto r = BlockReader::Open(dir.path() + "/none.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("none.txt"), std::string::npos) << r.status().message();
}

TEST(BlockReaderTest, EmptyFileHasNoBlocks) {
  TempDir dir;
  WriteFile(dir.path() + "/e.txt", "");
  Blocks got = ReadBlocks(dir.path() + "/e.txt", kBlock);
  EXPECT_TRUE(got.status.ok());
  EXPECT_TRUE(got.data.empty());
}

TEST(BlockReaderTest, CorruptGzipIsAnErrorNamingTheFile) {
  TempDir dir;
  std::string file;
  for (const auto& l : SampleLines(4000, 10)) file += l + "\n";
  std::string gz = Gzip(file);
  gz.resize(gz.size() / 2);  // truncated
  WriteFile(dir.path() + "/t.txt.gz", gz);
  Blocks got = ReadBlocks(dir.path() + "/t.txt.gz", kBlock);
  ASSERT_FALSE(got.status.ok());
  EXPECT_NE(got.status.message().find("t.txt.gz"), std::string::npos) << got.status.message();
}

}  // namespace
}  // namespace mnemo
