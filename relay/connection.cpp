#include "relay/connection.hpp"

#include <fmt/format.h>

#include "common/net/deadline.hpp"
#include "common/net/phases.hpp"
#include "common/net/race.hpp"

namespace ferry::relay {

namespace rp = relay_proto;

std::string endpoint_text(const tcp::endpoint& ep) {
    const auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
        return fmt::format("{}:{}",
                           asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).to_string(),
                           ep.port());
    }
    return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                        : fmt::format("{}:{}", addr.to_string(), ep.port());
}

asio::ip::address client_ip(const tcp::endpoint& ep) {
    const auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    return addr;
}

awaitable<bool> send_frame(tcp::socket& socket, const rp::frame& f) {
    const auto bytes = rp::encode(f);
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(bytes),
                                              asio::experimental::as_tuple(use_awaitable));
    co_return !ec;
}

awaitable<void> refuse(tcp::socket& socket, rp::error_code code, std::string_view text) {
    const rp::frame error{rp::frame_type::error, 0, code, std::string(text)};
    // Written or not, the connection is closed next.
    auto say = [&]() -> awaitable<void> { co_await send_frame(socket, error); };
    try {
        co_await race(say(), sleep_for(phases::refusal_grace));
    } catch (const std::exception&) {
        // The client is gone already; closing is all that is left.
    }
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

}  // namespace ferry::relay
