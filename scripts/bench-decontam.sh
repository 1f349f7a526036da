#!/usr/bin/env bash
# Decontamination throughput benchmark (label "bench"; not run by CI).
#
# Builds a >= 1 GB JSON Lines corpus in /tmp from the repository's real text (the
# tiny-gemma3 training corpus, GSM8K train, WikiText-2 valid; cycled with fresh ids), then on
# the same file and in the same run times:
#   - mnemo audit decontam against the n-grams of every shipped task (gpt3, n = 13);
#   - wc -w;
#   - grep -F -c -f <the same n-grams as fixed strings>;
# and prints wall and user CPU seconds of each, the speed-ups, mnemo's CPU utilisation, peak
# memory and bytes per distinct n-gram. wc -w runs in the user's locale (printed) and in C.
# The same corpus is also written as Parquet (bench/jsonl_to_parquet.py, through mnemo's DuckDB;
# row groups of $MNEMO_BENCH_PARQUET_GROUP_MB MB of text, default 32) and scanned by the same
# mnemo command: docs/s and MB/s of both and the ratio Parquet/JSONL (bench/parquet_rows.py),
# and the items must be equal. A mnemo without DuckDB skips these rows with a note.
#
# usage: scripts/bench-decontam.sh [MNEMO_EXE] [SIZE_MB]   (defaults: build/mnemo, 1100)
# The corpus is kept in $MNEMO_BENCH_DIR (default /tmp/mnemo-decontam-bench) for reruns.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
exe="${1:-$root/build/mnemo}"
size_mb="${2:-1100}"
dir="${MNEMO_BENCH_DIR:-/tmp/mnemo-decontam-bench}"
threads="${MNEMO_BENCH_THREADS:-$(nproc)}"
mkdir -p "$dir"
corpus="$dir/corpus.jsonl"

if [[ ! -s "$corpus" || $(stat -c %s "$corpus") -lt $((size_mb * 1000000)) ]]; then
  echo "building a ${size_mb} MB corpus in $corpus ..."
  python3 - "$root" "$corpus" "$size_mb" <<'PY'
import json, sys
root, out, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
docs = []
with open(f"{root}/datasets/data/tiny-gemma3/train.jsonl") as f:
    docs += [json.loads(l)["text"] for l in f if l.strip()]
with open(f"{root}/datasets/data/gsm8k/train.jsonl") as f:
    for l in f:
        if l.strip():
            d = json.loads(l)
            docs.append(d["question"] + "\n" + d["answer"])
para = []
with open(f"{root}/datasets/data/wikitext-2/valid.txt") as f:
    for l in f:
        if l.strip():
            para.append(l.strip())
        elif para:
            docs.append("\n".join(para)); para = []
lines = [', "text": ' + json.dumps(t, ensure_ascii=False) + "}" for t in docs]
target = size_mb * 1000000
written, rep = 0, 0
with open(out, "w") as f:
    while written < target:
        chunk = "".join('{"id": "r%d-%d"%s\n' % (rep, i, rest) for i, rest in enumerate(lines))
        f.write(chunk); written += len(chunk.encode()); rep += 1
print(f"{written/1e6:.0f} MB, {rep} passes over {len(docs)} documents")
PY
fi
bytes=$(stat -c %s "$corpus")
group_mb="${MNEMO_BENCH_PARQUET_GROUP_MB:-32}"
parquet="$dir/corpus-g${group_mb}mb.parquet"
parquet_rc=0  # 3: no DuckDB in this mnemo
python3 "$root/bench/jsonl_to_parquet.py" --mnemo "$exe" --jsonl "$corpus" --out "$parquet" \
  --group-mb "$group_mb" --reuse || parquet_rc=$?
[[ $parquet_rc -eq 0 || $parquet_rc -eq 3 ]] || exit "$parquet_rc"
tasks="tiny_geo,tiny_geo_3shot,gsm8k,wikitext2,mmlu_sample"

# Warm the page cache so every tool reads from memory.
cat "$corpus" > /dev/null
[[ $parquet_rc -ne 0 ]] || cat "$parquet" > /dev/null

# Each tool runs under GNU time: wall, user and system CPU seconds, peak RSS (KiB). Compare
# user CPU when the machine is shared: wall time counts other processes' load too.
timed() {  # timed NAME CMD...; stdout of CMD -> $dir/NAME.out
  local name="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$dir/$name.time" "$@" > "$dir/$name.out"
}
timed mnemo "$exe" audit decontam --tasks "$tasks" --corpus "$corpus" --threads "$threads" \
  --output "$dir/items.jsonl" --dump-ngrams "$dir/ngrams.txt" 2> "$dir/mnemo.log"
if [[ $parquet_rc -eq 0 ]]; then
  timed mnemo_parquet "$exe" audit decontam --tasks "$tasks" --corpus "$parquet" \
    --threads "$threads" --output "$dir/items-parquet.jsonl" \
    --dump-ngrams "$dir/ngrams-parquet.txt" 2> "$dir/mnemo-parquet.log"
fi
# wc -w as the user runs it: the user's own locale (the issue's baseline). GNU wc's word
# rule depends on the locale (in UTF-8 locales multibyte spaces split words), so the C
# locale is timed too and both are printed when they differ.
user_locale="${LC_ALL:-${LC_CTYPE:-${LANG:-C}}}"
timed wc wc -w "$corpus"
timed wc_c env LC_ALL=C wc -w "$corpus"
timed grep sh -c 'grep -F -c -f "$1" "$2" || true' sh "$dir/ngrams.txt" "$corpus"

cat "$dir/mnemo.log"
read -r mw mu ms rss < "$dir/mnemo.time"
read -r ww wu wsys _ < "$dir/wc.time"
read -r cw cu csys _ < "$dir/wc_c.time"
read -r gw gu gsys _ < "$dir/grep.time"
awk -v b="$bytes" -v ng="$(wc -l < "$dir/ngrams.txt")" -v loc="$user_locale" \
    -v mw="$mw" -v mu="$mu" -v ms="$ms" -v rss="$rss" -v ww="$ww" -v wu="$wu" \
    -v cw="$cw" -v cu="$cu" -v gw="$gw" -v gu="$gu" -v threads="$threads" \
    -v wcn="$(cut -d' ' -f1 "$dir/wc.out")" -v wccn="$(cut -d' ' -f1 "$dir/wc_c.out")" \
    -v gr="$(cat "$dir/grep.out")" \
    -v bpn="$(grep -o 'n-gram set [0-9.]* MiB ([0-9.]* bytes' "$dir/mnemo.log" | grep -o '([0-9.]*' | tr -d '(')" '
BEGIN {
  printf "\ncorpus: %.0f MB JSONL; %d distinct eval n-grams (all shipped tasks, n = 13); %d cores\n", b / 1e6, ng, threads;
  printf "%-34s %8s %8s %8s %9s\n", "", "wall s", "user s", "MB/s", "";
  printf "%-34s %8.2f %8.2f %8.0f  (%d threads)\n", "mnemo audit decontam", mw, mu, b / 1e6 / mw, threads;
  printf "%-34s %8.2f %8.2f %8.0f  (%d words)\n", "wc -w (LC_ALL/LANG=" loc ")", ww, wu, b / 1e6 / ww, wcn;
  if (wccn != wcn || loc != "C")
    printf "%-34s %8.2f %8.2f %8.0f  (%d words)\n", "wc -w (LC_ALL=C)", cw, cu, b / 1e6 / cw, wccn;
  printf "%-34s %8.2f %8.2f %8.0f  (%d matching lines)\n", "grep -F -c -f ngrams", gw, gu, b / 1e6 / gw, gr;
  printf "speed-up vs wc -w (%s): %.2fx wall (target >= 3), %.2fx user CPU\n", loc, ww / mw, wu / mu;
  if (loc != "C") printf "speed-up vs wc -w (C):  %.2fx wall, %.2fx user CPU\n", cw / mw, cu / mu;
  printf "speed-up vs grep -F:    %.2fx wall (target >= 7), %.2fx user CPU\n", gw / mw, gu / mu;
  printf "mnemo: %.2f CPU s over %.2f s wall = %.0f%% CPU; peak RSS %.1f MiB; n-gram set %s bytes per distinct n-gram (target <= 16)\n",
         mu + ms, mw, 100 * (mu + ms) / mw, rss / 1024, bpn;
}'
if [[ $parquet_rc -eq 0 ]]; then
  python3 "$root/bench/parquet_rows.py" "$corpus" "$parquet" "$dir/mnemo.time" "$dir/mnemo.log" \
    "$dir/mnemo_parquet.time" "$dir/mnemo-parquet.log"
  # The same items from both files; only the evidence's file name differs.
  unfile() { sed 's/"file":"[^"]*"/"file":""/g' "$1"; }
  cmp -s <(unfile "$dir/items.jsonl") <(unfile "$dir/items-parquet.jsonl") ||
    { echo "bench: JSONL and Parquet items differ ($dir/items*.jsonl)" >&2; exit 1; }
  echo "items: equal from JSONL and Parquet"
else
  echo "Parquet rows skipped: this mnemo is built without DuckDB (scripts/setup.sh provisions it)"
fi
