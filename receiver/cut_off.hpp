#pragma once

#include <string>
#include <utility>

#include "common/wire/wire_error.hpp"

namespace ferry::receiver {

// The connection ended before the transfer did; `progress` says how far it had come, for the
// message that explains who left ("after 4.00 MiB of 1.00 GiB; nothing was saved").
struct cut_off : connection_closed {
    cut_off(const connection_closed& e, std::string p)
        : connection_closed(e), progress(std::move(p)) {}
    std::string progress;
};

}  // namespace ferry::receiver
