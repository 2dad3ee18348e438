#include "sender/text_source.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/units.hpp"

namespace ferry::sender {

std::string text_source::describe() const {
    return fmt::format("a text ({})", plural(text_.size(), "byte"));
}

namespace {

[[noreturn]] void too_long() {
    throw failure(exit_code::usage,
                  fmt::format("a text may be at most {}; send a longer one as a file",
                              format_size(msg::max_text_offer)));
}

std::string read_standard_input() {
    std::string text;
    char buffer[4096];
    for (;;) {
        const auto n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            throw failure(
                exit_code::local_io,
                fmt::format("cannot read the text from standard input: {}", std::strerror(errno)));
        }
        if (n == 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > msg::max_text_offer) too_long();
    }
}

}  // namespace

std::string text_to_send(const std::string& argument) {
    auto text = argument == "-" ? read_standard_input() : argument;
    if (text.size() > msg::max_text_offer) too_long();
    return text;
}

}  // namespace ferry::sender
