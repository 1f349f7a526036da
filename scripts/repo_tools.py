"""What the repository's Python checks and generators share (not a script of its own).

files(root, tops)          the tree's files as the checks read them
check_main(name, doc, ...) a check's command line: [--root DIR], one line a problem, exit 0/1/2
generator_main(doc, ...)   a generator's command line: [--output PATH] ("-" = stdout)

Scripts that import it set sys.dont_write_bytecode first, so no __pycache__ lands in scripts/.
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP_DIRS = {"node_modules", "_deps", "third_party", "third-party", "vendor"}  # and .hidden


def files(root, tops=("",)):
    """Repository-relative paths of the files below each folder of `tops` ("" = the whole tree),
    in that order and sorted within each; build folders, hidden folders and fetched sources are
    left out."""
    for top in tops:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            at_root = os.path.relpath(dirpath, root) == "."
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d[0] != "." and
                                 not (at_root and (d == "out" or d.startswith("build"))))
            for f in sorted(filenames):
                yield os.path.relpath(os.path.join(dirpath, f), root)


def check_main(name, doc, check, needs=None):
    """Runs check(root), a list of problem lines, on --root (default: this repository). Exit
    status: 0 clean, 1 with one line a problem on stdout, 2 when the root is no folder (or has
    no `needs` folder)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--root", default=ROOT)
    root = os.path.abspath(ap.parse_args().root)
    if not os.path.isdir(os.path.join(root, needs or "")):
        why = f"has no {needs}/ folder" if needs else "is not a folder"
        print(f"{name}: {root} {why}", file=sys.stderr)
        return 2
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{name}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


def generator_main(doc, default_output, generate):
    """Writes generate(), a str, to --output (default: the checked-in file; "-": stdout) as
    UTF-8 with \\n line ends, so that the file is the same on every platform."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--output", default=default_output, help='where to write ("-": stdout)')
    args = ap.parse_args()
    text = generate()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
