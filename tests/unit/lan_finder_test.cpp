// The receiver's LAN listener: when it cannot listen at all, it says why.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/ui/exit_code.hpp"
#include "receiver/lan_finder.hpp"

using namespace ferry;
using asio::ip::udp;

namespace {

// UDP sockets bound to one port on both families, without SO_REUSEADDR: nobody else can bind
// that port on either (Linux lets a UDP port be shared only when every socket asks for it).
struct taken_port {
    asio::io_context io;
    udp::socket v4{io};
    udp::socket v6{io};
    std::uint16_t port = 0;

    taken_port() {
        for (int attempt = 0; attempt < 100; ++attempt) {
            v4 = udp::socket(io, udp::endpoint(asio::ip::address_v4::any(), 0));
            port = v4.local_endpoint().port();
            std::error_code ec;
            v6 = udp::socket(io);
            v6.open(udp::v6(), ec);
            if (ec) return;  // no IPv6 here: the listener cannot open it either
            v6.set_option(asio::ip::v6_only(true));
            v6.bind(udp::endpoint(asio::ip::address_v6::any(), port), ec);
            if (!ec) return;
            v6.close();  // someone has this port on IPv6: try another one
        }
        FAIL("no UDP port free on both IPv4 and IPv6");
    }
};

}  // namespace

TEST_CASE("a LAN listener that cannot bind says why, not \"Success\"", "[lan]") {
    taken_port taken;
    asio::io_context io;
    std::optional<failure> result;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            try {
                const std::uint16_t port = taken.port;
                co_await receiver::find_sender_on_lan(1, std::chrono::seconds(5), port);
            } catch (const failure& f) {
                result = f;
            }
        },
        asio::detached);
    io.run();
    REQUIRE(result.has_value());
    CHECK(result->code() == exit_code::network);
    const std::string text = result->what();
    INFO(text);
    CHECK_THAT(text, Catch::Contains("cannot listen for LAN announcements on UDP port " +
                                     std::to_string(taken.port)));
    CHECK_THAT(text, Catch::Contains(std::strerror(EADDRINUSE)));
    CHECK_THAT(text, !Catch::Contains("Success"));
}
