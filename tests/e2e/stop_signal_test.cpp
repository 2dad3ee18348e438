// SIGHUP (a closed terminal) and SIGTERM end a transfer as Ctrl-C does: the side that got the
// signal exits with its own code and tells the peer at once, which reports why instead of
// reconnecting to a side that is gone (issue 27).
#include <catch2/catch.hpp>

#include <csignal>

#include "tests/support/foreign_server.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

struct signal_case {
    int number;
    int exit;          // 128 + the signal, README's table
    const char* said;  // the stopped side's last line
    const char* peer_hears;
};

// 8 MiB at 1 MiB/s with reconnect on (the default): without the peer being told, it would
// spend minutes reconnecting.
struct flowing_transfer {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    sender_process s;
    std::unique_ptr<process> r;
    flowing_transfer() {
        make_file(in.path / "slow.bin", 8 * 1024 * 1024);
        s = start_sender(relay.address(), in.path / "slow.bin", {"--limit-rate", "1M"});
        REQUIRE(!s.code.empty());
        r = start_receiver(relay.address(), s.code, out.path);
        REQUIRE(!r->wait_for_error_line("Receiving", 60s).empty());
        const auto before = io_of(s.proc->pid()).read;
        REQUIRE(wait_until([&] { return io_of(s.proc->pid()).read >= before + 1024 * 1024; }, 60s));
    }
};

}  // namespace

TEST_CASE("SIGHUP or SIGTERM to the receiver mid-transfer: its code, the sender told at once",
          "[signals][e2e]") {
    const auto c = GENERATE(signal_case{SIGHUP, 129, "ferry: the terminal closed", "closed"},
                            signal_case{SIGTERM, 143, "ferry: terminated", "terminated"});
    INFO("signal " << c.number);
    flowing_transfer t;
    t.r->kill(c.number);
    CHECK(t.r->wait(30s) == c.exit);
    // Bounded well below the reconnect window (2 min): a sender that reconnects fails here.
    CHECK(t.s.proc->wait(30s) == exit_peer);
    const auto receiver_said = t.r->error_output();
    const auto sender_said = t.s.proc->error_output();
    INFO(receiver_said << sender_said);
    CHECK_THAT(receiver_said, Catch::Contains(c.said));
    CHECK_THAT(sender_said,
               Catch::Contains("the receiver stopped") && Catch::Contains(c.peer_hears));
    CHECK_THAT(sender_said, !Catch::Contains("reconnecting"));
    CHECK(t.out.final_entries().empty());
}

TEST_CASE("SIGHUP or SIGTERM to the sender mid-transfer: its code, the receiver told at once",
          "[signals][e2e]") {
    const auto c = GENERATE(signal_case{SIGHUP, 129, "ferry: the terminal closed", "closed"},
                            signal_case{SIGTERM, 143, "ferry: terminated", "terminated"});
    INFO("signal " << c.number);
    flowing_transfer t;
    t.s.proc->kill(c.number);
    CHECK(t.s.proc->wait(30s) == c.exit);
    CHECK(t.r->wait(30s) == exit_peer);
    const auto receiver_said = t.r->error_output();
    const auto sender_said = t.s.proc->error_output();
    INFO(receiver_said << sender_said);
    CHECK_THAT(sender_said, Catch::Contains(c.said));
    CHECK_THAT(receiver_said,
               Catch::Contains("the sender stopped") && Catch::Contains(c.peer_hears));
    CHECK_THAT(receiver_said, !Catch::Contains("reconnecting"));
    CHECK(t.out.final_entries().empty());
}

TEST_CASE("SIGHUP or SIGTERM to a share before its code: its own exit code", "[signals][e2e]") {
    const auto c = GENERATE(signal_case{SIGHUP, 129, "ferry: the terminal closed", ""},
                            signal_case{SIGTERM, 143, "ferry: terminated", ""});
    // A relay that accepts and never answers: the share is still opening when the signal comes.
    foreign_server silent;
    temp_dir in;
    make_file(in.path / "a.bin", 1000);
    process share(
        {ferry_binary(), "share", "--relay", silent.address(), (in.path / "a.bin").string()});
    REQUIRE(wait_until([&] { return silent.accepted() > 0; }, 20s));
    share.kill(c.number);
    CHECK(share.wait(30s) == c.exit);
    CHECK_THAT(share.error_output(), Catch::Contains(c.said));
}
