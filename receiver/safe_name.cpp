#include "receiver/safe_name.hpp"

#include <fmt/format.h>

namespace ferry::receiver {

namespace {

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (b < 0x80) {
            ++i;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf) {
            n = 2;
            cp = b & 0x1fu;
        } else if (b >= 0xe0 && b <= 0xef) {
            n = 3;
            cp = b & 0x0fu;
        } else if (b >= 0xf0 && b <= 0xf4) {
            n = 4;
            cp = b & 0x07u;
        } else {
            return false;
        }
        if (i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3fu);
        }
        const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
        if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        if (cp >= 0x80 && cp <= 0x9f) return false;  // C1 controls
        i += n;
    }
    return true;
}

}  // namespace

std::optional<std::string> unsafe_name_reason(std::string_view name) {
    if (name.empty()) return "the name is empty";
    if (name.size() > max_name_bytes) {
        return fmt::format("the name is {} bytes long (at most {})", name.size(), max_name_bytes);
    }
    if (name == "." || name == "..") return "the name is a directory reference";
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\') return "the name contains a path separator";
        if (u == 0) return "the name contains a NUL byte";
        if (u < 0x20 || u == 0x7f) return "the name contains control characters";
    }
    if (!valid_utf8(name)) return "the name is not valid UTF-8";
    return std::nullopt;
}

std::string numbered_name(std::string_view name, int n) {
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return fmt::format("{} ({})", name, n);
    return fmt::format("{} ({}){}", name.substr(0, dot), n, name.substr(dot));
}

}  // namespace ferry::receiver
