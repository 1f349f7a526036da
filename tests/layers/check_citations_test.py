#!/usr/bin/env python3
"""The citation check passes on the tree, fails naming the file and line on planted dangling
citations, and stays quiet on a mini tree of things that are not citations."""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1])
CHECK = os.path.join(ROOT, "scripts", "check_citations.py")
sys.path.insert(0, os.path.dirname(CHECK))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from check_citations import files, kind  # noqa: E402  (what the check reads, and in what way)

failures = []


def run(root):
    p = subprocess.run([sys.executable, CHECK, "--root", root], capture_output=True, text=True)
    return p.returncode, p.stdout


def copy_tree(dst):
    """The files the check reads, and empty stand-ins for the rest (only their names count)."""
    for rel in files(ROOT):
        out = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if kind(rel):
            shutil.copyfile(os.path.join(ROOT, rel), out)
        else:
            open(out, "w").close()


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def plant(root, rel, line):
    """Adds a line as the first line of a file; the problem it causes is on line 1."""
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        text = f.read()
    write(root, rel, line + "\n" + text)


def expect(name, cond, detail):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures.append(name)
        print(detail)


rc, out = run(ROOT)
expect("the repository is clean", rc == 0, out)

# Each case: (name, file to plant in, line, text the report must contain).
cases = [
    ("a C++ comment citing a moved header", "tasks/metrics/generation.h",
     "// see tasks/filters/py_regex.h",
     "tasks/metrics/generation.h:1: cites 'tasks/filters/py_regex.h' which is not in the "
     "repository"),
    ("a block comment citing a sibling by bare name", "tasks/metrics/aggregation.h",
     "/* bootstrap (gone_bootstrap.h) */", "tasks/metrics/aggregation.h:1: cites "
     "'gone_bootstrap.h'"),
    ("a comment citing the ABI by include path", "harness/core/request.h",
     "// C ABI structs (mnemo/backend_v0.h).", "harness/core/request.h:1: cites "
     "'mnemo/backend_v0.h'"),
    ("a CMake comment", "tasks/CMakeLists.txt", "# the sources of tasks/eval/gone.cc",
     "tasks/CMakeLists.txt:1: cites 'tasks/eval/gone.cc'"),
    ("a shell comment", "scripts/test.sh", "# as in docs/testing.md",
     "scripts/test.sh:1: cites 'docs/testing.md'"),
    ("a Markdown link", "docs/pii.md", "See [the catalogue](../audits/pii/entities_v0.json).",
     "docs/pii.md:1: cites '../audits/pii/entities_v0.json'"),
    ("a backticked Markdown path", "README.md", "The loop is `harness/app/run_job.h`.",
     "README.md:1: cites 'harness/app/run_job.h'"),
]
for name, rel, line, needle in cases:
    if not os.path.isfile(os.path.join(ROOT, rel)):
        expect(name, False, f"{rel} is not in the tree any more: pick another file to plant in")
        continue
    with tempfile.TemporaryDirectory() as tmp:
        copy_tree(tmp)
        _, before = run(tmp)
        plant(tmp, rel, line)
        rc, after = run(tmp)
        # Only what the plant added counts, so each case stands on its own.
        added = "\n".join(sorted(set(after.splitlines()) - set(before.splitlines())))
        expect(name, rc == 1 and needle in added,
               f"exit {rc}, wanted 1 and {needle!r} in:\n{added}")

# A mini tree of citations that resolve and tokens that are no citations: the check passes;
# the same tree with one dangling citation fails, naming it, and a dangling ../shared/ one too.
MINI = {
    "a/b/x.h": "// Beside: y.h, (z.h), ../b/y.h; from the top: a/b/y.h and c/w.cc; see d.md.\n"
               "// Upstream: lm_eval/api/task.py, jinja2/parser.py, llama.h's rule, re.py.\n"
               "// Not files: https://x.org/a/b/q.h, /usr/include/q.h, ~/.cache/q.json, a/*.h,\n"
               "// <name>.backend.json, $CACHE/q.json, {dir}/q.yaml, \"a/b/q.jsonl: line 3\".\n"
               "/* ../shared/ref.md */\n"
               "#include \"llama.h\"\n"
               "const char* kOut = \"--output out.jsonl\";  // writes out.jsonl\n",
    "a/b/y.h": "", "a/b/z.h": "", "c/w.cc": "", "d.md": "",
    "CMakeLists.txt": "set(_x \"# a/b/q.h\" a#b/q.h)  # a/b/x.h\n",
    "docs/d.md": "[top](../d.md), `a/b/y.h`, `--state q.json`, `cmd q.json`\n",
}
with tempfile.TemporaryDirectory() as tmp:
    repo = os.path.join(tmp, "repo")
    for rel, text in MINI.items():
        write(repo, rel, text)
    write(tmp, "shared/ref.md", "")
    rc, out = run(repo)
    expect("a mini tree without dangling citations is clean", rc == 0, f"exit {rc}:\n{out}")
    plant(repo, "c/w.cc", "// moved: a/b/gone.h")
    plant(repo, "a/b/z.h", "// ../shared/gone.md")
    rc, out = run(repo)
    wanted = ["c/w.cc:1: cites 'a/b/gone.h' which is not in the repository",
              "a/b/z.h:1: cites '../shared/gone.md' which is not in the repository"]
    expect("the mini tree with planted dangling citations fails naming them",
           rc == 1 and sorted(out.splitlines()) == sorted(wanted), f"exit {rc}:\n{out}")

sys.exit(1 if failures else 0)
