// A connection that breaks under a running transfer: the relay passes the failure on at once,
// so the other side does not wait for the idle timeout.
#include <catch2/catch.hpp>

#include "tests/support/cutting_forwarder.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

TEST_CASE("a reset of the sender's connection ends the receiver's at once", "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.idle_timeout = 5min;  // what the receiver would wait if the relay did not pass it on
    limits.splice = GENERATE(true, false);
    relay_fixture relay(limits);
    // Between the sender and the relay, 4 MiB into the stream: resets its connection to the
    // relay, with the sender's left open and silent (a middlebox), or both at once (a crash).
    using how = cutting_forwarder::how;
    const auto reset = GENERATE(how::reset_upstream, how::reset);
    cutting_forwarder middlebox(relay.port(), {{4 * 1024 * 1024, reset}});
    temp_dir in;
    temp_dir out;
    make_file(in.path / "big.bin", 64ULL * 1024 * 1024, 3);
    auto s = start_sender(middlebox.address(), in.path / "big.bin", {"--reconnect-for", "0"});
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    REQUIRE(middlebox.wait_for_cuts(1, 60s));
    // -1: still running after 20 s (then killed). Either way the sender is gone for good
    // (--reconnect-for 0): the receiver says so, as the other side that went away (README).
    const auto code = r->wait(20s);
    INFO(r->error_output());
    CHECK(code == exit_peer);
    CHECK_THAT(r->error_output(), Catch::Contains("the sender went away"));
    CHECK(out.final_entries().empty());
}
