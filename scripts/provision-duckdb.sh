#!/usr/bin/env bash
# Provisions DuckDB (libduckdb.so with Parquet built in, and its C header duckdb.h) into a
# cache under ~/.cache/mnemo, for reading Parquet corpora (datasets/io/parquet_reader.cc).
# On a registry-only network the route is npm: the pinned package
# @duckdb/node-bindings-linux-x64 ships a prebuilt libduckdb.so, and the duckdb package
# carries the amalgamation's C header. The header is DuckDB's stable C API, so an older
# header (1.4.4) declares a subset of what the 1.5.6 library exports.
#
# Layout: <prefix>/lib/libduckdb.so, <prefix>/include/duckdb.h. A finished prefix is never
# refetched. Prints the prefix on its last line of stdout; everything else goes to stderr.
set -euo pipefail

LIB_PKG=@duckdb/node-bindings-linux-x64
LIB_VERSION=1.5.6-r.1
HDR_PKG=duckdb
HDR_VERSION=1.4.4
CACHE_ROOT=${MNEMO_CACHE:-$HOME/.cache/mnemo}
prefix="$CACHE_ROOT/duckdb-${LIB_VERSION%%-*}"

log() { echo "[provision-duckdb] $*" >&2; }

if [ -f "$prefix/.complete" ]; then
  log "cached: $prefix"
  echo "$prefix"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) log "no prebuilt DuckDB for $(uname -s)-$(uname -m); Parquet corpora stay unsupported"; exit 1 ;;
esac
command -v npm >/dev/null 2>&1 || { log "npm is needed to fetch DuckDB"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# npm pack <spec>: the tarball of one package, no install scripts run.
fetch() {
  log "fetching $1 from the npm registry"
  (cd "$tmp" && npm pack "$1" >/dev/null 2>"$tmp/npm.err") || {
    cat "$tmp/npm.err" >&2; log "npm pack $1 failed"; exit 1; }
}
fetch "$LIB_PKG@$LIB_VERSION"
fetch "$HDR_PKG@$HDR_VERSION"
mkdir -p "$tmp/lib" "$tmp/hdr"
tar -xzf "$tmp"/duckdb-node-bindings-linux-x64-*.tgz -C "$tmp/lib"
tar -xzf "$tmp/duckdb-$HDR_VERSION.tgz" -C "$tmp/hdr" package/src/duckdb/src/include/duckdb.h
so=$(find "$tmp/lib" -name libduckdb.so | head -n 1)
[ -n "$so" ] || { log "$LIB_PKG@$LIB_VERSION has no libduckdb.so"; exit 1; }

rm -rf "$prefix"
mkdir -p "$prefix/lib" "$prefix/include"
cp "$so" "$prefix/lib/libduckdb.so"
cp "$tmp/hdr/package/src/duckdb/src/include/duckdb.h" "$prefix/include/duckdb.h"
echo "$LIB_PKG@$LIB_VERSION $HDR_PKG@$HDR_VERSION" > "$prefix/.complete"
log "done: $prefix"
echo "$prefix"
