#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "common/ui/text.hpp"
#include "common/ui/utf8.hpp"
#include "receiver/text_sink.hpp"
#include "tests/unit/utf8_encode.hpp"

using namespace ferry;
using ferry::test::utf8_of;
using code_points = std::initializer_list<char32_t>;

namespace {

// Malformed UTF-8: overlong forms of '/' (2, 3 and 4 bytes), a surrogate, a value over U+10FFFF,
// sequences cut short, stray continuation bytes and bytes that never appear in UTF-8.
const std::vector<std::string> malformed{
    "\xc0\xaf",     "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
    "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80",
    "\xc3",         "\xe2\x80",     "\xf0\x9f\x98",
    "\x80",         "\xbf",         "\xf5\x80\x80\x80",
    "\xff",         "\xfe",
};

// Every byte of s as \xNN.
std::string escaped_bytes(const std::string& s) {
    std::string out;
    for (char c : s)
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    return out;
}

// The code points the issue names one by one: bidi controls, zero-width and format characters.
const std::vector<char32_t> listed_format{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066,
                                          0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c,
                                          0x200b, 0x200c, 0x200d, 0x2060, 0xfeff};

}  // namespace

TEST_CASE("names from the network are printed without control characters", "[text]") {
    CHECK(printable("report.pdf") == "report.pdf");
    CHECK(printable("r\xc3\xa9sum\xc3\xa9.pdf") == "r\xc3\xa9sum\xc3\xa9.pdf");
    CHECK(printable("a\x1b[2Jb") == "a\\x1b[2Jb");
    CHECK(printable("line\nbreak") == "line\\x0abreak");
    CHECK(printable("bad\xff") == "bad\\xff");
    CHECK(printable("c1\xc2\x9b") == "c1\\u{9b}");  // a C1 control is valid UTF-8: \u{}
    CHECK(printable(std::string("nul\0x", 5)) == "nul\\x00x");
    CHECK(printable("del\x7f") == "del\\x7f");
}

TEST_CASE("format and C1 characters are printed escaped as code points", "[text]") {
    CHECK(printable("invoice\xe2\x80\xae"
                    "fdp.exe") == "invoice\\u{202e}fdp.exe");
    for (const auto cp : listed_format) {
        INFO(fmt::format("U+{:04X}", static_cast<std::uint32_t>(cp)));
        CHECK(printable("a" + utf8_of(cp) + "b") ==
              fmt::format("a\\u{{{:x}}}b", static_cast<std::uint32_t>(cp)));
    }
    CHECK(printable(utf8_of(0xfeff)) == "\\u{feff}");
    CHECK(printable(utf8_of(0x85)) == "\\u{85}");
    CHECK(printable(utf8_of(0xad)) == "\\u{ad}");
    CHECK(printable(utf8_of(0xe0001)) == "\\u{e0001}");
    // Other text, four-byte sequences and the highest code point included, prints as it is.
    for (const auto& ok :
         {utf8_of(0xe9), utf8_of(0x6587), utf8_of(0x1f600), utf8_of(0xfffd), utf8_of(0x10ffff)}) {
        CHECK(printable("x" + ok) == "x" + ok);
    }
}

TEST_CASE("malformed UTF-8 is refused and printed byte by byte", "[text][utf8]") {
    for (const auto& bad : malformed) {
        INFO(escaped_bytes(bad));
        CHECK_FALSE(utf8::valid(bad));
        CHECK_FALSE(utf8::valid("ok" + bad + "ok"));
        CHECK(utf8::decode(bad, 0).length == 0);
        CHECK(printable("a" + bad + "b") == "a" + escaped_bytes(bad) + "b");
    }
    // A sequence cut short by the next character: the lead byte escaped, the character kept.
    CHECK(printable("\xe2\x80x") == "\\xe2\\x80x");
    CHECK(printable("\xc3\xc3\xa9") == "\\xc3\xc3\xa9");
}

TEST_CASE("the decoder takes every well-formed sequence whole", "[utf8]") {
    for (const char32_t cp : code_points{0x0, 0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000,
                                         0xfffd, 0xffff, 0x10000, 0x10ffff}) {
        INFO(fmt::format("U+{:04X}", static_cast<std::uint32_t>(cp)));
        const auto s = utf8_of(cp);
        const auto d = utf8::decode(s, 0);
        CHECK(d.code_point == cp);
        CHECK(d.length == s.size());
        CHECK(utf8::valid(s));
    }
    CHECK(utf8::valid(""));
    CHECK(utf8::length("r\xc3\xa9sum\xc3\xa9") == 6);
    CHECK(utf8::length("a\xff"
                       "b") == 3);
}

TEST_CASE("format characters are Unicode category Cf", "[utf8]") {
    for (const auto cp : listed_format)
        CHECK(utf8::is_format(cp));
    for (const char32_t cp : code_points{0xad, 0x600, 0x605, 0x6dd, 0x180e, 0x2064, 0x206f, 0xfff9,
                                         0x110bd, 0x1d173, 0xe0001, 0xe0020, 0xe007f}) {
        CHECK(utf8::is_format(cp));
    }
    for (const char32_t cp : code_points{0x41, 0xac, 0xae, 0x606, 0x200a, 0x2010, 0x2065, 0xfffc,
                                         0xe0000, 0xe0080, 0x10ffff}) {
        CHECK_FALSE(utf8::is_format(cp));
    }
    CHECK(utf8::is_bidi_control(0x202e));
    CHECK_FALSE(utf8::is_bidi_control(0x200b));
}

TEST_CASE("a received text is shown on a terminal with controls escaped, lines kept", "[text]") {
    using ferry::receiver::text_for_terminal;
    CHECK(text_for_terminal("plain") == "plain\n");
    CHECK(text_for_terminal("two\nlines\n") == "two\nlines\n");
    CHECK(text_for_terminal("") == "\n");
    const auto shown = text_for_terminal("\x1b[2Jred\u202e");
    CHECK(shown.find('\x1b') == std::string::npos);
    CHECK_THAT(shown, Catch::Contains("\\x1b[2Jred\\u{202e}"));
}
