#include "harness/cli/commands.h"

namespace mnemo {

const Command* Commands(int* n) {
  static const Command kCommands[] = {
      {"backends", "list the backend plugins found, with versions and capabilities",
       &RunBackendsCommand},
      {"generate", "generate continuations for prompts in a JSONL file", &RunGenerateCommand},
      {"score", "score continuations after contexts (log-likelihood) from a JSONL file",
       &RunScoreCommand},
      {"run", "run the jobs a config file lists, into a run store", &RunRunCommand},
      {"bench", "measure backend throughput against llama.cpp's own tools", &RunBenchCommand},
  };
  *n = static_cast<int>(sizeof kCommands / sizeof kCommands[0]);
  return kCommands;
}

}  // namespace mnemo
