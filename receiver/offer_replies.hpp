#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"

// The receiver's short exchanges around an offer, for a file and a tree alike: a refusal, the
// sender's answer to a resume, and the local work done meanwhile.
namespace ferry::receiver {

// What the sender is told of a local failure: the cause ("No space left on device"), never the
// receiver's paths. Local failures read "<what, with a path>: <strerror text>".
std::string for_the_sender(const failure& f);

// REFUSE. Callers pass named values or literals only (docs/architecture.md, GCC 12 and
// co_await).
awaitable<void> refuse(record_channel& channel, msg::reason why, std::string_view text);

// Runs `open` (it makes a partial file, a partial tree or a staging folder); its failure is told
// to the sender (REFUSE, a local I/O error) and thrown.
awaitable<void> open_or_refuse(record_channel& channel, const std::function<void()>& open);

// The sender's answer to a resume, past the KEEPALIVEs it sends while it hashes; its ABORT is
// thrown.
awaitable<msg::message> sender_answer(record_channel& channel);

// Runs `step` until it says done (reading back kept bytes on this thread, a few MiB a step):
// between steps the loop lets signals and the watchdog in (`activity` is extended), and the
// sender is told every `keepalive_every` that this side is still here.
awaitable<void> in_steps(record_channel& channel, deadline& activity,
                         clock::duration keepalive_every, const std::function<bool()>& step);

}  // namespace ferry::receiver
