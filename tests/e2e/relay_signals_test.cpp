// relay::signal_stopper in process: SIGTERM stops the relay gracefully, a second one at once,
// and a second relay in the same process starts afresh (nothing process-wide remembers).
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "common/wire/relay_frame.hpp"
#include "relay/signal_stopper.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/wait.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;
namespace rp = ferry::relay_proto;

namespace {

bool accepts(std::uint16_t port) {
    try {
        raw_client probe(port);
        return true;
    } catch (const std::system_error&) {
        return false;
    }
}

// Waits (bounded) until the relay no longer accepts: it has begun to stop.
bool wait_until_closed(std::uint16_t port) {
    return wait_until([&] { return !accepts(port); }, 10s);
}

}  // namespace

TEST_CASE("a relay stops gracefully at its first signal and at once at its second",
          "[relay][signals][e2e]") {
    for (int round = 1; round <= 2; ++round) {
        INFO("relay " << round << " in this process");
        asio::io_context io(1);
        auto limits = relay_fixture::fast_limits();
        limits.grace = 5min;
        relay::server server(io.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0),
                             limits);
        const auto port = server.local_endpoint().port();
        relay::signal_stopper stopper(io, server);
        server.start();
        std::thread runner([&] { io.run(); });

        raw_client sender(port);
        sender.send(allocate_frame());
        const auto [type, payload] = sender.read_frame();
        REQUIRE(type == static_cast<std::uint8_t>(rp::frame_type::allocated));
        raw_client receiver(port);
        receiver.send(claim_frame(get_u32(payload.data())));
        REQUIRE(receiver.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::paired));
        REQUIRE(sender.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::paired));

        std::raise(SIGTERM);
        CHECK(wait_until_closed(port));
        // Gracefully: the running pair still pipes.
        sender.send({'a', 'b'});
        CHECK(receiver.read_some(2) == std::vector<std::uint8_t>{'a', 'b'});

        std::raise(SIGTERM);
        // At once: the pair is closed, and the relay has nothing left to run.
        CHECK(receiver.at_eof());
        runner.join();
    }
}
