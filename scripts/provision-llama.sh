#!/usr/bin/env bash
# Provisions llama.cpp (libllama + llama-server + llama-perplexity + llama-batched-bench)
# into a cache under ~/.cache/mnemo, from the source bundle carried by the pinned npm
# package node-llama-cpp@3.21.1 (the only route to llama.cpp on a registry-only network).
#
#   scripts/provision-llama.sh                   the native build (default)
#   scripts/provision-llama.sh --variant avx2    libllama/ggml only, for an AVX2-class x86 CPU
#                                                without AVX-512 (scripts/test-cpu-variants.sh)
#
# The native build uses -march=native for speed, so its cache directory is keyed by the
# llama.cpp commit AND a hash of the CPU's feature flags: a machine with another CPU model gets
# its own build instead of a binary that faults with SIGILL. The avx2 variant builds ggml's CPU
# backend with GGML_NATIVE=OFF and explicit AVX/AVX2/FMA/F16C/BMI2 flags (every AVX-512 and
# AMX option off), so on an AVX-512 machine it runs the AVX2 kernels; its cache directory is
# keyed by the commit and the variant. A finished build is never rebuilt.
#
# Prints the install prefix on its last line of stdout. Everything else goes to stderr.
set -euo pipefail

variant=native
usage() { echo "usage: scripts/provision-llama.sh [--variant native|avx2]" >&2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --variant) [ $# -ge 2 ] || { usage; exit 2; }; variant=$2; shift 2 ;;
    --variant=*) variant=${1#--variant=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done
case "$variant" in
  native|avx2) ;;
  *) echo "provision-llama: unknown variant '$variant' (native or avx2)" >&2; exit 2 ;;
esac

NLC_VERSION=3.21.1
CACHE_ROOT=${MNEMO_CACHE:-$HOME/.cache/mnemo}
mkdir -p "$CACHE_ROOT"

log() { echo "[provision-llama] $*" >&2; }

# An already installed llama.cpp (find_package(llama)) wins; CMake checks that itself, so
# this script only runs when the project asks for the cached build.
pkg_dir="$CACHE_ROOT/npm/node-llama-cpp-$NLC_VERSION"
if [ ! -f "$pkg_dir/llama/gitRelease.bundle" ]; then
  log "fetching node-llama-cpp@$NLC_VERSION from the npm registry"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "node-llama-cpp@$NLC_VERSION" >/dev/null 2>"$tmp/npm.err") || {
    cat "$tmp/npm.err" >&2; log "npm pack failed"; exit 1; }
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-llama-cpp-*.tgz -C "$tmp/x" package/llama
  mkdir -p "$(dirname "$pkg_dir")"
  rm -rf "$pkg_dir"
  mv "$tmp/x/package" "$pkg_dir"
  rm -rf "$tmp"
fi

commit=$(git bundle list-heads "$pkg_dir/llama/gitRelease.bundle" | awk 'NR==1{print substr($1,1,12)}')
if [ "$variant" = native ]; then
  cpu_key=$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-10)
  prefix="$CACHE_ROOT/llama.cpp-$commit-cpu$cpu_key"
else
  # A fixed instruction set, not this CPU's: the same build serves every AVX2 machine.
  prefix="$CACHE_ROOT/llama.cpp-$commit-$variant"
fi

if [ -f "$prefix/.complete" ]; then
  log "cached: $prefix"
  echo "$prefix"
  exit 0
fi

src="$CACHE_ROOT/src/llama.cpp-$commit"
if [ ! -d "$src/.git" ]; then
  log "cloning the source bundle ($commit)"
  rm -rf "$src"
  mkdir -p "$(dirname "$src")"
  git clone -q "$pkg_dir/llama/gitRelease.bundle" "$src"
  # node-llama-cpp applies these patches to the same tree; do the same so our build equals
  # the one the package ships.
  for p in "$pkg_dir"/llama/patches/*.diff; do
    [ -f "$p" ] || continue
    (cd "$src" && git apply "$p") || log "patch $(basename "$p") did not apply; continuing without it"
  done
fi

jobs=$(nproc)
if [ "$variant" = native ]; then
  build="$src/build-mnemo"
  log "building llama.cpp into $prefix with $jobs jobs (about 9 minutes on 2 cores)"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DGGML_NATIVE=ON -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_TOOLS_INSTALL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DCMAKE_INSTALL_PREFIX="$prefix" >&2
  cmake --build "$build" -j "$jobs" --target llama llama-server llama-perplexity \
    llama-batched-bench llama-tokenize >&2
  # Install the library, headers and CMake package (tools are not install targets here, so
  # install needs only what was built); copy the tools explicitly.
  cmake --install "$build" >&2
  mkdir -p "$prefix/bin"
  for t in llama-server llama-perplexity llama-batched-bench llama-tokenize; do
    cp "$build/bin/$t" "$prefix/bin/"
  done
else
  # The library only (no common/tools/server): what the plugin and its tests link. The option
  # names are ggml/CMakeLists.txt's; ggml-cpu turns them into -mavx -mavx2 -mfma -mf16c
  # -mbmi2 -msse4.2 and the matching GGML_* definitions. Only ggml-cpu gets ISA flags in
  # either variant, so libllama and ggml-base compile the same as the native build's.
  build="$src/build-mnemo-$variant"
  log "building the $variant variant of libllama into $prefix with $jobs jobs"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
    -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF \
    -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
    -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
    -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DCMAKE_INSTALL_PREFIX="$prefix" >&2
  cmake --build "$build" -j "$jobs" --target llama >&2
  cmake --install "$build" >&2
  # Refuse a build that would not test what it claims to: no AVX-512 instruction (a zmm or
  # an opmask register) anywhere in the CPU backend.
  cpu_lib=$(find "$prefix" -name 'libggml-cpu.a' | head -n 1)
  if [ -n "$cpu_lib" ] && command -v objdump >/dev/null 2>&1; then
    avx512=$(objdump -d --no-show-raw-insn "$cpu_lib" | grep -cE '%zmm|%k[0-7]([^0-9]|$)' || true)
    if [ "$avx512" != 0 ]; then
      log "$cpu_lib has $avx512 AVX-512 instructions (zmm/opmask); the $variant variant must have none"
      exit 1
    fi
    log "$(basename "$cpu_lib"): no AVX-512 instructions (zmm/opmask)"
  fi
fi
test -f "$prefix/include/llama.h" || { log "install incomplete: no llama.h"; exit 1; }
echo "$commit" > "$prefix/.complete"
log "done: $prefix"
echo "$prefix"
