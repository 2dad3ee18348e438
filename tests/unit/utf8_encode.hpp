#pragma once

#include <string>

namespace ferry::test {

// The UTF-8 bytes of one code point (no checks: tests build malformed text by hand).
inline std::string utf8_of(char32_t cp) {
    std::string out;
    const auto byte = [&](char32_t v) { out.push_back(static_cast<char>(v)); };
    if (cp < 0x80) {
        byte(cp);
    } else if (cp < 0x800) {
        byte(0xc0 | (cp >> 6));
        byte(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        byte(0xe0 | (cp >> 12));
        byte(0x80 | ((cp >> 6) & 0x3f));
        byte(0x80 | (cp & 0x3f));
    } else {
        byte(0xf0 | (cp >> 18));
        byte(0x80 | ((cp >> 12) & 0x3f));
        byte(0x80 | ((cp >> 6) & 0x3f));
        byte(0x80 | (cp & 0x3f));
    }
    return out;
}

}  // namespace ferry::test
