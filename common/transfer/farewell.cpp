#include "common/transfer/farewell.hpp"

#include <string>

#include "common/net/stop_signal.hpp"
#include "common/transfer/message.hpp"

namespace ferry::transfer {

void tell_peer_on_stop_signal(record_channel& channel) {
    channel.set_farewell([]() -> std::vector<std::uint8_t> {
        const auto stopped = noted_stop_signal();
        if (!stopped) return {};
        return msg::encode(msg::abort{msg::reason::cancelled, std::string(stopped->peer)});
    });
}

}  // namespace ferry::transfer
