// A decontamination audit's arguments (those of `mnemo audit decontam`) turned into the shard
// command and the merge command of a Slurm submission. Works on the words only: the shard
// command keeps the eval and corpus side and drops the outputs (a shard writes only its
// state); the merge command keeps everything but the corpus (it reads the states instead).
// The audit itself checks the remaining arguments when a shard runs.
//
// Thread-safety: pure functions.
#ifndef MNEMO_HARNESS_APP_SLURM_DECONTAM_COMMANDS_H_
#define MNEMO_HARNESS_APP_SLURM_DECONTAM_COMMANDS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace mnemo {
namespace slurm {

struct DecontamCommands {
  // After `mnemo audit decontam`; the shard script adds --shard i/N --state FILE.
  std::vector<std::string> shard_args;
  // After `mnemo audit decontam`; the merge script adds --merge STATE...
  std::vector<std::string> merge_args;
};

// `spec`: the audit's arguments. Refuses (InvalidArgument naming the option) --shard,
// --state and --merge (the submission sets them), a spec without --corpus, without --tasks
// or --eval, or without an output for the merge (--db or --output). When the spec gives no
// --threads, each shard gets --threads `cpus_per_task`.
Result<DecontamCommands> PlanDecontamCommands(const std::vector<std::string>& spec,
                                              size_t cpus_per_task);

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_DECONTAM_COMMANDS_H_
