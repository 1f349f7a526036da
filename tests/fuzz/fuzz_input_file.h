// Fuzz inputs for APIs that read files: the bytes go to an in-memory file (memfd) whose
// /proc path the API opens, so no disk is touched and nothing is left behind.
#ifndef MNEMO_TESTS_FUZZ_FUZZ_INPUT_FILE_H_
#define MNEMO_TESTS_FUZZ_FUZZ_INPUT_FILE_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace mnemo::fuzz {

class InputFile {
 public:
  InputFile(const uint8_t* data, size_t size) {
    fd_ = memfd_create("mnemo-fuzz", 0);
    if (fd_ < 0) std::abort();
    size_t off = 0;
    while (off < size) {
      ssize_t n = write(fd_, data + off, size - off);
      if (n <= 0) std::abort();
      off += static_cast<size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~InputFile() { close(fd_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace mnemo::fuzz

#endif  // MNEMO_TESTS_FUZZ_FUZZ_INPUT_FILE_H_
