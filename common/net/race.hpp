#pragma once

#include <cstddef>

#include "common/net/asio.hpp"

namespace ferry {

// Runs both concurrently. Whichever completes first, normally or with an exception, wins: the
// other is cancelled and waited for, then race() returns the winner's index (0 or 1) or
// rethrows its exception. (Asio 1.22's `||` waits for the first *success* instead, so an error
// on one side would sit until a timeout on the other; this is the timeout combinator we need.)
awaitable<std::size_t> race(awaitable<void> a, awaitable<void> b);

// Runs both concurrently until both complete; the first exception cancels the other and is
// rethrown.
awaitable<void> both(awaitable<void> a, awaitable<void> b);

}  // namespace ferry
