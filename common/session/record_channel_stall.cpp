#include "common/session/record_channel_stall.hpp"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

// The record channel's stall watch and keepalive, with reconnect on.
namespace ferry {

using namespace std::chrono_literals;
using asio::experimental::as_tuple;

void record_channel::start_stall_watch() {
    watch_ = std::make_shared<stall_watch>(socket_->get_executor(), *this);
    watch_->follow(socket_->native_handle());
    asio::co_spawn(socket_->get_executor(), watch_stalls(watch_), asio::detached);
}

// Four times a second: keeps the link alive (keep_alive()), and takes it for dead when nothing
// came for stall_after while the peer owed us something (with keepalive: always). Unread bytes
// that grew in the socket count as heard (a side busy elsewhere, a slow disk, is not silent);
// bytes that only lie there do not: a side blocked on a full send direction that never reads
// would otherwise take old bytes for a live peer for ever.
// The link is shut down; the operations on it fail and reconnect.
awaitable<void> record_channel::watch_stalls(std::shared_ptr<stall_watch> watch) {
    for (;;) {
        watch->timer.expires_after(250ms);
        co_await watch->timer.async_wait(as_tuple(use_awaitable));
        if (!watch->alive) break;
        if (watch->fd < 0) continue;
        auto& channel = *watch->channel;
        channel.keep_alive();
        if (!channel.plan_->peer_keeps_alive && channel.log_->bytes_held() == 0) continue;
        int queued = 0;
        if (::ioctl(watch->fd, FIONREAD, &queued) == 0 && queued > watch->queued) {
            watch->heard = clock::now();
        }
        watch->queued = queued;
        if (clock::now() - watch->heard > channel.plan_->stall_after) {
            ::shutdown(watch->fd, SHUT_RDWR);
            watch->stalled = true;
            watch->heard = clock::now();
        }
    }
}

void record_channel::heard_from_peer() {
    if (watch_) watch_->heard = clock::now();
}

// With keepalive, a writer idle for keepalive_every sends an ACK: one small record, written
// without waiting (a full socket has records on their way anyway; what does not fit stays in
// out_ for the next write, in order).
void record_channel::keep_alive() {
    if (!plan_->peer_keeps_alive || !sealer_ || ended_ || writing_ || recovering_ ||
        pending_ != 0 || clock::now() - last_write_ < keepalive_every) {
        return;
    }
    seal_control(ack_record, received_);
    last_write_ = clock::now();
    const auto n =
        ::send(socket_->native_handle(), out_.data(), pending_, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) return;
    const auto sent = static_cast<std::size_t>(n);
    std::memmove(out_.data(), out_.data() + sent, pending_ - sent);
    pending_ -= sent;
}

}  // namespace ferry
