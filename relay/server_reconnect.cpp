// RECONNECT (docs/protocol.md): the two sides of a session whose connection broke find each
// other again by its rendezvous id.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/connection.hpp"
#include "relay/pair_lease.hpp"
#include "relay/server.hpp"

namespace ferry::relay {

namespace rp = relay_proto;

// Undoes what serve_reconnect() registered, however it ends.
struct server::reconnect_lease : pair_lease {
    const rp::frame& f;
    reconnect_lease(server& owner, const rp::frame& frame, connection& conn, waiting_sender& w)
        : pair_lease(owner, conn, w), f(frame) {
        ++s.reconnect_sessions_;
    }
    reconnect_lease(const reconnect_lease&) = delete;
    reconnect_lease& operator=(const reconnect_lease&) = delete;
    ~reconnect_lease() {
        --s.reconnect_sessions_;
        s.leave_reconnect(f, waiting);
    }
};

// The first side to come waits (as a sender waits for its receiver, within the same limits) and
// owns the pair; a second try of the same side replaces a stale first one.
awaitable<void> server::serve_reconnect(connection& c, const rp::frame& f) {
    const bool waits_here =
        co_await reconnect_waits_here(c, f);  // docs/architecture.md, GCC 12 and co_await
    if (!waits_here) co_return;
    waiting_sender waiting(executor_);
    if (auto* stale = reconnects_.wait(f.id, f.side, waiting, c.ip)) {
        stale->replaced = true;
        stale->wake.cancel();
    }
    reconnect_lease lease(*this, f, c, waiting);
    const auto started = clock::now();
    const bool partnered =
        co_await wait_for_partner(c, f, waiting);  // docs/architecture.md, GCC 12 and co_await
    if (!partnered) co_return;
    co_await own_reconnected_pair(c, f, waiting, started);
}

// Where a RECONNECT goes: to the other side waiting here, to the relay of the cluster holding
// the session, or refused; true if it waits here (admitted, its key held in a cluster).
awaitable<bool> server::reconnect_waits_here(connection& c, const rp::frame& f) {
    if (reconnects_.end_running(f.id, f.side)) {
        spdlog::info("{}: reconnect of a session still paired here: its old connection is closed",
                     c.address);
    }
    // The second side completes a session already counted: only the first waits and is admitted.
    if (join_partner(c, f)) co_return false;
    if (cluster_ && !c.via_link) {
        const auto owner = co_await remote_owner(c, cluster::reconnect_key(f.id));
        if (!owner) co_return false;
        if (!owner->empty()) {
            co_await forward(c, f, *owner);
            co_return false;
        }
        if (join_partner(c, f)) co_return false;  // came here meanwhile
    }
    if (!co_await admit_sender(c)) co_return false;
    if (cluster_ && !co_await hold_reconnect(c, f)) co_return false;
    co_return true;
}

// Waits for the other side, this one leaving, the wait limit or the relay stopping; true once the
// other side's socket is handed over, else the ending is counted and told.
awaitable<bool> server::wait_for_partner(connection& c, const rp::frame& f,
                                         waiting_sender& waiting) {
    const auto woke =
        co_await wait_handed_over(c, waiting);  // docs/architecture.md, GCC 12 and co_await
    c.waiting = nullptr;
    leave_reconnect(f, waiting);
    if (woke == 1 || !c.socket.is_open()) {
        co_await waiter_left(waiting, rp::error_code::no_receiver,
                             "the other side left before the pair was made");
        co_return false;
    }
    if (waiting.receiver) co_return true;
    metrics_.ended(waiting.replaced        ? outcome::replaced
                   : waiting.shutting_down ? outcome::relay_stopping
                                           : outcome::no_receiver);
    const auto text = waiting.replaced        ? "replaced by a newer reconnect"
                      : waiting.shutting_down ? "the relay is shutting down"
                                              : "the other side did not come back in time";
    co_await refuse(
        c.socket,
        waiting.shutting_down ? rp::error_code::shutting_down : rp::error_code::no_receiver, text);
    co_return false;
}

// The pair, registered as running so that a later RECONNECT of either side ends it.
awaitable<void> server::own_reconnected_pair(connection& c, const rp::frame& f,
                                             waiting_sender& waiting, clock::time_point started) {
    const bool is_sender = f.side == rp::role::sender;
    const pair_labels labels{"reconnected", is_sender ? c.address : waiting.receiver_address,
                             is_sender ? waiting.receiver_address : c.address, !is_sender};
    // c.socket is this side's (f.side), c.peer the other's.
    reconnects_.pair_running(f.id, &c, [&c, mine = f.side](rp::role side) {
        std::error_code ignored;
        auto* dead = side == mine ? &c.socket : c.peer;
        if (dead != nullptr) dead->shutdown(tcp::socket::shutdown_both, ignored);
    });
    struct running_guard {
        reconnect_table& table;
        const rp::frame& f;
        const connection& c;
        ~running_guard() { table.pair_ended(f.id, &c); }
    } running{reconnects_, f, c};
    co_await own_pair(c, waiting, labels, started);
}

// The other side of a RECONNECT, waiting here: given this connection; false if none waits.
bool server::join_partner(connection& c, const rp::frame& f) {
    auto* partner = reconnects_.take_partner(f.id, f.side);
    if (partner == nullptr) return false;
    hand_over(c, *partner);
    return true;
}

// In a cluster the session's key is held in Redis while either side waits here.
void server::leave_reconnect(const rp::frame& f, const waiting_sender& waiting) {
    reconnects_.leave(f.id, f.side, waiting);
    if (cluster_ && !reconnects_.contains(f.id)) cluster_->release(cluster::reconnect_key(f.id));
}

}  // namespace ferry::relay
