#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

extern char** environ;

namespace ferry::test {

namespace {

process::clock::time_point deadline_in(std::chrono::milliseconds timeout) {
    return process::clock::now() + timeout;
}

int milliseconds_until(process::clock::time_point until) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - process::clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

std::string drain(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        const auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace

std::string ferry_binary() {
    return FERRY_BINARY;
}

process::process(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
                 input in) {
    int terminal = -1;
    if (in == input::terminal) {
        int slave = -1;
        if (::openpty(&terminal_, &slave, nullptr, nullptr, nullptr) != 0) {
            throw std::runtime_error("openpty failed");
        }
        ::fcntl(terminal_, F_SETFD, FD_CLOEXEC);
        terminal = slave;
    } else if (in == input::pipe) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        terminal = fds[0];
        terminal_ = fds[1];
    }
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e)
        env_strings.emplace_back(*e);
    for (const auto& e : extra_env)
        env_strings.push_back(e);
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env_strings)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        // An in-process relay ignores SIGPIPE; the child starts as it would from a shell.
        ::signal(SIGPIPE, SIG_DFL);
        const int stdin_fd = terminal >= 0 ? terminal : ::open("/dev/null", O_RDONLY);
        ::dup2(stdin_fd, 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    if (terminal >= 0) ::close(terminal);
    // glibc 2.36's <sys/pidfd.h> lacks extern "C": the system call itself.
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    out_ = out[0];
    err_ = err[0];
    if (pidfd_ < 0) {
        ::kill(pid_, SIGKILL);  // the destructor does not run for a constructor that throws
        ::waitpid(pid_, nullptr, 0);
        ::close(out_);
        ::close(err_);
        if (terminal_ >= 0) ::close(terminal_);
        throw std::runtime_error("pidfd_open failed");
    }
    // stderr is read only at the end; make sure a chatty child never blocks on a full pipe.
    ::fcntl(err_, F_SETPIPE_SZ, 1 << 20);
}

process::~process() {
    if (!exited_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(pidfd_);
    ::close(out_);
    ::close(err_);
    if (terminal_ >= 0) ::close(terminal_);
}

std::string process::read_line(std::chrono::milliseconds timeout) {
    return next_line(out_, out_buffer_, nullptr, deadline_in(timeout)).value_or("");
}

std::string process::read_error_line(std::chrono::milliseconds timeout) {
    return next_line(err_, err_buffer_, &err_log_, deadline_in(timeout)).value_or("");
}

std::string process::wait_for_error_line(std::string_view text, std::chrono::milliseconds timeout) {
    const auto until = deadline_in(timeout);
    while (auto line = next_line(err_, err_buffer_, &err_log_, until)) {
        if (line->find(text) != std::string::npos) return *line;
    }
    return {};
}

bool process::wait_for_error_text(std::string_view text, std::chrono::milliseconds timeout) {
    const auto until = deadline_in(timeout);
    while (err_buffer_.find(text) == std::string::npos) {
        const auto left = milliseconds_until(until);
        if (left <= 0) return false;
        pollfd p{err_, POLLIN, 0};
        if (::poll(&p, 1, left) <= 0) continue;
        char buf[4096];
        const auto n = ::read(err_, buf, sizeof buf);
        if (n <= 0) return false;
        err_buffer_.append(buf, static_cast<std::size_t>(n));
        err_log_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

void process::close_output() {
    if (out_ >= 0) ::close(out_);
    out_ = -1;
}

void process::close_input() {
    if (terminal_ >= 0) ::close(terminal_);
    terminal_ = -1;
}

void process::type(std::string_view text) {
    if (terminal_ < 0) throw std::logic_error("type(): the child has no terminal or pipe");
    if (::write(terminal_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        throw std::runtime_error("writing to the child's terminal failed");
    }
}

std::optional<std::string> process::next_line(int fd, std::string& buffer, std::string* log,
                                              clock::time_point until) {
    for (;;) {
        if (const auto nl = buffer.find('\n'); nl != std::string::npos) {
            auto line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            return line;
        }
        const auto left = milliseconds_until(until);
        if (left <= 0) return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, left) <= 0) continue;  // EINTR, or the time is up (checked above)
        char buf[4096];
        const auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return std::nullopt;
        buffer.append(buf, static_cast<std::size_t>(n));
        if (log != nullptr) log->append(buf, static_cast<std::size_t>(n));
    }
}

bool process::reap(int options) {
    if (exited_) return true;
    if (::waitpid(pid_, &status_, options) == pid_) exited_ = true;
    return exited_;
}

int process::wait(std::chrono::milliseconds timeout) {
    const auto until = deadline_in(timeout);
    while (!exited_) {
        const auto left = milliseconds_until(until);
        if (left <= 0) {
            ::kill(pid_, SIGKILL);
            reap(0);
            return -1;
        }
        pollfd p{pidfd_, POLLIN, 0};
        if (::poll(&p, 1, left) > 0) reap(0);
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return 128 + WTERMSIG(status_);
}

bool process::running() {
    return !reap(WNOHANG);
}

void process::kill(int signal) {
    if (!exited_) ::kill(pid_, signal);
}

std::string process::error_output() {
    ::fcntl(err_, F_SETFL, O_NONBLOCK);
    const auto rest = drain(err_);
    err_buffer_ += rest;
    err_log_ += rest;
    return err_log_;
}

std::string process::read_output_to_end(std::chrono::milliseconds timeout) {
    const auto until = deadline_in(timeout);
    std::string got = std::move(out_buffer_);
    out_buffer_.clear();
    char buf[65536];
    for (;;) {
        const auto left = milliseconds_until(until);
        if (left <= 0) return got;
        pollfd p{out_, POLLIN, 0};
        if (::poll(&p, 1, left) <= 0) continue;
        const auto n = ::read(out_, buf, sizeof buf);
        if (n <= 0) return got;
        got.append(buf, static_cast<std::size_t>(n));
    }
}

std::string process::output() {
    ::fcntl(out_, F_SETFL, O_NONBLOCK);
    return out_buffer_ + drain(out_);
}

bool wait_for_lines(process& p, std::string_view text, std::size_t n, std::string* log,
                    std::chrono::milliseconds within) {
    using std::chrono::milliseconds;
    const auto until = process::clock::now() + within;
    std::size_t seen = 0;
    while (seen < n && process::clock::now() < until) {
        const auto left = std::chrono::duration_cast<milliseconds>(until - process::clock::now());
        const auto line = p.read_line(std::max(left, milliseconds(1)));
        if (log != nullptr) *log += line + "\n";
        if (line.find(text) != std::string::npos) ++seen;
    }
    return seen == n;
}

}  // namespace ferry::test
