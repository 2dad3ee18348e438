#include "common/transfer/reconnect_notice.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"

namespace ferry::transfer {

void tell_reconnects(reconnect_plan& plan, bool quiet) {
    if (quiet) return;
    plan.on_lost = [](const std::string& cause) {
        end_status_line();
        fmt::print(stderr, "ferry: connection lost ({}); reconnecting...\n", printable(cause));
        std::fflush(stderr);
    };
    plan.on_back = [] {
        end_status_line();
        fmt::print(stderr, "ferry: reconnected; carrying on\n");
        std::fflush(stderr);
    };
}

}  // namespace ferry::transfer
