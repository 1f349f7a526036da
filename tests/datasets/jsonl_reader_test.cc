// JsonlReader and ReadJsonl: objects per non-blank line, errors naming file and line.
#include "datasets/io/jsonl_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;
using testing_util::TempDir;
using testing_util::WriteFile;

struct Read {
  std::vector<nlohmann::json> objects;
  std::vector<int64_t> lines;  // line_number() after each object
  Status status;
};

Read ReadAll(const std::string& path) {
  Read out;
  auto r = JsonlReader::Open(path);
  if (!r.ok()) {
    out.status = r.status();
    return out;
  }
  nlohmann::json obj;
  while ((*r)->Next(&obj)) {
    out.objects.push_back(obj);
    out.lines.push_back((*r)->line_number());
  }
  out.status = (*r)->status();
  EXPECT_FALSE((*r)->Next(&obj));  // sticky after the end or an error
  return out;
}

TEST(JsonlReaderTest, ObjectsInOrder) {
  TempDir dir;
  WriteFile(dir.File("a.jsonl"),
            "{\"id\": 1, \"q\": \"first\"}\n{\"id\": 2, \"nested\": {\"x\": [1, 2]}}\n");
  Read r = ReadAll(dir.File("a.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0]["id"], 1);
  EXPECT_EQ(r.objects[0]["q"], "first");
  EXPECT_EQ(r.objects[1]["nested"]["x"][1], 2);
  EXPECT_EQ(r.lines, (std::vector<int64_t>{1, 2}));
}

TEST(JsonlReaderTest, BlankLinesAreSkippedButCounted) {
  TempDir dir;
  // Lines: 1 blank, 2 object, 3 spaces and a tab, 4 CRLF blank, 5 object, 6 blank, 7 object.
  WriteFile(dir.File("a.jsonl"), "\n{\"n\": 2}\n  \t \n\r\n{\"n\": 5}\r\n\n  {\"n\": 7}  ");
  Read r = ReadAll(dir.File("a.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.objects[0]["n"], 2);
  EXPECT_EQ(r.objects[1]["n"], 5);
  EXPECT_EQ(r.objects[2]["n"], 7);
  EXPECT_EQ(r.lines, (std::vector<int64_t>{2, 5, 7}));
}

TEST(JsonlReaderTest, InvalidJsonNamesFileAndLine) {
  TempDir dir;
  const std::string path = dir.File("bad.jsonl");
  WriteFile(path, "{\"a\": 1}\n\n{\"a\": 2,}\n{\"a\": 4}\n");
  Read r = ReadAll(path);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), path +
                                    ":3: not valid JSON at byte 9: syntax error while parsing "
                                    "object key - unexpected '}'; expected string literal");
  ASSERT_EQ(r.objects.size(), 1u);  // the reader stops at the bad line
  EXPECT_EQ(r.objects[0]["a"], 1);
}

TEST(JsonlReaderTest, TruncatedObjectIsInvalidJson) {
  TempDir dir;
  const std::string path = dir.File("bad.jsonl");
  WriteFile(path, "{\"a\": \"unterminated");
  Read r = ReadAll(path);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), path +
                                    ":1: not valid JSON at byte 20: syntax error while parsing "
                                    "value - invalid string: missing closing quote");
}

TEST(JsonlReaderTest, NonObjectLineNamesFileLineAndType) {
  TempDir dir;
  const struct {
    const char* line;
    const char* type;
  } cases[] = {{"[1, 2]", "array"},
               {"42", "number"},
               {"\"text\"", "string"},
               {"null", "null"},
               {"true", "boolean"}};
  for (const auto& c : cases) {
    const std::string path = dir.File("n.jsonl");
    WriteFile(path, std::string("{\"ok\": 1}\n") + c.line + "\n");
    Read r = ReadAll(path);
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument) << c.line;
    EXPECT_EQ(r.status.message(), path + ":2: expected a JSON object, got " + c.type);
    EXPECT_EQ(r.objects.size(), 1u);
  }
}

TEST(JsonlReaderTest, InvalidUtf8InAStringIsAnErrorNamingTheLine) {
  TempDir dir;
  // A lone continuation byte, a truncated 2-byte sequence, an overlong encoding of '/',
  // and an encoded surrogate: none is UTF-8.
  const std::pair<const char*, const char*> cases[] = {
      {"\x80", "0x80"}, {"\xc3", "0xC3"}, {"\xc0\xaf", "0xC0"}, {"\xed\xa0\x80", "0xED"}};
  for (const auto& [bad, hex] : cases) {
    const std::string path = dir.File("u.jsonl");
    WriteFile(path, std::string("{\"a\": \"ok\"}\n{\"a\": \"x") + bad + "y\"}\n");
    Read r = ReadAll(path);
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
    // Byte 9 (1-based) of the line is the bad sequence's first byte.
    EXPECT_EQ(r.status.message(), path +
                                      ":2: not valid JSON at byte 9: syntax error while parsing "
                                      "value - invalid string: ill-formed UTF-8 byte " +
                                      hex);
    EXPECT_EQ(r.objects.size(), 1u);
  }
}

TEST(JsonlReaderTest, Utf8AndEscapesDecode) {
  TempDir dir;
  // "é" raw (C3 A9) and as \u00e9, "😀" as a surrogate pair escape (F0 9F 98 80).
  WriteFile(dir.File("u.jsonl"),
            "{\"a\": \"caf\xc3\xa9\", \"b\": \"caf\\u00e9\", \"c\": \"\\ud83d\\ude00\"}\n");
  Read r = ReadAll(dir.File("u.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0]["a"].get<std::string>(), "caf\xc3\xa9");
  EXPECT_EQ(r.objects[0]["b"].get<std::string>(), "caf\xc3\xa9");
  EXPECT_EQ(r.objects[0]["c"].get<std::string>(), "\xf0\x9f\x98\x80");
}

TEST(JsonlReaderTest, FieldErrorFormat) {
  TempDir dir;
  const std::string path = dir.File("f.jsonl");
  WriteFile(path, "\n{\"a\": 1}\n\n{\"b\": 2}\n");
  auto r = JsonlReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  nlohmann::json obj;
  ASSERT_TRUE((*r)->Next(&obj));
  EXPECT_EQ((*r)->FieldError("answer", "is missing"), path + ":2: field 'answer' is missing");
  ASSERT_TRUE((*r)->Next(&obj));
  EXPECT_EQ((*r)->FieldError("a.b", "must be a string"), path + ":4: field 'a.b' must be a string");
  EXPECT_EQ((*r)->path(), path);
}

TEST(JsonlReaderTest, GzipJsonl) {
  TempDir dir;
  const std::string path = dir.File("a.jsonl.gz");
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string text = "{\"i\": 0}\n\n{\"i\": 1}\n";
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
  Read r = ReadAll(path);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[1]["i"], 1);
  EXPECT_EQ(r.lines, (std::vector<int64_t>{1, 3}));
}

TEST(JsonlReaderTest, ReadJsonlWholeFileAndErrors) {
  TempDir dir;
  WriteFile(dir.File("a.jsonl"), "{\"k\": \"v\"}\n{\"k\": \"w\"}\n");
  auto all = ReadJsonl(dir.File("a.jsonl"));
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0]["k"], "v");
  EXPECT_EQ((*all)[1]["k"], "w");

  WriteFile(dir.File("b.jsonl"), "{\"k\": 1}\n{oops}\n");
  auto bad = ReadJsonl(dir.File("b.jsonl"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              StartsWith(dir.File("b.jsonl") + ":2: not valid JSON at byte 2"));

  auto missing = ReadJsonl(dir.File("missing.jsonl"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.File("missing.jsonl")), std::string::npos);
}

TEST(JsonlReaderTest, ACorruptCompressedFileIsPassedOnAsBadInput) {
  TempDir dir;
  const std::string path = dir.File("c.jsonl.gz");
  WriteFile(path, "{\"not\": \"gzip\"}\n");
  Read r = ReadAll(path);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message().rfind(path + ": ", 0), 0u) << r.status.message();
  EXPECT_TRUE(r.objects.empty());
}

}  // namespace
}  // namespace mnemo
