#!/usr/bin/env python3
"""Writes tasks/python/py_unicode_tables.cc from this interpreter's str methods and unicodedata.

Every table is what CPython's own str methods do to a one-character string, so the C++ side
(tasks/python/py_text.cc) reproduces them by lookup: str.isX() classes, the Lowercase, Uppercase
and Titlecase_Letter sets behind islower()/isupper()/istitle()/title(), the case-ignorable set
of lower()'s final-sigma rule, and the full (one-to-many) lower, upper, casefold and title
mappings, written as runs of code points that map the same distance away (CaseRun). The
module documents CPython 3.11 (Unicode 14.0.0, Debian 12's python3); another Unicode version
still generates, with a warning, and ctest py_unicode_tables_regen then fails until the headers
and tests are brought along.

The output is fixed text inside `// clang-format off` / `// clang-format on`, so it is
byte-for-byte reproducible without clang-format (whose layout of long initialiser lists
changes between versions) and clang-format leaves it as it is.

Usage: gen_py_unicode_tables.py [--output PATH]   (default: the checked-in file; "-" = stdout)
"""
import os
import sys
import unicodedata

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from repo_tools import ROOT, generator_main  # noqa: E402

DEFAULT_OUTPUT = os.path.join(ROOT, "tasks", "python", "py_unicode_tables.cc")
DOCUMENTED_UNICODE = "14.0.0"  # what py_text.h and py_unicode_tables.h promise
COLUMNS = 100
SIGMA, SMALL_SIGMA, FINAL_SIGMA = "\u03a3", "\u03c3", "\u03c2"


def code_points():
    """Every code point but the surrogates (UTF-8 text never holds them)."""
    for c in range(0x110000):
        if not 0xD800 <= c <= 0xDFFF:
            yield c


def ranges(pred):
    """Sorted, disjoint, inclusive (lo, hi) ranges of the code points where pred(char) holds."""
    out, start, prev = [], None, None
    for c in code_points():
        if pred(chr(c)):
            if start is not None and c == prev + 1:
                prev = c
                continue
            if start is not None:
                out.append((start, prev))
            start = prev = c
    if start is not None:
        out.append((start, prev))
    return out


def is_title_letter(c):
    # A one-character istitle() is "Titlecase_Letter or Uppercase"; no character is both.
    return c.istitle() and not c.isupper()


def is_cased(c):
    # CPython's _PyUnicode_IsCased, read off title(): after a cased character, "A" is lowered.
    return (c + "A").title()[-1] == "a"


def is_case_ignorable(c):
    # Read off lower()'s final-sigma rule: skipped between a cased letter and sigma ("A" Sigma c
    # then "A": not final), and at the end ("A" Sigma c: final).
    return (("A" + SIGMA + c + "A").lower()[1] == SMALL_SIGMA and
            ("A" + SIGMA + c).lower()[1] == FINAL_SIGMA)


def mapping(f, base=None):
    """(cp, [outputs]) where f(char) differs from base(char) (from char itself without base)."""
    rows = []
    for c in code_points():
        ch = chr(c)
        m = f(ch)
        if m != (base(ch) if base else ch):
            if len(m) > 3:
                sys.exit(f"U+{c:04X} maps to {len(m)} characters; CaseRun holds 3")
            rows.append((c, [ord(x) for x in m]))
    return rows


def case_runs(rows):
    """The rows of mapping() as CaseRuns (lo, hi, stride, delta, more): consecutive rows, every
    code point or every other one, whose first output is the same distance away and whose other
    outputs (more) are the same. Runs come out sorted and disjoint, as lookup needs."""
    runs = []
    for c, o in rows:
        delta, more = o[0] - c, o[1:]
        if runs:
            lo, hi, stride, d, m = runs[-1]
            step = c - hi
            if (d, m) == (delta, more) and (step == stride or lo == hi and step == 2):
                runs[-1] = (lo, c, step, delta, more)
                continue
        runs.append((c, c, 1, delta, more))
    return runs


def lower_one(c):
    # A lone capital sigma lowers to the non-final form; py_text applies the rule in context.
    return c.lower()


def packed(items, indent="    "):
    """Lines of items separated by one space, each line within COLUMNS."""
    lines, line = [], indent
    for item in items:
        if line != indent and len(line) + 1 + len(item) > COLUMNS:
            lines.append(line)
            line = indent
        line += ("" if line == indent else " ") + item
    if line != indent:
        lines.append(line)
    return lines


def emit_ranges(out, name, comment, rs):
    out.append(f"// {comment}")
    out.append(f"const CodePointRange {name}[] = {{")
    out.extend(packed([f"{{0x{a:X}, 0x{b:X}}}," for a, b in rs]))
    out.append("};")
    out.append(f"const size_t {name}Size = sizeof({name}) / sizeof({name}[0]);")
    out.append("")


def emit_map(out, name, comment, rows):
    out.append(f"// {comment}")
    out.append(f"const CaseRun {name}[] = {{")
    items = []
    for lo, hi, stride, delta, more in case_runs(rows):
        tail = f", {{{', '.join(f'0x{x:X}' for x in more)}}}" if more else ""
        items.append(f"{{0x{lo:X}, 0x{hi:X}, {stride}, {delta}{tail}}},")
    out.extend(packed(items))
    out.append("};")
    out.append(f"const size_t {name}Size = sizeof({name}) / sizeof({name}[0]);")
    out.append("")


def generate():
    if unicodedata.unidata_version != DOCUMENTED_UNICODE:
        print(f"warning: this python3 has Unicode {unicodedata.unidata_version}; the module "
              f"documents {DOCUMENTED_UNICODE} (CPython 3.11)", file=sys.stderr)
    cased = ranges(is_cased)
    union = ranges(lambda c: c.islower() or c.isupper() or is_title_letter(c))
    if cased != union:  # Unicode's definition of Cased; py_text relies on it
        sys.exit("cased characters are not Lowercase + Uppercase + Titlecase_Letter")
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    out = [
        f"// Generated by scripts/gen_py_unicode_tables.py from CPython {py}'s str methods and",
        f"// unicodedata (Unicode {unicodedata.unidata_version}). Do not edit by hand: rerun the"
        " script (ctest",
        "// py_unicode_tables_regen fails when this file differs from its output).",
        '#include "tasks/python/py_unicode_tables.h"',
        "",
        "namespace mnemo {",
        "namespace pystr_tables {",
        "",
        "// clang-format off",
        "",
    ]
    emit_ranges(out, "kSpace", "c.isspace()", ranges(str.isspace))
    emit_ranges(out, "kAlnum", "c.isalnum()", ranges(str.isalnum))
    emit_ranges(out, "kAlpha", "c.isalpha()", ranges(str.isalpha))
    emit_ranges(out, "kDecimal", "c.isdecimal()", ranges(str.isdecimal))
    emit_ranges(out, "kDigit", "c.isdigit()", ranges(str.isdigit))
    emit_ranges(out, "kNumeric", "c.isnumeric()", ranges(str.isnumeric))
    emit_ranges(out, "kPrintable", "c.isprintable()", ranges(str.isprintable))
    emit_ranges(out, "kLowercase", "c.islower()", ranges(str.islower))
    emit_ranges(out, "kUppercase", "c.isupper()", ranges(str.isupper))
    emit_ranges(out, "kTitlecase", "c.istitle() and not c.isupper()", ranges(is_title_letter))
    emit_ranges(out, "kCaseIgnorable", "skipped by lower()'s final-sigma rule",
                ranges(is_case_ignorable))
    emit_map(out, "kLowerMap", "c.lower() where it is not c", mapping(lower_one))
    emit_map(out, "kUpperMap", "c.upper() where it is not c", mapping(str.upper))
    emit_map(out, "kFoldMap", "c.casefold() where it is not c.lower()",
             mapping(str.casefold, lower_one))
    emit_map(out, "kTitleMap", "c.title() where it is not c.upper()",
             mapping(str.title, str.upper))
    out += [
        "// clang-format on",
        "",
        "}  // namespace pystr_tables",
        "}  // namespace mnemo",
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    generator_main(__doc__, DEFAULT_OUTPUT, generate)
