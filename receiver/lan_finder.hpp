#pragma once

#include <cstdint>
#include <optional>

#include "common/asio.hpp"
#include "common/deadline.hpp"

namespace ferry::receiver {

// Listens for the LAN announcement of `nameplate` (IPv4 and IPv6 link-local groups, all
// interfaces). Returns the sender's relay endpoint: the datagram's source address and the
// announced port; nullopt if none came within `timeout`.
awaitable<std::optional<tcp::endpoint>> find_sender_on_lan(std::uint32_t nameplate,
                                                           clock::duration timeout);

}  // namespace ferry::receiver
