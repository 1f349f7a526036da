// Tests for the Jinja2-subset template engine (tasks/jinja/template.h).
//
// The expected outputs in kRenderCases were generated with Jinja2 3.1.6 under Python 3.11,
// using lm-eval's environment (lm_eval/utils.py):
//   Environment(loader=BaseLoader, undefined=StrictUndefined, keep_trailing_newline=True)
// and pasted here as literals; every kErrorCases template raises in that environment too.
// Documents are parsed keeping their key order (tasks/doc.h), as Python's json.loads does; the
// mapping-order cases list keys out of alphabetical order.
#include "tasks/jinja/template.h"

#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mnemo::jinja {
namespace {

using json = Doc;  // the evaluator's values keep their key order

struct ConformanceCase {
  const char* name;
  const char* source;
  const char* doc;
  const char* expected;  // nullptr: parsing or rendering must fail
};

// clang-format off
const ConformanceCase kRenderCases[] = {
    {"MmluDocToText",
     "{{question.strip()}}\nA. {{choices[0]}}\nB. {{choices[1]}}\nC. {{choices[2]}}\nD. {{choice"
     "s[3]}}\nAnswer:",
     "{\"answer\": 1, \"choices\": [\"Oxygen\", \"Carbon dioxide\", \"Nitrogen\", \"Helium\"], "
     "\"question\": \"  Which gas do plants absorb?\\n\"}",
     "Which gas do plants absorb?\nA. Oxygen\nB. Carbon dioxide\nC. Nitrogen\nD. Helium\nAnswer:"},
    {"Gsm8kDocToText",
     "Question: {{question}}\nAnswer:",
     "{\"answer\": \"3 + 1 = 4\\n#### 4\", \"question\": \"Janet has 3 apples. How many?\"}",
     "Question: Janet has 3 apples. How many?\nAnswer:"},
    {"Gsm8kCotTarget",
     "{{answer.split('####')[-1].strip()}}",
     "{\"answer\": \"3 + 1 = 4\\n#### 4\"}",
     "4"},
    {"ArcDocToText",
     "Question: {{question}}\nAnswer:",
     "{\"question\": \"Which is a mammal?\"}",
     "Question: Which is a mammal?\nAnswer:"},
    {"HellaswagQuery",
     "{{query}}",
     "{\"query\": \"Roof shingle removal: A man is sitting on a roof. He\"}",
     "Roof shingle removal: A man is sitting on a roof. He"},
    {"BoolqDocToText",
     "{{passage}}\nQuestion: {{question}}?\nAnswer:",
     "{\"passage\": \"Ethanol fuel is alcohol.\", \"question\": \"is ethanol an alcohol\"}",
     "Ethanol fuel is alcohol.\nQuestion: is ethanol an alcohol?\nAnswer:"},
    {"PiqaDocToText",
     "Question: {{goal}}\nAnswer:",
     "{\"goal\": \"How do I boil water?\"}",
     "Question: How do I boil water?\nAnswer:"},
    {"SciqDocToText",
     "{{support.lstrip()}}\nQuestion: {{question}}\nAnswer:",
     "{\"question\": \"What type of organism grows best at moderate temperature?\", \"support\":"
     " \"  Mesophiles grow best in moderate temperature.\"}",
     "Mesophiles grow best in moderate temperature.\nQuestion: What type of organism grows best "
     "at moderate temperature?\nAnswer:"},
    {"WicDocToText",
     "Sentence 1: {{sentence1}}\nSentence 2: {{sentence2}}\nQuestion: Is the word '{{sentence1[s"
     "tart1:end1]}}' used in the same way in the two sentences above?\nAnswer:",
     "{\"end1\": 36, \"sentence1\": \"Do you want to come over to my place later?\", \"sentence2"
     "\": \"A political system with no place for the less prominent groups.\", \"start1\": 31}",
     "Sentence 1: Do you want to come over to my place later?\nSentence 2: A political system wi"
     "th no place for the less prominent groups.\nQuestion: Is the word 'place' used in the same"
     " way in the two sentences above?\nAnswer:"},
    {"LambadaContext",
     "{{text.split(' ')[:-1]|join(' ')}}",
     "{\"text\": \"he handed her the small bouquet of roses\"}",
     "he handed her the small bouquet of"},
    {"LambadaTarget",
     "{{' '+text.split(' ')[-1]}}",
     "{\"text\": \"he handed her the small bouquet of roses\"}",
     " roses"},
    {"MgsmIfElse",
     "{% if answer is not none %}{{question+\"\\nStep-by-Step Answer:\"}}{% else %}{{\"Question:"
     " \"+question+\"\\nStep-by-Step Answer:\"}}{% endif %}",
     "{\"answer\": null, \"question\": \"Roger has 5 balls.\"}",
     "Question: Roger has 5 balls.\nStep-by-Step Answer:"},
    {"MgsmIfElseAnswer",
     "{% if answer is not none %}{{answer[21:]}}{% else %}{{answer_number|string}}{% endif %}",
     "{\"answer\": null, \"answer_number\": 11}",
     "11"},
    {"TruthfulqaSet",
     "{% set prompt_qa = 'Q: What is human life expectancy in the United States?\\nA: Human life"
     " expectancy in the United States is 78 years.'%}{{prompt_qa + '\\n\\nQ: ' + question + '\\"
     "nA:'}}",
     "{\"question\": \"What happens if you eat watermelon seeds?\"}",
     "Q: What is human life expectancy in the United States?\nA: Human life expectancy in the Un"
     "ited States is 78 years.\n\nQ: What happens if you eat watermelon seeds?\nA:"},
    {"CommonsenseQa",
     "Question: {{ question.strip() }}\nA. {{choices['text'][0]}}\nB. {{choices['text'][1]}}\nAn"
     "swer:",
     "{\"choices\": {\"label\": [\"A\", \"B\"], \"text\": [\"fridge\", \"oven\"]}, \"question\":"
     " \" Where do you keep milk? \"}",
     "Question: Where do you keep milk?\nA. fridge\nB. oven\nAnswer:"},
    {"XstoryclozeJoin",
     "{{[input_sentence_1, input_sentence_2, input_sentence_3, input_sentence_4]|join(' ')}}",
     "{\"input_sentence_1\": \"Rick grew up.\", \"input_sentence_2\": \"He joined a gang.\", \"i"
     "nput_sentence_3\": \"He was shot.\", \"input_sentence_4\": \"He recovered.\"}",
     "Rick grew up. He joined a gang. He was shot. He recovered."},
    {"SiqaTarget",
     "{{ (label|int) - 1 }}",
     "{\"label\": \"2\"}",
     "1"},
    {"XstoryclozeTarget",
     "{{answer_right_ending-1}}",
     "{\"answer_right_ending\": 2}",
     "1"},
    {"KmmluTarget",
     "{{['A', 'B', 'C', 'D'][answer-1]}}",
     "{\"answer\": 3}",
     "C"},
    {"BelebeleTarget",
     "{{['1', '2', '3', '4'].index(correct_answer_num)}}",
     "{\"correct_answer_num\": \"3\"}",
     "2"},
    {"OptionsForLoop",
     "{{question}}\n{% for c in choices %}{{loop.index}}. {{c}}\n{% endfor %}Answer:",
     "{\"choices\": [\"red\", \"green\", \"blue\"], \"question\": \"Pick one.\"}",
     "Pick one.\n1. red\n2. green\n3. blue\nAnswer:"},
    {"LetteredOptions",
     "{% for c in choices %}{{ 'ABCD'[loop.index0] }}. {{ c }}{% if not loop.last %}\n{% endif %"
     "}{% endfor %}",
     "{\"choices\": [\"x\", \"y\", \"z\"]}",
     "A. x\nB. y\nC. z"},
    {"IfElseLabel",
     "{% if label == 1 %}yes{% else %}no{% endif %}",
     "{\"label\": 1}",
     "yes"},
    {"IfElifElse",
     "{% if x > 10 %}big{% elif x > 5 %}medium{% else %}small{% endif %}",
     "{\"x\": 7}",
     "medium"},
    {"Description",
     "The following are multiple choice questions (with answers) about {{subject.replace('_', ' "
     "')}}.\n\n",
     "{\"subject\": \"high_school_physics\"}",
     "The following are multiple choice questions (with answers) about high school physics.\n\n"},
    {"DescriptionTitle",
     "About {{ subject|replace('_', ' ')|title }}:",
     "{\"subject\": \"high_school_us_history\"}",
     "About High School Us History:"},
    {"PrintList",
     "{{ x }}",
     "{\"x\": [1, \"a\", null, true, 0.5, \"it's\", \"say \\\"hi\\\"\", \"both ' and \\\"\"]}",
     "[1, 'a', None, True, 0.5, \"it's\", 'say \"hi\"', 'both \\' and \"']"},
    {"PrintDict",
     "{{ d }}",
     "{\"d\": {\"a\": 1, \"b\": [1, {\"c\": null}], \"c\": \"x\"}}",
     "{'a': 1, 'b': [1, {'c': None}], 'c': 'x'}"},
    {"PrintScalars",
     "{{ none }} {{ True }} {{ false }} {{ 3 }} {{ -7 }} {{ 2.0 }} {{ -0.0 }}",
     "{}",
     "None True False 3 -7 2.0 -0.0"},
    {"PrintFloats",
     "{{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 1/3 }} {{ 0.1 + 0.2 }} {{ 1e22 }} {{ 5"
     "e-324 }} {{ 123456789.123 }} {{ 12345678901234567.0 }} {{ 1.5e300 * 1e300 }}",
     "{}",
     "1e+16 1000000000000000.0 0.0001 1e-05 0.3333333333333333 0.30000000000000004 1e+22 5e-324 "
     "123456789.123 1.2345678901234568e+16 inf"},
    {"PrintDocFloats",
     "{{ a }} {{ b }} {{ c }}",
     "{\"a\": 0.5, \"b\": 1.0, \"c\": 2.5e-07}",
     "0.5 1.0 2.5e-07"},
    {"ReprEscapes",
     "{{ [x] }}",
     "{\"x\": \"tab\\there\\nnl\\\\ \\u0001\177 é​　😀 ﻿\"}",
     "['tab\\there\\nnl\\\\ \\x01\\x7f\\xa0é\\u200b\\u3000😀\\x85\\u2028\\ufeff\\ue000']"},
    {"StrNonAscii",
     "{{ x }}|{{ x|length }}",
     "{\"x\": \"héllo wörld ✓\"}",
     "héllo wörld ✓|13"},
    {"StringEscapes",
     "{{ 'a\\x41\\u00e9\\q' }}|{{ \"\\\"\" }}|{{ '\\'' }}|{{ 'a\\tb' }}|{{ '\\101' }}",
     "{}",
     "aAé\\q|\"|'|a\tb|A"},
    {"AdjacentStrings",
     "{{ 'ab' 'cd' ~ 'e' }}",
     "{}",
     "abcde"},
    {"ListDictLiterals",
     "{{ [1, 2,][1] }} {{ {'a': 1,}['a'] }} {{ [] }} {{ {} }} {{ [[1], [2, 3]] }}",
     "{}",
     "2 1 [] {} [[1], [2, 3]]"},
    {"NumberLiterals",
     "{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1.5e3 }} {{ 2E-2 }}",
     "{}",
     "1000 31 15 5 1500.0 0.02"},
    {"BoolNoneCases",
     "{{ true }} {{ True }} {{ none is none }} {{ None is none }}",
     "{}",
     "True True True True"},
    {"Arithmetic",
     "{{ 7 // 2 }} {{ 7 // -2 }} {{ 7 % -2 }} {{ -7 % 3 }} {{ -7.5 // 2 }} {{ 7 / 2 }} {{ 4 / 2 "
     "}} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 10.5 % 3 }} {{ -10.5 % 3 }}",
     "{}",
     "3 -4 -1 2 -4.0 3.5 2.0 1024 0.5 1.5 1.5"},
    {"MixedArithmetic",
     "{{ 1.0 * 3 }} {{ 3 - 1.5 }} {{ true + 1 }} {{ 5 - true }} {{ 2 * 3.5 }}",
     "{}",
     "3.0 1.5 2 4 7.0"},
    {"PowLeftAssoc",
     "{{ 2**3**2 }} {{ -2 ** 2 }}",
     "{}",
     "64 4"},
    {"Precedence",
     "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 2 - 3 }} {{ 2 * 3 ~ 4 }} {{ 1 ~ 2 * 3 }} {{ 1 + "
     "1 == 2 }}",
     "{}",
     "7 9 5 64 16 True"},
    {"StringOps",
     "{{ 'a' + 'b' }} {{ 'ab' * 3 }} {{ 2 * 'xy' }} {{ 'a' * -1 }}| {{ [1] * 2 }} {{ [1, 2] + [3"
     "] }}",
     "{}",
     "ab ababab xyxy | [1, 1] [1, 2, 3]"},
    {"Concat",
     "{{ 'a' ~ 1 ~ none ~ [1] ~ 0.5 ~ true }}",
     "{}",
     "a1None[1]0.5True"},
    {"Comparisons",
     "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ [1] < [1, 0] }} {"
     "{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' == 1 }} {{ none == none }} {{ 1 != 2 }} {{ 2 >= 2 }} "
     "{{ 1 <= 0 }}",
     "{}",
     "True False True True True True True False True True True False"},
    {"CompareUnicode",
     "{{ 'é' > 'z' }} {{ 'Z' < 'a' }}",
     "{}",
     "True True"},
    {"InOperator",
     "{{ 'a' in 'cat' }} {{ 1 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ not 'a' i"
     "n 'abc' }} {{ 1.0 in [1] }}",
     "{}",
     "True True True True False True"},
    {"Logic",
     "{{ not 0 }} {{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'b' }} {{ [] or none }} {{ 'x' or y }} {{ "
     "true and not false }}",
     "{}",
     "True 2 0 b None x True"},
    {"CondExpr",
     "{{ 'a' if x else 'b' }} {{ 1 if 0 else 2 if 1 else 3 }} [{{ 'z' if 0 }}] {{ ('q' if false)"
     " ~ 'r' }}",
     "{\"x\": [0]}",
     "a 2 [] r"},
    {"UnaryMinus",
     "{{ -x }} {{ -x|abs }} {{ +3 }} {{ -(1 + 2) }} {{ - -4 }}",
     "{\"x\": 3}",
     "-3 3 3 -3 4"},
    {"Subscripts",
     "{{ x[0] }} {{ x[-1] }} {{ x[i] }} {{ d['k'] }} {{ d.k }} {{ x.0 }} {{ n.a.b }} {{ n['a']['"
     "b'] }} {{ x[true] }}",
     "{\"d\": {\"k\": \"v\"}, \"i\": 1, \"n\": {\"a\": {\"b\": 5}}, \"x\": [\"p\", \"q\", \"r\"]"
     "}",
     "p r q v v p 5 5 q"},
    {"Slices",
     "{{ x[1:] }} {{ x[:-1] }} {{ x[::-1] }} {{ x[::2] }} {{ x[5:] }} {{ x[-2:] }} {{ s[1:3] }} "
     "{{ s[::-1] }} {{ s[:0] }}|",
     "{\"s\": \"héllo\", \"x\": [1, 2, 3, 4]}",
     "[2, 3, 4] [1, 2, 3] [4, 3, 2, 1] [1, 3] [] [3, 4] él olléh |"},
    {"StringIndex",
     "{{ s[0] }}{{ s[1] }}{{ s[-1] }}",
     "{\"s\": \"héllo\"}",
     "héo"},
    {"FilterTrim",
     "[{{ x|trim }}] [{{ y|trim('x') }}] [{{ 5|trim }}]",
     "{\"x\": \"  a b　\\n\", \"y\": \"xxaxx\"}",
     "[a b] [a] [5]"},
    {"FilterCase",
     "{{ 'Hello World'|lower }} {{ 'Hello'|upper }} {{ 'hELLO wORLD'|capitalize }} {{ 'hello wor"
     "ld-foo (bar'|title }} {{ 'a-b c(d[e{f<g>h'|title }} {{ 3|lower }}",
     "{}",
     "hello world HELLO Hello world Hello World-Foo (Bar A-B C(D[E{F<G>h 3"},
    {"FilterCaseNonAscii",
     "{{ 'Éa ÀÉ'|lower }} {{ 'ÿ é'|upper }} {{ 'ΣΑΣ ΑΣ'|lower }} {{ 'привет'|upper }} {{ 'ŁÓDŹ'|"
     "lower }} {{ 'straße'|upper }}",
     "{}",
     "éa àé Ÿ É σας ας ПРИВЕТ łódź STRASSE"},
    {"FilterReplace",
     "{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'x'|replace('x', 1) }} {"
     "{ 'abc'|replace('', '-') }}",
     "{}",
     "bbb bba 1 -a-b-c-"},
    {"FilterJoin",
     "{{ [1, 'a']|join(', ') }} {{ 'abc'|join('-') }} {{ d|join }} {{ [1.0, none, true]|join(','"
     ") }} {{ [1, 2]|join(none) }}",
     "{\"d\": {\"a\": 1, \"b\": 2}}",
     "1, a a-b-c ab 1.0,None,True 1None2"},
    {"FilterLength",
     "{{ 'héllo'|length }} {{ [1, 2]|length }} {{ {'a': 1}|length }} {{ 'abc'|count }} {{ ''|len"
     "gth }}",
     "{}",
     "5 2 1 3 0"},
    {"FilterFirstLast",
     "{{ x|first }} {{ x|last }} {{ 'abc'|first }} {{ 'abc'|last }} {{ d|first }}",
     "{\"d\": {\"j\": 1, \"k\": 2}, \"x\": [[1, 2], 3]}",
     "[1, 2] 3 a c j"},
    {"FilterString",
     "{{ 2|string ~ 'a' }} {{ [1, 'b']|string }} {{ none|string }}",
     "{}",
     "2a [1, 'b'] None"},
    {"FilterInt",
     "{{ 'x'|int }} {{ '3.7'|int }} {{ ' 42 '|int }} {{ '1_000'|int }} {{ none|int }} {{ 3.9|int"
     " }} {{ -3.9|int }} {{ '0x1A'|int(base=16) }} {{ '1A'|int(0, 16) }} {{ '1e3'|int }} {{ '12a"
     "bc'|int }} {{ 'nan'|int }} {{ true|int }} {{ 'x'|int(7) }} {{ '-7 '|int }}",
     "{}",
     "0 3 42 1000 0 3 -3 26 26 1000 0 0 1 7 -7"},
    {"FilterFloat",
     "{{ 'x'|float }} {{ ' 1.5 '|float }} {{ 'inf'|float }} {{ 3|float }} {{ true|float }} {{ '1"
     "_0.5'|float }} {{ '-1e-3'|float }} {{ 'x'|float(2.5) }} {{ '.5'|float }}",
     "{}",
     "0.0 1.5 inf 3.0 1.0 10.5 -0.001 2.5 0.5"},
    {"FilterDefault",
     "{{ missing|default('d') }} {{ x|default('a', true) }} {{ x|default('a') }}| {{ missing|d('"
     "e') }} {{ missing|default }}| {{ y|default(5) }} {{ d.nope|default('k') }} {{ l[9]|default"
     "('i') }}",
     "{\"d\": {}, \"l\": [], \"x\": \"\", \"y\": 0}",
     "d a | e | 0 k i"},
    {"FilterList",
     "{{ 'abc'|list }} {{ {'a': 1}|list }} {{ [1]|list }}",
     "{}",
     "['a', 'b', 'c'] ['a'] [1]"},
    {"FilterRound",
     "{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 3|round }} {{ 3|round(1) }} {{ 2.1"
     "|round(0, 'ceil') }} {{ 2.15|round(1, 'floor') }} {{ -2.5|round }} {{ 0.125|round(1) }} {{"
     " 1.005|round(2) }} {{ 1234.5678|round(-2) }} {{ 15|round(-1) }} {{ 25|round(-1) }} {{ 25.0"
     "|round(-1) }} {{ 35.5|round(-1) }} {{ true|round }}",
     "{}",
     "2.0 4.0 2.67 3 3 3.0 2.1 -2.0 0.1 1.0 1200.0 20 20 20.0 40.0 1"},
    {"FilterAbs",
     "{{ -5|abs }} {{ (-5)|abs }} {{ -5.5|abs }} {{ true|abs }}",
     "{}",
     "5 5 5.5 1"},
    {"FilterChain",
     "{{ '  Hello World  '|trim|lower|replace('world', 'there') }}",
     "{}",
     "hello there"},
    {"FilterOnUndefinedIf",
     "{{ ('a' if false)|length }} {{ ('a' if false)|default('z') }} {{ not ('a' if false) }}",
     "{}",
     "0 z True"},
    {"StrMethods",
     "[{{ '  a  '.strip() }}] [{{ '  a  '.lstrip() }}] [{{ '  a  '.rstrip() }}] [{{ 'xxaxx'.stri"
     "p('x') }}] {{ 'AbC'.lower() }} {{ 'AbC'.upper() }} {{ \"don't stop\".title() }} {{ 'éa'.ti"
     "tle() }} {{ '中a'.title() }} {{ 'hELLO'.capitalize() }}",
     "{}",
     "[a] [a  ] [  a] [a] abc ABC Don'T Stop Éa 中A Hello"},
    {"StrSplit",
     "{{ ' a b  c '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ 'a  b'.s"
     "plit(None) }} {{ 'a b c'.split(maxsplit=1) }} {{ ''.split(',') }} {{ ''.split() }} {{ ' a "
     "b c '.split(None, 1) }}",
     "{}",
     "['a', 'b', 'c'] ['a', 'b', '', 'c'] ['a', 'b c'] ['a', 'b'] ['a', 'b c'] [''] [] ['a', 'b "
     "c ']"},
    {"StrReplaceMethod",
     "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '', 1) }} {{ 'abc'.replace('', '.'"
     ") }}",
     "{}",
     "a+b+c ab-c .a.b.c."},
    {"StrStartsEnds",
     "{{ 'abc'.startswith('a') }} {{ 'abc'.startswith('b') }} {{ 'abc'.endswith('bc') }} {{ 'abc"
     "'.endswith(('x', 'c')) }}",
     "{}",
     "True False True True"},
    {"StrFormat",
     "{{ '{} and {}'.format(1, 'b') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ 'a{x}b'.format(x=2)"
     " }} {{ '{!r}'.format('q') }} {{ '{{}}{}'.format(none) }}",
     "{}",
     "1 and b aba a2b 'q' {}None"},
    {"StrJoinFindCount",
     "{{ ', '.join(['a', 'b']) }} {{ 'héllo'.find('l') }} {{ 'abc'.find('z') }} {{ 'aXbX'.count("
     "'X') }} {{ 'ab'.count('') }}",
     "{}",
     "a, b 2 -1 2 3"},
    {"ListMethods",
     "{{ [1, 2, 3].index(2) }} {{ ['a', 'b', 'a'].count('a') }} {{ choices.label.index(answerKey"
     ") }}",
     "{\"answerKey\": \"C\", \"choices\": {\"label\": [\"A\", \"B\", \"C\"], \"text\": [\"x\", "
     "\"y\", \"z\"]}}",
     "1 2 2"},
    {"DictMethods",
     "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.keys()|list }} {{ d.values()|li"
     "st }} {{ d['a'] }}",
     "{\"d\": {\"a\": 1, \"b\": 2}}",
     "1 None 5 ['a', 'b'] [1, 2] 1"},
    {"DictItemsLoop",
     "{% for k, v in d.items() %}{{k}}={{v}};{% endfor %}",
     "{\"d\": {\"a\": 1, \"b\": 2}}",
     "a=1;b=2;"},
    {"RangeFunction",
     "{{ range(3)|list }} {{ range(1, 3)|list }} {{ range(10, 0, -3)|list }} {% for i in range(2"
     ") %}{{ i }}{% endfor %}",
     "{}",
     "[0, 1, 2] [1, 2] [10, 7, 4, 1] 01"},
    {"Tests",
     "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ n is none }} {{ x is not non"
     "e }} {{ 'a' is string }} {{ 3 is number }} {{ true is number }} {{ 3 is integer }} {{ 1.0 "
     "is integer }} {{ 1.0 is float }} {{ d is mapping }} {{ 'a' is sequence }} {{ x is iterable"
     " }}",
     "{\"d\": {}, \"n\": null, \"x\": [1]}",
     "True False True True True True True True True False True True True True"},
    {"TestsArith",
     "{{ 6 is divisibleby 3 }} {{ 6 is divisibleby(4) }} {{ 6 is even }} {{ 7 is odd }} {{ true "
     "is boolean }} {{ true is true }} {{ 0 is false }} {{ y is not defined and 1 }}",
     "{}",
     "True False True True True True False 1"},
    {"TestsOddEvenFloat",
     "{{ 0.1 is odd }} {{ 0.1 is even }} {{ 2.0 is even }} {{ 3.0 is odd }} {{ -0.125 is odd }} "
     "{{ -3 is odd }}",
     "{}",
     "False False True True False True"},
    {"ForLoopVars",
     "{% for x in [1,2,3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex"
     "0 }}{{ loop.length }}{{ loop.first }}{{ loop.last }};{% endfor %}",
     "{}",
     "10323TrueFalse;21213FalseFalse;32103FalseTrue;"},
    {"ForElse",
     "{% for x in [] %}a{% else %}empty{% endfor %} {% for x in [1] %}a{% else %}empty{% endfor "
     "%}",
     "{}",
     "empty a"},
    {"ForFilter",
     "{% for x in range(5) if x is odd %}{{loop.index}}:{{x}}{{ ',' if not loop.last }}{% endfor"
     " %}",
     "{}",
     "1:1,2:3"},
    {"ForStringDict",
     "{% for c in 'ab' %}{{c}}{% endfor %}{% for k in d %}{{k}}{% endfor %}",
     "{\"d\": {\"a\": 1, \"z\": 2}}",
     "abaz"},
    {"NestedLoops",
     "{% for x in [[1,2],[3]] %}{% for y in x %}{{loop.index}}{{y}}{% endfor %}/{{loop.index}};{"
     "% endfor %}",
     "{}",
     "1122/1;13/2;"},
    {"SetScoping",
     "{% set a = 1 %}{% for x in [1,2] %}{{ a }}{% set a = a + 1 %}{{a}};{% endfor %}{{a}}",
     "{}",
     "12;12;1"},
    {"SetInIfLeaks",
     "{% set a = 1 %}{% if true %}{% set a = 2 %}{% endif %}{{a}}",
     "{}",
     "2"},
    {"SetPerIteration",
     "{% for x in [1,2] %}{% if loop.first %}{% set a = 5 %}{% endif %}{{ a|default('u') }}{% en"
     "dfor %}",
     "{}",
     "5u"},
    {"LoopVarShadows",
     "{% set x = 3 %}{% for x in [1,2] %}{{x}}{% endfor %}{{x}}",
     "{}",
     "123"},
    {"SetTuple",
     "{% set a, b = 1, 2 %}{{a}}{{b}} {% set c, d = ['p', 'q'] %}{{c}}{{d}}",
     "{}",
     "12 pq"},
    {"SetBlock",
     "{% set x %}hi {{ 1 }}{% endset %}[{{ x }}]",
     "{}",
     "[hi 1]"},
    {"SetShadowsDoc",
     "{% set question = question|upper %}{{ question }}",
     "{\"question\": \"why?\"}",
     "WHY?"},
    {"Raw",
     "{% raw %}{{ x }}{% endraw %}|{%- raw -%}  {{ y }}  {%- endraw -%}  |",
     "{}",
     "{{ x }}|{{ y }}|"},
    {"Comments",
     "{# comment #}a{#- c -#}  b {# multi\nline #}c",
     "{}",
     "ab c"},
    {"WhitespaceControl",
     "a  {%- if true -%}  b  {%- endif -%}  c\n",
     "{}",
     "abc\n"},
    {"WhitespaceVar",
     "a \n {{- 'x' -}} \n b",
     "{}",
     "axb"},
    {"WhitespaceBlockLines",
     "{%- if true %}\n  a\n{%- endif %}\n",
     "{}",
     "\n  a\n"},
    {"TrailingNewlineKept",
     "{{ 'a' }}{% if true %}{% endif %}\n",
     "{}",
     "a\n"},
    {"CrLfNormalized",
     "a\r\nb\rc{{ 'x\r\ny' }}",
     "{}",
     "a\nb\ncx\ny"},
    {"BracesInsideTags",
     "{{ {'a': 1}['a']}}{{ '}}' }}{{ \"{%\" }}",
     "{}",
     "1}}{%"},
    {"PlainText",
     "no tags at all { } %} }} #}",
     "{}",
     "no tags at all { } %} }} #}"},
    {"Empty",
     "",
     "{}",
     ""},
    // Mappings in the document's key order (not alphabetical), as Python dicts keep it.
    {"MappingJoinIteratesKeysInDocOrder",
     "{{ answer|join(',') }}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "number,date,spans,worker_id,hit_id"},
    {"MappingForLoopInDocOrder",
     "{% for k in b %}{{ loop.index }}{{ k }};{% endfor %}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "1zeta;2alpha;3mid;"},
    {"MappingItemsInDocOrder",
     "{% for k, v in b.items() %}{{ k }}={{ v }};{% endfor %}|{% for k, v in b|items %}{{ k }}{% endfor %}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "zeta=1;alpha=2;mid=3;|zetaalphamid"},
    {"MappingKeysValuesListInDocOrder",
     "{{ b.keys()|list }} {{ b.values()|list }} {{ b|list }} {{ b|first }} {{ b|last }}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "['zeta', 'alpha', 'mid'] [1, 2, 3] ['zeta', 'alpha', 'mid'] zeta mid"},
    {"MappingReprInDocOrder",
     "{{ b }} {{ answer.date }} {{ [b] }}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "{'zeta': 1, 'alpha': 2, 'mid': 3} {'day': '', 'month': '', 'year': ''} [{'zeta': 1, 'alpha': 2, 'mid': 3}]"},
    {"MappingMapSelectInDocOrder",
     "{{ b|map('upper')|join(' ') }} {{ b|select|list }} {{ b|reject('eq', 'mid')|list }}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "ZETA ALPHA MID ['zeta', 'alpha', 'mid'] ['zeta', 'alpha']"},
    {"TopLevelContextLoopsInDocOrder",
     "{% for k, v in answer.items() if v %}{{ k }} {% endfor %}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "date spans "},
    {"DictLiteralKeepsInsertionOrder",
     "{{ {'z': 1, 'a': 2, 'm': 3} }} {{ {'z': 1, 'a': 2, 'z': 3} }} {{ {'z': 1, 'a': 2}|join }}",
     "{}",
     "{'z': 1, 'a': 2, 'm': 3} {'z': 3, 'a': 2} za"},
    {"DictEqualityIgnoresOrder",
     "{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }} {{ b == {'mid': 3, 'alpha': 2, 'zeta': 1} }}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "True True"},
};

const ConformanceCase kErrorCases[] = {
    {"UndefinedVariable",
     "{{ foo }}",
     "{}",
     nullptr},
    {"UndefinedAttrOfUndefined",
     "{{ foo.bar }}",
     "{}",
     nullptr},
    {"UndefinedInIf",
     "{% if y %}a{% endif %}",
     "{}",
     nullptr},
    {"UndefinedLoop",
     "{% for x in foo %}{% endfor %}",
     "{}",
     nullptr},
    {"MissingKey",
     "{{ d.y }}",
     "{\"d\": {\"a\": 1}}",
     nullptr},
    {"MissingKeySubscript",
     "{{ d['y'] }}",
     "{\"d\": {\"a\": 1}}",
     nullptr},
    {"IndexOutOfRange",
     "{{ x[5] }}",
     "{\"x\": [1]}",
     nullptr},
    {"StrIndexOutOfRange",
     "{{ 'abc'[-4] }}",
     "{}",
     nullptr},
    {"NoneAttr",
     "{{ x.y }}",
     "{\"x\": null}",
     nullptr},
    {"AddListStr",
     "{{ [1, 2] + 'a' }}",
     "{}",
     nullptr},
    {"AddStrInt",
     "{{ 'a' + 1 }}",
     "{}",
     nullptr},
    {"DivByZero",
     "{{ 1 / 0 }}",
     "{}",
     nullptr},
    {"FloorDivByZero",
     "{{ 5 // 0.0 }}",
     "{}",
     nullptr},
    {"CompareIntStr",
     "{{ 1 < 'a' }}",
     "{}",
     nullptr},
    {"CompareNone",
     "{{ none < 1 }}",
     "{}",
     nullptr},
    {"InStrInt",
     "{{ 3 in 'abc' }}",
     "{}",
     nullptr},
    {"LengthOfInt",
     "{{ 5|length }}",
     "{}",
     nullptr},
    {"FirstOfEmpty",
     "{{ []|first }}",
     "{}",
     nullptr},
    {"IndexNotFound",
     "{{ [1].index(5) }}",
     "{}",
     nullptr},
    {"UnknownFilter",
     "{{ 'a'|nofilter }}",
     "{}",
     nullptr},
    {"UnknownMethod",
     "{{ 'a'.nomethod() }}",
     "{}",
     nullptr},
    {"UnknownFunction",
     "{{ nope(1) }}",
     "{}",
     nullptr},
    {"LenIsNotJinja",
     "{{ len(x) }}",
     "{\"x\": [1]}",
     nullptr},
    {"AbsOfStr",
     "{{ x|abs }}",
     "{\"x\": \"a\"}",
     nullptr},
    {"RoundOfStr",
     "{{ 'a'|round }}",
     "{}",
     nullptr},
    {"NegStr",
     "{{ -'a' }}",
     "{}",
     nullptr},
    {"SplitEmptySep",
     "{{ 'a'.split('') }}",
     "{}",
     nullptr},
    {"SliceStepZero",
     "{{ x[1:2:0] }}",
     "{\"x\": [1, 2]}",
     nullptr},
    {"IterateInt",
     "{% for x in 5 %}{% endfor %}",
     "{}",
     nullptr},
    {"UnpackTooMany",
     "{% for a, b in [[1,2,3]] %}{% endfor %}",
     "{}",
     nullptr},
    {"LoopOutsideFor",
     "{{ loop.index }}",
     "{}",
     nullptr},
    {"UnaryPlusStrMul",
     "{{ 'a' * 2.0 }}",
     "{}",
     nullptr},
    {"ConcatBindsTighterThanPlus",
     "{{ 2 * 3 ~ 4 + 1 }}",
     "{}",
     nullptr},
    {"ZeroNegPow",
     "{{ 0 ** -1 }}",
     "{}",
     nullptr},
    {"CondWithoutElseAdd",
     "{{ ('a' if false) + 'b' }}",
     "{}",
     nullptr},
    {"IntFilterOfUndefined",
     "{{ x[5]|int }}",
     "{\"x\": [1]}",
     nullptr},
    {"FloatFilterOfMissingKey",
     "{{ d.k|float(1.5) }}",
     "{\"d\": {}}",
     nullptr},
    {"ListInDict",
     "{{ [1] in {'k': 1} }}",
     "{}",
     nullptr},
    {"SliceOfInt",
     "{{ i[1:] }}",
     "{\"i\": 5}",
     nullptr},
    {"UnclosedIf",
     "{% if true %}",
     "{}",
     nullptr},
    {"UnclosedVar",
     "{{ x",
     "{}",
     nullptr},
    {"UnbalancedBrace",
     "{{ x }",
     "{}",
     nullptr},
    {"StrayEndif",
     "{% endif %}",
     "{}",
     nullptr},
    {"UnclosedParen",
     "{{ (1 }}",
     "{}",
     nullptr},
    {"DanglingOperator",
     "{{ 1 + }}",
     "{}",
     nullptr},
    {"UnknownTag",
     "{% foo %}",
     "{}",
     nullptr},
    {"Include",
     "{% include 'x.j2' %}",
     "{}",
     nullptr},
    {"Import",
     "{% import 'x.j2' as x %}",
     "{}",
     nullptr},
    {"Extends",
     "{% extends 'base' %}",
     "{}",
     nullptr},
};
// clang-format on

std::string CaseName(const ::testing::TestParamInfo<ConformanceCase>& info) {
  return info.param.name;
}

class RenderConformanceTest : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(RenderConformanceTest, MatchesJinja2) {
  const ConformanceCase& c = GetParam();
  auto t = Template::Parse(c.source);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Render(Doc::parse(c.doc));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, c.expected);
}

INSTANTIATE_TEST_SUITE_P(Jinja2, RenderConformanceTest, ::testing::ValuesIn(kRenderCases),
                         CaseName);

class ErrorConformanceTest : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(ErrorConformanceTest, FailsLikeJinja2) {
  const ConformanceCase& c = GetParam();
  auto t = Template::Parse(c.source);
  if (!t.ok()) {
    EXPECT_NE(t.status().message().find(" at offset "), std::string::npos) << t.status().ToString();
    return;
  }
  auto out = t->Render(Doc::parse(c.doc));
  ASSERT_FALSE(out.ok()) << "rendered: " << *out;
  EXPECT_NE(out.status().message().find(" at offset "), std::string::npos)
      << out.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Jinja2, ErrorConformanceTest, ::testing::ValuesIn(kErrorCases), CaseName);

Status ParseError(std::string_view source) {
  auto t = Template::Parse(source);
  return t.ok() ? Status::Ok() : t.status();
}

Status RenderError(std::string_view source, const json& doc) {
  auto t = Template::Parse(source);
  if (!t.ok()) return t.status();
  auto out = t->Render(doc);
  return out.ok() ? Status::Ok() : out.status();
}

json ArcDoc() {
  return json::parse(R"({"id": "Mercury_7175875", "question": "Which is a mammal?",
      "choices": {"text": ["shark", "whale", "trout", "squid"], "label": ["A", "B", "C", "D"]},
      "answerKey": "B"})");
}

TEST(JinjaEvaluateTest, ArcChoicesAndTargetKeepTheirTypes) {
  const json doc = ArcDoc();
  auto text = Template::Parse("Question: {{question}}\nAnswer:");
  ASSERT_TRUE(text.ok());
  EXPECT_FALSE(text->is_single_expression());
  auto rendered = text->Evaluate(doc);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(*rendered, json("Question: Which is a mammal?\nAnswer:"));

  auto choices = Template::Parse("{{choices.text}}");
  ASSERT_TRUE(choices.ok());
  EXPECT_TRUE(choices->is_single_expression());
  auto list = choices->Evaluate(doc);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(*list, json({"shark", "whale", "trout", "squid"}));
  // Rendering the same template prints Python's str() of the list.
  auto printed = choices->Render(doc);
  ASSERT_TRUE(printed.ok());
  EXPECT_EQ(*printed, "['shark', 'whale', 'trout', 'squid']");

  auto target = Template::Parse("{{choices.label.index(answerKey)}}");
  ASSERT_TRUE(target.ok());
  auto index = target->Evaluate(doc);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(*index, json(1));
  EXPECT_TRUE(index->is_number_integer());
}

TEST(JinjaEvaluateTest, SingleExpressionWithSurroundingWhitespace) {
  auto t = Template::Parse("  {{ label }}\n");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->is_single_expression());
  auto v = t->Evaluate(json{{"label", 3}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, json(3));
  // Render keeps the whitespace, as Jinja2 does.
  EXPECT_EQ(t->Render(json{{"label", 3}}).value(), "  3\n");
}

TEST(JinjaEvaluateTest, ListLiteralOfFields) {
  // piqa: doc_to_choice: "{{[sol1, sol2]}}"
  auto t = Template::Parse("{{[sol1, sol2]}}");
  ASSERT_TRUE(t.ok());
  auto v = t->Evaluate(json{{"sol1", "boil it"}, {"sol2", "freeze it"}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, json({"boil it", "freeze it"}));
}

TEST(JinjaEvaluateTest, ValuesOfEveryKind) {
  const json doc = {{"f", 0.5}, {"n", nullptr}, {"b", true}, {"d", {{"k", 1}}}, {"s", "x"}};
  for (const char* name : {"f", "n", "b", "d", "s"}) {
    auto t = Template::Parse(std::string("{{ ") + name + " }}");
    ASSERT_TRUE(t.ok());
    auto v = t->Evaluate(doc);
    ASSERT_TRUE(v.ok()) << name;
    EXPECT_EQ(*v, doc[name]) << name;
  }
  auto cond = Template::Parse("{{ 'a' if false }}");
  ASSERT_TRUE(cond.ok());
  EXPECT_EQ(cond->Evaluate(json::object()).value(), json(""));
}

TEST(JinjaEvaluateTest, MultipleExpressionsAreRendered) {
  auto t = Template::Parse("{{a}}{{b}}");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->is_single_expression());
  auto v = t->Evaluate(json{{"a", 1}, {"b", 2}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, json("12"));
}

TEST(JinjaErrorTest, UndefinedVariableIsAnErrorNotEmpty) {
  Status s = RenderError("Q: {{ qestion }}", json{{"question", "x"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "undefined variable 'qestion' at offset 6");
}

TEST(JinjaErrorTest, MissingKeyListsTheKeys) {
  Status s = RenderError("{{ choices.txt }}", ArcDoc());
  // The keys in the document's order.
  EXPECT_EQ(s.message(), "dict has no attribute 'txt' (keys: 'text', 'label') at offset 10");
}

TEST(JinjaErrorTest, IndexOutOfRange) {
  Status s = RenderError("{{ choices[4] }}", json{{"choices", {"a", "b", "c", "d"}}});
  EXPECT_EQ(s.message(), "list index 4 out of range (length 4) at offset 10");
}

TEST(JinjaErrorTest, TypeErrorsNameBothTypes) {
  EXPECT_EQ(RenderError("{{ x + 'a' }}", json{{"x", {1}}}).message(),
            "cannot add list and str at offset 5");
  EXPECT_EQ(RenderError("{{ 1 < 'a' }}", json::object()).message(),
            "cannot compare int and str with '<' at offset 7");
}

TEST(JinjaErrorTest, UnknownFilterAndMethod) {
  Status filter = ParseError("{{ x|nofilter }}");
  EXPECT_EQ(filter.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(filter.message(), "unknown filter 'nofilter' at offset 5");
  Status method = RenderError("{{ x.nomethod() }}", json{{"x", "a"}});
  EXPECT_EQ(method.message(), "unknown method 'nomethod' on str at offset 4");
  Status unsupported_method = RenderError("{{ x.rsplit(' ') }}", json{{"x", "a"}});
  EXPECT_EQ(unsupported_method.code(), StatusCode::kUnsupported);
}

TEST(JinjaErrorTest, UnsupportedConstructsNameTheConstructAndOffset) {
  Status macro = ParseError("Hello world {% macro m() %}x{% endmacro %}");
  EXPECT_EQ(macro.code(), StatusCode::kUnsupported);
  EXPECT_EQ(macro.message(), "unsupported Jinja construct '{% macro' at offset 12");
  Status include = ParseError("a{% include 'header.j2' %}");
  EXPECT_EQ(include.code(), StatusCode::kUnsupported);
  EXPECT_EQ(include.message(), "unsupported Jinja construct '{% include' at offset 1");
  Status import = ParseError("{%- import 'm.j2' as m -%}");
  EXPECT_EQ(import.code(), StatusCode::kUnsupported);
  EXPECT_EQ(import.message(), "unsupported Jinja construct '{% import' at offset 0");
  EXPECT_EQ(ParseError("{{ x|unique }}").code(), StatusCode::kUnsupported);
  // Jinja2's tojson is HTML-safe; only transformers' (chat templates) is implemented.
  EXPECT_EQ(ParseError("{{ x|tojson }}").message(),
            "unsupported Jinja filter 'tojson' outside chat templates at offset 5");
  EXPECT_EQ(ParseError("{{ x|regex_replace('a', 'b') }}").code(), StatusCode::kUnsupported);
  EXPECT_EQ(ParseError("{% for x in y recursive %}{% endfor %}").code(), StatusCode::kUnsupported);
  // Loop controls are an extension lm-eval's environment does not load.
  EXPECT_EQ(ParseError("{% for x in y %}{% break %}{% endfor %}").code(), StatusCode::kUnsupported);
  EXPECT_EQ(RenderError("{{ cycler(1) }}", json::object()).code(), StatusCode::kUnsupported);
}

TEST(JinjaRenderTest, UnusedUndefinedDefaultIsFine) {
  // Jinja2: "{{ a|default(b) }}" renders a when it is defined, fails on b only when used.
  auto t = Template::Parse("{{ a|default(b) }}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Render(json{{"a", 1}}).value(), "1");
  auto out = t->Render(json::object());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "undefined variable 'b' at offset 13");
}

TEST(JinjaErrorTest, PrintfStyleFormattingIsUnsupported) {
  // Jinja2 renders "1"; refused rather than guessed.
  EXPECT_EQ(RenderError("{{ '%s' % 1 }}", json::object()).code(), StatusCode::kUnsupported);
}

TEST(JinjaErrorTest, SyntaxErrorsGiveOffsets) {
  EXPECT_EQ(ParseError("{{ 1 + }}").message(),
            "unexpected '}}' at offset 7 (expected an expression)");
  EXPECT_EQ(ParseError("ab {{ x").message(), "unclosed '{{' opened at offset 3");
  EXPECT_EQ(ParseError("{% if x %}a").message(),
            "unclosed '{% if' opened at offset 0: expected '{% endif %}' before the end of the "
            "template");
  EXPECT_EQ(ParseError("x{% endfor %}").message(), "unexpected '{% endfor' at offset 1");
  EXPECT_EQ(ParseError("{% frobnicate %}").message(),
            "unknown Jinja tag '{% frobnicate' at offset 0");
  EXPECT_EQ(ParseError("{# never closed").message(), "unclosed comment '{#' at offset 0");
  EXPECT_EQ(ParseError("{{ 'abc }}").message(), "unterminated string literal at offset 3");
  EXPECT_EQ(ParseError("{{ a ? b }}").message(),
            "unexpected character '?' in Jinja tag at offset 5");
}

TEST(JinjaErrorTest, DeepNestingIsRefusedNotACrash) {
  const std::string source = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  Status s = ParseError(source);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nested too deeply"), std::string::npos);
}

// Where this engine deliberately differs from Jinja2, it fails or documents the difference
// instead of printing something lm-eval would not.
TEST(JinjaDifferenceTest, MethodReferenceWithoutCallIsAnError) {
  // Jinja2 prints "<built-in method items of dict object at 0x...>".
  Status s = RenderError("{{ d.items }}", json{{"d", {{"items", 1}}}});
  EXPECT_EQ(s.message(),
            "'items' is a dict method; call it as .items() or read the key with ['items'] at "
            "offset 4");
  auto t = Template::Parse("{{ d['items'] }}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Render(json{{"d", {{"items", 1}}}}).value(), "1");
}

TEST(JinjaDifferenceTest, IntegersAreSixtyFourBit) {
  Status s = RenderError("{{ 9223372036854775807 + 1 }}", json::object());
  EXPECT_EQ(s.message(), "integer overflow in '+' (ints are limited to 64 bits) at offset 23");
}

TEST(JinjaDifferenceTest, TuplesAndViewsPrintAsLists) {
  auto t = Template::Parse("{{ (1, 2) }} {{ d.items() }} {{ range(2) }}");
  ASSERT_TRUE(t.ok());
  // Jinja2: "(1, 2) dict_items([('a', 1)]) range(0, 2)".
  EXPECT_EQ(t->Render(json{{"d", {{"a", 1}}}}).value(), "[1, 2] [['a', 1]] [0, 1]");
}

TEST(JinjaRenderTest, ParsedOnceRenderedForManyDocuments) {
  auto t = Template::Parse("{{ question.strip() }}\nA. {{ choices[0] }}\nAnswer:");
  ASSERT_TRUE(t.ok());
  for (int i = 0; i < 1000; ++i) {
    const json doc = {{"question", " q" + std::to_string(i) + " "}, {"choices", {"c"}}};
    auto out = t->Render(doc);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(*out, "q" + std::to_string(i) + "\nA. c\nAnswer:");
  }
}

TEST(JinjaRenderTest, CopiesShareTheParsedFormAcrossThreads) {
  auto parsed = Template::Parse(
      "{% for c in choices %}{{ loop.index }}. {{ c|upper }}{% if not loop.last %}, {% endif %}"
      "{% endfor %}");
  ASSERT_TRUE(parsed.ok());
  const Template t = *parsed;
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&t, &failures, k] {
      for (int i = 0; i < 500; ++i) {
        auto out = t.Render(json{{"choices", {"a", std::to_string(k)}}});
        if (!out.ok() || *out != "1. A, 2. " + std::to_string(k)) ++failures[k];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(failures[k], 0) << k;
}

TEST(JinjaRenderTest, NonObjectContextHasNoVariables) {
  auto t = Template::Parse("{{ 1 + 1 }}{{ x }}");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(json::array());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "undefined variable 'x' at offset 14");
}

TEST(JinjaRenderTest, InvalidUtf8PassesThroughByteForByte) {
  const std::string bad = std::string("a\xff") + "b";
  auto t = Template::Parse("{{ s }}|{{ s|length }}|{{ s[1:] }}");
  ASSERT_TRUE(t.ok());
  // A JSON string holding invalid UTF-8 (possible when built in C++) still renders.
  auto out2 = t->Render(json{{"s", bad}});
  ASSERT_TRUE(out2.ok());
  EXPECT_EQ(*out2, bad + "|3|\xff" + "b");
}

TEST(JinjaRenderTest, SourceIsKept) {
  auto t = Template::Parse("{{a}}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->source(), "{{a}}");
}

// ---- transformers' chat-template environment (Options::HuggingFaceChat) ----
//
// Expected outputs generated with Jinja2 3.1.6 in the environment transformers'
// apply_chat_template compiles templates in:
//   ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
//                                 extensions=[jinja2.ext.loopcontrols])
// with filters["tojson"] = json.dumps(x, ensure_ascii=False, indent=indent,
// separators=separators, sort_keys=sort_keys) and globals["raise_exception"] raising
// TemplateError; every kChatErrorCases template raises there too.
// clang-format off
const ConformanceCase kChatRenderCases[] = {
    {"TrimBlocks",
     "{% if true %}\nyes\n{% endif %}\nafter",
     "{}",
     "yes\nafter"},
    {"LstripBlocks",
     "  {% if true %}\n  x\n  {% endif %}\nend",
     "{}",
     "  x\nend"},
    {"LstripBlocksPlusOptsOut",
     "  {%+ if true %}x{% endif %}",
     "{}",
     "  x"},
    {"LstripOnlyAtLineStart",
     "a  {% if true %}b{% endif %}  {% if true %}\nc{% endif %}",
     "{}",
     "a  b  c"},
    {"CommentTrimmed",
     "a\n  {# note #}\nb",
     "{}",
     "a\nb"},
    {"ExpressionNotStripped",
     "  {{ 'x' }}\n  y",
     "{}",
     "  x\n  y"},
    {"MinusStillStrips",
     "a  \n  {%- if true -%}  \n b {%- endif %}\nc",
     "{}",
     "abc"},
    {"TrailingNewlineDropped",
     "line\n",
     "{}",
     "line"},
    {"OnlyOneTrailingNewlineDropped",
     "line\n\n",
     "{}",
     "line\n"},
    {"NamespaceCarriesOutOfLoop",
     "{% set ns = namespace(n=0, s='') %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.n }} {{ ns.s }}",
     "{}",
     "6 123"},
    {"PlainSetDoesNotLeakFromLoop",
     "{% set n = 0 %}{% for i in [1, 2] %}{% set n = n + i %}{% endfor %}{{ n }}",
     "{}",
     "0"},
    {"BreakAndContinue",
     "{% for i in [1, 2, 3, 4, 5] %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{{ loop.index0 }}{{ loop.length }}{% endfor %}",
     "{}",
     "105325"},
    {"BreakInNestedLoopLeavesInner",
     "{% for a in [1, 2] %}{% for b in [1, 2, 3] %}{% if b == 2 %}{% break %}{% endif %}{{ a }}{{ b }} {% endfor %}{% endfor %}",
     "{}",
     "11 21 "},
    {"LoopFirstLast",
     "{% for x in xs %}{% if loop.first %}[{% endif %}{{ x }}{% if not loop.last %},{% else %}]{% endif %}{% endfor %}",
     "{\"xs\": [\"a\", \"b\", \"c\"]}",
     "[a,b,c]"},
    {"ToJsonDefaults",
     "{{ x | tojson }}",
     "{\"x\": {\"a\": [1, 2.5, \"\xc3\xa9""\\\"\\n\\t\\\\\"], \"b\": null, \"c\": true, \"d\": {}, \"e\": []}}",
     "{\"a\": [1, 2.5, \"\xc3\xa9""\\\"\\n\\t\\\\\"], \"b\": null, \"c\": true, \"d\": {}, \"e\": []}"},
    {"ToJsonIndent",
     "{{ x | tojson(indent=4) }}",
     "{\"x\": {\"name\": \"f\", \"parameters\": {\"a\": [1, {\"b\": 2}], \"z\": []}}}",
     "{\n    \"name\": \"f\",\n    \"parameters\": {\n        \"a\": [\n            1,\n            {\n                \"b\": 2\n            }\n        ],\n        \"z\": []\n    }\n}"},
    {"ToJsonSeparators",
     "{{ x | tojson(separators=(',', ':')) }}",
     "{\"x\": {\"a\": [1, 2], \"b\": \"c\"}}",
     "{\"a\":[1,2],\"b\":\"c\"}"},
    {"ToJsonControlAndUnicode",
     "{{ x | tojson }}",
     "{\"x\": \"\\u0001 <b> & '\xe4\xb8\xad""' \xe2\x80\xa8""\"}",
     "\"\\u0001 <b> & '\xe4\xb8\xad""' \xe2\x80\xa8""\""},
    {"LenientUndefinedPrintsEmpty",
     "[{{ x }}]{% if y %}y{% else %}no-y{% endif %}{% for i in z %}i{% endfor %}[{{ d.missing }}][{{ d['k'] }}]",
     "{\"d\": {}}",
     "[]no-y[][]"},
    {"LenientUndefinedTests",
     "{{ x is defined }} {{ d.k is defined }} {{ not d.k }} {{ x | default('dflt') }} {{ d.k | length }}",
     "{\"d\": {}}",
     "False False True dflt 0"},
    {"SelectAttrEqualTo",
     "{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}",
     "{\"ms\": [{\"content\": \"a\", \"role\": \"user\"}, {\"content\": \"b\", \"role\": \"assistant\"}, {\"content\": \"c\", \"role\": \"user\"}]}",
     "a,c"},
    {"RejectAttrAndSelectAttrTruth",
     "{{ ms | rejectattr('role', 'equalto', 'user') | list | length }} {{ ms | selectattr('tool') | list | length }}",
     "{\"ms\": [{\"role\": \"user\"}, {\"role\": \"tool\", \"tool\": \"x\"}]}",
     "1 1"},
    {"RejectEqualTo",
     "{{ xs | reject('equalto', 'code_interpreter') | join(', ') }}",
     "{\"xs\": [\"brave_search\", \"code_interpreter\", \"wolfram_alpha\"]}",
     "brave_search, wolfram_alpha"},
    {"SelectTest",
     "{{ xs | select('string') | list }} {{ xs | select | list }}",
     "{\"xs\": [\"a\", 0, \"\", 2]}",
     "['a', ''] ['a', 2]"},
    {"ItemsFilter",
     "{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}",
     "{\"d\": {\"a\": 1, \"b\": \"x\"}}",
     "a=1;b=x;"},
    {"MapFilterName",
     "{{ xs | map('upper') | join }} {{ xs | map('trim') | list }}",
     "{\"xs\": [\" a\", \"b \"]}",
     " AB  ['a', 'b']"},
    {"EqualToTest",
     "{{ 1 is equalto 1 }} {{ 'a' is eq 'b' }} {{ 'a' is ne 'b' }}",
     "{}",
     "True False True"},
    {"StringMethods",
     "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.strip().startswith('He') }}|{{ s.strip().endswith('x') }}|{{ s.split() }}|{{ s.replace('l', 'L') }}|{{ s.upper() }}|{{ s.title() }}|{{ s | trim }}",
     "{\"s\": \"  Hello world  \"}",
     "Hello world|Hello world  |  Hello world|True|False|['Hello', 'world']|  HeLLo worLd  |  HELLO WORLD  |  Hello World  |Hello world"},
    {"ContentParts",
     "{% for m in messages %}{% if m.content is string %}{{ m.content }}{% else %}{% for p in m.content %}{% if p.type == 'text' %}{{ p.text }}{% endif %}{% endfor %}{% endif %}|{% endfor %}",
     "{\"messages\": [{\"content\": \"plain\", \"role\": \"user\"}, {\"content\": [{\"text\": \"part1\", \"type\": \"text\"}, {\"type\": \"image\"}, {\"text\": \"part2\", \"type\": \"text\"}], \"role\": \"user\"}]}",
     "plain|part1part2|"},
    {"IsTests",
     "{{ x is mapping }} {{ x is iterable }} {{ s is string }} {{ n is none }} {{ s is mapping }} {{ l is iterable }}",
     "{\"l\": [1], \"n\": null, \"s\": \"t\", \"x\": {\"a\": 1}}",
     "True True True True False True"},
    // transformers' tojson keeps a mapping's key order unless sort_keys=True.
    {"ToJsonKeepsKeyOrder",
     "{{ b | tojson }} {{ {'z': 1, 'a': [{'y': 1, 'b': 2}]} | tojson }}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "{\"zeta\": 1, \"alpha\": 2, \"mid\": 3} {\"z\": 1, \"a\": [{\"y\": 1, \"b\": 2}]}"},
    {"ToJsonSortKeys",
     "{{ b | tojson(sort_keys=true) }} {{ {'z': 1, 'a': [{'y': 1, 'b': 2}]} | tojson(sort_keys=true) }}",
     "{\"answer\": {\"number\": \"\", \"date\": {\"day\": \"\", \"month\": \"\", \"year\": \"\"}, \"spans\": [\"x\"], \"worker_id\": \"\", \"hit_id\": \"\"}, \"z\": 1, \"b\": {\"zeta\": 1, \"alpha\": 2, \"mid\": 3}}",
     "{\"alpha\": 2, \"mid\": 3, \"zeta\": 1} {\"a\": [{\"b\": 2, \"y\": 1}], \"z\": 1}"},
    // Members of a namespace() stay put while it grows (a loop borrows ns.xs).
    {"NamespaceGrowsWhileItsListIsIterated",
     "{% set ns = namespace(xs=[1, 2, 3]) %}{% for i in ns.xs %}{% set ns.x = i %}{% set ns.y = ns.x + i %}{{ i }}{{ ns.y }};{% endfor %}{{ ns.x }}",
     "{}",
     "12;24;36;3"},
};
const ConformanceCase kChatErrorCases[] = {
    {"RaiseException",
     "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}",
     "{\"messages\": [{\"role\": \"system\"}]}",
     nullptr},
    {"SetAttrOnDict",
     "{% set d = {} %}{% set d.x = 1 %}",
     "{}",
     nullptr},
    {"AttributeOfUndefined",
     "{{ x.y }}",
     "{}",
     nullptr},
    {"AddUndefined",
     "{{ x + 'a' }}",
     "{}",
     nullptr},
};
// clang-format on

class ChatRenderConformanceTest : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(ChatRenderConformanceTest, MatchesTransformersJinja2) {
  const ConformanceCase& c = GetParam();
  auto t = Template::Parse(c.source, Options::HuggingFaceChat());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Render(Doc::parse(c.doc));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, c.expected);
}

INSTANTIATE_TEST_SUITE_P(Jinja2, ChatRenderConformanceTest, ::testing::ValuesIn(kChatRenderCases),
                         CaseName);

class ChatErrorConformanceTest : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(ChatErrorConformanceTest, FailsLikeTransformersJinja2) {
  const ConformanceCase& c = GetParam();
  auto t = Template::Parse(c.source, Options::HuggingFaceChat());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Render(Doc::parse(c.doc));
  ASSERT_FALSE(out.ok()) << "rendered: " << *out;
  EXPECT_NE(out.status().message().find(" at offset "), std::string::npos)
      << out.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Jinja2, ChatErrorConformanceTest, ::testing::ValuesIn(kChatErrorCases),
                         CaseName);

TEST(JinjaChatTest, RaiseExceptionCarriesTheTemplateMessage) {
  auto t = Template::Parse("{{ raise_exception('Conversation roles must alternate') }}",
                           Options::HuggingFaceChat());
  ASSERT_TRUE(t.ok());
  auto out = t->Render(json::object());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "the template raised an exception: Conversation roles must alternate at offset 3");
  // lm-eval's environment has no raise_exception.
  auto plain = Template::Parse("{{ raise_exception('x') }}");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->Render(json::object()).status().message(),
            "undefined function 'raise_exception' at offset 3");
}

TEST(JinjaChatTest, StrftimeNowFormatsTheLocalTime) {
  auto t = Template::Parse("{{ strftime_now('%d %b %Y') }}", Options::HuggingFaceChat());
  ASSERT_TRUE(t.ok());
  const std::time_t before = std::time(nullptr);
  auto out = t->Render(json::object());
  const std::time_t after = std::time(nullptr);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Python's datetime.now().strftime("%d %b %Y") in the C locale, either side of the render.
  auto format = [](std::time_t when) {
    std::tm local{};
    localtime_r(&when, &local);
    char buf[64];
    return std::string(buf, std::strftime(buf, sizeof buf, "%d %b %Y", &local));
  };
  EXPECT_TRUE(*out == format(before) || *out == format(after)) << *out;
  EXPECT_EQ(out->size(), 11u);
}

TEST(JinjaChatTest, BreakOutsideALoopIsAnError) {
  auto t = Template::Parse("{% break %}", Options::HuggingFaceChat());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "'{% break %}' outside a loop at offset 0");
}

TEST(JinjaChatTest, SetAttrOnANonNamespaceNamesIt) {
  auto t = Template::Parse("{% set d = {} %}{% set d.x = 1 %}", Options::HuggingFaceChat());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Render(json::object()).status().message(),
            "cannot assign attribute 'x' on 'd': it is not a namespace() object at offset 16");
}

}  // namespace
}  // namespace mnemo::jinja
