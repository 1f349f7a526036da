#!/usr/bin/env bash
# README command 1: set up, build, and run the nightly example on the shipped tiny-gemma3
# checkpoints; prints the summary, where the run store is and where the HTML report is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
mkdir -p "$root/out"
db=${MNEMO_DB:-$root/out/nightly.db}
"$root/build/mnemo" run "$root/examples/nightly.json" --db "$db"
# One HTML report of this run, comparing the early and final checkpoints (the run's two
# models); `mnemo report` prints where it wrote it.
report=${MNEMO_REPORT:-$root/out/nightly-report.html}
"$root/build/mnemo" report --db "$db" --out "$report"
