#include "sender/lan_announcer.hpp"

#include <chrono>

#include "common/net/interfaces.hpp"
#include "common/wire/lan.hpp"

namespace ferry::sender {

using asio::ip::udp;
namespace multicast = asio::ip::multicast;

awaitable<void> announce_on_lan(std::uint32_t nameplate, std::uint16_t port) {
    auto ex = co_await asio::this_coro::executor;
    const auto datagram = lan::encode({nameplate, port});
    const auto group4 = asio::ip::make_address_v4(lan::group_v4);
    const auto group6 = asio::ip::make_address_v6(lan::group_v6);
    std::error_code ec;
    udp::socket v4(ex);
    udp::socket v6(ex);
    v4.open(udp::v4(), ec);
    v4.set_option(multicast::hops(1), ec);  // never beyond the local network
    v4.set_option(multicast::enable_loopback(true), ec);
    v6.open(udp::v6(), ec);
    v6.set_option(multicast::hops(1), ec);
    v6.set_option(multicast::enable_loopback(true), ec);
    asio::steady_timer pause(ex);
    for (;;) {
        // Interfaces may come and go while the sender waits: look again each round.
        for (const auto& i : local_interfaces()) {
            if (!i.multicast) continue;
            if (i.address.is_v4() && v4.is_open()) {
                v4.set_option(multicast::outbound_interface(i.address.to_v4()), ec);
                v4.send_to(asio::buffer(datagram), udp::endpoint(group4, lan::udp_port), 0, ec);
            } else if (i.address.is_v6() && i.address.to_v6().is_link_local() && v6.is_open()) {
                auto group = group6;
                group.scope_id(i.index);
                v6.set_option(multicast::outbound_interface(i.index), ec);
                v6.send_to(asio::buffer(datagram), udp::endpoint(group, lan::udp_port), 0, ec);
            }
        }
        pause.expires_after(std::chrono::milliseconds(500));
        co_await pause.async_wait(use_awaitable);
    }
}

}  // namespace ferry::sender
