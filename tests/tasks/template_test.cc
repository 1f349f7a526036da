// `{{field}}` templates: parsing, rendering, and the errors that name what is wrong.
#include "tasks/template.h"

#include <gtest/gtest.h>

#include <string>

namespace mnemo {
namespace {

using nlohmann::json;

// Parses and renders, failing the test on a parse error.
Result<std::string> Render(const std::string& source, const json& doc,
                           const std::string& where = "doc.jsonl:1") {
  auto t = Template::Parse(source);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (!t.ok()) return t.status();
  return t->Render(doc, where);
}

std::string Ok(const std::string& source, const json& doc) {
  auto r = Render(source, doc);
  EXPECT_TRUE(r.ok()) << source << ": " << r.status().ToString();
  return r.ok() ? r.value() : "<error>";
}

TEST(TemplateTest, LiteralTextIsUnchanged) {
  EXPECT_EQ(Ok("Question: what?\nAnswer:", json::object()), "Question: what?\nAnswer:");
  EXPECT_EQ(Ok("", json::object()), "");
  // Single braces and a lone closing pair are literal.
  EXPECT_EQ(Ok("{a} } }} {", json::object()), "{a} } }} {");
}

TEST(TemplateTest, Fields) {
  const json doc = {{"a", "x"}, {"q", "2+2?"}, {"ans", "4"}};
  EXPECT_EQ(Ok("{{a}}", doc), "x");
  EXPECT_EQ(Ok("{{ a }}", doc), "x");
  EXPECT_EQ(Ok("{{   a}}", doc), "x");
  EXPECT_EQ(Ok("Q: {{q}}\nA: {{ans}}.", doc), "Q: 2+2?\nA: 4.");
  EXPECT_EQ(Ok("{{a}}{{a}}", doc), "xx");
  // A closing brace right after the field is literal text.
  EXPECT_EQ(Ok("{{a}}}", doc), "x}");
}

TEST(TemplateTest, StringsRenderRawWithoutQuotesOrEscapes) {
  const json doc = {{"s", "say \"hi\"\n\ttab \xc3\xa9"}};
  EXPECT_EQ(Ok("[{{s}}]", doc), "[say \"hi\"\n\ttab \xc3\xa9]");
}

TEST(TemplateTest, NestedFieldsAndArrayIndices) {
  const json doc = json::parse(R"({"a": {"b": "deep", "c": {"d": 5}},
                                   "arr": ["zero", "one", {"k": "in-array"}],
                                   "m": [[10, 11], [12, 13]]})");
  EXPECT_EQ(Ok("{{a.b}}", doc), "deep");
  EXPECT_EQ(Ok("{{ a.c.d }}", doc), "5");
  EXPECT_EQ(Ok("{{arr.0}}/{{arr.1}}", doc), "zero/one");
  EXPECT_EQ(Ok("{{arr.2.k}}", doc), "in-array");
  EXPECT_EQ(Ok("{{m.1.0}}", doc), "12");
}

TEST(TemplateTest, NonStringsRenderAsJsonText) {
  const json doc = json::parse(R"({"i": 42, "neg": -7, "f": 0.5, "t": true, "no": false,
                                   "arr": [1, "x"], "obj": {"k": 1}})");
  EXPECT_EQ(Ok("{{i}}", doc), "42");
  EXPECT_EQ(Ok("{{neg}}", doc), "-7");
  EXPECT_EQ(Ok("{{f}}", doc), "0.5");
  EXPECT_EQ(Ok("{{t}} {{no}}", doc), "true false");
  EXPECT_EQ(Ok("{{arr}}", doc), "[1,\"x\"]");
  EXPECT_EQ(Ok("{{obj}}", doc), "{\"k\":1}");
}

TEST(TemplateTest, MissingFieldNamesFieldAndWhere) {
  const json doc = json::parse(R"({"a": {"b": 1}, "arr": [1, 2], "n": null, "s": "str"})");
  struct Case {
    const char* source;
    const char* field;
  };
  const Case cases[] = {
      {"Q: {{question}}", "question"}, {"{{ a.c }}", "a.c"},     {"{{arr.2}}", "arr.2"},
      {"{{arr.x}}", "arr.x"},          {"{{s.0}}", "s.0"},       {"{{n}}", "n"},
      {"{{a.b.c}}", "a.b.c"},          {"{{arr.-1}}", "arr.-1"},
  };
  for (const auto& c : cases) {
    auto r = Render(c.source, doc, "bench.jsonl:12");
    ASSERT_FALSE(r.ok()) << c.source;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    const std::string& m = r.status().message();
    EXPECT_EQ(m.rfind("bench.jsonl:12: ", 0), 0u) << m;
    EXPECT_NE(m.find(std::string("field '") + c.field + "'"), std::string::npos) << m;
    EXPECT_NE(m.find(c.source), std::string::npos) << m;  // the template is quoted too
  }
}

TEST(TemplateTest, HugeArrayIndexIsMissingNotACrash) {
  const json doc = {{"arr", {1, 2}}};
  auto r = Render("{{arr.99999999999999999999999}}", doc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("field 'arr.99999999999999999999999'"), std::string::npos);
}

TEST(TemplateTest, UnclosedBracesAreAParseError) {
  for (const char* source : {"Question: {{question", "{{", "{{a}} and {{b", "{{a}"}) {
    auto t = Template::Parse(source);
    ASSERT_FALSE(t.ok()) << source;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find("never closed"), std::string::npos) << t.status().message();
    EXPECT_NE(t.status().message().find(source), std::string::npos);
  }
  // The offset of the unclosed "{{" is named: 10 is where it starts in "Question: {{q".
  auto t = Template::Parse("Question: {{q");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("offset 10"), std::string::npos) << t.status().message();
}

TEST(TemplateTest, EmptyFieldNameIsAParseError) {
  for (const char* source : {"{{}}", "a {{   }} b"}) {
    auto t = Template::Parse(source);
    ASSERT_FALSE(t.ok()) << source;
    EXPECT_NE(t.status().message().find("empty field name"), std::string::npos);
  }
}

TEST(TemplateTest, SourceIsKept) {
  auto t = Template::Parse("{{ a }}!");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->source(), "{{ a }}!");
}

TEST(TemplateTest, LookupPath) {
  const json doc = json::parse(R"({"a": {"b": [5, {"c": "x"}]}, "": "empty-key"})");
  ASSERT_NE(LookupPath(doc, "a.b.1.c"), nullptr);
  EXPECT_EQ(*LookupPath(doc, "a.b.1.c"), "x");
  EXPECT_EQ(*LookupPath(doc, "a.b.0"), 5);
  EXPECT_EQ(LookupPath(doc, "a.b.2"), nullptr);
  EXPECT_EQ(LookupPath(doc, "a.z"), nullptr);
  EXPECT_EQ(LookupPath(doc, "a.b.01x"), nullptr);
}

}  // namespace
}  // namespace mnemo
