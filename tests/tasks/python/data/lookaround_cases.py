#!/usr/bin/env python3
"""Writes lookaround_cases.jsonl: Python 3.11 re.findall / re.sub / re.search on every lookaround
pattern lm-eval (4e7e0d47) uses in a task YAML regex filter or a task utils.py, each on texts
chosen to hit overlapping and empty matches. py_regex_test checks PyRegex against it (its
exact RE2 rewrites and its PCRE2 fallback alike).

Run: python3 lookaround_cases.py --output lookaround_cases.jsonl
"""
import argparse
import json
import re

BBH_ZS = ("((?<=The answer is )(.*)(?=.)|(?<=the answer is )(.*)(?=.)|(?<=The answer: )(.*)(?=.)"
          "|(?<=The final answer: )(.*)(?=.))")
PATTERNS = [
    # exact RE2 rewrites
    "(?<=The answer is )(.*)(?=.)",
    "(?<=the answer is )(.*)(?=.)",
    "(?<=answer is )(.*)(?=.)",
    "^(.*?)(?=\\n|$)",
    "([A-E])(?= şıkkıdır| şıkkı)",
    # PCRE2
    BBH_ZS,
    "((?<=The answer is )(.*)(?=.)|(?<=answer is )(.*)(?=.)|(?<=The answer: )(.*)(?=.)"
    "|(?<=The final answer: )(.*)(?=.))",
    BBH_ZS[:-1] + "|(?<=..Final Answer..: )(.*)(?=.)|(?<=..answer..: )(.*)(?=.)"
    "|(?<=..Answer..: )(.*)(?=.)|\\b(Yes|No|yes|no)\\b)",
    "(((?<=[answer is ])[A-D])|([A-D]\\n)|([A-D]\\.)|( [A-D] )|(^[A-D]$)|(\\[[A-D]\\])|([A-D])"
    "|(?<=..Final Answer..: )(.*)(?=.)|(?<=..answer..: )(.*)(?=.)|(?<=..Answer..: )(.*)(?=.))",
    "(?<= )([\" \\[\\(<{}>\\)\\]]+)|([\" \\[\\(<{}>\\)\\]]+)",
    "(?<=정답은)(.*)(?=입니다.)",
    "(?<=정답은)\\s*[(]?(A|B|C|D)[)]?.*(?=입니다.)",
    "(?=(female|woman|man|male))",
    "(?:\\$)?\\d+(?:\\.\\d+)?(?![\\w\\d])",
    "\\b([A-D])\\b(?!.*\\b[A-D]\\b)",
    "(?<=\\d),(?=\\d)",
    "-?(?:\\d+\\.\\d+|\\.\\d+|\\d+\\b)(?![eE][+-]?\\d+)(?![,\\d])",
    "(?:Final Answer: The final answer is|The answer is:)\\s*(.*?)(?=I hope it is correct\\.)",
]
TEXTS = [
    "",
    "The answer is (B).",
    "Let's think. The answer is yes.\nSo the answer is no.",
    "The answer is The answer is X",
    "The answer is A.The answer is B.",
    "xanswer is The answer is Y.",
    "the answer is \nThe answer is Q",
    "The answer: 12. The final answer: 13.",
    "**Final Answer**: C. The **answer**: D.\nA\n[B] (C) D.",
    "answer is answer is answer is Z",
    "Yes, I think no. The answer is B\n",
    "A şıkkıdır ve B şıkkı C",
    "정답은 (B) 입니다. 정답은 C입니다.",
    "the woman and the man, a female and male",
    "It costs $12.50 and 3x, 1e5, 2,000, 4.5e-3 or .5",
    "Options A and B; I pick C. Final: D",
    "Final Answer: The final answer is 42. I hope it is correct.",
    "1,234,567 and 8, 9",
    " ( [ < { } > ] ) \"x\" ((",
    "\u00e9t\u00e9 answer is \u00e9\n\u65e5",
]
REPL = "<>"

ap = argparse.ArgumentParser()
ap.add_argument("--output", required=True)
out = open(ap.parse_args().output, "w", encoding="utf-8", newline="\n")
for p in PATTERNS:
    rx = re.compile(p)
    for t in TEXTS:
        fa = []
        for m in rx.findall(t):
            fa.append(list(m) if isinstance(m, tuple) else [m])
        print(json.dumps({"pattern": p, "text": t, "findall": fa, "sub": rx.sub(REPL, t),
                          "search": rx.search(t) is not None}, ensure_ascii=False), file=out)
