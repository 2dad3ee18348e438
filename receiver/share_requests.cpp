#include "receiver/share_requests.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/transfer/message_channel.hpp"
#include "common/ui/command_hint.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/sender_stopped.hpp"
#include "receiver/share_listing.hpp"

namespace ferry::receiver {

awaitable<msg::message> ask_share(record_channel& channel, const options& opts) {
    const msg::message want = msg::want{msg::want_mode::take, opts.take};
    co_await send_message(channel, want);
    auto answer = co_await receive_message(channel);
    if (const auto* a = std::get_if<msg::abort>(&answer)) {
        if (a->why != msg::reason::not_shared) throw sender_stopped(*a);
        std::vector<std::string> list{"ferry", "receive"};
        if (!opts.lan) list.insert(list.end(), {"--relay", opts.relay.text()});
        list.insert(list.end(), {opts.code, "--list"});
        throw failure(exit_code::usage,
                      fmt::format("the share cannot give that: {}; see `{}` for what it holds",
                                  printable(a->text), command_text(list)));
    }
    co_return answer;
}

awaitable<void> list_share(record_channel& channel) {
    const msg::message want = msg::want{msg::want_mode::list, {}};
    co_await send_message(channel, want);
    share_listing listing([](const std::string& line) { fmt::print("{}", line); });
    for (;;) {
        const auto m = co_await receive_message(channel);
        if (const auto* e = std::get_if<msg::entry>(&m)) {
            listing.add(*e);
            continue;
        }
        if (const auto* a = std::get_if<msg::abort>(&m)) throw sender_stopped(*a);
        const auto* end = std::get_if<msg::listed>(&m);
        if (end == nullptr) throw wire_error("the share sent something unexpected in its listing");
        if (end->entries != listing.size()) {
            throw wire_error(fmt::format("the share listed {} entries and counted {}",
                                         listing.size(), end->entries));
        }
        break;
    }
    channel.end_session();
    listing.finish();
}

}  // namespace ferry::receiver
