#include "common/ui/line_editor.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/ui/exit_code.hpp"

namespace ferry {

line_editor::state line_editor::feed(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (escape_ == 1) {
        escape_ = byte == '[' || byte == 'O' ? 2 : 0;
        return state::editing;
    }
    if (escape_ == 2) {
        if (byte >= 0x40 && byte <= 0x7e) escape_ = 0;  // the sequence's final byte
        return state::editing;
    }
    switch (byte) {
        case 0x1b:
            escape_ = 1;
            break;
        case '\r':
        case '\n':
            return state::done;
        case 0x03:
            return state::interrupted;
        case 0x04:
            if (line_.empty()) return state::cancelled;
            break;
        case 0x7f:
        case 0x08:
            if (!line_.empty()) line_.pop_back();
            break;
        case 0x15:
            line_.clear();
            break;
        case '\t': {
            auto done = complete_(line_);
            line_ = std::move(done.line);
            choices_ = std::move(done.choices);
        } break;
        default:
            if (byte >= 0x20 && byte < 0x7f) line_.push_back(c);
    }
    return state::editing;
}

namespace {

// Raw input (no echo, no line discipline, no signals from Ctrl-C) for as long as it lives.
class raw_terminal {
  public:
    explicit raw_terminal(int fd) : fd_(fd) {
        if (::tcgetattr(fd_, &saved_) != 0) {
            throw failure(exit_code::local_io, "cannot read from the terminal");
        }
        termios raw = saved_;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
        raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        ::tcsetattr(fd_, TCSANOW, &raw);
    }
    ~raw_terminal() { ::tcsetattr(fd_, TCSANOW, &saved_); }
    raw_terminal(const raw_terminal&) = delete;
    raw_terminal& operator=(const raw_terminal&) = delete;

  private:
    int fd_;
    termios saved_{};
};

void redraw(std::string_view prompt, const std::string& line) {
    fmt::print(stderr, "\r\x1b[K{}{}", prompt, line);
    std::fflush(stderr);
}

}  // namespace

std::optional<std::string> read_line_on_terminal(std::string_view prompt, const completer& complete,
                                                 std::size_t max_length) {
    line_editor editor(complete);
    raw_terminal raw(STDIN_FILENO);
    redraw(prompt, editor.line());
    for (;;) {
        char c = 0;
        const auto n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        const auto now = n == 1 ? editor.feed(c) : line_editor::state::cancelled;
        if (now == line_editor::state::interrupted) {
            fmt::print(stderr, "\n");
            throw failure(exit_code::interrupted, "interrupted");
        }
        if (now != line_editor::state::editing) {
            fmt::print(stderr, "\n");
            if (now == line_editor::state::cancelled) return std::nullopt;
            return editor.line();
        }
        if (const auto choices = editor.take_choices(); !choices.empty()) {
            fmt::print(stderr, "\n{}\n", fmt::join(choices, "  "));
        }
        if (editor.line().size() > max_length) editor.feed(0x15);  // no code is that long
        redraw(prompt, editor.line());
    }
}

}  // namespace ferry
