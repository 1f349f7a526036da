#include "harness/app/slurm/decontam_commands.h"

#include <set>

namespace mnemo {
namespace slurm {
namespace {

// One option as typed: its name ("--corpus", "-o") and its words (name and values).
struct Option {
  std::string name;
  std::vector<std::string> words;
};

bool IsOptionWord(const std::string& w) {
  return w.size() > 1 && w[0] == '-';
}

// Splits the spec into options. Flags without a value: --quiet/-q, --help/-h. --corpus takes
// words up to the next option (Boost's multitoken); every other option one value, either
// "--name=value" or the next word.
Result<std::vector<Option>> SplitOptions(const std::vector<std::string>& spec) {
  static const std::set<std::string> kFlags = {"--quiet", "-q", "--help", "-h"};
  static const std::set<std::string> kMulti = {"--corpus", "--merge"};
  std::vector<Option> out;
  for (size_t i = 0; i < spec.size();) {
    const std::string& w = spec[i];
    if (!IsOptionWord(w))
      return Status::InvalidArgument("audit spec: '" + w +
                                     "' is not an option (give the arguments of `mnemo audit "
                                     "decontam` after --)");
    Option o;
    o.name = w.substr(0, w.find('='));
    o.words.push_back(w);
    ++i;
    if (w.find('=') != std::string::npos || kFlags.count(o.name)) {
      out.push_back(std::move(o));
      continue;
    }
    if (kMulti.count(o.name)) {
      while (i < spec.size() && !IsOptionWord(spec[i])) o.words.push_back(spec[i++]);
    } else {
      if (i >= spec.size())
        return Status::InvalidArgument("audit spec: option '" + o.name + "' needs a value");
      o.words.push_back(spec[i++]);
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

Result<DecontamCommands> PlanDecontamCommands(const std::vector<std::string>& spec,
                                              size_t cpus_per_task) {
  auto opts = SplitOptions(spec);
  if (!opts.ok()) return opts.status();
  std::set<std::string> given;
  for (const auto& o : *opts) {
    if (o.name == "--shard" || o.name == "--state" || o.name == "--merge")
      return Status::InvalidArgument("audit spec: option '" + o.name +
                                     "' is set per shard by `mnemo slurm`; leave it out");
    if (o.name == "--corpus" && o.words.size() == 1 && o.words[0] == "--corpus")
      return Status::InvalidArgument("audit spec: option '--corpus' needs a value");
    given.insert(o.name);
  }
  if (!given.count("--corpus"))
    return Status::InvalidArgument("audit spec: give --corpus PATH... (the files to shard)");
  if (!given.count("--tasks") && !given.count("--eval"))
    return Status::InvalidArgument("audit spec: give --tasks A,B or --eval FILE --eval-field F");
  if (!given.count("--db") && !given.count("--output") && !given.count("-o"))
    return Status::InvalidArgument(
        "audit spec: give --db PATH and/or --output items.jsonl (where the merge writes)");
  // Outputs belong to the merge; a shard writes only its state.
  static const std::set<std::string> kMergeOnly = {"--db", "--output", "-o", "--rescore-run",
                                                   "--dump-ngrams"};
  DecontamCommands c;
  for (const auto& o : *opts) {
    if (!kMergeOnly.count(o.name))
      c.shard_args.insert(c.shard_args.end(), o.words.begin(), o.words.end());
    if (o.name != "--corpus")
      c.merge_args.insert(c.merge_args.end(), o.words.begin(), o.words.end());
  }
  if (!given.count("--threads") && !given.count("-t") && cpus_per_task > 0) {
    c.shard_args.push_back("--threads");
    c.shard_args.push_back(std::to_string(cpus_per_task));
  }
  return c;
}

}  // namespace slurm
}  // namespace mnemo
