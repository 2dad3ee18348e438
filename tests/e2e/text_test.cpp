// ferry send --text: a short text, printed by the receiver, no file written.
#include <catch2/catch.hpp>

#include <string>

#include "common/transfer/message.hpp"
#include "common/transfer/message_channel.hpp"
#include "tests/support/fake_receiver.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// ferry send --text ...: its code from the first line of stdout (-q).
sender_process start_text_sender(const std::string& relay, const std::string& text,
                                 input in = input::none) {
    return start_ferry({"send", "-q", "--relay", relay, "--text", text}, {}, in);
}

}  // namespace

TEST_CASE("a text is printed by the receiver exactly and no file is written", "[text][e2e]") {
    relay_fixture relay;
    temp_dir out;
    const std::string text = "the wifi password is\tcorrect horse\n\x1b[31mred\x1b[0m";
    auto s = start_text_sender(relay.address(), text);
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    CHECK(r->wait() == 0);
    INFO(r->error_output());
    // Not a terminal: the bytes as sent, for a pipe to use.
    CHECK(r->output() == text);
    CHECK_THAT(r->error_output(), Catch::Contains("Text received, SHA-256 verified."));
    CHECK(s.proc->wait() == 0);
    CHECK(out.entries().empty());
}

TEST_CASE("with --text - the text comes from standard input", "[text][e2e]") {
    relay_fixture relay;
    temp_dir out;
    auto proc =
        std::make_unique<process>(std::vector<std::string>{ferry_binary(), "send", "-q", "--relay",
                                                           relay.address(), "--text", "-"},
                                  std::vector<std::string>{}, input::terminal);
    // Typed at the terminal, then Ctrl-D: the end of the input.
    proc->type("line one\nline two\n\x04");
    const auto code = proc->read_line(30s);
    REQUIRE(!code.empty());
    auto r = start_receiver(relay.address(), code, out.path);
    CHECK(r->wait() == 0);
    CHECK(r->output() == "line one\nline two\n");
    CHECK(proc->wait() == 0);
}

TEST_CASE("a text over 64 KiB is refused before connecting", "[text][e2e]") {
    process s({ferry_binary(), "send", "--relay", "127.0.0.1:1", "--text",
               std::string(64 * 1024 + 1, 'a')});
    CHECK(s.wait() == 2);
    CHECK_THAT(s.error_output(), Catch::Contains("at most 64.0 KiB"));
    process both(
        {ferry_binary(), "send", "--relay", "127.0.0.1:1", "--text", "hi", "/etc/hostname"});
    CHECK(both.wait() == 2);
    CHECK_THAT(both.error_output(), Catch::Contains("not both"));
    process none({ferry_binary(), "send", "--relay", "127.0.0.1:1"});
    CHECK(none.wait() == 2);
}

TEST_CASE("a receiver that cannot take a text is named", "[text][e2e]") {
    relay_fixture relay;
    auto s = start_text_sender(relay.address(), "hello");
    REQUIRE(!s.code.empty());
    CHECK(!receiver_announcing(relay.port(), s.code, 1));  // one file only
    CHECK(s.proc->wait() == 5);
    CHECK_THAT(s.proc->error_output(), Catch::Contains("which cannot receive a text"));
}

TEST_CASE("a short text is shown without asking, and --ask asks first", "[text][prompt][e2e]") {
    const bool ask = GENERATE(false, true);
    INFO((ask ? "--ask" : "no --ask"));
    relay_fixture relay;
    temp_dir out;
    auto s = start_text_sender(relay.address(), "see you at 8");
    REQUIRE(!s.code.empty());
    std::vector<std::string> args{ferry_binary(),  "receive", "--relay",
                                  relay.address(), "-o",      out.path.string()};
    if (ask) args.emplace_back("--ask");
    args.push_back(s.code);
    process r(args, {}, input::terminal);
    if (ask) {
        REQUIRE(r.wait_for_error_text("Accept? [y/n] ", 30s));
        r.type("y\n");
    }
    CHECK(r.wait() == 0);
    INFO(r.error_output());
    CHECK(r.output() == "see you at 8");
    CHECK((r.error_output().find("Accept?") != std::string::npos) == ask);
    CHECK(s.proc->wait() == 0);
    CHECK(out.entries().empty());
}
