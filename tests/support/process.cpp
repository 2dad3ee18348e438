#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ferry::test {

namespace {

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

process::process(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
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
        const int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
    // stderr is read only at the end; make sure a chatty child never blocks on a full pipe.
    ::fcntl(err_, F_SETPIPE_SZ, 1 << 20);
}

process::~process() {
    if (!exited_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
}

std::string process::read_line(std::chrono::milliseconds timeout) {
    return read_line_from(out_, out_buffer_, timeout);
}

std::string process::read_error_line(std::chrono::milliseconds timeout) {
    return read_line_from(err_, err_buffer_, timeout);
}

std::string process::read_line_from(int fd, std::string& buffer,
                                    std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const auto nl = buffer.find('\n'); nl != std::string::npos) {
            auto line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return {};
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
        char buf[4096];
        const auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return {};
        buffer.append(buf, static_cast<std::size_t>(n));
    }
}

int process::wait(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
        const auto r = ::waitpid(pid_, &status_, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            break;
        }
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status_, 0);
            exited_ = true;
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return 128 + WTERMSIG(status_);
}

void process::kill(int signal) {
    if (!exited_) ::kill(pid_, signal);
}

std::string process::error_output() {
    ::fcntl(err_, F_SETFL, O_NONBLOCK);
    return err_buffer_ + drain(err_);
}

std::string process::output() {
    ::fcntl(out_, F_SETFL, O_NONBLOCK);
    return out_buffer_ + drain(out_);
}

}  // namespace ferry::test
