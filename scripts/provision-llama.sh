#!/usr/bin/env bash
# Provisions llama.cpp (libllama + llama-server + llama-perplexity + llama-batched-bench)
# into a cache under ~/.cache/mnemo, from the source bundle carried by the pinned npm
# package node-llama-cpp@3.21.1 (the only route to llama.cpp on a registry-only network).
#
# The build uses -march=native for speed, so the cache directory is keyed by the llama.cpp
# commit AND a hash of the CPU's feature flags: a machine with another CPU model gets its own
# build instead of a binary that faults with SIGILL. A finished build is never rebuilt.
#
# Prints the install prefix on its last line of stdout. Everything else goes to stderr.
set -euo pipefail

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
cpu_key=$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-10)
prefix="$CACHE_ROOT/llama.cpp-$commit-cpu$cpu_key"

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
test -f "$prefix/include/llama.h" || { log "install incomplete: no llama.h"; exit 1; }
echo "$commit" > "$prefix/.complete"
log "done: $prefix"
echo "$prefix"
