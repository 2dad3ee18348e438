#pragma once

#include <cstdint>
#include <string>

#include "common/address.hpp"
#include "common/asio.hpp"
#include "common/deadline.hpp"

// The client side of the relay hello: connect, then allocate (sender) or claim (receiver).
namespace ferry {

// Resolves and connects, trying each address; failure(network) with the reason if none answers.
awaitable<tcp::socket> connect_relay(const host_port& relay, clock::duration timeout);

// Connects to a known endpoint (a LAN sender's relay); failure(network) if it does not answer.
awaitable<tcp::socket> connect_endpoint(const tcp::endpoint& endpoint, clock::duration timeout);

// Sender: asks for a nameplate.
awaitable<std::uint32_t> allocate_nameplate(tcp::socket& socket);
// Sender: waits until a receiver has claimed the nameplate (the relay bounds this wait).
awaitable<void> wait_paired(tcp::socket& socket);
// Receiver: claims the nameplate; returns once paired.
awaitable<void> claim_nameplate(tcp::socket& socket, std::uint32_t nameplate);

// Asks a relay who it is: returns its PONG text (e.g. "ferry-relay 0.1.0").
awaitable<std::string> ping_relay(tcp::socket& socket);

}  // namespace ferry
