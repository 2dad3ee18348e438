#pragma once

#include <functional>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"

namespace ferry {

// Runs one client command on its own io_context: the work, an inactivity watchdog on `activity`
// and Ctrl-C, whichever ends first. Throws failure for every way it can go wrong: the work's
// own failures, network and protocol errors mapped to exit codes, a timeout, an interrupt.
void run_client(const std::function<awaitable<void>(deadline& activity)>& work);

}  // namespace ferry
