#!/usr/bin/env python3
"""The layer check passes on the tree and fails, naming the file and line, on planted faults."""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1])
CHECK = os.path.join(ROOT, "scripts", "check_layers.py")
FOLDERS = ("harness", "backends", "datasets", "tasks", "audits", "reports")
SOURCE_EXT = (".h", ".hpp", ".cc", ".cpp", ".c", ".in")
failures = []


def run(root):
    p = subprocess.run([sys.executable, CHECK, "--root", root], capture_output=True, text=True)
    return p.returncode, p.stdout


def copy_tree(dst):
    for top in FOLDERS:
        for dirpath, _, filenames in os.walk(os.path.join(ROOT, top)):
            for f in filenames:
                if f.endswith(SOURCE_EXT):
                    src = os.path.join(dirpath, f)
                    out = os.path.join(dst, os.path.relpath(src, ROOT))
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    shutil.copyfile(src, out)


def plant(root, rel, line):
    """Adds an include as the first line of a file; returns that line's number (1)."""
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(line + "\n" + text)


def expect(name, cond, detail):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures.append(name)
        print(detail)


rc, out = run(ROOT)
expect("the repository is clean", rc == 0, out)

# Each case: (name, file to plant in, include line, text the report must contain).
cases = [
    ("an engine including the application", "tasks/config/task_config.h",
     '#include "harness/app/common.h"',
     "tasks/config/task_config.h:1: includes harness/app/common.h: tasks (engine) may not "
     "include harness/app (application)"),
    ("the foundation including an engine", "harness/store/run_store.cc",
     '#include "audits/pii/engine.h"',
     "harness/store/run_store.cc:1: includes audits/pii/engine.h"),
    ("a backend including the foundation", "backends/mock/mock_backend.cc",
     '#include "harness/core/status.h"',
     "backends/mock/mock_backend.cc:1: includes harness/core/status.h"),
    ("datasets including tasks", "datasets/io/jsonl_reader.cc",
     '#include "tasks/config/task_config.h"',
     "datasets/io/jsonl_reader.cc:1: includes tasks/config/task_config.h"),
    ("a cycle between two folders of one engine", "tasks/jinja/lexer.cc",
     '#include "tasks/chat/chat_template.h"',
     "include cycle between folders tasks/chat, tasks/jinja"),
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
        expect(name, rc == 1 and needle in added, f"exit {rc}, wanted 1 and {needle!r} in:\n{added}")

sys.exit(1 if failures else 0)
