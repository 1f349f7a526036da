#!/usr/bin/env python3
"""Runs a generator script into a temporary file and fails unless the result is byte for byte the
checked-in file it claims to write (ctests py_unicode_tables_regen, py_str_cases_regen).

Usage: regen_check.py GENERATOR CHECKED_IN_FILE   (the generator takes --output PATH)
"""
import difflib
import os
import subprocess
import sys
import tempfile

generator, checked_in = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, os.path.basename(checked_in))
    subprocess.run([sys.executable, generator, "--output", out], check=True)
    with open(out, "rb") as f:
        fresh = f.read()
with open(checked_in, "rb") as f:
    old = f.read()
if fresh == old:
    print(f"ok: {generator} reproduces {checked_in} ({len(old)} bytes)")
    sys.exit(0)
print(f"FAIL: {generator} (python {sys.version.split()[0]}) does not reproduce {checked_in}; "
      "regenerate it with that script and review the diff")
diff = difflib.unified_diff(old.decode("utf-8", "replace").splitlines(),
                            fresh.decode("utf-8", "replace").splitlines(),
                            "checked in", "generated", lineterm="", n=1)
for i, line in enumerate(diff):
    if i == 60:
        print("...")
        break
    print(line)
sys.exit(1)
