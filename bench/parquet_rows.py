#!/usr/bin/env python3
"""Prints the corpus benchmarks' JSONL-versus-Parquet rows (scripts/bench-decontam.sh,
bench/pii/bench.sh): the same documents scanned by the same mnemo command from a JSONL file and
from its Parquet copy (bench/jsonl_to_parquet.py), in the same run.

  parquet_rows.py JSONL_FILE PARQUET_FILE JSONL_TIME JSONL_LOG PARQUET_TIME PARQUET_LOG

A *_TIME file is GNU time's "%e %U %S %M" (wall s, user s, system s, peak RSS KiB); a *_LOG is
mnemo's stderr, whose last "N documents" is the documents scanned. MB/s counts the JSONL file's
bytes on both rows (the same corpus; Parquet's own bytes are compressed), so the ratio
Parquet/JSONL is a ratio of documents per second. Exit status 1 when the two scans' document
counts differ."""
import os
import re
import sys


def row(time_file, log_file):
    with open(time_file) as f:
        wall, user, system, rss = (float(x) for x in f.read().split()[-4:])
    with open(log_file, errors="replace") as f:
        docs = re.findall(r"(\d+) documents", f.read())
    return {"wall": wall, "cpu": user + system, "rss": rss / 1024,
            "docs": int(docs[-1]) if docs else 0}


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    jsonl, parquet = sys.argv[1], sys.argv[2]
    rows = {"JSONL": row(sys.argv[3], sys.argv[4]), "Parquet": row(sys.argv[5], sys.argv[6])}
    mb = os.path.getsize(jsonl) / 1e6
    print(f"\nJSONL vs Parquet, same documents: {mb:.0f} MB as JSONL, "
          f"{os.path.getsize(parquet) / 1e6:.0f} MB as Parquet")
    print(f"{'format':<9} {'wall s':>7} {'CPU s':>7} {'documents':>10} {'docs/s':>9} "
          f"{'MB/s':>7} {'MB/CPU-s':>9} {'peak RSS MiB':>13}")
    for name, r in rows.items():
        print(f"{name:<9} {r['wall']:7.2f} {r['cpu']:7.2f} {r['docs']:10d} "
              f"{r['docs'] / r['wall']:9.0f} {mb / r['wall']:7.1f} {mb / r['cpu']:9.1f} "
              f"{r['rss']:13.1f}")
    j, p = rows["JSONL"], rows["Parquet"]
    print(f"ratio Parquet/JSONL: {j['wall'] / p['wall']:.2f}x docs/s (wall), "
          f"{j['cpu'] / p['cpu']:.2f}x docs per CPU second")
    if j["docs"] != p["docs"] or j["docs"] == 0:
        print(f"documents differ: JSONL {j['docs']}, Parquet {p['docs']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
