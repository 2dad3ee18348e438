#pragma once

#include <functional>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"

namespace ferry {

// Runs one client command on its own io_context: the work, an inactivity watchdog on `activity`
// and a stop signal (Ctrl-C, SIGTERM, SIGHUP: noted, see stop_signal.hpp), whichever ends first.
// Throws failure for every way it can go wrong: the work's own failures, network and protocol
// errors mapped to exit codes, a timeout, a signal (its own exit code).
void run_client(const std::function<awaitable<void>(deadline& activity)>& work);

}  // namespace ferry
