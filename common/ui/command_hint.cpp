#include "common/ui/command_hint.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "common/ui/utf8.hpp"

namespace ferry {

namespace {

bool plain(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return true;  // UTF-8 of names: no shell treats it specially
    return std::isalnum(u) != 0 || std::string_view("-_./:=@,+%").find(c) != std::string_view::npos;
}

constexpr std::string_view indent = "  ";
constexpr std::string_view continued = "    ";

}  // namespace

std::string shell_word(std::string_view word) {
    if (!word.empty() && std::all_of(word.begin(), word.end(), plain)) return std::string(word);
    std::string out = "'";
    for (const char c : word) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::string command_text(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : " ") + shell_word(w);
    return out;
}

std::string layout_hint(std::string_view label, const std::vector<std::string>& words,
                        std::size_t width) {
    const auto command = command_text(words);
    auto one = std::string(label) + "  " + command;
    if (width == 0 || utf8::length(one) < width) return one + "\n";
    std::string out = std::string(label) + "\n";
    std::string line(indent);
    bool empty = true;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const auto word = shell_word(words[i]);
        // Room for the word and, unless it is the last, " \" in case another line follows.
        const std::size_t tail = i + 1 < words.size() ? 2 : 0;
        if (!empty && utf8::length(line) + 1 + utf8::length(word) + tail >= width) {
            out += line + " \\\n";
            line = std::string(continued);
            empty = true;
        }
        line += (empty ? "" : " ") + word;
        empty = false;
    }
    return out + line + "\n";
}

std::string layout_code_line(std::string_view before, std::string_view code, std::size_t width) {
    auto one = std::string(before) + " Code: " + std::string(code);
    if (width == 0 || utf8::length(one) < width) return one + "\n";
    return std::string(before) + "\nCode: " + std::string(code) + "\n";
}

std::size_t terminal_columns(std::FILE* out) {
    winsize ws{};
    if (::isatty(fileno(out)) == 0 || ::ioctl(fileno(out), TIOCGWINSZ, &ws) != 0) return 0;
    return ws.ws_col;
}

}  // namespace ferry
