// record_channel's held records: small records wait in the buffer and leave in one write, in
// order, at the next plain send, at flush(), or once hold_limit bytes are waiting.
#include <catch2/catch.hpp>

#include <vector>

#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/session/record_channel.hpp"

using namespace ferry;

namespace {

awaitable<void> send_record(record_channel& channel, std::uint8_t fill, std::size_t n, bool hold) {
    auto room = channel.prepare();
    std::fill_n(room.begin(), n, fill);
    co_await channel.send(n, hold);
}

struct socket_pair {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    tcp::socket a{io};
    tcp::socket b{io};
    socket_pair() {
        a.connect(acceptor.local_endpoint());
        b = acceptor.accept();
    }
    // Runs body(out, in) to its end: a channel on each socket; what it throws fails the test.
    template <class Body>
    void run(Body body) {
        asio::co_spawn(
            io,
            [&]() -> awaitable<void> {
                deadline activity;
                record_channel out(a, activity);
                record_channel in(b, activity);
                co_await body(out, in);
            },
            [](const std::exception_ptr& e) {
                if (e) std::rethrow_exception(e);
            });
        io.run();
    }
};

}  // namespace

TEST_CASE("held records leave together, in order, at flush or at the next plain send",
          "[session]") {
    socket_pair sockets;
    std::vector<std::size_t> waiting;  // bytes the peer could read, after each step
    std::vector<std::vector<std::uint8_t>> got;
    sockets.run([&](record_channel& out, record_channel& in) -> awaitable<void> {
        co_await send_record(out, 1, 10, true);
        co_await send_record(out, 2, 20, true);
        waiting.push_back(sockets.b.available());  // nothing written yet
        co_await send_record(out, 3, 30, false);   // all three in one write
        co_await send_record(out, 4, 40, true);
        co_await out.flush();
        co_await out.flush();  // nothing held: nothing written
        for (int i = 0; i < 4; ++i) {
            const auto payload = co_await in.receive();
            got.emplace_back(payload.begin(), payload.end());
        }
        waiting.push_back(sockets.b.available());
    });
    REQUIRE(got.size() == 4);
    for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i] == std::vector<std::uint8_t>((i + 1) * 10, static_cast<std::uint8_t>(i + 1)));
    }
    CHECK(waiting == std::vector<std::size_t>{0, 0});
}

TEST_CASE("records held past the hold limit are written at once", "[session]") {
    socket_pair sockets;
    std::size_t before = 1;
    std::size_t winner = 2;
    sockets.run([&](record_channel& out, record_channel& in) -> awaitable<void> {
        const std::size_t n = record_channel::hold_limit / 2;
        co_await send_record(out, 7, n, true);
        before = sockets.b.available();
        co_await send_record(out, 8, n, true);  // two headers past the limit: written
        // Without a flush, both arrive; a channel that kept holding them would lose the race.
        auto both_arrive = [&]() -> awaitable<void> {
            co_await in.receive();
            co_await in.receive();
        };
        winner = co_await race(both_arrive(), sleep_for(std::chrono::seconds(20)));
    });
    CHECK(before == 0);
    CHECK(winner == 0);
}
