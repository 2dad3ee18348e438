#include <catch2/catch.hpp>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/transfer/tree_path.hpp"
#include "common/ui/text.hpp"
#include "tests/unit/utf8_encode.hpp"

using namespace ferry;
using ferry::test::utf8_of;

namespace {

// "a/a/.../a", `depth` components.
std::string deep_path(std::size_t depth) {
    std::string out = "a";
    for (std::size_t i = 1; i < depth; ++i)
        out += "/a";
    return out;
}

}  // namespace

TEST_CASE("tree paths: relative, '/'-separated, safe components, within the limits",
          "[tree_path]") {
    const std::vector<std::string> ok{
        "a",
        "a/b/c",
        ".bashrc/x..y/...",
        "r\xc3\xa9sum\xc3\xa9/\xe6\x96\x87\xe4\xbb\xb6.txt",
        deep_path(256),
        std::string(255, 'n') + "/" + std::string(255, 'm'),
        // 4096 bytes exactly: 17 components of 240 bytes and their 16 slashes.
        [] {
            std::string p(240, 'x');
            for (int i = 1; i < 17; ++i)
                p += "/" + std::string(240, 'x');
            return p;
        }(),
    };
    for (const auto& path : ok) {
        INFO(printable(path.substr(0, 80)) << " (" << path.size() << " bytes)");
        CHECK_FALSE(unsafe_path_reason(path).has_value());
    }
    CHECK(ok[6].size() == 4096);

    // A 4097-byte path of short components, under the depth limit.
    std::string long_path;
    while (long_path.size() < 4097)
        long_path += std::string(199, 'l') + "/";
    long_path.resize(4097);
    long_path.back() = 'z';
    const std::vector<std::pair<std::string, std::string>> bad{
        {"", "the path is empty"},
        {"/a", "the path is absolute"},
        {"/", "the path is absolute"},
        {"a//b", "empty component"},
        {"a/", "empty component"},
        {"a/b/", "empty component"},
        {"..", "directory reference"},
        {".", "directory reference"},
        {"../a", "directory reference"},
        {"a/../b", "directory reference"},
        {"a/..", "directory reference"},
        {"a/./b", "directory reference"},
        {"./a", "directory reference"},
        {deep_path(257), "257 folders deep (at most 256)"},
        {long_path, "4097 bytes long (at most 4096)"},
        {std::string(4097, 'a'), "4097 bytes long"},
        {"a/" + std::string(256, 'n') + "/b", "256 bytes long (at most 255)"},
        {"a/new\nline", "control characters"},
        {"a/esc\x1b[31m/b", "control characters"},
        {"a/del\x7f", "control characters"},
        {std::string("a/nul\0x", 7), "NUL"},
        {"a/c1\xc2\x9b", "control characters (U+009B)"},
        {"a/invoice" + utf8_of(0x202e) + "fdp.exe", "bidirectional text control (U+202E)"},
        {"d/zero" + utf8_of(0x200b) + "width", "format character (U+200B)"},
        {utf8_of(0xfeff) + "bom/x", "format character (U+FEFF)"},
        {"a/bad\xff/b", "not valid UTF-8"},
        {"a/over\xc0\xaf", "not valid UTF-8"},
        {"a/cut\xe2\x80", "not valid UTF-8"},
        {"a\\b", "path separator"},
        {"a/..\\..\\etc", "path separator"},
        {"C:\\x", "path separator"},
    };
    for (const auto& [path, why] : bad) {
        INFO(printable(path.substr(0, 80)) << " (" << path.size() << " bytes)");
        const auto reason = unsafe_path_reason(path);
        REQUIRE(reason.has_value());
        CHECK_THAT(*reason, Catch::Contains(why));
    }
}

TEST_CASE("path depth counts components", "[tree_path]") {
    CHECK(path_depth("a") == 1);
    CHECK(path_depth("a/b") == 2);
    CHECK(path_depth("top/a/b/l") == 4);
    CHECK(path_depth(deep_path(257)) == 257);
}

TEST_CASE("symlinks are made only when they stay inside their top-level item", "[tree_path]") {
    const std::vector<std::pair<std::string, std::string>> ok{
        {"top/a/l", "x"},
        {"top/a/l", "../x"},
        {"top/a/b/l", "../../x/y"},
        {"top/l", "sub/x"},
        {"top/l", "x"},
        {"top/a/l", ".."},              // the item's own folder
        {"top/a/b/l", "../../a/b/c"},   // back down again
        {"top/l", ".hidden/x..y/..."},  // names that only look like references
        {"top/l", "r\xc3\xa9sum\xc3\xa9"},
        {"top/a/l", "x//y"},  // a doubled '/' inside is harmless
    };
    for (const auto& [path, target] : ok) {
        INFO(path << " -> " << printable(target));
        const auto reason = unsafe_link_reason(path, target);
        CHECK_FALSE(reason.has_value());
        if (reason) UNSCOPED_INFO(*reason);
    }
    const std::vector<std::tuple<std::string, std::string, std::string>> bad{
        {"top/a/l", "/etc/passwd", "absolute"},
        {"top/l", "/", "absolute"},
        {"top/l", "//x", "absolute"},
        {"top/l", "../x", "outside"},  // would leave the item
        {"top/l", "..", "outside"},
        {"top/a/l", "../../x", "outside"},
        {"top/a/b/l", "../../../x", "outside"},
        {"top/a/l", "x/../../y", "'..' after a name"},
        {"top/a/b/l", "x/../y", "'..' after a name"},
        {"top/a/b/l", "../x/../y", "'..' after a name"},
        {"top", "x", "a top-level item is a link"},
        {"top", "top", "a top-level item is a link"},
        {"top/l", "", "no target"},
        {"top/a/l", "", "no target"},
        {"top/l", "x\ny", "control characters"},
        {"top/l", "sub/\x1b[31m", "control characters"},
        {"top/l", std::string("x") + utf8_of(0x202e) + "y", "bidirectional text control (U+202E)"},
        {"top/l", "bad\xff", "not valid UTF-8"},
        {"top/l", ".", "directory reference"},
        {"top/a/l", "./x", "directory reference"},
        {"top/a/l", "x/./y", "directory reference"},
        {"top/a/l", "../.", "directory reference"},
        {"top/l", "x\\..\\..\\y", "path separator"},
        {"top/l", std::string(256, 'n'), "256 bytes long"},
        {"top/l", std::string(4097, 'n'), "too long"},
    };
    for (const auto& [path, target, why] : bad) {
        INFO(path << " -> " << printable(target.substr(0, 80)));
        const auto reason = unsafe_link_reason(path, target);
        REQUIRE(reason.has_value());
        CHECK_THAT(*reason, Catch::Contains(why));
    }
}
