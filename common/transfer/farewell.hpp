#pragma once

#include "common/session/record_channel.hpp"

namespace ferry::transfer {

// A command stopped by a signal (Ctrl-C, SIGTERM, SIGHUP: stop_signal.hpp) tells its peer why
// on the way out: ABORT (reason cancelled, "its terminal closed"), then the channel's BYE. The
// peer reports "the ... stopped" at once instead of reconnecting to a side that is gone.
void tell_peer_on_stop_signal(record_channel& channel);

}  // namespace ferry::transfer
