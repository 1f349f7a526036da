#!/usr/bin/env python3
"""Fails when an include points up the layers or folders include each other in a cycle.

The layers, bottom up (README.md and docs/architecture.md show the map):
  0  harness/include         the plugin ABI and the header-only SDK
  1  harness/{core,plugins,store,scheduler,jobs}   the foundation (jobs: the JobDriver
                             interface and RunSession, which every engine's driver implements)
  2  engines: datasets -> tasks -> audits -> reports, and backends (plugins: layer 0 only);
                             each engine owns its job driver (tasks/eval/tasks_job.h, audits/*/job.h)
  3  harness/app              the application (CLI subcommands, run configs, the run loop)

A unit is a top-level folder of the table below; a file may include files of its own unit and
of the units its row allows. Separately, no two folders (at any depth) may include each other,
directly or through others. tests/, build folders and fetched sources are not read.

Usage: check_layers.py [--root DIR]   exit 0 clean, 1 with one line per problem, 2 bad usage.
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from repo_tools import check_main, files  # noqa: E402

# unit -> (layer name, units it may include besides itself). Order matters: the first prefix
# that matches a path names its unit.
UNITS = [
    ("harness/include", "abi", []),
    ("harness/app", "application",
     ["harness/include", "harness/foundation", "datasets", "tasks", "audits", "reports"]),
    ("harness", "foundation", ["harness/include"]),
    ("backends", "engine (plugins)", ["harness/include"]),
    ("datasets", "engine", ["harness/include", "harness/foundation"]),
    ("tasks", "engine", ["harness/include", "harness/foundation", "datasets"]),
    ("audits", "engine", ["harness/include", "harness/foundation", "datasets", "tasks"]),
    ("reports", "engine", ["harness/include", "harness/foundation", "datasets", "tasks", "audits"]),
]
SOURCE_EXT = (".h", ".hpp", ".cc", ".cpp", ".c", ".in")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def unit_of(rel):
    """The unit of a repository-relative path ('harness/foundation' for the foundation)."""
    for prefix, _, _ in UNITS:
        if rel == prefix or rel.startswith(prefix + "/"):
            return "harness/foundation" if prefix == "harness" else prefix
    return None


def allowed(unit):
    for prefix, _, deps in UNITS:
        name = "harness/foundation" if prefix == "harness" else prefix
        if name == unit:
            return set(deps) | {unit}
    return set()


def layer_name(unit):
    for prefix, name, _ in UNITS:
        if unit in (prefix, "harness/foundation" if prefix == "harness" else None):
            return name
    return "?"


def resolve(root, including_dir, kind, target):
    """The repository-relative path an include names, or None for a system header."""
    if target.startswith("mnemo/"):
        return os.path.join("harness/include", target)
    if kind == '"':
        local = os.path.normpath(os.path.join(including_dir, target))
        if os.path.isfile(os.path.join(root, local)):
            return local
    if os.path.isfile(os.path.join(root, target)):
        return os.path.normpath(target)
    return None


def sources(root):
    tops = ("harness", "backends", "datasets", "tasks", "audits", "reports")
    return (rel for rel in files(root, tops) if rel.endswith(SOURCE_EXT))


def strongly_connected(graph):
    """Tarjan's algorithm; returns the components with more than one node."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(root):
    problems = []
    folder_edges = {}  # (from folder, to folder) -> first "file:line"
    for rel in sources(root):
        unit = unit_of(rel)
        ok = allowed(unit)
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(root, os.path.dirname(rel), m.group(1), m.group(2))
                if target is None:
                    continue
                tunit = unit_of(target)
                if tunit is None:
                    problems.append(f"{rel}:{n}: includes {target}, which is in no layer")
                    continue
                if tunit not in ok:
                    problems.append(
                        f"{rel}:{n}: includes {target}: {unit} ({layer_name(unit)}) may not "
                        f"include {tunit} ({layer_name(tunit)})")
                a, b = os.path.dirname(rel), os.path.dirname(target)
                if a != b:
                    folder_edges.setdefault((a, b), f"{rel}:{n}")
    graph = {}
    for a, b in folder_edges:
        graph.setdefault(a, set()).add(b)
    for comp in strongly_connected(graph):
        members = set(comp)
        witnesses = [f"{a} -> {b} ({where})" for (a, b), where in sorted(folder_edges.items())
                     if a in members and b in members]
        problems.append("include cycle between folders " + ", ".join(comp) + ": " +
                        "; ".join(witnesses))
    return problems


if __name__ == "__main__":
    sys.exit(check_main("check_layers", __doc__, check, needs="harness"))
