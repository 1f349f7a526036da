#!/usr/bin/env bash
# PII scanner benchmark (not run by CI): MB/s and CPU seconds of `mnemo audit pii` (run
# prefilter and RE2::Set, validators on) next to ripgrep running the same pattern set on the
# same file, and next to the one-regex-at-a-time loop (`--no-prefilter`: every pattern over every document, same
# validators), in the same run, printed as ratios.
# The corpus is also scanned as JSON Lines ({"text": line}) and as Parquet written from them
# (bench/jsonl_to_parquet.py, through mnemo's DuckDB; row groups of $BENCH_PARQUET_GROUP_MB MB of
# text, default 32): docs/s and MB/s of both and the ratio Parquet/JSONL (bench/parquet_rows.py);
# their findings must equal the text file's. A mnemo without DuckDB skips the Parquet row.
#
#   bash bench/pii/bench.sh [build/mnemo]
#   BENCH_MB=512 BENCH_DIR=/tmp/mnemo-pii-bench BENCH_THREADS=0 bash bench/pii/bench.sh
#
# The corpus (>= 500 MB by default) is generated under /tmp and never committed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mnemo="${1:-$root/build/mnemo}"
dir="${BENCH_DIR:-/tmp/mnemo-pii-bench}"
mb="${BENCH_MB:-512}"
threads="${BENCH_THREADS:-0}"
mkdir -p "$dir"
corpus="$dir/corpus-${mb}mb.txt"
[[ -x "$mnemo" ]] || { echo "bench: no mnemo binary at $mnemo" >&2; exit 2; }
command -v rg >/dev/null || { echo "bench: ripgrep (rg) is not installed (apt-get install ripgrep)" >&2; exit 2; }
if [[ ! -s "$corpus" ]]; then
  python3 "$root/bench/pii/make_corpus.py" --root "$root" --out "$corpus" --mb "$mb"
fi
bytes=$(stat -c %s "$corpus")
jsonl="$dir/corpus-${mb}mb.jsonl"
if [[ ! -s "$jsonl" || "$corpus" -nt "$jsonl" ]]; then
  python3 -c 'import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as o:
    for line in f:
        o.write(json.dumps({"text": line.rstrip("\n")}, ensure_ascii=False) + "\n")' \
    "$corpus" "$jsonl"
fi
group_mb="${BENCH_PARQUET_GROUP_MB:-32}"
parquet="$dir/corpus-${mb}mb-g${group_mb}mb.parquet"
parquet_rc=0  # 3: no DuckDB in this mnemo
python3 "$root/bench/jsonl_to_parquet.py" --mnemo "$mnemo" --jsonl "$jsonl" --out "$parquet" \
  --columns text --group-mb "$group_mb" --reuse || parquet_rc=$?
[[ $parquet_rc -eq 0 || $parquet_rc -eq 3 ]] || exit "$parquet_rc"
# The same patterns for ripgrep: ASCII classes and \b like RE2's Latin-1 mode.
"$mnemo" audit pii --list-patterns | sed -e 's/^/(?-u)/' -e 's/\\"/"/g' > "$dir/patterns.txt"
echo "corpus: $corpus ($((bytes / 1000000)) MB), $(wc -l < "$dir/patterns.txt") patterns, $(nproc) cores"
cat "$corpus" "$jsonl" > /dev/null  # warm the page cache for every contender
[[ $parquet_rc -ne 0 ]] || cat "$parquet" > /dev/null

# Each contender runs under /usr/bin/time: wall seconds give MB/s, user+sys CPU seconds are
# the fair number on a loaded machine (other jobs steal wall time, not CPU time).
#   ripgrep flags: -f the same patterns; -a searches binary-looking bytes as text, as mnemo
#   does; --no-filename; a single file is always searched on one thread by ripgrep (-j only
#   spreads files), so the 1-thread mnemo row is the like-for-like one.
#   --count-matches enumerates every match (what mnemo must do: each match is validated);
#   -c only counts lines with a match (stops at the first per line: a prefilter's work).
timed() {  # timed NAME CMD... : runs CMD, appends "NAME wall user sys" to $dir/times
  local name="$1"; shift
  /usr/bin/time -f "$name %e %U %S" -a -o "$dir/times" "$@"
}
: > "$dir/times"
timed mnemo2 "$mnemo" audit pii "$corpus" --format text --threads "$threads" \
  --output "$dir/findings.jsonl" 2> "$dir/mnemo.log"
findings=$(wc -l < "$dir/findings.jsonl")
timed mnemo1 "$mnemo" audit pii "$corpus" --format text --threads 1 --output /dev/null -q
rg_matches=$(timed rg_all rg -a --no-filename --count-matches -f "$dir/patterns.txt" "$corpus" || true)
rg_lines=$(timed rg_lines rg -a --no-filename -c -f "$dir/patterns.txt" "$corpus" || true)
timed loop "$mnemo" audit pii "$corpus" --format text --threads "$threads" --no-prefilter \
  --output "$dir/loop.jsonl" -q
loop_findings=$(wc -l < "$dir/loop.jsonl")
# JSONL and Parquet: the mnemo2 command on the same documents (GNU time's wall, user, sys, RSS).
/usr/bin/time -f "%e %U %S %M" -o "$dir/jsonl.time" "$mnemo" audit pii "$jsonl" \
  --threads "$threads" --output "$dir/findings-jsonl.jsonl" 2> "$dir/jsonl.log"
if [[ $parquet_rc -eq 0 ]]; then
  /usr/bin/time -f "%e %U %S %M" -o "$dir/parquet.time" "$mnemo" audit pii "$parquet" \
    --threads "$threads" --output "$dir/findings-parquet.jsonl" 2> "$dir/parquet.log"
fi

sed -n '1,30p' "$dir/mnemo.log"
echo
python3 - "$dir/times" "$bytes" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 4 and parts[0] in ("mnemo2", "mnemo1", "rg_all", "rg_lines", "loop"):
        rows[parts[0]] = tuple(float(x) for x in parts[1:])
mb = int(sys.argv[2]) / 1e6
names = {
    "mnemo2": "mnemo audit pii (runs/Set + validators, all cores)",
    "mnemo1": "mnemo audit pii (1 thread)",
    "rg_all": "ripgrep -a --count-matches, same patterns",
    "rg_lines": "ripgrep -a -c (lines with a match), same patterns",
    "loop": "one regex at a time (--no-prefilter, all cores)",
}
print(f"{'contender':<52} {'wall s':>7} {'MB/s':>7} {'CPU s':>7} {'MB/CPU-s':>9}")
for k in names:
    w, u, s = rows[k]
    print(f"{names[k]:<52} {w:7.2f} {mb / w:7.1f} {u + s:7.2f} {mb / (u + s):9.1f}")
def ratio(a, b, cpu):
    wa, ua, sa = rows[a]; wb, ub, sb = rows[b]
    return ((ub + sb) / (ua + sa)) if cpu else (wb / wa)
print()
for other in ("rg_all", "rg_lines", "loop"):
    print(f"mnemo/{other}: wall {ratio('mnemo2', other, False):.2f}x (all cores), "
          f"{ratio('mnemo1', other, False):.2f}x (1 thread); "
          f"CPU {ratio('mnemo1', other, True):.2f}x (1 thread)")
PY
echo "findings: mnemo $findings, loop $loop_findings (must be equal);" \
     "ripgrep raw matches $rg_matches, lines $rg_lines"
cmp -s "$dir/findings.jsonl" "$dir/findings-jsonl.jsonl" ||
  { echo "bench: findings from the JSONL copy differ from the text file's" >&2; exit 1; }
if [[ $parquet_rc -eq 0 ]]; then
  python3 "$root/bench/parquet_rows.py" "$jsonl" "$parquet" "$dir/jsonl.time" "$dir/jsonl.log" \
    "$dir/parquet.time" "$dir/parquet.log"
  cmp -s "$dir/findings.jsonl" "$dir/findings-parquet.jsonl" ||
    { echo "bench: findings from Parquet differ from the text file's" >&2; exit 1; }
  echo "findings: equal from text, JSONL and Parquet"
else
  echo "findings: equal from text and JSONL; Parquet row skipped: this mnemo is built without" \
       "DuckDB (scripts/setup.sh provisions it)"
fi
