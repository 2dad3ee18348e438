#pragma once

#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "receiver/receiver.hpp"

// What a receiver asks of a share (`ferry share`), once it said SHARED.
namespace ferry::receiver {

// WANT the paths asked for (none: everything); the share answers with their OFFER, or an ABORT
// naming a path it does not have.
awaitable<msg::message> ask_share(record_channel& channel, const options& opts);

// --list: the share's ENTRY records up to LISTED, each line printed as it comes; nothing is
// written. A listing cut short ends with the error after the lines that came.
awaitable<void> list_share(record_channel& channel);

}  // namespace ferry::receiver
