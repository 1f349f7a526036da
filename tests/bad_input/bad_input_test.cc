// The bad-input suite (issue 9): every case of cases.json in this folder runs the mnemo
// binary on a bad file and asserts its exit code and message, and where the case says so,
// what it wrote, what it must not have created and what it must have left untouched. Files
// too big or too derived to commit (a 100 MB line, a truncated copy of the model, a SQLite
// file) are made by the test from the "make" recipes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDir = MNEMO_BAD_INPUT_DIR;

const json& Manifest() {
  static const json manifest = json::parse(ReadFile(kDir + "/cases.json"));
  return manifest;
}

std::vector<int> CaseIndices() {
  std::vector<int> v;
  for (size_t i = 0; i < Manifest()["cases"].size(); ++i) v.push_back(static_cast<int>(i));
  return v;
}

// Values a recipe publishes for the case text, as "{FILE:NAME+K}".
using Vars = std::map<std::string, int64_t>;

std::string Substitute(std::string s, const std::string& tmp, const Vars& vars) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
      s.replace(p, from.size(), to);
  };
  replace_all("{dir}", kDir);
  replace_all("{tmp}", tmp);
  replace_all("{fixtures}", MNEMO_FIXTURES_DIR);
  std::regex var(R"(\{([^{}:]+):([a-z_]+)\+(\d+)\})");
  std::smatch m;
  while (std::regex_search(s, m, var)) {
    auto it = vars.find(m[1].str() + ":" + m[2].str());
    if (it == vars.end()) {
      ADD_FAILURE() << "no recipe value " << m[0];
      break;
    }
    s.replace(m.position(0), m.length(0), std::to_string(it->second + std::stoll(m[3].str())));
  }
  return s;
}

// Makes `name` under tmp from its recipe in the manifest.
void Make(const std::string& name, const std::string& tmp, Vars* vars) {
  const json& r = Manifest()["make"][name];
  const std::string kind = r["kind"];
  const std::string out = tmp + "/" + name;
  if (kind == "truncate") {
    std::string full = ReadFile(Substitute(r["from"], tmp, *vars));
    ASSERT_GT(full.size(), r["bytes"].get<size_t>());
    WriteFile(out, full.substr(0, r["bytes"].get<size_t>()));
  } else if (kind == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(out.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, ReadFile(Substitute(r["script"], tmp, *vars)).c_str(), nullptr,
                          nullptr, &err);
    std::string message = err != nullptr ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  } else if (kind == "big_line") {
    // One JSONL line {"id": "big", "text": "<filler words...><tail>"}, at least `mb` MB.
    const std::string head = "{\"id\": \"big\", \"text\": \"";
    const std::string tail = r["tail"];
    const std::string words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do ";
    const size_t target = r["mb"].get<size_t>() * 1000000;
    std::string filler;
    filler.reserve(target + words.size());
    while (filler.size() < target) filler += words;
    std::ofstream f(out, std::ios::binary);
    f << head << filler << tail << "\"}\n";
    ASSERT_TRUE(f.good());
    (*vars)[name + ":tail_offset"] = static_cast<int64_t>(filler.size());  // in the text field
  } else {
    FAIL() << "unknown recipe kind " << kind;
  }
}

class BadInputTest : public testing::TestWithParam<int> {};

TEST_P(BadInputTest, GivesTheRightMessageAndExitCode) {
  const json& c = Manifest()["cases"][GetParam()];
  SCOPED_TRACE(c["name"].get<std::string>());
  if (c.value("needs", "") == "llamacpp" &&
      !fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so"))
    GTEST_SKIP() << "llamacpp backend not built";
  TempDir d;
  Vars vars;
  for (const auto& name : c.value("uses", json::array())) {
    Make(name.get<std::string>(), d.path(), &vars);
    if (HasFatalFailure()) return;
  }
  std::map<std::string, std::string> before;
  for (const auto& p : c.value("unchanged", json::array())) {
    std::string path = Substitute(p, d.path(), vars);
    before[path] = ReadFile(path);
    ASSERT_FALSE(before[path].empty()) << path;
  }
  std::string cmd = Quote(MNEMO_EXE);
  for (const auto& a : c["args"]) cmd += " " + Quote(Substitute(a, d.path(), vars));
  auto r = RunCommand(cmd);

  EXPECT_EQ(r.exit_code, c["exit"].get<int>()) << cmd << "\n" << r.output;
  for (const auto& m : c.value("message", json::array())) {
    std::string want = Substitute(m, d.path(), vars);
    EXPECT_NE(r.output.find(want), std::string::npos) << "wanted: " << want << "\ngot:\n"
                                                      << r.output;
  }
  if (c.contains("output")) {
    std::string written = ReadFile(Substitute(c["output"]["file"], d.path(), vars));
    for (const auto& m : c["output"]["contains"]) {
      std::string want = Substitute(m, d.path(), vars);
      EXPECT_NE(written.find(want), std::string::npos)
          << "wanted in the output: " << want << "\nit has:\n"
          << written.substr(0, 2000);
    }
  }
  for (const auto& p : c.value("absent", json::array()))
    EXPECT_FALSE(fs::exists(Substitute(p, d.path(), vars))) << p << " was created";
  for (const auto& [path, bytes] : before)
    EXPECT_TRUE(ReadFile(path) == bytes) << path << " was modified";
}

std::string CaseName(const testing::TestParamInfo<int>& info) {
  std::string name = Manifest()["cases"][info.param]["name"];
  std::string out = std::to_string(info.param) + "_";
  for (char ch : name) out += std::isalnum(static_cast<unsigned char>(ch)) != 0 ? ch : '_';
  return out.substr(0, 60);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInputTest, testing::ValuesIn(CaseIndices()), CaseName);

}  // namespace
}  // namespace mnemo
