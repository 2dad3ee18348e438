#pragma once

#include <cstdint>

#include "common/net/asio.hpp"

namespace ferry::sender {

// Announces {nameplate, port} by UDP multicast (common/lan.hpp) on every multicast-capable
// interface, IPv4 and IPv6 link-local, twice a second, until cancelled.
awaitable<void> announce_on_lan(std::uint32_t nameplate, std::uint16_t port);

}  // namespace ferry::sender
