#include "common/net/dead_path.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

namespace ferry {

void detect_dead_path(tcp::socket& socket, std::chrono::seconds within) {
    const auto total = static_cast<int>(std::max<std::chrono::seconds::rep>(within.count(), 6));
    const int on = 1;
    const int idle = total / 3;
    const int probes = 4;
    const int interval = std::max(1, (total - idle) / (probes + 1));
    const auto user_timeout_ms = static_cast<unsigned int>(total) * 1000U;
    const auto fd = socket.native_handle();
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
}

}  // namespace ferry
