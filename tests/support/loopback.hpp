#pragma once

#include <cstdint>

// Plain-socket helpers for the test forwarders (blocking, IPv4 loopback).
namespace ferry::test {

// A listening socket on 127.0.0.1 at an ephemeral port, written to `port`; throws
// std::runtime_error naming `who` if it cannot listen.
int listen_on_loopback(std::uint16_t& port, const char* who);

// A socket connected to 127.0.0.1:port, or -1.
int connect_to_loopback(std::uint16_t port);

}  // namespace ferry::test
