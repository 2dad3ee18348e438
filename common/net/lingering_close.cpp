#include "common/net/lingering_close.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdint>

namespace ferry {

namespace {

// At a deliberate stop, on the way out: the socket may be full (a slow peer), so this waits
// for it to take `bytes`, but never past `until`. A BYE that does not get out in time leaves
// the peer to find the connection closed.
void send_before(int fd, byte_span bytes, clock::time_point until) {
    while (!bytes.empty()) {
        const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            bytes = bytes.subspan(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
        if (left.count() <= 0) return;
        pollfd writable{fd, POLLOUT, 0};
        ::poll(&writable, 1, static_cast<int>(left.count()));
    }
}

// Then, until the peer closes too (having read the BYE): a socket closed while the peer still
// sends (an ACK on its way) is reset, and a reset throws away what the peer had not read yet.
// What arrives meanwhile is read and dropped.
void linger_until_closed(int fd, clock::time_point until) {
    ::shutdown(fd, SHUT_WR);
    std::array<std::uint8_t, 4096> sink{};
    for (;;) {
        ssize_t n = 0;
        while ((n = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT)) > 0) {
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
        if (left.count() <= 0) return;
        pollfd readable{fd, POLLIN, 0};
        ::poll(&readable, 1, static_cast<int>(left.count()));
    }
}

}  // namespace

void send_and_linger(int fd, byte_span last, clock::time_point until) {
    send_before(fd, last, until);
    linger_until_closed(fd, until);
}

}  // namespace ferry
