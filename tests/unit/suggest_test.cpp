#include <catch2/catch.hpp>

#include "common/ui/suggest.hpp"

using namespace ferry;

TEST_CASE("edit distance counts a swap of neighbours as one edit", "[suggest]") {
    CHECK(edit_distance("send", "send") == 0);
    CHECK(edit_distance("sned", "send") == 1);
    CHECK(edit_distance("--relya", "--relay") == 1);
    CHECK(edit_distance("recieve", "receive") == 1);
    CHECK(edit_distance("snd", "send") == 1);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("a mistyped word suggests the nearest known one, a far one nothing", "[suggest]") {
    const std::vector<std::string> commands{"send", "receive", "recv", "share", "relay", "help"};
    CHECK(closest("sned", commands) == "send");
    CHECK(closest("recieve", commands) == "receive");
    CHECK(closest("rely", commands) == "relay");
    CHECK(closest("shar", commands) == "share");
    CHECK_FALSE(closest("x", commands).has_value());
    CHECK_FALSE(closest("download", commands).has_value());
    CHECK_FALSE(closest("send", commands).has_value());  // known: nothing to suggest
    const std::vector<std::string> options{"--relay", "--lan", "--text", "--help", "-q"};
    CHECK(closest("--relya", options) == "--relay");
    CHECK(closest("--txt", options) == "--text");
    CHECK_FALSE(closest("--no-such-option", options).has_value());
}
