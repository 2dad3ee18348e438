#pragma once

#include <optional>
#include <string_view>

#include "common/ui/exit_code.hpp"

namespace ferry {

// A signal that ends a client command as Ctrl-C does (SIGINT, SIGTERM, SIGHUP): its exit code,
// the words of this side's last line, and the words the peer is told (ABORT, reason cancelled).
struct stop_signal {
    exit_code code = exit_code::interrupted;
    std::string_view here;  // "interrupted", "terminated", "the terminal closed"
    std::string_view peer;  // "interrupted (Ctrl-C)", ...
};

stop_signal describe_stop_signal(int number);

// The signal that stopped this process's client command, noted before its work is cancelled
// so that the channel's farewell (on the way out) can name it. A process runs one command, so
// one value for the process; the command's thread alone writes and reads it.
void note_stop_signal(int number);
std::optional<stop_signal> noted_stop_signal();

}  // namespace ferry
