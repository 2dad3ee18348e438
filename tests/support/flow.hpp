#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>

// What the forwarders of the tests share: one direction's bytes in flight, and a hard close.
namespace ferry::test {

// SO_LINGER 0 makes close() send RST instead of FIN and drop whatever was not sent yet.
inline void reset_and_close(int fd) {
    const linger now{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    ::close(fd);
}

// One direction's bytes in flight: read from its source only when empty, written until empty.
struct flow {
    std::array<char, 64 * 1024> buffer{};
    std::size_t begin = 0;
    std::size_t end = 0;
    bool eof = false;
    [[nodiscard]] bool empty() const { return begin == end; }
    [[nodiscard]] bool wants_read() const { return empty() && !eof; }

    bool read_from(int fd, int to) {  // false: the connection failed
        const auto n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        if (n == 0) {
            eof = true;
            ::shutdown(to, SHUT_WR);
            return true;
        }
        begin = 0;
        end = static_cast<std::size_t>(n);
        return true;
    }
    std::int64_t write_to(int fd) {  // bytes written, or -1: the connection failed
        const auto n = ::send(fd, buffer.data() + begin, end - begin, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
        begin += static_cast<std::size_t>(n);
        return n;
    }
};

// What to wait for on a socket that `in` reads from and `out` writes to; a socket with nothing to
// wait for is left out (a negative descriptor), or its POLLHUP would spin the loop.
inline pollfd wait_on(int fd, const flow& in, const flow& out) {
    const auto events =
        static_cast<short>((in.wants_read() ? POLLIN : 0) | (out.empty() ? 0 : POLLOUT));
    return {events != 0 ? fd : -1, events, 0};
}

}  // namespace ferry::test
