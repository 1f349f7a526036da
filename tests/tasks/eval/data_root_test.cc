// Task data by Hugging Face name (--data-root, tasks/eval/task_data.h): lm-eval's own YAMLs
// (arc_easy, gsm8k: dataset_path is the Hub name) read from snapshot folders in the layouts
// `huggingface-cli download` and the Hub's refs/convert/parquet branch write, as JSON Lines or
// Parquet; a missing split names the paths tried; JSON records under a key (BBH's
// {"examples": [...]}, dataset_kwargs.field).
//
// The truth is the source rows themselves, parsed here with nlohmann::json: real GSM8K rows
// (datasets/data/gsm8k/test.jsonl), lm-eval import's ARC rows (nested choices: a struct of
// lists) and real BIG-Bench-Hard rows (data/data_root/README.md). Parquet files are written
// by the test's own DuckDB (tests/support/duckdb_util.h), never through the code under test;
// a build without DuckDB checks the refusal instead.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tasks/config/task_config.h"
#include "tasks/config/task_registry.h"
#include "tasks/eval/task.h"
#include "tasks/eval/task_data.h"
#include "tasks/eval/tasks_job.h"
#include "tests/support/duckdb_util.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;

const std::string kData = std::string(MNEMO_EVAL_TEST_DATA) + "/data_root";
const std::string kArcRows = std::string(MNEMO_EVAL_TEST_DATA) + "/lmeval_import/data/arc_easy";
const std::string kGsm8k = std::string(MNEMO_EVAL_SOURCE_ROOT) + "/datasets/data/gsm8k/test.jsonl";

// Every line of a JSON Lines file, parsed (the first `n`; 0 = all).
std::vector<json> JsonLines(const std::string& path, size_t n = 0) {
  return testing_util::ReadJsonLines(path, n);
}

void WriteJsonLines(const std::string& path, const std::vector<json>& rows) {
  std::string s;
  for (const auto& r : rows) s += r.dump() + "\n";
  fs::create_directories(fs::path(path).parent_path());
  WriteFile(path, s);
}

// `yaml` loaded as the registry loads it, with `data_root` ("" = none).
Result<TaskConfig> Load(const std::string& yaml, const std::string& data_root) {
  TaskConfig t;
  t.data_root = data_root;
  GroupConfig g;
  bool is_group = false;
  Status s = LoadTaskFile(yaml, &t, &g, &is_group);
  if (!s.ok()) return s;
  return t;
}

std::vector<json> MustLoadSplit(const TaskConfig& t, const std::string& split, size_t limit = 0) {
  auto docs = LoadSplit(t, split, limit);
  EXPECT_TRUE(docs.ok()) << docs.status().message();
  return docs.ok() ? std::vector<json>(docs->begin(), docs->end()) : std::vector<json>{};
}

void ExpectContains(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << p << "\n in: " << text;
}

TEST(DataRootTest, HubNameWithoutDataRootIsRefusedNamingDataRoot) {
  auto t = Load(kData + "/arc_easy.yaml", "");
  ASSERT_FALSE(t.ok());
  ExpectContains(t.status().message(),
                 {kData + "/arc_easy.yaml", "'dataset_path'", "allenai/ai2_arc", "never downloads",
                  "--data-root DIR", "DIR/allenai/ai2_arc"});
}

TEST(DataRootTest, RegistrySetsTheDataRootForEveryTask) {
  TempDir root;
  TaskRegistry without;
  without.AddDir(kData);
  without.Scan();
  EXPECT_EQ(without.tasks().count("arc_easy"), 0u);
  TaskRegistry with;
  with.AddDir(kData);
  with.SetDataRoot(root.path());
  with.Scan();
  ASSERT_EQ(with.tasks().count("arc_easy"), 1u);
  EXPECT_EQ(with.tasks().at("arc_easy").dataset_path, root.path() + "/allenai/ai2_arc");
  EXPECT_EQ(with.tasks().at("arc_easy").dataset_name, "ARC-Easy");
}

// A run config's tasks job: "data_root", relative to the config's folder.
TEST(DataRootTest, RunConfigDataRootIsRelativeToTheConfig) {
  TempDir dir;
  for (const char* split : {"train", "validation", "test"})
    WriteJsonLines(dir.path() + "/snap/allenai/ai2_arc/ARC-Easy/" + split + ".jsonl",
                   JsonLines(kArcRows + "/" + split + ".jsonl"));
  JobParseContext ctx;
  ctx.config_path = dir.File("run.json");
  ctx.field = "jobs[0]";
  ctx.resolve = [&](const std::string& p) {
    return fs::path(p).is_absolute() ? p : dir.path() + "/" + p;
  };
  json job = {{"kind", "tasks"}, {"tasks", {"arc_easy"}}, {"task_dirs", {kData}}};
  auto without = ParseTasksJob(job, ctx);
  ASSERT_FALSE(without.ok());
  ExpectContains(without.status().message(), {"arc_easy", "--data-root"});
  job["data_root"] = "snap";
  auto with = ParseTasksJob(job, ctx);
  ASSERT_TRUE(with.ok()) << with.status().message();
  job["data_root"] = 3;
  auto bad = ParseTasksJob(job, ctx);
  ASSERT_FALSE(bad.ok());
  ExpectContains(bad.status().message(), {dir.File("run.json"), "jobs[0].data_root"});
}

// huggingface-cli's layout with JSON Lines files: CONFIG/SPLIT.jsonl.
TEST(DataRootTest, ArcEasyFromAJsonlSnapshot) {
  TempDir root;
  const std::string cfg_dir = root.path() + "/allenai/ai2_arc/ARC-Easy";
  for (const char* split : {"train", "validation", "test"})
    WriteJsonLines(cfg_dir + "/" + split + ".jsonl", JsonLines(kArcRows + "/" + split + ".jsonl"));
  auto t = Load(kData + "/arc_easy.yaml", root.path());
  ASSERT_TRUE(t.ok()) << t.status().message();
  for (const char* split : {"train", "validation", "test"})
    EXPECT_EQ(MustLoadSplit(*t, split), JsonLines(kArcRows + "/" + split + ".jsonl")) << split;
}

TEST(DataRootTest, MissingSplitNamesEveryPathTried) {
  TempDir root;
  const std::string ds = root.path() + "/allenai/ai2_arc";
  WriteJsonLines(ds + "/ARC-Easy/train.jsonl", JsonLines(kArcRows + "/train.jsonl"));
  auto t = Load(kData + "/arc_easy.yaml", root.path());
  ASSERT_TRUE(t.ok()) << t.status().message();
  auto docs = LoadSplit(*t, "test");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), StatusCode::kNotFound);
  ExpectContains(docs.status().message(),
                 {"task 'arc_easy'", "split 'test'", "dataset_name 'ARC-Easy'",
                  ds + "/ARC-Easy/test/*.parquet", ds + "/ARC-Easy/test{.jsonl,.json,",
                  ds + "/ARC-Easy/test-*{.jsonl,", ".parquet}"});

  // No folder for the config: the config-less places are tried, each named.
  TempDir empty;
  auto e = Load(kData + "/arc_easy.yaml", empty.path());
  ASSERT_TRUE(e.ok()) << e.status().message();
  docs = LoadSplit(*e, "test");
  ASSERT_FALSE(docs.ok());
  const std::string eds = empty.path() + "/allenai/ai2_arc";
  ExpectContains(
      docs.status().message(),
      {eds + "/ARC-Easy/ (no such folder)", eds + "/test{.jsonl", eds + "/test-*{",
       eds + "/data/test{.jsonl", eds + "/data/test-*{", eds + "/default/test/*.parquet"});
}

TEST(DataRootTest, JsonRecordsUnderAKey) {
  auto t = Load(kData + "/bbh_boolean_json.yaml", "");
  ASSERT_TRUE(t.ok()) << t.status().message();
  const json file = json::parse(ReadFile(kData + "/bbh/boolean_expressions.json"));
  std::vector<json> want(file["examples"].begin(), file["examples"].end());
  ASSERT_EQ(want.size(), 6u);
  EXPECT_EQ(MustLoadSplit(*t, "test"), want);
  EXPECT_EQ(MustLoadSplit(*t, "test", 2), std::vector<json>(want.begin(), want.begin() + 2));

  // A key the file does not have, and dataset_kwargs other than data_files and field.
  TempDir dir;
  fs::copy(kData + "/bbh", dir.path() + "/bbh", fs::copy_options::recursive);
  std::string yaml = ReadFile(kData + "/bbh_boolean_json.yaml");
  std::string bad = yaml;
  const std::string kField = "\n  field: examples";  // the key, not the comment above it
  ASSERT_NE(yaml.find(kField), std::string::npos);
  bad.replace(bad.find(kField), kField.size(), "\n  field: inputs");
  WriteFile(dir.File("bad.yaml"), bad);
  auto b = Load(dir.File("bad.yaml"), "");
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto docs = LoadSplit(*b, "test");
  ASSERT_FALSE(docs.ok());
  ExpectContains(docs.status().message(), {dir.path() + "/bbh/boolean_expressions.json", "'inputs'",
                                           "dataset_kwargs.field"});
  std::string other = yaml;
  other.replace(other.find(kField), kField.size(), "\n  trust_remote_code: true");
  WriteFile(dir.File("other.yaml"), other);
  auto o = Load(dir.File("other.yaml"), "");
  ASSERT_FALSE(o.ok());
  ExpectContains(o.status().message(),
                 {"dataset_kwargs.trust_remote_code", "only data_files and field"});
}

// A snapshot whose dataset card declares its configs (README.md front matter `configs:`, as
// GPQA's: config gpqa_diamond is the file gpqa_diamond.csv, split train) is read as the card says;
// a config or split the card does not declare falls back to the folder layouts.
TEST(DataRootTest, ConfigsDeclaredByTheDatasetCard) {
  TempDir tmp;
  const std::string ds = tmp.path() + "/Org/cards";
  const std::vector<json> rows = JsonLines(kArcRows + "/test.jsonl");
  WriteJsonLines(ds + "/gpqa_diamond.jsonl", {rows[0], rows[1]});
  WriteJsonLines(ds + "/data/test-00001-of-00002.jsonl", {rows[3]});
  WriteJsonLines(ds + "/data/test-00000-of-00002.jsonl", {rows[2]});
  WriteFile(ds + "/README.md",
            "---\nlicense: cc-by-4.0\nconfigs:\n- config_name: gpqa_diamond\n"
            "  data_files: gpqa_diamond.jsonl\n- config_name: other\n  data_files:\n"
            "  - split: test\n    path: data/test-*.jsonl\n---\n# A card\n");
  auto yaml = [&](const std::string& name, const std::string& split) {
    const std::string path = tmp.File(name + ".yaml");
    WriteFile(path, "task: " + name + "\ndataset_path: Org/cards\ndataset_name: " + name + "\n" +
                        split + "_split: " + split +
                        "\ndoc_to_text: question\ndoc_to_target: "
                        "answerKey\n");
    return path;
  };
  auto diamond = Load(yaml("gpqa_diamond", "training"), tmp.path());
  ASSERT_TRUE(diamond.ok()) << diamond.status().message();
  EXPECT_EQ(MustLoadSplit(*diamond, "train"), (std::vector<json>{rows[0], rows[1]}));
  auto other = Load(yaml("other", "test"), tmp.path());
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_EQ(MustLoadSplit(*other, "test"), (std::vector<json>{rows[2], rows[3]}));  // name order
  auto missing = SplitFiles(*other, "validation");
  ASSERT_FALSE(missing.ok());
  ExpectContains(missing.status().message(), {ds + "/README.md configs: other split validation",
                                              ds + "/other/ (no such folder)"});
}

#ifdef MNEMO_HAVE_DUCKDB
using testing_util::Duck;

// Writes the rows [offset, offset + n) of the JSON Lines file `jsonl` (n = 0: to the end) as
// the Parquet file `parquet`.
void ToParquet(Duck* duck, const std::string& jsonl, const std::string& parquet, size_t offset = 0,
               size_t n = 0) {
  fs::create_directories(fs::path(parquet).parent_path());
  std::string sel = "SELECT * FROM read_json_auto('" + jsonl + "')";
  if (n != 0) sel += " LIMIT " + std::to_string(n);
  if (offset != 0) sel += " OFFSET " + std::to_string(offset);
  duck->Exec("COPY (" + sel + ") TO '" + parquet + "' (FORMAT parquet)");
}

// lm-eval's unchanged arc_easy.yaml reads the same documents (choices a struct of lists) from
// a Parquet snapshot, in huggingface-cli's layout and in refs/convert/parquet's (the test split
// in two shards), as from the rows' JSON Lines.
TEST(DataRootTest, ArcEasyFromParquetSnapshotsIsTheJsonlDocuments) {
  TempDir cli, convert;
  Duck duck;
  const std::string a = cli.path() + "/allenai/ai2_arc/ARC-Easy";
  const std::string b = convert.path() + "/allenai/ai2_arc/ARC-Easy";
  for (const char* split : {"train", "validation", "test"}) {
    const std::string src = kArcRows + "/" + split + ".jsonl";
    ToParquet(&duck, src, a + "/" + split + "-00000-of-00001.parquet");
    if (std::string(split) == "test") {
      ToParquet(&duck, src, b + "/test/0000.parquet", 0, 5);
      ToParquet(&duck, src, b + "/test/0001.parquet", 5);
    } else {
      ToParquet(&duck, src, b + "/" + split + "/0000.parquet");
    }
  }
  for (const std::string& root : {cli.path(), convert.path()}) {
    auto t = Load(kData + "/arc_easy.yaml", root);
    ASSERT_TRUE(t.ok()) << t.status().message();
    for (const char* split : {"train", "validation", "test"})
      EXPECT_EQ(MustLoadSplit(*t, split), JsonLines(kArcRows + "/" + split + ".jsonl"))
          << root << " " << split;
    // The limit stops inside the second shard.
    EXPECT_EQ(MustLoadSplit(*t, "test", 6), JsonLines(kArcRows + "/test.jsonl", 6));
  }
  auto t = Load(kData + "/arc_easy.yaml", convert.path());
  ASSERT_TRUE(t.ok());
  auto files = SplitFiles(*t, "test");
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(*files, (std::vector<std::string>{b + "/test/0000.parquet", b + "/test/0001.parquet"}));
  EXPECT_EQ(JsonLines(kArcRows + "/test.jsonl").size(), 8u);  // both shards hold rows
}

// refs/convert/parquet names a script dataset's only config after it (EleutherAI/drop's
// drop/validation/*.parquet, and lm-eval's drop YAML names no dataset_name): one config folder
// is the dataset; two are refused, naming them.
TEST(DataRootTest, TheOnlyParquetConfigOfADatasetWithoutDatasetName) {
  TempDir tmp;
  Duck duck;
  const std::string ds = tmp.path() + "/allenai/ai2_arc";
  const std::string src = kArcRows + "/test.jsonl";
  ToParquet(&duck, src, ds + "/drop/test/0000.parquet");
  const std::string yaml = tmp.File("t.yaml");
  WriteFile(yaml,
            "task: t\ndataset_path: allenai/ai2_arc\ntest_split: test\ndoc_to_text: "
            "question\ndoc_to_target: answerKey\n");
  auto t = Load(yaml, tmp.path());
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(MustLoadSplit(*t, "test"), JsonLines(src));
  ToParquet(&duck, src, ds + "/second/test/0000.parquet");
  auto two = SplitFiles(*t, "test");
  ASSERT_FALSE(two.ok());
  ExpectContains(two.status().message(), {"several configs with split 'test': drop, second"});
}

// Real GSM8K rows: lm-eval's unchanged gsm8k.yaml (openai/gsm8k, config main) from
// main/SPLIT-00000-of-00001.parquet, and a config-less snapshot's data/SPLIT-*.parquet shards
// (boolq's layout), concatenated in name order.
TEST(DataRootTest, Gsm8kRealRowsFromParquet) {
  TempDir tmp, root;
  Duck duck;
  const std::vector<json> rows = JsonLines(kGsm8k, 30);
  ASSERT_EQ(rows.size(), 30u);
  WriteJsonLines(tmp.File("rows.jsonl"), rows);
  const std::string ds = root.path() + "/openai/gsm8k/main";
  ToParquet(&duck, tmp.File("rows.jsonl"), ds + "/test-00000-of-00001.parquet");
  ToParquet(&duck, tmp.File("rows.jsonl"), ds + "/train-00000-of-00001.parquet", 0, 10);
  auto t = Load(kData + "/gsm8k.yaml", root.path());
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(MustLoadSplit(*t, "test"), rows);
  EXPECT_EQ(MustLoadSplit(*t, "train"), std::vector<json>(rows.begin(), rows.begin() + 10));

  const std::string data = root.path() + "/google/boolq/data";
  ToParquet(&duck, tmp.File("rows.jsonl"), data + "/validation-00001-of-00002.parquet", 12);
  ToParquet(&duck, tmp.File("rows.jsonl"), data + "/validation-00000-of-00002.parquet", 0, 12);
  WriteFile(tmp.File("boolq.yaml"),
            "task: boolq_like\ndataset_path: google/boolq\nvalidation_split: validation\n"
            "doc_to_text: question\ndoc_to_target: answer\n");
  auto q = Load(tmp.File("boolq.yaml"), root.path());
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(MustLoadSplit(*q, "validation"), rows);
}

// DROP's rows from Parquet keep the schema's column and struct-field order (the JSON rows' order,
// which read_json_auto keeps), as Python's datasets gives them: lm-eval's doc_to_target
// `{{ answer|join(',')}}` joins the `answer` keys in that order, as python3's jinja2 does on the
// same rows (drop_xquad_expected.py writes its renders).
TEST(DataRootTest, DropParquetRowsKeepTheSchemasKeyOrder) {
  const std::string drop = std::string(MNEMO_EVAL_TEST_DATA) + "/drop_xquad";
  const json expected =
      json::parse(ReadFile(drop + "/drop_xquad_expected.json")).at("drop_fewshot_targets");
  TempDir tmp;
  Duck duck;
  ToParquet(&duck, drop + "/drop/data/train.jsonl",
            tmp.path() + "/ucinlp/drop/train-00000-of-00001.parquet");
  const std::string yaml = tmp.File("drop.yaml");
  WriteFile(yaml,
            "task: drop_parquet\ndataset_path: ucinlp/drop\ntest_split: train\n"
            "output_type: generate_until\ndoc_to_text: question\ndoc_to_target: \"" +
                expected.at("template").get<std::string>() + "\"\n");
  auto t = Load(yaml, tmp.path());
  ASSERT_TRUE(t.ok()) << t.status().message();
  auto task = Task::Create(*t);
  ASSERT_TRUE(task.ok()) << task.status().message();
  auto docs = LoadSplit(*t, "train");
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), expected.at("targets").size());
  auto keys = [](const Doc& d) {
    std::vector<std::string> k;
    for (auto it = d.begin(); it != d.end(); ++it) k.push_back(it.key());
    return k;
  };
  for (size_t i = 0; i < docs->size(); ++i) {
    const Doc& d = (*docs)[i];
    EXPECT_EQ(keys(d), (std::vector<std::string>{"section_id", "passage", "question", "query_id",
                                                 "answer", "validated_answers"}));
    EXPECT_EQ(keys(d["answer"]["date"]), (std::vector<std::string>{"day", "month", "year"}));
    auto target = (*task)->TargetText(d);
    ASSERT_TRUE(target.ok()) << target.status().message();
    EXPECT_EQ(*target, expected.at("targets")[i].get<std::string>()) << "row " << i;
  }
}

#else  // MNEMO_HAVE_DUCKDB

TEST(DataRootTest, ParquetSplitWithoutDuckDbNamesTheFileAndTheFix) {
  TempDir root;
  const std::string file = root.path() + "/allenai/ai2_arc/ARC-Easy/test-00000-of-00001.parquet";
  fs::create_directories(fs::path(file).parent_path());
  WriteFile(file, "PAR1");
  auto t = Load(kData + "/arc_easy.yaml", root.path());
  ASSERT_TRUE(t.ok()) << t.status().message();
  auto docs = LoadSplit(*t, "test");
  ASSERT_FALSE(docs.ok());
  ExpectContains(docs.status().message(), {file, "DuckDB", "scripts/provision-duckdb.sh"});
}

#endif  // MNEMO_HAVE_DUCKDB

}  // namespace
}  // namespace mnemo
