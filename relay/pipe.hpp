#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/net/asio.hpp"

namespace ferry::relay {

enum class pipe_outcome { completed, idle_timeout, reset };
enum class pipe_mode { automatic, copy };

struct pipe_result {
    pipe_outcome outcome = pipe_outcome::completed;
    std::uint64_t a_to_b = 0;
    std::uint64_t b_to_a = 0;
};

const char* describe(pipe_outcome o);

// Moves bytes both ways between two connected sockets until both directions have ended. Each
// direction owns one fixed buffer of `buffer_size` and writes what it read before reading again,
// so memory is bounded and a slow reader slows the writer down. With pipe_mode::automatic the
// buffer is a kernel pipe and the bytes move by splice(2), never copied through the relay's
// memory; where that cannot be had, or with pipe_mode::copy, a buffer in memory and read/write. EOF
// on one side is passed on as a half-close; a failed read (a reset) is passed on at once as a
// half-close too, so that the other client stops instead of waiting for the idle timeout; a
// failed write ends its own direction only (the other still delivers what was said before the
// reset), and what its reader still sends is drained so that closing it does not reset it;
// `idle` without a byte either way ends both, and so does `half_close` after one direction
// ended while the other did not (a client gone silent). A pair with a failed read or write,
// or ended by `half_close`, ends as reset.
// `result` counts the bytes as they go (the metrics read it while the pair runs) and holds the
// outcome at the end.
awaitable<void> pipe(tcp::socket& a, tcp::socket& b, pipe_result& result,
                     std::chrono::milliseconds idle, std::size_t buffer_size,
                     pipe_mode mode = pipe_mode::automatic,
                     std::chrono::milliseconds half_close = std::chrono::seconds(30));

}  // namespace ferry::relay
