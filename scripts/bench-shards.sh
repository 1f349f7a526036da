#!/usr/bin/env bash
# Scale benchmark for sharded runs (issue 18; ctest label "bench": shards_bench; not run by CI).
#
# Builds (or reuses) a >= G GB JSON Lines corpus from the tiny-gemma3 training corpus
# (concatenated copies, ids made unique per copy): several files of different sizes and one
# file of half the corpus, so that byte-range pieces cut inside a single file. Then, per job
# kind (decontam: tasks tiny_geo; pii: file scan), in the same run:
#   - N = 1: the unsharded single-process `mnemo run` (the baseline);
#   - N = 2, 4, 8: every shard i/N run one after another on this machine (a node each, in
#     effect), each timed (wall, CPU) with the bytes of its pieces (from its job_shards plan);
#     then `mnemo merge` of the N shard stores, timed, and the merged store checked equal to
#     the baseline: scripts/compare_stores.py for every table, except that a table of more
#     than 200k rows (pii_findings here) is compared in store order by a streamed SHA-256
#     (compare_stores.py holds rows in memory; the merge promises the same row order anyway).
# A difference stops the benchmark (exit 1): no figures are printed from a wrong result.
# Prints per kind: N | shard wall s (min/median/max) | per-shard MB/s | merge s | sum of shard
# s / N=1 s, then the model of a 1 TB corpus on K nodes fitted from those figures.
#
# usage: scripts/bench-shards.sh [--gb G] [--kinds decontam,pii] [--keep] [--mnemo PATH]
#   --gb G      corpus size in GB (10^9 bytes; default 4)
#   --kinds     job kinds to run (default decontam,pii)
#   --keep      keep the stores (default: removed at the end; configs and logs stay)
#   --mnemo     the binary (default build/mnemo)
# The corpus is cached in $MNEMO_BENCH_DIR (default ~/.cache/mnemo/bench-shards)/corpus-<G>gb
# for reruns (rm -r it to rebuild); stores go to $MNEMO_BENCH_DIR/work: at most the baseline,
# one N's shard stores and their merge at a time, ~3x the baseline (the PII store of 4 GB of
# this corpus, whose documents are dense with planted PII, is ~1.5 GB: ~4.5 GB at the peak).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
gb=4 kinds=decontam,pii keep=0 exe="$root/build/mnemo"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gb) gb="$2"; shift 2 ;;
    --kinds) kinds="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --mnemo) exe="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "bench-shards: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
# A fraction (--gb 0.05) makes a quick smoke run; the issue's figures need >= 4.
[[ "$gb" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "bench-shards: --gb must be a positive number" >&2; exit 2; }
[[ -x "$exe" ]] || { echo "bench-shards: no mnemo binary at $exe" >&2; exit 2; }
for k in ${kinds//,/ }; do
  [[ "$k" == decontam || "$k" == pii ]] || { echo "bench-shards: unknown kind '$k' (decontam, pii)" >&2; exit 2; }
done
dir="${MNEMO_BENCH_DIR:-$HOME/.cache/mnemo/bench-shards}"
corpus="$dir/corpus-${gb}gb"
work="$dir/work"
mkdir -p "$dir"

# The corpus: whole copies of train.jsonl with ids "c<copy>/<id>", written until each file
# reaches its share of G GB. Five files in glob order: 14%, 50% (the big one), 22%, 8%, 6%,
# so the cuts of N = 8 fall in four of them, three inside the big file. ".done" holds the
# parameters: a partial or differently built corpus is rebuilt, never reused.
spec="v1 gb=$gb source=$(stat -c %s "$root/datasets/data/tiny-gemma3/train.jsonl")"
if [[ ! -f "$corpus/.done" || "$(cat "$corpus/.done")" != "$spec" ]]; then
  echo "building a ${gb} GB corpus in $corpus ..."
  rm -rf "$corpus"
  mkdir -p "$corpus"
  python3 - "$root/datasets/data/tiny-gemma3/train.jsonl" "$corpus" "$gb" <<'PY'
import json, sys
src, out, gb = sys.argv[1], sys.argv[2], float(sys.argv[3])
docs = []
with open(src, encoding="utf-8") as f:
    for line in f:
        if line.strip():
            d = json.loads(line)
            rest = {k: v for k, v in d.items() if k != "id"}
            docs.append((d["id"], json.dumps(rest, ensure_ascii=False)[1:]))
shares = [("part-0.jsonl", 0.14), ("part-1-big.jsonl", 0.50), ("part-2.jsonl", 0.22),
          ("part-3.jsonl", 0.08), ("part-4.jsonl", 0.06)]
copy = 0
for name, share in shares:
    target, written = int(share * gb * 1e9), 0
    with open(f"{out}/{name}", "wb") as f:
        while written < target:
            data = "".join('{"id": %s, %s\n' % (json.dumps(f"c{copy}/{i}"), rest)
                           for i, rest in docs).encode()
            f.write(data)
            written += len(data)
            copy += 1
    print(f"  {name}: {written / 1e6:.0f} MB")
print(f"  {copy} copies of {len(docs)} documents")
PY
  echo "$spec" > "$corpus/.done"
fi
bytes=$(cat "$corpus"/*.jsonl | wc -c)
awk -v b="$bytes" -v g="$gb" 'BEGIN { exit !(b >= g * 1e9) }' || { echo "bench-shards: corpus is $bytes bytes, under $gb GB" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cleanup() { [[ "$keep" == 1 ]] || rm -f "$work"/*.db "$work"/*.db-*; }  # logs stay
trap cleanup EXIT
times="$work/times.tsv"  # kind N i bytes wall user sys   (i = "merge" for the merge)
: > "$times"
: > "$work/rows.tsv"  # kind table rows (of the baseline store)
: > "$work/fixed.tsv"  # kind wall wall wall (shard 0/4096, three times)
model="llamacpp:$root/datasets/data/tiny-gemma3/tiny-gemma3-final.gguf"
corpus_glob="$corpus/*.jsonl"

# Bytes of a shard's pieces, from the job_shards plan its store recorded: end - begin summed
# over the "pieces" of a job's plan; the largest over the store's jobs (every job of these
# configs reads the same corpus).
piece_bytes() {
  python3 - "$1" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
def walk(v):
    if isinstance(v, dict):
        return sum(p["end"] - p["begin"] for p in v.get("pieces", [])) + \
            sum(walk(x) for k, x in v.items() if k != "pieces")
    return sum(walk(x) for x in v) if isinstance(v, list) else 0
rows = db.execute("SELECT plan_json FROM job_shards").fetchall()
if not rows:
    sys.exit(f"{sys.argv[1]}: no job_shards row (not a shard store)")
print(max(walk(json.loads(r[0])) for r in rows))
PY
}

# compare_stores.py for every table but the big ones; those by an ordered streamed digest
# (job_id replaced by the job's kind/name, surrogate "id" columns dropped).
check_equal() {  # check_equal BASELINE MERGED
  python3 - "$root/scripts/compare_stores.py" "$1" "$2" <<'PY'
import hashlib, sqlite3, subprocess, sys
cmp, a, b = sys.argv[1], sys.argv[2], sys.argv[3]
dbs = [sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in (a, b)]
tables = sorted({r[0] for d in dbs for r in d.execute(
    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")})
def count(d, t):
    try:
        return d.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
    except sqlite3.Error:
        return -1  # absent: compare_stores.py reports it
big = [t for t in tables if max(count(d, t) for d in dbs) > 200000]
small = [t for t in tables if t not in big]
args = [sys.executable, cmp, a, b] + [x for t in small for x in ("--table", t)]
r = subprocess.run(args, capture_output=True, text=True)
ok = r.returncode == 0
sys.stdout.write(r.stdout + r.stderr)
def digest(d, t):
    cols = [c[1] for c in d.execute(f'PRAGMA table_info("{t}")') if c[1] != "id"]
    jobs = dict(d.execute("SELECT id, kind || '/' || name FROM jobs"))
    h, n = hashlib.sha256(), 0
    q = ", ".join(f'"{c}"' for c in cols)
    for row in d.execute(f'SELECT {q} FROM "{t}" ORDER BY rowid'):
        row = [jobs.get(v, v) if c == "job_id" else v for c, v in zip(cols, row)]
        h.update(repr(row).encode())
        n += 1
    return n, h.hexdigest()
for t in big:
    (na, ha), (nb, hb) = (digest(d, t) for d in dbs)
    if (na, ha) != (nb, hb):
        print(f"{t}: {na} rows in A, {nb} in B; ordered digests {ha[:16]} vs {hb[:16]}")
        ok = False
    else:
        print(f"{t}: {na} rows equal in order (digest)")
sys.exit(0 if ok else 1)
PY
}

timed() {  # timed OUT.time LOG CMD...: GNU time "wall user sys" into OUT.time
  local tf="$1" log="$2"; shift 2
  if ! /usr/bin/time -f "%e %U %S" -o "$tf" "$@" > "$log" 2>&1; then
    echo "bench-shards: failed: $*" >&2
    tail -5 "$log" >&2
    exit 1
  fi
}

files=("$corpus"/*.jsonl)
echo "corpus: $corpus (${#files[@]} files, $((bytes / 1000000)) MB); $(nproc) cores;" \
  "$(date -u +%Y-%m-%dT%H:%MZ)"
cat "$corpus"/*.jsonl > /dev/null  # warm the page cache
for kind in ${kinds//,/ }; do
  if [[ "$kind" == pii ]]; then
    job='{"kind": "pii", "paths": ["'"$corpus_glob"'"]}'
  else
    job='{"kind": "decontam", "tasks": ["tiny_geo"], "corpus": ["'"$corpus_glob"'"]}'
  fi
  cfg="$work/$kind.json"
  cat > "$cfg" <<EOF
{"name": "bench-shards-$kind",
 "models": [{"name": "tiny-gemma3-final", "model": "$model"}],
 "jobs": [$job]}
EOF
  echo "[$kind] N=1 (single process) ..."
  timed "$work/t" "$work/$kind-n1.log" "$exe" run "$cfg" --db "$work/$kind-n1.db" -q
  echo "$kind 1 0 $bytes $(cat "$work/t")" >> "$times"
  # The rows the merge must write: the baseline's findings (pii) or items (decontam).
  table=$([[ "$kind" == pii ]] && echo pii_findings || echo decontam_items)
  rows=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM " + sys.argv[2]).fetchone()[0])' "$work/$kind-n1.db" "$table")
  echo "$kind $table $rows" >> "$work/rows.tsv"
  fixed=()  # the fixed cost of a shard: a shard of ~1/4096 of the corpus, three times
  for r in 1 2 3; do
    timed "$work/t" "$work/$kind-fixed.log" "$exe" run "$cfg" --shard 0/4096 \
      --db "$work/$kind-fixed-$r.db" -q
    fixed+=("$(cut -d' ' -f1 "$work/t")")
    rm -f "$work/$kind-fixed-$r.db"
  done
  echo "$kind ${fixed[*]}" >> "$work/fixed.tsv"
  for n in 2 4 8; do
    echo "[$kind] N=$n: $n shards in turn, merge, check ..."
    stores=()
    for ((i = 0; i < n; i++)); do
      s="$work/$kind-n$n-s$i.db"
      timed "$work/t" "$work/$kind-n$n-s$i.log" "$exe" run "$cfg" --shard "$i/$n" --db "$s" -q
      echo "$kind $n $i $(piece_bytes "$s") $(cat "$work/t")" >> "$times"
      stores+=("$s")
    done
    timed "$work/t" "$work/$kind-n$n-merge.log" "$exe" merge "${stores[@]}" --db "$work/$kind-n$n.db"
    echo "$kind $n merge 0 $(cat "$work/t")" >> "$times"
    if ! check_equal "$work/$kind-n1.db" "$work/$kind-n$n.db" > "$work/$kind-n$n-check.log"; then
      cat "$work/$kind-n$n-check.log"
      echo "bench-shards: $kind: the merge of $n shards differs from the single-process run" >&2
      keep=1
      exit 1
    fi
    [[ "$keep" == 1 ]] || rm -f "${stores[@]}" "$work/$kind-n$n.db"
  done
done

python3 - "$times" "$(nproc)" "$work/rows.tsv" "$work/fixed.tsv" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
cores = int(sys.argv[2])
results = {r[0]: (r[1], int(r[2])) for r in (l.split() for l in open(sys.argv[3])) if r}
fixed = {r[0]: statistics.median(float(x) for x in r[1:])
         for r in (l.split() for l in open(sys.argv[4])) if r}
TB = 1e12
for kind in dict.fromkeys(r[0] for r in rows):
    shards = [(int(r[1]), int(r[3]), float(r[4]), float(r[5]) + float(r[6]))
              for r in rows if r[0] == kind and r[2] != "merge"]
    merges = {int(r[1]): float(r[4]) for r in rows if r[0] == kind and r[2] == "merge"}
    base = next(w for n, b, w, c in shards if n == 1)
    total = next(b for n, b, w, c in shards if n == 1)
    print(f"\n{kind}: {total / 1e6:.0f} MB corpus; every shard of N in turn on this machine; "
          f"{cores} cores per shard (scan threads 0 = all)")
    print(f"{'N':>3} | {'shard wall s min/med/max':>26} | {'MB/s per shard (med)':>20} | "
          f"{'CPU %':>5} | {'merge s':>7} | sum shard s / N=1 s")
    for n in sorted({s[0] for s in shards}):
        ss = [s for s in shards if s[0] == n]
        w = [s[2] for s in ss]
        rate = statistics.median(s[1] / 1e6 / s[2] for s in ss)
        cpu = 100 * sum(s[3] for s in ss) / sum(w)
        m = f"{merges[n]:7.2f}" if n in merges else f"{'-':>7}"
        print(f"{n:>3} | {min(w):8.2f} {statistics.median(w):8.2f} {max(w):8.2f} | "
              f"{rate:20.1f} | {cpu:5.0f} | {m} | {sum(w) / base:.3f}")
    # A shard's wall = c0 + bytes / R. c0, its fixed cost (start, config, eval index, store),
    # is measured: the median wall of shard 0/4096 (~1/4096 of the corpus; an upper bound).
    # R is the bytes of every shard of every N over their wall time less c0.
    c0 = fixed[kind]
    rate = sum(s[1] for s in shards) / 1e6 / sum(max(1e-9, s[2] - c0) for s in shards)
    # Merge = m0 + m1 * shards, fitted over N = 2, 4, 8: m1 the cost of each shard store
    # (open, check, read), m0 the cost of the results written once.
    ns = sorted(merges)
    if len(ns) >= 2:
        mn, mm = statistics.fmean(ns), statistics.fmean(merges[n] for n in ns)
        m1 = sum((n - mn) * (merges[n] - mm) for n in ns) / sum((n - mn) ** 2 for n in ns)
        m1 = max(0.0, m1)
        m0 = max(0.0, mm - m1 * mn)
    else:
        m0, m1 = (merges[ns[0]] if ns else 0.0), 0.0
    # The results a merge writes grow with the corpus for pii (every finding is a row, at
    # this corpus's density) and not for decontam (bounded by the eval items).
    grow = TB / total if kind == "pii" else 1.0
    print(f"model: shard s = {c0:.2f} (shard 0/4096, median of 3) + MB / {rate:.1f} "
          f"(over {len(shards)} shards); "
          f"merge s = {m0:.2f} + {m1:.3f} x shards (fit over N = {ns})")
    table, n_rows = results[kind]
    print(f"  the merge writes {n_rows} {table} rows here ({n_rows / (total / 1e6):.1f} per MB); "
          + (f"at this density 1 TB has {grow:.0f}x as many: merge m0 scaled by that"
             if grow != 1 else "decontam items are bounded by the eval set, not the corpus: m0 kept"))
    print(f"{'1 TB on K nodes':>16} | {'scan s':>9} | {'fixed s':>7} | {'merge s':>9} | {'wall h':>7}")
    for k in (1, 8, 32, 128):
        scan = TB / 1e6 / (k * rate)
        merge = m0 * grow + m1 * k if k > 1 else 0.0  # one node: no merge
        wall = scan + c0 + merge
        print(f"{k:>16} | {scan:9.0f} | {c0:7.2f} | {merge:9.1f} | {wall / 3600:7.2f}")
print(f"\nOne shard per node, K shards; per-node rate as measured with {cores} cores. A node with "
      f"C cores scans about C/{cores} times faster only while the scan is CPU-bound (decontam and "
      "PII scan blocks in parallel with oneTBB; CPU % near 100 x cores says so) and its storage "
      "keeps up. The machine is shared: wall times include other processes' load; compare CPU %.")
PY
