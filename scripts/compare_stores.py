#!/usr/bin/env python3
"""Compare two mnemo run stores (docs/store.md) table by table, as multisets of rows.

usage: compare_stores.py A.db B.db [--table T ...] [--rel-tol X] [--root PREFIX ...] [--show N]

Every table of either store (sqlite_master, sqlite_* excepted) is compared, and PRAGMA
user_version. Ignored, because it differs between two runs of one config without being a result:
  - surrogate ids: a column named `id` (runs, models, jobs). The foreign keys run_id, model_id
    and job_id are not dropped but replaced by a stable key, so that rows still line up: a run
    by its name, a model by backend:path, a job by run/model/kind/name (each + "#k", its rank
    by id, where several rows share the key).
  - time: columns and JSON keys that are timestamps or durations (`*_at`, `*_ns`, `*_ms`,
    `*seconds*`, `elapsed*`, `duration*`, `wall*`), e.g. requests.response_json's compute_ns.
  - who and where: `host`, `pid`, `mnemo_version` (columns and JSON keys).
  - the checkout: each --root (default: the folder above each store's folder, i.e. the
    checkout of <checkout>/out/nightly.db) becomes <ROOT> wherever it starts a path in a text
    value (models.path, runs.config_json's _resolved_path, pii origins...); path
    columns are kept.
  - JSON formatting and key order: text holding a JSON object or array is compared parsed.
Everything else compares exactly, floats too (inside JSON as well); --rel-tol X accepts floats
with |a - b| <= X * max(|a|, |b|). A table or column in one store only is reported and counts
as a difference (the common columns are still compared).

Prints one line per table: "T: N rows equal", or the counts of equal rows and of rows only in A
and only in B, then the first differing rows: "~ KEY: what changed" for a row of A and a row
of B with the same key (primary key, or stable key), "-" a row only in A, "+" only in B.
Exit status: 0 all equal, 1 a difference, 2 bad usage or a file that is not a SQLite store.
"""
import argparse
import collections
import json
import math
import os
import re
import sqlite3
import sys

VOLATILE = r"^(host|hostname|pid|mnemo_version)$|_at$|_ns$|_ms$|seconds|^elapsed|^duration|^wall"
IGNORED_KEY = re.compile(VOLATILE)  # JSON keys (an "id" there is data)
IGNORED = re.compile(VOLATILE + "|^id$")  # columns
FKEYS = {"run_id": "runs", "model_id": "models", "job_id": "jobs"}


def usage_error(msg):
    print(f"compare_stores.py: {msg}", file=sys.stderr)
    sys.exit(2)


def scrub_json(v):
    if isinstance(v, dict):
        return {k: scrub_json(x) for k, x in v.items() if not IGNORED_KEY.search(k)}
    return [scrub_json(x) for x in v] if isinstance(v, list) else v


def as_json(v):
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            pass
    return v


def ranked(base):
    """id -> key, with "#k" (its rank by id) where several ids share a key."""
    count, seen, out = collections.Counter(base.values()), collections.Counter(), {}
    for i in sorted(base):
        seen[base[i]] += 1
        out[i] = base[i] if count[base[i]] == 1 else f"{base[i]}#{seen[base[i]]}"
    return out


class Store:
    def __init__(self, path, roots):
        try:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            self.tables = [r[0] for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            self.version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as e:
            usage_error(f"{path}: not a readable SQLite store ({e})")
        self.root_re = re.compile("|".join(re.escape(r.rstrip("/")) + r"(?![\w.-])" for r in roots))
        self.keys = {t: {} for t in FKEYS.values()}
        for table, expr in (("models", "backend || ':' || path"), ("runs", "name")):
            if table in self.tables:
                self.keys[table] = ranked({i: self.norm(k) for i, k in
                                           self.db.execute(f"SELECT id, {expr} FROM {table}")})
        if "jobs" in self.tables:
            self.keys["jobs"] = ranked({
                i: "/".join([self.keys["runs"].get(r, f"run?{r}"),
                             "-" if m is None else self.keys["models"].get(m, f"model?{m}"), k, n])
                for i, r, m, k, n in self.db.execute("SELECT id, run_id, model_id, kind, name FROM jobs")})

    def norm(self, v):
        if isinstance(v, str):
            v = self.root_re.sub("<ROOT>", v)
            j = as_json(v)
            if j is not v:
                return json.dumps(scrub_json(j), sort_keys=True)
        return v

    def columns(self, table):
        return [r[1] for r in self.db.execute(f'PRAGMA table_info("{table}")')]

    def rows(self, table, cols):
        """The kept columns, and per row (tuple of (column, normalised value), pairing key)."""
        info = list(self.db.execute(f'PRAGMA table_info("{table}")'))
        keep = [c for c in cols if not IGNORED.search(c) or c in FKEYS]
        pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5] and r[1] in keep]
        stable = table in self.keys and "id" in cols
        q = ", ".join(f'"{c}"' for c in keep + (["id"] if stable else []))
        out = []
        for r in self.db.execute(f'SELECT {q} FROM "{table}"'):
            row = {c: self.norm(self.keys[FKEYS[c]].get(v, v) if c in FKEYS and v is not None
                                else v) for c, v in zip(keep, r)}
            key = (self.keys[table].get(r[-1]),) if stable else (
                tuple(row[c] for c in pk) if pk else None)
            out.append((tuple(row.items()), key))
        return keep, out


def close(a, b, tol):
    a, b = as_json(a), as_json(b)
    if isinstance(a, float) or isinstance(b, float):
        if not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
            return False
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    return a == b


def short(v, n=160):
    s = repr(v)
    return s if len(s) <= n else s[:n] + "..."


def diffs(a, b, path):
    """'path: a -> b' for the leaves where a and b differ (JSON text is descended into)."""
    a, b = as_json(a), as_json(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(a.keys() | b.keys()) if a.get(k, "<absent>") != b.get(k, "<absent>")
                for d in diffs(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) if x != y for d in diffs(x, y, f"{path}[{i}]")]
    return [f"{path}: {short(a)} -> {short(b)}"]


def compare_table(t, a, b, args):
    """Prints the table's lines; returns True when equal."""
    if t not in a.tables or t not in b.tables:
        side, which = (a, "A") if t in a.tables else (b, "B")
        n = side.db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        print(f"{t}: table only in {which} ({n} rows)")
        return False
    ca, cb = a.columns(t), b.columns(t)
    notes = [f"column {c} only in A" for c in ca if c not in cb] + \
            [f"column {c} only in B" for c in cb if c not in ca]
    keep, ra = a.rows(t, [c for c in ca if c in cb])
    _, rb = b.rows(t, [c for c in ca if c in cb])
    ma, mb = collections.Counter(ra), collections.Counter(rb)  # (row, key) pairs
    equal = sum((ma & mb).values())
    pool = collections.defaultdict(list)  # rows only in B by key (None: the table has none)
    for rk in (mb - ma).elements():
        pool[rk[1]].append(rk[0])
    changed, only_a = [], []
    for r, k in (ma - mb).elements():
        m = next((x for x in pool[k] if close(dict(r), dict(x), args.rel_tol)), None) \
            if args.rel_tol is not None else None
        if m is not None:  # equal within --rel-tol
            equal += 1
            pool[k].remove(m)
        elif k is not None and pool[k]:  # the same key on both sides: show what changed
            changed.append((k, r, pool[k].pop(0)))
        else:
            only_a.append(r)
    only_b = [r for rows in pool.values() for r in rows]
    tol = f" within rel-tol {args.rel_tol}" if args.rel_tol is not None else ""
    if not changed and not only_a and not only_b and not notes:
        print(f"{t}: {equal} rows equal{tol}")
        return True
    print(f"{t}: " + ", ".join(notes + [f"{equal} rows equal{tol}",
                                        f"{len(only_a) + len(changed)} only in A",
                                        f"{len(only_b) + len(changed)} only in B"]) +
          (f" ({len(changed)} of them the same key in A and B)" if changed else ""))
    for k, ra_, rb_ in changed[:args.show]:
        da, db_ = dict(ra_), dict(rb_)
        d = [x for c in keep if da[c] != db_[c] for x in diffs(da[c], db_[c], c)]
        print(f"  ~ {'/'.join(map(str, k))}: " + "; ".join(d[:4]) +
              (f"; ... {len(d) - 4} more" if len(d) > 4 else ""))
    for sign, rows in (("-", only_a), ("+", only_b)):
        for r in rows[:args.show]:
            print(f"  {sign} " + ", ".join(f"{c}={short(v, 100)}" for c, v in r))
    return False


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("a", metavar="A.db")
    p.add_argument("b", metavar="B.db")
    p.add_argument("--table", action="append", help="compare only this table (repeatable)")
    p.add_argument("--rel-tol", type=float, help="relative tolerance for floats (default: exact)")
    p.add_argument("--root", action="append", help="checkout prefix replaced by <ROOT> "
                   "(repeatable; default: the folder above each store's folder)")
    p.add_argument("--show", type=int, default=5, help="differing rows shown per table")
    args = p.parse_args()
    roots = args.root or [os.path.dirname(os.path.dirname(os.path.abspath(x)))
                          for x in (args.a, args.b)]
    a, b = (Store(x, roots) for x in (args.a, args.b))
    same = a.version == b.version
    if not same:
        print(f"user_version: A {a.version}, B {b.version}")
    for t in args.table or []:
        if t not in a.tables and t not in b.tables:
            usage_error(f"table {t} is in neither {args.a} nor {args.b}")
    for t in args.table or sorted(set(a.tables) | set(b.tables)):
        same = compare_table(t, a, b, args) and same
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
