#pragma once

#include "common/session/record_channel.hpp"

// The channel's stall watch (record_channel_stall.cpp), seen by the channel's other parts.
namespace ferry {

// Shared with the watcher coroutine, which outlives neither the channel (alive) nor its own
// timer; all on the channel's thread.
struct record_channel::stall_watch {
    stall_watch(const asio::any_io_executor& ex, record_channel& c) : timer(ex), channel(&c) {}
    // From now on the link on `socket_fd`, just heard from.
    void follow(int socket_fd) {
        fd = socket_fd;
        queued = 0;
        heard = clock::now();
    }
    // The socket watched is closed: its number may soon be another descriptor's.
    void forget() { fd = -1; }
    void stop() {
        alive = false;
        timer.cancel();
    }

    asio::steady_timer timer;
    bool alive = true;
    record_channel* channel;  // valid while alive
    int fd = -1;
    clock::time_point heard = clock::now();
    int queued = 0;        // unread bytes in the socket at the last look
    bool stalled = false;  // the watch shut the link down: "no answer for ..."
};

}  // namespace ferry
