// ferry share against a guesser holding many key exchanges at once, and a share whose control
// connection to the relay is cut or whose relay restarts.
#include <catch2/catch.hpp>

#include <csignal>

#include "tests/support/cutting_forwarder.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/share_guesser.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

std::size_t count(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

std::string local_ip(std::size_t i) {
    return "127.0.0." + std::to_string(2 + i);
}

}  // namespace

TEST_CASE("thirty key exchanges held at once: only --max-failures + 1 wrong codes are compared",
          "[share]") {
    relay_fixture relay;
    const temp_dir in;
    make_file(in.path / "notes.bin", 100'000);
    auto share = start_share(relay.address(), {in.path / "notes.bin"}, {"--max-failures", "3"});
    REQUIRE_FALSE(share.code.empty());
    share_guesser guesser(relay.port(), share.code);
    const auto right = guesser.open(local_ip(0), true);
    REQUIRE(guesser.wait_held(1, 30s));
    for (std::size_t i = 0; i < 29; ++i)
        guesser.open(local_ip(1 + i % 8), false);
    REQUIRE(guesser.wait_held(16, 60s));  // the share's seats; the others wait for one
    for (std::size_t i = 0; i < 30; ++i) {
        if (i != right && guesser.is_held(i)) guesser.confirm(i);
    }
    REQUIRE(guesser.wait_answers(60s));
    std::string log;
    REQUIRE(wait_for_lines(*share.proc, "closing the share", 1, &log));
    // The share has decided to close: the right code is not even compared.
    guesser.confirm(right);
    REQUIRE(guesser.wait_answers(60s));
    CHECK(guesser.answer_of(right) == share_guesser::answer::closed);
    CHECK(share.proc->wait(60s) == exit_wrong_code);
    CHECK_THAT(share.proc->error_output(),
               Catch::Contains("closed the share: 4 wrong codes were tried"));
    log += share.proc->output();
    INFO(log);
    CHECK(count(log, "a wrong code was tried") <= 4);
    // The other 11 held with a wrong code, and the right one.
    CHECK(count(log, "refused: the share takes no more guesses") == 12);
}

TEST_CASE("a share runs at most 16 key exchanges at once and 4 from one address", "[share]") {
    relay_fixture relay;
    const temp_dir in;
    make_file(in.path / "notes.bin", 100'000);
    auto share = start_share(relay.address(), {in.path / "notes.bin"});
    REQUIRE_FALSE(share.code.empty());
    share_guesser guesser(relay.port(), share.code);
    for (int i = 0; i < 6; ++i)
        guesser.open(local_ip(0), false);
    REQUIRE(guesser.wait_held(4, 30s));  // runs the guesser: its six claims go out
    REQUIRE(wait_for_lines(*share.proc, "waits for a seat", 2));
    CHECK(guesser.held() == 4);
    for (std::size_t i = 0; i < 20; ++i)
        guesser.open(local_ip(1 + i % 10), false);
    // 4 + 12 of the 20 get a seat; the other 8 wait, as do the 2 of the first address.
    REQUIRE(guesser.wait_held(16, 30s));
    REQUIRE(wait_for_lines(*share.proc, "waits for a seat", 8));
    CHECK(guesser.held() == 16);
    share.proc->kill(SIGINT);
    CHECK(share.proc->wait(60s) == 0);
}

TEST_CASE("a share whose control connection is cut goes on with the same code", "[share]") {
    using how = cutting_forwarder::how;
    const auto kind = GENERATE(how::reset, how::fin);
    relay_fixture relay;
    cutting_forwarder cutter(relay.port(), {});
    const temp_dir in;
    make_file(in.path / "notes.bin", 300'000);
    auto share = start_share(cutter.address(), {in.path / "notes.bin"});
    REQUIRE_FALSE(share.code.empty());
    INFO("cut: " << (kind == how::reset ? "reset" : "FIN"));
    // The control connection is the only one open: the cut is its.
    cutter.cut_now(kind);
    REQUIRE(cutter.wait_for_cuts(1, 10s));
    REQUIRE(wait_for_lines(*share.proc, "reconnected to the relay: the code"));
    const temp_dir out;
    auto receiver = start_receiver(relay.address(), share.code, out.path);
    INFO(receiver->error_output());
    CHECK(receiver->wait(60s) == 0);
    CHECK(sha256_of(out.path / "notes.bin") == sha256_of(in.path / "notes.bin"));
    share.proc->kill(SIGINT);
    CHECK(share.proc->wait(60s) == 0);
}

TEST_CASE("a share whose relay restarts ends saying its code is gone", "[share]") {
    const auto port = std::to_string(free_port());
    const std::vector<std::string> relay_args{ferry_binary(), "relay", "--listen",
                                              "127.0.0.1:" + port};
    auto relay = std::make_unique<process>(relay_args);
    relay->wait_for_error_line("listening on", 20s);
    const temp_dir in;
    make_file(in.path / "notes.bin", 1000);
    auto share = start_share("127.0.0.1:" + port, {in.path / "notes.bin"});
    REQUIRE_FALSE(share.code.empty());
    relay->kill(SIGTERM);
    CHECK(relay->wait(60s) == 0);
    relay = std::make_unique<process>(relay_args);
    relay->wait_for_error_line("listening on", 20s);
    CHECK(share.proc->wait(90s) == exit_network);
    CHECK_THAT(share.proc->error_output(), Catch::Contains("the relay no longer holds this share"));
    CHECK_THAT(share.proc->error_output(), Catch::Contains(share.code + " no longer works"));
    relay->kill(SIGTERM);
    relay->wait(60s);
}
