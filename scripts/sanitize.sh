#!/usr/bin/env bash
# Sanitizer test runs (part of README command 2 and CI):
#   scripts/sanitize.sh asan   unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/sanitize.sh tsan   scheduler and store tests under ThreadSanitizer
# Each builds into its own folder (build-asan/, build-tsan/) without the llama.cpp backend:
# the unit tests use the mock and faulty plugins, and llama.cpp's uninstrumented OpenMP
# runtime would only give TSan false reports. Compiles go through ccache when setup.sh set
# it up, so a warm rerun mostly links.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kind=${1:-}
case "$kind" in
  asan) flags=address,undefined; labels=unit; regex=""; targets=(unit_tests) ;;
  tsan) flags=thread; labels=unit; regex="^(Scheduler|RunStore)"; targets=(scheduler_test run_store_test) ;;
  *) echo "usage: scripts/sanitize.sh asan|tsan" >&2; exit 2 ;;
esac
dir="$root/build-$kind"
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_DIR=${CCACHE_DIR:-${MNEMO_CACHE:-$HOME/.cache/mnemo}/ccache}
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMO_SANITIZE=$flags \
  -DMNEMO_BACKEND_LLAMACPP=OFF -DMNEMO_BUILD_TESTS=ON "${launcher[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}" >&2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
cd "$dir"
args=(--output-on-failure -j 2 -L "$labels" -LE bench)
[ -n "$regex" ] && args+=(-R "$regex")
ctest "${args[@]}"
