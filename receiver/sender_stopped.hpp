#pragma once

#include <fmt/format.h>

#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

namespace ferry::receiver {

// An ABORT from the sender: "the sender stopped: " and its own words when it gave any ("the share
// ended before this download finished"), else its reason's ("cancelled").
inline failure sender_stopped(const msg::abort& a) {
    return failure(exit_code::peer, fmt::format("the sender stopped: {}",
                                                a.text.empty() ? std::string(msg::describe(a.why))
                                                               : printable(a.text)));
}

}  // namespace ferry::receiver
