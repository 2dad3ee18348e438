#pragma once

#include <chrono>

#include "common/asio.hpp"

namespace ferry {

using clock = std::chrono::steady_clock;

// An inactivity deadline shared by the I/O loops of one connection. Each completed I/O moves it
// forward; watchdog() returns once it has passed, and race(work, watchdog(d)) then cancels the
// work.
struct deadline {
    clock::duration idle{std::chrono::minutes(5)};
    clock::time_point at{clock::now() + idle};

    void extend() { at = clock::now() + idle; }
    void set(clock::duration d) {
        idle = d;
        extend();
    }
};

awaitable<void> watchdog(const deadline& d);

// Completes after the duration: the timeout side of race(op, sleep_for(t)).
awaitable<void> sleep_for(clock::duration d);

}  // namespace ferry
