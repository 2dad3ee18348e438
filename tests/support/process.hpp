#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace ferry::test {

// A child process with its stdout and stderr on pipes and stdin from /dev/null.
class process {
  public:
    explicit process(const std::vector<std::string>& args,
                     const std::vector<std::string>& extra_env = {});
    ~process();  // kills the child if still running
    process(const process&) = delete;
    process& operator=(const process&) = delete;

    // One line of stdout, without the newline; empty if none came in time.
    std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The same for stderr.
    std::string read_error_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Exit code (128 + signal if killed); kills it and returns -1 on timeout.
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(120));
    void kill(int signal);
    [[nodiscard]] pid_t pid() const { return pid_; }
    // Everything written to stderr so far (call after wait()).
    std::string error_output();
    std::string output();  // the rest of stdout

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    static std::string read_line_from(int fd, std::string& buffer,
                                      std::chrono::milliseconds timeout);
    std::string out_buffer_;
    std::string err_buffer_;
    bool exited_ = false;
    int status_ = 0;
};

std::string ferry_binary();

}  // namespace ferry::test
