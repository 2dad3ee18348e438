#pragma once

#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"

// Transfer messages over a record channel: one message per record.
namespace ferry {

awaitable<void> send_message(record_channel& channel, const msg::message& m);
// The next record, decoded; a DATA message's bytes stay valid until the next receive.
awaitable<msg::message> receive_message(record_channel& channel);

}  // namespace ferry
