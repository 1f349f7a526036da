#!/usr/bin/env bash
# README command 2: set up, build everything including the tests, and run them all.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" --tests
cd "$root/build"
ctest --output-on-failure -j 2 "$@"
