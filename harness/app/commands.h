// The subcommands of `mnemo`. Each takes argv with argv[0] = the subcommand name and returns
// the process exit code (see ExitCode in common.h).
#ifndef MNEMO_HARNESS_APP_COMMANDS_H_
#define MNEMO_HARNESS_APP_COMMANDS_H_

namespace mnemo {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

int RunBackendsCommand(int argc, char** argv);
int RunGenerateCommand(int argc, char** argv);
int RunScoreCommand(int argc, char** argv);
int RunRunCommand(int argc, char** argv);
int RunBenchCommand(int argc, char** argv);
int RunTasksCommand(int argc, char** argv);
int RunEvalCommand(int argc, char** argv);
int RunAuditCommand(int argc, char** argv);
int RunReportCommand(int argc, char** argv);
int RunCompareCommand(int argc, char** argv);
int RunMergeCommand(int argc, char** argv);
int RunSlurmCommand(int argc, char** argv);
int RunKvCommand(int argc, char** argv);
int RunLongctxCommand(int argc, char** argv);
int RunPerplexityCommand(int argc, char** argv);
// `mnemo bench report` (argv[0] = "report"), dispatched by RunBenchCommand.
int RunBenchReportCommand(int argc, char** argv);

// `mnemo audit <kind>`: argv[0] is the kind's name.
int RunAuditMemorizationCommand(int argc, char** argv);
int RunAuditPiiCommand(int argc, char** argv);
int RunAuditDecontamCommand(int argc, char** argv);

// All subcommands, in the order `mnemo --help` lists them.
const Command* Commands(int* n);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_COMMANDS_H_
