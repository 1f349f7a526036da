# The replicates lm-eval's bootstrap_stderr draws for bleu/chrf/ter (lm_eval/api/metrics.py at
# 4e7e0d47, _bootstrap_internal_no_mp): with iters = min(bootstrap_iters, 100) the chunk size
# is iters, one chunk, seeded 0; each replicate is random.Random(0).choices(items, k=len(items)).
# Prints each replicate's item indices, concatenated, for n = 3 and n = 2 items (100 replicates);
# translation_metrics_test.cc holds the output.
import random

for n in (3, 2):
    rnd = random.Random(0)
    print(n, "".join("".join(str(i) for i in rnd.choices(range(n), k=n)) for _ in range(100)))
