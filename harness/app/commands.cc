#include "harness/app/commands.h"

namespace mnemo {

const Command* Commands(int* n) {
  static const Command kCommands[] = {
      {"backends", "list the backend plugins found, with versions and capabilities",
       &RunBackendsCommand},
      {"generate", "generate continuations for prompts in a JSONL file", &RunGenerateCommand},
      {"score", "score continuations after contexts (log-likelihood) from a JSONL file",
       &RunScoreCommand},
      {"tasks", "list the benchmark tasks, groups and tags found", &RunTasksCommand},
      {"eval", "run benchmark tasks on a model (lm-eval semantics and results layout)",
       &RunEvalCommand},
      {"audit", "audit what a model memorised (memorization), PII (pii), contamination (decontam)",
       &RunAuditCommand},
      {"run", "run the jobs a config file lists, into a run store", &RunRunCommand},
      {"merge", "combine the stores of --shard i/N task evals into one, as a single run",
       &RunMergeCommand},
      {"report", "write a self-contained HTML report of runs in a store", &RunReportCommand},
      {"compare", "compare two runs metric by metric, with paired tests (exit 1 on regression)",
       &RunCompareCommand},
      {"bench", "measure backend throughput against llama.cpp's own tools", &RunBenchCommand},
      {"slurm", "run a sharded job as a Slurm job array plus a merge job (submit, status, resume)",
       &RunSlurmCommand},
      {"kv", "KV-cache and weight memory of a GGUF model at given contexts (metadata only)",
       &RunKvCommand},
      {"longctx", "long-context tasks (RULER) by length and depth, with peak RSS, tokens/s, KV",
       &RunLongctxCommand},
      {"perplexity", "perplexity by position within the context window (rolling windows)",
       &RunPerplexityCommand},
  };
  *n = static_cast<int>(sizeof kCommands / sizeof kCommands[0]);
  return kCommands;
}

}  // namespace mnemo
