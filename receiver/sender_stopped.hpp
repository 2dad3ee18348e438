#pragma once

#include "common/transfer/last_words.hpp"
#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"

namespace ferry::receiver {

// An ABORT from the sender: "the sender stopped: " and its own words when it gave any ("the share
// ended before this download finished"), else its reason's ("cancelled").
inline failure sender_stopped(const msg::abort& a) {
    return transfer::peer_stopped("the sender stopped", a, transfer::abort_text::words_else_reason);
}

}  // namespace ferry::receiver
