#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/net/asio.hpp"

namespace ferry {

inline constexpr std::uint16_t default_relay_port = 9009;

struct host_port {
    std::string host;
    std::uint16_t port = 0;
    [[nodiscard]] std::string text() const;  // "host:port" or "[v6]:port"
};

// Accepts host:port, [v6]:port, a bare host or v6 address (default port), and any of these after
// tcp:// (as ngrok prints it). Port 0 (any free port) only for listening. Throws failure(usage)
// with a clear message.
host_port parse_host_port(std::string_view text, std::uint16_t default_port = default_relay_port,
                          bool allow_port_zero = false);

// Parses the address of a listening option (`flag`, named in errors): IP:port, [v6]:port,
// localhost:port (127.0.0.1), or :port / a bare port on bare_port_host (every interface for
// --listen; loopback for --metrics).
tcp::endpoint listen_endpoint(
    std::string_view text, std::string_view flag = "--listen",
    const asio::ip::address& bare_port_host = asio::ip::address_v6::any());

}  // namespace ferry
