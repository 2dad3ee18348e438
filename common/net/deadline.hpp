#pragma once

#include <chrono>

#include "common/net/asio.hpp"

namespace ferry {

using clock = std::chrono::steady_clock;

// A named step of a client's conversation and how long it may go without a byte
// (common/net/phases.hpp).
struct phase {
    const char* name;
    clock::duration idle;
};

// An inactivity deadline shared by the I/O loops of one connection. Each completed I/O moves it
// forward; watchdog() returns once it has passed, and race(work, watchdog(d)) then cancels the
// work.
struct deadline {
    clock::duration idle{std::chrono::minutes(5)};
    clock::time_point at{clock::now() + idle};
    const char* phase_name = "the transfer";  // for the message when the deadline passes

    void extend() { at = clock::now() + idle; }
    void set(clock::duration d) {
        idle = d;
        extend();
    }
    // A new phase begins: its limit applies from now.
    void enter(const phase& p) {
        phase_name = p.name;
        set(p.idle);
    }
    // The same phase with a limit chosen at run time (the receiver's --accept-timeout).
    void enter(const char* name, clock::duration d) {
        phase_name = name;
        set(d);
    }
};

awaitable<void> watchdog(const deadline& d);

// Completes after the duration: the timeout side of race(op, sleep_for(t)).
awaitable<void> sleep_for(clock::duration d);

}  // namespace ferry
