#pragma once

#include <string_view>

#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"

// The ABORTs of a transfer: the last words of a side that stops on its own account, and how the
// other side reports them.
namespace ferry::transfer {

// Tells the peer why this side stops (a full disk, a file it cannot read, a share that ends):
// ABORT `a`, given at most phases::abort_grace to go out, so that a peer that no longer reads is
// not waited for. The caller then throws its failure, if any. `a` is a named value
// (docs/architecture.md, GCC 12 and co_await).
awaitable<void> last_words(record_channel& channel, const msg::abort& a);

// How an ABORT from the peer reads in this side's failure (exit_code::peer), after `said` ("the
// receiver stopped"): its reason, then its own words when it gave any ("the receiver stopped:
// no space left: ..."); or, `words_else_reason`, its own words alone when it gave any ("the
// sender stopped: the share ended before this download finished"), else its reason.
enum class abort_text { reason_and_words, words_else_reason };
failure peer_stopped(std::string_view said, const msg::abort& a,
                     abort_text text = abort_text::reason_and_words);

}  // namespace ferry::transfer
