#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace ferry::test {

// Waiting for something observable to happen instead of sleeping and hoping it did: each
// checks its condition every few milliseconds and gives up at the timeout.

// True as soon as `condition` holds; false if it still does not at the timeout.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// True once a TCP connection to host:port is accepted.
bool port_accepts(std::uint16_t port, const std::string& host = "127.0.0.1");
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                   const std::string& host = "127.0.0.1");

// Bytes a process (all its threads) has passed to read(2) and write(2)-like calls so far:
// file reads and writes, not socket sends and receives (Linux /proc/PID/io rchar and wchar).
struct io_counters {
    std::uint64_t read = 0;
    std::uint64_t written = 0;
};
io_counters io_of(pid_t pid);

// Bytes a connected TCP socket has sent that the peer has not acknowledged yet (SIOCOUTQ).
std::size_t unacknowledged(int socket);

}  // namespace ferry::test
