#include "receiver/numbered_name.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

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

std::string first_taken_name(std::string_view name,
                             const std::function<bool(const std::string&)>& take, bool folder) {
    constexpr int max_numbered = 10'000;
    std::string candidate(name);
    for (int n = 1; n <= max_numbered; ++n) {
        if (take(candidate)) return candidate;
        candidate = folder ? fmt::format("{} ({})", name, n) : numbered_name(name, n);
    }
    throw failure(exit_code::local_io, fmt::format("too many {} named like '{}' already",
                                                   folder ? "folders" : "files", printable(name)));
}

}  // namespace ferry::receiver
