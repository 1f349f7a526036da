// Quoting for the shell scripts `mnemo slurm` writes: a word bash reads back unchanged.
//
// Thread-safety: pure functions.
#ifndef MNEMO_HARNESS_APP_SLURM_SHELL_QUOTE_H_
#define MNEMO_HARNESS_APP_SLURM_SHELL_QUOTE_H_

#include <string>
#include <vector>

namespace mnemo {
namespace slurm {

// `word` as one bash word: unchanged when it holds only [A-Za-z0-9_./:=%+,@-] (and is not
// empty), else in single quotes (a ' inside becomes '\'').
std::string ShellQuote(const std::string& word);

// The words quoted and joined by single spaces.
std::string ShellJoin(const std::vector<std::string>& words);

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_SHELL_QUOTE_H_
