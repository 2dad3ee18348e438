#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "common/transfer/safe_name.hpp"
#include "common/ui/text.hpp"
#include "receiver/numbered_name.hpp"
#include "tests/unit/utf8_encode.hpp"

using namespace ferry;
using ferry::receiver::numbered_name;
using ferry::test::utf8_of;
using code_points = std::initializer_list<char32_t>;

TEST_CASE("safe names pass unsafe names are refused with a reason", "[safe_name]") {
    for (const char* ok : {"report.pdf", ".bashrc", "r\xc3\xa9sum\xc3\xa9.txt", "con", "a b", "...",
                           "x..y", "\xe6\x96\x87\xe4\xbb\xb6.txt", "smile\xf0\x9f\x98\x80.png"}) {
        INFO(ok);
        CHECK_FALSE(unsafe_name_reason(ok).has_value());
    }
    const std::vector<std::pair<std::string, std::string>> bad{
        {"", "empty"},
        {".", "directory"},
        {"..", "directory"},
        {"../../etc/x", "separator"},
        {"/etc/x", "separator"},
        {"a/../../x", "separator"},
        {"C:\\x", "separator"},
        {"new\nline", "control"},
        {"esc\x1b[31m", "control"},
        {"del\x7f", "control"},
        {std::string("nul\0x", 5), "NUL"},
        {std::string(256, 'a'), "256 bytes"},
        {std::string(10000, 'a'), "10000 bytes"},
        {"bad\xff", "UTF-8"},
        {"over\xc0\xaf", "UTF-8"},
        // A C1 control is valid UTF-8, and refused as the control character it is.
        {"c1\xc2\x9b", "control characters (U+009B)"},
        {"surrogate\xed\xa0\x80", "UTF-8"},
        {"over3\xe0\x80\xaf", "UTF-8"},
        {"over4\xf0\x80\x80\xaf", "UTF-8"},
        {"high\xf4\x90\x80\x80", "UTF-8"},
        {"cut\xe2\x80", "UTF-8"},
        {"cut\xf0\x9f\x98", "UTF-8"},
        {"nel\xc2\x85", "control characters (U+0085)"},
        {"invoice\xe2\x80\xae"
         "fdp.exe",
         "bidirectional text control (U+202E)"},
    };
    for (const auto& [name, why] : bad) {
        INFO(printable(name));
        const auto reason = unsafe_name_reason(name);
        REQUIRE(reason.has_value());
        CHECK_THAT(*reason, Catch::Contains(why));
    }
    CHECK_FALSE(unsafe_name_reason(std::string(255, 'a')).has_value());
}

TEST_CASE("names with bidi controls or other format characters are refused", "[safe_name]") {
    for (const char32_t cp : code_points{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067,
                                         0x2068, 0x2069, 0x200e, 0x200f, 0x061c}) {
        const auto name = "a" + utf8_of(cp) + ".txt";
        INFO(printable(name));
        const auto reason = unsafe_name_reason(name);
        REQUIRE(reason.has_value());
        CHECK_THAT(*reason, Catch::Contains(fmt::format("bidirectional text control (U+{:04X})",
                                                        static_cast<std::uint32_t>(cp))));
    }
    // Zero-width ones, the byte order mark and the rest of category Cf.
    for (const char32_t cp : code_points{0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0xad, 0x600,
                                         0x180e, 0xfff9, 0x1d173, 0xe0001, 0xe007f}) {
        const auto name = utf8_of(cp) + "name.txt";
        INFO(printable(name));
        const auto reason = unsafe_name_reason(name);
        REQUIRE(reason.has_value());
        CHECK_THAT(*reason, Catch::Contains(fmt::format("invisible format character (U+{:04X})",
                                                        static_cast<std::uint32_t>(cp))));
    }
    // Every C1 control.
    for (char32_t cp = 0x80; cp <= 0x9f; ++cp) {
        const auto name = "x" + utf8_of(cp);
        INFO(printable(name));
        const auto reason = unsafe_name_reason(name);
        REQUIRE(reason.has_value());
        CHECK_THAT(*reason, Catch::Contains("control characters"));
    }
}

TEST_CASE("numbered names keep the extension", "[safe_name]") {
    CHECK(numbered_name("report.pdf", 1) == "report (1).pdf");
    CHECK(numbered_name("notes", 3) == "notes (3)");
    CHECK(numbered_name(".bashrc", 1) == ".bashrc (1)");
    CHECK(numbered_name("a.b.c", 2) == "a.b (2).c");
}

TEST_CASE("numbered names keep known double extensions whole", "[safe_name]") {
    CHECK(numbered_name("arch.tar.gz", 1) == "arch (1).tar.gz");
    CHECK(numbered_name("archive.tar.gz", 2) == "archive (2).tar.gz");
    for (const char* ext : {".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz4", ".tar.lz",
                            ".tar.lzma", ".tar.Z", ".tar.br"}) {
        INFO(ext);
        CHECK(numbered_name(std::string("backup") + ext, 3) == std::string("backup (3)") + ext);
    }
    CHECK(numbered_name("ARCH.TAR.GZ", 1) == "ARCH (1).TAR.GZ");
    CHECK(numbered_name("a.Tar.Xz", 1) == "a (1).Tar.Xz");
    CHECK(numbered_name("my.photos.tar.gz", 1) == "my.photos (1).tar.gz");
    // Not a known pair: only the last extension.
    CHECK(numbered_name("data.csv.gz", 1) == "data.csv (1).gz");
    CHECK(numbered_name("notes.tar", 1) == "notes (1).tar");
    // Hidden, nothing before the pair: the leading dot belongs to the name, as in ".bashrc".
    CHECK(numbered_name(".tar.gz", 1) == ".tar (1).gz");
    CHECK(numbered_name(".x.tar.gz", 1) == ".x (1).tar.gz");
}

TEST_CASE("a received item may not take a name of ferry's own folders", "[safe_name]") {
    for (const char* ours : {".ferry-partial-0123456789abcdef01234567", ".ferry-x", ".ferry-"}) {
        INFO(ours);
        CHECK_FALSE(unsafe_name_reason(ours).has_value());  // fine deeper in a tree
        const auto why = unsafe_item_name_reason(ours);
        REQUIRE(why.has_value());
        CHECK_THAT(*why, Catch::Contains("beginning with '.ferry-'"));
    }
    for (const char* ok : {".ferry", "ferry-partial-x", "x.ferry-", ".Ferry-x", "report.pdf"}) {
        INFO(ok);
        CHECK_FALSE(unsafe_item_name_reason(ok).has_value());
    }
    CHECK_THAT(unsafe_item_name_reason("a/b").value_or(""), Catch::Contains("separator"));
}
