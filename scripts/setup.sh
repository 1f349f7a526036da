#!/usr/bin/env bash
# Sets up a Debian 12 machine for mnemo and builds it into build/:
#   1. installs the Debian packages mnemo needs (only the missing ones);
#   2. provisions llama.cpp: an installed one if CMake's find_package(llama) can find it,
#      else the cached build from scripts/provision-llama.sh (~/.cache/mnemo, built once);
#   3. provisions DuckDB (Parquet corpora) with scripts/provision-duckdb.sh (~/.cache/mnemo);
#      optional: without it mnemo builds and refuses Parquet files;
#   4. configures and builds mnemo, its plugins and (with --tests) its tests.
# Safe to rerun: every step is skipped when already done.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_tests=OFF
for a in "$@"; do
  case "$a" in
    --tests) build_tests=ON ;;
    *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
  esac
done
log() { echo "[setup] $*" >&2; }

pkgs=(build-essential cmake ninja-build pkg-config git ca-certificates
      libtbb-dev libboost-program-options-dev nlohmann-json3-dev libsentencepiece-dev
      libre2-dev libpcre2-dev libsqlite3-dev libfmt-dev libgtest-dev libgmock-dev libxxhash-dev
      libzstd-dev zlib1g-dev libyaml-cpp-dev sqlite3 zstd ripgrep libcurl4-openssl-dev)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
# The report test opens the HTML report in headless Chromium; the Slurm test runs a local
# single-node cluster (scripts/slurm-local.sh).
if [ "$build_tests" = ON ]; then pkgs+=(chromium slurmctld slurmd slurm-client munge); fi
pkgs+=(ccache)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

llama_args=()
if [ -n "${MNEMO_LLAMA_PREFIX:-}" ]; then
  llama_args=(-DMNEMO_LLAMA_PREFIX="$MNEMO_LLAMA_PREFIX")
  log "llama.cpp: $MNEMO_LLAMA_PREFIX (from MNEMO_LLAMA_PREFIX)"
elif ls /usr/lib/*/cmake/llama/llama-config.cmake /usr/lib/cmake/llama/llama-config.cmake \
        /usr/local/lib/cmake/llama/llama-config.cmake >/dev/null 2>&1; then
  log "llama.cpp: using the installed one (find_package(llama))"
else
  prefix=$(bash "$root/scripts/provision-llama.sh" | tail -n 1)
  llama_args=(-DMNEMO_LLAMA_PREFIX="$prefix")
  log "llama.cpp: $prefix"
fi

duckdb_args=()
if [ -n "${MNEMO_DUCKDB_PREFIX:-}" ]; then
  duckdb_args=(-DMNEMO_DUCKDB_PREFIX="$MNEMO_DUCKDB_PREFIX")
  log "DuckDB: $MNEMO_DUCKDB_PREFIX (from MNEMO_DUCKDB_PREFIX)"
elif prefix=$(bash "$root/scripts/provision-duckdb.sh" | tail -n 1); then
  duckdb_args=(-DMNEMO_DUCKDB_PREFIX="$prefix")
  log "DuckDB: $prefix"
else
  log "DuckDB: not provisioned; Parquet corpora will be refused"
fi

# Compiles go through ccache kept beside the llama.cpp cache, so a fresh clone (CI) rebuilds
# in about a minute once the cache is warm. BASEDIR/NOHASHDIR let clones in other folders hit.
export CCACHE_DIR=${CCACHE_DIR:-${MNEMO_CACHE:-$HOME/.cache/mnemo}/ccache}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DMNEMO_BUILD_TESTS=$build_tests "${llama_args[@]}" "${duckdb_args[@]}" >&2
cmake --build "$root/build" -j "$(nproc)" >&2
log "built $root/build/mnemo"
