#pragma once

#include <functional>
#include <string>

#include <spdlog/common.h>

#include "common/net/asio.hpp"

namespace ferry::relay {

// Accepts on `acceptor` until `stopped()` (checked before and after each accept; closing the
// acceptor ends the wait), giving each connection to `handle`, which applies its own limits. A
// failed accept (EMFILE and friends) is logged at `level` as "`failed`: why" and retried shortly
// instead of spinning. The acceptor must outlive the loop.
awaitable<void> accept_loop(tcp::acceptor& acceptor, std::function<bool()> stopped,
                            spdlog::level::level_enum level, std::string failed,
                            std::function<void(tcp::socket)> handle);

}  // namespace ferry::relay
