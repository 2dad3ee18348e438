#include "cli/help_format.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <sstream>
#include <string_view>

namespace ferry::cli {

namespace {

constexpr std::size_t min_width = 40;
constexpr std::size_t min_description = 20;  // the right column's least width

// Characters, not bytes: a UTF-8 continuation byte takes no column.
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

}  // namespace

std::string wrap_text(const std::string& text, std::size_t width) {
    std::string out;
    std::size_t line = 0;  // columns on the current line
    std::istringstream words(text);
    std::string word;
    while (words >> word) {
        const auto w = columns(word);
        if (line > 0 && line + 1 + w > width) {
            out += '\n';
            line = 0;
        } else if (line > 0) {
            out += ' ';
            ++line;
        }
        out += word;
        line += w;
    }
    return out;
}

std::size_t help_width() {
    winsize ws{};
    if (isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        return std::max<std::size_t>(ws.ws_col, min_width);
    }
    if (const char* env = std::getenv("COLUMNS"); env != nullptr) {
        std::size_t n = 0;
        const std::string_view text(env);
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc{} && end == text.data() + text.size() && n > 0) {
            return std::max(n, min_width);
        }
    }
    return 80;
}

help_format::help_format(std::size_t width) : width_(width) {
    // Narrow terminals give the names less room and the descriptions the rest.
    column_width(std::min<std::size_t>(30, width / 3));
}

std::string help_format::make_option_opts(const CLI::Option* opt) const {
    if (!opt->nonpositional() || opt->get_type_size() == 0) return {};
    if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
    // CLI11's "INT:INT in [2 - 8]" names the C++ type and the check: keep the first word.
    auto type = opt->get_type_name();
    type = type.substr(0, type.find_first_of(": "));
    if (type == "INT" || type == "UINT" || type == "FLOAT") type = "N";
    return " " + type;
}

std::string help_format::make_option_desc(const CLI::Option* opt) const {
    const auto room = std::max(width_ - std::min(width_, get_column_width()), min_description);
    return wrap_text(opt->get_description(), room - 1);
}

std::string help_format::make_subcommand(const CLI::App* sub) const {
    std::ostringstream out;
    const auto room = std::max(width_ - std::min(width_, get_column_width()), min_description);
    CLI::detail::format_help(out, sub->get_display_name(true),
                             wrap_text(sub->get_description(), room - 1), get_column_width());
    return out.str();
}

std::string help_format::make_description(const CLI::App* app) const {
    const auto& text = app->get_description();
    return text.empty() ? std::string() : wrap_text(text, width_ - 1) + "\n";
}

std::string help_format::make_footer(const CLI::App* app) const {
    const auto& text = app->get_footer();
    return text.empty() ? std::string() : wrap_text(text, width_ - 1) + "\n";
}

}  // namespace ferry::cli
