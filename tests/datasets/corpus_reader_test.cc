// CorpusReader: globs, JSONL fields by dotted path, ids and sources, plain text units,
// compressed input, and lines without the text field (counted, never fatal).
#include "datasets/io/corpus_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

std::vector<CorpusDocument> ReadAll(const CorpusOptions& opt, CorpusStats* stats = nullptr,
                                    Status* status = nullptr) {
  std::vector<CorpusDocument> docs;
  auto r = CorpusReader::Open(opt);
  if (!r.ok()) {
    if (status) *status = r.status();
    return docs;
  }
  CorpusDocument d;
  while ((*r)->Next(&d)) docs.push_back(d);
  if (stats) *stats = (*r)->stats();
  if (status) *status = (*r)->status();
  return docs;
}

TEST(CorpusReader, JsonlFieldsIdsAndSources) {
  TempDir dir;
  WriteFile(dir.File("web.jsonl"),
            "{\"id\": \"a\", \"text\": \"alpha\", \"meta\": {\"src\": \"forum\"}}\n"
            "\n"
            "{\"id\": 7, \"text\": \"beta\"}\n"
            "{\"text\": \"gamma\"}\n");
  CorpusOptions opt;
  opt.paths = {dir.File("web.jsonl")};
  opt.source_field = "meta.src";
  auto docs = ReadAll(opt);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].id, "a");
  EXPECT_EQ(docs[0].source, "forum");
  EXPECT_EQ(docs[1].id, "7");
  EXPECT_EQ(docs[1].source, "web");  // no source field: the file's stem
  EXPECT_EQ(docs[1].line, 3);
  EXPECT_EQ(docs[2].id, "web:4");  // no id: stem and line
  EXPECT_EQ(docs[2].text, "gamma");
  EXPECT_EQ(docs[2].record.value("text", ""), "gamma");
}

TEST(CorpusReader, DottedTextFieldAndMissingFieldsAreCountedWithLocations) {
  TempDir dir;
  std::string body;
  for (int i = 1; i <= 9; ++i) {
    if (i % 2 == 0)
      body += "{\"doc\": {\"body\": \"t" + std::to_string(i) + "\"}}\n";
    else
      body += "{\"doc\": {\"title\": 1}}\n";  // lines 1,3,5,7,9 lack doc.body
  }
  WriteFile(dir.File("c.jsonl"), body);
  CorpusOptions opt;
  opt.paths = {dir.File("c.jsonl")};
  opt.text_field = "doc.body";
  CorpusStats stats;
  Status st;
  auto docs = ReadAll(opt, &stats, &st);
  EXPECT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].text, "t2");
  EXPECT_EQ(stats.missing_field, 5);
  EXPECT_EQ(stats.documents, 4);
  EXPECT_THAT(stats.first_missing,
              ElementsAre(dir.File("c.jsonl") + ":1", dir.File("c.jsonl") + ":3",
                          dir.File("c.jsonl") + ":5", dir.File("c.jsonl") + ":7",
                          dir.File("c.jsonl") + ":9"));
  auto r = CorpusReader::Open(opt);
  ASSERT_TRUE(r.ok());
  CorpusDocument d;
  while ((*r)->Next(&d)) {
  }
  EXPECT_THAT((*r)->MissingFieldSummary(), HasSubstr("5 lines lack a string field 'doc.body'"));
  EXPECT_THAT((*r)->MissingFieldSummary(), HasSubstr("c.jsonl:1"));
}

TEST(CorpusReader, InvalidJsonStopsWithFileAndLine) {
  TempDir dir;
  WriteFile(dir.File("bad.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \n");
  CorpusOptions opt;
  opt.paths = {dir.File("bad.jsonl")};
  Status st;
  auto docs = ReadAll(opt, nullptr, &st);
  EXPECT_EQ(docs.size(), 1u);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(dir.File("bad.jsonl") + ":2"));
}

TEST(CorpusReader, GlobsAreSortedAndCompressedFilesRead) {
  TempDir dir;
  WriteFile(dir.File("b.jsonl"), "{\"text\": \"second\"}\n");
  WriteFile(dir.File("a.jsonl"), "{\"text\": \"first\"}\n");
  WriteFile(dir.File("c.txt"), "line one\n\nline two\n");
  ASSERT_EQ(
      RunCommand("gzip -k " + dir.File("b.jsonl") + " && rm " + dir.File("b.jsonl")).exit_code, 0);
  CorpusOptions opt;
  opt.paths = {dir.path() + "/*.jsonl*", dir.File("c.txt")};
  auto docs = ReadAll(opt);
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].text, "first");
  EXPECT_EQ(docs[1].text, "second");
  EXPECT_EQ(docs[1].source, "b");  // .jsonl.gz stem
  EXPECT_EQ(docs[2].text, "line one");
  EXPECT_EQ(docs[3].text, "line two");  // blank lines are not documents
  EXPECT_EQ(docs[3].id, "c:3");
}

TEST(CorpusReader, TextFileUnitIsOneDocumentPerFile) {
  TempDir dir;
  WriteFile(dir.File("x.txt"), "a\nb\n");
  WriteFile(dir.File("y.txt"), "c");
  CorpusOptions opt;
  opt.paths = {dir.File("x.txt"), dir.File("y.txt")};
  opt.text_unit = "file";
  auto docs = ReadAll(opt);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, "a\nb");
  EXPECT_EQ(docs[0].id, "x");
  EXPECT_EQ(docs[1].text, "c");
}

TEST(CorpusReader, MissingFilesAndEmptyGlobsAreErrorsNamingThem) {
  TempDir dir;
  CorpusOptions opt;
  opt.paths = {dir.File("nope.jsonl")};
  Status st;
  ReadAll(opt, nullptr, &st);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_THAT(st.message(), HasSubstr("nope.jsonl"));
  opt.paths = {dir.path() + "/*.zst"};
  ReadAll(opt, nullptr, &st);
  EXPECT_THAT(st.message(), HasSubstr("matches no file"));
  opt.paths = {dir.path()};
  ReadAll(opt, nullptr, &st);
  EXPECT_THAT(st.message(), HasSubstr("is a folder"));
  opt.paths = {dir.File("nope.jsonl")};
  opt.format = "csv";
  ReadAll(opt, nullptr, &st);
  EXPECT_THAT(st.message(), HasSubstr("'csv'"));
}

TEST(CorpusReader, JsonAtPath) {
  auto j = nlohmann::json::parse(R"({"a": {"b": {"c": 1}}, "x": 2})");
  ASSERT_NE(JsonAtPath(j, "a.b.c"), nullptr);
  EXPECT_EQ(*JsonAtPath(j, "a.b.c"), 1);
  EXPECT_EQ(*JsonAtPath(j, "x"), 2);
  EXPECT_EQ(JsonAtPath(j, "a.z"), nullptr);
  EXPECT_EQ(JsonAtPath(j, "x.y"), nullptr);
}

}  // namespace
}  // namespace mnemo
