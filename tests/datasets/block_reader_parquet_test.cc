// BlockReader's Parquet mode: a .parquet file's rows as generated JSONL lines, whole and as
// row-group pieces. The truth is what the test wrote through its own DuckDB connection (never
// the code under test): the rows built here, hand-written expected lines for the escaping, and
// the row groups it asked the writer for. A build without DuckDB checks the refusals instead.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/io/block_reader.h"
#include "datasets/io/corpus_pieces.h"
#include "datasets/io/corpus_reader.h"
#include "datasets/io/parquet_reader.h"
#include "tests/support/duckdb_util.h"
#include "tests/support/test_util.h"

#ifdef MNEMO_HAVE_DUCKDB
#include <duckdb.h>
#endif

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing_util::TempDir;
#ifdef MNEMO_HAVE_DUCKDB
using testing_util::Duck;
#endif
using testing_util::WriteFile;

// A .parquet name is never read as text, whatever its bytes (with or without DuckDB).
TEST(BlockReaderParquet, TextOpenRefusesParquetNames) {
  TempDir dir;
  const std::string path = dir.File("c.parquet");
  WriteFile(path, "{\"text\": \"looks like JSONL\"}\n");
  auto r = BlockReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  CorpusPiece p;
  p.path = path;
  p.end = 1;
  auto q = BlockReader::OpenPiece(p);
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.status().message(), HasSubstr(path));
  // A byte-range piece of another name cannot be read as row groups.
  const std::string jsonl = dir.File("c.jsonl");
  WriteFile(jsonl, "{\"text\": \"x\"}\n");
  p.path = jsonl;
  auto j = BlockReader::OpenParquetPiece(p, ParquetColumns{});
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("planned by file name"));
}

#ifndef MNEMO_HAVE_DUCKDB

TEST(BlockReaderParquet, WithoutDuckDbUnsupportedNamingTheFile) {
  TempDir dir;
  const std::string path = dir.File("c.parquet");
  WriteFile(path, "PAR1 whatever PAR1");
  auto r = BlockReader::OpenParquet(path, ParquetColumns{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  CorpusPiece p;
  p.path = path;
  p.begin = 0;
  p.end = 1;
  auto q = BlockReader::OpenParquetPiece(p, ParquetColumns{});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(q.status().message(), HasSubstr(path));
}

#else  // MNEMO_HAVE_DUCKDB

struct Row {
  std::optional<std::string> id, text, src;
};

// Writes `rows` (columns id, text, src, and meta = {'body': text}) with row groups of
// `group_rows` rows each (one UNION ALL branch per group: ROW_GROUP_SIZE 1 closes a group
// after every chunk).
void WriteParquet(Duck* duck, const std::string& path, const std::vector<Row>& rows,
                  size_t group_rows) {
  duck->Exec("DROP TABLE IF EXISTS t");
  duck->Exec("CREATE TABLE t (k BIGINT, id VARCHAR, text VARCHAR, src VARCHAR)");
  duckdb_appender app;
  ASSERT_EQ(duckdb_appender_create(duck->con(), nullptr, "t", &app), DuckDBSuccess);
  for (size_t i = 0; i < rows.size(); ++i) {
    duckdb_appender_begin_row(app);
    duckdb_append_int64(app, static_cast<int64_t>(i));
    testing_util::AppendText(app, rows[i].id);
    testing_util::AppendText(app, rows[i].text);
    testing_util::AppendText(app, rows[i].src);
    duckdb_appender_end_row(app);
  }
  ASSERT_EQ(duckdb_appender_destroy(&app), DuckDBSuccess);
  std::string sel;
  for (size_t at = 0; at < rows.size(); at += group_rows)
    sel += (sel.empty() ? "" : " UNION ALL ") +
           std::string("SELECT id, text, src, {'body': text} AS meta FROM t WHERE k >= ") +
           std::to_string(at) + " AND k < " + std::to_string(at + group_rows);
  duck->Exec("COPY (" + sel + ") TO '" + path + "' (FORMAT parquet, ROW_GROUP_SIZE 1)");
}

// All blocks of a reader: their concatenation, checking that every block ends a line and
// that offsets count the bytes before it.
std::string ReadBlocks(BlockReader* r, size_t* blocks = nullptr) {
  std::string all;
  ByteBlock b;
  uint64_t offset = 0;
  size_t n = 0;
  while (r->Next(&b, &offset)) {
    EXPECT_EQ(offset, all.size());
    EXPECT_FALSE(b.empty());
    EXPECT_EQ(b.view().back(), '\n');
    all.append(b.view());
    ++n;
  }
  EXPECT_TRUE(r->status().ok()) << r->status().ToString();
  if (blocks != nullptr) *blocks = n;
  return all;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// The escaping is nlohmann's, byte for byte (hand-written lines), keys in id, text, source
// order, and a NULL value leaves its key out.
TEST(BlockReaderParquet, RowsBecomeExactJsonlLines) {
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("c.parquet");
  std::vector<Row> rows = {
      {"a\"b", "line1\nline2\t\"q\" \\ back", std::nullopt},
      {std::nullopt, "héllo 日本 🎉", "web"},
      {"no-text", std::nullopt, std::nullopt},
      {"ctl",
       std::string("nul\x01"
                   "bell\x07",
                   9),
       std::nullopt},
      {"", "", ""},
  };
  WriteParquet(&duck, path, rows, 2);
  auto r = BlockReader::OpenParquet(path, ParquetColumns{"text", "id", "src"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE((*r)->parquet());
  EXPECT_EQ((*r)->first_line(), 1);
  EXPECT_EQ(ReadBlocks(r->get()),
            "{\"id\":\"a\\\"b\",\"text\":\"line1\\nline2\\t\\\"q\\\" \\\\ back\"}\n"
            "{\"text\":\"héllo 日本 🎉\",\"src\":\"web\"}\n"
            "{\"id\":\"no-text\"}\n"
            "{\"id\":\"ctl\",\"text\":\"nul\\u0001bell\\u0007\"}\n"
            "{\"id\":\"\",\"text\":\"\",\"src\":\"\"}\n");
  // No id or source asked for: only the text.
  auto t = BlockReader::OpenParquet(path, ParquetColumns{"text", "", ""});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Lines(ReadBlocks(t->get()))[1], "{\"text\":\"héllo 日本 🎉\"}");
  // A dotted field nests, as JsonAtPath reads it; "meta.body" is the struct field.
  auto m = BlockReader::OpenParquet(path, ParquetColumns{"meta.body", "id", ""});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const auto lines = Lines(ReadBlocks(m->get()));
  ASSERT_EQ(lines.size(), rows.size());
  EXPECT_EQ(lines[1], "{\"meta\":{\"body\":\"héllo 日本 🎉\"}}");
  EXPECT_EQ(lines[2], "{\"id\":\"no-text\"}");
  const auto rec = nlohmann::json::parse(lines[0]);
  ASSERT_NE(JsonAtPath(rec, "meta.body"), nullptr);
  EXPECT_EQ(*JsonAtPath(rec, "meta.body"), *rows[0].text);
}

// Random rows over many row groups: every piece of every plan (N = 1, 2, 3, 7) gives exactly
// its groups' rows as lines, first_line() is its first row's file number, and the pieces in
// order give the whole file's stream; small blocks cut only at line ends.
TEST(BlockReaderParquet, PiecesAreTheirRowGroupsWithFileRowNumbers) {
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("r.parquet");
  std::mt19937 rng(7);
  std::vector<Row> rows(1000);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rng() % 9 != 0) rows[i].id = "d" + std::to_string(i);
    if (rng() % 17 == 0) continue;  // NULL text
    std::string text(rng() % 300, 'x');
    for (char& c : text) c = static_cast<char>('a' + rng() % 26);
    rows[i].text = "row " + std::to_string(i) + " " + text;
  }
  const size_t group = 64;
  WriteParquet(&duck, path, rows, group);
  auto groups = ParquetRowGroups(path);
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), (rows.size() + group - 1) / group);

  auto whole = BlockReader::OpenParquet(path, ParquetColumns{"text", "id", ""}, 4096);
  ASSERT_TRUE(whole.ok());
  size_t blocks = 0;
  const std::string all = ReadBlocks(whole->get(), &blocks);
  EXPECT_GT(blocks, 10u);
  const auto lines = Lines(all);
  ASSERT_EQ(lines.size(), rows.size());  // one line per row, NULL text included
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j.contains("text"), rows[i].text.has_value()) << i;
    EXPECT_EQ(j.contains("id"), rows[i].id.has_value()) << i;
    if (rows[i].text) {
      EXPECT_EQ(j["text"], *rows[i].text) << i;
    }
    if (rows[i].id) {
      EXPECT_EQ(j["id"], *rows[i].id) << i;
    }
  }

  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    SCOPED_TRACE("N = " + std::to_string(n));
    auto plan = PlanAllCorpusPieces({path}, n);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    std::string joined;
    for (const CorpusPiece& p : *plan) {
      auto r = BlockReader::OpenParquetPiece(p, ParquetColumns{"text", "id", ""}, 4096);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      const int64_t first = static_cast<int64_t>(p.begin * group) + 1;
      EXPECT_EQ((*r)->first_line(), first);
      const std::string got = ReadBlocks(r->get());
      const auto piece_lines = Lines(got);
      const size_t want_rows = std::min<size_t>(rows.size(), p.end * group) - p.begin * group;
      ASSERT_EQ(piece_lines.size(), want_rows);
      for (size_t k = 0; k < piece_lines.size(); ++k)
        EXPECT_EQ(piece_lines[k], lines[static_cast<size_t>(first - 1) + k]);
      joined += got;
    }
    EXPECT_EQ(joined, all);
  }
}

// Random strings of every control byte, quotes, backslashes, DEL and multi-byte UTF-8: each
// line is nlohmann's dump of the row's object, byte for byte.
TEST(BlockReaderParquet, EscapingIsNlohmannsForAnyText) {
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("e.parquet");
  std::mt19937 rng(11);
  const std::vector<std::string> atoms = {"\"", "\\", "/",      "\x7f", "é",
                                          "日", "🎉",  "\u2028", "a",    " "};
  std::vector<Row> rows(400);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string t, id;
    for (size_t k = rng() % 80; k > 0; --k) {
      if (rng() % 3 == 0)
        t.push_back(static_cast<char>(1 + rng() % 31));  // every control byte but NUL
      else
        t += atoms[rng() % atoms.size()];
    }
    for (size_t k = rng() % 6; k > 0; --k) id += atoms[rng() % atoms.size()];
    rows[i].text = t;
    if (rng() % 4 != 0) rows[i].id = id;
    if (rng() % 3 == 0) rows[i].src = "s\t" + id;
  }
  WriteParquet(&duck, path, rows, 100);
  auto r = BlockReader::OpenParquet(path, ParquetColumns{"text", "id", "src"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto lines = Lines(ReadBlocks(r->get()));
  ASSERT_EQ(lines.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    nlohmann::ordered_json want = nlohmann::ordered_json::object();
    if (rows[i].id) want["id"] = *rows[i].id;
    want["text"] = *rows[i].text;
    if (rows[i].src) want["src"] = *rows[i].src;
    EXPECT_EQ(lines[i], want.dump()) << "row " << i + 1;
  }
}

TEST(BlockReaderParquet, OverlappingFieldsAndMissingColumnsAreRefused) {
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("c.parquet");
  WriteParquet(&duck, path, {{"i", "t", std::nullopt}}, 1);
  auto r = BlockReader::OpenParquet(path, ParquetColumns{"meta.body", "meta", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  EXPECT_THAT(r.status().message(), HasSubstr("overlap"));
  r = BlockReader::OpenParquet(path, ParquetColumns{"text", "text", ""});
  ASSERT_FALSE(r.ok());
  r = BlockReader::OpenParquet(path, ParquetColumns{"body", "id", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no column 'body'"));
  // Not Parquet at all: an error naming the file, not text.
  const std::string bad = dir.File("bad.parquet");
  WriteFile(bad, "{\"text\": \"x\"}\n");
  r = BlockReader::OpenParquet(bad, ParquetColumns{});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(bad));
}

#endif  // MNEMO_HAVE_DUCKDB

}  // namespace
}  // namespace mnemo
