// The client side of a share (common/net/relay_client): open_share, next_arrival,
// keep_share_alive and join_share against the real relay, and open_share against an old one.
#include <catch2/catch.hpp>

#include <thread>

#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/net/relay_client.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
namespace rp = ferry::relay_proto;
using namespace std::chrono_literals;

namespace {

// Runs `body` (a coroutine) to its end on an io_context of this thread; rethrows what it throws.
template <class Body>
void run_coroutine(Body body) {
    asio::io_context io;
    auto done = asio::co_spawn(io, body(), asio::use_future);
    io.run();
    done.get();
}

awaitable<tcp::socket> connect_to(std::uint16_t port) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                                  use_awaitable);
    co_return socket;
}

}  // namespace

TEST_CASE("the share client functions drive a share through the real relay",
          "[relay][share][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.share_idle = 2s;      // 20 pings' worth: a loaded machine still pings in time
    limits.hello_timeout = 30s;  // the receiver below says nothing for 3 idle limits first
    relay_fixture relay(limits);
    raw_client receiver(relay.port(), "127.0.0.2");
    std::string address;
    std::string refused;
    std::string ended;
    run_coroutine([&]() -> awaitable<void> {
        auto control = co_await connect_to(relay.port());
        const auto nameplate = co_await open_share(control);
        share_arrival arrival;
        // The claim comes after more than the idle limit: only the pings keep the share open.
        auto later = [&]() -> awaitable<void> {
            co_await sleep_for(3 * limits.share_idle);
            receiver.send(claim_frame(nameplate));
            arrival = co_await next_arrival(control);
        };
        co_await race(later(), keep_share_alive(control, 100ms));
        address = arrival.address;
        auto data = co_await connect_to(relay.port());
        co_await join_share(data, nameplate, arrival.ticket);
        co_await asio::async_write(data, asio::buffer(std::string_view("hello")), use_awaitable);
        try {
            auto again = co_await connect_to(relay.port());
            co_await join_share(again, nameplate, arrival.ticket);  // a ticket is single use
        } catch (const failure& e) {
            refused = e.what();
        }
        try {
            co_await next_arrival(control);  // no more pings: the share goes quiet
        } catch (const failure& e) {
            ended = e.what();
        }
    });
    CHECK(address == "127.0.0.2");
    CHECK(receiver.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::paired));
    CHECK(receiver.read_some(5) == std::vector<std::uint8_t>{'h', 'e', 'l', 'l', 'o'});
    CHECK(refused == "the receiver left before its transfer started");
    CHECK_THAT(ended, Catch::Contains("the share's sender went quiet"));
}

TEST_CASE("a relay older than shares is told apart", "[relay][share][e2e]") {
    // An old relay: it reads the 8-byte header and refuses the type it does not know.
    asio::io_context old_io;
    tcp::acceptor acceptor(old_io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const auto port = acceptor.local_endpoint().port();
    std::thread old_relay([&] {
        auto socket = acceptor.accept();
        std::array<std::uint8_t, rp::header_size> header{};
        asio::read(socket, asio::buffer(header));
        const auto error = rp::encode(
            {rp::frame_type::error, 0, rp::error_code::bad_hello, "unknown relay frame type 0x05"});
        asio::write(socket, asio::buffer(error));
    });
    std::string message;
    bool unsupported = false;
    run_coroutine([&]() -> awaitable<void> {
        auto control = co_await connect_to(port);
        try {
            co_await open_share(control);
        } catch (const share_unsupported& e) {
            unsupported = true;
            message = e.what();
        }
    });
    old_relay.join();
    CHECK(unsupported);
    CHECK(message ==
          "the relay is older than ferry 0.8 and cannot host a share (unknown relay frame type "
          "0x05); upgrade it, or share with --lan");
}
