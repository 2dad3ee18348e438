#pragma once

#include <chrono>
#include <cstdint>

#include "sender/sender.hpp"

namespace ferry::sender {

struct share_options {
    options send;                         // what to share and how to reach the relay
    std::uint64_t max_receivers = 0;      // downloads to serve, then take no one new (0: no limit)
    std::chrono::milliseconds expire{0};  // take no one new after this (0: until stopped)
    std::chrono::milliseconds grace{std::chrono::seconds(30)};  // downloads running at the end
    std::uint64_t max_failures = 10;  // wrong codes tolerated; the next one closes the share
};

// `ferry share`: many receivers, each in a session of its own, take all or part of the files
// and folders in opts.send.paths, until Ctrl-C, --expire, --max-receivers or too many wrong
// codes. Returns when the share has ended and its downloads with it; throws failure for a
// relay that cannot host a share, and failure(wrong_code) when guesses closed it.
void share(const share_options& opts);

}  // namespace ferry::sender
