#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::test {

// Where a child's stdin comes from: /dev/null, a pseudo-terminal the test types into, or a pipe
// the test writes into (and closes).
enum class input { none, terminal, pipe };

// A child process with its stdout and stderr on pipes and stdin from /dev/null or a pty.
class process {
  public:
    explicit process(const std::vector<std::string>& args,
                     const std::vector<std::string>& extra_env = {}, input in = input::none);
    ~process();  // kills the child if still running
    process(const process&) = delete;
    process& operator=(const process&) = delete;

    // One line of stdout, without the newline; empty if none came in time.
    std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The same for stderr.
    std::string read_error_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Reads stderr lines until one contains `text` and returns it; empty if none came in time
    // (or stderr closed first).
    std::string wait_for_error_line(std::string_view text,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Waits until stderr shows `text`, a line's end not needed (a prompt); false if it did not
    // in time. What it read stays for the line readers.
    bool wait_for_error_text(std::string_view text,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Types on the child's terminal (input::terminal), or writes into its pipe (input::pipe).
    void type(std::string_view text);
    // Closes the pipe into the child's stdin: its end of input (input::pipe).
    void close_input();
    // Stops reading the child's stdout: its next write there fails with EPIPE.
    void close_output();
    // Exit code (128 + signal if killed); kills it and returns -1 on timeout.
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(120));
    [[nodiscard]] bool running();
    void kill(int signal);
    [[nodiscard]] pid_t pid() const { return pid_; }
    // Everything written to stderr so far, lines already read included (call after wait()).
    std::string error_output();
    std::string output();  // the rest of stdout
    // All of stdout until the child closes it, read as it comes (so that a child writing much
    // never blocks on a full pipe); what came so far if the time is up.
    std::string read_output_to_end(std::chrono::milliseconds timeout = std::chrono::seconds(120));

    using clock = std::chrono::steady_clock;

  private:
    bool reap(int options);
    // The next line from fd; nullopt once `until` passed or the pipe ended. Bytes read are
    // also appended to *log when given.
    static std::optional<std::string> next_line(int fd, std::string& buffer, std::string* log,
                                                clock::time_point until);

    pid_t pid_ = -1;
    int pidfd_ = -1;  // readable once the child has exited
    int out_ = -1;
    int err_ = -1;
    int terminal_ = -1;  // the pty's master side, or the pipe's write end
    std::string out_buffer_;
    std::string err_buffer_;
    std::string err_log_;  // all of stderr read so far
    bool exited_ = false;
    int status_ = 0;
};

// Reads the child's stdout until `n` lines have contained `text` (each line read is added to
// `log`, if given); false on a timeout.
bool wait_for_lines(process& p, std::string_view text, std::size_t n = 1,
                    std::string* log = nullptr,
                    std::chrono::milliseconds within = std::chrono::seconds(60));

std::string ferry_binary();

}  // namespace ferry::test
