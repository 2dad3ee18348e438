#pragma once

#include "common/ui/exit_code.hpp"

namespace ferry::test {

// The product's exit codes (common/ui/exit_code.hpp, the table in README.md) as the numbers
// process::wait() returns.
constexpr int exit_of(exit_code code) {
    return static_cast<int>(code);
}
constexpr int exit_internal = exit_of(exit_code::internal);
constexpr int exit_usage = exit_of(exit_code::usage);
constexpr int exit_network = exit_of(exit_code::network);
// README: "relay unreachable, connection lost or protocol error": one code for both.
constexpr int exit_protocol = exit_network;
constexpr int exit_wrong_code = exit_of(exit_code::wrong_code);
constexpr int exit_peer = exit_of(exit_code::peer);
constexpr int exit_integrity = exit_of(exit_code::integrity);
constexpr int exit_local_io = exit_of(exit_code::local_io);
constexpr int exit_no_sender = exit_of(exit_code::no_sender);
constexpr int exit_interrupted = exit_of(exit_code::interrupted);
constexpr int exit_terminated = exit_of(exit_code::terminated);
constexpr int exit_hangup = exit_of(exit_code::hangup);

// The numbers are the documented interface (README's table): a renumbered enum fails here, not
// silently in every test that follows it.
static_assert(exit_internal == 1 && exit_usage == 2 && exit_network == 3 && exit_wrong_code == 4 &&
              exit_peer == 5 && exit_integrity == 6 && exit_local_io == 7 && exit_no_sender == 8 &&
              exit_hangup == 129 && exit_interrupted == 130 && exit_terminated == 143);

}  // namespace ferry::test
