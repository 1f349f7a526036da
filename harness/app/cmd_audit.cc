// `mnemo audit <kind> ...`: dispatches to the audit kinds.
#include <cstdio>
#include <cstring>

#include "harness/app/commands.h"
#include "harness/app/common.h"

namespace mnemo {

int RunAuditCommand(int argc, char** argv) {
  static const Command kKinds[] = {
      {"memorization", "discoverable extraction: prefix from training data, greedy suffix",
       &RunAuditMemorizationCommand},
      {"pii", "personal data and secrets in text, corpora or memorised outputs",
       &RunAuditPiiCommand},
      {"decontam", "n-gram overlap between benchmark items and training corpora",
       &RunAuditDecontamCommand},
  };
  auto usage = [&](FILE* out) {
    std::fprintf(out,
                 "usage: mnemo audit <kind> [options]   (mnemo audit <kind> --help)\n\nkinds:\n");
    for (const auto& k : kKinds) std::fprintf(out, "  %-13s %s\n", k.name, k.summary);
  };
  if (argc < 2) {
    usage(stderr);
    return kExitUsage;
  }
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return kExitOk;
  }
  // The British spelling is accepted.
  const char* kind = std::strcmp(argv[1], "memorisation") == 0 ? "memorization" : argv[1];
  for (const auto& k : kKinds)
    if (std::strcmp(kind, k.name) == 0) return k.run(argc - 1, argv + 1);
  std::fprintf(stderr, "mnemo: error: unknown audit '%s'\n", argv[1]);
  usage(stderr);
  return kExitUsage;
}

}  // namespace mnemo
