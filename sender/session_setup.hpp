#pragma once

#include <cstddef>

#include "common/net/phases.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "sender/sender.hpp"
#include "sender/source.hpp"

// The choices a sender makes once it knows its receiver's HELLO, for a send and a share alike.
namespace ferry::sender {

// --compress as far as the receiver takes it: off for one that cannot decompress (said, when a
// level was asked for) and for a text, which is small.
int compression_for(const options& opts, const msg::hello& peer, const source& what);

// Both sides announced it and --reconnect-for is not 0: a broken connection is reconnected
// through the same relay (in LAN mode the one in this process), keeping `window` bytes to send
// again; `bye_within`: reconnect_plan's.
void plan_reconnects(record_channel& channel, const options& opts, const msg::hello& peer,
                     std::size_t window = default_replay_window,
                     std::chrono::milliseconds bye_within = phases::abort_grace);

}  // namespace ferry::sender
