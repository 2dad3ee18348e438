#include "common/net/stop_signal.hpp"

#include <csignal>

namespace ferry {

namespace {

std::optional<int> noted;

}  // namespace

stop_signal describe_stop_signal(int number) {
    switch (number) {
        case SIGTERM:
            return {exit_code::terminated, "terminated", "terminated (SIGTERM)"};
        case SIGHUP:
            return {exit_code::hangup, "the terminal closed", "its terminal closed"};
        default:
            return {exit_code::interrupted, "interrupted", "interrupted (Ctrl-C)"};
    }
}

void note_stop_signal(int number) {
    if (!noted) noted = number;
}

std::optional<stop_signal> noted_stop_signal() {
    if (!noted) return std::nullopt;
    return describe_stop_signal(*noted);
}

}  // namespace ferry
