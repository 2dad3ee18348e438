#include "common/transfer/last_words.hpp"

#include <string>

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/ui/text.hpp"

namespace ferry::transfer {

awaitable<void> last_words(record_channel& channel, const msg::abort& a) {
    const msg::message abort = a;
    co_await race(send_message(channel, abort), sleep_for(phases::abort_grace));
}

failure peer_stopped(std::string_view said, const msg::abort& a, abort_text text) {
    if (text == abort_text::words_else_reason) {
        return failure(
            exit_code::peer,
            fmt::format("{}: {}", said,
                        a.text.empty() ? std::string(msg::describe(a.why)) : printable(a.text)));
    }
    return failure(exit_code::peer, fmt::format("{}: {}{}{}", said, msg::describe(a.why),
                                                a.text.empty() ? "" : ": ", printable(a.text)));
}

}  // namespace ferry::transfer
