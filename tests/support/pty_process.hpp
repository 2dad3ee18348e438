#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::test {

// A child on a pseudo-terminal `columns` wide: its stdin, stdout and stderr are the terminal, as
// in a person's shell, so that what draws only on a terminal (the progress line) draws.
class pty_process {
  public:
    pty_process(const std::vector<std::string>& args, unsigned short columns);
    ~pty_process();  // kills the child if still running
    pty_process(const pty_process&) = delete;
    pty_process& operator=(const pty_process&) = delete;

    // Reads until the terminal shows `text`; false if it did not within the timeout.
    bool wait_for(std::string_view text, std::chrono::milliseconds timeout);
    // Reads everything until the child exits; its exit code (-1, the child killed, on timeout).
    int wait(std::chrono::milliseconds timeout);
    // Everything the child wrote so far, as the terminal got it ("\r\n" line ends).
    [[nodiscard]] const std::string& output() const { return output_; }

  private:
    // One read, waiting until `until` at most; false once the terminal closed or the time is up.
    bool read_some(std::chrono::steady_clock::time_point until);

    pid_t pid_ = -1;
    int master_ = -1;
    std::string output_;
    bool exited_ = false;
    int status_ = 0;
};

}  // namespace ferry::test
