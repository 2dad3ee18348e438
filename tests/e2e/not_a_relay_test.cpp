// --relay pointing at something that is not a ferry relay (issue 27): a server whose first bytes
// prove it (a web server's answer) is named at once; one that says nothing is given up on after
// a bounded wait, with a message that says what to check.
#include <catch2/catch.hpp>

#include "tests/support/foreign_server.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* http_answer =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
    "Connection: close\r\n\r\nBad Request";

// The three commands that talk to a relay first: send, receive and share.
std::vector<std::string> command(const std::string& which, const std::string& relay,
                                 const temp_dir& dir) {
    if (which == "send") {
        return {ferry_binary(), "send", "--relay", relay, (dir.path / "a.bin").string()};
    }
    if (which == "share") {
        return {ferry_binary(), "share", "--relay", relay, (dir.path / "a.bin").string()};
    }
    return {ferry_binary(), "receive",         "--relay", relay,
            "-o",           dir.path.string(), "--yes",   "7-crossover-clockwork"};
}

}  // namespace

TEST_CASE("a --relay at a web server: 'is not a ferry relay', quoting its answer", "[reach][e2e]") {
    const std::string which = GENERATE("send", "receive", "share");
    INFO(which);
    foreign_server web(http_answer);
    temp_dir dir;
    make_file(dir.path / "a.bin", 100);
    process p(command(which, web.address(), dir));
    CHECK(p.wait(60s) == exit_network);
    const auto said = p.error_output();
    INFO(said);
    CHECK_THAT(said, Catch::Contains(web.address() + " is not a ferry relay (it answered "
                                                     "'HTTP/1.1 400 Bad Request')"));
}

TEST_CASE("a --relay at a server that says nothing: a bounded wait, then what to check",
          "[reach][e2e]") {
    const std::string which = GENERATE("send", "receive", "share");
    INFO(which);
    foreign_server silent;
    temp_dir dir;
    make_file(dir.path / "a.bin", 100);
    process p(command(which, silent.address(), dir));
    CHECK(p.wait(60s) == exit_network);
    const auto said = p.error_output();
    INFO(said);
    CHECK_THAT(said, Catch::Contains(silent.address() + " did not answer within 10 s: is it a "
                                                        "ferry relay?"));
    CHECK_THAT(said, !Catch::Contains("nothing happened"));
}
