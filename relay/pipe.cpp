#include "relay/pipe.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <utility>

#include "common/net/deadline.hpp"
#include "common/net/race.hpp"

namespace ferry::relay {

namespace {

using asio::experimental::as_tuple;

// A failed read (a reset) ends this direction and is passed on at once as an orderly end
// (FIN) to the other side, whose client then stops and closes, which ends the other direction:
// nobody waits for the idle timeout, and nobody gets a reset for what another client did.
void pass_on_failure(tcp::socket& to, bool& broken) {
    broken = true;
    std::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

// After a failed write, what `from` still sends is read and dropped until it closes (it has
// been told, or will be, that the pair is over), so that closing its socket with unread bytes
// does not reset it. The idle deadline bounds this: draining does not extend it.
awaitable<void> drain(tcp::socket& from) {
    std::array<std::uint8_t, 16384> sink{};
    for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
        if (ec) co_return;
    }
}

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
        if (read_ec) {
            pass_on_failure(to, broken);
            co_return;
        }
        activity.extend();
        auto [write_ec, written] =
            co_await asio::async_write(to, asio::buffer(buffer.data(), n), as_tuple(use_awaitable));
        if (write_ec) {
            broken = true;
            co_await drain(from);
            co_return;
        }
        count += written;
        activity.extend();
    }
}

// A kernel pipe for splice(2): bytes move socket -> pipe -> socket as page references, never
// copied into the relay's memory. Its capacity bounds what one direction holds, like a buffer.
class kernel_pipe {
  public:
    static std::optional<kernel_pipe> open(std::size_t capacity) {
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) return std::nullopt;
        kernel_pipe p(fds[0], fds[1]);
        // Above /proc/sys/fs/pipe-max-size (1 MiB) this fails and the default (64 KiB) stays;
        // over the user's pipe-page budget a new pipe gets a page or two: then copy instead.
        ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(capacity));
        if (p.capacity() < std::min<std::size_t>(capacity, 65536)) return std::nullopt;
        return p;
    }
    kernel_pipe(kernel_pipe&& o) noexcept
        : read_(std::exchange(o.read_, -1)), write_(std::exchange(o.write_, -1)) {}
    kernel_pipe& operator=(kernel_pipe&& o) noexcept {
        std::swap(read_, o.read_);
        std::swap(write_, o.write_);
        return *this;
    }
    kernel_pipe(const kernel_pipe&) = delete;
    kernel_pipe& operator=(const kernel_pipe&) = delete;
    ~kernel_pipe() {
        if (read_ >= 0) ::close(read_);
        if (write_ >= 0) ::close(write_);
    }
    [[nodiscard]] int read_end() const { return read_; }
    [[nodiscard]] int write_end() const { return write_; }
    [[nodiscard]] std::size_t capacity() const {
        const int n = ::fcntl(write_, F_GETPIPE_SZ);
        return n > 0 ? static_cast<std::size_t>(n) : 65536;
    }

  private:
    kernel_pipe(int r, int w) : read_(r), write_(w) {}
    int read_;
    int write_;
};

// The same loop as transfer(), with splice(2) instead of read/write: everything the pipe holds
// is written out before more is read. Returns true if splice cannot go on with this socket, with
// the pipe empty, so that the rest is copied: splice is not supported here, or it moves nothing
// although the socket is readable (TCP urgent data stops splice but not recv), which would
// otherwise spin the relay's only thread.
awaitable<bool> transfer_spliced(tcp::socket& from, tcp::socket& to, const kernel_pipe& through,
                                 std::uint64_t& count, deadline& activity, bool& broken) {
    constexpr unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
    const auto capacity = through.capacity();
    bool readable = false;  // the last wait said so
    for (;;) {
        const auto n =
            ::splice(from.native_handle(), nullptr, through.write_end(), nullptr, capacity, flags);
        if (n == 0) {
            // Splice also moves nothing at an urgent byte once the peer has half-closed: only a
            // peek that finds nothing either means the end.
            std::uint8_t probe = 0;
            if (::recv(from.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT) != 0) {
                co_return true;
            }
            std::error_code ignored;
            to.shutdown(tcp::socket::shutdown_send, ignored);
            co_return false;
        }
        if (n < 0) {
            const int err = errno;
            if (err == EINVAL || err == ENOSYS || err == EOPNOTSUPP || err == EPERM) co_return true;
            if (err != EAGAIN && err != EINTR) {
                pass_on_failure(to, broken);
                co_return false;
            }
            if (err == EAGAIN && readable) co_return true;
            co_await from.async_wait(tcp::socket::wait_read, use_awaitable);
            readable = true;
            continue;
        }
        readable = false;
        activity.extend();
        auto held = static_cast<std::size_t>(n);
        while (held > 0) {
            const auto m =
                ::splice(through.read_end(), nullptr, to.native_handle(), nullptr, held, flags);
            if (m > 0) {
                held -= static_cast<std::size_t>(m);
                count += static_cast<std::uint64_t>(m);
                activity.extend();
                continue;
            }
            if (m < 0 && (errno == EAGAIN || errno == EINTR)) {
                co_await to.async_wait(tcp::socket::wait_write, use_awaitable);
                continue;
            }
            broken = true;  // as in transfer(): this direction ends, the other goes on
            co_await drain(from);
            co_return false;
        }
    }
}

// One direction: spliced through `through` if there is one, copied through memory otherwise or
// from the moment splice gives up.
awaitable<void> one_way(tcp::socket& from, tcp::socket& to, const kernel_pipe* through,
                        std::size_t buffer_size, std::uint64_t& count, deadline& activity,
                        bool& broken) {
    if (through != nullptr &&
        !co_await transfer_spliced(from, to, *through, count, activity, broken)) {
        co_return;
    }
    std::vector<std::uint8_t> buffer(buffer_size);
    co_await transfer(from, to, buffer, count, activity, broken);
}

// One direction, then the half-close limit armed for the other (the first to end arms it; once
// both have ended, both() is done and the limit no longer matters).
awaitable<void> one_way_then(awaitable<void> direction, asio::steady_timer& half_closed,
                             std::chrono::milliseconds limit) {
    co_await std::move(direction);
    if (half_closed.expiry() == clock::time_point::max()) half_closed.expires_after(limit);
}

// Completes once the half-close limit, armed, has passed. Arming it aborts the wait under way,
// which then waits again; a cancellation by race() ends it.
awaitable<void> half_close_passed(asio::steady_timer& half_closed) {
    for (;;) {
        auto [ec] = co_await half_closed.async_wait(as_tuple(use_awaitable));
        if (!ec) co_return;
        const auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none) throw std::system_error(ec);
    }
}

// The idle watchdog or the half-close limit, whichever passes first; `idle` tells which.
awaitable<void> pair_limits(const deadline& activity, asio::steady_timer& half_closed, bool& idle) {
    idle = co_await race(watchdog(activity), half_close_passed(half_closed)) == 0;
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

awaitable<void> pipe(tcp::socket& a, tcp::socket& b, pipe_result& result,
                     std::chrono::milliseconds idle, std::size_t buffer_size, pipe_mode mode,
                     std::chrono::milliseconds half_close) {
    deadline activity;
    asio::steady_timer half_closed(a.get_executor(), clock::time_point::max());
    bool idled = false;
    activity.set(idle);
    bool broken = false;
    std::optional<kernel_pipe> pipe_ab;
    std::optional<kernel_pipe> pipe_ba;
    std::error_code ec;
    if (mode == pipe_mode::automatic) {
        a.native_non_blocking(true, ec);  // splice() must not block the relay's only thread
        if (!ec) b.native_non_blocking(true, ec);
        if (!ec) pipe_ab = kernel_pipe::open(buffer_size);
        if (pipe_ab) pipe_ba = kernel_pipe::open(buffer_size);
        if (!pipe_ba) pipe_ab.reset();  // both or neither: copy through memory
    }
    const kernel_pipe* through_ab = pipe_ab ? &*pipe_ab : nullptr;
    const kernel_pipe* through_ba = pipe_ba ? &*pipe_ba : nullptr;
    try {
        const auto ended = co_await race(both(one_way_then(one_way(a, b, through_ab, buffer_size,
                                                                   result.a_to_b, activity, broken),
                                                           half_closed, half_close),
                                              one_way_then(one_way(b, a, through_ba, buffer_size,
                                                                   result.b_to_a, activity, broken),
                                                           half_closed, half_close)),
                                         pair_limits(activity, half_closed, idled));
        result.outcome = ended == 1 && idled    ? pipe_outcome::idle_timeout
                         : ended == 1 || broken ? pipe_outcome::reset
                                                : pipe_outcome::completed;
    } catch (const std::system_error&) {
        result.outcome = pipe_outcome::reset;
    }
}

}  // namespace ferry::relay
