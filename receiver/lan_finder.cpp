#include "receiver/lan_finder.hpp"

#include <array>

#include <fmt/format.h>

#include "common/net/interfaces.hpp"
#include "common/net/race.hpp"
#include "common/ui/exit_code.hpp"
#include "common/wire/lan.hpp"

namespace ferry::receiver {

using asio::ip::udp;
namespace multicast = asio::ip::multicast;

namespace {

awaitable<void> listen(udp::socket& socket, std::uint32_t nameplate,
                       std::optional<tcp::endpoint>& found) {
    if (!socket.is_open()) {
        co_await sleep_for(std::chrono::hours(24));  // this family is not available: never wins
    }
    std::array<std::uint8_t, 64> buffer{};
    udp::endpoint from;
    for (;;) {
        auto [ec, n] = co_await socket.async_receive_from(
            asio::buffer(buffer), from, asio::experimental::as_tuple(use_awaitable));
        if (ec) throw std::system_error(ec);
        // Anyone on the network can announce anything: a spoofed announcement can only lead to
        // a key exchange that fails as a wrong code.
        const auto a = lan::decode(byte_span(buffer.data(), n));
        if (a && a->nameplate == nameplate) {
            found = tcp::endpoint(from.address(), a->port);
            co_return;
        }
    }
}

// Opens and binds one family's socket. On failure the socket is left closed and `error` keeps
// the cause: closing after a failed bind would otherwise overwrite it with "Success".
void open_listener(udp::socket& socket, const udp& protocol, std::uint16_t port,
                   std::error_code& error) {
    std::error_code ignored;
    socket.open(protocol, error);
    if (error) return;
    if (protocol == udp::v6()) socket.set_option(asio::ip::v6_only(true), ignored);
    socket.set_option(udp::socket::reuse_address(true), ignored);
    socket.bind(udp::endpoint(protocol, port), error);
    if (error) socket.close(ignored);
}

std::string bind_errors(const std::error_code& v4, const std::error_code& v6) {
    if (v4 == v6) return v4.message();
    return fmt::format("{} (IPv6: {})", v4.message(), v6.message());
}

}  // namespace

awaitable<std::optional<tcp::endpoint>> find_sender_on_lan(std::uint32_t nameplate,
                                                           clock::duration timeout,
                                                           std::uint16_t port) {
    auto ex = co_await asio::this_coro::executor;
    const auto group4 = asio::ip::make_address_v4(lan::group_v4);
    const auto group6 = asio::ip::make_address_v6(lan::group_v6);
    const auto interfaces = local_interfaces();
    udp::socket v4(ex);
    udp::socket v6(ex);
    std::error_code v4_error;
    std::error_code v6_error;
    open_listener(v4, udp::v4(), port, v4_error);
    open_listener(v6, udp::v6(), port, v6_error);
    if (!v4.is_open() && !v6.is_open()) {
        throw failure(exit_code::network,
                      fmt::format("cannot listen for LAN announcements on UDP port {}: {}", port,
                                  bind_errors(v4_error, v6_error)));
    }
    std::error_code ec;  // joining a group is best effort: an interface may refuse it
    for (const auto& i : interfaces) {
        if (!i.multicast) continue;
        if (i.address.is_v4() && v4.is_open()) {
            v4.set_option(multicast::join_group(group4, i.address.to_v4()), ec);
        } else if (i.address.is_v6() && i.address.to_v6().is_link_local() && v6.is_open()) {
            v6.set_option(multicast::join_group(group6, i.index), ec);
        }
    }
    std::optional<tcp::endpoint> found;
    auto either = [&]() -> awaitable<void> {
        co_await race(listen(v4, nameplate, found), listen(v6, nameplate, found));
    };
    co_await race(either(), sleep_for(timeout));
    co_return found;
}

}  // namespace ferry::receiver
