#!/usr/bin/env python3
"""Writes tests/tasks/python/str_cases.jsonl: tricky inputs to Python's str methods and what this
interpreter returns for them (the checked-in file was written by Debian 12's python3, 3.11).

One JSON object a line: {"method": ..., "input": ..., "args": [...], "expected": ...}, where
expected is getattr(input, method)(*args): a str, a list of str (split) or a bool (isX).
tests/tasks/python/py_str_cases_test.cc checks tasks/python/py_text.h and the Jinja renderer
against every line; ctest py_str_cases_regen checks that this script still writes the file.
Inputs stay valid Unicode without surrogates, so every line is plain JSON (bad UTF-8 bytes are
covered in py_text_test.cc instead).

Usage: gen_py_str_cases.py [--output PATH]   (default: the checked-in file; "-" = stdout)
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from repo_tools import ROOT, generator_main  # noqa: E402

DEFAULT_OUTPUT = os.path.join(ROOT, "tests", "tasks", "python", "str_cases.jsonl")

CASE_METHODS = ("lower", "upper", "casefold", "title", "capitalize", "swapcase")
CASE_INPUTS = (
    "",
    "hello wORLD",
    "they're bill's friends from the UK",
    "hello_world-foo bar 1st 2nd",
    "123abc ABC123",
    # German sharp s, capital sharp s
    "\u00df", "stra\u00dfe", "\u1e9e", "STRA\u1e9eE",
    # Turkish dotted capital I, dotless small i, Kelvin and Angstrom signs, long s, micro sign
    "\u0130stanbul", "\u0131i", "I\u0130\u0131i", "\u212a\u212b", "\u017f", "\u00b5",
    # final sigma
    "\u039f\u0394\u039f\u03a3", "\u03a3\u0391\u03a3 \u03a3\u0391\u03a3", "\u03a3", "\u0391\u03a3.",
    "\u0391'\u03a3", "\u0391\u03a3'", "\u03a3'\u0391", "\u0391\u03a3\u0301\u03a3",
    "\u1f48\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3", "\u0391\u03a3\u0391", "1\u03a3",
    "\u0391\u03a31", "\u03c3\u03c2\u03a3",
    # ligatures and other one-to-many mappings
    "\ufb01", "\ufb00 \ufb02 \ufb03 \ufb04 \ufb05 \ufb06", "\ufb01ne \ufb02oor", "\u0149",
    "\u0587", "\ufb13", "\u0390", "\u03b0", "\u01f0", "\u1e96", "\u1fb3", "\u1fbc", "\u1f80",
    "\u1f88", "\u1ff3\u1ffc", "a\u0345",
    # digraphs with a titlecase form
    "\u01c6", "\u01c4", "\u01c5", "\u01c6a \u01c4A", "\u01c9", "\u01f3", "\u01f1",
    # Cherokee (casefold maps to the uppercase letters)
    "\u13a0", "\uab70", "\u13f8", "\u13f0", "\u13b0\u13b5\u13cd", "\uab70\uab71 \u13a0\u13a1",
    # Georgian: Mkhedruli, Mtavruli, Asomtavruli, Nuskhuri
    "\u10d0", "\u1c90", "\u10a0", "\u2d00", "\u10d0\u10d1 \u10d2",
    # letters with case outside Latin/Greek/Cyrillic, astral ones, numbers and symbols with case
    "\u0531\u0561", "\U00010400\U00010428", "\U0001e900\U0001e922", "\u2160\u2170",
    "\u24b6\u24d0", "\U0001f130", "\uff21\uff41", "\u0100\u0101\u04c0\u04cf",
    # no case
    "\u65e5\u672c\u8a9e", "\U0001f600 ok", "\u00aa\u00ba", "\u02b0", "\u3000a\u00a0b",
)

WHITESPACE_INPUTS = (
    "", " ", "   ", "a b", "  a  b  ", "a  b   c", "  leading", "trailing  ",
    "\t\n\x0b\x0c\r a b \r\n",
    "\u00a0a\u00a0",                      # NO-BREAK SPACE
    "\u2007x\u2007",                      # FIGURE SPACE
    "\u202fx\u202f",                      # NARROW NO-BREAK SPACE
    "\u200bx\u200b",                      # ZERO WIDTH SPACE: not whitespace
    "\x1cA\x1dB\x1eC\x1fD",               # file/group/record/unit separators: whitespace
    "\x1c\x1d\x1e\x1f",
    "a\u0085b",                           # NEXT LINE
    "\u3000a\u3000b\u3000",               # IDEOGRAPHIC SPACE
    "\u2028a\u2029b",                     # LINE/PARAGRAPH SEPARATOR
    "\u1680x\u205f",                      # OGHAM SPACE MARK, MEDIUM MATHEMATICAL SPACE
    "\u2000\u200a x",
    "\u180ex\u180e",                      # MONGOLIAN VOWEL SEPARATOR: not whitespace
    "\ufeffx\ufeff",                      # BYTE ORDER MARK: not whitespace
    "\x85\xa0",
)
SPLIT_ARGS = ([], [None, 0], [None, 1], [None, 2])

# (method, input, args) cases with arguments.
ARG_CASES = (
    ("strip", "xxhixx", ["x"]),
    ("strip", "\u00e9a\u00e9", ["\u00e9"]),
    ("strip", "abcba", ["ab"]),
    ("strip", "", ["x"]),
    ("strip", "  a  ", [""]),
    ("strip", "  a  ", [None]),
    ("strip", "\u00a0a ", [" "]),
    ("strip", "\U0001f600a\U0001f600", ["\U0001f600"]),
    ("lstrip", "<<a>>", ["<"]),
    ("lstrip", "ab\u00a0", ["\u00a0b"]),
    ("rstrip", "ab\u00a0", ["\u00a0b"]),
    ("rstrip", "x\u00e9 ", [None]),
    ("rstrip", "mississippi", ["ipz"]),
    ("split", "a,b,,c", [","]),
    ("split", ",a,", [","]),
    ("split", "", [","]),
    ("split", "a,b,c", [",", 0]),
    ("split", "a,b,c", [",", 1]),
    ("split", "a,b,c", [",", -1]),
    ("split", "ababab", ["ab"]),
    ("split", "aXbXc", ["X", 5]),
    ("split", "a  b", [" "]),
    ("split", "a b  c  ", [" ", 2]),
    ("split", "a\u00a0b c", ["\u00a0"]),
    ("split", "\u65e5\u672c\u8a9e\u672c", ["\u672c"]),
    ("split", "  a  b  c  ", [None, 1]),
    ("split", "  a  b  c  ", [None, 2]),
    ("split", "  a  b  c  ", [None, 3]),
    ("split", "  a  b  c  ", [None, -1]),
    ("split", "\x1ca\x1fb\u0085c", [None, 1]),
)

CLASS_METHODS = ("isspace", "isalnum", "isalpha", "isdecimal", "isdigit", "isnumeric",
                 "isprintable", "islower", "isupper", "istitle")
CLASS_INPUTS = (
    "", "abc", "ABC", "Abc", "aBc", "123", "abc123", "a b", " ", "\u00a0", "\u200b", "\x1c",
    "\x7f", "a\tb", "\u00b2", "\u00bd", "\u0663", "\u2166", "\u4e00", "\U0001d7d8", "\u2460",
    "\u01c5", "\u01c5a", "\u01c4a", "Hello World", "Hello world", "HELLO", "hello", "hello1",
    "\u00df", "\u0130", "\u13a0", "\uab70", "\u00e9", "e\u0301", "\u65e5\u672c", "\u0378",
    "\U0010ffff", "\u00aa", "\u02b0", "\u24d0", "\u2160", "Ab Cd", "AB cd", "\u1f88\u1f00",
    "\U0001f600", "\u0660\u0661", "\u0300",
)


def cases():
    for s in CASE_INPUTS:
        for m in CASE_METHODS:
            yield m, s, []
    for s in WHITESPACE_INPUTS:
        for m in ("strip", "lstrip", "rstrip", "isspace"):
            yield m, s, []
        for args in SPLIT_ARGS:
            yield "split", s, list(args)
    yield from ARG_CASES
    for s in CLASS_INPUTS:
        for m in CLASS_METHODS:
            yield m, s, []


def generate():
    lines = []
    for method, s, args in cases():
        expected = getattr(s, method)(*args)
        lines.append(json.dumps({"method": method, "input": s, "args": args,
                                 "expected": expected}))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    generator_main(__doc__, DEFAULT_OUTPUT, generate)
