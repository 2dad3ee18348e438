#include "receiver/numbered_name.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace ferry::receiver {

namespace {

constexpr std::array<std::string_view, 9> double_extensions{
    ".tar.gz", ".tar.bz2",  ".tar.xz", ".tar.zst", ".tar.lz4",
    ".tar.lz", ".tar.lzma", ".tar.Z",  ".tar.br",
};

bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) {
    if (s.size() < suffix.size()) return false;
    const auto tail = s.substr(s.size() - suffix.size());
    return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        return lower(a) == lower(b);
    });
}

// Where the extension starts, or name.size() when there is none. A name needs something before
// its extension: ".bashrc" has none.
std::size_t extension_start(std::string_view name) {
    for (const auto ext : double_extensions) {
        if (name.size() > ext.size() && ends_with_ignoring_case(name, ext)) {
            return name.size() - ext.size();
        }
    }
    const auto dot = name.rfind('.');
    return dot == std::string_view::npos || dot == 0 ? name.size() : dot;
}

}  // namespace

std::string numbered_name(std::string_view name, int n) {
    const auto ext = extension_start(name);
    return fmt::format("{} ({}){}", name.substr(0, ext), n, name.substr(ext));
}

}  // namespace ferry::receiver
