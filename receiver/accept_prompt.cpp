#include "receiver/accept_prompt.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

#include "common/net/race.hpp"
#include "common/transfer/last_words.hpp"
#include "common/transfer/message.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"
#include "receiver/cut_off.hpp"

namespace ferry::receiver {

namespace {

constexpr std::size_t max_answer_bytes = 1024;  // a longer line is not an answer
// Input that is not a terminal and gave no answer in this many bytes has none to give.
constexpr std::size_t max_piped_bytes = 64 * 1024;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// epoll waits for terminals, pipes and sockets; a file or /dev/null never blocks a read.
bool can_wait_for(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    return isatty(fd) != 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

}  // namespace

line_answer classify_answer(std::string_view line) {
    const auto end = line.find_last_not_of(" \t\r\n");
    line = end == std::string_view::npos ? std::string_view{} : line.substr(0, end + 1);
    const auto start = line.find_first_not_of(" \t");
    if (start != std::string_view::npos) line.remove_prefix(start);
    const auto word = lower(line);
    if (word == "y" || word == "yes") return line_answer::yes;
    if (word == "n" || word == "no") return line_answer::no;
    return line_answer::unclear;
}

accept_prompt::accept_prompt(record_channel& channel, prompt_limits limits)
    : channel_(channel), limits_(limits) {}

awaitable<answer> accept_prompt::ask(const std::string& question) {
    terminal_ = isatty(STDIN_FILENO) != 0;
    pollable_ = can_wait_for(STDIN_FILENO);
    // What was typed before the question (an Enter pressed while the keys were exchanged) is
    // not its answer: dropped before the question shows.
    if (terminal_) ::tcflush(STDIN_FILENO, TCIFLUSH);
    fmt::print(stderr, "{} [y/n] ", question);
    std::fflush(stderr);
    open_status_line(stderr);  // Ctrl-C or an error ends this line before its message
    // A duplicate of stdin, so that closing the descriptor leaves stdin open. Waiting for it to
    // be readable does not make it non-blocking; the read that follows has a line to return.
    const int fd = ::dup(STDIN_FILENO);
    if (fd < 0) throw failure(exit_code::local_io, "cannot read the answer from standard input");
    asio::posix::stream_descriptor terminal(co_await asio::this_coro::executor, fd);
    const auto give_up_at = clock::now() + limits_.answer_within;
    for (;;) {
        const auto now = clock::now();
        if (now >= give_up_at) {
            end_status_line();
            co_return answer::no_answer;
        }
        const auto step = std::min<clock::duration>(limits_.keepalive_every, give_up_at - now);
        event_ = event::none;
        co_await race(wait_terminal(terminal), sender_or_tick(step));
        if (event_ == event::sender) co_await sender_spoke();
        if (event_ == event::tick) {
            const msg::message still_deciding = msg::keepalive{};
            co_await send_message(channel_, still_deciding);
        }
        if (event_ == event::terminal && read_terminal(terminal.native_handle())) break;
    }
    if (!terminal_) {
        // Nothing echoed the piped answer: shown, so that the line reads as on a terminal.
        if (said_) fmt::print(stderr, "{}", *said_ == line_answer::yes ? "y" : "n");
        end_status_line();
        if (!said_) co_return answer::no_input;
    } else if (input_ended_) {
        end_status_line();  // Ctrl-D: nothing echoed a newline
    } else {
        open_status_line(nullptr);  // the person's Enter ended the line
    }
    co_return said_ == line_answer::yes ? answer::yes : answer::no;
}

awaitable<void> accept_prompt::wait_terminal(asio::posix::stream_descriptor& terminal) {
    if (pollable_) {
        co_await terminal.async_wait(asio::posix::stream_descriptor::wait_read, use_awaitable);
    } else {
        co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
    }
    event_ = event::terminal;
}

awaitable<void> accept_prompt::sender_or_tick(clock::duration d) {
    co_await race(wait_sender(), tick(d));
}

awaitable<void> accept_prompt::wait_sender() {
    co_await channel_.wait_readable();
    event_ = event::sender;
}

awaitable<void> accept_prompt::tick(clock::duration d) {
    co_await sleep_for(d);
    event_ = event::tick;
}

bool accept_prompt::read_terminal(int fd) {
    // Readable a moment ago; another reader of the same terminal (a pager on our stdout) may
    // have taken the bytes since: never block the io thread on a read that has nothing.
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) != 1) return false;
    char buffer[256];
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
    if (!terminal_ && n > 0) read_total_ += static_cast<std::size_t>(n);
    if (n <= 0 || read_total_ > max_piped_bytes) {
        input_ended_ = true;  // Ctrl-D, the terminal went away, or the pipe's end
        if (!line_.empty()) {
            const auto last = classify_answer(line_);  // a last line without its newline
            if (last != line_answer::unclear) said_ = last;
        }
        return true;
    }
    line_.append(buffer, static_cast<std::size_t>(n));
    return take_lines();
}

// Each whole line in line_: a y or n ends the question; anything else asks again (on a
// terminal) or is passed over (piped). A line too long to be an answer is not one.
bool accept_prompt::take_lines() {
    for (auto end = line_.find('\n'); end != std::string::npos; end = line_.find('\n')) {
        const auto said = classify_answer(std::string_view(line_).substr(0, end));
        line_.erase(0, end + 1);
        if (said != line_answer::unclear) {
            said_ = said;
            return true;
        }
        if (terminal_) {
            fmt::print(stderr, "Please answer y or n. Accept? [y/n] ");
            std::fflush(stderr);
            open_status_line(stderr);
        }
    }
    if (line_.size() > max_answer_bytes) line_ = "-";  // kept unclear until its newline
    return false;
}

// The sender says nothing until it has the answer: whatever comes now ends the question.
awaitable<void> accept_prompt::sender_spoke() {
    end_status_line();
    msg::message m;
    try {
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto got = co_await receive_message(channel_);
        m = std::move(got);
    } catch (const connection_closed& e) {
        throw cut_off(e, "while you were deciding; nothing was saved");
    }
    if (const auto* a = std::get_if<msg::abort>(&m)) {
        throw transfer::peer_stopped("the sender stopped while you were deciding", *a);
    }
    throw wire_error("the sender sent something before the answer to its offer");
}

}  // namespace ferry::receiver
