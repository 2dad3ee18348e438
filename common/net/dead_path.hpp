#pragma once

#include <chrono>

#include "common/net/asio.hpp"

namespace ferry {

// TCP keepalive and a user timeout: a connection whose path died without a word (a NAT that
// forgot it, a pulled cable) fails with an error within `within` instead of never. Keepalive
// probes start after a third of it idle; data unacknowledged for all of it ends the connection.
void detect_dead_path(tcp::socket& socket, std::chrono::seconds within = std::chrono::seconds(45));

}  // namespace ferry
