#include "common/transfer/message_channel.hpp"

#include <algorithm>

namespace ferry {

awaitable<void> send_message(record_channel& channel, const msg::message& m) {
    const auto bytes = msg::encode(m);
    std::copy(bytes.begin(), bytes.end(), channel.prepare().begin());
    co_await channel.send(bytes.size());
}

awaitable<msg::message> receive_message(record_channel& channel) {
    const auto payload = co_await channel.receive();
    co_return msg::decode(payload);
}

}  // namespace ferry
