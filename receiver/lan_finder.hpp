#pragma once

#include <cstdint>
#include <optional>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/wire/lan.hpp"

namespace ferry::receiver {

// Listens for the LAN announcement of `nameplate` (IPv4 and IPv6 link-local groups, all
// interfaces). Returns the sender's relay endpoint: the datagram's source address and the
// announced port; nullopt if none came within `timeout`. `port`: the UDP port to listen on
// (tests use another one). failure(network), with the cause, if neither family can listen.
awaitable<std::optional<tcp::endpoint>> find_sender_on_lan(std::uint32_t nameplate,
                                                           clock::duration timeout,
                                                           std::uint16_t port = lan::udp_port);

}  // namespace ferry::receiver
