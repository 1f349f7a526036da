#include "harness/app/slurm/sbatch_script.h"

#include "harness/app/slurm/shell_quote.h"

namespace mnemo {
namespace slurm {
namespace {

bool HasNewline(const std::string& s) {
  return s.find_first_of("\n\r") != std::string::npos;
}

// The #SBATCH lines both scripts share.
std::string Header(const std::string& job_name, const std::string& output,
                   const std::string& workdir, const SbatchResources& r) {
  std::string h = "#!/bin/bash\n";
  h += "#SBATCH --job-name=" + ShellQuote(job_name) + "\n";
  h += "#SBATCH --output=" + ShellQuote(output) + "\n";
  h += "#SBATCH --chdir=" + ShellQuote(workdir) + "\n";
  h += "#SBATCH --nodes=1\n#SBATCH --ntasks=1\n";
  if (r.cpus_per_task > 0) h += "#SBATCH --cpus-per-task=" + std::to_string(r.cpus_per_task) + "\n";
  if (!r.mem.empty()) h += "#SBATCH --mem=" + r.mem + "\n";
  if (!r.time.empty()) h += "#SBATCH --time=" + r.time + "\n";
  if (!r.partition.empty()) h += "#SBATCH --partition=" + r.partition + "\n";
  for (const auto& f : r.extra_flags) h += "#SBATCH " + f + "\n";
  return h;
}

// Writes a marker atomically: a temporary file in the same folder, renamed.
std::string WriteMarker(const std::string& marker_var, const std::string& json_printf) {
  return "printf " + json_printf + " > \"$" + marker_var + ".tmp.$$\"\nmv -f \"$" + marker_var +
         ".tmp.$$\" \"$" + marker_var + "\"\n";
}

}  // namespace

Status CheckResources(const SbatchResources& r) {
  auto word = [](const std::string& v) {
    return v.find_first_of(" \t\n\r'\"\\$`;") == std::string::npos;
  };
  if (!word(r.partition)) return Status::InvalidArgument("--partition '" + r.partition + "'");
  if (!word(r.mem)) return Status::InvalidArgument("--mem '" + r.mem + "'");
  if (!word(r.time)) return Status::InvalidArgument("--time '" + r.time + "'");
  for (const auto& f : r.extra_flags) {
    if (f.empty() || f[0] != '-' || HasNewline(f))
      return Status::InvalidArgument("--sbatch-flag '" + f +
                                     "': give one sbatch option, e.g. --sbatch-flag=--qos=low");
  }
  return Status::Ok();
}

std::string ShardStatePath(const std::string& dir, size_t shard, const std::string& ext) {
  return dir + "/shards/" + std::to_string(shard) + "." + ext;
}
std::string ShardMarkerPath(const std::string& dir, size_t shard) {
  return dir + "/shards/" + std::to_string(shard) + ".done";
}
std::string MergeMarkerPath(const std::string& dir) {
  return dir + "/merge.done";
}

std::string RenderShardScript(const ShardScript& s) {
  const std::string n = std::to_string(s.shards);
  std::string t = Header(s.job_name, s.out_dir + "/logs/%A_%a.out", s.workdir, s.resources);
  t += "#SBATCH --array=0-" + std::to_string(s.shards - 1);
  if (s.resources.array_concurrency > 0) t += "%" + std::to_string(s.resources.array_concurrency);
  t += "\n";
  t += "# One shard of " + n + " per array task, written by `mnemo slurm submit`.\n";
  t += "set -euo pipefail\n";
  t += "i=${SLURM_ARRAY_TASK_ID:?run this script as a Slurm array task}\n";
  t += "dir=" + ShellQuote(s.out_dir) + "\n";
  t += "state=\"$dir/shards/$i." + s.state_ext + "\"\nmarker=\"$dir/shards/$i.done\"\n";
  t += "rm -f \"$marker\"\n";
  t += ShellJoin(s.command) + " " + s.shard_flag + " \"$i/" + n + "\" " + s.state_flag +
       " \"$state\"\n";
  t += "# The completion marker, after the state: merge trusts it, not the exit code.\n";
  t += WriteMarker("marker", "'{\"shard\": %s, \"shards\": " + n +
                                 ", \"job\": \"%s\", \"host\": \"%s\"}\\n' \"$i\" "
                                 "\"${SLURM_ARRAY_JOB_ID:-}_$i\" \"$(hostname)\"");
  return t;
}

std::string RenderMergeScript(const MergeScript& s) {
  const std::string n = std::to_string(s.shards);
  std::string t = Header(s.job_name, s.out_dir + "/logs/merge_%j.out", s.workdir, s.resources);
  t += "# The merge of " + n + " shards, written by `mnemo slurm submit`.\n";
  t += "set -euo pipefail\n";
  t += "dir=" + ShellQuote(s.out_dir) + "\n";
  t += "missing=\"\"\n";
  t += "for ((i = 0; i < " + n + "; i++)); do\n";
  t += "  [ -f \"$dir/shards/$i.done\" ] || missing=\"$missing $i\"\n";
  t += "done\n";
  t += "if [ -n \"$missing\" ]; then\n";
  t += "  echo \"mnemo slurm: shards without a completion marker:$missing (mnemo slurm resume "
       "$dir)\" >&2\n";
  t += "  exit 1\n";
  t += "fi\n";
  t += "marker=\"$dir/merge.done\"\nrm -f \"$marker\"\n";
  t += ShellJoin(s.command) + (s.merge_flag.empty() ? "" : " " + s.merge_flag);
  for (size_t i = 0; i < s.shards; ++i)
    t += " \"$dir/shards/" + std::to_string(i) + "." + s.state_ext + "\"";
  t += "\n";
  t += WriteMarker("marker", "'{\"shards\": " + n +
                                 ", \"job\": \"%s\", \"host\": \"%s\"}\\n' "
                                 "\"${SLURM_JOB_ID:-}\" \"$(hostname)\"");
  return t;
}

}  // namespace slurm
}  // namespace mnemo
