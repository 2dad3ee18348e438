#pragma once

#include <chrono>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/record_channel.hpp"

namespace ferry::transfer {

// While this side works on something long of its own before the data (hashing the bytes a
// resuming receiver kept, checking its kept entries), a KEEPALIVE every `every` tells the peer
// it is still here: the relay's idle limit and the peer's watchdog stay away meanwhile.
class still_here {
  public:
    still_here(record_channel& channel, clock::duration every) : channel_(channel), every_(every) {}

    // A KEEPALIVE if one is due.
    awaitable<void> tick();
    // tick(), then lets the loop in (a signal, the watchdog), also when the work did not wait.
    awaitable<void> tick_and_yield();

  private:
    record_channel& channel_;
    clock::duration every_;
    clock::time_point told_ = clock::now();
};

}  // namespace ferry::transfer
