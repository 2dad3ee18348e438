#include "relay/pipe.hpp"

#include "common/deadline.hpp"
#include "common/race.hpp"

namespace ferry::relay {

namespace {

using asio::experimental::as_tuple;

awaitable<void> transfer(tcp::socket& from, tcp::socket& to, std::vector<std::uint8_t>& buffer,
                         std::uint64_t& count, deadline& activity) {
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
        if (write_ec) throw std::system_error(write_ec);
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
    try {
        const auto ended = co_await race(both(transfer(a, b, buffer_ab, result.a_to_b, activity),
                                              transfer(b, a, buffer_ba, result.b_to_a, activity)),
                                         watchdog(activity));
        result.outcome = ended == 0 ? pipe_outcome::completed : pipe_outcome::idle_timeout;
    } catch (const std::system_error&) {
        result.outcome = pipe_outcome::reset;
    }
    co_return result;
}

}  // namespace ferry::relay
