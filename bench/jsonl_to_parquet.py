#!/usr/bin/env python3
"""Writes a benchmark's JSON Lines corpus as Parquet through DuckDB, for the corpus benchmarks'
Parquet rows (scripts/bench-decontam.sh, bench/pii/bench.sh). Never committed output.

DuckDB is the one mnemo links (--mnemo: found with ldd), called through its C API with ctypes,
so no DuckDB Python package is needed and the file is written by the library that reads it.
Columns: those of --columns (VARCHAR; rows keep the JSONL order). Row groups hold about
--group-mb MB of text each (rows per group from the file's mean line length; DuckDB's minimum
is 2,048 rows), the size of the row groups that web-corpus dumps ship (tens of MB; docs/slurm.md
measured 24 MB groups), snappy-compressed (DuckDB's default codec), without dictionary encoding:
the benchmark corpora cycle a small pool of documents, whose repeats within a large row group a
dictionary would store once (a 128 MB group made the PII corpus 46 MB instead of 291 MB), which
a real corpus's distinct documents never allow.

Exit status 3, with a note on stderr, when mnemo was built without DuckDB (the caller skips its
Parquet rows); 1 on any other failure."""
import argparse
import ctypes
import os
import re
import subprocess
import sys


def duckdb_library(mnemo):
    """The libduckdb.so that `mnemo` is linked against, or None."""
    out = subprocess.run(["ldd", mnemo], capture_output=True, text=True, check=False).stdout
    m = re.search(r"libduckdb\.so\S*\s*=>\s*(\S+)", out)
    return m.group(1) if m and os.path.exists(m.group(1)) else None


class Duck:
    """An in-memory DuckDB through the C API (duckdb.h): open, connect, query."""

    def __init__(self, lib_path):
        lib = ctypes.CDLL(lib_path)
        self.lib = lib
        lib.duckdb_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.duckdb_connect.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.duckdb_query.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        lib.duckdb_result_error.argtypes = [ctypes.c_void_p]
        lib.duckdb_result_error.restype = ctypes.c_char_p
        lib.duckdb_destroy_result.argtypes = [ctypes.c_void_p]
        lib.duckdb_value_int64.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
        lib.duckdb_value_int64.restype = ctypes.c_int64
        lib.duckdb_row_count.argtypes = [ctypes.c_void_p]
        lib.duckdb_row_count.restype = ctypes.c_uint64
        self.db = ctypes.c_void_p()
        self.con = ctypes.c_void_p()
        if lib.duckdb_open(None, ctypes.byref(self.db)) != 0:
            raise RuntimeError("cannot open DuckDB")
        if lib.duckdb_connect(self.db, ctypes.byref(self.con)) != 0:
            raise RuntimeError("cannot connect to DuckDB")

    def query(self, sql):
        """Runs `sql`; returns the duckdb_result, which the caller destroys."""
        # duckdb_result is six pointer-sized fields in DuckDB 1.x; 128 bytes leaves room.
        res = ctypes.create_string_buffer(128)
        if self.lib.duckdb_query(self.con, sql.encode(), res) != 0:
            err = self.lib.duckdb_result_error(res)
            self.lib.duckdb_destroy_result(res)
            raise RuntimeError((err or b"unknown error").decode() + "\n" + sql[:300])
        return res

    def run(self, sql):
        self.lib.duckdb_destroy_result(self.query(sql))

    def int_rows(self, sql, ncols):
        """The rows of a query whose `ncols` columns are BIGINT."""
        res = self.query(sql)
        rows = [tuple(self.lib.duckdb_value_int64(res, c, r) for c in range(ncols))
                for r in range(self.lib.duckdb_row_count(res))]
        self.lib.duckdb_destroy_result(res)
        return rows


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mnemo", required=True, help="the mnemo executable (its DuckDB is used)")
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--out", required=True, help="the .parquet file to write")
    ap.add_argument("--columns", default="id,text", help="comma-separated JSONL fields")
    ap.add_argument("--group-mb", type=float, default=32.0, help="text per row group, MB")
    ap.add_argument("--reuse", action="store_true",
                    help="keep --out when it is newer than --jsonl (only describe it)")
    a = ap.parse_args()
    lib = duckdb_library(a.mnemo)
    if lib is None:
        print(f"parquet: {a.mnemo} is built without DuckDB (no libduckdb.so in its ldd); "
              "Parquet rows skipped", file=sys.stderr)
        return 3
    size = os.path.getsize(a.jsonl)
    lines = 0
    with open(a.jsonl, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            lines += block.count(b"\n")
    rows_per_group = max(2048, int(a.group_mb * 1e6 * lines / max(size, 1)))
    duck = Duck(lib)
    reused = a.reuse and os.path.exists(a.out) and \
        os.path.getmtime(a.out) > os.path.getmtime(a.jsonl)
    if not reused:
        columns = ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in a.columns.split(","))
        tmp = a.out + ".tmp"
        duck.run("SET preserve_insertion_order = true")  # rows keep the JSONL order (default)
        duck.run(
            f"COPY (SELECT * FROM read_json({sql_string(a.jsonl)}, format = 'newline_delimited', "
            f"columns = {{{columns}}}, maximum_object_size = 268435456)) TO {sql_string(tmp)} "
            f"(FORMAT parquet, ROW_GROUP_SIZE {rows_per_group}, DICTIONARY_SIZE_LIMIT 1)")
        os.replace(tmp, a.out)
    groups = duck.int_rows(
        "SELECT CAST(row_group_id AS BIGINT), CAST(max(row_group_num_rows) AS BIGINT), "
        "CAST(sum(total_uncompressed_size) AS BIGINT) FROM parquet_metadata("
        f"{sql_string(a.out)}) GROUP BY row_group_id ORDER BY row_group_id", 3)
    nrows = sum(g[1] for g in groups)
    if nrows != lines:
        print(f"parquet: {a.out} has {nrows} rows, {a.jsonl} {lines} lines", file=sys.stderr)
        return 1
    mean_mb = sum(g[2] for g in groups) / max(len(groups), 1) / 1e6
    print(f"{a.out}{' (kept)' if reused else ''}: {os.path.getsize(a.out) / 1e6:.0f} MB "
          f"(snappy), {nrows} rows in {len(groups)} row groups of {groups[0][1] if groups else 0}"
          f" rows (~{mean_mb:.1f} MB uncompressed each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
