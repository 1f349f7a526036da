#!/usr/bin/env bash
# README command 2: set up, build everything including the tests, and run them all.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" --tests
cd "$root/build"
# Benchmarks (label bench) print ratios and are run on demand: ctest -L bench
ctest --output-on-failure -j 2 -LE bench "$@"
# On a CPU with AVX-512, the llama.cpp backend tests again against llama.cpp built for AVX2
# without AVX-512 (build-avx2/; scripts/test-cpu-variants.sh), so both ggml kernel families
# are tested. MNEMO_CPU_VARIANTS=0 skips it.
bash "$root/scripts/test-cpu-variants.sh"
# Then the unit tests again under ASan+UBSan, and the scheduler and store tests under TSan
# (scripts/sanitize.sh; separate build folders, compiled through the same ccache).
# MNEMO_SANITIZERS=0 skips them.
if [ "${MNEMO_SANITIZERS:-1}" != 0 ]; then
  bash "$root/scripts/sanitize.sh" asan
  bash "$root/scripts/sanitize.sh" tsan
fi
