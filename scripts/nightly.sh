#!/usr/bin/env bash
# README command 1: set up, build, and run the nightly example on the shipped tiny-gemma3
# checkpoints; prints the summary and where the run store is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
mkdir -p "$root/out"
db=${MNEMO_DB:-$root/out/nightly.db}
"$root/build/mnemo" run "$root/examples/nightly.json" --db "$db"
