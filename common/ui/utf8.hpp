#pragma once

#include <cstddef>
#include <string_view>

// The one strict UTF-8 decoder (RFC 3629, Unicode Table 3-7) and the classes of code points that
// must never reach a terminal or a file name raw.
namespace ferry::utf8 {

// One code point and the bytes it took; length 0 when s[i] does not start a well-formed sequence:
// a stray continuation byte, an overlong form, a surrogate, a value over U+10FFFF, or a sequence
// cut short by the end of the text.
struct decoded {
    char32_t code_point = 0;
    std::size_t length = 0;
};
decoded decode(std::string_view s, std::size_t i);

bool valid(std::string_view s);

// Code points in s, counting each byte that is not valid UTF-8 as one.
std::size_t length(std::string_view s);

// C0 controls, DEL and C1 controls (U+0080..U+009F).
bool is_control(char32_t cp);
// Bidirectional text controls: U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069.
bool is_bidi_control(char32_t cp);
// Unicode general category Cf (format characters: bidi controls, zero-width ones, U+FEFF, ...).
bool is_format(char32_t cp);

}  // namespace ferry::utf8
