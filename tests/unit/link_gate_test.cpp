#include <catch2/catch.hpp>

#include <string>

#include "relay/link_gate.hpp"

using namespace ferry;
using namespace ferry::relay;

TEST_CASE("the link port: a few places per stranger, a share for all, the relays apart",
          "[cluster][link]") {
    link_gate gate;
    const auto relay_ip = asio::ip::make_address("10.0.0.11");
    const auto one = asio::ip::make_address("203.0.113.9");
    for (std::size_t i = 0; i < link_gate::max_per_stranger; ++i)
        CHECK(gate.admit(one, false).empty());
    CHECK(!gate.admit(one, false).empty());
    // One IPv6 host holds its /64: all of it counts as one stranger.
    for (std::size_t i = 0; i < link_gate::max_per_stranger; ++i) {
        const auto v6 = asio::ip::make_address("2001:db8::" + std::to_string(i + 1));
        CHECK(gate.admit(v6, false).empty());
    }
    CHECK(!gate.admit(asio::ip::make_address("2001:db8::ff"), false).empty());
    for (int host = 1; gate.pending() < link_gate::max_strangers; ++host)
        REQUIRE(gate.admit(asio::ip::make_address("198.51.100." + std::to_string(host)), false)
                    .empty());
    CHECK(!gate.admit(asio::ip::make_address("192.0.2.1"), false).empty());
    // Every stranger's place taken: a relay of the cluster still gets in, up to its own cap.
    for (std::size_t i = 0; i < link_gate::max_per_relay; ++i)
        CHECK(gate.admit(relay_ip, true).empty());
    CHECK(!gate.admit(relay_ip, true).empty());
    gate.leave(one, false);
    CHECK(gate.admit(asio::ip::make_address("192.0.2.1"), false).empty());
    CHECK(gate.pending() == link_gate::max_strangers + link_gate::max_per_relay);
}
