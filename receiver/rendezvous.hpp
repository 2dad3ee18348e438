#pragma once

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/code.hpp"
#include "receiver/receiver.hpp"

namespace ferry::receiver {

// The first step of a receive: reaches the relay (in LAN mode, the sender's own, found by its
// announcement) and claims the code's nameplate. Returns the socket paired with the sender's.
awaitable<tcp::socket> meet_sender(const options& opts, const code& c, deadline& activity);

}  // namespace ferry::receiver
