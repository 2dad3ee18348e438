#include "tests/support/pty_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace ferry::test {

pty_process::pty_process(const std::vector<std::string>& args, unsigned short columns) {
    winsize ws{};
    ws.ws_col = columns;
    ws.ws_row = 24;
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT: execv takes char*
    argv.push_back(nullptr);
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pid_ == 0) {
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::fcntl(master_, F_SETFD, FD_CLOEXEC);
}

pty_process::~pty_process() {
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
    }
    if (master_ >= 0) ::close(master_);
}

bool pty_process::read_some(std::chrono::steady_clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    const auto n = ::read(master_, buffer, sizeof buffer);
    if (n <= 0) return false;  // EIO: every copy of the terminal's other side is closed
    output_.append(buffer, static_cast<std::size_t>(n));
    return true;
}

bool pty_process::wait_for(std::string_view text, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (output_.find(text) == std::string::npos) {
        if (!read_some(until)) return false;
    }
    return true;
}

int pty_process::wait(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (read_some(until)) {
    }
    if (!exited_) {
        // The terminal closed (the child exited), or the time is up: then it is killed.
        if (std::chrono::steady_clock::now() >= until) ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        exited_ = true;
        if (WIFSIGNALED(status_) && std::chrono::steady_clock::now() >= until) return -1;
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return 128 + WTERMSIG(status_);
}

}  // namespace ferry::test
