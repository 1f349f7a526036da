#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz) for a time budget each, under ASan+UBSan.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default 60 s, all targets)
# Builds into build-fuzz/ with clang. New corpus entries stay in build-fuzz/fuzz-corpus/; a
# crash input is copied to tests/fuzz/regressions/<target>/ so the replay tests keep it, and
# the script exits 1. Prints the budget spent and the runs per target.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
budget=${1:-60}
shift || true
command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang)" >&2; exit 2; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls "$root"/tests/fuzz/fuzz_*.cc | sed 's|.*/fuzz_||; s|\.cc$||'))
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMNEMO_FUZZ=ON -DMNEMO_SANITIZE=address,undefined -DMNEMO_BACKEND_LLAMACPP=OFF \
  -DMNEMO_BUILD_TESTS=ON >/dev/null
cmake --build "$root/build-fuzz" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >&2
status=0
start=$(date +%s)
for t in "${targets[@]}"; do
  work="$root/build-fuzz/fuzz-corpus/$t"
  crashes="$root/build-fuzz/fuzz-crashes/$t"
  mkdir -p "$work" "$crashes"
  log="$root/build-fuzz/fuzz-$t.log"
  set +e
  "$root/build-fuzz/tests/fuzz_$t" -max_total_time="$budget" -rss_limit_mb=4096 -timeout=20 \
    -artifact_prefix="$crashes/" "$work" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
  if [ $rc -ne 0 ]; then
    mkdir -p "$root/tests/fuzz/regressions/$t"
    cp "$crashes"/* "$root/tests/fuzz/regressions/$t/" 2>/dev/null || true
    echo "fuzz $t: CRASH after ${runs:-?} runs (rc $rc); inputs copied to tests/fuzz/regressions/$t; log $log"
    status=1
  else
    echo "fuzz $t: ${runs:-?} runs in ${budget}s, no crash"
  fi
done
echo "fuzz: ${#targets[@]} targets, $(( $(date +%s) - start ))s in all"
exit $status
