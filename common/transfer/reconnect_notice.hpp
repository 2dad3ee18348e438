#pragma once

#include "common/session/record_channel.hpp"

namespace ferry::transfer {

// What the person sees while a broken connection is reconnected: a line when it broke
// ("connection lost (...); reconnecting...") and one when it is back, on standard error, above
// an open progress line; nothing with `quiet`.
void tell_reconnects(reconnect_plan& plan, bool quiet);

}  // namespace ferry::transfer
