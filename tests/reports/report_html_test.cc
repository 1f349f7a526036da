#include <gtest/gtest.h>

#include "reports/html/html_escape.h"
#include "reports/html/svg_chart.h"
#include "reports/html/text_diff.h"
#include "reports/model/sample_rows.h"

namespace mnemo::reports {
namespace {

const char kScript[] = "<script>alert(1)</script>";
const char kImg[] = "\"><img src=x onerror=alert(1)>";

TEST(HtmlEscape, ScriptAndAttributeBreakouts) {
  EXPECT_EQ(HtmlEscape(kScript), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape(kImg), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(HtmlEscape("a & b 'c'"), "a &amp; b &#39;c&#39;");
}

TEST(HtmlEscape, InvalidUtf8AndControls) {
  EXPECT_EQ(HtmlEscape(std::string("a\xff"
                                   "b")),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(HtmlEscape(std::string("x\x01y\nz\r")), "xy\nz ");
  EXPECT_EQ(HtmlEscape("h\xC3\xA9llo \xE2\x9C\x93"), "h\xC3\xA9llo \xE2\x9C\x93");
  EXPECT_EQ(HtmlEscape(std::string("\xED\xA0\x80")), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TextDiff, MarksChangedWordsAndEscapes) {
  DiffHtml d = WordDiffHtml("the cat sat on the mat", "the dog sat on the <b>mat");
  EXPECT_EQ(d.truth, "the <del>cat </del>sat on the <del>mat</del>");
  EXPECT_EQ(d.output, "the <ins>dog </ins>sat on the <ins>&lt;b&gt;mat</ins>");
  DiffHtml same = WordDiffHtml("a b", "a b");
  EXPECT_EQ(same.output, "a b");
}

TEST(SvgChart, LabelsEscapedAndValuesExact) {
  BarChart c;
  c.title = kScript;
  c.categories = {kImg};
  c.series = {{"m<1>", {0.25}, {Interval{0.2, 0.3}}, false, -1}};
  std::string svg = RenderBarChart(c);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("<img"), std::string::npos);
  EXPECT_NE(svg.find("data-value=\"0.25\""), std::string::npos);
  EXPECT_NE(svg.find("m&lt;1&gt;"), std::string::npos);
}

TEST(SvgChart, LogScaleDrawsZeroAsMark) {
  BarChart c;
  c.log_scale = true;
  c.categories = {"early", "final"};
  c.series = {{"exact", {0.0, 0.01}, {}, false, 0}, {"approximate", {0.002, 0.2}, {}, true, 1}};
  std::string svg = RenderBarChart(c);
  EXPECT_NE(svg.find("class=\"bar zero\""), std::string::npos);
  EXPECT_NE(svg.find("(log scale)"), std::string::npos);
  EXPECT_NE(svg.find(">0.001<"), std::string::npos);  // the floor's tick
}

TEST(SampleRows, MultipleChoiceGenerationAndShortening) {
  SampleRecord mc;
  mc.doc_id = "3:none";
  mc.doc_index = 3;
  mc.data = nlohmann::json::parse(R"({"doc_id":3,"target":1,"filter":"none",
    "arguments":[["Q?", " Paris"],["Q?", " Lyon"]],
    "filtered_resps":[[-2.0,false],[-0.5,true]],"acc":1.0,"metrics":["acc"]})");
  SampleRow r = SummarizeSample(mc, "m", "t");
  EXPECT_EQ(r.prompt, "Q?");
  EXPECT_EQ(r.target, "1:  Lyon");
  EXPECT_EQ(r.response, "1:  Lyon");
  ASSERT_EQ(r.metrics.size(), 1u);
  EXPECT_EQ(r.metrics[0].second, 1.0);
  SampleRecord gen;
  gen.data = nlohmann::json::parse(R"({"target":"42","filter":"strict-match",
    "arguments":[["ctx",{"until":["\n"]}]],"filtered_resps":["41"],"exact_match":0.0,
    "metrics":["exact_match"]})");
  r = SummarizeSample(gen, "m", "t");
  EXPECT_EQ(r.response, "41");
  EXPECT_EQ(r.filter, "strict-match");
  EXPECT_EQ(ShortenUtf8("h\xC3\xA9llo", 2, false), "h…");
  EXPECT_EQ(ShortenUtf8("h\xC3\xA9llo", 4, true), "…llo");
}

}  // namespace
}  // namespace mnemo::reports
