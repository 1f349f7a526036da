// Parquet corpora: CorpusReader reads .parquet files row by row, and PlanCorpusPieces splits
// them by row group. The truth is what the test wrote: rows built here (NULLs, unicode, ids
// present or not) and the row groups it asked DuckDB's writer for, written through the
// test's own DuckDB connection (never through the code under test). A build without DuckDB
// checks the refusal instead.
#include "datasets/io/parquet_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "datasets/io/corpus_pieces.h"
#include "datasets/io/corpus_reader.h"
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

std::vector<CorpusDocument> ReadAll(const CorpusOptions& opt, CorpusStats* stats = nullptr,
                                    Status* status = nullptr) {
  auto r = CorpusReader::Open(opt);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<CorpusDocument> docs;
  if (!r.ok()) return docs;
  CorpusDocument d;
  while ((*r)->Next(&d)) docs.push_back(d);
  if (status != nullptr)
    *status = (*r)->status();
  else
    EXPECT_TRUE((*r)->status().ok()) << (*r)->status().ToString();
  if (stats != nullptr) *stats = (*r)->stats();
  return docs;
}

// A piece of a .parquet name holds row groups, of other names bytes: a forced format that
// disagrees with the name is refused before anything is read (with or without DuckDB).
TEST(ParquetPieces, FormatMustAgreeWithTheName) {
  TempDir dir;
  const std::string jsonl = dir.File("a.jsonl");
  WriteFile(jsonl, "{\"text\": \"x\"}\n");
  CorpusPiece p;
  p.path = jsonl;
  p.end = 14;
  CorpusOptions opt;
  opt.paths = {jsonl};
  opt.pieces = {p};
  opt.format = "parquet";
  auto r = CorpusReader::Open(opt);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(jsonl));
  EXPECT_THAT(r.status().message(), HasSubstr("not named .parquet"));

  const std::string parquet = dir.File("b.parquet");
  WriteFile(parquet, "not really parquet");
  p.path = parquet;
  opt.paths = {parquet};
  opt.pieces = {p};
  opt.format = "text";
  r = CorpusReader::Open(opt);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("reads a .parquet file as text"));
}

#ifndef MNEMO_HAVE_DUCKDB

TEST(ParquetWithoutDuckDb, RefusedNamingTheFileAndTheFix) {
  EXPECT_FALSE(ParquetAvailable());
  TempDir dir;
  const std::string path = dir.File("corpus.parquet");
  WriteFile(path, "PAR1 whatever PAR1");
  CorpusOptions opt;
  opt.paths = {path};
  Status st;
  auto docs = ReadAll(opt, nullptr, &st);
  EXPECT_TRUE(docs.empty());
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_THAT(st.message(), HasSubstr(path));
  EXPECT_THAT(st.message(), HasSubstr("scripts/setup.sh"));
  auto plan = PlanCorpusPieces({path}, 0, 2);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr(path));
  EXPECT_THAT(plan.status().message(), HasSubstr("DuckDB"));
}

#else  // MNEMO_HAVE_DUCKDB

struct Row {
  std::optional<std::string> id, text, src;
  int64_t num = 0;
};

// Rows with random text lengths, NULL texts, ids and sources, and unicode.
std::vector<Row> MakeRows(uint32_t seed, size_t n) {
  std::mt19937 rng(seed);
  const char* kUnicode[] = {"héllo wörld", "日本語のテキスト", "emoji 🎉🚀", "Ελληνικά",
                            "tab\tand\nnewline inside"};
  std::vector<Row> rows(n);
  for (size_t i = 0; i < n; ++i) {
    Row& r = rows[i];
    r.num = static_cast<int64_t>(seed) * 100000 + static_cast<int64_t>(i);
    if (rng() % 13 != 0) r.id = "doc-" + std::to_string(seed) + "-" + std::to_string(i);
    if (rng() % 5 == 0) r.src = "src" + std::to_string(rng() % 4);
    if (rng() % 37 == 0) continue;  // NULL text
    std::string t = "r" + std::to_string(i) + " ";
    const size_t len = rng() % 600;
    for (size_t k = 0; k < len; ++k) t.push_back(static_cast<char>('a' + rng() % 26));
    if (rng() % 7 == 0) t += kUnicode[rng() % 5];
    if (rng() % 50 == 0) t.clear();  // an empty string is text, not missing
    r.text = t;
  }
  return rows;
}

// Writes `rows` to `path` as Parquet, with a row group of each size in `groups` (summing to
// rows.size()): columns k (row index), id, text, src (VARCHAR, NULL where unset), num
// (BIGINT) and meta (STRUCT(body VARCHAR) = text).
void WriteParquet(Duck* duck, const std::string& path, const std::vector<Row>& rows,
                  const std::vector<size_t>& groups) {
  duck->Exec("DROP TABLE IF EXISTS t");
  duck->Exec("CREATE TABLE t (k BIGINT, id VARCHAR, text VARCHAR, src VARCHAR, num BIGINT)");
  duckdb_appender app;
  ASSERT_EQ(duckdb_appender_create(duck->con(), nullptr, "t", &app), DuckDBSuccess);
  for (size_t i = 0; i < rows.size(); ++i) {
    duckdb_appender_begin_row(app);
    duckdb_append_int64(app, static_cast<int64_t>(i));
    testing_util::AppendText(app, rows[i].id);
    testing_util::AppendText(app, rows[i].text);
    testing_util::AppendText(app, rows[i].src);
    duckdb_append_int64(app, rows[i].num);
    duckdb_appender_end_row(app);
  }
  ASSERT_EQ(duckdb_appender_destroy(&app), DuckDBSuccess);
  // One UNION ALL branch per group: each branch is one chunk, and ROW_GROUP_SIZE 1 makes the
  // writer close a row group after every chunk.
  std::string sel;
  size_t at = 0;
  for (size_t g : groups) {
    sel += (sel.empty() ? "" : " UNION ALL ") +
           std::string("SELECT k, id, text, src, num, {'body': text} AS meta FROM t WHERE k >= ") +
           std::to_string(at) + " AND k < " + std::to_string(at + g);
    at += g;
  }
  ASSERT_EQ(at, rows.size());
  duck->Exec("COPY (" + sel + ") TO '" + path + "' (FORMAT parquet, ROW_GROUP_SIZE 1)");
}

// The documents a whole read of `rows` from `path` must give, in order (fields as asked).
std::vector<CorpusDocument> Expected(const std::string& path, const std::string& stem,
                                     const std::vector<Row>& rows) {
  std::vector<CorpusDocument> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].text) continue;
    CorpusDocument d;
    d.text = *rows[i].text;
    d.id = rows[i].id ? *rows[i].id : stem + ":" + std::to_string(i + 1);
    d.source = rows[i].src ? *rows[i].src : stem;
    d.file = path;
    d.line = static_cast<int64_t>(i) + 1;
    out.push_back(d);
  }
  return out;
}

void ExpectSameDocs(const std::vector<CorpusDocument>& got,
                    const std::vector<CorpusDocument>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("document " + std::to_string(i) + " (" + want[i].file + ":" +
                 std::to_string(want[i].line) + ")");
    EXPECT_EQ(got[i].text, want[i].text);
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_EQ(got[i].source, want[i].source);
    EXPECT_EQ(got[i].file, want[i].file);
    EXPECT_EQ(got[i].line, want[i].line);
    EXPECT_FALSE(got[i].piece_line);
  }
}

// Random group sizes summing to n.
std::vector<size_t> Groups(uint32_t seed, size_t n, size_t max_group) {
  std::mt19937 rng(seed);
  std::vector<size_t> g;
  for (size_t left = n; left > 0;) {
    const size_t s = std::min(left, 1 + rng() % max_group);
    g.push_back(s);
    left -= s;
  }
  return g;
}

TEST(ParquetReader, WholeFileEqualsTheRowsWritten) {
  ASSERT_TRUE(ParquetAvailable());
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("web.parquet");
  const auto rows = MakeRows(1, 1234);
  const auto groups = Groups(1, rows.size(), 150);
  WriteParquet(&duck, path, rows, groups);

  auto rg = ParquetRowGroups(path);
  ASSERT_TRUE(rg.ok()) << rg.status().ToString();
  ASSERT_EQ(rg->size(), groups.size());
  uint64_t first = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ((*rg)[g].first_row, first);
    EXPECT_EQ((*rg)[g].rows, groups[g]);
    EXPECT_GT((*rg)[g].compressed_bytes, 0u);
    first += groups[g];
  }

  CorpusOptions opt;
  opt.paths = {path};
  opt.source_field = "src";
  CorpusStats stats;
  auto docs = ReadAll(opt, &stats);
  const auto want = Expected(path, "web", rows);
  ExpectSameDocs(docs, want);
  for (const auto& d : docs) EXPECT_EQ(d.piece, -1);
  EXPECT_EQ(stats.documents, static_cast<int64_t>(want.size()));
  EXPECT_EQ(stats.lines, static_cast<int64_t>(rows.size()));
  // NULL texts are counted as missing, at their rows, as JSONL counts lines without the field.
  std::vector<std::string> missing;
  for (size_t i = 0; i < rows.size(); ++i)
    if (!rows[i].text) missing.push_back(path + ":" + std::to_string(i + 1));
  ASSERT_GT(missing.size(), 5u);
  EXPECT_EQ(stats.missing_field, static_cast<int64_t>(missing.size()));
  missing.resize(CorpusStats::kMaxLocations);
  EXPECT_EQ(stats.first_missing, missing);

  // The same file named otherwise, read with format "parquet".
  const std::string other = dir.File("web.bin");
  duck.Exec("COPY (SELECT * FROM read_parquet('" + path + "')) TO '" + other +
            "' (FORMAT parquet)");
  opt.paths = {other};
  opt.format = "parquet";
  ExpectSameDocs(ReadAll(opt), Expected(other, "web", rows));
}

TEST(ParquetReader, StructPathsAndNonStringColumns) {
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("s.parquet");
  const auto rows = MakeRows(2, 300);
  WriteParquet(&duck, path, rows, {300});

  // A dotted path through a struct column reads the same texts.
  CorpusOptions opt;
  opt.paths = {path};
  opt.text_field = "meta.body";
  opt.source_field = "src";
  ExpectSameDocs(ReadAll(opt), Expected(path, "s", rows));

  // A BIGINT id is cast to its decimal text, as JSONL dumps a number.
  opt.text_field = "text";
  opt.id_field = "num";
  auto docs = ReadAll(opt);
  auto want = Expected(path, "s", rows);
  ASSERT_EQ(docs.size(), want.size());
  size_t j = 0;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].text) {
      EXPECT_EQ(docs[j++].id, std::to_string(rows[i].num));
    }

  // An id column the file does not have: every id falls back to "<stem>:<row>".
  opt.id_field = "no_such_id";
  docs = ReadAll(opt);
  ASSERT_EQ(docs.size(), want.size());
  for (size_t i = 0; i < docs.size(); ++i)
    EXPECT_EQ(docs[i].id, "s:" + std::to_string(want[i].line));

  // A non-string text column is no text in any row: all missing, none read.
  opt.text_field = "num";
  CorpusStats stats;
  EXPECT_TRUE(ReadAll(opt, &stats).empty());
  EXPECT_EQ(stats.missing_field, static_cast<int64_t>(rows.size()));
}

TEST(ParquetReader, MissingTextColumnNamesFileAndColumn) {
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("m.parquet");
  WriteParquet(&duck, path, MakeRows(3, 10), {10});
  CorpusOptions opt;
  opt.paths = {path};
  opt.text_field = "body";
  Status st;
  EXPECT_TRUE(ReadAll(opt, nullptr, &st).empty());
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(path));
  EXPECT_THAT(st.message(), HasSubstr("'body'"));
  EXPECT_THAT(st.message(), HasSubstr("columns: k, id, text, src, num, meta"));

  // Not Parquet at all: an error naming the file.
  const std::string bad = dir.File("bad.parquet");
  WriteFile(bad, "{\"text\": \"a\"}\n");
  auto r = ParquetReader::Open(bad, ParquetColumns{});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(bad));
  auto plan = PlanCorpusPieces({bad}, 0, 2);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr(bad));
  // A row-group range past the end.
  r = ParquetReader::Open(path, ParquetColumns{}, 0, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("1 row groups"));
}

// Shards 1..9 over two Parquet files with a JSONL file between them: every shard's pieces,
// read in shard order, give the whole read's documents exactly once each, in order; Parquet
// pieces are whole row groups covering each file once, and the shards balance by row-group
// bytes within a group.
TEST(ParquetPieces, ShardsReadEveryRowOnceAndBalanceByRowGroupBytes) {
  TempDir dir;
  Duck duck;
  const std::string a = dir.File("a.parquet"), b = dir.File("b.jsonl"), c = dir.File("c.parquet");
  const auto rows_a = MakeRows(4, 2000), rows_c = MakeRows(5, 700);
  WriteParquet(&duck, a, rows_a, Groups(4, rows_a.size(), 100));
  WriteParquet(&duck, c, rows_c, Groups(5, rows_c.size(), 60));
  std::string jsonl;
  for (int i = 0; i < 300; ++i)
    jsonl += "{\"id\": \"j" + std::to_string(i) + "\", \"text\": \"line " + std::to_string(i) +
             std::string(static_cast<size_t>(i % 40), 'x') + "\"}\n";
  WriteFile(b, jsonl);
  const std::vector<std::string> files = {a, b, c};

  // Row-group bytes, asked of DuckDB here rather than of the code under test.
  auto group_bytes = [&](const std::string& f) {
    return duck.Int64s("SELECT CAST(sum(total_compressed_size) AS BIGINT) FROM parquet_metadata('" +
                       f + "') GROUP BY row_group_id ORDER BY row_group_id");
  };
  const std::vector<int64_t> bytes_a = group_bytes(a), bytes_c = group_bytes(c);
  ASSERT_GT(bytes_a.size(), 20u);
  int64_t max_group = 0, parquet_total = 0;
  for (const auto* v : {&bytes_a, &bytes_c})
    for (int64_t x : *v) {
      max_group = std::max(max_group, x);
      parquet_total += x;
    }
  const int64_t total = parquet_total + static_cast<int64_t>(jsonl.size());

  CorpusOptions whole;
  whole.paths = files;
  whole.source_field = "src";
  const auto want = ReadAll(whole);
  ASSERT_EQ(want.size(), Expected(a, "a", rows_a).size() + 300 + Expected(c, "c", rows_c).size());

  for (uint32_t n = 1; n <= 9; ++n) {
    SCOPED_TRACE("shards " + std::to_string(n));
    auto all = PlanAllCorpusPieces(files, n);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    std::vector<CorpusDocument> got;
    std::vector<uint64_t> next_group = {0, 0, 0};
    for (uint32_t s = 0; s < n; ++s) {
      auto mine = PlanCorpusPieces(files, s, n);
      ASSERT_TRUE(mine.ok());
      int64_t weight = 0;
      for (const auto& p : *mine) {
        EXPECT_EQ(p.shard, s);
        if (p.file_index == 1) {
          weight += static_cast<int64_t>(p.end - p.begin);
          continue;
        }
        // Row groups, contiguous and in order over the shards.
        const auto& gb = p.file_index == 0 ? bytes_a : bytes_c;
        EXPECT_EQ(p.begin, next_group[p.file_index]);
        EXPECT_LT(p.begin, p.end);
        EXPECT_LE(p.end, gb.size());
        next_group[p.file_index] = p.end;
        for (uint64_t g = p.begin; g < p.end && g < gb.size(); ++g) weight += gb[g];
      }
      // Each cut moves at most half a row group, so a shard is within one group of T/N.
      const double fair = static_cast<double>(total) / n;
      EXPECT_LE(std::abs(static_cast<double>(weight) - fair), static_cast<double>(max_group))
          << "shard " << s;
      CorpusOptions opt = whole;
      opt.pieces = *mine;
      opt.pieces_only = true;
      CorpusStats stats;
      auto docs = ReadAll(opt, &stats);
      for (auto& d : docs) {
        const CorpusPiece& p = (*mine)[static_cast<size_t>(d.piece)];
        EXPECT_EQ(d.file, p.path);
        if (p.file_index == 1) {
          d.piece_line = false;  // JSONL lines are checked by corpus_pieces_test
          d.line = 0;
        }
      }
      got.insert(got.end(), docs.begin(), docs.end());
    }
    EXPECT_EQ(next_group[0], bytes_a.size());
    EXPECT_EQ(next_group[2], bytes_c.size());
    auto want_n = want;
    for (auto& d : want_n)
      if (d.file == b) d.line = 0;
    ExpectSameDocs(got, want_n);
  }
}

// A piece reads only its own row groups' rows, numbered as in the file.
TEST(ParquetReader, RowGroupRangeReadsOnlyThoseRows) {
  TempDir dir;
  Duck duck;
  const std::string path = dir.File("r.parquet");
  const auto rows = MakeRows(6, 500);
  const std::vector<size_t> groups = {100, 50, 200, 1, 149};
  WriteParquet(&duck, path, rows, groups);
  ParquetColumns cols;
  cols.id = "id";
  for (uint64_t b = 0; b <= groups.size(); ++b)
    for (uint64_t e = b; e <= groups.size(); ++e) {
      auto r = ParquetReader::Open(path, cols, b, e);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      size_t lo = 0, hi = 0;
      for (size_t g = 0; g < e; ++g) (g < b ? lo : hi) += groups[g];
      hi += lo;
      ParquetRow row;
      size_t want = lo;
      while ((*r)->Next(&row)) {
        ASSERT_EQ(row.row, static_cast<int64_t>(want) + 1);
        EXPECT_EQ(row.has_text, rows[want].text.has_value());
        if (row.has_text) {
          EXPECT_EQ(row.text, *rows[want].text);
        }
        EXPECT_EQ(row.has_id, rows[want].id.has_value());
        ++want;
      }
      EXPECT_TRUE((*r)->status().ok()) << (*r)->status().ToString();
      EXPECT_EQ(want, hi) << "groups [" << b << ", " << e << ")";
    }
}

// Readers on several threads share the process's DuckDB (one DuckDB thread): each decodes on
// its own thread and reads its whole file, interleaved with the others.
TEST(ParquetReader, ReadersOnSeveralThreads) {
  TempDir dir;
  Duck duck;
  std::vector<std::string> paths;
  std::vector<std::vector<CorpusDocument> > want;
  for (uint32_t f = 0; f < 4; ++f) {
    paths.push_back(dir.File("t" + std::to_string(f) + ".parquet"));
    const auto rows = MakeRows(10 + f, 800);
    WriteParquet(&duck, paths.back(), rows, Groups(10 + f, rows.size(), 90));
    want.push_back(Expected(paths.back(), "t" + std::to_string(f), rows));
  }
  std::vector<std::vector<CorpusDocument> > got(paths.size());
  std::vector<std::thread> threads;
  for (size_t f = 0; f < paths.size(); ++f)
    threads.emplace_back([&, f] {
      CorpusOptions opt;
      opt.paths = {paths[f]};
      opt.source_field = "src";
      got[f] = ReadAll(opt);
    });
  for (auto& t : threads) t.join();
  for (size_t f = 0; f < paths.size(); ++f) ExpectSameDocs(got[f], want[f]);
}

#endif  // MNEMO_HAVE_DUCKDB

}  // namespace
}  // namespace mnemo
