#!/usr/bin/env bash
# The llama.cpp backend tests once more with AVX-512 masked off (part of scripts/test.sh).
#
# build/ links llama.cpp built with -march=native, so on a CPU with AVX-512 its tests run
# ggml's AVX-512 kernels only. Here, on such a CPU, the llama.cpp plugin and the llama.cpp
# backend tests (ctest label llamacpp) are built again into build-avx2/ against the avx2
# variant of llama.cpp (scripts/provision-llama.sh --variant avx2: AVX2/FMA/F16C, no AVX-512)
# and run, so both kernel families are tested on one machine. On a CPU without AVX-512 build/
# already ran the AVX2 (or other) kernels and this step says so and does nothing.
#
# MNEMO_CPU_VARIANTS=0 skips it. Exits non-zero when a test fails. Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { echo "[cpu-variants] $*" >&2; }

if [ "${MNEMO_CPU_VARIANTS:-1}" = 0 ]; then
  log "skipped: MNEMO_CPU_VARIANTS=0"
  exit 0
fi
if ! grep -qw avx512f /proc/cpuinfo; then
  log "skipped: this CPU has no AVX-512 (no avx512f in /proc/cpuinfo), so build/'s backend" \
      "tests already ran without it; nothing to mask off"
  exit 0
fi

prefix=$(bash "$root/scripts/provision-llama.sh" --variant avx2 | tail -n 1)
llama_dir="$prefix/lib/cmake/llama"
ggml_dir="$prefix/lib/cmake/ggml"
[ -f "$llama_dir/llama-config.cmake" ] || { log "no llama-config.cmake under $prefix/lib"; exit 1; }

# Same ccache as setup.sh: everything that does not see llama.cpp's headers (the harness
# libraries, gtest) is a cache hit on build/'s objects.
export CCACHE_DIR=${CCACHE_DIR:-${MNEMO_CACHE:-$HOME/.cache/mnemo}/ccache}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
dir="$root/build-avx2"
# llama_DIR/ggml_DIR are passed, not just the prefix: find_package caches them, and a cached
# one from an older prefix would otherwise win.
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DMNEMO_BUILD_TESTS=ON -DMNEMO_LLAMA_PREFIX="$prefix" \
  -Dllama_DIR="$llama_dir" -Dggml_DIR="$ggml_dir" >/dev/null

# The plugin and every test executable of tests/backends/llamacpp/tests.cmake (their tests
# load the plugin from this build's backends/ folder: MNEMO_BACKEND_DIR in tests/CMakeLists.txt).
mapfile -t tests < <(grep -oP 'mn_add_test\(\K\w+' "$root/tests/backends/llamacpp/tests.cmake")
[ ${#tests[@]} -gt 0 ] || { log "no tests found in tests/backends/llamacpp/tests.cmake"; exit 1; }
cmake --build "$dir" -j "$(nproc)" --target mnemo_backend_llamacpp "${tests[@]}" >&2

plugin="$dir/backends/libmnemo_llamacpp.so"
if command -v objdump >/dev/null 2>&1; then
  n=$(objdump -d --no-show-raw-insn "$plugin" | grep -cE '%zmm|%k[0-7]([^0-9]|$)' || true)
  if [ "$n" != 0 ]; then
    log "$plugin has $n AVX-512 instructions; it must have none"
    exit 1
  fi
fi

# What each build's llama.cpp was compiled for (llama_print_system_info), when a compiler is
# at hand; informational only.
features() {
  local p=$1 exe
  exe=$(mktemp)
  if printf '#include <llama.h>\n#include <cstdio>\nint main() { std::puts(llama_print_system_info()); }\n' |
       timeout 120 g++ -x c++ - -x none -o "$exe" -I"$p/include" "$p"/lib/libllama.a \
         "$p"/lib/libggml.a "$p"/lib/libggml-cpu.a "$p"/lib/libggml-base.a -fopenmp -lpthread -ldl \
         2>/dev/null; then
    "$exe" | grep -oE '[A-Z0-9_]+ = 1' | sed 's/ = 1//' | tr '\n' ' '
  else
    echo "(could not query)"
  fi
  rm -f "$exe"
}
main_prefix=$(sed -n 's|^llama_DIR:PATH=\(.*\)/lib/cmake/llama$|\1|p' "$root/build/CMakeCache.txt" 2>/dev/null || true)
if [ -n "$main_prefix" ]; then
  log "build/      llama.cpp $main_prefix: $(features "$main_prefix")"
fi
log "build-avx2/ llama.cpp $prefix: $(features "$prefix")"

# The tests load the plugin from MNEMO_BACKEND_DIR; a MNEMO_BACKEND_PATH pointing elsewhere
# would be searched first, so it is dropped here.
unset MNEMO_BACKEND_PATH
cd "$dir"
log "running the llamacpp-labelled tests in build-avx2/ (AVX-512 masked off)"
ctest --output-on-failure --no-tests=error -j 2 -L llamacpp -LE bench "$@"
