#include "receiver/offer_replies.hpp"

#include <optional>

#include <fmt/format.h>

#include "common/transfer/message_channel.hpp"
#include "common/transfer/still_here.hpp"
#include "receiver/sender_stopped.hpp"

namespace ferry::receiver {

std::string for_the_sender(const failure& f) {
    const std::string_view text = f.what();
    const auto colon = text.rfind(": ");
    if (colon == std::string_view::npos) return "the receiver could not write the file";
    return fmt::format("the receiver could not write the file: {}", text.substr(colon + 2));
}

awaitable<void> refuse(record_channel& channel, msg::reason why, std::string_view text) {
    const msg::message m = msg::refuse{why, std::string(text)};
    co_await send_message(channel, m);
}

awaitable<void> open_or_refuse(record_channel& channel, const std::function<void()>& open) {
    std::optional<failure> local;
    try {
        open();
    } catch (const failure& f) {
        local = f;
    }
    if (!local) co_return;
    const auto text = for_the_sender(*local);
    co_await refuse(channel, msg::reason::local_io, text);
    throw *local;
}

awaitable<msg::message> sender_answer(record_channel& channel) {
    auto answer = co_await receive_message(channel);
    while (std::holds_alternative<msg::keepalive>(answer)) {
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto next = co_await receive_message(channel);
        answer = std::move(next);
    }
    if (const auto* a = std::get_if<msg::abort>(&answer)) throw sender_stopped(*a);
    co_return answer;
}

awaitable<void> in_steps(record_channel& channel, deadline& activity,
                         clock::duration keepalive_every, const std::function<bool()>& step) {
    transfer::still_here alive(channel, keepalive_every);
    while (!step()) {
        activity.extend();
        co_await alive.tick_and_yield();
    }
}

}  // namespace ferry::receiver
