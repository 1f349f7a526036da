// mnemo: evaluate language models and audit what they memorised.
#include <cstdio>
#include <cstring>

#include "harness/app/commands.h"

int main(int argc, char** argv) {
  int n = 0;
  const mnemo::Command* commands = mnemo::Commands(&n);
  auto usage = [&](FILE* out) {
    std::fprintf(out,
                 "usage: mnemo <command> [options]   (mnemo <command> --help for details)\n\n"
                 "commands:\n");
    for (int i = 0; i < n; ++i)
      std::fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  };
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("mnemo %s\n", MNEMO_VERSION);
    return 0;
  }
  for (int i = 0; i < n; ++i) {
    if (std::strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "mnemo: error: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
