#include "relay/pipe.hpp"

#include "common/deadline.hpp"
#include "common/race.hpp"

namespace ferry::relay {

namespace {

using asio::experimental::as_tuple;

// A failed write ends this direction only, with `broken` set: the peer we could not write to is
// gone, but what it said before it went (a receiver's ABORT, say) may still be waiting to be
// read in the other direction, which goes on until its own read fails or ends.
awaitable<void> transfer(tcp::socket& from, tcp::socket& to, std::vector<std::uint8_t>& buffer,
                         std::uint64_t& count, deadline& activity, bool& broken) {
    for (;;) {
        auto [read_ec, n] =
            co_await from.async_read_some(asio::buffer(buffer), as_tuple(use_awaitable));
        if (read_ec == asio::error::eof) {
            std::error_code ignored;
            to.shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
        if (read_ec) throw std::system_error(read_ec);
        activity.extend();
        auto [write_ec, written] =
            co_await asio::async_write(to, asio::buffer(buffer.data(), n), as_tuple(use_awaitable));
        if (write_ec) {
            broken = true;
            co_return;
        }
        count += written;
        activity.extend();
    }
}

}  // namespace

const char* describe(pipe_outcome o) {
    switch (o) {
        case pipe_outcome::completed:
            return "completed";
        case pipe_outcome::idle_timeout:
            return "idle-timeout";
        case pipe_outcome::reset:
            return "connection-lost";
    }
    return "unknown";
}

awaitable<pipe_result> pipe(tcp::socket& a, tcp::socket& b, std::chrono::milliseconds idle,
                            std::vector<std::uint8_t>& buffer_ab,
                            std::vector<std::uint8_t>& buffer_ba) {
    pipe_result result;
    deadline activity;
    activity.set(idle);
    bool broken = false;
    try {
        const auto ended =
            co_await race(both(transfer(a, b, buffer_ab, result.a_to_b, activity, broken),
                               transfer(b, a, buffer_ba, result.b_to_a, activity, broken)),
                          watchdog(activity));
        result.outcome = ended == 1 ? pipe_outcome::idle_timeout
                         : broken   ? pipe_outcome::reset
                                    : pipe_outcome::completed;
    } catch (const std::system_error&) {
        result.outcome = pipe_outcome::reset;
    }
    co_return result;
}

}  // namespace ferry::relay
