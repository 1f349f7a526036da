#!/usr/bin/env python3
"""Fails when a comment cites a repository file that does not exist.

A citation names a file by one of EXTENSIONS: a path (`backends/llamacpp/decoder.h`, tried from
the repository root, the citing file's folder and the include roots) or a bare name (`(scorer.h)`,
beside the citing file, else anywhere in the tree). Read: // and /* */ comments of C and C++
files; # comments of CMake, Python and shell files; link targets `](path)` and whole `backticked`
paths of docs/*.md and README.md. Build folders, hidden folders and fetched sources are skipped.
Not citations: URLs; absolute and home paths; globs (*); placeholders (<name>, {x}, $VAR);
"quoted" text in comments (example values, messages); paths whose first folder is no folder of
the tree (other projects' files: jinja2/parser.py); headers the code includes from outside the
tree (llama.h); bare names the C/C++ code spells in string literals (files it reads or writes at
run time); Python's standard modules; UPSTREAM below. `shared/...` and `../shared/...` name the
shared folder beside the repository and are checked when it is there.

Usage: check_citations.py [--root DIR]   exit 0 clean, 1 with one line per problem, 2 bad usage.
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from repo_tools import check_main, files  # noqa: E402  (files: what the check reads)

EXTENSIONS = (".h", ".hpp", ".cc", ".c", ".py", ".md", ".json", ".jsonl", ".cmake", ".txt",
              ".sh", ".in", ".yaml")
# Cited files of other projects that the rules above cannot tell from ours. Keep it short.
UPSTREAM = (
    # lm-evaluation-harness, the reference our tasks, metrics and decontamination follow: its
    # package, then its files that comments name without the lm_eval/ folder.
    "lm_eval/", "tests/test_utils.py", "evaluator_utils.py", "metrics.py", "group.py", "task.py",
    # AGIEval's files, named by lm-eval's agieval/utils.py (a verbatim test copy, hash-checked).
    "math_equivalence.py", "post_process.py",
)
INCLUDE_ROOTS = ("harness/include",)  # where `mnemo/backend.h` lives
C_EXT = (".h", ".hpp", ".cc", ".cpp", ".c")
TOKEN = re.compile(r"[\w./~<>{}$*@+-]+")
QUOTED = re.compile(r'"[^"]*"')  # "example values" and "messages" in a comment
C_START = re.compile(r'//|/\*|R"|["\']')  # what opens a comment or a literal
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)


def kind(rel):
    """How a file's citations are found: 'c', 'hash', 'md', or None when it is not read."""
    if rel.endswith(C_EXT):
        return "c"
    if rel.endswith((".cmake", ".py", ".sh")) or os.path.basename(rel) == "CMakeLists.txt":
        return "hash"
    if rel == "README.md" or rel.startswith("docs/") and rel.endswith(".md"):
        return "md"
    return None


def c_lex(text):
    """(line, comment text) of each // and /* */ comment line, and the string literals."""
    comments, strings, i, line = [], [], 0, 1
    while m := C_START.search(text, i):
        start, tok = m.start(), m.group()
        line += text.count("\n", i, start)
        if tok in ("//", "/*"):
            end = text.find("\n" if tok == "//" else "*/", start + 2)
            end = len(text) if end < 0 else end
            comments += list(enumerate(text[start + 2:end].split("\n"), line))
            i = end if tok == "//" else end + 2
        elif tok == 'R"' and not text[start - 1:start].isalnum():
            delim = re.match(r'R"([^(\s]*)', text[start:]).group(1)
            end = text.find(")" + delim + '"', start)
            i = len(text) if end < 0 else end + len(delim) + 2
        else:
            quote = tok[-1]
            i = start + len(tok)
            while i < len(text) and text[i] not in (quote, "\n"):
                i += 2 if text[i] == "\\" else 1
            i += 1
        if tok[-1] in "\"'":
            strings.append(text[start:i])
        line += text.count("\n", start, i)
    return comments, strings


def hash_comments(text):
    """(line, text) after a # that starts a word outside quotes."""
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        quote = None
        for i, c in enumerate(line):
            if quote:
                quote = None if c == quote else quote
            elif c in "\"'":
                quote = c
            elif c == "#" and (i == 0 or line[i - 1].isspace()):
                out.append((n, line[i + 1:]))
                break
    return out


def md_targets(text):
    """(line, target) of each link target and each backticked span that is one token."""
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        out += [(n, m) for m in re.findall(r"\]\(([^)\s]+)\)", line)]
        out += [(n, m) for m in re.findall(r"`([^`\s]+)`", line)]
    return out


def citations(text):
    """The tokens of a text that look like files: a known extension, with a name before it."""
    for token in TOKEN.findall(re.sub(r"\w+://\S+", " ", text)):
        token = token.rstrip(".")
        if token.endswith(EXTENSIONS) and not os.path.basename(token).startswith("."):
            yield token


class Repo:
    def __init__(self, root):
        self.all = set(files(root))
        self.names = {os.path.basename(p) for p in self.all}
        self.shared = os.path.join(os.path.dirname(root), "shared")
        self.outside = set()  # external headers and run-time file names, from the C/C++ code
        self.dirs = set()
        for p in self.all:
            while p := os.path.dirname(p):
                self.dirs.add(p)

    def learn(self, rel, text, strings):
        """Notes the headers a C/C++ file includes from outside and its run-time file names."""
        includes = INCLUDE.findall(text)
        for target in includes:
            if not self.resolves(rel, target, self.all):
                self.outside |= {target, os.path.basename(target)}
        self.outside |= {t for s in strings if s.strip('"') not in includes
                         for t in citations(s) if "/" not in t}

    def resolves(self, rel, path, among):
        """Whether the path, from the top, beside the citing file or in an include root, is among
        the given files or folders."""
        return any(os.path.normpath(os.path.join(base, path)) in among
                   for base in ("", os.path.dirname(rel)) + INCLUDE_ROOTS)

    def dangling(self, rel, token):
        """True when the token cites a file of this tree that is not there."""
        if re.search(r"[<>{}$*@~]", token) or token.startswith("/") or \
                token.startswith(UPSTREAM) or token in self.outside:
            return False
        stem, ext = os.path.splitext(token)
        if ext == ".py" and stem in sys.stdlib_module_names:
            return False
        if "/" not in token:
            return token not in self.names
        for prefix in ("shared/", "../shared/"):
            if token.startswith(prefix):
                path = os.path.join(self.shared, token[len(prefix):])
                return os.path.isdir(self.shared) and not os.path.exists(path)
        if self.resolves(rel, token, self.all):
            return False
        # Ours only when its first folder (after any ../) is a folder of the tree.
        parts = token.split("/")
        lead = next((i for i, p in enumerate(parts) if p not in (".", "..")), 0)
        return self.resolves(rel, "/".join(parts[:lead + 1]), self.dirs)


def check(root):
    repo = Repo(root)
    spans = {}
    for rel in sorted(repo.all):
        k = kind(rel)
        if k is None:
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        if k == "c":
            spans[rel], strings = c_lex(text)
            repo.learn(rel, text, strings)
        else:
            spans[rel] = hash_comments(text) if k == "hash" else md_targets(text)
    return [f"{rel}:{n}: cites '{token}' which is not in the repository"
            for rel, found in spans.items() for n, span in found
            for token in citations(QUOTED.sub(" ", span)) if repo.dangling(rel, token)]


if __name__ == "__main__":
    sys.exit(check_main("check_citations", __doc__, check))
