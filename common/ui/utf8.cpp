#include "common/ui/utf8.hpp"

#include <algorithm>
#include <array>

namespace ferry::utf8 {

namespace {

struct range {
    char32_t first;
    char32_t last;
};

// General category Cf, from Python 3's unicodedata (Unicode 14.0.0):
//   [c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"], as ranges.
constexpr std::array<range, 21> format_ranges{{
    {0xad, 0xad},       {0x600, 0x605},     {0x61c, 0x61c},     {0x6dd, 0x6dd},
    {0x70f, 0x70f},     {0x890, 0x891},     {0x8e2, 0x8e2},     {0x180e, 0x180e},
    {0x200b, 0x200f},   {0x202a, 0x202e},   {0x2060, 0x2064},   {0x2066, 0x206f},
    {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
    {0x13430, 0x13438}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0001, 0xe0001},
    {0xe0020, 0xe007f},
}};

bool continuation(unsigned char b) {
    return (b & 0xc0) == 0x80;
}

}  // namespace

decoded decode(std::string_view s, std::size_t i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) return {b, 1};
    std::size_t n = 0;
    char32_t cp = 0;
    char32_t smallest = 0;  // below it the same value has a shorter (overlong) form
    if (b >= 0xc2 && b <= 0xdf) {
        n = 2;
        cp = b & 0x1fu;
        smallest = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
        n = 3;
        cp = b & 0x0fu;
        smallest = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
        n = 4;
        cp = b & 0x07u;
        smallest = 0x10000;
    } else {
        return {};  // a continuation byte, C0/C1 (always overlong) or F5..FF
    }
    if (s.size() - i < n) return {};
    for (std::size_t k = 1; k < n; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if (!continuation(c)) return {};
        cp = (cp << 6) | (c & 0x3fu);
    }
    if (cp < smallest || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {};
    return {cp, n};
}

bool valid(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto d = decode(s, i);
        if (d.length == 0) return false;
        i += d.length;
    }
    return true;
}

std::size_t length(std::string_view s) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size(); ++count) {
        i += std::max<std::size_t>(decode(s, i).length, 1);
    }
    return count;
}

bool is_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool is_bidi_control(char32_t cp) {
    return cp == 0x61c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

bool is_format(char32_t cp) {
    const auto it = std::lower_bound(format_ranges.begin(), format_ranges.end(), cp,
                                     [](const range& r, char32_t c) { return r.last < c; });
    return it != format_ranges.end() && it->first <= cp;
}

}  // namespace ferry::utf8
