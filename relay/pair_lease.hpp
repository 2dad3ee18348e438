#pragma once

#include "relay/connection.hpp"
#include "relay/server.hpp"

// The server's own: not for use outside relay/server*.cpp.
namespace ferry::relay {

// A connection waiting for its other side (registered as waiting from construction) until its
// coroutine ends, however it ends: then it waits no more, and the other side's socket, if one was
// handed over to it (hand_over), stops counting against the connection limits. The leases of a
// sender's nameplate, of a RECONNECT and of a share's receiver add their own registrations.
struct server::pair_lease {
    server& s;
    connection& c;
    waiting_sender& waiting;
    pair_lease(server& owner, connection& conn, waiting_sender& w) : s(owner), c(conn), waiting(w) {
        c.state = phase::waiting;
        c.waiting = &waiting;
    }
    pair_lease(const pair_lease&) = delete;
    pair_lease& operator=(const pair_lease&) = delete;
    ~pair_lease() {
        c.waiting = nullptr;
        c.peer = nullptr;
        if (waiting.receiver) {
            --s.paired_receivers_;
            s.release_address(waiting.receiver_ip);
        }
    }
};

}  // namespace ferry::relay
