// Local task data (tasks/eval/task_data.h): CSV/TSV (RFC 4180 quoting), headerless CSV with
// dataset_columns, text, JSON Lines / JSON arrays / gzip, WikiText article splitting, and
// split files inside a dataset folder.
//
// Expected CSV/TSV records are what Python's csv module (3.11, newline='') reads from the
// fixture files in tests/tasks/eval/data/csv. The WikiText article count is
//   grep -cE '^ = [^=].* = $' datasets/data/wikitext-2/test.txt   -> 62
//   grep -cE '^ = [^=].* = $' datasets/data/wikitext-2/valid.txt  -> 60
#include "tasks/eval/task_data.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;
using testing_util::ReadFile;

const std::string kData = MNEMO_EVAL_TEST_DATA;
const std::string kRoot = MNEMO_EVAL_SOURCE_ROOT;

// A task reading `file` as its test split.
TaskConfig FileTask(const std::string& file, const std::string& format = "") {
  TaskConfig t;
  t.task = "data_task";
  t.source_path = "/fixtures/data_task.yaml";
  t.test_split = "test";
  t.data_files["test"] = file;
  t.dataset_format = format;
  return t;
}

std::vector<json> MustLoad(const TaskConfig& t, const std::string& split = "test",
                           size_t limit = 0) {
  auto docs = LoadSplit(t, split, limit);
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  return docs.ok() ? std::vector<json>(docs->begin(), docs->end()) : std::vector<json>{};
}

TEST(TaskDataTest, CsvWithQuotesEscapedQuotesEmbeddedNewlinesAndCrlf) {
  auto docs = MustLoad(FileTask(kData + "/csv/quoted_crlf.csv"));
  // Python: [['1', 'Hello, world', 'plain'], ['2', 'She said "hi"', 'two\r\nlines'],
  //          ['3', '', '  spaced  '], ['4', 'a "quoted" word, and comma', 'x']]
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0], json({{"id", "1"}, {"question", "Hello, world"}, {"answer", "plain"}}));
  EXPECT_EQ(docs[1]["question"], "She said \"hi\"");
  EXPECT_EQ(docs[2], json({{"id", "3"}, {"question", ""}, {"answer", "  spaced  "}}));
  EXPECT_EQ(docs[3],
            json({{"id", "4"}, {"question", "a \"quoted\" word, and comma"}, {"answer", "x"}}));
  // The field that spans two lines keeps its CRLF, as Python's csv module and pandas (behind
  // HF's csv loader) read it.
  EXPECT_EQ(docs[1]["answer"], "two\r\nlines");
}

TEST(TaskDataTest, CsvWithLfEmbeddedNewlinesAndBlankLines) {
  auto docs = MustLoad(FileTask(kData + "/csv/quoted_lf.csv"));
  // Python: [['1', 'first\nsecond\nthird', 'a'], [], ['2', '"', 'b']]; the blank line is no
  // record.
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], json({{"id", "1"}, {"question", "first\nsecond\nthird"}, {"answer", "a"}}));
  EXPECT_EQ(docs[1], json({{"id", "2"}, {"question", "\""}, {"answer", "b"}}));
}

TEST(TaskDataTest, ParseCsvRecordDirectly) {
  std::vector<std::string> rec;
  std::string error;
  std::string data = "a,\"b,c\",\"d\"\"e\"\r\n\"x\ny\",,z";
  size_t pos = 0;
  ASSERT_TRUE(ParseCsvRecord(data, &pos, ',', &rec, &error)) << error;
  EXPECT_EQ(rec, (std::vector<std::string>{"a", "b,c", "d\"e"}));
  ASSERT_TRUE(ParseCsvRecord(data, &pos, ',', &rec, &error)) << error;
  EXPECT_EQ(rec, (std::vector<std::string>{"x\ny", "", "z"}));
  EXPECT_FALSE(ParseCsvRecord(data, &pos, ',', &rec, &error));
  EXPECT_TRUE(error.empty());

  pos = 0;
  std::string open = "a,\"never closed\n";
  EXPECT_FALSE(ParseCsvRecord(open, &pos, ',', &rec, &error));
  EXPECT_NE(error.find("unterminated"), std::string::npos) << error;
}

TEST(TaskDataTest, HeaderlessCsvUsesDatasetColumns) {
  TaskConfig t = FileTask(kData + "/csv/headerless.csv");
  t.dataset_columns = {"question", "A", "B", "C", "D", "answer"};
  auto docs = MustLoad(t);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], json({{"question", "What is 2+2?"},
                           {"A", "3"},
                           {"B", "4"},
                           {"C", "5"},
                           {"D", "6"},
                           {"answer", "B"}}));
  EXPECT_EQ(docs[1]["question"], "Pick \"C\"");
  EXPECT_EQ(docs[1]["answer"], "C");

  // Without dataset_columns the first row is the header.
  auto as_header = MustLoad(FileTask(kData + "/csv/headerless.csv"));
  ASSERT_EQ(as_header.size(), 1u);
  EXPECT_EQ(as_header[0]["What is 2+2?"], "Pick \"C\"");
}

TEST(TaskDataTest, WrongColumnCountNamesFileAndLine) {
  const std::string file = kData + "/csv/bad_columns.csv";
  auto docs = LoadSplit(FileTask(file), "test");
  ASSERT_FALSE(docs.ok());
  // The record "7,8" starts on line 5 (line 3 holds a field that runs onto line 4).
  EXPECT_NE(docs.status().message().find(file + ":5:"), std::string::npos)
      << docs.status().message();
  EXPECT_NE(docs.status().message().find("expected 3 columns"), std::string::npos)
      << docs.status().message();
  EXPECT_NE(docs.status().message().find("found 2"), std::string::npos) << docs.status().message();

  TaskConfig cols = FileTask(kData + "/csv/headerless.csv");
  cols.dataset_columns = {"question", "answer"};
  auto c = LoadSplit(cols, "test");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("headerless.csv:1:"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("dataset_columns"), std::string::npos)
      << c.status().message();
}

TEST(TaskDataTest, Tsv) {
  auto docs = MustLoad(FileTask(kData + "/csv/data.tsv"));
  // Python (delimiter='\t'): [['a, b and c', '1'], ['quoted\ttab', '0']]
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], json({{"sentence", "a, b and c"}, {"label", "1"}}));
  EXPECT_EQ(docs[1], json({{"sentence", "quoted\ttab"}, {"label", "0"}}));
}

TEST(TaskDataTest, TextIsOneDocumentPerNonEmptyLine) {
  // mnemo's documented rule (HF's text loader would also keep the blank lines as documents).
  auto docs = MustLoad(FileTask(kData + "/csv/lines.txt"));
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0], json({{"text", "first line"}}));
  EXPECT_EQ(docs[1], json({{"text", "second  line "}}));  // "\r\n" ends the line
  EXPECT_EQ(docs[2], json({{"text", "third"}}));

  TaskConfig by_loader = FileTask(kData + "/csv/lines.txt");
  by_loader.dataset_path = "text";
  EXPECT_EQ(MustLoad(by_loader).size(), 3u);
}

TEST(TaskDataTest, LimitStopsEarly) {
  EXPECT_EQ(MustLoad(FileTask(kData + "/csv/quoted_crlf.csv"), "test", 2).size(), 2u);
  EXPECT_EQ(MustLoad(FileTask(kData + "/docs/qa.jsonl"), "test", 3).size(), 3u);
}

TEST(TaskDataTest, JsonArrayJsonLinesAndGzip) {
  auto arr = MustLoad(FileTask(kData + "/folder/validation.json"));
  ASSERT_EQ(arr.size(), 1u);
  EXPECT_EQ(arr[0], json({{"q", "v1"}, {"a", "x"}}));
  auto gz = MustLoad(FileTask(kData + "/folder/extra.jsonl.gz"));
  ASSERT_EQ(gz.size(), 2u);
  EXPECT_EQ(gz[1], json({{"q", "g2"}, {"a", "y"}}));
  // HF's "json" loader reads JSON Lines from a .json file too.
  TaskConfig lines = FileTask(kData + "/docs/qa.jsonl");
  lines.dataset_path = "json";
  lines.dataset_format = "json";
  EXPECT_EQ(MustLoad(lines).size(), 4u);
}

// Documents keep their keys in the file's order, as Python's json.loads and csv.DictReader give
// them (and as Jinja2 then iterates them): JSON Lines, a JSON array, records under a key (nested
// objects too), CSV and TSV headers.
TEST(TaskDataTest, KeysKeepTheFilesOrder) {
  testing_util::TempDir dir;
  auto keys = [](const Doc& d) {
    std::vector<std::string> k;
    for (auto it = d.begin(); it != d.end(); ++it) k.push_back(it.key());
    return k;
  };
  const std::string row = R"({"zeta": 1, "alpha": {"y": 1, "b": 2}, "mid": 3})";
  testing_util::WriteFile(dir.File("a.jsonl"), row + "\n");
  testing_util::WriteFile(dir.File("a.json"), "[" + row + "]");
  testing_util::WriteFile(dir.File("r.json"), R"({"examples": [)" + row + "]}");
  testing_util::WriteFile(dir.File("a.csv"), "zeta,alpha,mid\n1,2,3\n");
  testing_util::WriteFile(dir.File("a.tsv"), "zeta\talpha\tmid\n1\t2\t3\n");
  for (const char* name : {"a.jsonl", "a.json", "r.json", "a.csv", "a.tsv"}) {
    SCOPED_TRACE(name);
    TaskConfig t = FileTask(dir.File(name));
    if (std::string(name) == "r.json") t.data_field = "examples";
    auto docs = LoadSplit(t, "test");
    ASSERT_TRUE(docs.ok()) << docs.status().ToString();
    ASSERT_EQ(docs->size(), 1u);
    EXPECT_EQ(keys((*docs)[0]), (std::vector<std::string>{"zeta", "alpha", "mid"}));
    if ((*docs)[0]["alpha"].is_object())
      EXPECT_EQ(keys((*docs)[0]["alpha"]), (std::vector<std::string>{"y", "b"}));
    else
      EXPECT_NE(std::string(name).find("sv"), std::string::npos);
  }
}

TEST(TaskDataTest, WikitextArticles) {
  const std::string file = kRoot + "/datasets/data/wikitext-2/test.txt";
  auto docs = MustLoad(FileTask(file, "wikitext_articles"));
  ASSERT_EQ(docs.size(), 62u);  // grep -cE '^ = [^=].* = $' test.txt
  const std::string first = docs[0]["page"].get<std::string>();
  EXPECT_EQ(first.rfind(" = Robert <unk> = \n", 0), 0u) << first.substr(0, 40);
  // Every article starts at a heading, and together they are the file without its leading
  // blank line " \n".
  std::string joined;
  for (const auto& d : docs) {
    const std::string page = d["page"].get<std::string>();
    EXPECT_EQ(page.rfind(" = ", 0), 0u);
    EXPECT_NE(page.substr(0, 4), " = =");
    joined += page;
  }
  const std::string content = ReadFile(file);
  ASSERT_EQ(content.rfind(" \n", 0), 0u);
  EXPECT_EQ(joined, content.substr(2));

  auto valid =
      MustLoad(FileTask(kRoot + "/datasets/data/wikitext-2/valid.txt", "wikitext_articles"));
  EXPECT_EQ(valid.size(), 60u);  // grep -cE '^ = [^=].* = $' valid.txt
  EXPECT_EQ(MustLoad(FileTask(file, "wikitext_articles"), "test", 5).size(), 5u);
}

TEST(TaskDataTest, SplitFilesInsideAFolder) {
  TaskConfig t;
  t.task = "folder_task";
  t.source_path = "/fixtures/folder_task.yaml";
  t.dataset_path = kData + "/folder";
  t.training_split = "train";
  t.validation_split = "validation";
  t.test_split = "test";
  auto train = SplitFile(t, "train");
  ASSERT_TRUE(train.ok()) << train.status().ToString();
  EXPECT_EQ(*train, kData + "/folder/train.jsonl");
  auto test = SplitFile(t, "test");
  ASSERT_TRUE(test.ok()) << test.status().ToString();
  EXPECT_EQ(*test, kData + "/folder/test.csv");
  auto valid = SplitFile(t, "validation");
  ASSERT_TRUE(valid.ok()) << valid.status().ToString();
  EXPECT_EQ(*valid, kData + "/folder/validation.json");
  auto extra = SplitFile(t, "extra");
  ASSERT_TRUE(extra.ok()) << extra.status().ToString();
  EXPECT_EQ(*extra, kData + "/folder/extra.jsonl.gz");

  auto test_docs = MustLoad(t, "test");
  ASSERT_EQ(test_docs.size(), 3u);
  EXPECT_EQ(test_docs[2], json({{"q", "s3"}, {"a", "z"}}));
  EXPECT_EQ(MustLoad(t, "train").size(), 2u);
}

TEST(TaskDataTest, MissingSplitNamesTaskAndSplit) {
  TaskConfig t;
  t.task = "folder_task";
  t.source_path = "/fixtures/folder_task.yaml";
  t.dataset_path = kData + "/folder";
  auto f = SplitFile(t, "dev");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("'folder_task'"), std::string::npos) << f.status().message();
  EXPECT_NE(f.status().message().find("'dev'"), std::string::npos) << f.status().message();

  // data_files without the split.
  TaskConfig files = FileTask(kData + "/docs/qa.jsonl");
  auto g = LoadSplit(files, "train");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("'data_task'"), std::string::npos) << g.status().message();
  EXPECT_NE(g.status().message().find("'train'"), std::string::npos) << g.status().message();

  // A single file serves only the evaluation split.
  TaskConfig one;
  one.task = "one_file";
  one.source_path = "/fixtures/one_file.yaml";
  one.dataset_path = kData + "/docs/qa.jsonl";
  one.test_split = "test";
  EXPECT_TRUE(SplitFile(one, "test").ok());
  auto h = SplitFile(one, "train");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("'one_file'"), std::string::npos) << h.status().message();
  EXPECT_NE(h.status().message().find("'train'"), std::string::npos) << h.status().message();
}

TEST(TaskDataTest, UnknownFormatIsRefused) {
  auto docs = LoadSplit(FileTask(kData + "/docs/qa.jsonl", "arrow"), "test");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.status().message().find("dataset_format"), std::string::npos);
}

}  // namespace
}  // namespace mnemo
